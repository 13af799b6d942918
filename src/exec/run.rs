//! The run: every item of a plan, grouped by project, under limiters, guards and cancellation, journalled.
//!
//! Work is grouped by project (items keep plan order: `test` before `train`), and up to `concurrency`
//! projects are worked on at once; within a project each step waits for the previous one, so at most
//! `concurrency` calls are in flight. Per project: a drift check (DescribeProject), then each item's steps
//! (`exec::item`), then a confirmation DescribeProject for what was deleted.
//!
//! Safety stops: more than 10 failures among the first 20 finished items stops the run (exit 5); three
//! AccessDenied outcomes in a row on a target stop that target; a project whose ARN names another account
//! or region refuses its target. Cancellation (Ctrl-C, SIGTERM, a stop) sends nothing new; calls in flight
//! get `grace` to finish, then their tasks are dropped, leaving the item without an outcome for the next run.
//! An answer that is not the service's ([`ErrorKind::Foreign`]: wrong endpoint) stops the run the same way and
//! records no outcome for its item ([`RunResult::wrong_endpoint`], exit 6).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::events::{Event, EventSink};
use super::item::{Step, confirm, from_error, outcome, process_item};
use super::journal::{AttemptRec, ItemState, Journal, JournalState, Mode, Outcome, OutcomeRec, Record};
use super::limiter::Limiters;
use super::resume::{self, Resume};
use super::retry::{Attempt, AttemptStats, Cancel, Retried, RetryPolicy, with_retry};
use crate::cloud::identity::{Access, target_endpoint};
use crate::cloud::{self, CallError, Client, ClientOptions, ErrorKind, ProjectInfo};
use crate::error::{Error, Result};
use crate::plan::{Item, Plan};

/// Failures among the first [`BREAKER_WINDOW`] finished items above which the run stops.
pub const BREAKER_MAX_FAILED: u32 = 10;
/// Window of the failure circuit breaker.
pub const BREAKER_WINDOW: u32 = 20;
/// Consecutive AccessDenied outcomes that stop a target.
pub const ACCESS_DENIED_STOP: u32 = 3;
/// Wait before re-checking after a 409.
pub const CONFLICT_RECHECK: Duration = Duration::from_secs(2);

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Apply, dry run or export.
    pub mode: Mode,
    /// Requests/s per (account, region, operation); `None` unlimited.
    pub rate: Option<f64>,
    /// Projects worked on at once.
    pub concurrency: usize,
    /// Retry policy.
    pub policy: RetryPolicy,
    /// Client options.
    pub client: ClientOptions,
    /// `--endpoint-url` override for every target.
    pub endpoint_url: Option<String>,
    /// `--profile` override for every target.
    pub profile: Option<String>,
    /// Backup directory; `None` is `--no-backup`.
    pub backup_dir: Option<PathBuf>,
    /// Bound on waiting for in-progress datasets, conflicts and confirmation.
    pub wait_timeout: Duration,
    /// Re-attempt items whose journalled outcome is `failed`.
    pub retry_failed: bool,
    /// Time in-flight calls get after a stop.
    pub grace: Duration,
    /// Targets refused by the identity check (`targets::check`): no call is made to them and their items stay
    /// pending in the journal.
    pub refused_targets: BTreeSet<usize>,
    /// External id and session name for the roles the plan names.
    pub access: Access,
}

/// What happened in this invocation.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    /// Stopped by a signal.
    pub interrupted: bool,
    /// Stopped or refused by a safety guard (exit 5), and why.
    pub guard_stops: Vec<String>,
    /// Wall time of this invocation.
    pub wall: Duration,
    /// DeleteDataset attempts sent in this invocation.
    pub delete_attempts: u64,
    /// Attempts of any operation answered 429 in this invocation.
    pub throttled: u64,
    /// DeleteDataset attempts answered 429 in this invocation.
    pub delete_throttled: u64,
    /// Items given an outcome in this invocation.
    pub finished: u64,
    /// The run stopped because an answer was not the service's (exit 6): the message naming the endpoint.
    /// Items that met it have no outcome, so a rerun against the right endpoint does them.
    pub wrong_endpoint: Option<String>,
}

