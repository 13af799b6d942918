//! The one retry policy of the tool, used by the planner, the executor, the exporter and verify.
//!
//! Retried: ThrottlingException (429), 500/502/503/504, attempt timeouts and dropped or refused connections.
//! Not retried: 400, 402, 403, 404, 409 (the caller decides what they mean), and answers that are not the
//! service's (`ErrorKind::Foreign`: a wrong endpoint does not become right by asking again).
//!
//! Backoff is exponential with full jitter: before attempt `n + 1` the wait is uniform in
//! `[0, min(cap, base * 2^(n-1))]` with base 250 ms and cap 20 s (so at most 0.25, 0.5, 1, 2, 4, 8, 16, 20 s),
//! and never shorter than the `Retry-After` the service sent. Every attempt first takes a permit from the
//! operation's [`AdaptiveLimiter`]; a 429 lowers that limiter's rate, a success lets it recover.
//! At most `max_attempts` attempts (8 by default).

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use tokio::sync::watch;

use super::limiter::AdaptiveLimiter;
use crate::cloud::{CallError, ErrorKind};

/// Default number of attempts per call.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// Backoff parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per call, including the first (at least 1).
    pub max_attempts: u32,
    /// Base of the exponential backoff.
    pub base: Duration,
    /// Cap of a single backoff.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: DEFAULT_MAX_ATTEMPTS, base: Duration::from_millis(250), cap: Duration::from_secs(20) }
    }
}

impl RetryPolicy {
    /// The ceiling of the jittered wait after failed attempt `attempt` (1-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.base.saturating_mul(exp).min(self.cap)
    }
    /// The wait after failed attempt `attempt`: full jitter under [`Self::ceiling`], at least `retry_after`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(attempt);
        let jittered = Duration::from_secs_f64(rng.random_range(0.0..=ceiling.as_secs_f64()));
        jittered.max(retry_after.unwrap_or_default())
    }
}

/// One attempt as it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// 1-based attempt number.
    pub number: u32,
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// The error, or `None` on success.
    pub error: Option<CallError>,
}

/// Counters of one call's attempts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttemptStats {
    /// Attempts made.
    pub attempts: u32,
    /// Attempts answered with 429.
    pub throttled: u32,
    /// When the first attempt was sent.
    pub first_at: Option<DateTime<Utc>>,
}

/// How a retried call ended.
#[derive(Debug)]
pub enum Retried<T> {
    /// Success.
    Ok(T),
    /// A non-retryable error, or the last attempt's retryable one.
    Failed(CallError),
    /// Cancellation was requested before the next attempt; nothing more was sent.
    Cancelled,
}

impl<T> Retried<T> {
    /// The value of a success turned by `f`; a failure or cancellation as it is.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Retried<U> {
        match self {
            Retried::Ok(v) => Retried::Ok(f(v)),
            Retried::Failed(e) => Retried::Failed(e),
            Retried::Cancelled => Retried::Cancelled,
        }
    }

    /// For reads of something that may be gone: the service's 404 (`ResourceNotFoundException`, the only
    /// [`ErrorKind::NotFound`]) becomes a successful `None`; any other failure stays one.
    pub fn found(self) -> Retried<Option<T>> {
        match self {
            Retried::Ok(v) => Retried::Ok(Some(v)),
            Retried::Failed(e) if e.kind == ErrorKind::NotFound => Retried::Ok(None),
            Retried::Failed(e) => Retried::Failed(e),
            Retried::Cancelled => Retried::Cancelled,
        }
    }
}

/// A cancellation signal: `true` once the run should stop sending.
pub type Cancel = watch::Receiver<bool>;

