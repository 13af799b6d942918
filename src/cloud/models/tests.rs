//! The SDK shapes of models and packaging jobs, hand-built, turned into the crate's types: every member kept.

use aws_sdk_lookoutvision::types as sdk;
use aws_smithy_types::DateTime as SdkTime;

use super::*;

fn loc(bucket: &str, prefix: &str) -> sdk::S3Location {
    sdk::S3Location::builder().bucket(bucket).prefix(prefix).build()
}

fn obj(bucket: &str, key: &str) -> sdk::OutputS3Object {
    sdk::OutputS3Object::builder().bucket(bucket).key(key).build()
}

fn full_description() -> sdk::ModelDescription {
    sdk::ModelDescription::builder()
        .model_version("3")
        .model_arn("arn:aws:lookoutvision:us-east-1:123456789012:model/p/3")
        .creation_timestamp(SdkTime::from_secs(1_700_000_000))
        .description("third try")
        .status(sdk::ModelStatus::Hosted)
        .status_message("Hosting succeeded.")
        .performance(sdk::ModelPerformance::builder().f1_score(0.9).recall(0.8).precision(0.7).build())
        .output_config(sdk::OutputConfig::builder().s3_location(loc("out-bucket", "models/p/")).build())
        .evaluation_manifest(obj("out-bucket", "models/p/3/eval/manifest.json"))
        .evaluation_result(obj("out-bucket", "models/p/3/eval/result.json"))
        .evaluation_end_timestamp(SdkTime::from_secs(1_700_000_600))
        .kms_key_id("arn:aws:kms:us-east-1:123456789012:key/k-1")
        .min_inference_units(2)
        .max_inference_units(5)
        .build()
}

#[test]
fn describe_model_keeps_every_member() {
    let m = model_info(&full_description());
    let t = |s| chrono::DateTime::from_timestamp(s, 0).unwrap();
    let want = ModelInfo {
        summary: ModelSummary {
            model_version: "3".into(),
            model_arn: "arn:aws:lookoutvision:us-east-1:123456789012:model/p/3".into(),
            creation_timestamp: Some(t(1_700_000_000)),
            description: Some("third try".into()),
            status: ModelStatus::Hosted,
            status_message: Some("Hosting succeeded.".into()),
            performance: Some(Performance { f1_score: Some(0.9), recall: Some(0.8), precision: Some(0.7) }),
        },
        output_config: Some(S3Location { bucket: "out-bucket".into(), prefix: Some("models/p/".into()) }),
        evaluation_manifest: Some(S3ObjectRef {
            bucket: "out-bucket".into(),
            key: "models/p/3/eval/manifest.json".into(),
        }),
        evaluation_result: Some(S3ObjectRef { bucket: "out-bucket".into(), key: "models/p/3/eval/result.json".into() }),
        evaluation_end_timestamp: Some(t(1_700_000_600)),
        kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/k-1".into()),
        min_inference_units: Some(2),
        max_inference_units: Some(5),
    };
    assert_eq!(m, want);
    // Serialised with the service's member names.
    let v = serde_json::to_value(&m).unwrap();
    assert_eq!(v["Performance"]["F1Score"].as_f64(), Some(0.9));
    assert_eq!(v["OutputConfig"], serde_json::json!({"S3Location": {"Bucket": "out-bucket", "Prefix": "models/p/"}}));
    // The bytes read back equal (floats in their shortest decimal form).
    let back: serde_json::Value = serde_json::from_slice(&serde_json::to_vec(&v).unwrap()).unwrap();
    assert_eq!(back, v);
    assert_eq!(v["MaxInferenceUnits"], 5);
    assert_eq!(v["Status"], "HOSTED");
    // And read back equal.
    assert_eq!(serde_json::from_value::<ModelInfo>(v).unwrap(), m);
}

#[test]
fn a_bare_model_leaves_optional_members_out() {
    let d = sdk::ModelDescription::builder().model_version("1").status(sdk::ModelStatus::Training).build();
    let m = model_info(&d);
    assert_eq!(m.summary.status, ModelStatus::Training);
    let v = serde_json::to_value(&m).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["ModelArn", "ModelVersion", "Status"]);
    // A status the SDK does not know is kept verbatim.
    let d = sdk::ModelDescription::builder().status(sdk::ModelStatus::from("FROZEN")).build();
    assert_eq!(model_info(&d).summary.status, ModelStatus::Unknown("FROZEN".into()));
}

