//! The run: every item of a plan, grouped by project, under limiters, guards and cancellation, journalled.
//!
//! Work is grouped by project (items keep plan order: `test` before `train`), and projects are queued per
//! target; the fair scheduler (`service::schedule`) works on up to `concurrency` projects per target and
//! `max_in_flight` in all, round robin across targets, so every target progresses at its own quota. Within
//! a project each step waits for the previous one, so each project has at most one call in flight. Per
//! project: a drift check (DescribeProject), then each item's steps (`exec::item`), then a confirmation
//! DescribeProject for what was deleted.
//!
//! Safety stops (`exec::guards`, per target): more than 10 failures among a target's first 20 finished
//! items, or three AccessDenied outcomes in a row on it, stop that target (exit 5) while the others go on;
//! a project whose ARN names another account
//! or region refuses its target. Cancellation (Ctrl-C, SIGTERM, a stop) sends nothing new; calls in flight
//! get `grace` to finish, then their tasks are dropped, leaving the item without an outcome for the next run.
//! An answer that is not the service's ([`ErrorKind::Foreign`]: wrong endpoint) stops the run the same way and
//! records no outcome for its item ([`RunResult::wrong_endpoint`], exit 6).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{mpsc, watch};

use super::events::{Event, EventSink, Stop};
use super::guards::{Guards, Trip};
use super::journal::{AttemptRec, Journal, JournalState, Mode, Outcome, OutcomeRec, Record};
use super::project::project_task;
use super::queue::{ProjectWork, Work, queue_work};
use super::retry::{Attempt, Cancel, Retried};
use super::stream::Stream;
use crate::cloud::identity::target_endpoint;
use crate::cloud::{self, CallError, Client, ErrorKind, ProjectInfo};
use crate::error::{Error, Result};
use crate::plan::{Item, Plan};
use crate::service::schedule::{Caps, run_fair_fed};
use crate::service::{Op, Service};

pub use super::guards::{ACCESS_DENIED_STOP, BREAKER_MAX_FAILED, BREAKER_WINDOW};
pub use super::options::{RunOptions, RunResult};
/// Wait before re-checking after a 409.
pub const CONFLICT_RECHECK: Duration = Duration::from_secs(2);

/// What every project task of a run shares.
pub(super) struct Ctx {
    /// Where every record and event goes (journal, counters, display).
    pub(super) out: Stream,
    pub(super) svc: Arc<Service>,
    pub(super) opts: RunOptions,
    /// The plan's items by (target, project) (`delete_project` looks at its project's and at those it waits
    /// for): the plan's at the start, then those of each unit as it starts (`sweep` feeds items as it finds
    /// them).
    plan: Mutex<HashMap<(usize, String), Vec<Item>>>,
    /// The final outcome of every item known so far: the journal's at the start, then this run's.
    outcomes: Mutex<HashMap<u64, Outcome>>,
    stop_tx: watch::Sender<bool>,
    pub(super) stop: Cancel,
    breaker: Mutex<Guards>,
    wrong_endpoint: Mutex<Option<String>>,
}

impl Ctx {
    pub(super) fn stopped(&self, target: usize) -> bool {
        *self.stop.borrow() || self.breaker.lock().expect("breaker").stopped(target)
    }

    pub(super) fn guard_stop(&self, target: Option<usize>, why: String) {
        let mut b = self.breaker.lock().expect("breaker");
        self.out.emit(Event::Stopping(Stop::Guard { target, reason: why }));
        match target {
            Some(t) => b.stop(t),
            None => {
                let _ = self.stop_tx.send(true);
            }
        }
    }

    /// An answer that is not the service's: keep the first message (exit 6) and stop the whole run; the
    /// caller records no outcome for its item.
    pub(super) fn not_the_service(&self, client: &Client, what: &str, e: &CallError) {
        let msg = client.not_the_service(what, e);
        let mut w = self.wrong_endpoint.lock().expect("wrong endpoint");
        if w.is_none() {
            self.out.emit(Event::Stopping(Stop::WrongEndpoint(msg.clone())));
            *w = Some(msg);
            let _ = self.stop_tx.send(true);
        }
    }

    /// The items known so far of `project` of `target`, in plan order.
    pub(super) fn project_items(&self, target: usize, project: &str) -> Vec<Item> {
        let plan = self.plan.lock().expect("plan");
        plan.get(&(target, project.to_string())).cloned().unwrap_or_default()
    }

    /// Learn the items of a unit about to start (those not known yet).
    fn learn(&self, unit: &Unit) {
        let mut plan = self.plan.lock().expect("plan");
        for item in unit.work.0.iter().map(|(i, _)| i).chain(&unit.work.1) {
            let known = plan.entry((item.target, item.project.clone())).or_default();
            if !known.iter().any(|k| k.seq == item.seq) {
                known.push(item.clone());
                known.sort_by_key(|k| k.seq);
            }
        }
    }

