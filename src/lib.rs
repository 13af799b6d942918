//! lfv-sunset decommissions Amazon Lookout for Vision datasets in bulk, safely and provably: `plan`
//! enumerates them into a reviewed, versioned JSON plan; `apply` backs each one up and deletes it with
//! rate-limited, idempotent, journalled calls and writes a CSV audit; `verify` proves nothing is left.
//! The service reached end of support on 2025-10-31, so the crate ships an emulator of it.
//!
//! # Layout
//! The workspace's crates, bottom up (none imports a crate above it):
//! - `lfv-fs` (`crates/lfv-fs`): owner-only files without following planted symlinks, atomic writes, which
//!   names may become path components and which outputs may not share a file.
//! - `lfv-model` (`crates/lfv-model`): the plan formats, kinds, errors and exit codes, the escape function, the
//!   journal's record schema, the progress events, the ARN parser, the backup tree's layout and the SHA-256
//!   helper; no tokio, no SDK. Re-exported here as [`plan`], [`error`] and [`escape`].
//! - `lfv-emulator` (`crates/lfv-emulator`): the local services; knows only the wire protocols and imports
//!   nothing of the tool but `lfv-fs` (for its state file).
//! - this crate, the tool, whose modules follow.
//!
//! - [`cli`]: clap definitions only.
//! - [`commands`]: one thin function per command: resolves the flags into the runner's options, asks for
//!   confirmation, runs, renders (the only layer that prints) and gives the exit code.
//! - [`cloud`]: the only module that sees the AWS SDK: client construction (SDK retries off, timeouts on)
//!   and domain calls returning the crate's own types and [`cloud::CallError`].
//! - [`planner`]: enumerates every target at once (ListProjects, DescribeProject) into a [`plan::Plan`].
//! - [`exec`]: the retry policy, adaptive rate limiters, checkpoint journal, backups, the one loop every
//!   item runs through ([`exec::engine`]) and the run that schedules them ([`exec::run`]); it emits [`exec::events::Event`]s and
//!   never prints.
//! - [`preserve`]: `project.json`, each project's DescribeProject, models (DescribeModel, tags) and model
//!   packaging jobs, collected through the caller's limiter and retry, written owner-only and verified.
//! - [`convert`]: preserved datasets (the backup tree) into anomalib Folder / MVTec AD layouts, images and
//!   binary masks fetched from S3 through [`cloud::S3Client`] with the executor's limiter and retry.
//! - [`calls`]: the one configuration step: a command's flags become its calls' rate, retry policy and
//!   client options once.
//! - [`identity`]: the endpoints a command visits, the STS identity check of every target, and one client
//!   per target of a plan.
//! - [`reach`]: how `plan` and `sweep` reach their targets (endpoints, roles, the probe, GetCallerIdentity),
//!   and which targets cannot be reached.
//! - [`sweep`]: sweep's runner: its directory, enumeration and execution at once, the sealed plan, and its
//!   exit-code decision.
//! - [`verify`]: verify's runner (for `verify` and the end of `sweep`): what of a plan, or of whole targets,
//!   is left.
//! - [`version`]: which build this is (version and commit), for `--version`, plans and journals.
//! - [`term`]: stderr's habits: `--color` (with `NO_COLOR`, `CLICOLOR_FORCE`) and `--quiet`, decided once.
//! - [`redact`]: the log writer that keeps credentials out of every log line.
//! - [`report`]: consumers of runs: progress display, CSV audit, JSON summary, `leftovers.csv`.
//! - [`schemas`]: the JSON Schemas of the JSON documents (summary, verify, error), generated from their types.
//! - [`service`]: the one caller of Lookout for Vision for every runner: limiters keyed by (target,
//!   operation), retry, cancellation, and the fair scheduler that keeps every target at its own quota.

pub use lfv_model::{error, escape, plan};

pub mod calls;
pub mod cli;
pub mod cloud;
pub mod commands;
pub mod convert;
pub mod exec;
pub mod identity;
pub mod planner;
pub mod preserve;
pub mod reach;
pub mod redact;
pub mod report;
pub mod schemas;
pub mod service;
pub mod sweep;
pub mod targets;
pub mod term;
pub mod verify;
pub mod version;
