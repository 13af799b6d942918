//! Model versions and model packaging jobs as the emulator holds them: [`Model`] with its seedable fields
//! ([`ModelInfo`]), [`PackagingJob`] ([`JobInfo`]), and their construction from the seed (statuses parsed
//! once, settle defaults per status). Pure data: no locks, no wire.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::seed::{SeedModel, SeedPackagingJob, SeedPerformance, SeedS3Location, SeedS3Object, SeedTargetPlatform};
use super::status::{JobStatus, ModelStatus};

/// A pending status change (`S`: a [`DatasetStatus`](super::status::DatasetStatus) or a [`ModelStatus`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Settle<S> {
    /// Emulator ms at which `to` applies.
    pub(crate) at_ms: u64,
    /// New status.
    pub(crate) to: S,
}

/// One model version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Model {
    pub(crate) version: u32,
    pub(crate) created: f64,
    pub(crate) status: ModelStatus,
    pub(crate) status_message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) settle: Option<Settle<ModelStatus>>,
    /// DELETING until this instant, then gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) gone_at_ms: Option<u64>,
    /// The seedable fields.
    #[serde(default)]
    pub(crate) info: ModelInfo,
}

/// The seedable fields of a model beyond its status (see [`SeedModel`]); `None` means the default at answer time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ModelInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) performance: Option<SeedPerformance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) output: Option<SeedS3Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) evaluation_manifest: Option<SeedS3Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) evaluation_result: Option<SeedS3Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) min_inference_units: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_inference_units: Option<u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) stop_after_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) delete_after_ms: Option<u64>,
}

impl Model {
    /// A model from its seed entry; timers count from `now`. `None` for a version that is not a number or a
    /// status that is not one (the seed check refuses those). A seeded `DELETING` model with `settle_after_ms`
    /// is gone at that time.
    pub(crate) fn from_seed(sm: &SeedModel, now: u64) -> Option<Model> {
        let version = sm.version.parse::<u32>().ok()?;
        let status = ModelStatus::parse(&sm.status)?;
        let settles_to = match &sm.settles_to {
            Some(s) => ModelStatus::parse(s)?,
            None => status.default_settle(),
        };
        let due = sm.settle_after_ms.map(|ms| now.saturating_add(ms));
        let deleting = status == ModelStatus::Deleting;
        let settle = due.filter(|_| !deleting).map(|at_ms| Settle { at_ms, to: settles_to });
        Some(Model {
            version,
            created: sm.created,
            status,
            status_message: status.message().to_string(),
            settle,
            gone_at_ms: due.filter(|_| deleting),
            info: ModelInfo {
                description: sm.description.clone(),
                performance: sm.performance,
                output: sm.output.clone(),
                evaluation_manifest: sm.evaluation_manifest.clone(),
                evaluation_result: sm.evaluation_result.clone(),
                kms_key_id: sm.kms_key_id.clone(),
                min_inference_units: sm.min_inference_units,
                max_inference_units: sm.max_inference_units,
                tags: sm.tags.clone(),
                stop_after_ms: sm.stop_after_ms,
                delete_after_ms: sm.delete_after_ms,
            },
        })
    }

    /// The earliest pending timer of this model.
    pub(crate) fn next_timer(&self) -> Option<u64> {
        self.settle.iter().map(|s| s.at_ms).chain(self.gone_at_ms).min()
    }
}

/// One model packaging job (Greengrass) as held. Serialised as `{"job": {...}}` with the seed entry's field
/// names and order (the state file's form since jobs were held as their seed entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PackagingJob {
    pub(crate) job: JobInfo,
}

/// A packaging job's fields: those of [`SeedPackagingJob`] with the status parsed; `None` means the default
/// at answer time (see `lookoutvision/packaging.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct JobInfo {
    pub(crate) name: String,
    pub(crate) model_version: String,
    pub(crate) status: JobStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) status_message: Option<String>,
    pub(crate) created: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) updated: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    pub(crate) component_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) component_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) component_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) target_device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) target_platform: Option<SeedTargetPlatform>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) compiler_options: Option<String>,
    pub(crate) s3_output: SeedS3Location,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) component_tags: BTreeMap<String, String>,
}

impl PackagingJob {
    /// A job from its seed entry; `None` for a status that is not one (the seed check refuses those).
    pub(crate) fn from_seed(j: &SeedPackagingJob) -> Option<PackagingJob> {
        Some(PackagingJob {
            job: JobInfo {
                name: j.name.clone(),
                model_version: j.model_version.clone(),
                status: JobStatus::parse(&j.status)?,
                status_message: j.status_message.clone(),
                created: j.created,
                updated: j.updated,
                description: j.description.clone(),
                component_name: j.component_name.clone(),
                component_version: j.component_version.clone(),
                component_description: j.component_description.clone(),
                target_device: j.target_device.clone(),
                target_platform: j.target_platform.clone(),
                compiler_options: j.compiler_options.clone(),
                s3_output: j.s3_output.clone(),
                component_tags: j.component_tags.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_lifecycles_settle_where_the_service_goes() {
        let cases = [
            ("TRAINING", None, Some("TRAINED"), None),
            ("STARTING_HOSTING", None, Some("HOSTED"), None),
            ("STOPPING_HOSTING", None, Some("TRAINED"), None),
            ("SYSTEM_UPDATING", None, Some("HOSTED"), None),
            ("TRAINING", Some("TRAINING_FAILED"), Some("TRAINING_FAILED"), None),
            ("DELETING", None, None, Some(1500)),
        ];
        for (status, to, want, gone) in cases {
            let sm = SeedModel {
                version: "3".into(),
                status: status.into(),
                settle_after_ms: Some(500),
                settles_to: to.map(String::from),
                ..SeedModel::default()
            };
            let m = Model::from_seed(&sm, 1000).unwrap();
            assert_eq!(m.settle.as_ref().map(|s| s.to.as_str()), want, "{status}");
            assert_eq!(m.gone_at_ms, gone, "{status}");
            assert_eq!(m.next_timer(), Some(1500), "{status}");
        }
    }

    #[test]
    fn a_held_packaging_job_serialises_as_its_seed_entry() {
        for status in JobStatus::ALL {
            let seed = SeedPackagingJob {
                name: "job-1".into(),
                model_version: "2".into(),
                status: status.as_str().into(),
                created: 1.7e9,
                component_name: "c.x".into(),
                target_device: Some("jetson_xavier".into()),
                s3_output: SeedS3Location { bucket: "bkt".into(), prefix: Some("p/".into()) },
                component_tags: BTreeMap::from([("k".to_string(), "v".to_string())]),
                ..SeedPackagingJob::default()
            };
            let held = PackagingJob::from_seed(&seed).unwrap();
            assert_eq!(held.job.status, status);
            let as_seed = format!("{{\"job\":{}}}", serde_json::to_string(&seed).unwrap());
            assert_eq!(serde_json::to_string(&held).unwrap(), as_seed);
            assert_eq!(serde_json::from_str::<PackagingJob>(&as_seed).unwrap(), held);
        }
        let unknown = SeedPackagingJob { status: "DONE".into(), ..SeedPackagingJob::default() };
        assert_eq!(PackagingJob::from_seed(&unknown), None);
    }
}
