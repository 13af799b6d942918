//! lfv-sunset decommissions Amazon Lookout for Vision datasets in bulk, safely and provably: `plan`
//! enumerates them into a reviewed, versioned JSON plan; `apply` backs each one up and deletes it with
//! rate-limited, idempotent, journalled calls and writes a CSV audit; `verify` proves nothing is left.
//! The service reached end of support on 2025-10-31, so the crate ships an emulator of it.
//!
//! # Layout
//! - [`cli`]: clap definitions only.
//! - [`commands`]: one function per command; prints, asks for confirmation, decides exit codes.
//! - [`error`]: the [`error::Error`] enum and the documented exit codes.
//! - [`escape`]: the one function that makes untrusted text safe to print on a terminal.
//! - [`cloud`]: the only module that sees the AWS SDK: client construction (SDK retries off, timeouts on)
//!   and domain calls returning the crate's own types and [`cloud::CallError`].
//! - [`plan`]: the plan format (versioned, digested, with client tokens) and the filters; typed data that
//!   imports nothing from the modules that talk to services.
//! - [`planner`]: enumerates every target at once (ListProjects, DescribeProject) into a [`plan::Plan`].
//! - [`exec`]: the retry policy, adaptive rate limiters, checkpoint journal, backups, one item's steps
//!   ([`exec::item`]) and the run that schedules them ([`exec::run`]); it emits [`exec::events::Event`]s and
//!   never prints.
//! - [`preserve`]: `project.json`, each project's DescribeProject, models (DescribeModel, tags) and model
//!   packaging jobs, collected through the caller's limiter and retry, written owner-only and verified.
//! - [`convert`]: preserved datasets (the backup tree) into anomalib Folder / MVTec AD layouts, images and
//!   binary masks fetched from S3 through [`cloud::S3Client`] with the executor's limiter and retry.
//! - [`redact`]: the log writer that keeps credentials out of every log line.
//! - [`report`]: consumers of runs: progress display, CSV audit, JSON summary, `leftovers.csv`.
//! - [`service`]: the one caller of Lookout for Vision for every runner: limiters keyed by (target,
//!   operation), retry, cancellation, and the fair scheduler that keeps every target at its own quota.
//! - [`safe_fs`]: creating files and directories owner-only without following planted symlinks, atomic
//!   writes, which names may become path components, and which outputs may not share a file.
//! - [`emulator`]: the local Lookout for Vision service; knows only the wire protocol and imports nothing
//!   from the modules above but [`safe_fs`] (for its state file).

pub mod cli;
pub mod cloud;
pub mod commands;
pub mod convert;
pub mod emulator;
pub mod error;
pub mod escape;
pub mod exec;
pub mod plan;
pub mod planner;
pub mod preserve;
pub mod redact;
pub mod report;
pub mod safe_fs;
pub mod service;
pub mod targets;