#[derive(Default)]
struct Breaker {
    finished: u32,
    failed_early: u32,
    denied_in_a_row: HashMap<usize, u32>,
    stopped_targets: HashSet<usize>,
    stops: Vec<String>,
}

pub(super) struct Ctx {
    pub(super) journal: Journal,
    clients: HashMap<usize, Client>,
    pub(super) limiters: Limiters,
    pub(super) opts: RunOptions,
    pub(super) events: EventSink,
    stop_tx: watch::Sender<bool>,
    pub(super) stop: Cancel,
    breaker: Mutex<Breaker>,
    wrong_endpoint: Mutex<Option<String>>,
    delete_attempts: AtomicU64,
    throttled: AtomicU64,
    delete_throttled: AtomicU64,
    finished: AtomicU64,
}

impl Ctx {
    fn stopped(&self, target: usize) -> bool {
        *self.stop.borrow() || self.breaker.lock().expect("breaker").stopped_targets.contains(&target)
    }

    fn guard_stop(&self, target: Option<usize>, why: String) {
        let mut b = self.breaker.lock().expect("breaker");
        self.events.note(format!("stopping: {why}"));
        b.stops.push(why);
        match target {
            Some(t) => {
                b.stopped_targets.insert(t);
            }
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
            self.events.note(format!("stopping: {msg}"));
            *w = Some(msg);
            let _ = self.stop_tx.send(true);
        }
    }

    pub(super) fn on_attempt(&self, item: &Item, a: &Attempt) {
        let throttled = a.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Throttling);
        self.delete_attempts.fetch_add(1, Ordering::Relaxed);
        if throttled {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            self.delete_throttled.fetch_add(1, Ordering::Relaxed);
            self.events.send(Event::Throttled);
        }
        let e = a.error.as_ref();
        self.journal.append(&Record::Attempt(AttemptRec {
            seq: item.seq,
            op: "DeleteDataset".into(),
            n: a.number,
            at: a.at,
            status: e.map_or(Some(202), |e| e.status),
            error_code: e.and_then(|e| e.code.clone()),
            message: e.map(|e| e.message.clone()),
            request_id: e.and_then(|e| e.request_id.clone()),
            throttled,
        }));
    }

    fn on_other_attempt(&self, a: &Attempt) {
        if a.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Throttling) {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            self.events.send(Event::Throttled);
        }
    }

    /// Journal an outcome durably, then count it.
    async fn finish(&self, item: &Item, mut rec: OutcomeRec) -> Result<()> {
        rec.backup_skipped = self.opts.backup_dir.is_none() && self.opts.mode == Mode::Apply;
        rec.finished_at = Utc::now();
        self.journal.append_durable(&Record::Outcome(rec.clone())).await?;
        self.finished.fetch_add(1, Ordering::Relaxed);
        let failed = rec.outcome == Outcome::Failed;
        self.events.send(Event::Done { failed });
        let mut b = self.breaker.lock().expect("breaker");
        b.finished += 1;
        if failed && b.finished <= BREAKER_WINDOW {
            b.failed_early += 1;
            if b.failed_early == BREAKER_MAX_FAILED + 1 {
                drop(b);
                self.guard_stop(
                    None,
                    format!(
                        "more than {BREAKER_MAX_FAILED} of the first {BREAKER_WINDOW} finished items failed; \
                         something is wrong (last: {}/{}: {})",
                        item.project, item.resource, rec.message
                    ),
                );
                return Ok(());
            }
        }
        let denied = rec.error_code.as_deref() == Some("AccessDeniedException") || rec.http_status == Some(403);
        let in_a_row = b.denied_in_a_row.entry(item.target).or_insert(0);
        *in_a_row = if denied { *in_a_row + 1 } else { 0 };
        if *in_a_row == ACCESS_DENIED_STOP {
            drop(b);
            self.guard_stop(
                Some(item.target),
                format!(
                    "{ACCESS_DENIED_STOP} AccessDenied in a row on account {} region {}; its remaining items are \
                     left for a rerun once the permission is granted",
                    item.account, item.region
                ),
            );
        }
        Ok(())
    }

    pub(super) async fn sleep(&self, d: Duration) -> bool {
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = stop.wait_for(|s| *s) => false,
        }
    }

    pub(super) async fn describe(&self, client: &Client, item: &Item) -> Retried<Option<ProjectInfo>> {
        let limiter = self.limiters.get(&item.account, &item.region, "DescribeProject");
        let mut stats = AttemptStats::default();
        with_retry(
            &limiter,
            &self.opts.policy,
            &self.stop,
            &mut stats,
            |a| self.on_other_attempt(a),
            || client.describe_project(&item.project),
        )
        .await
        .found()
    }
}