    /// The final outcome of every item known so far.
    pub(super) fn outcomes(&self) -> HashMap<u64, Outcome> {
        self.outcomes.lock().expect("outcomes").clone()
    }

    /// An attempt of an item's DeleteDataset.
    pub(super) fn on_attempt(&self, item: &Item, a: &Attempt) {
        self.on_item_attempt(item, Op::DeleteDataset, a);
    }

    /// An attempt of an item's own call (DeleteDataset, StopModel, DeleteModel, DeleteProject): journalled
    /// (the stream counts DeleteDataset attempts and throttles from the record and the `Throttled` event).
    pub(super) fn on_item_attempt(&self, item: &Item, op: Op, a: &Attempt) {
        self.on_other_attempt(a);
        let throttled = a.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Throttling);
        let ok_status = if op == Op::DeleteProject { 200 } else { 202 };
        let e = a.error.as_ref();
        self.out.emit(Event::Record(Record::Attempt(AttemptRec {
            seq: item.seq,
            op: op.name().into(),
            n: a.number,
            at: a.at,
            status: e.map_or(Some(ok_status), |e| e.status),
            error_code: e.and_then(|e| e.code.clone()),
            message: e.map(|e| e.message.clone()),
            request_id: e.and_then(|e| e.request_id.clone()),
            throttled,
        })));
    }

    /// Any attempt: a throttle goes out as [`Event::Throttled`].
    pub(super) fn on_other_attempt(&self, a: &Attempt) {
        if a.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Throttling) {
            self.out.emit(Event::Throttled);
        }
    }

    /// Journal an outcome durably, then count it.
    pub(super) async fn finish(&self, item: &Item, mut rec: OutcomeRec) -> Result<()> {
        rec.backup_skipped = self.opts.backup_dir.is_none() && self.opts.mode == Mode::Apply;
        rec.finished_at = Utc::now();
        self.out.durable(Record::Outcome(rec.clone())).await?;
        self.outcomes.lock().expect("outcomes").insert(rec.seq, rec.outcome);
        let failed = rec.outcome == Outcome::Failed;
        self.out.emit(Event::Done { failed });
        self.out.emit(Event::Finished { kind: item.kind, outcome: rec.outcome });
        let denied = rec.error_code.as_deref() == Some("AccessDeniedException") || rec.http_status == Some(403);
        let trip = self.breaker.lock().expect("breaker").record(item.target, failed, denied);
        let why = match trip {
            None => return Ok(()),
            Some(Trip::Breaker) => format!(
                "more than {BREAKER_MAX_FAILED} of the first {BREAKER_WINDOW} finished items failed on account {} \
                 region {}; something is wrong (last: {}/{}: {}); its remaining items are left for a rerun",
                item.account, item.region, item.project, item.resource, rec.message
            ),
            Some(Trip::AccessDenied) => format!(
                "{ACCESS_DENIED_STOP} AccessDenied in a row on account {} region {}; its remaining items are left \
                 for a rerun once the permission is granted",
                item.account, item.region
            ),
        };
        self.guard_stop(Some(item.target), why);
        Ok(())
    }

    pub(super) async fn sleep(&self, d: Duration) -> bool {
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = stop.wait_for(|s| *s) => false,
        }
    }

    /// DescribeProject of the item's project, throttles counted.
    pub(super) async fn describe(&self, item: &Item) -> Retried<Option<ProjectInfo>> {
        self.svc.describe_project(item.target, &item.project, |a| self.on_other_attempt(a)).await
    }
}

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
        let client = opts.client;
        set.spawn(async move { (target, cloud::connect(&endpoint, client).await) });
    }
    let mut clients = HashMap::new();
    while let Some(joined) = set.join_next().await {
        let (target, client) = joined.map_err(|e| Error::Internal(format!("connect task: {e}")))?;
        clients.insert(target, client?);
    }
    Ok(clients)
}

/// A project's work as the executor takes it: the items and confirmations ([`ProjectWork`]), and the
/// project's description with the instant it was made when the caller has just described it (`sweep`): the
/// drift check uses it instead of a DescribeProject while [`super::drift::description_fresh`] says so.
#[derive(Debug)]
pub struct Unit {
    /// Items to decide and deleted items to confirm.
    pub work: ProjectWork,
    /// DescribeProject's answer for the project, and when it arrived.
    pub described: Option<(ProjectInfo, Instant)>,
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
    let svc = Arc::new(Service::new(clients, opts.rate, opts.policy, stop));
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
        finished: tally.finished,
        wrong_endpoint: ctx.wrong_endpoint.lock().expect("wrong endpoint").clone(),
    })
}
