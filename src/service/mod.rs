//! The one place that talks to Lookout for Vision for the tool's runners (planner, executor, export,
//! verify): rate limiters keyed by [`LimitKey`] (target, operation), the retry policy, cancellation, and
//! fair scheduling of work across targets ([`schedule`]). SDK types stay in `cloud`; this module sees only
//! the crate's own [`crate::cloud::Client`] calls.
pub mod limiter;
pub mod retry;
pub mod schedule;
