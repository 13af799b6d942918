//! What one step of an item comes to (`Step`), and the outcome records the steps build.

use chrono::Utc;

use super::ctx::{Ctx, Ended};
use super::journal::{Outcome, OutcomeRec};
use crate::cloud::{CallError, Client, ErrorKind};
use crate::plan::Item;

/// An outcome under construction.
pub(super) fn outcome(item: &Item, outcome: Outcome, message: impl Into<String>) -> OutcomeRec {
    OutcomeRec {
        seq: item.seq,
        outcome,
        http_status: None,
        error_code: None,
        message: message.into(),
        request_id: None,
        finished_at: Utc::now(),
        backup_skipped: false,
        inference_units: None,
    }
}

/// An outcome that answers the error `e`: its status, code and request id in the record, its kind carried
/// beside it.
pub(super) fn from_error(item: &Item, kind: Outcome, what: &str, e: &CallError) -> Ended {
    let rec = OutcomeRec {
        http_status: e.status,
        error_code: e.code.clone(),
        request_id: e.request_id.clone(),
        ..outcome(item, kind, format!("{what}: {e}"))
    };
    Ended { rec, error: Some(e.kind) }
}

/// `failed` for the service's answer; for one that is not the service's, nothing (and the run stops); for
/// one that refuses the whole target, nothing (and that target stops).
pub(super) fn failed(ctx: &Ctx, client: &Client, item: &Item, what: &str, e: &CallError) -> Step {
    let call = || format!("{what} for {}/{} {}", item.project, item.kind, item.resource);
    if e.kind == ErrorKind::Foreign {
        ctx.not_the_service(client, &call(), e);
        return Step::Cancelled;
    }
    if e.refuses_target() {
        ctx.target_unreachable(item, &call(), e);
        return Step::Cancelled;
    }
    Step::Done(from_error(item, Outcome::Failed, what, e))
}

/// Where a step left its item: an outcome to journal, or nothing (the run is stopping).
pub(super) enum Step {
    Done(Ended),
    Cancelled,
}