/// A project's work: (first seq, items to decide, deleted items still to confirm).
type Group = (u64, Vec<(Item, ItemState)>, Vec<Item>);

async fn project_task(ctx: Arc<Ctx>, items: Vec<(Item, ItemState)>, confirm_only: Vec<Item>) -> Result<()> {
    let Some(first) = items.first().map(|(i, _)| i).or(confirm_only.first()).cloned() else {
        return Ok(());
    };
    let client = ctx.clients.get(&first.target).ok_or_else(|| Error::Internal("no client for target".into()))?;
    let mut deleted: Vec<Item> = confirm_only;
    if !items.is_empty() && !ctx.stopped(first.target) {
        let mut info = match ctx.describe(client, &first).await {
            Retried::Ok(i) => i,
            Retried::Cancelled => return Ok(()),
            Retried::Failed(e) if e.kind == ErrorKind::Foreign => {
                ctx.not_the_service(client, &format!("DescribeProject {}", first.project), &e);
                return Ok(());
            }
            Retried::Failed(e) => {
                for (item, _) in &items {
                    ctx.finish(item, from_error(item, Outcome::Failed, "drift check DescribeProject", &e)).await?;
                }
                return Ok(());
            }
        };
        if let Some(i) = &info
            && cloud::arn_account_region(&i.arn) != Some((first.account.clone(), first.region.clone()))
        {
            let why = format!(
                "project {} answers with ARN {} but the plan's target is account {} region {}; target refused",
                first.project, i.arn, first.account, first.region
            );
            ctx.guard_stop(Some(first.target), why.clone());
            for (item, _) in &items {
                ctx.finish(item, outcome(item, Outcome::Failed, why.clone())).await?;
            }
            return Ok(());
        }
        for (item, st) in &items {
            if ctx.stopped(item.target) {
                break;
            }
            match process_item(&ctx, client, item, st, &mut info).await? {
                Step::Cancelled => break,
                Step::Done(rec) => {
                    let was_deleted = rec.outcome == Outcome::Deleted;
                    ctx.finish(item, rec).await?;
                    if was_deleted {
                        deleted.push(item.clone());
                    }
                }
            }
        }
    }
    if !deleted.is_empty() && !*ctx.stop.borrow() {
        confirm(&ctx, client, &deleted).await;
    }
    Ok(())
}

