//! The resume decision: what a run does with one item given what the journal says about it. A pure
//! function of the folded [`ItemState`], made once per item when the work is queued (`exec::queue`) and
//! carried with it (`queue::Pending`) to `exec::item` and `exec::kind_io`, which read from it whether an
//! earlier call of the item may have gone out; tested by a table and by the journal property tests.

use super::journal::{ItemState, Mode, Outcome};

/// What a run does with one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Nothing: the item has a final outcome.
    Skip,
    /// Only the post-deletion check: `deleted` in an apply journal with no `verified` record yet.
    Confirm,
    /// Process it from the start: no call went out for it, `--retry-failed` re-attempts a `failed` item, or
    /// it was `blocked` / `skipped_dependency` with no call journalled (a new durable `start` precedes its
    /// first attempt).
    Fresh,
    /// Process it, sending DeleteDataset again with the same token even if the dataset looks gone: a durable
    /// `start` (or an attempt) and no outcome means an earlier call may have deleted it and lost the answer.
    Resend,
}

/// Decide for an item whose journal state is `st`, in a run of `mode` with or without `--retry-failed`.
/// `blocked` and `skipped_dependency` are not final ([`Outcome::is_final`]): the item is processed again,
/// resending with the same token if an earlier run journalled a start or an attempt for it.
pub fn decide(st: &ItemState, mode: Mode, retry_failed: bool) -> Resume {
    let called = st.started.is_some() || !st.attempts.is_empty();
    match &st.outcome {
        Some(o) if o.outcome == Outcome::Failed && retry_failed => Resume::Fresh,
        Some(o) if !o.outcome.is_final() && called => Resume::Resend,
        Some(o) if !o.outcome.is_final() => Resume::Fresh,
        Some(o) if o.outcome == Outcome::Deleted && st.verified.is_none() && mode == Mode::Apply => Resume::Confirm,
        Some(_) => Resume::Skip,
        None if called => Resume::Resend,
        None => Resume::Fresh,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::exec::journal::{AttemptRec, OutcomeRec, VerifiedRec};

    fn t() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn out(o: Outcome) -> Option<OutcomeRec> {
        Some(OutcomeRec {
            seq: 1,
            outcome: o,
            http_status: None,
            error_code: None,
            message: String::new(),
            request_id: None,
            finished_at: t(),
            backup_skipped: false,
            inference_units: None,
        })
    }

    fn attempt() -> AttemptRec {
        AttemptRec {
            seq: 1,
            op: lfv_model::op::Op::DeleteDataset,
            n: 1,
            at: t(),
            status: Some(500),
            error_code: None,
            message: None,
            request_id: None,
            throttled: false,
        }
    }

    #[test]
    fn decisions_table() {
        let verified = Some(VerifiedRec { seq: 1, verified: true, status: None, at: t() });
        let cases: Vec<(&str, ItemState, Mode, bool, Resume)> = vec![
            ("nothing journalled", ItemState::default(), Mode::Apply, false, Resume::Fresh),
            (
                "started, no outcome",
                ItemState { started: Some(t()), ..Default::default() },
                Mode::Apply,
                false,
                Resume::Resend,
            ),
            (
                "attempt without start",
                ItemState { attempts: vec![attempt()], ..Default::default() },
                Mode::Apply,
                false,
                Resume::Resend,
            ),
            (
                "started, dry-run journal",
                ItemState { started: Some(t()), ..Default::default() },
                Mode::DryRun,
                false,
                Resume::Resend,
            ),
            (
                "deleted, unverified",
                ItemState { outcome: out(Outcome::Deleted), ..Default::default() },
                Mode::Apply,
                false,
                Resume::Confirm,
            ),
            (
                "deleted, verified",
                ItemState { outcome: out(Outcome::Deleted), verified: verified.clone(), ..Default::default() },
                Mode::Apply,
                false,
                Resume::Skip,
            ),
            (
                "deleted, export journal",
                ItemState { outcome: out(Outcome::Deleted), ..Default::default() },
                Mode::Export,
                false,
                Resume::Skip,
            ),
            (
                "already absent",
                ItemState { outcome: out(Outcome::AlreadyAbsent), ..Default::default() },
                Mode::Apply,
                true,
                Resume::Skip,
            ),
            (
                "skipped drift",
                ItemState { started: Some(t()), outcome: out(Outcome::SkippedDrift), ..Default::default() },
                Mode::Apply,
                true,
                Resume::Skip,
            ),
            (
                "failed",
                ItemState { started: Some(t()), outcome: out(Outcome::Failed), ..Default::default() },
                Mode::Apply,
                false,
                Resume::Skip,
            ),
            (
                "failed, --retry-failed",
                ItemState { started: Some(t()), outcome: out(Outcome::Failed), ..Default::default() },
                Mode::Apply,
                true,
                Resume::Fresh,
            ),
            (
                "exported",
                ItemState { outcome: out(Outcome::Exported), ..Default::default() },
                Mode::Export,
                false,
                Resume::Skip,
            ),
            (
                "stopped",
                ItemState { started: Some(t()), outcome: out(Outcome::Stopped), ..Default::default() },
                Mode::Apply,
                true,
                Resume::Skip,
            ),
            (
                "blocked",
                ItemState { outcome: out(Outcome::Blocked), ..Default::default() },
                Mode::Apply,
                false,
                Resume::Fresh,
            ),
            (
                "blocked after a start",
                ItemState { started: Some(t()), outcome: out(Outcome::Blocked), ..Default::default() },
                Mode::Apply,
                false,
                Resume::Resend,
            ),
            (
                "blocked after an attempt, --retry-failed",
                ItemState { attempts: vec![attempt()], outcome: out(Outcome::Blocked), ..Default::default() },
                Mode::Apply,
                true,
                Resume::Resend,
            ),
            (
                "skipped dependency",
                ItemState { outcome: out(Outcome::SkippedDependency), ..Default::default() },
                Mode::Apply,
                false,
                Resume::Fresh,
            ),
            (
                "skipped dependency, dry-run journal",
                ItemState { outcome: out(Outcome::SkippedDependency), ..Default::default() },
                Mode::DryRun,
                false,
                Resume::Fresh,
            ),
            (
                "would delete",
                ItemState { outcome: out(Outcome::WouldDelete), ..Default::default() },
                Mode::DryRun,
                true,
                Resume::Skip,
            ),
        ];
        for (case, st, mode, retry, want) in cases {
            assert_eq!(decide(&st, mode, retry), want, "{case}");
        }
    }
}
