//! Client-side rate limiting: one adaptive governor limiter per (account, region, operation).
//!
//! Each limiter paces calls at its current rate with a burst of 1 (governor's GCRA), starting at the target
//! rate (`--rate`, 5 requests/s by default: the service's documented quota per operation, account and
//! region). The rate adapts (AIMD):
//! - on a ThrottlingException the rate is multiplied by [`DECREASE_FACTOR`] (0.7), at most once per
//!   [`COOLDOWN`] (1 s) so one burst of 429s counts once, and never below [`MIN_RATE`] (0.5/s), or the target
//!   if that is lower (`--rate` goes down to 0.1/s);
//! - after [`COOLDOWN`] without throttling, each success raises it by [`INCREASE_SHARE`] (5%) of the target
//!   (at least 0.25/s) per elapsed [`COOLDOWN`], up to the target.
//!
//! So a `--rate` above what the service really allows converges to just under the real quota. The AIMD
//! arithmetic is a pure state machine ([`Aimd`]) driven by explicit instants, so it is tested without clocks.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// Factor applied to the rate on throttling.
pub const DECREASE_FACTOR: f64 = 0.7;
/// Share of the target rate added per cooldown period without throttling.
pub const INCREASE_SHARE: f64 = 0.05;
/// Minimum spacing between two rate changes.
pub const COOLDOWN: Duration = Duration::from_secs(1);
/// The rate never goes below this (requests/s), or below the target if that is lower.
pub const MIN_RATE: f64 = 0.5;
/// Governor rates are held within 0.01 and 1,000,000 requests/s (a period of 1 µs at most): governor refuses a
/// zero period, which a rate above about 1e9/s would round to.
const GOVERNED_RATES: (f64, f64) = (0.01, 1_000_000.0);

/// The AIMD rule, without clocks or limiters.
#[derive(Debug, Clone)]
pub struct Aimd {
    target: f64,
    rate: f64,
    last_change: Option<Instant>,
    last_throttle: Option<Instant>,
}

impl Aimd {
    /// Start at the target rate.
    pub fn new(target: f64) -> Self {
        Self { target, rate: target, last_change: None, last_throttle: None }
    }
    /// Current rate (requests/s).
    pub fn rate(&self) -> f64 {
        self.rate
    }
    /// A call was throttled at `now`; returns the new rate if it changed.
    pub fn on_throttle(&mut self, now: Instant) -> Option<f64> {
        self.last_throttle = Some(now);
        if self.last_change.is_some_and(|t| now.duration_since(t) < COOLDOWN) {
            return None;
        }
        let new = (self.rate * DECREASE_FACTOR).max(MIN_RATE.min(self.target));
        self.last_change = Some(now);
        (new != self.rate).then(|| {
            self.rate = new;
            new
        })
    }
    /// A call succeeded at `now`; returns the new rate if it changed.
    pub fn on_success(&mut self, now: Instant) -> Option<f64> {
        if self.rate >= self.target {
            return None;
        }
        let quiet_since = match (self.last_change, self.last_throttle) {
            (Some(c), Some(t)) => c.max(t),
            (Some(c), None) => c,
            (None, Some(t)) => t,
            (None, None) => return None,
        };
        if now.duration_since(quiet_since) < COOLDOWN {
            return None;
        }
        let step = (self.target * INCREASE_SHARE).max(0.25);
        self.rate = (self.rate + step).min(self.target);
        self.last_change = Some(now);
        Some(self.rate)
    }
}

/// A rate limiter whose rate follows [`Aimd`]. `None` target means unlimited.
#[derive(Debug)]
pub struct AdaptiveLimiter {
    inner: Option<Mutex<(Aimd, Arc<DefaultDirectRateLimiter>)>>,
}

fn governor_for(rate: f64) -> Arc<DefaultDirectRateLimiter> {
    let rate = if rate.is_nan() { MIN_RATE } else { rate.clamp(GOVERNED_RATES.0, GOVERNED_RATES.1) };
    let period = Duration::from_secs_f64(1.0 / rate);
    let quota = Quota::with_period(period).expect("period is positive").allow_burst(NonZeroU32::MIN);
    Arc::new(RateLimiter::direct(quota))
}

