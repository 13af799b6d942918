//! The CSV audit report: one row per plan item in its final state, rebuilt from the journal (so it is
//! complete across resumes), RFC 4180 with a header row.
//!
//! Columns, in order: plan_id, seq, account, region, project, dataset_type (`train`/`test` for a
//! `delete_dataset` item, empty for the other kinds), kind (`stop_model`, `delete_model`, `delete_dataset`,
//! `delete_project`), resource (the model version, dataset type or project name), client_token, outcome
//! (`deleted`, `already_absent`, `would_delete`, `skipped_drift`, `failed`, `exported`, `stopped`, `blocked`,
//! `skipped_dependency`, or `pending` for an item an unfinished run has not decided), verified (`true`, `false` or empty), http_status, error_code, message,
//! attempts (the item's calls that act on it, e.g. DeleteDataset or StopModel, over all runs), throttled_attempts, first_attempt_at, finished_at
//! (RFC 3339, UTC, milliseconds), duration_ms (finished_at minus first_attempt_at, or minus the start when no
//! attempt was needed, as printed), request_id,
//! backup_path, backup_entries, backup_sha256 (`backup_path` reads `skipped: --no-backup` when the run
//! had `--no-backup`).
//!
//! A cell that begins with `=`, `+`, `-`, `@`, tab, CR or NUL is written with a `'` prefixed (see
//! `csv_cells.rs`); [`rows`] returns the values as recorded.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::csv_cells;
use super::tally::Tally;
use crate::error::{Error, Result};
use crate::exec::journal::{JournalState, Outcome};

