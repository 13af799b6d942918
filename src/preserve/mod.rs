//! Preserve before delete, beyond the dataset manifests: `project.json`, the record of one project's
//! DescribeProject, every model version's DescribeModel and tags, and its model packaging jobs.
//!
//! Three parts: [`collect`] gathers the data through a caller-supplied [`Caller`] (the executor's limiter and
//! retry); [`build`] turns it into the document (pure; layout in `document`'s docs and the README); [`write()`]
//! puts it at `<backup-dir>/<account>/<region>/<project>/project.json`, owner-only, atomically, never through
//! a symlink, and verifies it; [`still_valid`] decides whether a resume may reuse it. This module never
//! deletes anything and imports nothing of `exec/`.

mod collect;
mod document;
mod file;

pub use collect::{Caller, OneAttempt, collect, collect_models, collect_packaging_jobs};
pub use document::{Collected, FORMAT, PreservedModel, build};
pub use file::{FILE_NAME, Preserved, path, read, still_valid, to_bytes, write};