/// Run a plan. `cancel` turning true (Ctrl-C, SIGTERM) stops the run gracefully.
pub async fn run(
    plan: &Plan,
    journal: Journal,
    state: &JournalState,
    opts: RunOptions,
    events: EventSink,
    mut cancel: watch::Receiver<bool>,
) -> Result<RunResult> {
    let started = Instant::now();
    // Which items still need work, grouped by project in plan order.
    let mut groups: BTreeMap<(usize, String), Group> = BTreeMap::new();
    let mut todo = 0u64;
    for item in plan.items.iter().filter(|i| !opts.refused_targets.contains(&i.target)) {
        let st = state.item(item.seq);
        let g = groups.entry((item.target, item.project.clone())).or_insert_with(|| (item.seq, Vec::new(), Vec::new()));
        match resume::decide(&st, opts.mode, opts.retry_failed) {
            Resume::Fresh | Resume::Resend => g.1.push((item.clone(), st)),
            Resume::Confirm => g.2.push(item.clone()),
            Resume::Skip => {}
        }
    }
    let mut groups: Vec<_> = groups.into_values().filter(|g| !g.1.is_empty() || !g.2.is_empty()).collect();
    groups.sort_by_key(|g| g.0);
    for g in &groups {
        todo += g.1.len() as u64;
    }
    // Connect every target that has work (fails with exit 6 before any call if credentials are missing).
    let mut clients = HashMap::new();
    for g in &groups {
        let item = g.1.first().map(|(i, _)| i).or(g.2.first()).expect("non-empty group");
        if clients.contains_key(&item.target) {
            continue;
        }
        let t = &plan.targets[item.target];
        let endpoint = target_endpoint(t, opts.profile.as_ref(), opts.endpoint_url.as_ref(), &opts.access);
        clients.insert(item.target, cloud::connect(&endpoint, opts.client).await?);
    }
    let (stop_tx, stop) = watch::channel(false);
    let ctx = Arc::new(Ctx {
        journal,
        clients,
        limiters: Limiters::new(opts.rate),
        opts: opts.clone(),
        events: events.clone(),
        stop_tx,
        stop: stop.clone(),
        breaker: Mutex::new(Breaker::default()),
        wrong_endpoint: Mutex::new(None),
        delete_attempts: AtomicU64::new(0),
        throttled: AtomicU64::new(0),
        delete_throttled: AtomicU64::new(0),
        finished: AtomicU64::new(0),
    });
    let interrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let forward = {
        let (ctx, interrupted) = (ctx.clone(), interrupted.clone());
        tokio::spawn(async move {
            if cancel.wait_for(|c| *c).await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
                ctx.events.note("stopping: no new calls; waiting for calls in flight");
                let _ = ctx.stop_tx.send(true);
            }
        })
    };
    let phase = match opts.mode {
        Mode::Apply => "deleting",
        Mode::DryRun => "checking (dry run)",
        Mode::Export => "exporting",
    };
    events.send(Event::Phase { name: phase.into(), total: todo });
    let sem = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut set = JoinSet::new();
    let mut stop_wait = stop.clone();
    for (_, items, confirm_only) in groups {
        let permit = tokio::select! {
            p = sem.clone().acquire_owned() => p.expect("semaphore open"),
            _ = stop_wait.wait_for(|s| *s) => break,
        };
        let ctx = ctx.clone();
        set.spawn(async move {
            let r = project_task(ctx, items, confirm_only).await;
            drop(permit);
            r
        });
    }
    let mut first_error: Option<Error> = None;
    let mut record = |joined: std::result::Result<Result<()>, tokio::task::JoinError>| match joined {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            first_error.get_or_insert(e);
        }
        Err(e) if e.is_cancelled() => {}
        Err(e) => {
            first_error.get_or_insert(Error::Internal(format!("worker panicked: {e}")));
        }
    };
    let grace = opts.grace;
    loop {
        tokio::select! {
            joined = set.join_next() => match joined {
                Some(j) => record(j),
                None => break,
            },
            _ = async { stop_wait.wait_for(|s| *s).await.ok(); tokio::time::sleep(grace).await } => {
                set.abort_all();
                while let Some(j) = set.join_next().await {
                    record(j);
                }
                break;
            }
        }
    }
    forward.abort();
    let was_interrupted = interrupted.load(Ordering::SeqCst);
    ctx.journal.append(&Record::End { at: Utc::now(), interrupted: was_interrupted || *stop.borrow() });
    ctx.journal.flush().await?;
    if let Some(e) = first_error {
        return Err(e);
    }
    let stops = ctx.breaker.lock().expect("breaker").stops.clone();
    Ok(RunResult {
        interrupted: was_interrupted,
        guard_stops: stops,
        wall: started.elapsed(),
        delete_attempts: ctx.delete_attempts.load(Ordering::Relaxed),
        throttled: ctx.throttled.load(Ordering::Relaxed),
        delete_throttled: ctx.delete_throttled.load(Ordering::Relaxed),
        finished: ctx.finished.load(Ordering::Relaxed),
        wrong_endpoint: ctx.wrong_endpoint.lock().expect("wrong endpoint").clone(),
    })
}
