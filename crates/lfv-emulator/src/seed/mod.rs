//! The emulator's seed format: the accounts, regions, projects, datasets and models it starts with, and the
//! generator behind `--seed-projects N`. [`validate`] (in `check.rs`) is the one check of a seed file's
//! values (names, types, statuses, timestamps, duplicates, bounds). The format is documented in the README
//! ("Emulator seed format").

//!
//! Files, each importing only those below it: `types.rs` (the format), `derive.rs` (hashes), `model.rs` and
//! `check.rs` (validation), `generate_models.rs` and `generate.rs` (the generator), `org.rs` (the
//! organisation's checks and generator).

mod check;
mod derive;
pub(crate) mod generate;
mod generate_models;
pub(crate) mod model;
pub mod org;
mod types;

pub use check::validate;
pub use types::*;
