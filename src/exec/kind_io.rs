//! The I/O steps of model and project items, shared by every kind: look (DescribeModel, or DescribeProject +
//! ListModels), decide (`exec::kinds`), call, wait, journal. One loop, `drive`, serves the three kinds.
//!
//! The loop: look and decide. `Done` ends the item. `Call` journals a durable `start` (first time only) and
//! sends the item's call with its client token under the (target, operation) limiter, retried by the run's
//! policy; once accepted the item is looked at again, and a further `Call` decision is a wait (the call goes
//! out once per invocation; a resumed item with a `start` and no outcome may send it again with the same
//! token, which the service answers idempotently). A 404 to the call is looked at again (the decision tells
//! gone from drift); a 409 (`ConflictException`) is a wait. `Wait` sleeps 1, 2, 4, 8, 10, 10... s and looks
//! again, within `--wait-timeout`; past it the item is `blocked` with the status in its message, never forced.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::ctx::Ctx;
use super::journal::{ItemState, Mode, Outcome, Record};
use super::kinds::{self, Action};
use super::resume::{self, Resume};
use super::retry::{AttemptStats, Retried};
use super::step::{Step, failed, outcome};
use crate::cloud::{CallError, Client, Done, ErrorKind};
use crate::error::Result;
use crate::plan::{Item, Kind};
use crate::service::{LimitKey, Op, PagesError};

/// Longest pause between two looks while waiting: 10 s.
pub const MAX_PAUSE: Duration = Duration::from_secs(10);

/// Carry out a `stop_model`, `delete_model` or `delete_project` item.
pub(super) async fn process(ctx: &Ctx, client: &Client, item: &Item, st: &ItemState) -> Result<Step> {
    let resend = resume::decide(st, ctx.opts.mode, ctx.opts.retry_failed) == Resume::Resend;
    let mode = ctx.opts.mode;
    if mode == Mode::Export {
        return Ok(Step::Done(outcome(item, Outcome::Exported, "project.json written and verified")));
    }
    let (target, project, version) = (item.target, item.project.as_str(), item.resource.as_str());
    let units: Mutex<Option<u32>> = Mutex::new(None);
    let step = match item.kind {
        Kind::StopModel => {
            let units = &units;
            let look = |_called| async move {
                let r = ctx.svc.describe_model(target, project, version, |a| ctx.on_other_attempt(a)).await;
                r.map(|m| {
                    if let Some(m) = &m
                        && m.summary.status.is_hosted()
                    {
                        *units.lock().expect("units") = m.min_inference_units.and_then(|u| u32::try_from(u).ok());
                    }
                    kinds::stop_model(m.as_ref().map(|m| &m.summary), item.created, mode)
                })
            };
            let call = || client.stop_model(project, version, &item.client_token);
            drive(ctx, client, item, resend, Op::StopModel, look, call).await?
        }
        Kind::DeleteModel => {
            let stop_planned = !item.after.is_empty();
            let look = |called| async move {
                let r = ctx.svc.describe_model(target, project, version, |a| ctx.on_other_attempt(a)).await;
                r.map(|m| kinds::delete_model(m.as_ref().map(|m| &m.summary), item.created, mode, called, stop_planned))
            };
            let call = || client.delete_model(project, version, &item.client_token);
            drive(ctx, client, item, resend, Op::DeleteModel, look, call).await?
        }
        Kind::DeleteProject => {
            let mine = ctx.project_items(target, project);
            let items: HashMap<u64, &Item> = mine.iter().map(|i| (i.seq, i)).collect();
            let deps = kinds::dependencies(item, &items, &ctx.outcomes(), mode);
            if let Err(why) = deps {
                return Ok(Step::Done(outcome(item, Outcome::SkippedDependency, why)));
            }
            let planned: Vec<&Item> = mine.iter().collect();
            let look = |called| look_project(ctx, item, &planned, called);
            let call = || client.delete_project(project, &item.client_token);
            drive(ctx, client, item, resend, Op::DeleteProject, look, call).await?
        }
        Kind::DeleteDataset => return Err(crate::error::Error::Internal("delete_dataset in kind_io".into())),
    };
    Ok(match step {
        Step::Done(mut rec) if rec.outcome == Outcome::Stopped => {
            rec.inference_units = *units.lock().expect("units");
            Step::Done(rec)
        }
        s => s,
    })
}

