//! The plan file: a versioned JSON document that lists exactly what `apply` may do.
//!
//! Format `lfv-sunset-plan/2` (JSON Schema: `plans/plan.schema.json`) is what `plan` writes. Format
//! `lfv-sunset-plan/1` (`plans/plan-v1.schema.json`, datasets only) still loads into the same in-memory
//! [`Plan`] (see `v1.rs`); `digest.rs` computes the digest, `file.rs` reads and writes the file: each of its items becomes a `delete_dataset` item. Items are in execution order:
//! by target, then project name, and within a project stop_model, delete_model (by version), delete_dataset
//! `test` then `train`, delete_project ([`super::types::order_key`]).
//!
//! Digest (format 2): `sha256:` + lowercase hex SHA-256 of the compact JSON serialisation of
//! `{"format", "plan_id", "created_at", "targets", "unreachable", "items"}` with members in the order of the
//! structs below (the order they appear in the file). Editing any of them changes it; `apply` and `show`
//! refuse a plan whose digest does not match. `tool_version`, `selection`, `skipped` and `summary` are not
//! digested; `validate.rs` checks them and re-checks every invariant of the digested part, since a digest can
//! be recomputed after an edit. Format 1 digests only `plan_id`, `targets` and `items` (in their format 1
//! shape).
//!
//! Client tokens (format 2): `lfv-` + the first 40 hex digits of SHA-256 over
//! `plan_id \n account \n region \n project \n kind \n resource` (44 characters of `[a-z0-9-]`, within the
//! service's 1-64 `^[a-zA-Z0-9-]+$`); format 1's rule is `plan_id \n account \n region \n project \n
//! dataset_type`. The same plan and item always give the same token, so every attempt and every resume of one
//! item is one idempotent call; a new plan (new `plan_id`) gives new tokens, so a resource re-created and
//! re-planned within the service's 8-hour token window gets a real new call, not a replay.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::types::{DatasetType, DatasetTypes, Kind, Resource, Scope, SkipReason};

/// The format version this tool writes.
pub const FORMAT: &str = "lfv-sunset-plan/2";

/// The format 1 version string, still read ([`super::v1`]).
pub const FORMAT_V1: &str = "lfv-sunset-plan/1";

/// A whole plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Format version: [`FORMAT`], or [`FORMAT_V1`] for a plan loaded from a format 1 file.
    pub format: String,
    /// Unique id of this plan (`lfv-YYYYMMDDTHHMMSSZ-xxxxxxxx`); part of every client token.
    pub plan_id: String,
    /// When the plan was made (digested in format 2).
    pub created_at: DateTime<Utc>,
    /// Version of lfv-sunset that made it.
    pub tool_version: String,
    /// The selection flags as given.
    pub selection: Selection,
    /// The (account, region) pairs enumerated, with how they were reached.
    pub targets: Vec<Target>,
    /// Targets that could not be reached at planning (`--allow-unreachable`); empty otherwise.
    #[serde(default)]
    pub unreachable: Vec<Unreachable>,
    /// What to do, in execution order.
    pub items: Vec<Item>,
    /// What was seen and left alone, with the reason.
    pub skipped: Vec<Skipped>,
    /// Counts.
    pub summary: Summary,
    /// `sha256:<hex>` (see the module docs).
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
    /// `--scope`: `datasets` (format 1's only scope, and the default when absent) or `all`.
    #[serde(default)]
    pub scope: Scope,
    /// `--include` globs.
    pub include: Vec<String>,
    /// `--exclude` globs.
    pub exclude: Vec<String>,
    /// `--dataset-type`: `train`, `test` or `both`.
    pub dataset_type: DatasetTypes,
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

/// A target that could not be reached at planning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unreachable {
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// The role that was to be assumed, if any.
    pub role_arn: Option<String>,
    /// Machine-readable error (the service's error code or a transport class).
    pub error: String,
    /// Human-readable message.
    pub message: String,
}

/// One action on one resource.
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
    /// What the item does.
    pub kind: Kind,
    /// The resource: a model version (`1`) for the model kinds, `train` or `test` for `delete_dataset`, the
    /// project name for `delete_project`. Kept as the file spells it (so that [`Plan::validate`] can name any
    /// value it refuses); read it typed through [`Item::typed_resource`].
    pub resource: String,
    /// The resource's CreationTimestamp at planning time; `apply` leaves the resource alone if it differs.
    pub created: Option<DateTime<Utc>>,
    /// The resource's status at planning time.
    pub status: String,
    /// Idempotency token sent with every attempt for this item.
    pub client_token: String,
    /// Seqs of earlier items of the same project that must finish first.
    pub after: Vec<u64>,
}

impl Item {
    /// `resource` as `kind` reads it ([`Resource::parse`]); `None` only for an item [`Plan::validate`]
    /// refuses (a model version that is not one, a dataset type that is neither `train` nor `test`).
    pub fn typed_resource(&self) -> Option<Resource<'_>> {
        Resource::parse(self.kind, &self.resource)
    }

    /// The dataset type of a `delete_dataset` item; `None` for the other kinds.
    pub fn dataset_type(&self) -> Option<DatasetType> {
        self.typed_resource()?.dataset_type()
    }
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
    pub dataset_type: Option<DatasetType>,
    /// Machine-readable reason: `excluded`, `not_included`, `dataset_type`, `created_before`,
    /// `created_after`, `no_datasets`, `project_vanished` ([`SkipReason`]).
    pub reason: SkipReason,
    /// Human-readable detail.
    pub detail: String,
}

impl Skipped {
    /// The entry for `project` of `target` (`dataset_type`: one dataset left out; `None`: the whole project),
    /// with its `(reason, detail)`.
    pub fn new(
        target: usize,
        project: &str,
        dataset_type: Option<DatasetType>,
        (reason, detail): (SkipReason, String),
    ) -> Self {
        Skipped { target, project: project.to_string(), dataset_type, reason, detail }
    }
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
    /// Items per kind.
    pub items_by_kind: BTreeMap<Kind, usize>,
    /// `delete_dataset` items per dataset type.
    pub items_by_type: BTreeMap<DatasetType, usize>,
    /// Skipped entries per reason (in the reasons' alphabetical order, as [`SkipReason`] sorts).
    pub skipped_by_reason: BTreeMap<SkipReason, usize>,
}

/// SHA-256 over `parts` joined by newlines, as `lfv-` + its first 40 hex digits.
pub(super) fn token_of(parts: &[&str]) -> String {
    let mut h = crate::sha256::Hasher::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b"\n");
        }
        h.update(part.as_bytes());
    }
    format!("lfv-{}", &h.hex()[..40])
}

/// The format 2 client token of one item (see the module docs).
pub fn client_token(plan_id: &str, account: &str, region: &str, project: &str, kind: Kind, resource: &str) -> String {
    token_of(&[plan_id, account, region, project, kind.as_str(), resource])
}

/// True if `token` satisfies the service's ClientToken constraint (1-64 of `[a-zA-Z0-9-]`).
pub fn is_valid_token(token: &str) -> bool {
    (1..=64).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `sha256:` + hex SHA-256 of the compact JSON of `value`.
pub(super) fn sha256_json(value: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(value).expect("plan serialises");
    format!("sha256:{}", crate::sha256::hex(&bytes))
}
