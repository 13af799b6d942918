//! The plan file: a versioned JSON document that lists exactly what `apply` may delete.
//!
//! Format `lfv-sunset-plan/1` (JSON Schema: `plans/plan.schema.json`). Items are in execution order: by
//! target, then project name, and within a project `test` before `train`, so that a run interrupted half-way
//! leaves a valid single-dataset project rather than a test-only one.
//!
//! Digest: `sha256:` + lowercase hex SHA-256 of the compact JSON serialisation of
//! `{"plan_id": ..., "targets": [...], "items": [...]}` with members in the order of the structs below (the
//! order they appear in the file). Editing an item, a target or the plan id changes it; `apply` and `show`
//! refuse a plan whose digest does not match. The other members (`format`, `created_at`, `tool_version`,
//! `selection`, `skipped`, `summary`) are not digested in format 1; `validate.rs` checks them and re-checks
//! every invariant of the digested part, since a digest can be recomputed after an edit.
//!
//! Client tokens: `lfv-` + the first 40 hex digits of SHA-256 over
//! `plan_id \n account \n region \n project \n dataset_type` (44 characters of `[a-z0-9-]`, within the
//! service's 1-64 `^[a-zA-Z0-9-]+$`). The same plan and item always give the same token, so every attempt and
//! every resume of one item is one idempotent call; a new plan (new `plan_id`) gives new tokens, so a dataset
//! re-created and re-planned within the service's 8-hour token window gets a real new call, not a replay.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::validate::{check_created_at, counts};
use crate::error::{Error, Result};

/// The format version this tool writes and reads.
pub const FORMAT: &str = "lfv-sunset-plan/1";

/// A whole plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Format version, [`FORMAT`].
    pub format: String,
    /// Unique id of this plan (`lfv-YYYYMMDDTHHMMSSZ-xxxxxxxx`); part of every client token.
    pub plan_id: String,
    /// When the plan was made.
    pub created_at: DateTime<Utc>,
    /// Version of lfv-sunset that made it.
    pub tool_version: String,
    /// The selection flags as given.
    pub selection: Selection,
    /// The (account, region) pairs enumerated, with how they were reached.
    pub targets: Vec<Target>,
    /// Datasets to delete, in execution order.
    pub items: Vec<Item>,
    /// What was seen and left alone, with the reason.
    pub skipped: Vec<Skipped>,
    /// Targets that could not be reached (`plan --allow-unreachable`); absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreachable: Vec<Unreachable>,
    /// Counts.
    pub summary: Summary,
    /// `sha256:<hex>` over plan id, targets and items (see the module docs).
    pub digest: String,
}

/// The selection flags as given to `plan`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// `--region` values (empty: the chain's region).
    pub regions: Vec<String>,
    /// `--profile` values (empty: the default chain).
    pub profiles: Vec<String>,
    /// `--endpoint-url`, if given.
    pub endpoint_url: Option<String>,
    /// `--include` globs.
    pub include: Vec<String>,
    /// `--exclude` globs.
    pub exclude: Vec<String>,
    /// `--dataset-type`: `train`, `test` or `both`.
    pub dataset_type: String,
    /// `--created-before` (datasets created strictly before).
    pub created_before: Option<DateTime<Utc>>,
    /// `--created-after` (datasets created at or after).
    pub created_after: Option<DateTime<Utc>>,
}

/// One (account, region) enumerated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Account id read from the project ARNs; `null` if the target had no project to read it from.
    pub account: Option<String>,
    /// Region.
    pub region: String,
    /// Profile used, if any.
    pub profile: Option<String>,
    /// Endpoint override, if any.
    pub endpoint_url: Option<String>,
    /// Role assumed to reach the target (`arn:aws:iam::<account>:role/<name>`); absent: the source credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// Whether an external id is passed when assuming `role_arn` (the id itself is never stored).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external_id: bool,
    /// The caller identity GetCallerIdentity answered at planning; absent in plans made before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A caller identity as STS GetCallerIdentity answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The 12-digit account id.
    pub account: String,
    /// The caller's ARN (`arn:aws:iam::<account>:user/...`, `arn:aws:sts::<account>:assumed-role/...`).
    pub arn: String,
}

/// A target `plan` could not reach (listed only with `--allow-unreachable`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unreachable {
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// Role that was to be assumed, if any.
    pub role_arn: Option<String>,
    /// Machine-readable error: the service's error code (`AccessDenied`, `OptInRequired`, ...) or `unreachable`.
    pub error: String,
    /// Human-readable detail.
    pub message: String,
}

