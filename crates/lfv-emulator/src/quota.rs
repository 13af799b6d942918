//! Request-rate quotas: one token bucket per (account, region, operation).
//!
//! Each bucket holds at most `burst` tokens (minimum 1; `0` means one second of the rate, `ceil(rate)`) and refills continuously at `rate` tokens per second
//! with fractional tokens, measured on the monotonic clock (not the emulator clock, which `advance_clock` can
//! move). A request takes one token or is throttled; a new bucket starts full. `rate = None` admits everything.
//! The rate can change live; existing buckets keep their tokens. The lock is held only for the arithmetic.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug)]
struct Inner {
    rate: Option<f64>,
    /// `None`: one second of the rate.
    fixed_burst: Option<f64>,
    burst: f64,
    buckets: HashMap<String, Bucket>,
}

/// The quota state of one emulator.
#[derive(Debug)]
pub(crate) struct Quota {
    inner: Mutex<Inner>,
}

impl Quota {
    /// Buckets of `burst` tokens (at least 1) refilled at `rate` per second.
    pub(crate) fn new(rate: Option<f64>, burst: u32) -> Quota {
        let fixed_burst = (burst > 0).then_some(f64::from(burst));
        Quota {
            inner: Mutex::new(Inner {
                rate,
                fixed_burst,
                burst: burst_for(fixed_burst, rate),
                buckets: HashMap::new(),
            }),
        }
    }

    /// Change the rate from now on.
    pub(crate) fn set_rate(&self, rate: Option<f64>) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Settle refills at the old rate so the change applies from now, not retroactively.
        if let Some(old) = g.rate {
            let burst = g.burst;
            for b in g.buckets.values_mut() {
                b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * old).min(burst);
                b.last = now;
            }
        }
        g.rate = rate;
        g.burst = burst_for(g.fixed_burst, rate);
    }

    /// Take one token for (account, region, op); `false` means throttle.
    pub(crate) fn try_acquire(&self, account: &str, region: &str, op: &str) -> bool {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Some(rate) = g.rate else { return true };
        let burst = g.burst;
        let now = Instant::now();
        let key = format!("{account}/{region}/{op}");
        let b = g.buckets.entry(key).or_insert(Bucket { tokens: burst, last: now });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate.max(0.0)).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn burst_for(fixed: Option<f64>, rate: Option<f64>) -> f64 {
    fixed.unwrap_or_else(|| rate.map_or(1.0, f64::ceil)).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_throttle_and_unlimited() {
        let q = Quota::new(Some(5.0), 2);
        assert!(q.try_acquire("a", "r", "Op"));
        assert!(q.try_acquire("a", "r", "Op"));
        assert!(!q.try_acquire("a", "r", "Op"));
        assert!(q.try_acquire("a", "r", "Other"));
        assert!(q.try_acquire("b", "r", "Op"));
        q.set_rate(None);
        assert!((0..100).all(|_| q.try_acquire("a", "r", "Op")));
    }

    #[test]
    fn default_burst_is_one_second_of_the_rate() {
        let q = Quota::new(Some(5.0), 0);
        assert_eq!((0..20).filter(|_| q.try_acquire("a", "r", "Op")).count(), 5);
        let q = Quota::new(Some(0.5), 0);
        assert_eq!((0..20).filter(|_| q.try_acquire("a", "r", "Op")).count(), 1);
    }
}
