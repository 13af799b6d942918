//! The executor's one outlet. Every journal record and every progress event of a run goes out through
//! `Stream` as an [`Event`]; its consumers, in order: the journal file (records only, called synchronously, so
//! a record the executor awaits with `Stream::durable` is fsynced before the call that follows it is sent, as
//! crash safety needs), the [`Tally`] that `RunResult`'s counters are read from, and the display's
//! [`EventSink`]. The executor never prints and keeps no counters of its own.

use std::sync::{Arc, Mutex};

use super::events::{Event, EventSink, Stop, Waiting};
use super::journal::{Journal, Record};
use crate::error::Result;
use crate::service::Op;

/// What a run's events add up to: the counters of `RunResult`, folded from the stream alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// DeleteDataset attempts (`attempt` records with op `DeleteDataset`).
    pub delete_attempts: u64,
    /// Attempts of any operation answered 429 ([`Event::Throttled`]).
    pub throttled: u64,
    /// DeleteDataset attempts answered 429 (`attempt` records with op `DeleteDataset` and `throttled`).
    pub delete_throttled: u64,
    /// Items given an outcome (`outcome` records).
    pub finished: u64,
    /// Why a safety guard stopped a target or the run, in order (one per [`Stop::Guard`]).
    pub guard_stops: Vec<String>,
}

impl Tally {
    /// Count one event.
    pub fn add(&mut self, e: &Event) {
        match e {
            Event::Record(Record::Attempt(a)) if a.op == Op::DeleteDataset => {
                self.delete_attempts += 1;
                self.delete_throttled += u64::from(a.throttled);
            }
            Event::Record(Record::Outcome(_)) => self.finished += 1,
            Event::Throttled => self.throttled += 1,
            Event::Stopping(Stop::Guard { reason, .. }) => self.guard_stops.push(reason.clone()),
            _ => {}
        }
    }
}

/// The run's stream: journal first, then the tally, then the display.
pub(super) struct Stream {
    journal: Arc<Journal>,
    tally: Mutex<Tally>,
    display: EventSink,
}

impl Stream {
    pub(super) fn new(journal: Arc<Journal>, display: EventSink) -> Self {
        Self { journal, tally: Mutex::new(Tally::default()), display }
    }

    /// Send an event; a record is queued for the journal's next batch (not waited for).
    pub(super) fn emit(&self, e: Event) {
        if let Event::Record(rec) = &e {
            self.journal.append(rec);
        }
        self.fan_out(e);
    }

    /// Send a record (queued for the journal's next batch).
    pub(super) fn record(&self, rec: Record) {
        self.emit(Event::Record(rec));
    }

    /// Say that an item waits on `status` (shown by the display as its own line).
    pub(super) fn waiting(&self, item: &crate::plan::Item, status: &str) {
        self.emit(Event::Waiting(Waiting {
            seq: item.seq,
            region: item.region.clone(),
            project: item.project.clone(),
            kind: item.kind,
            resource: item.resource.clone(),
            status: status.to_string(),
        }));
    }

    /// Send a record once the journal has fsynced it: the caller awaits this before the call it announces.
    pub(super) async fn durable(&self, rec: Record) -> Result<()> {
        self.journal.append_durable(&rec).await?;
        self.fan_out(Event::Record(rec));
        Ok(())
    }

    /// Write everything queued to the journal and fsync.
    pub(super) async fn flush(&self) -> Result<()> {
        self.journal.flush().await
    }

    /// The counters so far.
    pub(super) fn tally(&self) -> Tally {
        self.tally.lock().expect("tally").clone()
    }

    fn fan_out(&self, e: Event) {
        self.tally.lock().expect("tally").add(&e);
        self.display.send(e);
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::exec::journal::{AttemptRec, Outcome, OutcomeRec};
    use crate::plan::Kind;

    fn attempt(op: Op, throttled: bool) -> Event {
        let at = Utc::now();
        let (status, error_code, message, request_id) = (None, None, None, None);
        Event::Record(Record::Attempt(AttemptRec {
            seq: 1,
            op,
            n: 1,
            at,
            status,
            error_code,
            message,
            request_id,
            throttled,
        }))
    }

    #[test]
    fn tally_folds_the_stream() {
        let outcome = Event::Record(Record::Outcome(OutcomeRec {
            seq: 1,
            outcome: Outcome::Deleted,
            http_status: Some(202),
            error_code: None,
            message: String::new(),
            request_id: None,
            backup_skipped: false,
            finished_at: Utc::now(),
            inference_units: None,
        }));
        let guard = |r: &str| Event::Stopping(Stop::Guard { target: Some(0), reason: r.into() });
        // (case, events, [delete_attempts, throttled, delete_throttled, finished], guard stops)
        type Case<'a> = (&'a str, Vec<Event>, [u64; 4], Vec<&'a str>);
        let cases: Vec<Case> = vec![
            ("nothing", vec![], [0, 0, 0, 0], vec![]),
            ("one delete attempt", vec![attempt(Op::DeleteDataset, false)], [1, 0, 0, 0], vec![]),
            ("throttled delete", vec![attempt(Op::DeleteDataset, true), Event::Throttled], [1, 1, 1, 0], vec![]),
            ("stop model attempts are not deletes", vec![attempt(Op::StopModel, false)], [0, 0, 0, 0], vec![]),
            ("throttled describe", vec![Event::Throttled], [0, 1, 0, 0], vec![]),
            ("outcome", vec![outcome.clone(), outcome.clone()], [0, 0, 0, 2], vec![]),
            ("done alone is not an outcome", vec![Event::Done { failed: false }], [0, 0, 0, 0], vec![]),
            (
                "finished alone is not an outcome",
                vec![Event::Finished { kind: Kind::DeleteModel, outcome: Outcome::Deleted }],
                [0, 0, 0, 0],
                vec![],
            ),
            (
                "guard stops in order",
                vec![guard("a"), Event::Stopping(Stop::Signal), guard("b")],
                [0; 4],
                vec!["a", "b"],
            ),
        ];
        for (case, events, [da, th, dth, fin], stops) in cases {
            let mut t = Tally::default();
            events.iter().for_each(|e| t.add(e));
            assert_eq!([t.delete_attempts, t.throttled, t.delete_throttled, t.finished], [da, th, dth, fin], "{case}");
            assert_eq!(t.guard_stops, stops, "{case}");
        }
    }
}
