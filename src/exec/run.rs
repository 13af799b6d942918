//! The run: every item of a plan, grouped by project, under limiters, guards and cancellation, journalled.
//!
//! Work is grouped by project (items keep plan order: `test` before `train`), and projects are queued per
//! target; the fair scheduler (`service::schedule`) works on up to `concurrency` projects per target and
//! `max_in_flight` in all, round robin across targets, so every target progresses at its own quota. Within
//! a project each step waits for the previous one, so each project has at most one call in flight. Per
//! project: a drift check (DescribeProject), then each item through the one loop (`exec::engine`), then a confirmation
//! DescribeProject for what was deleted.
//!
//! Safety stops (`exec::guards`, per target): more than 10 failures among a target's first 20 finished
//! items, or three AccessDenied outcomes in a row on it, stop that target (exit 5) while the others go on;
//! a project whose ARN names another account
//! or region refuses its target. Cancellation (Ctrl-C, SIGTERM, a stop) sends nothing new; calls in flight
//! get `grace` to finish, then their tasks are dropped, leaving the item without an outcome for the next run.
//! An answer that is not the service's ([`crate::cloud::ErrorKind::Foreign`]: wrong endpoint) stops the run the same way and
//! records no outcome for its item ([`RunResult::wrong_endpoint`], exit 6). A target that refuses the caller's
//! credentials ([`crate::cloud::CallError::refuses_target`]: a region the account has not enabled, a key it
//! does not know) stops only that target, its items left without an outcome ([`RunResult::unreachable`],
//! exit 6), as a target whose identity cannot be resolved at the start is.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::Utc;
use tokio::sync::{mpsc, watch};

use super::ctx::Ctx;
use super::events::{Event, EventSink, Stop};
use super::guards::Guards;
use super::journal::{Journal, JournalState, Mode, Outcome, Record};
use super::project::project_task;
use super::queue::{ProjectWork, Work, queue_work};
use super::stream::Stream;
use crate::cloud::identity::target_endpoint;
use crate::cloud::{self, Client};
use crate::error::{Error, Result};
use crate::plan::{Item, Plan};
use crate::service::Service;
use crate::service::schedule::{Caps, run_fair_fed};

pub use super::ctx::Unit;
pub use super::guards::{ACCESS_DENIED_STOP, BREAKER_MAX_FAILED, BREAKER_WINDOW};
pub use super::options::{RunOptions, RunResult};
/// Connect every target that has work (fails with exit 6 before any call if credentials are missing).
async fn connect_targets(
    plan: &Plan,
    queues: &[VecDeque<ProjectWork>],
    opts: &RunOptions,
) -> Result<HashMap<usize, Client>> {
    // Concurrently: with roles each connect assumes one, and an organisation has hundreds of targets.
    let mut set = tokio::task::JoinSet::new();
    for (target, queue) in queues.iter().enumerate() {
        if queue.is_empty() {
            continue;
        }
        let endpoint =
            target_endpoint(&plan.targets[target], opts.profile.as_ref(), opts.endpoint_url.as_ref(), &opts.access);
        let (client, gate) = (opts.client, opts.pace.gate(target));
        set.spawn(async move { (target, cloud::connect(&endpoint, client, gate).await) });
    }
    let mut clients = HashMap::new();
    while let Some(joined) = set.join_next().await {
        let (target, client) = joined.map_err(|e| Error::Internal(format!("connect task: {e}")))?;
        clients.insert(target, client?);
    }
    Ok(clients)
}

/// The executor's work: units queued per target now, and units arriving while it runs (`sweep`).
#[derive(Debug)]
pub struct Feed {
    /// One queue per target, projects in order.
    pub queues: Vec<VecDeque<Unit>>,
    /// More `(target, unit)`s; the run ends once this is closed and every unit ended.
    pub incoming: mpsc::UnboundedReceiver<(usize, Unit)>,
    /// Items to decide among the queued units (the progress total; arriving units add theirs).
    pub todo: u64,
    /// The plan's items known when the run starts (`delete_project` looks at those it waits for).
    pub plan: Vec<Item>,
    /// Their journalled outcomes by seq.
    pub outcomes: HashMap<u64, Outcome>,
}

/// The journalled outcome of every item of `state`, by seq.
pub fn outcomes_of(state: &JournalState) -> HashMap<u64, Outcome> {
    state.by_seq.iter().filter_map(|(s, st)| st.outcome.as_ref().map(|o| (*s, o.outcome))).collect()
}