impl AdaptiveLimiter {
    /// A limiter at `rate` requests/s (`None`: unlimited).
    pub fn new(rate: Option<f64>) -> Self {
        Self { inner: rate.map(|r| Mutex::new((Aimd::new(r), governor_for(r)))) }
    }
    /// Wait for a permit. A rate change replaces the governor; a waiter woken by a replaced one waits again
    /// on the current one, so calls queued before a decrease do not go out at the old pace (which used to let
    /// through up to twice the new rate for `concurrency / old rate` seconds).
    pub async fn acquire(&self) {
        let Some(inner) = &self.inner else { return };
        // Bounded: a rate changes at most once per COOLDOWN, so a few rounds always suffice.
        for _ in 0..64 {
            let limiter = inner.lock().expect("limiter lock").1.clone();
            limiter.until_ready().await;
            if Arc::ptr_eq(&limiter, &inner.lock().expect("limiter lock").1) {
                return;
            }
        }
    }
    /// Report a throttled call.
    pub fn on_throttle(&self) {
        self.update(|a, now| a.on_throttle(now));
    }
    /// Report a successful call.
    pub fn on_success(&self) {
        self.update(|a, now| a.on_success(now));
    }
    /// Current rate, if limited.
    pub fn rate(&self) -> Option<f64> {
        self.inner.as_ref().map(|m| m.lock().expect("limiter lock").0.rate())
    }
    fn update(&self, f: impl FnOnce(&mut Aimd, Instant) -> Option<f64>) {
        let Some(inner) = &self.inner else { return };
        let mut guard = inner.lock().expect("limiter lock");
        if let Some(rate) = f(&mut guard.0, Instant::now()) {
            guard.1 = governor_for(rate);
        }
    }
}

/// (account or profile, region, operation).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_below_the_floor_is_kept_and_extreme_rates_do_not_panic() {
        let t = Instant::now();
        let mut a = Aimd::new(0.1);
        assert_eq!(a.on_throttle(t), None, "throttling never raises the rate");
        assert_eq!(a.rate(), 0.1);
        for r in [1e9, 1e12, f64::INFINITY, f64::NAN, 0.0, -1.0, 1e-300] {
            governor_for(r);
        }
    }

    #[test]
    fn aimd_decreases_once_per_cooldown_and_recovers_to_target() {
        let t0 = Instant::now();
        let mut a = Aimd::new(50.0);
        assert_eq!(a.on_throttle(t0), Some(35.0));
        // A burst of 429s within the cooldown counts once.
        assert_eq!(a.on_throttle(t0 + Duration::from_millis(300)), None);
        assert_eq!(a.rate(), 35.0);
        assert_eq!(a.on_throttle(t0 + Duration::from_millis(1100)), Some(24.5));
        // No recovery while throttles are recent.
        assert_eq!(a.on_success(t0 + Duration::from_millis(1500)), None);
        let mut t = t0 + Duration::from_millis(2200);
        let mut steps = 0;
        while a.rate() < 50.0 && steps < 100 {
            a.on_success(t);
            t += COOLDOWN;
            steps += 1;
        }
        assert_eq!(a.rate(), 50.0);
        // 24.5 -> 50 in steps of 2.5: 11 steps.
        assert_eq!(steps, 11);
        assert_eq!(a.on_success(t), None);
    }

    #[test]
    fn aimd_never_below_minimum() {
        let mut a = Aimd::new(1.0);
        let t0 = Instant::now();
        for i in 0..20 {
            a.on_throttle(t0 + COOLDOWN * i);
        }
        assert_eq!(a.rate(), MIN_RATE);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_rate_decrease_applies_to_calls_already_waiting() {
        let l = Arc::new(AdaptiveLimiter::new(Some(20.0)));
        let permits = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let (l, permits) = (l.clone(), permits.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..20 {
                    l.acquire().await;
                    permits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        l.on_throttle();
        assert_eq!(l.rate(), Some(14.0));
        let before = permits.load(std::sync::atomic::Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let in_next_second = permits.load(std::sync::atomic::Ordering::SeqCst) - before;
        for t in tasks {
            t.abort();
        }
        // An upper bound only (a slow machine gives fewer): 14/s plus one permit of slack for the fresh
        // governor. Before waiters moved to the new governor this was about 34.
        assert!(in_next_second <= 16, "{in_next_second} permits in the second after lowering to 14/s");
    }

    #[tokio::test]
    async fn limiter_paces_at_rate() {
        let l = AdaptiveLimiter::new(Some(200.0));
        let start = Instant::now();
        for _ in 0..21 {
            l.acquire().await;
        }
        // 20 intervals of 5 ms: at least 100 ms, whatever the machine's load.
        assert!(start.elapsed() >= Duration::from_millis(95), "{:?}", start.elapsed());
    }
}