/// Run `call` under `limiter` with `policy`. `on_attempt` sees every attempt as it ends (the executor
/// journals them). Stops early, without sending, once `cancel` turns true.
pub async fn with_retry<T, F, Fut>(
    limiter: &AdaptiveLimiter,
    policy: &RetryPolicy,
    cancel: &Cancel,
    stats: &mut AttemptStats,
    mut on_attempt: impl FnMut(&Attempt),
    mut call: F,
) -> Retried<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    let mut cancel = cancel.clone();
    for number in 1..=policy.max_attempts.max(1) {
        if *cancel.borrow() {
            return Retried::Cancelled;
        }
        tokio::select! {
            _ = limiter.acquire() => {}
            _ = cancel.wait_for(|c| *c) => return Retried::Cancelled,
        }
        let at = Utc::now();
        stats.attempts += 1;
        stats.first_at.get_or_insert(at);
        let result = call().await;
        match result {
            Ok(v) => {
                limiter.on_success();
                on_attempt(&Attempt { number, at, error: None });
                return Retried::Ok(v);
            }
            Err(e) => {
                if e.kind == ErrorKind::Throttling {
                    stats.throttled += 1;
                    limiter.on_throttle();
                }
                on_attempt(&Attempt { number, at, error: Some(e.clone()) });
                if !e.is_retryable() || number == policy.max_attempts {
                    return Retried::Failed(e);
                }
                let wait = policy.delay(number, e.retry_after, &mut rand::rng());
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = cancel.wait_for(|c| *c) => return Retried::Cancelled,
                }
            }
        }
    }
    unreachable!("the loop returns on its last attempt")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    fn err(kind: ErrorKind, retry_after: Option<u64>) -> CallError {
        CallError {
            kind,
            status: None,
            code: None,
            message: String::new(),
            retry_after: retry_after.map(Duration::from_secs),
            request_id: None,
        }
    }

    #[test]
    fn schedule_doubles_to_the_cap() {
        let p = RetryPolicy::default();
        let ms: Vec<u128> = (1..=9).map(|a| p.ceiling(a).as_millis()).collect();
        assert_eq!(ms, [250, 500, 1000, 2000, 4000, 8000, 16000, 20000, 20000]);
    }

    #[test]
    fn delay_is_jittered_but_never_before_retry_after() {
        let p = RetryPolicy::default();
        let mut rng = SmallRng::seed_from_u64(7);
        let mut distinct = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let d = p.delay(3, None, &mut rng);
            assert!(d <= Duration::from_secs(1));
            distinct.insert(d.as_micros());
            assert!(p.delay(1, Some(Duration::from_secs(1)), &mut rng) >= Duration::from_secs(1));
        }
        assert!(distinct.len() > 100, "full jitter spreads the waits");
    }

    #[tokio::test(start_paused = true)]
    async fn retries_retryable_until_success_and_stops_on_others() {
        let limiter = AdaptiveLimiter::new(None);
        let policy = RetryPolicy::default();
        let (_tx, cancel) = watch::channel(false);
        let mut stats = AttemptStats::default();
        let mut n = 0;
        let r = with_retry(
            &limiter,
            &policy,
            &cancel,
            &mut stats,
            |_| {},
            || {
                n += 1;
                let k = n;
                async move {
                    match k {
                        1 => Err(err(ErrorKind::Throttling, Some(1))),
                        2 => Err(err(ErrorKind::Server, None)),
                        _ => Ok(k),
                    }
                }
            },
        )
        .await;
        assert!(matches!(r, Retried::Ok(3)));
        assert_eq!((stats.attempts, stats.throttled), (3, 1));

        let mut stats = AttemptStats::default();
        let r: Retried<()> = with_retry(
            &limiter,
            &policy,
            &cancel,
            &mut stats,
            |_| {},
            || async { Err(err(ErrorKind::Conflict, None)) },
        )
        .await;
        assert!(matches!(r, Retried::Failed(e) if e.kind == ErrorKind::Conflict));
        assert_eq!(stats.attempts, 1);

        let mut stats = AttemptStats::default();
        let r: Retried<()> =
            with_retry(&limiter, &policy, &cancel, &mut stats, |_| {}, || async { Err(err(ErrorKind::Timeout, None)) })
                .await;
        assert!(matches!(r, Retried::Failed(e) if e.kind == ErrorKind::Timeout));
        assert_eq!(stats.attempts, DEFAULT_MAX_ATTEMPTS);
    }

    #[test]
    fn found_turns_only_a_404_into_absent() {
        assert!(matches!(Retried::Ok(1).found(), Retried::Ok(Some(1))));
        assert!(matches!(Retried::<u8>::Failed(err(ErrorKind::NotFound, None)).found(), Retried::Ok(None)));
        let r = Retried::<u8>::Failed(err(ErrorKind::AccessDenied, None)).found();
        assert!(matches!(r, Retried::Failed(e) if e.kind == ErrorKind::AccessDenied));
        assert!(matches!(Retried::<u8>::Cancelled.found(), Retried::Cancelled));
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_stops_before_the_next_attempt() {
        let limiter = AdaptiveLimiter::new(None);
        let (tx, cancel) = watch::channel(false);
        let mut stats = AttemptStats::default();
        let r: Retried<()> = with_retry(
            &limiter,
            &RetryPolicy::default(),
            &cancel,
            &mut stats,
            |_| {},
            || {
                let _ = tx.send(true);
                async { Err(err(ErrorKind::Server, Some(5))) }
            },
        )
        .await;
        assert!(matches!(r, Retried::Cancelled));
        assert_eq!(stats.attempts, 1);
    }
}
