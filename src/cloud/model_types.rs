//! The crate's own types for models, tags and model packaging jobs, as `cloud::models` returns them.
//!
//! No SDK type appears here. Statuses are closed enums with every value of the service model
//! (`ModelStatus`: 9 values, `ModelPackagingJobStatus`: 4) plus `Unknown(text)` so that a status the service adds
//! later is kept verbatim, never lost or mistaken for a known one. Every struct serialises with the service's own
//! member names (PascalCase, as the API documents them) so that `project.json` reads like the API reference;
//! timestamps are RFC 3339 UTC strings, absent members are left out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Declare a string enum with its wire spellings, `Unknown(String)` for anything else, `as_str`, `parse`,
/// `Display` and serde as the plain string.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
            /// A value this build does not know, verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every known value, in the service model's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The service's spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(s) => s,
                }
            }

            /// The value for a service spelling; anything else is `Unknown` (never an error).
            pub fn parse(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)+
                    other => $name::Unknown(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::parse(&String::deserialize(d)?))
            }
        }
    };
}
pub(super) use wire_enum;

/// A module for `#[serde(with)]` that writes `Option<T>` as `{"KEY": T}` (absent: left out by
/// `skip_serializing_if`), the way the service nests `OutputConfig.S3Location` and `*.Greengrass`.
macro_rules! nested {
    ($module:ident, $key:literal) => {
        mod $module {
            use serde::{Deserialize, Deserializer, Serialize, Serializer};

            #[derive(Serialize, Deserialize)]
            struct Wrap<T> {
                #[serde(rename = $key)]
                inner: Option<T>,
            }

            pub fn serialize<S: Serializer, T: Serialize + Clone>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
                Wrap { inner: v.clone() }.serialize(s)
            }

            pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
                Ok(Option::<Wrap<T>>::deserialize(d)?.and_then(|w| w.inner))
            }
        }
    };
}

nested!(in_s3_location, "S3Location");
nested!(in_greengrass, "Greengrass");

wire_enum! {
    /// A model version's status (the service model's `ModelStatus`, 9 values).
    ModelStatus {
        /// Training is running.
        Training = "TRAINING",
        /// Trained and not hosted.
        Trained = "TRAINED",
        /// Training failed.
        TrainingFailed = "TRAINING_FAILED",
        /// StartModel is bringing it up.
        StartingHosting = "STARTING_HOSTING",
        /// Hosted: billed per inference-unit hour until stopped.
        Hosted = "HOSTED",
        /// Hosting failed.
        HostingFailed = "HOSTING_FAILED",
        /// StopModel is taking it down (then `TRAINED`).
        StoppingHosting = "STOPPING_HOSTING",
        /// The service is updating it.
        SystemUpdating = "SYSTEM_UPDATING",
        /// DeleteModel is under way.
        Deleting = "DELETING",
    }
}

impl ModelStatus {
    /// True while an operation of the service is running on the model and DeleteModel would conflict or the
    /// state is about to change on its own: `TRAINING`, `STARTING_HOSTING`, `STOPPING_HOSTING`,
    /// `SYSTEM_UPDATING`, `DELETING`.
    pub fn is_transitional(&self) -> bool {
        matches!(
            self,
            ModelStatus::Training
                | ModelStatus::StartingHosting
                | ModelStatus::StoppingHosting
                | ModelStatus::SystemUpdating
                | ModelStatus::Deleting
        )
    }

    /// True for `HOSTED`: the model bills until StopModel.
    pub fn is_hosted(&self) -> bool {
        *self == ModelStatus::Hosted
    }
}

wire_enum! {
    /// A model packaging job's status (the service model's `ModelPackagingJobStatus`, 4 values).
    PackagingJobStatus {
        /// Created, not started.
        Created = "CREATED",
        /// Running.
        Running = "RUNNING",
        /// Finished; the Greengrass component version exists.
        Succeeded = "SUCCEEDED",
        /// Failed.
        Failed = "FAILED",
    }
}

/// A model's performance metrics (`ModelPerformance`), absent until training succeeds. The service's values are
/// 32-bit floats; they are kept as the 64-bit float of their shortest decimal form (`0.91`, not
/// `0.9100000262260437`), so they print and read back exactly.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Performance {
    /// F1 score, 0-1.
    #[serde(rename = "F1Score", skip_serializing_if = "Option::is_none", default)]
    pub f1_score: Option<f64>,
    /// Recall, 0-1.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub recall: Option<f64>,
    /// Precision, 0-1.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub precision: Option<f64>,
}

/// An S3 bucket and key prefix (`S3Location`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3Location {
    /// Bucket.
    pub bucket: String,
    /// Key prefix (a "folder"), if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prefix: Option<String>,
}

/// One S3 object (`OutputS3Object`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3ObjectRef {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
}

/// One tag (`Tag`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// A model version as ListModels shows it (`ModelMetadata`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModelSummary {
    /// Version, digits (`1`, `2`, ...).
    pub model_version: String,
    /// ARN (`arn:aws:lookoutvision:{region}:{account}:model/{project}/{version}`).
    pub model_arn: String,
    /// Creation time.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creation_timestamp: Option<DateTime<Utc>>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Status.
    pub status: ModelStatus,
    /// Status message.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status_message: Option<String>,
    /// Performance.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub performance: Option<Performance>,
}

