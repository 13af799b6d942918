//! The one loop every item runs through, whatever its kind: look and decide, prepare, call, decide on the
//! answer, wait, look again. What differs per kind is only what a look reads and decides (`Subject`:
//! `exec::item` for `delete_dataset`, `exec::kind_io` for the others); every decision is a pure function
//! (`exec::drift`, `exec::kinds`).
//!
//! The loop: the first look decides (a dataset's reuses the project's drift-check DescribeProject). `Done`
//! ends the item. `Call`: before the first call the subject prepares (a dataset's backup; `export` ends
//! there), then a durable `start` is journalled (first time only: a resumed item with a `start` and no
//! outcome has one) and the item's call goes out with its client token under the (target, operation) limiter,
//! retried by the run's policy. What the answer means is [`kinds::after_call`]: final (a dataset's 202 or
//! 404), look again (a model or project: its describe tells when the call is in effect, and a further `Call`
//! is then a wait, so the call goes out once per invocation), a wait (a model's or project's 409), or a
//! re-check after 2 s (a dataset's 409, [`drift::after_conflict`]). `Wait` sleeps 1, 2, 4, 8, 10, 10... s and
//! looks again. `--wait-timeout` bounds the waits before the first call and, from that call on, the waits
//! after it; past it the item is [`kinds::timed_out`] (`failed` for a dataset, `blocked` otherwise: never
//! forced). A dry run never calls: every decision of a dry run is final.
//!
//! Any answer that is not the service's (`ErrorKind::Foreign`) records nothing for the item and stops the
//! run (`Ctx::not_the_service`): it proves neither that something is gone nor that a call failed.

use std::time::{Duration, Instant};

use chrono::Utc;

use super::action::Action;
use super::ctx::{CONFLICT_RECHECK, Ctx};
use super::journal::{Mode, Record};
use super::kinds::{self, AfterCall, Answer};
use super::retry::{Attempt, AttemptStats, Retried};
use super::step::{Step, failed, from_error, outcome};
#[cfg(doc)]
use super::{drift, kinds::after_call};
use crate::cloud::{CallError, Client, Done, ErrorKind};
use crate::error::{Error, Result};
use crate::plan::Item;
use crate::service::LimitKey;

/// Longest pause between two looks while waiting: 10 s.
pub const MAX_PAUSE: Duration = Duration::from_secs(10);

/// Which look this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Look {
    /// The item's first.
    First,
    /// After a wait, or after the item's call was answered.
    Again,
    /// [`CONFLICT_RECHECK`] after a 409 (`error`, as displayed) to a dataset's DeleteDataset; `ours`: our
    /// DeleteDataset may already be in effect.
    AfterConflict { error: String, ours: bool },
}

/// What one kind brings to the loop.
pub(super) trait Subject {
    /// Look at the resource as `how` says and decide. `called`: this tool sent (or, resumed, may have sent)
    /// the item's call.
    async fn look(&mut self, ctx: &Ctx, how: &Look, called: bool) -> Retried<Action>;
    /// What a failed look is called in the item's outcome.
    fn look_name(&self, how: &Look) -> String;
    /// Just before the first call. `Some(step)` ends the item there.
    async fn prepare(&mut self, _ctx: &Ctx) -> Result<Option<Step>> {
        Ok(None)
    }
    /// The item's call, once.
    async fn call(&self, client: &Client) -> std::result::Result<Done, CallError>;
}

/// Carry `item` to an outcome (the loop of the module docs). `resumed`: an earlier invocation journalled a
/// `start` and no outcome for it.
pub(super) async fn drive(
    ctx: &Ctx,
    client: &Client,
    item: &Item,
    resumed: bool,
    subject: &mut impl Subject,
) -> Result<Step> {
    let timeout = ctx.opts.wait_timeout;
    let mut sent = Sent {
        deadline: Instant::now() + timeout,
        prepared: false,
        started: resumed,
        now: false,
        lost_now: false,
        accepted: None,
        answer: None,
    };
    let mut pause = Duration::from_secs(1);
    let mut noted: Option<String> = None;
    let mut how = Look::First;
    loop {
        let action = match subject.look(ctx, &how, resumed || sent.now).await {
            Retried::Ok(a) => a,
            Retried::Failed(e) => return Ok(failed(ctx, client, item, &subject.look_name(&how), &e)),
            Retried::Cancelled => return Ok(Step::Cancelled),
        };
        let waiting = match action {
            Action::Call if ctx.opts.mode == Mode::DryRun => {
                return Err(Error::Internal(format!("a dry run decided to call for item {}", item.seq)));
            }
            Action::Call if sent.now => format!("{} accepted, not yet in effect", item.kind.op()),
            Action::Call => match call(ctx, client, item, resumed, subject, &mut sent).await? {
                Next::Final(step) => return Ok(step),
                Next::Look(next) => {
                    how = next;
                    continue;
                }
                Next::Wait(w) => w,
            },
            Action::Wait(status) => status,
            a => return finish(item, a, sent.accepted.as_ref(), sent.answer.as_ref()),
        };
        if Instant::now() >= sent.deadline {
            return finish(item, kinds::timed_out(item.kind, &waiting, false, timeout), None, None);
        }
        if noted.as_deref() != Some(waiting.as_str()) {
            ctx.out.waiting(item, &waiting);
            noted = Some(waiting);
        }
        if !ctx.sleep(pause).await {
            return Ok(Step::Cancelled);
        }
        pause = (pause * 2).min(MAX_PAUSE);
        how = Look::Again;
    }
}

