//! The plan format and its filters: typed data at the bottom of the import graph (the planner that fills it
//! is [`crate::planner`]).
pub mod filter;
pub mod format;
pub mod validate;
#[cfg(test)]
mod validate_props;
#[cfg(test)]
mod validate_tests;

pub use format::{Item, Plan, Selection, Skipped, Target};
