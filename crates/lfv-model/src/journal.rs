//! The checkpoint journal's record schema: one [`Record`] per JSON line, the [`Mode`] a journal records, and the
//! final [`Outcome`]s of an item. The file itself (lock, group-committing writer, torn-line-tolerant reader) is
//! the tool's `exec::journal`; this module holds only the data, so every crate reads the same records.
//!
//! Line formats (one JSON object per line, member `type` first):
//! - `header`: `{format, mode, plan_id, plan_digest, created_at, items}`; the first line. `format` is
//!   `lfv-sunset-journal/1`; `mode` is `apply`, `dry-run` or `export`; `items` is the plan's item list, so the
//!   journal alone can rebuild the report. A journal whose `plan_digest` differs from the plan's is refused.
//! - `run`: `{run, started_at, pid, args, tool}` at the start of every invocation; `tool` is the build
//!   (`0.1.0+1a2b3c4d5e6f`, `-dirty` appended for a modified tree), absent in older journals.
//! - `start`: `{seq, at}` just before an item's first DeleteDataset attempt (fsynced: a start without an
//!   outcome marks a call that may have gone out).
//! - `attempt`: `{seq, op, n, at, status, error_code, message, request_id, throttled}` after every
//!   DeleteDataset attempt.
//! - `export`: `{seq, path, entries, sha256, at}` once a backup is written and verified.
//! - `outcome`: `{seq, outcome, http_status, error_code, message, request_id, finished_at, backup_skipped,
//!   inference_units}` (`inference_units` only on a `stop_model` item, the units it stopped):
//!   final for this run. It is fsynced before the item is counted as done, and no call for the item goes out
//!   after it in this run. `outcome` is one of `deleted`, `already_absent`, `would_delete`, `skipped_drift`,
//!   `failed`, `exported`, `stopped`, `blocked`, `skipped_dependency`; a rerun processes `blocked` and
//!   `skipped_dependency` items again (see the tool's `exec::resume`).
//! - `verified`: `{seq, verified, status, at}` after the post-deletion DescribeProject.
//! - `item`: a plan item (the fields of a plan format 2 item), written by `sweep` (fsynced) as each project is
//!   described and before any call for it, numbered in the order found; the journal's items are the header's
//!   (none in a sweep's journal, whose header has an empty `plan_digest`) and these. When the sweep's plan is
//!   sealed, the tool's `exec::journal::rekey` rewrites the journal for it.
//! - `end`: `{at, interrupted}` when an invocation finishes.
//!

use crate::op::Op;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::plan::Item;

/// Journal format version.
pub const FORMAT: &str = "lfv-sunset-journal/1";

/// What a journal records a run of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Real deletions.
    Apply,
    /// `apply --dry-run`: no mutating call.
    DryRun,
    /// `export`: backups only, read-only.
    Export,
}

impl Mode {
    /// As written in the header.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Apply => "apply",
            Mode::DryRun => "dry-run",
            Mode::Export => "export",
        }
    }
}

/// Final outcomes of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// DeleteDataset accepted (202).
    Deleted,
    /// The dataset was gone already (no call needed, or 404).
    AlreadyAbsent,
    /// Dry run: it would be deleted.
    WouldDelete,
    /// The dataset was re-created since planning (CreationTimestamp differs): left alone.
    SkippedDrift,
    /// Could not be deleted (or backed up); see message.
    Failed,
    /// `export`: the backup is written and verified.
    Exported,
    /// `stop_model`: the model is no longer hosted (StopModel done, or it was not hosted). Final.
    Stopped,
    /// Waited `--wait-timeout` for the resource to leave a state that forbids the call (e.g. a model
    /// `TRAINING`); the status is in the message. Not final: a rerun tries again.
    Blocked,
    /// `delete_project`: an item it waits for (`after`) failed or is blocked, so the project was left
    /// intact. Not final: a rerun tries again.
    SkippedDependency,
}