/// What the loop knows of the item's call so far.
struct Sent {
    /// End of the current wait's bound (from the start, then from the first call).
    deadline: Instant,
    /// The subject prepared (the dataset's backup is done).
    prepared: bool,
    /// A durable `start` is in the journal (this invocation's, or an earlier one's).
    started: bool,
    /// This invocation's call was accepted.
    now: bool,
    /// An attempt of this invocation got no answer from the service (timeout, dropped connection, 5xx).
    lost_now: bool,
    /// The accepted call's answer.
    accepted: Option<Done>,
    /// The error the last call answered, for a decision reported with it.
    answer: Option<CallError>,
}

/// Where the loop goes after a call.
enum Next {
    Final(Step),
    Look(Look),
    Wait(String),
}
/// Prepare and journal the `start` (first time only), send the item's call, decide on its answer.
async fn call(
    ctx: &Ctx,
    client: &Client,
    item: &Item,
    resumed: bool,
    subject: &mut impl Subject,
    sent: &mut Sent,
) -> Result<Next> {
    let (op, timeout) = (item.kind.op(), ctx.opts.wait_timeout);
    if !sent.prepared {
        if let Some(step) = subject.prepare(ctx).await? {
            return Ok(Next::Final(step));
        }
        sent.prepared = true;
        sent.deadline = Instant::now() + timeout;
    }
    if !sent.started {
        ctx.out.durable(Record::Start { seq: item.seq, at: Utc::now() }).await?;
        sent.started = true;
    }
    let key = LimitKey { target: item.target, op };
    let lost_now = &mut sent.lost_now;
    let on_attempt = |a: &Attempt| {
        let kind = a.error.as_ref().map(|e| e.kind);
        *lost_now |= matches!(kind, Some(ErrorKind::Timeout | ErrorKind::Connection | ErrorKind::Server));
        ctx.on_item_attempt(item, op, a);
    };
    let subject = &*subject;
    let e = match ctx.svc.call(key, &mut AttemptStats::default(), on_attempt, || subject.call(client)).await {
        Retried::Ok(done) => {
            sent.accepted = Some(done);
            None
        }
        Retried::Cancelled => return Ok(Next::Final(Step::Cancelled)),
        Retried::Failed(e) => Some(e),
    };
    let after = kinds::after_call(item.kind, e.as_ref().map_or(Answer::Accepted, answer_of), resumed, sent.lost_now);
    Ok(match (e, after) {
        (_, AfterCall::Decided(Action::Wait(w))) => Next::Wait(w),
        (e, AfterCall::Decided(a)) => Next::Final(finish(item, a, sent.accepted.as_ref(), e.as_ref())?),
        (e, AfterCall::Look) => {
            sent.now |= e.is_none();
            Next::Look(Look::Again)
        }
        (Some(e), AfterCall::Recheck) => {
            if Instant::now() >= sent.deadline {
                return Ok(Next::Final(finish(item, kinds::timed_out(item.kind, "", true, timeout), None, Some(&e))?));
            }
            if !ctx.sleep(CONFLICT_RECHECK).await {
                return Ok(Next::Final(Step::Cancelled));
            }
            let how = Look::AfterConflict { error: e.to_string(), ours: resumed || sent.lost_now };
            sent.answer = Some(e);
            Next::Look(how)
        }
        (Some(e), AfterCall::Failed) => Next::Final(failed(ctx, client, item, op.name(), &e)),
        (None, AfterCall::Recheck | AfterCall::Failed) => {
            return Err(Error::Internal(format!("{op} accepted, decided as an error")));
        }
    })
}

/// The answer as the decision sees it.
fn answer_of(e: &CallError) -> Answer<'_> {
    match e.kind {
        ErrorKind::NotFound => Answer::NotFound,
        ErrorKind::Conflict => Answer::Conflict(&e.message),
        _ => Answer::Refused,
    }
}

/// The outcome record of a final decision: with the accepted call's status and request id, or (`Answered`)
/// with the error the call answered.
fn finish(item: &Item, action: Action, accepted: Option<&Done>, answer: Option<&CallError>) -> Result<Step> {
    let ended = match (action, answer) {
        (Action::Answered(o, what), Some(e)) => from_error(item, o, &what, e),
        (Action::Done(o, msg) | Action::Answered(o, msg), _) => {
            let mut rec = outcome(item, o, msg);
            if let Some(done) = accepted {
                rec.http_status = Some(done.status);
                rec.request_id.clone_from(&done.request_id);
            }
            rec.into()
        }
        (a @ (Action::Call | Action::Wait(_)), _) => {
            return Err(Error::Internal(format!("item {}: {a:?} taken for a final decision", item.seq)));
        }
    };
    Ok(Step::Done(ended))
}
