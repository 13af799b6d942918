//! Progress events, as data. The tool's runners (planner, executor, exporter, verify) emit them through its
//! `exec::events::EventSink` and never print; its display (`report::progress`) consumes them.

use crate::journal::{Outcome, Record};
use crate::plan::Kind;

/// What a runner reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A new phase starts with a known number of units (0 if unknown yet).
    Phase {
        /// Short name shown before the counts, e.g. `describing projects`.
        name: String,
        /// Units expected.
        total: u64,
    },
    /// More units became known (e.g. another page of projects).
    AddTotal(u64),
    /// One unit finished.
    Done {
        /// It ended badly (failed item).
        failed: bool,
    },
    /// A plan item got its outcome (sent right after the `Done` it counts as): displays count per kind.
    Finished {
        /// The item's kind.
        kind: Kind,
        /// Its outcome.
        outcome: Outcome,
    },
    /// A call was throttled (429).
    Throttled,
    /// The executor journalled a record (it is in the journal before anyone else sees it; see the tool's
    /// `exec::stream`).
    Record(Record),
    /// The run, or one target of it, stops sending (shown once, as its own line).
    Stopping(Stop),
    /// An item waits for its resource to settle (shown once per status, as its own line).
    Waiting(Waiting),
    /// Something a watching user should see as its own line (the planner's warnings).
    Note(String),
}

/// An item waiting for its resource to leave a status (a dataset in progress, a model starting or training...).
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    /// The item's seq.
    pub seq: u64,
    /// Its region.
    pub region: String,
    /// Its project.
    pub project: String,
    /// Its kind.
    pub kind: Kind,
    /// Its resource (`train`, a model version, the project).
    pub resource: String,
    /// What it waits on: the resource's status, or what blocks it.
    pub status: String,
}

/// Why a run, or one target of it, stops sending new calls.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// A safety guard stopped one target (`Some(index in the plan's targets)`) or the whole run (`None`).
    Guard {
        /// The target stopped, or `None` for the whole run.
        target: Option<usize>,
        /// Why, naming the account and region or the items.
        reason: String,
    },
    /// Ctrl-C or SIGTERM: no new calls; calls in flight get the grace period.
    Signal,
    /// An answer was not the service's (wrong endpoint): the message naming the endpoint.
    WrongEndpoint(String),
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Guard { reason, .. } => write!(f, "stopped by a safety guard: {reason}"),
            Stop::Signal => f.write_str("stopping: no new calls; waiting for calls in flight"),
            Stop::WrongEndpoint(msg) => write!(f, "stopping: {msg}"),
        }
    }
}