/// One dataset to delete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// 1-based position in execution order.
    pub seq: u64,
    /// Index into `targets`.
    pub target: usize,
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// Project name.
    pub project: String,
    /// Project ARN.
    pub project_arn: String,
    /// `train` or `test`.
    pub dataset_type: String,
    /// The dataset's CreationTimestamp at planning time; `apply` skips the dataset if it differs.
    pub dataset_created: Option<DateTime<Utc>>,
    /// The dataset's status at planning time.
    pub dataset_status: String,
    /// Idempotency token sent with every DeleteDataset attempt for this item.
    pub client_token: String,
}

/// Something seen during planning and left out of `items`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skipped {
    /// Index into `targets`.
    pub target: usize,
    /// Project name.
    pub project: String,
    /// Dataset type, or `null` when the whole project was left out.
    pub dataset_type: Option<String>,
    /// Machine-readable reason: `excluded`, `not_included`, `dataset_type`, `created_before`,
    /// `created_after`, `no_datasets`, `project_vanished`.
    pub reason: String,
    /// Human-readable detail.
    pub detail: String,
}

/// Counts, for reviewers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Targets enumerated.
    pub targets: usize,
    /// Projects listed.
    pub projects_seen: usize,
    /// Projects with at least one item.
    pub projects_planned: usize,
    /// Items.
    pub items: usize,
    /// Items per dataset type.
    pub items_by_type: BTreeMap<String, usize>,
    /// Skipped entries per reason.
    pub skipped_by_reason: BTreeMap<String, usize>,
}

/// The client token of one item (see the module docs).
pub fn client_token(plan_id: &str, account: &str, region: &str, project: &str, dataset_type: &str) -> String {
    let mut h = Sha256::new();
    for (i, part) in [plan_id, account, region, project, dataset_type].iter().enumerate() {
        if i > 0 {
            h.update(b"\n");
        }
        h.update(part.as_bytes());
    }
    format!("lfv-{}", &hex::encode(h.finalize())[..40])
}

/// True if `token` satisfies the service's ClientToken constraint (1-64 of `[a-zA-Z0-9-]`).
pub fn is_valid_token(token: &str) -> bool {
    (1..=64).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[derive(Serialize)]
struct DigestInput<'a> {
    plan_id: &'a str,
    targets: &'a [Target],
    items: &'a [Item],
}

/// The digest of a plan's id, targets and items.
pub fn digest(plan_id: &str, targets: &[Target], items: &[Item]) -> String {
    let bytes = serde_json::to_vec(&DigestInput { plan_id, targets, items }).expect("plan serialises");
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

impl Plan {
    /// Compute the summary (from [`counts`], keeping `projects_seen`) and the digest from the other fields.
    pub fn seal(&mut self) {
        let c = counts(self);
        self.summary.targets = c.targets;
        self.summary.projects_planned = c.projects_planned;
        self.summary.items = c.items;
        self.summary.items_by_type = c.items_by_type;
        self.summary.skipped_by_reason = c.skipped_by_reason;
        self.digest = digest(&self.plan_id, &self.targets, &self.items);
    }

    /// Read a plan file, [`Plan::validate`] it and [`check_created_at`] against this machine's clock (errors
    /// exit 2).
    pub fn load(path: &Path) -> Result<Plan> {
        let invalid = |reason: String| Error::InvalidPlan { path: path.to_path_buf(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| invalid(format!("cannot read: {e}")))?;
        let plan: Plan = serde_json::from_str(&text).map_err(|e| invalid(format!("not a plan: {e}")))?;
        plan.validate().map_err(&invalid)?;
        check_created_at(plan.created_at, Utc::now()).map_err(invalid)?;
        Ok(plan)
    }

    /// Write atomically and owner-only ([`crate::safe_fs::write_atomic`]). Refuses to replace an existing file
    /// unless `force`.
    pub fn save(&self, path: &Path, force: bool) -> Result<()> {
        if !force && path.exists() {
            return Err(Error::Usage(format!("{} already exists; pass --force to replace it", path.display())));
        }
        let mut bytes = serde_json::to_vec_pretty(self).expect("plan serialises");
        bytes.push(b'\n');
        crate::safe_fs::write_atomic(path, &bytes).map_err(|e| Error::io("write", path, e))
    }
}
