//! Fair scheduling of work across targets: every target progresses at its own quota.
//!
//! Work comes as one queue of units per target (a project to apply, export, verify or describe). A unit may
//! start when its target has fewer than `per_target` units in flight and fewer than `global` units are in
//! flight in all; among the targets that may start, the next one is taken round robin from the one after the
//! target that started last, so with the global cap reached every target gets its turn in order and a slow,
//! throttled or stopped target (whose units wait on its own limiter or end at once) never holds another back.
//! Each unit makes at most one call at a time, so units in flight bound calls in flight.
//!
//! [`Slots`] is the decision, a pure state machine tested by tables; [`run_fair`] is the thin driver that
//! spawns units on tokio and, once `stop` turns true, starts nothing new, gives units in flight `grace`
//! to finish and then drops them.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinSet};

use super::retry::Cancel;

/// How many units may run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Units in flight per target (`--concurrency`; at least 1).
    pub per_target: usize,
    /// Units in flight across all targets (`--max-in-flight`, 256 by default; at least 1).
    pub global: usize,
}

/// Default of [`Caps::global`] (`--max-in-flight`): 256 calls in flight across targets.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;

/// The scheduling decision: which target starts its next unit. Pure: no clock, no I/O.
#[derive(Debug, Clone)]
pub struct Slots {
    caps: Caps,
    in_flight: Vec<usize>,
    total: usize,
    /// The target examined first by the next [`Slots::start`].
    cursor: usize,
}

impl Slots {
    /// Slots for `targets` targets, none in flight; caps below 1 count as 1.
    pub fn new(targets: usize, caps: Caps) -> Self {
        let caps = Caps { per_target: caps.per_target.max(1), global: caps.global.max(1) };
        Self { caps, in_flight: vec![0; targets], total: 0, cursor: 0 }
    }

    /// The next target to start a unit on, among those for which `ready` says work is waiting, and counts
    /// the unit as started; `None` when `global` units are in flight or no ready target is below
    /// `per_target`. Round robin: the search starts after the target that started last.
    pub fn start(&mut self, ready: impl Fn(usize) -> bool) -> Option<usize> {
        let n = self.in_flight.len();
        if self.total >= self.caps.global || n == 0 {
            return None;
        }
        let t =
            (0..n).map(|k| (self.cursor + k) % n).find(|&t| self.in_flight[t] < self.caps.per_target && ready(t))?;
        self.in_flight[t] += 1;
        self.total += 1;
        self.cursor = (t + 1) % n;
        Some(t)
    }

    /// A unit of `target` finished (or was dropped).
    pub fn finish(&mut self, target: usize) {
        if let Some(c) = self.in_flight.get_mut(target)
            && *c > 0
        {
            *c -= 1;
            self.total -= 1;
        }
    }

    /// Make room for `targets` targets (none in flight on the new ones); never shrinks.
    pub fn grow(&mut self, targets: usize) {
        if targets > self.in_flight.len() {
            self.in_flight.resize(targets, 0);
        }
    }

    /// Units of `target` in flight.
    pub fn in_flight(&self, target: usize) -> usize {
        self.in_flight.get(target).copied().unwrap_or(0)
    }
}

/// Run every unit of `queues` (one queue per target, in order) as `work(target, unit)`, at most `caps` at
/// once, fairly (see [`Slots`]). `on_done` sees each unit's result as it ends (a `JoinError` for a unit that
/// panicked or was dropped). Once `stop` is true nothing new starts; units in flight get `grace`, then are
/// dropped.
pub async fn run_fair<U, T, Fut>(
    queues: Vec<VecDeque<U>>,
    caps: Caps,
    stop: &Cancel,
    grace: Duration,
    work: impl FnMut(usize, U) -> Fut,
    on_done: impl FnMut(Result<T, JoinError>),
) where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let (_, closed) = mpsc::unbounded_channel();
    run_fair_fed(queues, closed, caps, stop, grace, work, on_done).await
}

/// [`run_fair`], with more units arriving on `incoming` as `(target, unit)` while it runs (`sweep` queues a
/// project as soon as it is described): it ends once `incoming` is closed and every unit has ended, or once
/// `stop` is true and the units in flight ended or were dropped (units still queued or arriving then are
/// left for a rerun). A target numbered past `queues` gets a queue of its own.
pub async fn run_fair_fed<U, T, Fut>(
    mut queues: Vec<VecDeque<U>>,
    mut incoming: mpsc::UnboundedReceiver<(usize, U)>,
    caps: Caps,
    stop: &Cancel,
    grace: Duration,
    mut work: impl FnMut(usize, U) -> Fut,
    mut on_done: impl FnMut(Result<T, JoinError>),
) where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let mut slots = Slots::new(queues.len(), caps);
    let mut set = JoinSet::new();
    let mut owners = HashMap::new();
    let mut stop = stop.clone();
    let mut deadline: Option<tokio::time::Instant> = None;
    // A dropped sender can never turn the signal true: stop waiting on it rather than spin.
    let mut stop_open = true;
    let mut feeding = true;
    loop {
        if deadline.is_none() && *stop.borrow() {
            deadline = Some(tokio::time::Instant::now() + grace);
        }
        if deadline.is_none() {
            while let Some(t) = slots.start(|t| !queues[t].is_empty()) {
                let unit = queues[t].pop_front().expect("a ready target has work");
                owners.insert(set.spawn(work(t, unit)).id(), t);
            }
        }
        if set.is_empty() && (!feeding || deadline.is_some()) {
            break;
        }
        tokio::select! {
            joined = set.join_next_with_id(), if !set.is_empty() => {
                let Some(joined) = joined else { continue };
                let id = match &joined { Ok((id, _)) => *id, Err(e) => e.id() };
                if let Some(t) = owners.remove(&id) {
                    slots.finish(t);
                }
                on_done(joined.map(|(_, v)| v));
            }
            unit = incoming.recv(), if feeding && deadline.is_none() => match unit {
                Some((t, unit)) => {
                    if t >= queues.len() {
                        queues.resize_with(t + 1, VecDeque::new);
                        slots.grow(t + 1);
                    }
                    queues[t].push_back(unit);
                }
                None => feeding = false,
            },
            closed = async { stop.wait_for(|s| *s).await.is_err() }, if deadline.is_none() && stop_open => {
                stop_open = !closed;
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                set.abort_all();
                while let Some(j) = set.join_next().await {
                    on_done(j);
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests;