#[test]
fn packaging_job_keeps_greengrass_configuration_and_output() {
    let platform = sdk::TargetPlatform::builder()
        .os(sdk::TargetPlatformOs::Linux)
        .arch(sdk::TargetPlatformArch::Arm64)
        .accelerator(sdk::TargetPlatformAccelerator::Nvidia)
        .build();
    let config = sdk::GreengrassConfiguration::builder()
        .component_name("solder-check")
        .component_version("3.0.0")
        .component_description("edge model")
        .target_platform(platform)
        .compiler_options("{\"gpu-code\":\"sm_72\"}")
        .s3_output_location(loc("edge-bucket", "components/"))
        .tags(sdk::Tag::builder().key("team").value("qa").build())
        .build();
    let output = sdk::GreengrassOutputDetails::builder()
        .component_version_arn("arn:aws:greengrass:us-east-1:123456789012:components:solder-check:versions:3.0.0")
        .component_name("solder-check")
        .component_version("3.0.0")
        .build();
    let d = sdk::ModelPackagingDescription::builder()
        .job_name("job-a")
        .project_name("p")
        .model_version("3")
        .model_packaging_method("Greengrass")
        .status(sdk::ModelPackagingJobStatus::Succeeded)
        .status_message("done")
        .creation_timestamp(SdkTime::from_secs(1_700_000_000))
        .last_updated_timestamp(SdkTime::from_secs(1_700_000_100))
        .model_packaging_configuration(sdk::ModelPackagingConfiguration::builder().greengrass(config).build())
        .model_packaging_output_details(sdk::ModelPackagingOutputDetails::builder().greengrass(output).build())
        .build();
    let j = job_info(&d);
    assert_eq!((j.summary.job_name.as_str(), j.summary.model_version.as_str()), ("job-a", "3"));
    assert_eq!(j.summary.model_packaging_method.as_deref(), Some("Greengrass"));
    assert_eq!(j.summary.status, PackagingJobStatus::Succeeded);
    let g = j.greengrass.as_ref().unwrap();
    assert_eq!(g.component_name, "solder-check");
    assert_eq!(g.component_version.as_deref(), Some("3.0.0"));
    assert_eq!(g.target_device, None);
    let p = g.target_platform.as_ref().unwrap();
    assert_eq!(
        (p.os.as_deref(), p.arch.as_deref(), p.accelerator.as_deref()),
        (Some("LINUX"), Some("ARM64"), Some("NVIDIA"))
    );
    assert_eq!(
        g.s3_output_location,
        Some(S3Location { bucket: "edge-bucket".into(), prefix: Some("components/".into()) })
    );
    assert_eq!(g.tags, vec![Tag { key: "team".into(), value: "qa".into() }]);
    let o = j.greengrass_output.as_ref().unwrap();
    assert!(o.component_version_arn.as_deref().unwrap().ends_with(":versions:3.0.0"));
    let v = serde_json::to_value(&j).unwrap();
    assert_eq!(v["ModelPackagingConfiguration"]["Greengrass"]["S3OutputLocation"]["Bucket"], "edge-bucket");
    assert_eq!(v["ModelPackagingOutputDetails"]["Greengrass"]["ComponentVersion"], "3.0.0");
    assert_eq!(serde_json::from_value::<PackagingJobInfo>(v).unwrap(), j);
    // A target device instead of a platform.
    let device = sdk::GreengrassConfiguration::builder()
        .component_name("c")
        .target_device(sdk::TargetDevice::JetsonXavier)
        .s3_output_location(loc("b", "x/"))
        .build();
    let d = sdk::ModelPackagingDescription::builder()
        .model_packaging_configuration(sdk::ModelPackagingConfiguration::builder().greengrass(device).build())
        .build();
    let g = job_info(&d).greengrass.unwrap();
    assert_eq!((g.target_device.as_deref(), g.target_platform), (Some("jetson_xavier"), None));
}

#[test]
fn summaries_and_empty_tokens() {
    let m = sdk::ModelMetadata::builder().model_version("2").status(sdk::ModelStatus::StoppingHosting).build();
    assert_eq!(model_summary(&m).status, ModelStatus::StoppingHosting);
    let j =
        sdk::ModelPackagingJobMetadata::builder().job_name("j").status(sdk::ModelPackagingJobStatus::Running).build();
    assert_eq!(job_summary(&j).status, PackagingJobStatus::Running);
    assert_eq!(next_token(Some("")), None);
    assert_eq!(next_token(None), None);
    assert_eq!(next_token(Some("t")), Some("t".into()));
}
