//! Progress events. Runners (planner, executor, exporter, verify) emit them and never print; the display in
//! `report::progress` consumes them.

use tokio::sync::mpsc;

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
    /// A call was throttled (429).
    Throttled,
    /// Something a watching user should see as its own line (waits, stops, warnings).
    Note(String),
}

/// Where a runner sends its events; sending never blocks and never fails the runner.
#[derive(Debug, Clone, Default)]
pub struct EventSink(Option<mpsc::UnboundedSender<Event>>);

impl EventSink {
    /// A sink and the receiver a display reads.
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self(Some(tx)), rx)
    }
    /// A sink that drops everything.
    pub fn none() -> Self {
        Self(None)
    }
    /// Send an event.
    pub fn send(&self, e: Event) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(e);
        }
    }
    /// Send a note.
    pub fn note(&self, text: impl Into<String>) {
        self.send(Event::Note(text.into()));
    }
}
