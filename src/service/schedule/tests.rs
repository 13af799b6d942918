//! Tables for [`Slots`] and paused-clock runs of [`run_fair`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::*;

#[derive(Debug, Clone, Copy)]
enum Op {
    /// `start` with these targets ready answers this.
    Start(&'static [usize], Option<usize>),
    Finish(usize),
}
use Op::{Finish, Start};

const ALL3: &[usize] = &[0, 1, 2];

#[test]
fn slots_start_targets_round_robin_within_both_caps() {
    let cases: &[(&str, usize, Caps, &[Op])] = &[
        (
            "the global cap reached, each target gets its turn in order",
            3,
            Caps { per_target: 5, global: 2 },
            &[
                Start(ALL3, Some(0)),
                Start(ALL3, Some(1)),
                Start(ALL3, None),
                Finish(0),
                Start(ALL3, Some(2)),
                Finish(1),
                Start(ALL3, Some(0)),
            ],
        ),
        (
            "the per-target cap holds a busy target while others start",
            2,
            Caps { per_target: 2, global: 10 },
            &[
                Start(&[0], Some(0)),
                Start(&[0], Some(0)),
                Start(&[0], None),
                Start(&[0, 1], Some(1)),
                Finish(0),
                Start(&[0], Some(0)),
            ],
        ),
        (
            "a target with nothing ready (stopped, or done) is passed over",
            3,
            Caps { per_target: 1, global: 3 },
            &[
                Start(&[0, 2], Some(0)),
                Start(&[0, 2], Some(2)),
                Start(&[0, 2], None),
                Finish(2),
                Start(&[1, 2], Some(1)),
            ],
        ),
        (
            "a first target with much work does not take every slot",
            3,
            Caps { per_target: 8, global: 6 },
            &[
                Start(ALL3, Some(0)),
                Start(ALL3, Some(1)),
                Start(ALL3, Some(2)),
                Start(ALL3, Some(0)),
                Start(ALL3, Some(1)),
                Start(ALL3, Some(2)),
                Start(ALL3, None),
            ],
        ),
        (
            "caps below 1 count as 1",
            2,
            Caps { per_target: 0, global: 0 },
            &[Start(&[0, 1], Some(0)), Start(&[0, 1], None)],
        ),
        ("no targets", 0, Caps { per_target: 1, global: 1 }, &[Start(&[], None)]),
        (
            "finishing a target with nothing in flight changes nothing",
            2,
            Caps { per_target: 1, global: 1 },
            &[Finish(1), Start(&[0, 1], Some(0)), Finish(1), Start(&[0, 1], None)],
        ),
    ];
    for (name, targets, caps, ops) in cases {
        let mut slots = Slots::new(*targets, *caps);
        for (i, op) in ops.iter().enumerate() {
            match *op {
                Start(ready, want) => assert_eq!(slots.start(|t| ready.contains(&t)), want, "{name}: op {i}"),
                Finish(t) => slots.finish(t),
            }
        }
    }
}

/// Target 0 is slow (each unit takes 100 s, like a target throttled down to a crawl); targets 1 and 2 take
/// 1 s a unit. With target 0 first in the plan and holding as many units as the global cap, every unit of the
/// fast targets still finishes before target 0's first does. A run that took units in plan order under one
/// semaphore would finish none of them before 100 s.
#[tokio::test(start_paused = true)]
async fn a_slow_target_does_not_hold_the_others_back() {
    let queues: Vec<VecDeque<u32>> = vec![(0..4).collect(), (0..3).collect(), (0..3).collect()];
    let (_tx, stop) = watch::channel(false);
    let finished = Arc::new(Mutex::new(Vec::new()));
    let log = finished.clone();
    let t0 = tokio::time::Instant::now();
    run_fair(
        queues,
        Caps { per_target: 2, global: 4 },
        &stop,
        Duration::from_secs(1),
        move |t, _unit| {
            let log = log.clone();
            async move {
                tokio::time::sleep(Duration::from_secs(if t == 0 { 100 } else { 1 })).await;
                log.lock().unwrap().push((t, t0.elapsed().as_secs()));
                t
            }
        },
        |r| assert!(r.is_ok()),
    )
    .await;
    let finished = finished.lock().unwrap().clone();
    assert_eq!(finished.len(), 10, "every unit ran: {finished:?}");
    let first_slow = finished.iter().position(|(t, _)| *t == 0).unwrap();
    assert_eq!(first_slow, 6, "all six fast units finish before the slow target's first: {finished:?}");
    let fast_done = finished.iter().filter(|(t, _)| *t != 0).map(|(_, s)| *s).max().unwrap();
    assert_eq!(fast_done, 3, "two fast targets, one unit each at a time, three units each: {finished:?}");
}

/// Once the stop signal is set nothing new starts, and units in flight are dropped after the grace.
#[tokio::test(start_paused = true)]
async fn a_stop_starts_nothing_new_and_drops_stragglers_after_grace() {
    let queues: Vec<VecDeque<u32>> = vec![(0..5).collect(), (0..5).collect()];
    let (tx, stop) = watch::channel(false);
    let tx = Arc::new(tx);
    let started = Arc::new(Mutex::new(0));
    let (s2, tx2) = (started.clone(), tx.clone());
    let mut dropped = 0;
    let mut ok = 0;
    run_fair(
        queues,
        Caps { per_target: 1, global: 2 },
        &stop,
        Duration::from_secs(5),
        move |t, unit| {
            *s2.lock().unwrap() += 1;
            let tx = tx2.clone();
            async move {
                if t == 1 && unit == 1 {
                    let _ = tx.send(true);
                }
                tokio::time::sleep(Duration::from_secs(if t == 0 { 1 } else { 60 })).await;
            }
        },
        |r| if r.is_ok() { ok += 1 } else { dropped += 1 },
    )
    .await;
    let started = *started.lock().unwrap();
    assert_eq!(started, 7, "target 0's five units, target 1's first two; nothing after the stop");
    assert_eq!(ok + dropped, started, "every started unit was reported");
    assert_eq!(dropped, 1, "target 1's unit in flight outlived the grace");
}
