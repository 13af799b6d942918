//! The executor.
pub mod backup;
pub mod events;
pub mod journal;
pub mod limiter;
pub mod retry;
pub mod run;