impl Outcome {
    /// As written in the journal and the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Deleted => "deleted",
            Outcome::AlreadyAbsent => "already_absent",
            Outcome::WouldDelete => "would_delete",
            Outcome::SkippedDrift => "skipped_drift",
            Outcome::Failed => "failed",
            Outcome::Exported => "exported",
            Outcome::Stopped => "stopped",
            Outcome::Blocked => "blocked",
            Outcome::SkippedDependency => "skipped_dependency",
        }
    }
    /// Counts as success for the exit code.
    pub fn is_success(self) -> bool {
        matches!(
            self,
            Outcome::Deleted | Outcome::AlreadyAbsent | Outcome::WouldDelete | Outcome::Exported | Outcome::Stopped
        )
    }
    /// A rerun leaves the item alone (without `--retry-failed`, a `failed` item too). `blocked` and
    /// `skipped_dependency` are not final: the condition that stopped them may have cleared.
    pub fn is_final(self) -> bool {
        !matches!(self, Outcome::Blocked | Outcome::SkippedDependency)
    }
}

/// A verified backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRec {
    /// Item.
    pub seq: u64,
    /// Manifest path.
    pub path: PathBuf,
    /// Entries written (equals ImageStats.Total).
    pub entries: u64,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    /// When it was verified.
    pub at: DateTime<Utc>,
}

/// One DeleteDataset attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRec {
    /// Item.
    pub seq: u64,
    /// Operation (`DeleteDataset`), as the service spells it.
    pub op: Op,
    /// Attempt number within its call.
    pub n: u32,
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// HTTP status, if any response.
    pub status: Option<u16>,
    /// Error code.
    pub error_code: Option<String>,
    /// Error message.
    pub message: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Answered with 429.
    pub throttled: bool,
}

/// A final outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeRec {
    /// Item.
    pub seq: u64,
    /// Outcome.
    pub outcome: Outcome,
    /// Last HTTP status that decided it.
    pub http_status: Option<u16>,
    /// Error code that decided it.
    pub error_code: Option<String>,
    /// Human explanation.
    pub message: String,
    /// Request id of the deciding call.
    pub request_id: Option<String>,
    /// When it was decided.
    pub finished_at: DateTime<Utc>,
    /// The run had `--no-backup`.
    #[serde(default)]
    pub backup_skipped: bool,
    /// `stop_model`: the inference units the stopped model was hosted with (DescribeModel's
    /// MinInferenceUnits); `None` for every other item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_units: Option<u32>,
}

/// A post-deletion check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifiedRec {
    /// Item.
    pub seq: u64,
    /// The dataset is gone.
    pub verified: bool,
    /// Its status if still present.
    pub status: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// First line.
    Header {
        /// [`FORMAT`].
        format: String,
        /// What runs this journal records.
        mode: Mode,
        /// Plan id.
        plan_id: String,
        /// Plan digest.
        plan_digest: String,
        /// Creation time.
        created_at: DateTime<Utc>,
        /// The plan's items (format 1 journals hold format 1 items; they are read as `delete_dataset` items).
        #[serde(deserialize_with = "crate::plan::v1::deserialize_items")]
        items: Vec<Item>,
    },
    /// An invocation started.
    Run {
        /// 1-based run number.
        run: u32,
        /// When.
        started_at: DateTime<Utc>,
        /// Process id.
        pid: u32,
        /// Command line.
        args: Vec<String>,
        /// The tool build that ran, `VERSION+COMMIT` (the tool's `version::TOOL_BUILD`); absent in journals
        /// written before it was recorded, and then not written back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tool: Option<String>,
    },
    /// An item's first DeleteDataset attempt is about to go out.
    Start {
        /// Item.
        seq: u64,
        /// When.
        at: DateTime<Utc>,
    },
    /// See [`AttemptRec`].
    Attempt(AttemptRec),
    /// See [`ExportRec`].
    Export(ExportRec),
    /// See [`OutcomeRec`].
    Outcome(OutcomeRec),
    /// See [`VerifiedRec`].
    Verified(VerifiedRec),
    /// `sweep`: an item found while planning and running at once, numbered in the order found, written
    /// (fsynced) before any call for it; the journal's items are the header's followed by these. Sealing
    /// rewrites the journal for the sealed plan (the tool's `exec::journal::rekey`), which has none.
    Item(Item),
    /// An invocation ended.
    End {
        /// When.
        at: DateTime<Utc>,
        /// It was interrupted or stopped.
        interrupted: bool,
    },
}
