//! The one configuration step for calls (ripgrep's low-level to high-level arguments): the flags clap has
//! already checked (ranges, defaults) become, once per command, the rate, retry policy and client options of
//! every call the command makes. Nothing after this step checks a range again or writes a default.

use crate::cli::{ConnectArgs, RunArgs, SweepArgs};
use crate::cloud::ClientOptions;
use crate::service::Pace;
use crate::service::retry::RetryPolicy;

/// How a command makes its calls, resolved from its flags.
#[derive(Debug, Clone, Copy)]
pub struct Calls {
    /// Requests per second per (target, operation), the limiter's start; `None` only for the naive
    /// comparison run (no limiter).
    pub rate: Option<f64>,
    /// Attempts and backoff of every call.
    pub policy: RetryPolicy,
    /// Per-attempt timeout; retries are always ours except in the naive comparison.
    pub client: ClientOptions,
}

impl Calls {
    /// From `--rate`, `--max-attempts` and the connection flags.
    pub fn new(rate: f64, max_attempts: u32, connect: &ConnectArgs) -> Calls {
        Calls {
            rate: Some(rate),
            policy: RetryPolicy { max_attempts, ..RetryPolicy::default() },
            client: ClientOptions { attempt_timeout: connect.attempt_timeout, sdk_retries: false },
        }
    }

    /// `plan`, `verify` and `sweep`: the enumeration's pace.
    pub fn of_pace(pace: &SweepArgs, connect: &ConnectArgs) -> Calls {
        Calls::new(pace.rate, pace.max_attempts, connect)
    }

    /// `apply` and `export`.
    pub fn of_run(run: &RunArgs) -> Calls {
        Calls::new(run.rate, run.max_attempts, &run.connect)
    }

    /// The command's [`Pace`] at this rate and policy.
    pub fn pace(&self) -> std::sync::Arc<Pace> {
        Pace::new(self.rate, self.policy)
    }

    /// The benchmark's naive comparison (`apply --naive`): no limiter, one attempt of ours, the SDK's own
    /// standard retries.
    pub fn naive(self) -> Calls {
        Calls {
            rate: None,
            policy: RetryPolicy { max_attempts: 1, ..self.policy },
            client: ClientOptions { sdk_retries: true, ..self.client },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn connect(timeout_ms: u64) -> ConnectArgs {
        ConnectArgs { endpoint_url: None, attempt_timeout: Duration::from_millis(timeout_ms) }
    }

    #[test]
    fn flags_become_the_calls_of_a_command_once() {
        // (rate, max attempts, timeout ms, naive) -> (rate, attempts, sdk retries)
        let table = [
            (5.0, 8, 10_000, false, Some(5.0), 8, false),
            (0.1, 1, 100, false, Some(0.1), 1, false),
            (10_000.0, 100, 600_000, false, Some(10_000.0), 100, false),
            (5.0, 8, 10_000, true, None, 1, true),
        ];
        for (rate, attempts, ms, naive, want_rate, want_attempts, want_sdk) in table {
            let calls = Calls::new(rate, attempts, &connect(ms));
            let calls = if naive { calls.naive() } else { calls };
            assert_eq!(calls.rate, want_rate);
            assert_eq!(calls.policy.max_attempts, want_attempts);
            assert_eq!(calls.policy.base, RetryPolicy::default().base, "backoff is the default's");
            assert_eq!(calls.client.sdk_retries, want_sdk);
            assert_eq!(calls.client.attempt_timeout, Duration::from_millis(ms));
        }
    }
}
