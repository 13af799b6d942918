//! lfv-sunset's data model: what the tool's crates exchange, at the bottom of the dependency graph. It holds
//! no tokio, no AWS SDK and no I/O with services (the plan's own file is written through [`lfv_fs`]).
//!
//! # Layout
//! - [`arn`]: the one ARN parser (Lookout for Vision, project and IAM role ARNs).
//! - [`backup_layout`]: the backup tree's directories and file names (manifests, `project.json`).
//! - [`error`]: the [`error::Error`] enum of what a user can get wrong or meet, and the documented exit codes.
//! - [`escape`]: the one function that makes untrusted text safe to print on a terminal.
//! - [`events`]: the progress events runners emit (phases, outcomes, journal records, stops, waits).
//! - [`journal`]: the checkpoint journal's record schema (line formats, modes, outcomes).
//! - [`op`]: the operations the tool calls (Lookout for Vision's and S3's GetObject).
//! - [`plan`]: the plan formats (versioned, digested, with client tokens), kinds, filters and validation.
//! - [`sha256`]: the one SHA-256 helper (lowercase hex of bytes, of a file, of parts).
//! - `testing` (feature `testing`): fixtures for the tests of the crates above.

pub mod arn;
pub mod backup_layout;
pub mod error;
pub mod escape;
pub mod events;
pub mod journal;
pub mod op;
pub mod plan;
pub mod sha256;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