async fn look_project(ctx: &Ctx, item: &Item, planned: &[&Item], called: bool) -> Retried<Action> {
    let info = match ctx.describe(item).await {
        Retried::Ok(i) => i,
        Retried::Failed(e) => return Retried::Failed(e),
        Retried::Cancelled => return Retried::Cancelled,
    };
    let models = match &info {
        None => None,
        Some(_) => match ctx.svc.list_models(item.target, &item.project, |a| ctx.on_other_attempt(a)).await {
            Ok(m) => m,
            Err(PagesError::Call(e)) => return Retried::Failed(e),
            Err(PagesError::Cancelled) => return Retried::Cancelled,
            Err(_) => return Retried::Failed(CallError::malformed("ListModels did not end")),
        },
    };
    Retried::Ok(kinds::delete_project(item, info.as_ref(), models.as_deref(), planned, ctx.opts.mode, called))
}

/// The shared loop of the module docs. `look(called)` describes and decides; `call` sends the item's call.
async fn drive<L, LFut, C, CFut>(
    ctx: &Ctx,
    client: &Client,
    item: &Item,
    resend: bool,
    op: Op,
    look: L,
    call: C,
) -> Result<Step>
where
    L: Fn(bool) -> LFut,
    LFut: Future<Output = Retried<Action>>,
    C: Fn() -> CFut,
    CFut: Future<Output = std::result::Result<Done, CallError>>,
{
    let deadline = Instant::now() + ctx.opts.wait_timeout;
    let mut pause = Duration::from_secs(1);
    let (mut started, mut sent_now) = (resend, false);
    let mut accepted: Option<Done> = None;
    let mut noted: Option<String> = None;
    loop {
        let action = match look(resend || sent_now).await {
            Retried::Ok(a) => a,
            Retried::Failed(e) => return Ok(failed(ctx, client, item, &format!("{op} check"), &e)),
            Retried::Cancelled => return Ok(Step::Cancelled),
        };
        let waiting = match action {
            Action::Done(o, msg) => {
                let mut rec = outcome(item, o, msg);
                if let Some(done) = &accepted {
                    rec.http_status = Some(done.status);
                    rec.request_id.clone_from(&done.request_id);
                }
                return Ok(Step::Done(rec));
            }
            Action::Call if sent_now => format!("{op} accepted, not yet in effect"),
            Action::Call => {
                if !started {
                    ctx.out.durable(Record::Start { seq: item.seq, at: Utc::now() }).await?;
                    started = true;
                }
                let key = LimitKey { target: item.target, op };
                let mut stats = AttemptStats::default();
                let r = ctx.svc.call(key, &mut stats, |a| ctx.on_item_attempt(item, op, a), &call);
                match r.await {
                    Retried::Ok(done) => {
                        sent_now = true;
                        accepted = Some(done);
                        continue;
                    }
                    Retried::Cancelled => return Ok(Step::Cancelled),
                    Retried::Failed(e) if e.kind == ErrorKind::NotFound => continue,
                    Retried::Failed(e) if e.kind == ErrorKind::Conflict => format!("conflict ({})", e.message),
                    Retried::Failed(e) => return Ok(failed(ctx, client, item, op.name(), &e)),
                }
            }
            Action::Wait(status) => status,
        };
        if Instant::now() >= deadline {
            let msg = format!(
                "still {waiting} after waiting {} (--wait-timeout); not forced",
                humantime::format_duration(ctx.opts.wait_timeout)
            );
            return Ok(Step::Done(outcome(item, Outcome::Blocked, msg)));
        }
        if noted.as_deref() != Some(waiting.as_str()) {
            ctx.out.waiting(item, &waiting);
            noted = Some(waiting);
        }
        if !ctx.sleep(pause).await {
            return Ok(Step::Cancelled);
        }
        pause = (pause * 2).min(MAX_PAUSE);
    }
}
