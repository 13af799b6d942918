//! The run: drift check, backup, DeleteDataset and confirmation for every item of a plan, journalled.
//!
//! Work is grouped by project (items keep plan order: `test` before `train`), and up to `concurrency`
//! projects are worked on at once; within a project each step waits for the previous one, so at most
//! `concurrency` calls are in flight. Per project:
//! 1. **drift check**: DescribeProject (own limiter). The ARN's account and region must match the plan's
//!    target, else the whole target is refused (exit 5). A dataset whose CreationTimestamp differs from the
//!    plan's (compared to the millisecond) is `skipped_drift`; one already gone is `already_absent` without a
//!    call; one `*_IN_PROGRESS` is re-described every 1, 2, 4, 8, 10, 10... s until it settles, within
//!    `wait_timeout`.
//! 2. **backup** (unless `--no-backup`, never in dry runs): see `exec::backup`; a dataset whose backup is not
//!    verified is `failed` and not deleted.
//! 3. **DeleteDataset** with the plan's client token on every attempt, under the (account, region) limiter,
//!    retried per `exec::retry`. 202 `deleted`; 404 `already_absent`; 409 re-described after 2 s and sent
//!    again until `wait_timeout`, then `failed`; 400/402/other `failed`; 403 `failed`, and three in a row on
//!    a target stop that target.
//! 4. **confirm**: once the project's deletions are done, DescribeProject again (every 1 s while
//!    `DELETE_IN_PROGRESS`, within `wait_timeout`) and journal `verified` per deleted dataset.
//!
//! Safety stops: more than 10 failures among the first 20 finished items stops the run (exit 5).
//! Cancellation (Ctrl-C, SIGTERM, a stop) sends nothing new; calls in flight get `grace` to finish, then
//! their tasks are dropped, leaving the item without an outcome for the next run to re-check. An item that
//! was started (a durable `start` precedes its first DeleteDataset) but has no outcome is re-sent with the
//! same token even if the dataset looks gone, so the service's idempotent replay tells whether our earlier
//! call deleted it (`deleted`) or not (`404`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::backup;
use super::events::{Event, EventSink};
use super::journal::{AttemptRec, ItemState, Journal, JournalState, Mode, Outcome, OutcomeRec, Record, VerifiedRec};
use super::limiter::Limiters;
use super::retry::{Attempt, AttemptStats, Cancel, Retried, RetryPolicy, with_retry};
use crate::cloud::{self, CallError, Client, ClientOptions, Endpoint, ErrorKind, ProjectInfo};
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
}

#[derive(Default)]
struct Breaker {
    finished: u32,
    failed_early: u32,
    denied_in_a_row: HashMap<usize, u32>,
    stopped_targets: HashSet<usize>,
    stops: Vec<String>,
}

struct Ctx {
    journal: Journal,
    clients: HashMap<usize, Client>,
    limiters: Limiters,
    opts: RunOptions,
    events: EventSink,
    stop_tx: watch::Sender<bool>,
    stop: Cancel,
    breaker: Mutex<Breaker>,
    delete_attempts: AtomicU64,
    throttled: AtomicU64,
    delete_throttled: AtomicU64,
    finished: AtomicU64,
}

fn same_instant(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> bool {
    a.map(|t| t.timestamp_millis()) == b.map(|t| t.timestamp_millis())
}

fn fmt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_else(|| "none".into())
}

/// An outcome under construction.
fn outcome(item: &Item, outcome: Outcome, message: impl Into<String>) -> OutcomeRec {
    OutcomeRec {
        seq: item.seq,
        outcome,
        http_status: None,
        error_code: None,
        message: message.into(),
        request_id: None,
        finished_at: Utc::now(),
        backup_skipped: false,
    }
}

fn from_error(item: &Item, kind: Outcome, what: &str, e: &CallError) -> OutcomeRec {
    OutcomeRec {
        http_status: e.status,
        error_code: e.code.clone(),
        request_id: e.request_id.clone(),
        ..outcome(item, kind, format!("{what}: {e}"))
    }
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

    fn on_attempt(&self, item: &Item, a: &Attempt) {
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
                        item.project, item.dataset_type, rec.message
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

    async fn sleep(&self, d: Duration) -> bool {
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = stop.wait_for(|s| *s) => false,
        }
    }

    async fn describe(&self, client: &Client, item: &Item) -> Retried<Option<ProjectInfo>> {
        let limiter = self.limiters.get(&item.account, &item.region, "DescribeProject");
        let mut stats = AttemptStats::default();
        match with_retry(
            &limiter,
            &self.opts.policy,
            &self.stop,
            &mut stats,
            |a| self.on_other_attempt(a),
            || client.describe_project(&item.project),
        )
        .await
        {
            Retried::Ok(i) => Retried::Ok(Some(i)),
            Retried::Failed(e) if e.kind == ErrorKind::NotFound => Retried::Ok(None),
            Retried::Failed(e) => Retried::Failed(e),
            Retried::Cancelled => Retried::Cancelled,
        }
    }
}

