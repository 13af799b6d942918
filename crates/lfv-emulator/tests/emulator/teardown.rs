//! Model lifecycles on the emulator clock (seeded settle times, per-model stop and delete times), the refusals
//! of a teardown in the wrong order (ConflictException), DescribeModel's seeded fields in the service model's
//! shape, and StopModel, DeleteModel and DeleteProject idempotent by client token.

use std::time::Duration;

use aws_sdk_lookoutvision::Client;
use aws_sdk_lookoutvision::error::ProvideErrorMetadata;
use aws_sdk_lookoutvision::operation::delete_project::DeleteProjectError;
use aws_sdk_lookoutvision::types::{ModelStatus, ResourceType};
use lfv_emulator::seed::{SeedPerformance, SeedS3Location, SeedS3Object};

use super::*;

/// Every setting defaults far in the future, so only the seeded per-model times move anything.
fn slow(seed: Seed) -> EmulatorConfig {
    EmulatorConfig { model_delay: Duration::from_secs(3600), delete_delay: Duration::from_secs(3600), ..config(seed) }
}

fn settling(version: &str, status: &str, ms: u64) -> SeedModel {
    SeedModel { settle_after_ms: Some(ms), ..model(version, status) }
}

async fn status(c: &Client, p: &str, v: &str) -> Option<ModelStatus> {
    match c.describe_model().project_name(p).model_version(v).send().await {
        Ok(d) => d.model_description().and_then(|m| m.status().cloned()),
        Err(e) => {
            assert_eq!(e.into_service_error().code(), Some("ResourceNotFoundException"));
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn seeded_lifecycles_settle_on_the_emulator_clock() {
    let models = vec![
        settling("1", "TRAINING", 60_000),
        settling("2", "STARTING_HOSTING", 60_000),
        settling("3", "STOPPING_HOSTING", 60_000),
        settling("4", "DELETING", 60_000),
        settling("5", "SYSTEM_UPDATING", 60_000),
    ];
    let emu = start(slow(seed_of(vec![project("p", vec![], models)]))).await;
    let c = client(&emu);
    let before: Vec<_> = statuses(&c, &["1", "2", "3", "4", "5"]).await;
    use ModelStatus::*;
    assert_eq!(
        before,
        [Some(Training), Some(StartingHosting), Some(StoppingHosting), Some(Deleting), Some(SystemUpdating)]
    );
    emu.advance_clock(Duration::from_secs(59));
    assert_eq!(statuses(&c, &["1", "2", "3", "4", "5"]).await, before, "nothing settles early");
    emu.advance_clock(Duration::from_secs(2));
    let after = statuses(&c, &["1", "2", "3", "4", "5"]).await;
    assert_eq!(after, [Some(Trained), Some(Hosted), Some(Trained), None, Some(Hosted)]);
    let listed = c.list_models().project_name("p").send().await.unwrap();
    let versions: Vec<_> = listed.models().iter().filter_map(|m| m.model_version()).collect();
    assert_eq!(versions, ["1", "2", "3", "5"], "the deleted version left ListModels");
    emu.shutdown().await;
}

async fn statuses(c: &Client, versions: &[&str]) -> Vec<Option<ModelStatus>> {
    let mut out = Vec::new();
    for v in versions {
        out.push(status(c, "p", v).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_and_delete_take_each_models_seeded_time() {
    let hosted = SeedModel { stop_after_ms: Some(120_000), delete_after_ms: Some(30_000), ..model("1", "HOSTED") };
    let emu = start(slow(seed_of(vec![project("p", vec![], vec![hosted])]))).await;
    let c = client(&emu);
    c.stop_model().project_name("p").model_version("1").send().await.unwrap();
    emu.advance_clock(Duration::from_secs(119));
    assert_eq!(status(&c, "p", "1").await, Some(ModelStatus::StoppingHosting));
    emu.advance_clock(Duration::from_secs(2));
    assert_eq!(status(&c, "p", "1").await, Some(ModelStatus::Trained));
    let d = c.describe_model().project_name("p").model_version("1").send().await.unwrap();
    assert_eq!(d.model_description().unwrap().min_inference_units(), None, "no inference units once stopped");
    c.delete_model().project_name("p").model_version("1").send().await.unwrap();
    emu.advance_clock(Duration::from_secs(29));
    assert_eq!(status(&c, "p", "1").await, Some(ModelStatus::Deleting));
    emu.advance_clock(Duration::from_secs(2));
    assert_eq!(status(&c, "p", "1").await, None);
    c.delete_project().project_name("p").send().await.unwrap();
    let s = emu.stats();
    assert_eq!((s.mutations.models_stopped, s.mutations.models_deleted, s.mutations.projects_deleted), (1, 1, 1));
    emu.shutdown().await;
}

fn conflict_of<E: ProvideErrorMetadata>(e: &E) -> (Option<String>, String) {
    (e.code().map(String::from), e.message().unwrap_or("").to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn teardown_out_of_order_is_refused_with_conflicts() {
    let models =
        ["TRAINED", "TRAINING", "STARTING_HOSTING", "HOSTED", "STOPPING_HOSTING", "SYSTEM_UPDATING", "DELETING"]
            .iter()
            .enumerate()
            .map(|(i, s)| model(&(i + 1).to_string(), s))
            .collect();
    let emu = start(slow(seed_of(vec![project("p", vec![dataset("train", &[Some(0)])], models)]))).await;
    let c = client(&emu);
    // StopModel on anything but HOSTED: 409 MODEL.
    for v in ["1", "2", "3", "5", "6", "7"] {
        let e = c.stop_model().project_name("p").model_version(v).send().await.unwrap_err();
        assert_eq!(e.raw_response().unwrap().status().as_u16(), 409, "stop {v}");
        let e = e.into_service_error();
        assert_eq!(conflict_of(&e).0.as_deref(), Some("ConflictException"));
        assert!(conflict_of(&e).1.contains("not HOSTED"), "{:?}", conflict_of(&e));
        match e {
            aws_sdk_lookoutvision::operation::stop_model::StopModelError::ConflictException(ce) => {
                assert_eq!(ce.resource_type(), Some(&ResourceType::Model));
                assert_eq!(ce.resource_id(), Some(format!("p/{v}").as_str()));
            }
            other => panic!("expected ConflictException, got {other:?}"),
        }
    }
    // DeleteModel on every busy status: 409 naming the status.
    for (v, st) in [("2", "TRAINING"), ("3", "STARTING_HOSTING"), ("4", "HOSTED"), ("5", "STOPPING_HOSTING")]
        .into_iter()
        .chain([("6", "SYSTEM_UPDATING"), ("7", "DELETING")])
    {
        let e = c.delete_model().project_name("p").model_version(v).send().await.unwrap_err().into_service_error();
        let (code, msg) = conflict_of(&e);
        assert_eq!(code.as_deref(), Some("ConflictException"), "delete {v}");
        assert!(msg.contains(st), "{msg}");
    }
    // DeleteProject while a dataset and models remain: 409 PROJECT naming both counts.
    let e = c.delete_project().project_name("p").send().await.unwrap_err().into_service_error();
    match &e {
        DeleteProjectError::ConflictException(ce) => {
            assert_eq!(ce.resource_type(), Some(&ResourceType::Project));
            assert!(ce.message().unwrap().contains("1 dataset(s) and 7 model(s)"), "{ce:?}");
        }
        other => panic!("expected ConflictException, got {other:?}"),
    }
    // The TRAINED model deletes; the dataset is refused while a model trains; the project stays refused.
    c.delete_model().project_name("p").model_version("1").send().await.unwrap();
    c.delete_dataset().project_name("p").dataset_type("train").send().await.unwrap_err();
    assert!(c.delete_project().project_name("p").send().await.is_err());
    assert_eq!(emu.stats().mutations.projects_deleted, 0);
    assert_eq!(emu.stats().calls_with_status("DeleteProject", "409"), 2);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_model_shows_every_seeded_field_in_the_service_shape() {
    let rich = SeedModel {
        description: Some("line-3.v2_final".into()),
        performance: Some(SeedPerformance { f1_score: 0.5, recall: 0.25, precision: 0.75 }),
        output: Some(SeedS3Location { bucket: "out-bucket".into(), prefix: Some("models/p/".into()) }),
        evaluation_manifest: Some(SeedS3Object { bucket: "eval".into(), key: "m.json".into() }),
        evaluation_result: Some(SeedS3Object { bucket: "eval".into(), key: "r.json".into() }),
        kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/abcd-1234".into()),
        min_inference_units: Some(3),
        max_inference_units: Some(5),
        ..model("1", "HOSTED")
    };
    let plain = model("2", "TRAINING");
    let emu = start(slow(seed_of(vec![project("p", vec![], vec![rich, plain])]))).await;
    let c = client(&emu);
    let d = c.describe_model().project_name("p").model_version("1").send().await.unwrap();
    let m = d.model_description().unwrap();
    assert_eq!(m.description(), Some("line-3.v2_final"));
    let perf = m.performance().unwrap();
    assert_eq!((perf.f1_score(), perf.recall(), perf.precision()), (Some(0.5), Some(0.25), Some(0.75)));
    let out = m.output_config().unwrap().s3_location().unwrap();
    assert_eq!((out.bucket(), out.prefix()), (Some("out-bucket"), Some("models/p/")));
    assert_eq!(
        (m.evaluation_manifest().unwrap().bucket(), m.evaluation_manifest().unwrap().key()),
        (Some("eval"), Some("m.json"))
    );
    assert_eq!(m.evaluation_result().unwrap().key(), Some("r.json"));
    assert_eq!(m.kms_key_id(), Some("arn:aws:kms:us-east-1:123456789012:key/abcd-1234"));
    assert_eq!((m.min_inference_units(), m.max_inference_units()), (Some(3), Some(5)));
    assert!(m.evaluation_end_timestamp().is_some());
    // Defaults: no description or KMS key, no performance or evaluation while training, default output.
    let d = c.describe_model().project_name("p").model_version("2").send().await.unwrap();
    let m = d.model_description().unwrap();
    assert_eq!((m.description(), m.kms_key_id(), m.min_inference_units()), (None, None, None));
    assert!(m.performance().is_none() && m.evaluation_manifest().is_none() && m.evaluation_result().is_none());
    let out = m.output_config().unwrap().s3_location().unwrap();
    assert_eq!(
        (out.bucket(), out.prefix()),
        (Some(format!("lookoutvision-us-east-1-{ACCOUNT}").as_str()), Some("p/models/"))
    );
    // ListModels carries the same metadata.
    let listed = c.list_models().project_name("p").send().await.unwrap();
    assert_eq!(listed.models()[0].description(), Some("line-3.v2_final"));
    assert_eq!(listed.models()[0].performance().unwrap().recall(), Some(0.25));
    assert!(listed.models()[1].performance().is_none());
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_delete_model_and_delete_project_replay_by_client_token() {
    let seed = seed_of(vec![project("p", vec![], vec![model("1", "HOSTED")]), project("q", vec![], vec![])]);
    let emu = start(EmulatorConfig { model_delay: Duration::ZERO, ..config(seed) }).await;
    let c = client(&emu);
    let a = c.stop_model().project_name("p").model_version("1").client_token("stop-1").send().await.unwrap();
    let b = c.stop_model().project_name("p").model_version("1").client_token("stop-1").send().await.unwrap();
    assert_eq!(a.status(), b.status(), "the replay answers the first 202 though the model is TRAINED now");
    let e = c.stop_model().project_name("p").model_version("1").client_token("stop-2").send().await.unwrap_err();
    assert!(conflict_of(&e.into_service_error()).1.contains("not HOSTED"), "a new token is a new call");
    let e = c.stop_model().project_name("q").model_version("1").client_token("stop-1").send().await.unwrap_err();
    let (code, msg) = conflict_of(&e.into_service_error());
    assert_eq!(code.as_deref(), Some("ConflictException"));
    assert!(msg.contains("stop-1") && msg.contains("different parameters"), "{msg}");

    c.delete_model().project_name("p").model_version("1").client_token("del-1").send().await.unwrap();
    c.delete_model().project_name("p").model_version("1").client_token("del-1").send().await.unwrap();
    let e = c.delete_model().project_name("p").model_version("1").client_token("del-2").send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ResourceNotFoundException"));

    let first = c.delete_project().project_name("p").client_token("proj-1").send().await.unwrap();
    let again = c.delete_project().project_name("p").client_token("proj-1").send().await.unwrap();
    assert_eq!(first.project_arn(), again.project_arn());
    assert_eq!(first.project_arn(), Some(format!("arn:aws:lookoutvision:us-east-1:{ACCOUNT}:project/p").as_str()));
    let e = c.delete_project().project_name("q").client_token("proj-1").send().await.unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 409);
    assert!(c.describe_project().project_name("q").send().await.is_ok(), "the mismatched call changed nothing");
    // After 8 hours the token is new: the project is gone, so 404.
    emu.advance_clock(Duration::from_secs(8 * 3600 + 1));
    let e = c.delete_project().project_name("p").client_token("proj-1").send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ResourceNotFoundException"));

    let s = emu.stats();
    for op in ["StopModel", "DeleteModel", "DeleteProject"] {
        assert_eq!(s.replays.get(op), Some(&1), "{op}");
    }
    assert_eq!((s.mutations.models_stopped, s.mutations.models_deleted, s.mutations.projects_deleted), (1, 1, 1));
    emu.shutdown().await;
}
