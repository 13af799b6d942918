//! The plan format and its filters: typed data at the bottom of the import graph (the planner that fills it
//! is [`crate::planner`]).
pub mod filter;
pub mod format;
#[cfg(test)]
pub(crate) mod test_item;
pub mod types;
pub mod v1;
pub mod validate;
#[cfg(test)]
mod validate_fixtures;
mod validate_kinds;
#[cfg(test)]
mod validate_kinds_tests;
#[cfg(test)]
mod validate_props;
pub(crate) mod validate_reach;
#[cfg(test)]
mod validate_tests;

pub use format::{Identity, Item, Plan, Selection, Skipped, Target, Unreachable};
pub use types::{DatasetType, Kind, Scope};
