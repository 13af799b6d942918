//! Happy paths of all 13 operations, lifecycles and the `/_emulator/` endpoints.

use std::time::Duration;

use aws_sdk_lookoutvision::types::{
    DatasetGroundTruthManifest, DatasetSource, DatasetStatus, InputS3Object, ModelHostingStatus, ModelStatus,
};

use super::*;

fn rich_seed() -> Seed {
    let mut p = project(
        "pcb-solder-inspection-001",
        vec![dataset("train", &[Some(0), Some(1), None, Some(0)]), dataset("test", &[Some(1), Some(1)])],
        vec![model("1", "TRAINED"), model("2", "HOSTED")],
    );
    p.tags.insert("team".into(), "qa".into());
    seed_of(vec![p, project("empty-project", vec![], vec![])])
}

#[tokio::test(flavor = "multi_thread")]
async fn read_operations_return_the_seeded_state() {
    let emu = start(config(rich_seed())).await;
    let c = client(&emu);

    let list = c.list_projects().send().await.unwrap();
    let names: Vec<_> = list.projects().iter().map(|p| p.project_name().unwrap().to_string()).collect();
    assert_eq!(names, vec!["empty-project", "pcb-solder-inspection-001"]);
    assert!(list.next_token().is_none());
    let p = &list.projects()[1];
    assert_eq!(p.project_arn(), Some("arn:aws:lookoutvision:us-east-1:123456789012:project/pcb-solder-inspection-001"));
    assert_eq!(p.creation_timestamp().unwrap().as_secs_f64(), 1_640_000_000.5);

    let d = c.describe_project().project_name("pcb-solder-inspection-001").send().await.unwrap();
    let desc = d.project_description().unwrap();
    let types: Vec<_> = desc.datasets().iter().map(|d| d.dataset_type().unwrap().to_string()).collect();
    assert_eq!(types, vec!["test", "train"]);
    assert_eq!(desc.datasets()[0].status(), Some(&DatasetStatus::CreateComplete));
    assert_eq!(desc.datasets()[0].status_message(), Some("Dataset created."));

    let ds = c.describe_dataset().project_name("pcb-solder-inspection-001").dataset_type("train").send().await.unwrap();
    let st = ds.dataset_description().unwrap().image_stats().unwrap();
    assert_eq!((st.total(), st.labeled(), st.normal(), st.anomaly()), (Some(4), Some(3), Some(2), Some(1)));

    let entries =
        c.list_dataset_entries().project_name("pcb-solder-inspection-001").dataset_type("train").send().await.unwrap();
    assert_eq!(entries.dataset_entries().len(), 4);
    assert!(entries.dataset_entries()[0].contains("s3://bucket/p/train/000.jpg"));
    let anomalies = c
        .list_dataset_entries()
        .project_name("pcb-solder-inspection-001")
        .dataset_type("train")
        .anomaly_class("anomaly")
        .send()
        .await
        .unwrap();
    assert_eq!(anomalies.dataset_entries().len(), 1);
    let unlabeled = c
        .list_dataset_entries()
        .project_name("pcb-solder-inspection-001")
        .dataset_type("train")
        .labeled(false)
        .send()
        .await
        .unwrap();
    assert_eq!(unlabeled.dataset_entries().len(), 1);

    let models = c.list_models().project_name("pcb-solder-inspection-001").send().await.unwrap();
    let versions: Vec<_> = models.models().iter().map(|m| m.model_version().unwrap().to_string()).collect();
    assert_eq!(versions, vec!["1", "2"]);
    assert_eq!(models.models()[1].status(), Some(&ModelStatus::Hosted));
    let latest =
        c.describe_model().project_name("pcb-solder-inspection-001").model_version("latest").send().await.unwrap();
    let md = latest.model_description().unwrap();
    assert_eq!(md.model_version(), Some("2"));
    assert_eq!(md.model_arn(), Some("arn:aws:lookoutvision:us-east-1:123456789012:model/pcb-solder-inspection-001/2"));
    assert!(md.performance().unwrap().f1_score().unwrap() > 0.5);

    let arn = "arn:aws:lookoutvision:us-east-1:123456789012:project/pcb-solder-inspection-001";
    let tags = c.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!((tags.tags()[0].key(), tags.tags()[0].value()), (Some("team"), Some("qa")));
    let model_arn = "arn:aws:lookoutvision:us-east-1:123456789012:model/pcb-solder-inspection-001/1";
    assert!(c.list_tags_for_resource().resource_arn(model_arn).send().await.unwrap().tags().is_empty());

    let log = emu.log();
    assert_eq!(log.len(), 10);
    assert_eq!(log[0].op, "ListProjects");
    assert_eq!(log[0].account, ACCOUNT);
    assert_eq!(log[0].region, "us-east-1");
    let caller = format!("arn:aws:iam::{ACCOUNT}:user/emulator");
    assert!(log.iter().all(|e| e.caller.as_deref() == Some(caller.as_str())), "{log:?}");
    assert_eq!(log[2].dataset_type.as_deref(), Some("train"));
    assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(emu.stats().calls_with_status("ListDatasetEntries", "200"), 3);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mutations_run_their_lifecycles() {
    let emu = start(EmulatorConfig { delete_delay: Duration::from_millis(400), ..config(rich_seed()) }).await;
    let c = client(&emu);
    let p = "pcb-solder-inspection-001";

    // StopModel: 202 STOPPING_HOSTING, then TRAINED after model_delay.
    let stop = c.stop_model().project_name(p).model_version("2").send().await.unwrap();
    assert_eq!(stop.status(), Some(&ModelHostingStatus::StoppingHosting));
    let m = c.describe_model().project_name(p).model_version("2").send().await.unwrap();
    assert_eq!(m.model_description().unwrap().status(), Some(&ModelStatus::StoppingHosting));
    assert!(
        eventually(Duration::from_secs(5), || async {
            let m = c.describe_model().project_name(p).model_version("2").send().await.unwrap();
            m.model_description().unwrap().status() == Some(&ModelStatus::Trained)
        })
        .await
    );

    // DeleteModel: 202 ModelArn, DELETING, then gone from ListModels.
    for v in ["1", "2"] {
        let del = c.delete_model().project_name(p).model_version(v).send().await.unwrap();
        assert_eq!(del.model_arn(), Some(format!("arn:aws:lookoutvision:us-east-1:{ACCOUNT}:model/{p}/{v}").as_str()));
    }
    let listed = c.list_models().project_name(p).send().await.unwrap();
    assert!(listed.models().iter().all(|m| m.status() == Some(&ModelStatus::Deleting)));
    assert!(
        eventually(Duration::from_secs(5), || async {
            c.list_models().project_name(p).send().await.unwrap().models().is_empty()
        })
        .await
    );

    // DeleteDataset: 202 with an empty body, DELETE_IN_PROGRESS, then gone.
    for t in ["train", "test"] {
        c.delete_dataset().project_name(p).dataset_type(t).send().await.unwrap();
    }
    let d = c.describe_dataset().project_name(p).dataset_type("test").send().await.unwrap();
    assert_eq!(d.dataset_description().unwrap().status(), Some(&DatasetStatus::DeleteInProgress));
    assert!(
        eventually(Duration::from_secs(5), || async {
            let d = c.describe_project().project_name(p).send().await.unwrap();
            d.project_description().unwrap().datasets().is_empty()
        })
        .await
    );

    // DeleteProject once empty.
    let del = c.delete_project().project_name(p).send().await.unwrap();
    assert_eq!(del.project_arn(), Some(format!("arn:aws:lookoutvision:us-east-1:{ACCOUNT}:project/{p}").as_str()));

    // CreateProject, CreateDataset without a source (complete at once) and with one (in progress first).
    let created = c.create_project().project_name("new-project_2").send().await.unwrap();
    let meta = created.project_metadata().unwrap();
    assert_eq!(meta.project_name(), Some("new-project_2"));
    let age = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
        - meta.creation_timestamp().unwrap().as_secs_f64();
    assert!(age.abs() < 60.0, "creation timestamp is now, off by {age}");
    let empty = c.create_dataset().project_name("new-project_2").dataset_type("test").send().await.unwrap();
    assert_eq!(empty.dataset_metadata().unwrap().status(), Some(&DatasetStatus::CreateComplete));
    let source = DatasetSource::builder()
        .ground_truth_manifest(
            DatasetGroundTruthManifest::builder()
                .s3_object(InputS3Object::builder().bucket("my-bucket").key("m.manifest").build())
                .build(),
        )
        .build();
    let with_src = c
        .create_dataset()
        .project_name("new-project_2")
        .dataset_type("train")
        .dataset_source(source)
        .send()
        .await
        .unwrap();
    assert_eq!(with_src.dataset_metadata().unwrap().status(), Some(&DatasetStatus::CreateInProgress));
    assert!(
        eventually(Duration::from_secs(5), || async {
            let d = c.describe_dataset().project_name("new-project_2").dataset_type("train").send().await.unwrap();
            let d = d.dataset_description().unwrap();
            d.status() == Some(&DatasetStatus::CreateComplete) && d.image_stats().unwrap().total() == Some(20)
        })
        .await
    );
    let e = c.list_dataset_entries().project_name("new-project_2").dataset_type("train").send().await.unwrap();
    assert_eq!(e.dataset_entries().len(), 20);
    assert!(e.dataset_entries()[0].starts_with("{\"source-ref\":\"s3://my-bucket/"));

    let m = emu.stats().mutations;
    assert_eq!(
        (
            m.models_stopped,
            m.models_deleted,
            m.datasets_deleted,
            m.projects_deleted,
            m.projects_created,
            m.datasets_created
        ),
        (1, 2, 2, 1, 1, 2)
    );
    assert_eq!(emu.stats().deleted_datasets.get(&format!("{ACCOUNT}/us-east-1/{p}/train")), Some(&1));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn path_labels_and_query_values_are_percent_decoded_without_plus_to_space() {
    let mut d = dataset("train", &[Some(0)]);
    d.entries.push(r#"{"source-ref":"s3://bucket/a+b c.jpg","anomaly-label":1}"#.into());
    let emu = start(config(seed_of(vec![project("p", vec![d], vec![])]))).await;
    let c = client(&emu);
    let hit = c
        .list_dataset_entries()
        .project_name("p")
        .dataset_type("train")
        .source_ref_contains("a+b c")
        .send()
        .await
        .unwrap();
    assert_eq!(hit.dataset_entries().len(), 1);
    let miss = c
        .list_dataset_entries()
        .project_name("p")
        .dataset_type("train")
        .source_ref_contains("a b")
        .send()
        .await
        .unwrap();
    assert!(miss.dataset_entries().is_empty());
    // The ARN is a single percent-encoded segment with ':' and '/'.
    let arn = format!("arn:aws:lookoutvision:us-east-1:{ACCOUNT}:project/p");
    assert!(c.list_tags_for_resource().resource_arn(arn).send().await.is_ok());
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn emulator_endpoints_serve_stats_log_and_clock() {
    let emu = start(config(rich_seed())).await;
    let c = client(&emu);
    c.list_projects().send().await.unwrap();
    let stats = raw(&emu, "GET", "/_emulator/stats", &[], b"").await;
    assert_eq!(stats.status, 200);
    let s: lfv_emulator::Stats = serde_json::from_str(&stats.body).unwrap();
    assert_eq!(s.calls_with_status("ListProjects", "200"), 1);
    let log = raw(&emu, "GET", "/_emulator/log", &[], b"").await;
    let l: Vec<lfv_emulator::LogEntry> = serde_json::from_str(&log.body).unwrap();
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].op, "ListProjects");
    let clock = raw(&emu, "POST", "/_emulator/clock?advance_secs=3600", &[], b"").await;
    assert_eq!(clock.status, 200);
    let v: serde_json::Value = serde_json::from_str(&clock.body).unwrap();
    assert_eq!(v["offset_ms"], 3_600_000);
    assert_eq!(raw(&emu, "POST", "/_emulator/clock?advance_secs=x", &[], b"").await.status, 400);
    // Emulator endpoints are not API requests: nothing more in the log.
    assert_eq!(emu.log().len(), 1);
    emu.shutdown().await;
}
