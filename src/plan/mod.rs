//! The plan format, its filters, and the planner that enumerates targets into it.
pub mod filter;
pub mod format;
pub mod planner;
pub mod types;
pub mod v1;
pub mod validate;
#[cfg(test)]
mod validate_props;
#[cfg(test)]
mod validate_tests;

pub use format::{Item, Plan, Selection, Skipped, Target, Unreachable};
pub use types::{DatasetType, Kind, Scope};
