//! The drift decision: what one look at a dataset (from the project's DescribeProject) means for a
//! `delete_dataset` item before anything is backed up or deleted ([`decide`]), and after a 409 to its
//! DeleteDataset ([`after_conflict`]). Pure functions of data, tested by tables; `exec::engine` does the
//! describing, the waiting and the journalling around them.

use chrono::{DateTime, Utc};

use super::action::Action;
use super::journal::{Mode, Outcome};
use crate::cloud::DatasetInfo;

/// Two CreationTimestamps denote the same dataset if they agree to the millisecond (the plan stores them
/// with full precision; the service's epoch-second floats round differently below that).
pub fn same_instant(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> bool {
    a.map(|t| t.timestamp_millis()) == b.map(|t| t.timestamp_millis())
}

/// Decide from `dataset` as just described (`None`: absent from the project), the plan's CreationTimestamp
/// `planned`, the run's `mode`, `resend` (an apply item with a durable `start` and no outcome: its earlier
/// DeleteDataset may have gone out) and `rechecked` (this look follows a wait).
///
/// In order: absent is `already_absent`, unless `resend` (then the same token is sent again, so the service's
/// idempotent answer tells whether our call deleted it); a CreationTimestamp that differs from the plan's to
/// the millisecond is `skipped_drift` (left alone); `DELETE_IN_PROGRESS`/`DELETE_COMPLETE` with `resend`
/// proceeds; a dry run reports a deleting or busy dataset as `would_delete` instead of waiting; any other
/// deleting or busy (`*_IN_PROGRESS`) status waits; everything else proceeds (`Call`: the backup, then
/// DeleteDataset), which a dry run reports as `would_delete`.
pub fn decide(
    dataset: Option<&DatasetInfo>,
    planned: Option<DateTime<Utc>>,
    mode: Mode,
    resend: bool,
    rechecked: bool,
) -> Action {
    let Some(d) = dataset else {
        if resend {
            return Action::Call;
        }
        let msg = if rechecked {
            "its deletion or creation was under way; gone when re-checked"
        } else {
            "not present at the drift check"
        };
        return Action::Done(Outcome::AlreadyAbsent, msg.to_string());
    };
    if !same_instant(d.created, planned) {
        let msg = format!(
            "re-created since planning: CreationTimestamp {} differs from the plan's {}; left alone",
            fmt_time(d.created),
            fmt_time(planned)
        );
        return Action::Done(Outcome::SkippedDrift, msg);
    }
    if d.is_deleting() && resend {
        return Action::Call;
    }
    // A dry run reports instead of waiting: it must stay quick and read-only.
    if mode == Mode::DryRun && (d.is_deleting() || d.is_busy()) {
        return Action::Done(Outcome::WouldDelete, format!("currently {}; apply will wait for it to settle", d.status));
    }
    if d.is_deleting() || d.is_busy() {
        return Action::Wait(d.status.to_string());
    }
    match mode {
        Mode::DryRun => Action::Done(Outcome::WouldDelete, "present and unchanged since planning".into()),
        _ => Action::Call,
    }
}

/// Decide from `dataset` as described [`super::ctx::CONFLICT_RECHECK`] after a 409 (`error`, as displayed) to
/// the item's DeleteDataset. `ours`: our DeleteDataset may already be in effect (an earlier invocation's, or
/// an attempt of this one whose answer was lost). Gone (and not `ours`) is `already_absent`, reported with the
/// 409; a CreationTimestamp other than the plan's is `skipped_drift`; anything else sends DeleteDataset again
/// with the same token.
pub fn after_conflict(
    dataset: Option<&DatasetInfo>,
    planned: Option<DateTime<Utc>>,
    ours: bool,
    error: &str,
) -> Action {
    match dataset {
        None if !ours => Action::Answered(Outcome::AlreadyAbsent, "gone after a 409".into()),
        Some(d) if !same_instant(d.created, planned) => {
            Action::Done(Outcome::SkippedDrift, format!("re-created since planning (found after a 409: {error})"))
        }
        _ => Action::Call,
    }
}

/// How long a project's DescribeProject answer stands in for the drift check's: 60 s. `sweep` deletes a
/// project's datasets as soon as the planning describe arrives; within this bound the description is the
/// drift check (the CreationTimestamps it saw are the plan's own, so only a re-creation in those seconds could
/// slip by, and the DeleteDataset's client token and the confirmation still apply). Older: describe again.
pub const DESCRIPTION_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether a description `age` old may serve as the drift check ([`DESCRIPTION_FRESH_FOR`], inclusive).
pub fn description_fresh(age: std::time::Duration) -> bool {
    age <= DESCRIPTION_FRESH_FOR
}

fn fmt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_else(|| "none".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(ms)
    }

    fn ds(created_ms: i64, status: &str) -> DatasetInfo {
        DatasetInfo {
            dataset_type: "train".into(),
            created: at(created_ms),
            status: status.into(),
            status_message: None,
        }
    }

    const T: i64 = 1_672_531_200_123;

    #[test]
    fn decisions_table() {
        use Mode::{Apply, DryRun, Export};
        let sub_ms = DatasetInfo { created: at(T).map(|t| t + chrono::Duration::microseconds(456)), ..ds(T, "x") };
        let sub_ms = DatasetInfo { status: "CREATE_COMPLETE".into(), ..sub_ms };
        // (case, dataset, planned, mode, resend, rechecked, expected kind)
        type Case = (&'static str, Option<DatasetInfo>, Option<DateTime<Utc>>, Mode, bool, bool, &'static str);
        let cases: Vec<Case> = vec![
            ("same timestamp, complete", Some(ds(T, "CREATE_COMPLETE")), at(T), Apply, false, false, "proceed"),
            ("same millisecond, other microseconds", Some(sub_ms), at(T), Apply, false, false, "proceed"),
            ("1 ms later", Some(ds(T + 1, "CREATE_COMPLETE")), at(T), Apply, false, false, "skipped_drift"),
            ("1 ms earlier", Some(ds(T - 1, "CREATE_COMPLETE")), at(T), Apply, false, false, "skipped_drift"),
            ("plan has no timestamp", Some(ds(T, "CREATE_COMPLETE")), None, Apply, false, false, "skipped_drift"),
            ("re-created, resend", Some(ds(T + 5, "CREATE_COMPLETE")), at(T), Apply, true, false, "skipped_drift"),
            ("re-created, dry run", Some(ds(T + 5, "CREATE_COMPLETE")), at(T), DryRun, false, false, "skipped_drift"),
            ("gone", None, at(T), Apply, false, false, "already_absent"),
            ("gone after a wait", None, at(T), Apply, false, true, "already_absent"),
            ("gone, dry run", None, at(T), DryRun, false, false, "already_absent"),
            ("gone, export", None, at(T), Export, false, false, "already_absent"),
            ("gone but our delete may have gone out", None, at(T), Apply, true, false, "proceed"),
            ("deleting, resend", Some(ds(T, "DELETE_IN_PROGRESS")), at(T), Apply, true, false, "proceed"),
            ("delete complete, resend", Some(ds(T, "DELETE_COMPLETE")), at(T), Apply, true, false, "proceed"),
            ("deleting", Some(ds(T, "DELETE_IN_PROGRESS")), at(T), Apply, false, false, "wait"),
            ("creating", Some(ds(T, "CREATE_IN_PROGRESS")), at(T), Apply, false, false, "wait"),
            ("creating, resend", Some(ds(T, "CREATE_IN_PROGRESS")), at(T), Apply, true, false, "wait"),
            ("updating", Some(ds(T, "UPDATE_IN_PROGRESS")), at(T), Apply, false, false, "wait"),
            ("rolling back", Some(ds(T, "UPDATE_FAILED_ROLLBACK_IN_PROGRESS")), at(T), Export, false, false, "wait"),
            ("creating, dry run", Some(ds(T, "CREATE_IN_PROGRESS")), at(T), DryRun, false, false, "would_delete"),
            ("deleting, dry run", Some(ds(T, "DELETE_IN_PROGRESS")), at(T), DryRun, false, false, "would_delete"),
            ("create failed", Some(ds(T, "CREATE_FAILED")), at(T), Apply, false, false, "proceed"),
            ("update complete", Some(ds(T, "UPDATE_COMPLETE")), at(T), Apply, false, false, "proceed"),
            ("complete, dry run", Some(ds(T, "CREATE_COMPLETE")), at(T), DryRun, false, false, "would_delete"),
            ("complete, export", Some(ds(T, "CREATE_COMPLETE")), at(T), Export, false, false, "proceed"),
        ];
        for (case, d, planned, mode, resend, rechecked, want) in cases {
            let got = decide(d.as_ref(), planned, mode, resend, rechecked);
            let kind = match &got {
                Action::Call => "proceed",
                Action::Wait(_) => "wait",
                Action::Done(o, _) | Action::Answered(o, _) => o.as_str(),
            };
            assert_eq!(kind, want, "{case}: {got:?}");
            if let (Action::Wait(s), Some(d)) = (&got, &d) {
                assert_eq!(s, d.status.as_str(), "{case}: waits naming the status");
            }
        }
    }

    #[test]
    fn freshness_table() {
        use std::time::Duration;
        let cases = [
            (Duration::ZERO, true),
            (Duration::from_millis(1500), true),
            (Duration::from_secs(59), true),
            (Duration::from_secs(60), true),
            (Duration::from_secs(60) + Duration::from_millis(1), false),
            (Duration::from_secs(3600), false),
        ];
        for (age, want) in cases {
            assert_eq!(description_fresh(age), want, "{age:?}");
        }
    }

    #[test]
    fn messages_name_what_was_seen() {
        let d = ds(T + 1, "CREATE_COMPLETE");
        let Action::Done(_, msg) = decide(Some(&d), at(T), Mode::Apply, false, false) else { panic!() };
        assert!(msg.contains("2023-01-01T00:00:00.124Z") && msg.contains("2023-01-01T00:00:00.123Z"), "{msg}");
        let Action::Done(_, first) = decide(None, at(T), Mode::Apply, false, false) else { panic!() };
        let Action::Done(_, later) = decide(None, at(T), Mode::Apply, false, true) else { panic!() };
        assert_eq!(first, "not present at the drift check");
        assert!(later.contains("gone when re-checked"), "{later}");
        let d = ds(T, "CREATE_IN_PROGRESS");
        let Action::Done(_, dry) = decide(Some(&d), at(T), Mode::DryRun, false, false) else { panic!() };
        assert!(dry.contains("currently CREATE_IN_PROGRESS"), "{dry}");
    }

    #[test]
    fn after_conflict_table() {
        // (case, dataset, ours, expected)
        let cases: Vec<(&str, Option<DatasetInfo>, bool, &str)> = vec![
            ("gone", None, false, "already_absent answered"),
            ("gone, our delete may be in effect", None, true, "call"),
            ("still there", Some(ds(T, "CREATE_COMPLETE")), false, "call"),
            ("deleting", Some(ds(T, "DELETE_IN_PROGRESS")), false, "call"),
            ("re-created", Some(ds(T + 1, "CREATE_COMPLETE")), false, "skipped_drift"),
            ("re-created, ours", Some(ds(T + 1, "CREATE_COMPLETE")), true, "skipped_drift"),
        ];
        for (case, d, ours, want) in cases {
            let got = after_conflict(d.as_ref(), at(T), ours, "ConflictException: busy");
            let kind = match &got {
                Action::Call => "call".to_string(),
                Action::Wait(s) => format!("wait {s}"),
                Action::Done(o, _) => o.as_str().to_string(),
                Action::Answered(o, _) => format!("{} answered", o.as_str()),
            };
            assert_eq!(kind, want, "{case}: {got:?}");
        }
        let Action::Done(_, msg) = after_conflict(Some(&ds(T + 1, "x")), at(T), false, "E") else { panic!() };
        assert_eq!(msg, "re-created since planning (found after a 409: E)");
    }
}
