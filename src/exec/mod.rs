//! The executor and what it is built from: retry policy, rate limiters, journal, backups, events.
pub mod action;
pub mod backup;
pub mod ctx;
pub mod drift;
pub mod engine;
pub mod events;
pub mod guards;
pub mod item;
pub mod journal;
pub mod kind_io;
pub mod kinds;
pub mod options;
pub mod preserved;
pub mod project;
pub mod queue;
pub mod resume;
pub mod run;
pub mod step;
pub mod stream;

// The limiter and retry policy live in `service`; these paths stay for the code that names them here.
pub use crate::service::{limiter, retry};
