//! A `delete_dataset` item in the one loop (`exec::engine`): its look, its backup, its DeleteDataset; and
//! the project's confirmation once its deletions are done.
//!
//! 1. **drift check** (on the project's DescribeProject, [`drift::decide`]): a dataset whose
//!    CreationTimestamp differs from the plan's (compared to the millisecond) is `skipped_drift`; one already
//!    gone is `already_absent` without a call; one `*_IN_PROGRESS` is re-described every 1, 2, 4, 8, 10,
//!    10... s until it settles, within `wait_timeout`, then `failed` (a dry run reports it instead of waiting).
//! 2. **backup** (unless `--no-backup`, never in dry runs): see `exec::backup`; a dataset whose backup is not
//!    verified is `failed` and not deleted.
//! 3. **DeleteDataset** with the plan's client token on every attempt, under the (target, DeleteDataset)
//!    limiter, retried per `exec::retry`. 202 `deleted`; 404 `ResourceNotFoundException` `already_absent`,
//!    unless this tool sent a DeleteDataset for the item whose answer was lost
//!    ([`super::kinds::not_found_outcome`]); 409 re-described after 2 s ([`drift::after_conflict`]) and sent
//!    again until `wait_timeout`, then `failed`; 400/402/403/other `failed`.
//! 4. **confirm**: once the project's deletions are done, DescribeProject again (every 1 s while
//!    `DELETE_IN_PROGRESS`, within `wait_timeout`) and journal `verified` per deleted dataset.
//!
//! A durable `start` precedes an item's first DeleteDataset; an item with a start and no outcome is re-sent
//! with the same token even if the dataset looks gone, so the service's idempotent replay tells whether our
//! earlier call deleted it (`deleted`) or not (`404`). The replay lasts only as long as the service keeps the
//! token (8 hours): after that a 404 cannot tell, and the earlier call is taken to have deleted it.

use std::time::{Duration, Instant};

use chrono::Utc;

use super::action::Action;
use super::backup;
use super::ctx::Ctx;
use super::drift::{self, same_instant};
use super::engine::{Look, Subject, drive};
use super::journal::{ItemState, Mode, Outcome, Record, VerifiedRec};
use super::queue::Pending;
use super::resume::Resume;
use super::retry::Retried;
use super::step::{Step, failed, outcome};
use crate::cloud::{CallError, Client, DatasetStatus, Done, ErrorKind, ProjectInfo};
use crate::error::Result;
use crate::plan::Item;

/// A `delete_dataset` item as the loop sees it. `info`: the project's latest description, shared by the
/// project's items (each look updates it).
struct Dataset<'a> {
    client: &'a Client,
    item: &'a Item,
    st: &'a ItemState,
    info: &'a mut Option<ProjectInfo>,
    /// An apply item with a durable `start` and no outcome: its earlier DeleteDataset may have gone out.
    resend: bool,
}

impl Subject for Dataset<'_> {
    async fn look(&mut self, ctx: &Ctx, how: &Look, _called: bool) -> Retried<Action> {
        if *how != Look::First {
            match ctx.describe(self.item).await {
                Retried::Ok(i) => *self.info = i,
                Retried::Failed(e) => return Retried::Failed(e),
                Retried::Cancelled => return Retried::Cancelled,
            }
        }
        let (item, mode) = (self.item, ctx.opts.mode);
        let d = self.info.as_ref().zip(item.dataset_type()).and_then(|(i, t)| i.dataset(t));
        Retried::Ok(match how {
            Look::AfterConflict { error, ours } => drift::after_conflict(d, item.created, *ours, error),
            _ => drift::decide(d, item.created, mode, self.resend, *how == Look::Again),
        })
    }

    fn look_name(&self, how: &Look) -> String {
        match how {
            Look::AfterConflict { .. } => "re-check after 409".into(),
            _ => "re-check".into(),
        }
    }

    async fn prepare(&mut self, ctx: &Ctx) -> Result<Option<Step>> {
        let (client, item) = (self.client, self.item);
        if let Some(dir) = &ctx.opts.backup_dir {
            let reuse = self.st.export.as_ref().filter(|rec| backup::still_valid(rec));
            if reuse.is_none() {
                match backup::export(&ctx.svc, dir, item, |a| ctx.on_other_attempt(a)).await {
                    Ok(rec) => ctx.out.durable(Record::Export(rec)).await?,
                    Err(backup::ExportError::Cancelled) => return Ok(Some(Step::Cancelled)),
                    Err(backup::ExportError::Call(op, e)) if e.kind == ErrorKind::Foreign || e.refuses_target() => {
                        return Ok(Some(failed(ctx, client, item, op, &e)));
                    }
                    Err(e) => {
                        return Ok(Some(Step::Done(
                            outcome(item, Outcome::Failed, format!("{e}; not deleted")).into(),
                        )));
                    }
                }
            }
        }
        if ctx.opts.mode == Mode::Export {
            return Ok(Some(Step::Done(outcome(item, Outcome::Exported, "backup written and verified").into())));
        }
        Ok(None)
    }

    async fn call(&self, client: &Client) -> std::result::Result<Done, CallError> {
        client.delete_dataset(&self.item.project, &self.item.resource, &self.item.client_token).await
    }
}

/// Carry a `delete_dataset` item to its outcome (steps 1 to 3 of the module docs).
pub(super) async fn process_item(
    ctx: &Ctx,
    client: &Client,
    pending: &Pending,
    info: &mut Option<ProjectInfo>,
) -> Result<Step> {
    let (item, st) = (&pending.item, &pending.state);
    // A `start` is journalled (durably) just before the first DeleteDataset attempt, so an item with a
    // start and no outcome may have been deleted by a call whose answer was lost.
    let in_flight = pending.resume == Resume::Resend;
    let resend = in_flight && ctx.opts.mode == Mode::Apply;
    let mut subject = Dataset { client, item, st, info, resend };
    drive(ctx, client, item, in_flight, &mut subject).await
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
            let d = info.as_ref().zip(item.dataset_type()).and_then(|(i, t)| i.dataset(t));
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
