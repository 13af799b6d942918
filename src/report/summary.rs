//! The JSON summary of a run: `apply`, `export` and `sweep` write it to their summary file on every path
//! that has a journal, and `--format json` prints the same bytes on stdout.
//! Outcome counts overall and per kind, and the inference units stopped, are folded from the journal (every
//! run of the plan), never from counters of this invocation.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use chrono::Utc;

use super::about::{About, TargetRef};
use super::tally::{KindByName, Tally};
use crate::error::{Error, Result};
use crate::exec::journal::{JournalState, Outcome};
use crate::exec::run::RunResult;
use crate::plan::Kind;

/// Summary of a run, over the whole journal (all resumes) and this invocation.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Summary {
    /// [`super::about::SUMMARY`], the build, when the run began and ended.
    #[serde(flatten)]
    pub about: About,
    /// Plan id.
    pub plan_id: String,
    /// The plan's targets that have items, in order.
    pub targets: Vec<TargetRef>,
    /// `apply`, `dry-run` or `export`.
    pub mode: String,
    /// Items in the plan.
    pub items: usize,
    /// Items per outcome (`pending` for undecided), over all runs; keys in alphabetical order.
    #[schemars(with = "BTreeMap<String, u64>")]
    pub outcomes: BTreeMap<Tally, u64>,
    /// Items per kind (`stop_model`, ...), then per outcome as in `outcomes`; only kinds the plan holds; keys
    /// in alphabetical order.
    #[schemars(with = "BTreeMap<String, BTreeMap<String, u64>>")]
    pub outcomes_by_kind: BTreeMap<KindByName, BTreeMap<Tally, u64>>,
    /// Sum of `inference_units` over `stop_model` items whose outcome is `stopped`, over all runs.
    pub inference_units_stopped: u64,
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
    /// Attempts per operation in this invocation (`{"DeleteDataset": {"attempts": 3, "throttled": 1}, ...}`;
    /// only operations called), every call of the run: mutating, looks, backups, enumeration.
    #[schemars(with = "BTreeMap<String, CallCountDoc>")]
    pub calls: crate::service::CallCounts,
    /// Exit code the command ends with.
    pub exit_code: u8,
    /// Journal path.
    pub checkpoint: String,
    /// Report path.
    pub report: String,
    /// Backup directory, if backups were made.
    pub backup_dir: Option<String>,
    /// `leftovers.csv`, if written (runs with a backup directory).
    pub leftovers: Option<String>,
    /// Why a guard stopped the run, if one did.
    pub stopped: Vec<String>,
    /// `sweep`: its own verify's document (`lfv-sunset-verify/1`), when the run went to its end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<serde_json::Value>,
}

/// How one operation's attempts appear in `calls` (the schema of [`crate::service::CallCount`]).
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct CallCountDoc {
    /// Attempts sent (a retried call counts each attempt).
    attempts: u64,
    /// Attempts answered 429.
    throttled: u64,
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
        let started = Utc::now() - chrono::Duration::from_std(run.wall).unwrap_or_default();
        Self {
            about: About::new(super::about::SUMMARY, started),
            plan_id: state.plan_id.clone(),
            targets: TargetRef::of_items(&state.items),
            mode: state.mode.as_str().into(),
            items: state.items.len(),
            outcomes: super::audit::counts(state),
            outcomes_by_kind: outcomes_by_kind(state),
            inference_units_stopped: inference_units_stopped(state),
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
            calls: run.calls.clone(),
            exit_code,
            checkpoint: String::new(),
            report: String::new(),
            backup_dir: None,
            leftovers: None,
            stopped: run.guard_stops.clone(),
            verify: None,
        }
    }

    /// The pretty JSON, with a final newline: what the summary file holds and `--format json` prints.
    pub fn to_json(&self) -> String {
        format!("{}\n", serde_json::to_string_pretty(self).expect("a summary serialises"))
    }

    /// Write [`Self::to_json`] to `path`, atomically and owner-only.
    pub fn write(&self, path: &std::path::Path) -> Result<()> {
        lfv_fs::write_atomic(path, self.to_json().as_bytes()).map_err(|e| Error::io("write", path, e))
    }
}

