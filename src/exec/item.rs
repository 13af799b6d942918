//! The steps of one item: drift check, backup, DeleteDataset, and the project's confirmation.
//!
//! 1. **drift check** (on the project's DescribeProject): a dataset whose CreationTimestamp differs from the
//!    plan's (compared to the millisecond) is `skipped_drift`; one already gone is `already_absent` without a
//!    call; one `*_IN_PROGRESS` is re-described every 1, 2, 4, 8, 10, 10... s until it settles, within
//!    `wait_timeout` (a dry run reports it instead of waiting).
//! 2. **backup** (unless `--no-backup`, never in dry runs): see `exec::backup`; a dataset whose backup is not
//!    verified is `failed` and not deleted.
//! 3. **DeleteDataset** with the plan's client token on every attempt, under the (target, DeleteDataset) limiter,
//!    retried per `exec::retry`. 202 `deleted`; 404 `ResourceNotFoundException` `already_absent`, unless this
//!    tool sent a DeleteDataset for the item whose answer was lost ([`not_found_outcome`]); 409 re-described
//!    after 2 s and sent again until `wait_timeout`, then `failed`; 400/402/403/other `failed`.
//! 4. **confirm**: once the project's deletions are done, DescribeProject again (every 1 s while
//!    `DELETE_IN_PROGRESS`, within `wait_timeout`) and journal `verified` per deleted dataset.
//!
//! A durable `start` precedes an item's first DeleteDataset; an item with a start and no outcome is re-sent
//! with the same token even if the dataset looks gone, so the service's idempotent replay tells whether our
//! earlier call deleted it (`deleted`) or not (`404`). The replay lasts only as long as the service keeps the
//! token (8 hours): after that a 404 cannot tell, and the earlier call is taken to have deleted it.
//!
//! Any answer that is not the service's ([`ErrorKind::Foreign`]) records nothing for the item and stops the
//! run (`Ctx::not_the_service`): it proves neither that a dataset is gone nor that a call failed.

use std::time::{Duration, Instant};

use chrono::Utc;

use super::backup;
use super::ctx::{CONFLICT_RECHECK, Ctx};
use super::drift::{self, Drift, same_instant};
use super::journal::{ItemState, Mode, Outcome, Record, VerifiedRec};
use super::resume::{self, Resume};
use super::retry::{AttemptStats, Retried};
use super::step::{Step, failed, from_error, outcome};
use crate::cloud::{Client, DatasetStatus, ErrorKind, ProjectInfo};
use crate::error::Result;
use crate::plan::Item;
use crate::service::{LimitKey, Op};

/// How a ResourceNotFoundException to DeleteDataset is recorded. `resumed`: an earlier invocation journalled a
/// `start` (or attempts) for the item and no outcome, so its DeleteDataset may have been sent and its answer
/// lost. `lost_now`: an earlier attempt of this invocation ended with no answer from the service (timeout,
/// dropped connection, 5xx). Either way the 404 may be the service forgetting our own call's token after
/// 8 hours, so the report never says `already_absent` for it.
pub fn not_found_outcome(resumed: bool, lost_now: bool) -> (Outcome, &'static str) {
    match (resumed, lost_now) {
        (false, false) => (Outcome::AlreadyAbsent, "DeleteDataset"),
        (true, _) => (
            Outcome::Deleted,
            "deleted by this tool's earlier DeleteDataset, whose answer was lost (journalled as started, no \
             outcome); the service no longer knows its token and answered",
        ),
        (false, true) => (
            Outcome::Deleted,
            "deleted by an earlier attempt of this DeleteDataset, whose answer was lost; the retry was answered",
        ),
    }
}