/// A model version as DescribeModel shows it (`ModelDescription`, all 14 members): ListModels' 7 members
/// ([`ModelSummary`], serialised flat beside the others) and 7 more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModelInfo {
    /// Version, ARN, creation time, description, status, status message, performance.
    #[serde(flatten)]
    pub summary: ModelSummary,
    /// Where training output went (`OutputConfig.S3Location`; serialised nested, as the service does).
    #[serde(skip_serializing_if = "Option::is_none", default, with = "in_s3_location")]
    pub output_config: Option<S3Location>,
    /// The manifest the model was tested with.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evaluation_manifest: Option<S3ObjectRef>,
    /// The performance metrics file.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evaluation_result: Option<S3ObjectRef>,
    /// When evaluation ended.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evaluation_end_timestamp: Option<DateTime<Utc>>,
    /// KMS key that encrypted the model during training.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kms_key_id: Option<String>,
    /// Minimum inference units (while hosted).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min_inference_units: Option<i32>,
    /// Maximum inference units (while hosted).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_inference_units: Option<i32>,
}

#[cfg(test)]
impl ModelSummary {
    /// Tests: version `version` of project `project` (account 111122223333, us-east-1) in `status`, every
    /// optional member absent.
    pub(crate) fn bare(project: &str, version: &str, status: ModelStatus) -> ModelSummary {
        ModelSummary {
            model_version: version.into(),
            model_arn: format!("arn:aws:lookoutvision:us-east-1:111122223333:model/{project}/{version}"),
            creation_timestamp: None,
            description: None,
            status,
            status_message: None,
            performance: None,
        }
    }
}

#[cfg(test)]
impl From<ModelSummary> for ModelInfo {
    /// Tests: DescribeModel's answer for `summary`, the 7 members ListModels lacks absent.
    fn from(summary: ModelSummary) -> ModelInfo {
        ModelInfo {
            summary,
            output_config: None,
            evaluation_manifest: None,
            evaluation_result: None,
            evaluation_end_timestamp: None,
            kms_key_id: None,
            min_inference_units: None,
            max_inference_units: None,
        }
    }
}

/// The target platform of a Greengrass component (`TargetPlatform`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetPlatform {
    /// `LINUX`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub os: Option<String>,
    /// `ARM64` or `X86_64`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub arch: Option<String>,
    /// `NVIDIA`, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub accelerator: Option<String>,
}

/// The Greengrass configuration of a packaging job (`GreengrassConfiguration`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GreengrassConfig {
    /// Component name.
    pub component_name: String,
    /// Component version (the service's default is `{model version}.0.0`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub component_version: Option<String>,
    /// Component description.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub component_description: Option<String>,
    /// Target device (`jetson_xavier`), exclusive with `target_platform`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub target_device: Option<String>,
    /// Target platform, exclusive with `target_device`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub target_platform: Option<TargetPlatform>,
    /// Compiler options.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub compiler_options: Option<String>,
    /// Where the component artifacts go.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub s3_output_location: Option<S3Location>,
    /// Tags for the component.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<Tag>,
}

/// What a packaging job produced (`GreengrassOutputDetails`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GreengrassOutput {
    /// ARN of the component version.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub component_version_arn: Option<String>,
    /// Component name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub component_name: Option<String>,
    /// Component version.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub component_version: Option<String>,
}

/// A model packaging job as ListModelPackagingJobs shows it (`ModelPackagingJobMetadata`, all 9 members).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PackagingJobSummary {
    /// Job name.
    pub job_name: String,
    /// Project.
    pub project_name: String,
    /// Model version packaged.
    pub model_version: String,
    /// Job description.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub model_packaging_job_description: Option<String>,
    /// Packaging method (`Greengrass`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub model_packaging_method: Option<String>,
    /// Status.
    pub status: PackagingJobStatus,
    /// Status message.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status_message: Option<String>,
    /// Creation time.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creation_timestamp: Option<DateTime<Utc>>,
    /// Last update time.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_updated_timestamp: Option<DateTime<Utc>>,
}

/// A model packaging job as DescribeModelPackagingJob shows it (`ModelPackagingDescription`, all 11 members):
/// ListModelPackagingJobs' 9 ([`PackagingJobSummary`], serialised flat beside the others) and 2 more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PackagingJobInfo {
    /// Name, project, model version, description, method, status, status message, creation and update times.
    #[serde(flatten)]
    pub summary: PackagingJobSummary,
    /// The job's Greengrass configuration (`ModelPackagingConfiguration.Greengrass`, serialised nested).
    #[serde(
        rename = "ModelPackagingConfiguration",
        skip_serializing_if = "Option::is_none",
        default,
        with = "in_greengrass"
    )]
    pub greengrass: Option<GreengrassConfig>,
    /// What it produced (`ModelPackagingOutputDetails.Greengrass`, serialised nested).
    #[serde(
        rename = "ModelPackagingOutputDetails",
        skip_serializing_if = "Option::is_none",
        default,
        with = "in_greengrass"
    )]
    pub greengrass_output: Option<GreengrassOutput>,
}

/// What an accepted DeleteDataset, StopModel, DeleteModel or DeleteProject returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    /// HTTP status (202 for DeleteDataset, StopModel and DeleteModel, 200 for DeleteProject).
    pub status: u16,
    /// StopModel's `Status` (`STOPPING_HOSTING`), DeleteModel's `ModelArn`, DeleteProject's `ProjectArn`;
    /// none for DeleteDataset.
    pub answer: Option<String>,
    /// `x-amzn-RequestId`.
    pub request_id: Option<String>,
}

#[cfg(test)]
mod tests;
