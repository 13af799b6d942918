//! What every JSON document the tool prints says about itself, in one place: which document and version it is
//! (`format`), the build that wrote it (`tool_version`), and when the command ran (`started_at`,
//! `finished_at`). A reader checks `format` first: a document's members only ever grow within one version,
//! and a change that removes or re-means a member is a new version (see the README's "Machine-readable
//! outputs").

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// `apply`, `export` and `sweep`'s summary (the summary file and `--format json`).
pub const SUMMARY: &str = "lfv-sunset-summary/1";
/// `verify --format json`.
pub const VERIFY: &str = "lfv-sunset-verify/1";
/// `show --format json`.
pub const SHOW: &str = "lfv-sunset-show/1";
/// `plan --format json`: what was planned and where the plan went.
pub const PLANNED: &str = "lfv-sunset-planned/1";
/// `report --format json`: the audit report rebuilt from a journal.
pub const REPORTED: &str = "lfv-sunset-report/1";
/// What a command prints with `--format json` when it fails or is refused before its own document.
pub const ERROR: &str = "lfv-sunset-error/1";

/// The build that writes a document: the package version and the commit ([`crate::version::TOOL_BUILD`]).
pub fn tool_version() -> String {
    crate::version::TOOL_BUILD.to_string()
}

/// The members every JSON document starts with.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct About {
    /// Which document, and its version ([`SUMMARY`], [`VERIFY`], ...).
    pub format: String,
    /// The build that wrote it ([`tool_version`]).
    pub tool_version: String,
    /// When the command began its work.
    pub started_at: DateTime<Utc>,
    /// When the document was made.
    pub finished_at: DateTime<Utc>,
}

impl About {
    /// The members of a `format` document whose command began at `started_at` and ends now.
    pub fn new(format: &str, started_at: DateTime<Utc>) -> Self {
        About { format: format.into(), tool_version: tool_version(), started_at, finished_at: Utc::now() }
    }
}

/// One target a document is about: its account and region.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, JsonSchema)]
pub struct TargetRef {
    /// 12-digit account id.
    pub account: String,
    /// Region.
    pub region: String,
}

/// `plan --format json`: the plan written, its counts and the targets it could not reach.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PlannedDoc {
    /// [`PLANNED`], the build, when.
    #[serde(flatten)]
    pub about: About,
    /// The plan's id.
    pub plan_id: String,
    /// The plan's digest (`sha256:...`).
    pub digest: String,
    /// Where it was written.
    pub out: String,
    /// Items planned.
    pub items: usize,
    /// Items per kind (`delete_dataset`, ...).
    pub items_by_kind: std::collections::BTreeMap<String, usize>,
    /// Projects with items.
    pub projects_planned: usize,
    /// Projects listed.
    pub projects_seen: usize,
    /// Skipped entries per reason.
    pub skipped_by_reason: std::collections::BTreeMap<String, usize>,
    /// The targets planned.
    pub targets: Vec<TargetRef>,
    /// The targets that could not be reached, one line each (as stderr names them).
    pub unreachable: Vec<String>,
    /// 0, or 6 when a target could not be reached (the plan is written all the same with
    /// `--allow-unreachable`).
    pub exit_code: u8,
}

/// `report --format json`: the CSV written, its rows by outcome.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportDoc {
    /// [`REPORTED`], the build, when.
    #[serde(flatten)]
    pub about: About,
    /// The plan the journal belongs to.
    pub plan_id: String,
    /// Where the CSV was written.
    pub out: String,
    /// Rows (one per plan item).
    pub rows: usize,
    /// Rows per outcome (`pending` for undecided).
    pub outcomes: std::collections::BTreeMap<String, u64>,
    /// 0.
    pub exit_code: u8,
}

impl TargetRef {
    /// The distinct (account, region) pairs of `items`, in order.
    pub fn of_items(items: &[crate::plan::Item]) -> Vec<TargetRef> {
        let set: std::collections::BTreeSet<TargetRef> =
            items.iter().map(|i| TargetRef { account: i.account.clone(), region: i.region.clone() }).collect();
        set.into_iter().collect()
    }

    /// A plan's targets, in the plan's order (an account not known yet is empty).
    pub fn of_targets(targets: &[crate::plan::Target]) -> Vec<TargetRef> {
        targets
            .iter()
            .map(|t| TargetRef { account: t.account.clone().unwrap_or_default(), region: t.region.clone() })
            .collect()
    }
}

/// The document a command prints with `--format json` when it fails or is refused: the error, its exit code.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ErrorDoc {
    /// [`ERROR`], the build, when.
    #[serde(flatten)]
    pub about: About,
    /// The subcommand (`apply`, `verify`, ...).
    pub command: String,
    /// The error, as stderr says it.
    pub error: String,
    /// The exit code the command ends with.
    pub exit_code: u8,
}