/// The header row.
pub const COLUMNS: [&str; 23] = [
    "plan_id",
    "seq",
    "account",
    "region",
    "project",
    "dataset_type",
    "kind",
    "resource",
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
    /// `train`/`test` for a `delete_dataset` item, empty for the other kinds.
    pub dataset_type: String,
    /// The item's kind ([`crate::plan::Kind::as_str`]).
    pub kind: String,
    /// The model version, dataset type or project name.
    pub resource: String,
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
                dataset_type: item.dataset_type().map(|t| t.to_string()).unwrap_or_default(),
                kind: item.kind.to_string(),
                resource: item.resource.clone(),
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

/// Counts by outcome (including `pending`), in the outcomes' alphabetical order.
pub fn counts(state: &JournalState) -> BTreeMap<Tally, u64> {
    let mut m = BTreeMap::new();
    for item in &state.items {
        *m.entry(Tally::of(state.item(item.seq).outcome.map(|o| o.outcome))).or_insert(0) += 1;
    }
    m
}

/// True when every item has a successful outcome.
pub fn all_succeeded(state: &JournalState) -> bool {
    state.items.iter().all(|i| state.item(i.seq).outcome.is_some_and(|o| o.outcome.is_success()))
}

/// True when some item failed, drifted, is blocked or skipped for a dependency, or is undecided.
pub fn has_problems(state: &JournalState) -> bool {
    state.items.iter().any(|i| {
        state.item(i.seq).outcome.is_none_or(|o| {
            matches!(o.outcome, Outcome::Failed | Outcome::SkippedDrift | Outcome::Blocked | Outcome::SkippedDependency)
        })
    })
}

/// Write the report atomically and owner-only ([`lfv_fs::write_atomic`]), every cell neutralised
/// against formula injection ([`csv_cells::to_csv`]).
pub fn write(state: &JournalState, path: &Path) -> Result<()> {
    let bytes = csv(state)?;
    lfv_fs::write_atomic(path, &bytes).map_err(|e| Error::io("write", path, e))
}

/// The report's bytes, as [`write()`] writes them (`report --out -` prints them).
pub fn csv(state: &JournalState) -> Result<Vec<u8>> {
    csv_cells::to_csv(&COLUMNS, rows(state))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use chrono::TimeZone;

    use super::*;
    use crate::exec::journal::{self, AttemptRec, ExportRec, OutcomeRec, Record, VerifiedRec};
    use crate::plan::Item;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_700_000_000_000 + ms).unwrap()
    }

    fn item(seq: u64, project: &str, dataset_type: &str) -> Item {
        item_of(seq, project, crate::plan::Kind::DeleteDataset, dataset_type)
    }

    fn item_of(seq: u64, project: &str, kind: crate::plan::Kind, resource: &str) -> Item {
        let base = lfv_model::testing::item(seq, project, kind, resource);
        Item { created: Some(at(0)), status: "CREATE_COMPLETE".into(), ..base }
    }

    fn attempt(seq: u64, n: u32, ms: i64, status: u16, request_id: &str) -> Record {
        Record::Attempt(AttemptRec {
            seq,
            op: lfv_model::op::Op::DeleteDataset,
            n,
            at: at(ms),
            status: Some(status),
            error_code: (status == 429).then(|| "ThrottlingException".into()),
            message: None,
            request_id: Some(request_id.into()),
            throttled: status == 429,
        })
    }

    /// Journal records written as lines and read back the way `report` reads them.
    fn state(records: Vec<Record>) -> JournalState {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        for r in records {
            writeln!(file, "{}", serde_json::to_string(&r).unwrap()).unwrap();
        }
        journal::read(file.path()).unwrap()
    }

    fn header(items: Vec<Item>) -> Record {
        Record::Header {
            format: journal::FORMAT.into(),
            mode: journal::Mode::Apply,
            plan_id: "lfv-20250101T000000Z-0123abcd".into(),
            plan_digest: "sha256:00".into(),
            created_at: at(0),
            items,
        }
    }

    #[test]
    fn a_deleted_item_row_field_by_field() {
        let s = state(vec![
            header(vec![item(1, "pcb", "test"), item(2, "pcb", "train")]),
            Record::Run { run: 1, started_at: at(0), pid: 7, args: vec![], tool: None },
            Record::Export(ExportRec {
                seq: 1,
                path: "plan.backup/111122223333/us-east-1/pcb/test.manifest".into(),
                entries: 12,
                sha256: "ab".repeat(32),
                at: at(50),
            }),
            Record::Start { seq: 1, at: at(100) },
            attempt(1, 1, 120, 429, "req-1"),
            attempt(1, 2, 400, 202, "req-2"),
            Record::Outcome(OutcomeRec {
                seq: 1,
                outcome: Outcome::Deleted,
                http_status: Some(202),
                error_code: None,
                message: "deleted".into(),
                request_id: Some("req-2".into()),
                finished_at: at(1_523),
                backup_skipped: false,
                inference_units: None,
            }),
            Record::Verified(VerifiedRec { seq: 1, verified: true, status: None, at: at(2_000) }),
        ]);
        let rows = rows(&s);
        assert_eq!(rows.len(), 2, "one row per item, decided or not");
        let r = &rows[0];
        assert_eq!(r.plan_id, "lfv-20250101T000000Z-0123abcd");
        assert_eq!(r.seq, 1);
        assert_eq!(r.account, "111122223333");
        assert_eq!(r.region, "us-east-1");
        assert_eq!(r.project, "pcb");
        assert_eq!(r.dataset_type, "test");
        assert_eq!((r.kind.as_str(), r.resource.as_str()), ("delete_dataset", "test"));
        assert_eq!(r.client_token, "lfv-token-1");
        assert_eq!(r.outcome, "deleted");
        assert_eq!(r.verified, "true");
        assert_eq!(r.http_status, "202");
        assert_eq!(r.error_code, "");
        assert_eq!(r.message, "deleted");
        assert_eq!(r.attempts, 2);
        assert_eq!(r.throttled_attempts, 1);
        assert_eq!(r.first_attempt_at, "2023-11-14T22:13:20.120Z");
        assert_eq!(r.finished_at, "2023-11-14T22:13:21.523Z");
        assert_eq!(r.duration_ms, "1403", "finished_at minus the first attempt");
        assert_eq!(r.request_id, "req-2");
        assert_eq!(r.backup_path, "plan.backup/111122223333/us-east-1/pcb/test.manifest");
        assert_eq!(r.backup_entries, "12");
        assert_eq!(r.backup_sha256, "ab".repeat(32));
        let pending = &rows[1];
        assert_eq!((pending.seq, pending.outcome.as_str(), pending.attempts), (2, "pending", 0));
        assert_eq!(
            (pending.verified.as_str(), pending.finished_at.as_str(), pending.duration_ms.as_str()),
            ("", "", "")
        );
        assert_eq!(
            counts(&s).into_iter().map(|(k, n)| (k.to_string(), n)).collect::<Vec<_>>(),
            [("deleted".into(), 1), ("pending".into(), 1)]
        );
        assert!(has_problems(&s) && !all_succeeded(&s));
    }

    #[test]
    fn rows_without_attempts_and_with_no_backup() {
        let s = state(vec![
            header(vec![item(1, "cap", "train")]),
            Record::Start { seq: 1, at: at(10) },
            Record::Outcome(OutcomeRec {
                seq: 1,
                outcome: Outcome::Failed,
                http_status: Some(409),
                error_code: Some("ConflictException".into()),
                message: "=HYPERLINK(\"http://x\")".into(),
                request_id: None,
                finished_at: at(35),
                backup_skipped: true,
                inference_units: None,
            }),
        ]);
        let r = &rows(&s)[0];
        assert_eq!(
            (r.outcome.as_str(), r.http_status.as_str(), r.error_code.as_str()),
            ("failed", "409", "ConflictException")
        );
        assert_eq!(r.message, "=HYPERLINK(\"http://x\")", "rows keep the recorded value");
        assert_eq!((r.first_attempt_at.as_str(), r.duration_ms.as_str()), ("", "25"), "measured from the start");
        assert_eq!((r.backup_path.as_str(), r.backup_entries.as_str()), ("skipped: --no-backup", ""));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        write(&s, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(&COLUMNS.join(",")), "{text}");
        assert!(text.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","), "the file neutralises it: {text}");
    }

    #[test]
    fn every_kind_names_its_kind_and_resource_and_only_datasets_a_dataset_type() {
        use crate::plan::Kind;
        let items = vec![
            item_of(1, "pcb", Kind::StopModel, "2"),
            item_of(2, "pcb", Kind::DeleteModel, "10"),
            item_of(3, "pcb", Kind::DeleteDataset, "train"),
            item_of(4, "pcb", Kind::DeleteProject, "pcb"),
        ];
        let s = state(vec![header(items)]);
        let got: Vec<(String, String, String)> =
            rows(&s).into_iter().map(|r| (r.dataset_type, r.kind, r.resource)).collect();
        let want = [
            ("", "stop_model", "2"),
            ("", "delete_model", "10"),
            ("train", "delete_dataset", "train"),
            ("", "delete_project", "pcb"),
        ];
        assert_eq!(got, want.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        write(&s, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let line = text.lines().nth(1).unwrap();
        assert!(line.contains(",pcb,,stop_model,2,lfv-token-1,pending,"), "{line}");
    }

    #[test]
    fn columns_are_the_row_fields_in_order() {
        let s = state(vec![header(vec![item(1, "a", "test")])]);
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(&rows(&s)[0]).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap(), COLUMNS.join(","));
    }
}