/// Items per kind, then per outcome (`pending` for undecided).
pub fn outcomes_by_kind(state: &JournalState) -> BTreeMap<KindByName, BTreeMap<Tally, u64>> {
    let mut m: BTreeMap<KindByName, BTreeMap<Tally, u64>> = BTreeMap::new();
    for item in &state.items {
        let outcome = state.by_seq.get(&item.seq).and_then(|s| s.outcome.as_ref());
        let o = Tally::of(outcome.map(|o| o.outcome));
        *m.entry(KindByName(item.kind)).or_default().entry(o).or_insert(0) += 1;
    }
    m
}

/// The inference units the plan's hosted models no longer use: `inference_units` summed over `stop_model`
/// items whose outcome is `stopped` (an item without the field adds 0).
pub fn inference_units_stopped(state: &JournalState) -> u64 {
    state
        .items
        .iter()
        .filter(|i| i.kind == Kind::StopModel)
        .filter_map(|i| state.by_seq.get(&i.seq)?.outcome.as_ref())
        .filter(|o| o.outcome == Outcome::Stopped)
        .map(|o| u64::from(o.inference_units.unwrap_or(0)))
        .sum()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::exec::journal::{self, OutcomeRec, Record};
    use crate::plan::Item;

    fn item(seq: u64, kind: Kind, resource: &str) -> Item {
        lfv_model::testing::item(seq, "pcb", kind, resource)
    }

    fn outcome(seq: u64, outcome: Outcome, units: Option<u32>) -> Record {
        Record::Outcome(OutcomeRec {
            seq,
            outcome,
            http_status: None,
            error_code: None,
            message: String::new(),
            request_id: None,
            finished_at: chrono::Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            backup_skipped: false,
            inference_units: units,
        })
    }

    fn state(items: Vec<Item>, records: Vec<Record>) -> JournalState {
        let header = Record::Header {
            format: journal::FORMAT.into(),
            mode: journal::Mode::Apply,
            plan_id: "lfv-20250101T000000Z-0123abcd".into(),
            plan_digest: "sha256:00".into(),
            created_at: chrono::Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            items,
        };
        let mut text = String::new();
        for r in std::iter::once(header).chain(records) {
            text.push_str(&serde_json::to_string(&r).unwrap());
            text.push('\n');
        }
        journal::parse(std::path::Path::new("j.jsonl"), text.as_bytes()).unwrap().0
    }

    #[test]
    fn counts_per_kind_and_units_of_stopped_models_only() {
        let items = vec![
            item(1, Kind::StopModel, "1"),
            item(2, Kind::StopModel, "2"),
            item(3, Kind::StopModel, "3"),
            item(4, Kind::StopModel, "4"),
            item(5, Kind::DeleteModel, "1"),
            item(6, Kind::DeleteDataset, "test"),
            item(7, Kind::DeleteProject, "pcb"),
        ];
        let s = state(
            items,
            vec![
                outcome(1, Outcome::Stopped, Some(2)),
                outcome(2, Outcome::Stopped, Some(3)),
                // Not stopped: their units do not count (journalled anyway, e.g. by a describe before failing).
                outcome(3, Outcome::Blocked, Some(7)),
                outcome(4, Outcome::Stopped, None),
                outcome(5, Outcome::Deleted, Some(11)),
                outcome(6, Outcome::Deleted, None),
                outcome(7, Outcome::SkippedDependency, None),
            ],
        );
        assert_eq!(inference_units_stopped(&s), 5);
        let by = outcomes_by_kind(&s);
        let flat: Vec<(String, String, u64)> =
            by.iter().flat_map(|(k, m)| m.iter().map(move |(o, n)| (k.to_string(), o.to_string(), *n))).collect();
        let want = [
            ("delete_dataset", "deleted", 1),
            ("delete_model", "deleted", 1),
            ("delete_project", "skipped_dependency", 1),
            ("stop_model", "blocked", 1),
            ("stop_model", "stopped", 3),
        ];
        assert_eq!(flat, want.map(|(k, o, n)| (k.to_string(), o.to_string(), n)));
    }

    #[test]
    fn undecided_items_count_as_pending_under_their_kind() {
        let s = state(vec![item(1, Kind::StopModel, "1"), item(2, Kind::DeleteProject, "pcb")], vec![]);
        let by = outcomes_by_kind(&s);
        assert_eq!(by["stop_model"]["pending"], 1);
        assert_eq!(by["delete_project"]["pending"], 1);
        assert_eq!(inference_units_stopped(&s), 0);
    }
}
