//! The seed format's types: every struct a seed file deserialises into, their serde defaults and the format's
//! bounds. The bottom of the seed folder: it imports nothing from it (only the status enums' spellings, for
//! the defaults).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::status::{DatasetStatus, JobStatus};

/// Account used for access keys that the seed does not map.
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// A whole seed file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Account of access keys not listed in `access_keys`; [`DEFAULT_ACCOUNT`] if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_account: Option<String>,
    /// Access key id -> account and denied operations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub access_keys: BTreeMap<String, AccessKey>,
    /// Resources per account.
    #[serde(default)]
    pub accounts: Vec<SeedAccount>,
    /// `s3://bucket/key` URIs that entries reference but S3 does not hold (a deleted image or mask):
    /// GetObject and HeadObject answer 404 NoSuchKey for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_objects: Vec<String>,
    /// Serve every image whose key ends in `.jpg` or `.jpeg` (any case) as a baseline JPEG (quality 90) of the
    /// same pixels instead of a PNG. Default false: every image is a PNG whatever its key's extension.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub jpeg_images: bool,
    /// The AWS Organizations organisation that ListAccounts shows; none: every caller gets
    /// AWSOrganizationsNotInUseException.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<SeedOrganization>,
    /// IAM roles that STS AssumeRole grants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<SeedRole>,
    /// Account id -> regions it has not enabled (opt-in regions not opted into): every Lookout for Vision or
    /// S3 call there is refused as an unrecognized client.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub disabled_regions: BTreeMap<String, Vec<String>>,
}

/// What one access key is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    /// The 12-digit account the key belongs to.
    pub account: String,
    /// Operation names this key may not call (they get AccessDeniedException, 403), as a missing IAM
    /// permission would do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny: Vec<String>,
}

/// One account's resources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    /// 12-digit account id.
    pub account: String,
    /// Resources per region.
    pub regions: Vec<SeedRegion>,
}

/// One region's projects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRegion {
    /// Region name, e.g. `us-east-1`.
    pub region: String,
    /// Projects in this account and region.
    pub projects: Vec<SeedProject>,
}

/// One project.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProject {
    /// Project name (`[a-zA-Z0-9][a-zA-Z0-9_\-]*`, 1-255).
    pub name: String,
    /// Creation time, epoch seconds (fractions allowed).
    pub created: f64,
    /// At most one `train` and one `test`.
    #[serde(default)]
    pub datasets: Vec<SeedDataset>,
    /// Model versions.
    #[serde(default)]
    pub models: Vec<SeedModel>,
    /// Tags on the project ARN.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Model packaging jobs (ListModelPackagingJobs, DescribeModelPackagingJob); unique names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packaging_jobs: Vec<SeedPackagingJob>,
    /// The project was deleted but ListProjects (eventually consistent) still lists it for this many
    /// milliseconds of emulator time; every other operation answers 404 for it. Models "a project deleted
    /// between list and describe".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_after_delete_ms: Option<u64>,
}

/// One dataset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDataset {
    /// `train` or `test`.
    #[serde(rename = "type")]
    pub dataset_type: String,
    /// DatasetStatus, e.g. `CREATE_COMPLETE`; default `CREATE_COMPLETE`.
    #[serde(default = "default_dataset_status")]
    pub status: String,
    /// StatusMessage; a sensible default per status if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Creation time, epoch seconds.
    pub created: f64,
    /// If set, the status becomes `settles_to` (default `CREATE_COMPLETE`) this many milliseconds of emulator
    /// time after start: a dataset "still being created".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_after_ms: Option<u64>,
    /// Status after `settle_after_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settles_to: Option<String>,
    /// Dataset entries, each one JSON object (a Ground Truth manifest line) as a string, returned verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<String>,
    /// Generate this many more entries deterministically (from account, region, project, type and index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_entries: Option<u64>,
    /// Override ImageStats (otherwise computed from the entries): lets a seed make a dataset whose entry count
    /// disagrees with its ImageStats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_stats: Option<ImageStats>,
}

fn default_dataset_status() -> String {
    DatasetStatus::CreateComplete.as_str().to_string()
}

/// DescribeDataset's ImageStats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageStats {
    /// All images.
    pub total: u64,
    /// Labeled images.
    pub labeled: u64,
    /// Labeled normal.
    pub normal: u64,
    /// Labeled anomaly.
    pub anomaly: u64,
}

