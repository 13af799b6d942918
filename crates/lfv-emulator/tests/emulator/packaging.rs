//! Model packaging jobs (ListModelPackagingJobs pages, DescribeModelPackagingJob's Greengrass shape parsed by
//! the SDK), tags on models (TagResource, UntagResource, ListTagsForResource round trip and validation), and the
//! model states of a generated seed.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_lookoutvision::error::ProvideErrorMetadata;
use aws_sdk_lookoutvision::types::{
    ModelPackagingJobStatus, ResourceType, Tag, TargetDevice, TargetPlatformAccelerator, TargetPlatformArch,
    TargetPlatformOs,
};
use lfv_emulator::seed::{GenSpec, Mix, SeedPackagingJob, SeedS3Location, SeedTargetPlatform};

use super::*;

fn job(name: &str, status: &str) -> SeedPackagingJob {
    SeedPackagingJob {
        name: name.into(),
        model_version: "1".into(),
        status: status.into(),
        created: 1_700_000_000.0,
        component_name: format!("com.example.{name}"),
        target_device: Some("jetson_xavier".into()),
        s3_output: SeedS3Location { bucket: "packages".into(), prefix: Some(format!("{name}/")) },
        ..SeedPackagingJob::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn packaging_jobs_list_in_pages_and_describe_in_the_greengrass_shape() {
    let platform = SeedPackagingJob {
        target_device: None,
        target_platform: Some(SeedTargetPlatform {
            os: "LINUX".into(),
            arch: "X86_64".into(),
            accelerator: Some("NVIDIA".into()),
        }),
        compiler_options: Some(r#"{"gpu-code": "sm_75"}"#.into()),
        component_version: Some("2.1.0".into()),
        component_description: Some("edge build".into()),
        description: Some("x86 package".into()),
        component_tags: BTreeMap::from([("site".to_string(), "plant-7".to_string())]),
        ..job("b-platform", "SUCCEEDED")
    };
    let mut p = project("p", vec![], vec![model("1", "TRAINED")]);
    p.packaging_jobs = vec![job("a-device", "SUCCEEDED"), platform, job("c-running", "RUNNING")];
    let emu = start(config(seed_of(vec![p]))).await;
    let c = client(&emu);

    let mut names = Vec::new();
    let mut token = None;
    for _ in 0..5 {
        let page =
            c.list_model_packaging_jobs().project_name("p").max_results(2).set_next_token(token).send().await.unwrap();
        assert!(page.model_packaging_jobs().len() <= 2);
        for j in page.model_packaging_jobs() {
            assert_eq!(
                (j.project_name(), j.model_version(), j.model_packaging_method()),
                (Some("p"), Some("1"), Some("Greengrass"))
            );
            names.push(j.job_name().unwrap().to_string());
        }
        token = page.next_token().map(String::from);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names, ["a-device", "b-platform", "c-running"]);
    assert_eq!(emu.stats().calls_with_status("ListModelPackagingJobs", "200"), 2);

    let d = c.describe_model_packaging_job().project_name("p").job_name("a-device").send().await.unwrap();
    let d = d.model_packaging_description().unwrap();
    assert_eq!(d.status(), Some(&ModelPackagingJobStatus::Succeeded));
    let gg = d.model_packaging_configuration().unwrap().greengrass().unwrap();
    assert_eq!((gg.component_name(), gg.component_version()), (Some("com.example.a-device"), Some("1.0.0")));
    assert_eq!(gg.target_device(), Some(&TargetDevice::JetsonXavier));
    assert!(gg.target_platform().is_none());
    assert_eq!(
        (gg.s3_output_location().unwrap().bucket(), gg.s3_output_location().unwrap().prefix()),
        (Some("packages"), Some("a-device/"))
    );
    let out = d.model_packaging_output_details().unwrap().greengrass().unwrap();
    assert_eq!(
        out.component_version_arn(),
        Some(format!("arn:aws:greengrass:us-east-1:{ACCOUNT}:components:com.example.a-device:versions:1.0.0").as_str())
    );

    let d = c.describe_model_packaging_job().project_name("p").job_name("b-platform").send().await.unwrap();
    let d = d.model_packaging_description().unwrap();
    assert_eq!(d.model_packaging_job_description(), Some("x86 package"));
    let gg = d.model_packaging_configuration().unwrap().greengrass().unwrap();
    let tp = gg.target_platform().unwrap();
    assert_eq!((tp.os(), tp.arch()), (Some(&TargetPlatformOs::Linux), Some(&TargetPlatformArch::X8664)));
    assert_eq!(tp.accelerator(), Some(&TargetPlatformAccelerator::Nvidia));
    assert_eq!(
        (gg.compiler_options(), gg.component_description()),
        (Some(r#"{"gpu-code": "sm_75"}"#), Some("edge build"))
    );
    assert_eq!(gg.tags().len(), 1);
    assert_eq!(d.model_packaging_output_details().unwrap().greengrass().unwrap().component_version(), Some("2.1.0"));

    let d = c.describe_model_packaging_job().project_name("p").job_name("c-running").send().await.unwrap();
    assert!(d.model_packaging_description().unwrap().model_packaging_output_details().is_none(), "no output yet");

    let e = c.describe_model_packaging_job().project_name("p").job_name("nope").send().await.unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 404);
    match e.into_service_error() {
        aws_sdk_lookoutvision::operation::describe_model_packaging_job::DescribeModelPackagingJobError::ResourceNotFoundException(nf) => {
            assert_eq!(nf.resource_type(), Some(&ResourceType::ModelPackageJob));
            assert_eq!(nf.resource_id(), Some("nope"));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    let e = c.describe_model_packaging_job().project_name("p").job_name("bad_name").send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ValidationException"));
    let e = c.list_model_packaging_jobs().project_name("gone").send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ResourceNotFoundException"));
    emu.shutdown().await;
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

#[tokio::test(flavor = "multi_thread")]
async fn model_tags_round_trip_and_are_validated() {
    let mut m = model("1", "TRAINED");
    m.tags = BTreeMap::from([("team".to_string(), "qa".to_string())]);
    let emu = start(config(seed_of(vec![project("p", vec![], vec![m])]))).await;
    let c = client(&emu);
    let arn = format!("arn:aws:lookoutvision:us-east-1:{ACCOUNT}:model/p/1");
    let list = |arn: String| {
        let c = c.clone();
        async move {
            let t = c.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
            t.tags()
                .iter()
                .map(|t| format!("{}={}", t.key().unwrap_or(""), t.value().unwrap_or("")))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(arn.clone()).await, ["team=qa"]);
    c.tag_resource()
        .resource_arn(&arn)
        .tags(tag("team", "vision"))
        .tags(tag("cost center", "4711"))
        .send()
        .await
        .unwrap();
    assert_eq!(list(arn.clone()).await, ["cost center=4711", "team=vision"]);
    c.untag_resource().resource_arn(&arn).tag_keys("team").tag_keys("absent").send().await.unwrap();
    assert_eq!(list(arn.clone()).await, ["cost center=4711"]);

    // Validation (400) and the per-resource limit (402): nothing changes.
    let bad: Vec<Vec<Tag>> = vec![
        vec![tag("aws:reserved", "x")],
        vec![tag(&"k".repeat(129), "x")],
        vec![tag("k", &"v".repeat(257))],
        vec![tag("semi;colon", "x")],
        (0..201).map(|i| tag(&format!("k{i}"), "v")).collect(),
    ];
    for tags in bad {
        let e = c.tag_resource().resource_arn(&arn).set_tags(Some(tags)).send().await.unwrap_err();
        assert_eq!(e.into_service_error().code(), Some("ValidationException"));
    }
    let many: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    let e = c.tag_resource().resource_arn(&arn).set_tags(Some(many)).send().await.unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 402);
    assert_eq!(e.into_service_error().code(), Some("ServiceQuotaExceededException"));
    assert_eq!(list(arn.clone()).await, ["cost center=4711"]);

    // Missing model, other account: 404; not an ARN: 400.
    let e = c.tag_resource().resource_arn(arn.replace("/1", "/9")).tags(tag("a", "b")).send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ResourceNotFoundException"));
    let e =
        c.untag_resource().resource_arn(arn.replace(ACCOUNT, "210987654321")).tag_keys("a").send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ResourceNotFoundException"));
    let e = c.tag_resource().resource_arn("not-an-arn").tags(tag("a", "b")).send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ValidationException"));

    // The tags go with the model.
    c.delete_model().project_name("p").model_version("1").send().await.unwrap();
    assert!(
        eventually(Duration::from_secs(5), || async {
            c.list_tags_for_resource().resource_arn(&arn).send().await.is_err()
        })
        .await
    );
    let s = emu.stats();
    assert_eq!((s.mutations.tags_added, s.mutations.tags_removed), (2, 1));
    assert_eq!(s.calls_with_status("TagResource", "200"), 1);
    assert_eq!(s.calls_with_status("UntagResource", "200"), 1);
    assert_eq!(emu.log().iter().filter(|l| l.op == "TagResource").count(), 9);
    emu.shutdown().await;
}

#[test]
fn generated_seeds_hold_every_model_state_and_packaging_jobs() {
    for rng_seed in 0..10 {
        let seed = Seed::generate(&GenSpec { projects: 10, rng_seed, ..GenSpec::default() });
        lfv_emulator::seed::validate(&seed).unwrap();
        let projects = &seed.accounts[0].regions[0].projects;
        let states: std::collections::BTreeSet<&str> =
            projects.iter().flat_map(|p| &p.models).map(|m| m.status.as_str()).collect();
        let want = ["DELETING", "HOSTED", "STARTING_HOSTING", "STOPPING_HOSTING", "TRAINED", "TRAINING"];
        assert_eq!(states.into_iter().collect::<Vec<_>>(), want, "seed {rng_seed}");
        assert!(projects.iter().any(|p| !p.packaging_jobs.is_empty()), "seed {rng_seed}");
        assert!(projects.iter().flat_map(|p| &p.models).any(|m| !m.tags.is_empty()), "seed {rng_seed}");
        let settles = projects.iter().flat_map(|p| &p.models).filter_map(|m| m.settle_after_ms);
        assert!(settles.into_iter().all(|ms| (2_000..6_000).contains(&ms)));
    }
    // Exact mixes stay model-free.
    let tt = Seed::generate(&GenSpec { projects: 30, mix: Mix::TrainTest, ..GenSpec::default() });
    assert!(tt.accounts[0].regions[0].projects.iter().all(|p| p.models.is_empty() && p.packaging_jobs.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn new_operations_have_their_own_quota_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let mut p = project("p", vec![], vec![model("1", "TRAINED")]);
    p.packaging_jobs = vec![job("j-1", "SUCCEEDED")];
    let config = |seed| EmulatorConfig { rate: Some(0.01), burst: 1, state_file: Some(file.clone()), ..config(seed) };
    let emu = start(config(seed_of(vec![p]))).await;
    let c = client(&emu);
    let arn = format!("arn:aws:lookoutvision:us-east-1:{ACCOUNT}:model/p/1");
    // One token per (account, region, operation), refilled every 100 s: each first call passes, a second is
    // throttled.
    c.list_model_packaging_jobs().project_name("p").send().await.unwrap();
    c.describe_model_packaging_job().project_name("p").job_name("j-1").send().await.unwrap();
    c.tag_resource().resource_arn(&arn).tags(tag("k", "v")).send().await.unwrap();
    c.untag_resource().resource_arn(&arn).tag_keys("none").send().await.unwrap();
    let e = c.list_model_packaging_jobs().project_name("p").send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ThrottlingException"));
    let e = c.tag_resource().resource_arn(&arn).tags(tag("k2", "v")).send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ThrottlingException"));
    let s = emu.stats();
    for op in ["ListModelPackagingJobs", "TagResource"] {
        assert_eq!(s.throttled.get(op), Some(&1), "{op}");
    }
    assert_eq!(s.throttled.get("DescribeModelPackagingJob"), None);
    emu.shutdown().await;

    // Restarted from the state file with an empty seed: the tag and the job are still there.
    let emu = start(config(Seed::default())).await;
    let c = client(&emu);
    let t = c.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
    assert_eq!(t.tags().iter().map(|t| t.key().unwrap_or("")).collect::<Vec<_>>(), ["k"]);
    let d = c.describe_model_packaging_job().project_name("p").job_name("j-1").send().await.unwrap();
    assert_eq!(d.model_packaging_description().unwrap().job_name(), Some("j-1"));
    emu.shutdown().await;
}
