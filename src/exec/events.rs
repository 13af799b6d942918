//! Where runners send their progress events: [`EventSink`], over a tokio channel. The events themselves are
//! data in [`lfv_model::events`], re-exported here; the display in `report::progress` consumes them.

use tokio::sync::mpsc;

pub use lfv_model::events::{Event, Stop, Waiting};

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