/// One model version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedModel {
    /// Version, digits (`1`, `2`, ...).
    pub version: String,
    /// ModelStatus, e.g. `TRAINED`, `HOSTED`, `TRAINING`.
    pub status: String,
    /// Creation time, epoch seconds.
    pub created: f64,
    /// If set, the model leaves its status after this many ms of emulator time: to `settles_to`, or by default
    /// `TRAINING` -> `TRAINED`, `STARTING_HOSTING` -> `HOSTED`, `STOPPING_HOSTING` -> `TRAINED`,
    /// `SYSTEM_UPDATING` -> `HOSTED`, `DELETING` -> gone (no `settles_to` allowed), any other -> `TRAINED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_after_ms: Option<u64>,
    /// Status after `settle_after_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settles_to: Option<String>,
    /// How long a StopModel of this model shows `STOPPING_HOSTING` before `TRAINED`, in ms of emulator time;
    /// default `EmulatorConfig::model_delay` (1 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_after_ms: Option<u64>,
    /// How long a DeleteModel of this model shows `DELETING` before it is gone, in ms of emulator time;
    /// default `EmulatorConfig::model_delay` (1 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_after_ms: Option<u64>,
    /// Description (1-500 of `[0-9A-Za-z.-_]`); absent by default, as for a model created without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Performance; default F1 `0.90 + v`, recall `0.88 + v`, precision `0.92 + v/2` with `v = (version % 7) /
    /// 100`. Shown once the model is past training (never while `TRAINING` or `TRAINING_FAILED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance: Option<SeedPerformance>,
    /// OutputConfig's S3 location; default bucket `lookoutvision-{region}-{account}`, prefix `{project}/models/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<SeedS3Location>,
    /// EvaluationManifest; default `{output prefix}{version}/evaluation/manifest.json` in the output bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_manifest: Option<SeedS3Object>,
    /// EvaluationResult; default `{output prefix}{version}/evaluation/result.json` in the output bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_result: Option<SeedS3Object>,
    /// KmsKeyId the model was encrypted with (1-2048, `^[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]*$`); absent by default
    /// (an AWS-owned key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// MinInferenceUnits, shown while `STARTING_HOSTING`, `HOSTED`, `STOPPING_HOSTING` or `SYSTEM_UPDATING`;
    /// default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_inference_units: Option<u32>,
    /// MaxInferenceUnits, shown with the minimum; default the minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_inference_units: Option<u32>,
    /// Tags on the model ARN (at most 50).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// Which kinds of project a generated seed contains.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mix {
    /// The realistic mix: single-dataset and train+test projects, empty projects, datasets in progress,
    /// hosted and trained models, models starting, stopping, training and deleting, packaging jobs. Any account-region of 10 or more projects has at least one of each kind.
    #[default]
    Realistic,
    /// Every project train+test, all `CREATE_COMPLETE`, no models: for benchmarks with exact item counts.
    TrainTest,
    /// Every project single-dataset (`train` only), `CREATE_COMPLETE`, no models.
    Single,
}

/// What `--seed-projects N` and tests generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenSpec {
    /// Projects per (account, region).
    pub projects: usize,
    /// Accounts (default `[DEFAULT_ACCOUNT]`).
    pub accounts: Vec<String>,
    /// Regions (default `["us-east-1"]`).
    pub regions: Vec<String>,
    /// Project mix.
    pub mix: Mix,
    /// Entries per dataset, inclusive range (default 5..=40); counts agree with ImageStats.
    pub entries: (u64, u64),
    /// Generator seed: same spec, same seed.
    pub rng_seed: u64,
}

impl Default for GenSpec {
    fn default() -> Self {
        Self {
            projects: 10,
            accounts: vec![DEFAULT_ACCOUNT.to_string()],
            regions: vec!["us-east-1".to_string()],
            mix: Mix::Realistic,
            entries: (5, 40),
            rng_seed: 0,
        }
    }
}

/// Most entries of one dataset, literal plus `generate_entries`: 100,000.
pub const MAX_ENTRIES_PER_DATASET: u64 = 100_000;
/// Most entries of a whole seed: 10,000,000 (their ImageStats are computed at start).
pub const MAX_ENTRIES_PER_SEED: u64 = 10_000_000;
/// Latest creation time: 253,402,300,799 (9999-12-31T23:59:59Z), in epoch seconds; the earliest is 0.
pub const MAX_CREATED_SECS: f64 = 253_402_300_799.0;
/// Longest `settle_after_ms` and `listed_after_delete_ms`: 315,576,000,000 ms (10 years).
pub const MAX_DELAY_MS: u64 = 315_576_000_000;

