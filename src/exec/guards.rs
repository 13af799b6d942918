//! The safety guards' decision, per target: a pure state machine fed each finished item, tested by a table.
//!
//! - **Circuit breaker**: more than [`BREAKER_MAX_FAILED`] (10) failures among the first [`BREAKER_WINDOW`]
//!   (20) finished items of a target stops that target.
//! - **AccessDenied**: [`ACCESS_DENIED_STOP`] (3) outcomes in a row that answer a call classified as
//!   AccessDenied (the service's 403 AccessDeniedException and the like; not a refusal of the credentials
//!   themselves, which stops the target at once as unreachable: `Ctx::target_unreachable`) on a target stop
//!   that target; the executor passes the kind the call was classified as, carried with the outcome.
//!
//! Each target counts on its own, so a broken account or region stops alone and the others finish.

use std::collections::{HashMap, HashSet};

/// Failures among the first [`BREAKER_WINDOW`] finished items of a target above which the target stops.
pub const BREAKER_MAX_FAILED: u32 = 10;
/// Window of the failure circuit breaker, in finished items per target.
pub const BREAKER_WINDOW: u32 = 20;
/// Consecutive AccessDenied outcomes that stop a target.
pub const ACCESS_DENIED_STOP: u32 = 3;

/// Which guard tripped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trip {
    /// The circuit breaker: more than 10 of the target's first 20 finished items failed.
    Breaker,
    /// Three AccessDenied outcomes in a row on the target.
    AccessDenied,
}

#[derive(Debug, Clone, Default)]
struct Counts {
    finished: u32,
    failed_early: u32,
    denied_in_a_row: u32,
}

/// The guards' counters, per target, and the targets they stopped.
#[derive(Debug, Clone, Default)]
pub struct Guards {
    counts: HashMap<usize, Counts>,
    stopped: HashSet<usize>,
}

impl Guards {
    /// An item of `target` finished, `failed` or not, `denied` (403) or not: the guard that trips now, if
    /// any (each trips once per target; the target is then stopped).
    pub fn record(&mut self, target: usize, failed: bool, denied: bool) -> Option<Trip> {
        let c = self.counts.entry(target).or_default();
        c.finished += 1;
        if failed && c.finished <= BREAKER_WINDOW {
            c.failed_early += 1;
            if c.failed_early == BREAKER_MAX_FAILED + 1 {
                self.stopped.insert(target);
                return Some(Trip::Breaker);
            }
        }
        c.denied_in_a_row = if denied { c.denied_in_a_row + 1 } else { 0 };
        if c.denied_in_a_row == ACCESS_DENIED_STOP {
            self.stopped.insert(target);
            return Some(Trip::AccessDenied);
        }
        None
    }

    /// Stop `target` (a guard outside this table, e.g. a project answering with another account's ARN).
    pub fn stop(&mut self, target: usize) {
        self.stopped.insert(target);
    }

    /// True once `target` is stopped.
    pub fn stopped(&self, target: usize) -> bool {
        self.stopped.contains(&target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finished item: (target, failed, denied).
    type Finished = (usize, bool, bool);
    /// What a case shows, its finished items, and the trips expected as (index of the item, guard).
    type Case = (&'static str, Vec<Finished>, Vec<(usize, Trip)>);

    /// (what, finished items, the trips expected as (index of the item, guard), in order).
    #[test]
    fn each_guard_trips_once_on_its_own_target() {
        let fail = |t| (t, true, false);
        let deny = |t| (t, true, true);
        let ok = |t| (t, false, false);
        let eleven_failures: Vec<_> = (0..11).map(|_| fail(0)).collect();
        let failures_on_two: Vec<_> = (0..20).map(|i| fail(i % 2)).collect();
        let late: Vec<_> = (0..20).map(|_| ok(0)).chain((0..15).map(|_| fail(0))).collect();
        let broken_denials = vec![deny(0), deny(0), ok(0), deny(0), deny(0)];
        let denials_on_two = vec![deny(0), deny(1), deny(0), deny(1), deny(0)];
        let cases: Vec<Case> = vec![
            ("the 11th early failure trips the breaker", eleven_failures, vec![(10, Trip::Breaker)]),
            ("two targets failing 10 each: neither trips (the run-wide breaker tripped here)", failures_on_two, vec![]),
            ("failures after a target's first 20 do not count", late, vec![]),
            ("a success breaks a run of denials", broken_denials, vec![]),
            ("denials count per target", denials_on_two, vec![(4, Trip::AccessDenied)]),
            ("three denials in a row", vec![deny(3), deny(3), deny(3), deny(3)], vec![(2, Trip::AccessDenied)]),
        ];
        for (what, items, want) in cases {
            let mut g = Guards::default();
            let got: Vec<(usize, Trip)> = items
                .iter()
                .enumerate()
                .filter_map(|(i, &(t, failed, denied))| g.record(t, failed, denied).map(|trip| (i, trip)))
                .collect();
            assert_eq!(got, want, "{what}");
            for (i, _) in &want {
                assert!(g.stopped(items[*i].0), "{what}: the tripping target is stopped");
            }
            let others = items.iter().map(|i| i.0).filter(|t| !want.iter().any(|(i, _)| items[*i].0 == *t));
            for t in others {
                assert!(!g.stopped(t), "{what}: target {t} is not stopped");
            }
        }
    }
}
