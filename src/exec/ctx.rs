//! What every project task of a run shares (`Ctx`): the event outlet, the service, the options, the items
//! known so far and their outcomes, the stop signal and the safety guards.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::watch;

use super::events::{Event, Stop};
use super::guards::{ACCESS_DENIED_STOP, BREAKER_MAX_FAILED, BREAKER_WINDOW, Guards, Trip};
use super::journal::{AttemptRec, Mode, Outcome, OutcomeRec, Record};
use super::options::RunOptions;
use super::queue::ProjectWork;
use super::retry::{Attempt, Cancel, Retried};
use super::stream::Stream;
use crate::cloud::{CallError, Client, ErrorKind, ProjectInfo};
use crate::error::Result;
use crate::plan::Item;
use crate::service::{Op, Service};

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
    pub(super) plan: Mutex<HashMap<(usize, String), Vec<Item>>>,
    /// The final outcome of every item known so far: the journal's at the start, then this run's.
    pub(super) outcomes: Mutex<HashMap<u64, Outcome>>,
    pub(super) stop_tx: watch::Sender<bool>,
    pub(super) stop: Cancel,
    pub(super) breaker: Mutex<Guards>,
    pub(super) wrong_endpoint: Mutex<Option<String>>,
    /// Targets that refused the caller's credentials, with the first message of each.
    pub(super) unreachable: Mutex<BTreeMap<usize, String>>,
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

    /// `item`'s target refused the caller's credentials (`what` was the call, `e` its answer,
    /// [`CallError::refuses_target`]): the first time, say so and stop that target only; the caller records
    /// no outcome for the item, which stays pending with the target's others.
    pub(super) fn target_unreachable(&self, item: &Item, what: &str, e: &CallError) {
        let mut u = self.unreachable.lock().expect("unreachable");
        if u.contains_key(&item.target) {
            return;
        }
        let why = format!(
            "target {} {} cannot be reached, its remaining items stay pending: {what}: {e}",
            item.account, item.region
        );
        self.out.emit(Event::Note(why.clone()));
        u.insert(item.target, why);
        self.breaker.lock().expect("breaker").stop(item.target);
    }

    /// The items known so far of `project` of `target`, in plan order.
    pub(super) fn project_items(&self, target: usize, project: &str) -> Vec<Item> {
        let plan = self.plan.lock().expect("plan");
        plan.get(&(target, project.to_string())).cloned().unwrap_or_default()
    }

    /// Learn the items of a unit about to start (those not known yet).
    pub(super) fn learn(&self, unit: &Unit) {
        let mut plan = self.plan.lock().expect("plan");
        for item in unit.work.0.iter().map(|p| &p.item).chain(&unit.work.1) {
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

    /// An attempt of an item's own call (DeleteDataset, StopModel, DeleteModel, DeleteProject): journalled
    /// (the stream counts DeleteDataset attempts and throttles from the record and the `Throttled` event).
    pub(super) fn on_item_attempt(&self, item: &Item, op: Op, a: &Attempt) {
        self.on_other_attempt(a);
        let throttled = a.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Throttling);
        let ok_status = if op == Op::DeleteProject { 200 } else { 202 };
        let e = a.error.as_ref();
        self.out.emit(Event::Record(Record::Attempt(AttemptRec {
            seq: item.seq,
            op,
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

    /// Journal an outcome durably, then count it; an outcome that answers AccessDenied counts towards the
    /// target's AccessDenied guard.
    pub(super) async fn finish(&self, item: &Item, ended: Ended) -> Result<()> {
        let Ended { mut rec, error } = ended;
        rec.backup_skipped = self.opts.backup_dir.is_none() && self.opts.mode == Mode::Apply;
        rec.finished_at = Utc::now();
        self.out.durable(Record::Outcome(rec.clone())).await?;
        self.outcomes.lock().expect("outcomes").insert(rec.seq, rec.outcome);
        let failed = rec.outcome == Outcome::Failed;
        self.out.emit(Event::Done { failed });
        self.out.emit(Event::Finished { kind: item.kind, outcome: rec.outcome });
        let denied = error == Some(ErrorKind::AccessDenied);
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

/// A final outcome record, and the kind of the error it answers when the item ended on one: what follows
/// (the AccessDenied guard) reads the kind the call was classified as, never the record's code again.
#[derive(Debug)]
pub(super) struct Ended {
    pub(super) rec: OutcomeRec,
    pub(super) error: Option<ErrorKind>,
}

impl From<OutcomeRec> for Ended {
    fn from(rec: OutcomeRec) -> Self {
        Ended { rec, error: None }
    }
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
