//! The model side of `--seed-projects` ([`mix_models`]): every model state, packaging jobs, model tags and the
//! other model fields, mixed deterministically into the realistic mix's projects that already have models.
//!
//! It draws nothing from the generator's random stream (each value comes from a hash of account, region,
//! project name and the generator seed), so the projects and datasets of a generated seed are exactly those
//! the dataset-only generator gave before models were mixed in. Nothing here reads the clock.

use std::collections::BTreeMap;

use super::derive::{default_bucket, fnv1a, splitmix64};
use super::types::{SeedModel, SeedPackagingJob, SeedProject, SeedS3Location, SeedTargetPlatform};

/// A model of the generated seed.
fn model(version: u32, status: &str, created: f64) -> SeedModel {
    SeedModel { version: version.to_string(), status: status.into(), created, ..SeedModel::default() }
}

/// A model that leaves `status` after `ms` of emulator time (to the status's default successor, or gone).
fn settling(version: u32, status: &str, created: f64, ms: u64) -> SeedModel {
    SeedModel { settle_after_ms: Some(ms), ..model(version, status, created) }
}

/// A SUCCEEDED Greengrass packaging job of model `version`.
fn job(p: &SeedProject, version: u32, bucket: &str, device: bool, created: f64) -> SeedPackagingJob {
    SeedPackagingJob {
        name: format!("{}-v{version}-edge", p.name),
        model_version: version.to_string(),
        status: "SUCCEEDED".into(),
        created,
        description: Some(format!("edge package of model {version}")),
        component_name: format!("com.example.{}", p.name),
        component_version: Some(format!("1.0.{version}")),
        target_device: device.then(|| "jetson_xavier".to_string()),
        target_platform: (!device).then(|| SeedTargetPlatform {
            os: "LINUX".into(),
            arch: "X86_64".into(),
            accelerator: Some("NVIDIA".into()),
        }),
        compiler_options: (!device).then(|| r#"{"gpu-code": "sm_75", "trt-ver": "7.1.3", "cuda-ver": "10.2"}"#.into()),
        s3_output: SeedS3Location { bucket: bucket.into(), prefix: Some(format!("{}/packages/", p.name)) },
        ..SeedPackagingJob::default()
    }
}

/// Add the `k`-th project's settling models (the first unless k % 3 == 2, the second if k % 3 == 0) and, for
/// even k, a packaging job of v1 (for a device, or a platform).
fn add(p: &mut SeedProject, k: u64, settle: u64, more: [(u32, &str, f64); 2], bucket: &str, device: bool) {
    for (i, (version, status, created)) in more.into_iter().enumerate() {
        if (i == 0 && k % 3 != 2) || (i == 1 && k.is_multiple_of(3)) {
            p.models.push(settling(version, status, created, settle));
        }
    }
    if k.is_multiple_of(2) {
        let created = p.models[0].created + 3_600.0;
        let j = job(p, 1, bucket, device, created);
        p.packaging_jobs.push(j);
    }
}

/// Mix model states into one region's generated projects. Projects with a `HOSTED` model (the "hosted" kind:
/// v1 `TRAINED`, v2 `HOSTED`) and projects with only trained models (the "trained" kind: v1 `TRAINED`) are
/// numbered in generation order (by NNN) per region (k = 0, 1, ...); then:
/// - hosted k % 3 == 0: v3 `STARTING_HOSTING` (settles to `HOSTED`) and v4 `STOPPING_HOSTING` (settles to
///   `TRAINED`); k % 3 == 1: v3 `STARTING_HOSTING`; v2 gets 1-3 inference units, the description
///   `production-model`, tag `stage=production`, and on odd k a KMS key
///   `arn:aws:kms:{region}:{account}:key/{project}`; even k: a packaging job of v1 for `jetson_xavier`;
/// - trained k % 3 == 0: v2 `TRAINING` (settles to `TRAINED`) and v3 `DELETING` (gone when it settles);
///   k % 3 == 1: v2 `TRAINING`; even k: a packaging job of v1 for LINUX/X86_64/NVIDIA; v1 tagged
///   `team=quality-engineering`.
///
/// Every settle time is 2,000-5,999 ms of emulator time. With 10 or more projects per region (each kind at
/// least once) every model state above occurs.
pub(crate) fn mix_models(projects: &mut [SeedProject], account: &str, region: &str, rng_seed: u64) {
    let bucket = default_bucket(account, region);
    let (mut hosted, mut trained) = (0u64, 0u64);
    for p in projects.iter_mut() {
        let h = splitmix64(fnv1a(&[account, region, &p.name]) ^ rng_seed);
        let settle = 2_000 + h % 4_000;
        let Some(t) = p.models.first().map(|m| m.created) else { continue };
        if p.models.iter().any(|m| m.status == "HOSTED") {
            let k = hosted;
            hosted += 1;
            if let Some(v2) = p.models.iter_mut().find(|m| m.status == "HOSTED") {
                v2.min_inference_units = Some(1 + (h % 3) as u32);
                v2.description = Some("production-model".into());
                v2.tags = BTreeMap::from([("stage".to_string(), "production".to_string())]);
                v2.kms_key_id = (k % 2 == 1).then(|| format!("arn:aws:kms:{region}:{account}:key/{}", p.name));
            }
            let more = [(3, "STARTING_HOSTING", t + 172_800.0), (4, "STOPPING_HOSTING", t + 259_200.0)];
            add(p, k, settle, more, &bucket, true);
        } else {
            let k = trained;
            trained += 1;
            p.models[0].tags = BTreeMap::from([("team".to_string(), "quality-engineering".to_string())]);
            let more = [(2, "TRAINING", t + 86_400.0), (3, "DELETING", t + 172_800.0)];
            add(p, k, settle, more, &bucket, false);
        }
    }
}
