//! The JSON summary `apply --format json` prints on stdout (and the demo writes to `summary.json`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::exec::journal::JournalState;
use crate::exec::run::RunResult;

/// Summary of a run, over the whole journal (all resumes) and this invocation.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Plan id.
    pub plan_id: String,
    /// `apply`, `dry-run` or `export`.
    pub mode: String,
    /// Items in the plan.
    pub items: usize,
    /// Items per outcome (`pending` for undecided), over all runs.
    pub outcomes: BTreeMap<String, u64>,
    /// Deleted items whose disappearance was confirmed / not confirmed.
    pub verified: u64,
    /// Deleted items still present at the confirmation.
    pub not_verified: u64,
    /// This invocation's wall time in seconds.
    pub wall_time_s: f64,
    /// Items decided in this invocation.
    pub finished_this_run: u64,
    /// Items decided per second of this invocation.
    pub achieved_items_per_s: f64,
    /// DeleteDataset attempts in this invocation.
    pub delete_attempts: u64,
    /// Attempts answered 429 in this invocation (any operation).
    pub throttled: u64,
    /// DeleteDataset attempts answered 429 in this invocation.
    pub delete_throttled: u64,
    /// Share of DeleteDataset attempts throttled.
    pub throttled_share: f64,
    /// Exit code the command ends with.
    pub exit_code: u8,
    /// Journal path.
    pub checkpoint: String,
    /// Report path.
    pub report: String,
    /// Backup directory, if backups were made.
    pub backup_dir: Option<String>,
    /// Why a guard stopped the run, if one did.
    pub stopped: Vec<String>,
}

impl Summary {
    /// Build from the journal and this run.
    pub fn new(state: &JournalState, run: &RunResult, exit_code: u8) -> Self {
        let secs = run.wall.as_secs_f64();
        let mut verified = 0;
        let mut not_verified = 0;
        for v in state.by_seq.values().filter_map(|s| s.verified.as_ref()) {
            if v.verified {
                verified += 1;
            } else {
                not_verified += 1;
            }
        }
        Self {
            plan_id: state.plan_id.clone(),
            mode: state.mode.as_str().into(),
            items: state.items.len(),
            outcomes: super::audit::counts(state),
            verified,
            not_verified,
            wall_time_s: (secs * 1000.0).round() / 1000.0,
            finished_this_run: run.finished,
            achieved_items_per_s: if secs > 0.0 { run.finished as f64 / secs } else { 0.0 },
            delete_attempts: run.delete_attempts,
            throttled: run.throttled,
            delete_throttled: run.delete_throttled,
            throttled_share: if run.delete_attempts > 0 {
                run.delete_throttled as f64 / run.delete_attempts as f64
            } else {
                0.0
            },
            exit_code,
            checkpoint: String::new(),
            report: String::new(),
            backup_dir: None,
            stopped: run.guard_stops.clone(),
        }
    }
}
