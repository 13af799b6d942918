//! The plan format and the planner.
pub mod filter;
pub mod format;
pub mod planner;

pub use format::{Item, Plan, Selection, Skipped, Target};
