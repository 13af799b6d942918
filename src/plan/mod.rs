//! The plan format, its filters, and the planner that enumerates targets into it.
pub mod filter;
pub mod format;
pub mod planner;
pub mod validate;
#[cfg(test)]
mod validate_props;
#[cfg(test)]
mod validate_tests;

pub use format::{Identity, Item, Plan, Selection, Skipped, Target, Unreachable};