/// Decide an item after the drift check, waiting for in-progress datasets. `Ok(())` means: go on to the
/// backup and the deletion.
async fn check_drift(
    ctx: &Ctx,
    client: &Client,
    item: &Item,
    in_flight: bool,
    info: &mut Option<ProjectInfo>,
) -> std::result::Result<(), Step> {
    let resend = in_flight && ctx.opts.mode == Mode::Apply;
    let deadline = Instant::now() + ctx.opts.wait_timeout;
    let mut pause = Duration::from_secs(1);
    let mut noted = None;
    loop {
        let d = info.as_ref().and_then(|i| i.dataset(&item.resource));
        let wait_for = match drift::decide(d, item.created, ctx.opts.mode, resend, noted.is_some()) {
            Drift::Proceed => return Ok(()),
            Drift::Done(o, msg) => return Err(Step::Done(outcome(item, o, msg))),
            Drift::Wait(status) => status,
        };
        if Instant::now() >= deadline {
            let msg = format!("still {wait_for} after waiting {}", humantime::format_duration(ctx.opts.wait_timeout));
            return Err(Step::Done(outcome(item, Outcome::Failed, msg)));
        }
        if noted.as_deref() != Some(wait_for.as_str()) {
            ctx.out.waiting(item, &wait_for);
            noted = Some(wait_for);
        }
        if !ctx.sleep(pause).await {
            return Err(Step::Cancelled);
        }
        pause = (pause * 2).min(Duration::from_secs(10));
        match ctx.describe(item).await {
            Retried::Ok(i) => *info = i,
            Retried::Failed(e) => return Err(failed(ctx, client, item, "re-check", &e)),
            Retried::Cancelled => return Err(Step::Cancelled),
        }
    }
}

pub(super) async fn process_item(
    ctx: &Ctx,
    client: &Client,
    item: &Item,
    st: &ItemState,
    info: &mut Option<ProjectInfo>,
) -> Result<Step> {
    // A `start` is journalled (durably) just before the first DeleteDataset attempt, so an item with a
    // start and no outcome may have been deleted by a call whose answer was lost.
    let in_flight = resume::decide(st, ctx.opts.mode, ctx.opts.retry_failed) == Resume::Resend;
    if let Err(step) = check_drift(ctx, client, item, in_flight, info).await {
        return Ok(step);
    }
    if ctx.opts.mode == Mode::DryRun {
        return Ok(Step::Done(outcome(item, Outcome::WouldDelete, "present and unchanged since planning")));
    }
    if let Some(dir) = &ctx.opts.backup_dir {
        let reuse = st.export.as_ref().filter(|rec| backup::still_valid(rec));
        if reuse.is_none() {
            match backup::export(&ctx.svc, dir, item, |a| ctx.on_other_attempt(a)).await {
                Ok(rec) => ctx.out.durable(Record::Export(rec)).await?,
                Err(backup::ExportError::Cancelled) => return Ok(Step::Cancelled),
                Err(backup::ExportError::Call(op, e)) if e.kind == ErrorKind::Foreign => {
                    return Ok(failed(ctx, client, item, op, &e));
                }
                Err(e) => return Ok(Step::Done(outcome(item, Outcome::Failed, format!("{e}; not deleted")))),
            }
        }
    }
    if ctx.opts.mode == Mode::Export {
        return Ok(Step::Done(outcome(item, Outcome::Exported, "backup written and verified")));
    }
    if !in_flight {
        ctx.out.durable(Record::Start { seq: item.seq, at: Utc::now() }).await?;
    }
    Ok(delete(ctx, client, item, in_flight, info).await)
}