fn by_project(items: Vec<Item>) -> HashMap<(usize, String), Vec<Item>> {
    let mut plan: HashMap<(usize, String), Vec<Item>> = HashMap::new();
    for item in items {
        plan.entry((item.target, item.project.clone())).or_default().push(item);
    }
    plan
}

/// Run a plan. `cancel` turning true (Ctrl-C, SIGTERM) stops the run gracefully.
pub async fn run(
    plan: &Plan,
    journal: Journal,
    state: &JournalState,
    opts: RunOptions,
    events: EventSink,
    cancel: watch::Receiver<bool>,
) -> Result<RunResult> {
    let Work { queues, todo } = queue_work(plan, state, opts.mode, opts.retry_failed, &opts.refused_targets);
    let clients = connect_targets(plan, &queues, &opts).await?;
    let (stop_tx, stop) = watch::channel(false);
    let svc = Arc::new(Service::new(clients, opts.pace.clone(), stop));
    let queues = queues.into_iter().map(|q| q.into_iter().map(|work| Unit { work, described: None }).collect());
    let (_, closed) = mpsc::unbounded_channel();
    let feed = Feed {
        queues: queues.collect(),
        incoming: closed,
        todo,
        plan: plan.items.clone(),
        outcomes: outcomes_of(state),
    };
    run_on(svc, stop_tx, Arc::new(journal), feed, opts, events, cancel).await
}

/// Run `feed` through `svc`, whose cancellation signal is `stop_tx`'s (a guard, a signal or a wrong endpoint
/// turns it true). `run` and `sweep` both come here; `sweep` shares `svc` (so its limiters) with the planner.
pub async fn run_on(
    svc: Arc<Service>,
    stop_tx: watch::Sender<bool>,
    journal: Arc<Journal>,
    feed: Feed,
    opts: RunOptions,
    events: EventSink,
    mut cancel: watch::Receiver<bool>,
) -> Result<RunResult> {
    let started = Instant::now();
    let Feed { queues, incoming, todo, plan: feed_plan, outcomes } = feed;
    let stop = stop_tx.subscribe();
    let ctx = Arc::new(Ctx {
        out: Stream::new(journal, events.clone()),
        svc,
        opts: opts.clone(),
        plan: Mutex::new(by_project(feed_plan)),
        outcomes: Mutex::new(outcomes),
        stop_tx,
        stop: stop.clone(),
        breaker: Mutex::new(Guards::default()),
        wrong_endpoint: Mutex::new(None),
        unreachable: Mutex::new(Default::default()),
    });
    let interrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let forward = {
        let (ctx, interrupted) = (ctx.clone(), interrupted.clone());
        tokio::spawn(async move {
            if cancel.wait_for(|c| *c).await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
                ctx.out.emit(Event::Stopping(Stop::Signal));
                let _ = ctx.stop_tx.send(true);
            }
        })
    };
    let phase = match opts.mode {
        Mode::Apply => "deleting",
        Mode::DryRun => "checking (dry run)",
        Mode::Export => "exporting",
    };
    ctx.out.emit(Event::Phase { name: phase.into(), total: todo });
    let caps = Caps { per_target: opts.concurrency, global: opts.max_in_flight };
    let mut first_error: Option<Error> = None;
    let record = |joined: std::result::Result<Result<()>, tokio::task::JoinError>| match joined {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            first_error.get_or_insert(e);
        }
        Err(e) if e.is_cancelled() => {}
        Err(e) => {
            first_error.get_or_insert(Error::Internal(format!("worker panicked: {e}")));
        }
    };
    let work = |_target, unit: Unit| {
        ctx.learn(&unit);
        project_task(ctx.clone(), unit)
    };
    run_fair_fed(queues, incoming, caps, &stop, opts.grace, work, record).await;
    forward.abort();
    // Once this returns, the caller holds the last reference to the journal (sweep then rewrites it).
    let _ = forward.await;
    let was_interrupted = interrupted.load(Ordering::SeqCst);
    let tally = ctx.out.tally();
    let stopped = was_interrupted || *stop.borrow() || !tally.guard_stops.is_empty();
    ctx.out.emit(Event::Record(Record::End { at: Utc::now(), interrupted: stopped }));
    ctx.out.flush().await?;
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(RunResult {
        interrupted: was_interrupted,
        guard_stops: tally.guard_stops,
        wall: started.elapsed(),
        delete_attempts: tally.delete_attempts,
        throttled: tally.throttled,
        delete_throttled: tally.delete_throttled,
        calls: ctx.svc.calls(),
        finished: tally.finished,
        wrong_endpoint: ctx.wrong_endpoint.lock().expect("wrong endpoint").clone(),
        unreachable: ctx.unreachable.lock().expect("unreachable").clone(),
    })
}
