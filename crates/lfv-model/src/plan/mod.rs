//! The plan format and its filters: typed data at the bottom of the import graph (the planner that fills it
//! is the tool's `planner`).
pub mod counts;
pub mod digest;
pub mod file;
pub mod filter;
pub mod format;
pub mod types;
pub mod v1;
pub mod validate;
mod validate_kinds;
pub(crate) mod validate_reach;

pub use format::{Identity, Item, Plan, Selection, Skipped, Target, Unreachable};
pub use types::{DatasetType, DatasetTypes, Kind, Resource, Scope, SkipReason};