/// DeleteDataset until an answer decides the item (step 3 of the module docs).
async fn delete(ctx: &Ctx, client: &Client, item: &Item, in_flight: bool, info: &mut Option<ProjectInfo>) -> Step {
    let key = LimitKey { target: item.target, op: Op::DeleteDataset };
    let deadline = Instant::now() + ctx.opts.wait_timeout;
    let mut stats = AttemptStats::default();
    let mut lost_now = false;
    loop {
        let r = ctx
            .svc
            .call(
                key,
                &mut stats,
                |a| {
                    let kind = a.error.as_ref().map(|e| e.kind);
                    lost_now |= matches!(kind, Some(ErrorKind::Timeout | ErrorKind::Connection | ErrorKind::Server));
                    ctx.on_attempt(item, a)
                },
                || client.delete_dataset(&item.project, &item.resource, &item.client_token),
            )
            .await;
        let e = match r {
            Retried::Ok(acc) => {
                let mut rec = outcome(item, Outcome::Deleted, "DeleteDataset accepted");
                rec.http_status = Some(acc.status);
                rec.request_id = acc.request_id;
                return Step::Done(rec);
            }
            Retried::Cancelled => return Step::Cancelled,
            Retried::Failed(e) => e,
        };
        match e.kind {
            ErrorKind::NotFound => {
                let (decided, what) = not_found_outcome(in_flight, lost_now);
                return Step::Done(from_error(item, decided, what, &e));
            }
            ErrorKind::Conflict if Instant::now() < deadline => {
                if !ctx.sleep(CONFLICT_RECHECK).await {
                    return Step::Cancelled;
                }
                match ctx.describe(item).await {
                    Retried::Ok(i) => *info = i,
                    Retried::Failed(e2) => return failed(ctx, client, item, "re-check after 409", &e2),
                    Retried::Cancelled => return Step::Cancelled,
                }
                match info.as_ref().and_then(|i| i.dataset(&item.resource)) {
                    None if !in_flight && !lost_now => {
                        return Step::Done(from_error(item, Outcome::AlreadyAbsent, "gone after a 409", &e));
                    }
                    Some(d) if !same_instant(d.created, item.created) => {
                        let msg = format!("re-created since planning (found after a 409: {e})");
                        return Step::Done(outcome(item, Outcome::SkippedDrift, msg));
                    }
                    _ => continue,
                }
            }
            ErrorKind::Conflict => {
                let what = format!("still conflicting after {}", humantime::format_duration(ctx.opts.wait_timeout));
                return Step::Done(from_error(item, Outcome::Failed, &what, &e));
            }
            _ => return failed(ctx, client, item, "DeleteDataset", &e),
        }
    }
}

/// After a project's deletions: re-describe until no deleted dataset is `DELETE_IN_PROGRESS` (bounded) and
/// journal whether each is gone.
pub(super) async fn confirm(ctx: &Ctx, client: &Client, items: &[Item]) {
    let Some(first) = items.first() else { return };
    let deadline = Instant::now() + ctx.opts.wait_timeout;
    let mut pending: Vec<&Item> = items.iter().collect();
    loop {
        let info = match ctx.describe(first).await {
            Retried::Ok(i) => i,
            Retried::Failed(e) if e.kind == ErrorKind::Foreign => {
                return ctx.not_the_service(client, &format!("DescribeProject {}", first.project), &e);
            }
            Retried::Failed(_) | Retried::Cancelled => return,
        };
        let mut still = Vec::new();
        for item in pending {
            let d = info.as_ref().and_then(|i| i.dataset(&item.resource));
            let (verified, status) = match d {
                None => (Some(true), None),
                Some(d) if !same_instant(d.created, item.created) => (Some(true), None),
                Some(d) if d.status == DatasetStatus::DeleteInProgress && Instant::now() < deadline => (None, None),
                Some(d) => (Some(false), Some(d.status.to_string())),
            };
            match verified {
                Some(v) => {
                    ctx.out.record(Record::Verified(VerifiedRec { seq: item.seq, verified: v, status, at: Utc::now() }))
                }
                None => still.push(item),
            }
        }
        if still.is_empty() || !ctx.sleep(Duration::from_secs(1)).await {
            return;
        }
        pending = still;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_404_after_our_own_lost_delete_is_never_already_absent() {
        let cases = [
            (false, false, Outcome::AlreadyAbsent, ""),
            (true, false, Outcome::Deleted, "answer was lost"),
            (true, true, Outcome::Deleted, "answer was lost"),
            (false, true, Outcome::Deleted, "answer was lost"),
        ];
        for (resumed, lost_now, want, says) in cases {
            let (got, msg) = not_found_outcome(resumed, lost_now);
            assert_eq!(got, want, "resumed={resumed} lost_now={lost_now}");
            assert!(msg.contains(says), "{msg}");
        }
    }
}