/// A project's work: (first seq, items to decide, deleted items still to confirm).
type Group = (u64, Vec<(Item, ItemState)>, Vec<Item>);

enum Step {
    Done(OutcomeRec),
    Cancelled,
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
        let d = info.as_ref().and_then(|i| i.dataset(&item.dataset_type)).cloned();
        let wait_for = match d {
            None if resend => return Ok(()),
            None => return Err(Step::Done(outcome(item, Outcome::AlreadyAbsent, "not present at the drift check"))),
            Some(d) if !same_instant(d.created, item.dataset_created) => {
                let msg = format!(
                    "re-created since planning: CreationTimestamp {} differs from the plan's {}; left alone",
                    fmt_time(d.created),
                    fmt_time(item.dataset_created)
                );
                return Err(Step::Done(outcome(item, Outcome::SkippedDrift, msg)));
            }
            Some(d) if d.is_deleting() && resend => return Ok(()),
            // A dry run reports instead of waiting: it must stay quick and read-only.
            Some(d) if ctx.opts.mode == Mode::DryRun && (d.is_deleting() || d.is_busy()) => {
                let msg = format!("currently {}; apply will wait for it to settle", d.status);
                return Err(Step::Done(outcome(item, Outcome::WouldDelete, msg)));
            }
            Some(d) if d.is_deleting() || d.is_busy() => d.status,
            Some(_) => return Ok(()),
        };
        if Instant::now() >= deadline {
            let msg = format!("still {wait_for} after waiting {}", humantime::format_duration(ctx.opts.wait_timeout));
            return Err(Step::Done(outcome(item, Outcome::Failed, msg)));
        }
        if noted.as_deref() != Some(wait_for.as_str()) {
            ctx.events.note(format!(
                "waiting for {}/{}/{} dataset {}: {wait_for}",
                item.region, item.project, item.dataset_type, item.seq
            ));
            noted = Some(wait_for);
        }
        if !ctx.sleep(pause).await {
            return Err(Step::Cancelled);
        }
        pause = (pause * 2).min(Duration::from_secs(10));
        match ctx.describe(client, item).await {
            Retried::Ok(i) => *info = i,
            Retried::Failed(e) => return Err(Step::Done(from_error(item, Outcome::Failed, "re-check", &e))),
            Retried::Cancelled => return Err(Step::Cancelled),
        }
        if info.as_ref().and_then(|i| i.dataset(&item.dataset_type)).is_none() && !resend {
            let msg = "its deletion or creation was under way; gone when re-checked";
            return Err(Step::Done(outcome(item, Outcome::AlreadyAbsent, msg)));
        }
    }
}

