//! Model versions and model packaging jobs as the emulator holds them: [`Model`] with its seedable fields
//! ([`ModelInfo`]), [`PackagingJob`], their construction from the seed (settle defaults per status), and the
//! default status messages. Pure data: no locks, no wire.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::seed::{SeedModel, SeedPackagingJob, SeedPerformance, SeedS3Location, SeedS3Object};
use super::status::ModelStatus;

/// A pending status change (`S`: a dataset's status as spelt, or a [`ModelStatus`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Settle<S = String> {
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

/// One model packaging job (Greengrass): the seed entry as it is, the defaults filled in when answering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PackagingJob {
    pub(crate) job: SeedPackagingJob,
}

/// Default StatusMessage of a packaging job status.
pub(crate) fn job_message(status: &str) -> &'static str {
    match status {
        "CREATED" => "Model packaging job created.",
        "RUNNING" => "Model packaging job running.",
        "SUCCEEDED" => "Model packaging job succeeded.",
        "FAILED" => "Model packaging job failed.",
        _ => "",
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
}
