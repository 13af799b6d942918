//! The executor and what it is built from: retry policy, rate limiters, journal, backups, events.
pub mod backup;
pub mod drift;
pub mod events;
pub mod item;
pub mod journal;
#[cfg(test)]
mod journal_tests;
pub mod limiter;
pub mod resume;
pub mod retry;
pub mod run;