async fn process_item(
    ctx: &Ctx,
    client: &Client,
    item: &Item,
    st: &ItemState,
    info: &mut Option<ProjectInfo>,
) -> Result<Step> {
    // A `start` is journalled (durably) just before the first DeleteDataset attempt, so an item with a
    // start and no outcome may have been deleted by a call whose answer was lost.
    let in_flight = st.outcome.is_none() && (st.started.is_some() || !st.attempts.is_empty());
    if let Err(step) = check_drift(ctx, client, item, in_flight, info).await {
        return Ok(step);
    }
    if ctx.opts.mode == Mode::DryRun {
        return Ok(Step::Done(outcome(item, Outcome::WouldDelete, "present and unchanged since planning")));
    }
    if let Some(dir) = &ctx.opts.backup_dir {
        let reuse = st.export.as_ref().filter(|rec| backup::still_valid(rec));
        if reuse.is_none() {
            match backup::export(client, &ctx.limiters, &ctx.opts.policy, &ctx.stop, dir, item).await {
                Ok(rec) => ctx.journal.append_durable(&Record::Export(rec)).await?,
                Err(backup::ExportError::Cancelled) => return Ok(Step::Cancelled),
                Err(e) => return Ok(Step::Done(outcome(item, Outcome::Failed, format!("{e}; not deleted")))),
            }
        }
    }
    if ctx.opts.mode == Mode::Export {
        return Ok(Step::Done(outcome(item, Outcome::Exported, "backup written and verified")));
    }
    if !in_flight {
        ctx.journal.append_durable(&Record::Start { seq: item.seq, at: Utc::now() }).await?;
    }
    let limiter = ctx.limiters.get(&item.account, &item.region, "DeleteDataset");
    let deadline = Instant::now() + ctx.opts.wait_timeout;
    let mut stats = AttemptStats::default();
    loop {
        let r = with_retry(
            &limiter,
            &ctx.opts.policy,
            &ctx.stop,
            &mut stats,
            |a| ctx.on_attempt(item, a),
            || client.delete_dataset(&item.project, &item.dataset_type, &item.client_token),
        )
        .await;
        let e = match r {
            Retried::Ok(acc) => {
                let mut rec = outcome(item, Outcome::Deleted, "DeleteDataset accepted");
                rec.http_status = Some(acc.status);
                rec.request_id = acc.request_id;
                return Ok(Step::Done(rec));
            }
            Retried::Cancelled => return Ok(Step::Cancelled),
            Retried::Failed(e) => e,
        };
        match e.kind {
            ErrorKind::NotFound => {
                return Ok(Step::Done(from_error(item, Outcome::AlreadyAbsent, "DeleteDataset", &e)));
            }
            ErrorKind::Conflict if Instant::now() < deadline => {
                if !ctx.sleep(CONFLICT_RECHECK).await {
                    return Ok(Step::Cancelled);
                }
                match ctx.describe(client, item).await {
                    Retried::Ok(i) => *info = i,
                    Retried::Failed(e2) => {
                        return Ok(Step::Done(from_error(item, Outcome::Failed, "re-check after 409", &e2)));
                    }
                    Retried::Cancelled => return Ok(Step::Cancelled),
                }
                match info.as_ref().and_then(|i| i.dataset(&item.dataset_type)) {
                    None if !in_flight => {
                        return Ok(Step::Done(from_error(item, Outcome::AlreadyAbsent, "gone after a 409", &e)));
                    }
                    Some(d) if !same_instant(d.created, item.dataset_created) => {
                        let msg = format!("re-created since planning (found after a 409: {e})");
                        return Ok(Step::Done(outcome(item, Outcome::SkippedDrift, msg)));
                    }
                    _ => continue,
                }
            }
            ErrorKind::Conflict => {
                let what = format!("still conflicting after {}", humantime::format_duration(ctx.opts.wait_timeout));
                return Ok(Step::Done(from_error(item, Outcome::Failed, &what, &e)));
            }
            _ => return Ok(Step::Done(from_error(item, Outcome::Failed, "DeleteDataset", &e))),
        }
    }
}

/// After a project's deletions: re-describe until no deleted dataset is `DELETE_IN_PROGRESS` (bounded) and
/// journal whether each is gone.
async fn confirm(ctx: &Ctx, client: &Client, items: &[Item]) {
    let Some(first) = items.first() else { return };
    let deadline = Instant::now() + ctx.opts.wait_timeout;
    let mut pending: Vec<&Item> = items.iter().collect();
    loop {
        let info = match ctx.describe(client, first).await {
            Retried::Ok(i) => i,
            Retried::Failed(_) | Retried::Cancelled => return,
        };
        let mut still = Vec::new();
        for item in pending {
            let d = info.as_ref().and_then(|i| i.dataset(&item.dataset_type));
            let (verified, status) = match d {
                None => (Some(true), None),
                Some(d) if !same_instant(d.created, item.dataset_created) => (Some(true), None),
                Some(d) if d.status == "DELETE_IN_PROGRESS" && Instant::now() < deadline => (None, None),
                Some(d) => (Some(false), Some(d.status.clone())),
            };
            match verified {
                Some(v) => ctx.journal.append(&Record::Verified(VerifiedRec {
                    seq: item.seq,
                    verified: v,
                    status,
                    at: Utc::now(),
                })),
                None => still.push(item),
            }
        }
        if still.is_empty() || !ctx.sleep(Duration::from_secs(1)).await {
            return;
        }
        pending = still;
    }
}

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
    for item in &plan.items {
        let st = state.item(item.seq);
        let g = groups.entry((item.target, item.project.clone())).or_insert_with(|| (item.seq, Vec::new(), Vec::new()));
        match &st.outcome {
            Some(o) if o.outcome == Outcome::Failed && opts.retry_failed => g.1.push((item.clone(), st)),
            Some(o) if o.outcome == Outcome::Deleted && st.verified.is_none() && opts.mode == Mode::Apply => {
                g.2.push(item.clone())
            }
            Some(_) => {}
            None => g.1.push((item.clone(), st)),
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
        let endpoint = Endpoint {
            region: t.region.clone(),
            profile: opts.profile.clone().or(t.profile.clone()),
            endpoint_url: opts.endpoint_url.clone().or(t.endpoint_url.clone()),
        };
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
    })
}