/// An AWS Organizations organisation, as ListAccounts shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedOrganization {
    /// 12-digit id of the management account; it must be one of `accounts`.
    pub management_account: String,
    /// Every account of the organisation, the management account included, in ListAccounts order.
    pub accounts: Vec<OrgAccount>,
}

/// One account of the organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgAccount {
    /// 12-digit account id.
    pub id: String,
    /// Friendly name (1-50 characters).
    pub name: String,
    /// Email address of the account (must contain `@`).
    pub email: String,
    /// The account's state (ListAccounts' `State`): `ACTIVE` (the default), `SUSPENDED`, `PENDING_CLOSURE`,
    /// `CLOSED` or `PENDING_ACTIVATION`. AssumeRole into an account that is not `ACTIVE` is AccessDenied.
    #[serde(default = "active", alias = "state")]
    pub status: String,
}

/// The `AccountState` values of the Organizations model.
pub const ACCOUNT_STATES: [&str; 5] = ["PENDING_ACTIVATION", "ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED"];

/// An account's `status` when the seed names none, and that of every generated member account.
pub(crate) fn active() -> String {
    "ACTIVE".to_string()
}

/// An IAM role that STS AssumeRole can grant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRole {
    /// 12-digit account that owns the role (`arn:aws:iam::<account>:role/<name>`).
    pub account: String,
    /// Role name (1-64 of `[A-Za-z0-9+=,.@_-]`).
    pub name: String,
    /// Accounts whose principals (long-term keys and sessions) may assume the role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_accounts: Vec<String>,
    /// Long-term access key ids that may assume the role, whatever their account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_access_keys: Vec<String>,
    /// When set, AssumeRole must pass exactly this ExternalId (missing or different: AccessDenied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The role's MaxSessionDuration in seconds, 3,600 to 43,200 (default 3,600): a larger DurationSeconds is
    /// a ValidationError.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session_secs: Option<u64>,
}

impl SeedRole {
    /// `arn:aws:iam::<account>:role/<name>`.
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", self.account, self.name)
    }
}

/// A model's performance (ModelPerformance), each 0.0-1.0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPerformance {
    /// F1Score.
    pub f1_score: f64,
    /// Recall.
    pub recall: f64,
    /// Precision.
    pub precision: f64,
}

/// An S3 location (S3Location): a bucket (3-63 of `[0-9A-Za-z.-_]`) and an optional prefix (0-1024).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedS3Location {
    /// Bucket.
    pub bucket: String,
    /// Prefix; absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// An S3 object (OutputS3Object): bucket and key (1-1024).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedS3Object {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
}

/// A Greengrass target platform (TargetPlatform).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTargetPlatform {
    /// `LINUX`.
    pub os: String,
    /// `ARM64` or `X86_64`.
    pub arch: String,
    /// `NVIDIA`, or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<String>,
}

/// One model packaging job of a project, as DescribeModelPackagingJob shows it (method Greengrass).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPackagingJob {
    /// JobName: 1-64 of `[a-zA-Z0-9-]`, unique in the project.
    pub name: String,
    /// ModelVersion packaged (digits); the job stays when the model is deleted.
    pub model_version: String,
    /// `CREATED`, `RUNNING`, `SUCCEEDED` (default) or `FAILED`.
    #[serde(default = "default_job_status")]
    pub status: String,
    /// StatusMessage; a default per status if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// CreationTimestamp, epoch seconds.
    pub created: f64,
    /// LastUpdatedTimestamp, epoch seconds; default `created + 900`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<f64>,
    /// ModelPackagingJobDescription (1-256); absent by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Greengrass ComponentName (1-128 of `[a-zA-Z0-9-_.]`).
    pub component_name: String,
    /// Greengrass ComponentVersion `X.Y.Z` (each 1-6 digits); default `1.0.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_version: Option<String>,
    /// Greengrass ComponentDescription (1-256); absent by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_description: Option<String>,
    /// TargetDevice (`jetson_xavier`); exactly one of this and `target_platform`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_device: Option<String>,
    /// TargetPlatform; exactly one of this and `target_device`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_platform: Option<SeedTargetPlatform>,
    /// CompilerOptions (3-1024); absent by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compiler_options: Option<String>,
    /// S3OutputLocation of the component artifacts.
    pub s3_output: SeedS3Location,
    /// Tags of the Greengrass component (at most 50).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub component_tags: BTreeMap<String, String>,
}

fn default_job_status() -> String {
    JobStatus::Succeeded.as_str().to_string()
}

/// Disabled regions per account, as the seed lists them.
pub type DisabledRegions = BTreeMap<String, Vec<String>>;
