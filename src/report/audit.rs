//! The CSV audit report: one row per plan item in its final state, rebuilt from the journal (so it is
//! complete across resumes), RFC 4180 with a header row.
//!
//! Columns, in order: plan_id, seq, account, region, project, dataset_type, client_token, outcome (`deleted`,
//! `already_absent`, `would_delete`, `skipped_drift`, `failed`, `exported`, or `pending` for an item an
//! unfinished run has not decided), verified (`true`, `false` or empty), http_status, error_code, message,
//! attempts (DeleteDataset attempts over all runs), throttled_attempts, first_attempt_at, finished_at
//! (RFC 3339, UTC, milliseconds), duration_ms (finished_at minus first_attempt_at, or minus the start when no
//! attempt was needed, as printed), request_id,
//! backup_path, backup_entries, backup_sha256 (`backup_path` reads `skipped: --no-backup` when the run
//! had `--no-backup`).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::exec::journal::{JournalState, Outcome};

/// The header row.
pub const COLUMNS: [&str; 21] = [
    "plan_id",
    "seq",
    "account",
    "region",
    "project",
    "dataset_type",
    "client_token",
    "outcome",
    "verified",
    "http_status",
    "error_code",
    "message",
    "attempts",
    "throttled_attempts",
    "first_attempt_at",
    "finished_at",
    "duration_ms",
    "request_id",
    "backup_path",
    "backup_entries",
    "backup_sha256",
];

/// One report row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Plan id.
    pub plan_id: String,
    /// Item.
    pub seq: u64,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Project.
    pub project: String,
    /// `train`/`test`.
    pub dataset_type: String,
    /// Token.
    pub client_token: String,
    /// Outcome or `pending`.
    pub outcome: String,
    /// `true`/`false`/empty.
    pub verified: String,
    /// Status.
    pub http_status: String,
    /// Error code.
    pub error_code: String,
    /// Message.
    pub message: String,
    /// Attempts.
    pub attempts: u32,
    /// Throttled attempts.
    pub throttled_attempts: u32,
    /// First attempt.
    pub first_attempt_at: String,
    /// Outcome time.
    pub finished_at: String,
    /// Duration.
    pub duration_ms: String,
    /// Request id.
    pub request_id: String,
    /// Backup file.
    pub backup_path: String,
    /// Backup entries.
    pub backup_entries: String,
    /// Backup checksum.
    pub backup_sha256: String,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Rows for every item of the journal's plan.
pub fn rows(state: &JournalState) -> Vec<Row> {
    state
        .items
        .iter()
        .map(|item| {
            let st = state.item(item.seq);
            let first = st.attempts.iter().map(|a| a.at).min();
            let o = st.outcome.as_ref();
            let began = first.or(st.started);
            let duration = match (began, o) {
                (Some(b), Some(o)) => (o.finished_at.timestamp_millis() - b.timestamp_millis()).max(0).to_string(),
                _ => String::new(),
            };
            let request_id = o
                .and_then(|o| o.request_id.clone())
                .or_else(|| st.attempts.last().and_then(|a| a.request_id.clone()))
                .unwrap_or_default();
            let (backup_path, backup_entries, backup_sha256) = match (&st.export, o) {
                (Some(e), _) => (e.path.display().to_string(), e.entries.to_string(), e.sha256.clone()),
                (None, Some(o)) if o.backup_skipped => {
                    ("skipped: --no-backup".to_string(), String::new(), String::new())
                }
                _ => Default::default(),
            };
            Row {
                plan_id: state.plan_id.clone(),
                seq: item.seq,
                account: item.account.clone(),
                region: item.region.clone(),
                project: item.project.clone(),
                dataset_type: item.dataset_type.clone(),
                client_token: item.client_token.clone(),
                outcome: o.map_or("pending", |o| o.outcome.as_str()).to_string(),
                verified: st.verified.as_ref().map(|v| v.verified.to_string()).unwrap_or_default(),
                http_status: o.and_then(|o| o.http_status).map(|s| s.to_string()).unwrap_or_default(),
                error_code: o.and_then(|o| o.error_code.clone()).unwrap_or_default(),
                message: o.map(|o| o.message.clone()).unwrap_or_default(),
                attempts: st.attempts.len() as u32,
                throttled_attempts: st.attempts.iter().filter(|a| a.throttled).count() as u32,
                first_attempt_at: first.map(ts).unwrap_or_default(),
                finished_at: o.map(|o| ts(o.finished_at)).unwrap_or_default(),
                duration_ms: duration,
                request_id,
                backup_path,
                backup_entries,
                backup_sha256,
            }
        })
        .collect()
}

/// Counts by outcome (including `pending`).
pub fn counts(state: &JournalState) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for item in &state.items {
        let k = state.item(item.seq).outcome.map_or("pending", |o| o.outcome.as_str()).to_string();
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

/// True when every item has a successful outcome.
pub fn all_succeeded(state: &JournalState) -> bool {
    state.items.iter().all(|i| state.item(i.seq).outcome.is_some_and(|o| o.outcome.is_success()))
}

/// True when some item failed, drifted or is undecided.
pub fn has_problems(state: &JournalState) -> bool {
    state
        .items
        .iter()
        .any(|i| state.item(i.seq).outcome.is_none_or(|o| matches!(o.outcome, Outcome::Failed | Outcome::SkippedDrift)))
}

/// Write the report atomically and owner-only ([`crate::safe_fs::write_atomic`]).
pub fn write(state: &JournalState, path: &Path) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows(state) {
        w.serialize(row).map_err(|e| Error::Internal(format!("csv: {e}")))?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(format!("csv: {e}")))?;
    let bytes = if bytes.is_empty() {
        let mut h = csv::Writer::from_writer(Vec::new());
        h.write_record(COLUMNS).map_err(|e| Error::Internal(format!("csv: {e}")))?;
        h.into_inner().map_err(|e| Error::Internal(format!("csv: {e}")))?
    } else {
        bytes
    };
    crate::safe_fs::write_atomic(path, &bytes).map_err(|e| Error::io("write", path, e))
}
