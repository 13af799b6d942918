//! What a run is given ([`RunOptions`]) and what it reports ([`RunResult`]); `exec::run` re-exports both.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::journal::Mode;
use crate::cloud::ClientOptions;
use crate::cloud::identity::Access;
use crate::service::Pace;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Apply, dry run or export.
    pub mode: Mode,
    /// Projects worked on at once per target (`--concurrency`).
    pub concurrency: usize,
    /// Projects, so calls, in flight across every target (`--max-in-flight`); targets share it fairly.
    pub max_in_flight: usize,
    /// The command's limiters, retry policy and call counts (shared with its identity checks and looks).
    pub pace: Arc<Pace>,
    /// Client options.
    pub client: ClientOptions,
    /// `--endpoint-url` override for every target.
    pub endpoint_url: Option<String>,
    /// `--profile` override for every target.
    pub profile: Option<String>,
    /// Backup directory; `None` is `--no-backup`.
    pub backup_dir: Option<PathBuf>,
    /// Bound on waiting for in-progress datasets, conflicts and confirmation.
    pub wait_timeout: Duration,
    /// Re-attempt items whose journalled outcome is `failed`.
    pub retry_failed: bool,
    /// Time in-flight calls get after a stop.
    pub grace: Duration,
    /// Targets refused by the identity check (`targets::check`): no call is made to them and their items stay
    /// pending in the journal.
    pub refused_targets: BTreeSet<usize>,
    /// External id and session name for the roles the plan names.
    pub access: Access,
}

/// What happened in this invocation.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    /// Stopped by a signal.
    pub interrupted: bool,
    /// Stopped or refused by a safety guard (exit 5), and why.
    pub guard_stops: Vec<String>,
    /// Wall time of this invocation.
    pub wall: Duration,
    /// DeleteDataset attempts sent in this invocation.
    pub delete_attempts: u64,
    /// Attempts of any operation answered 429 in this invocation.
    pub throttled: u64,
    /// DeleteDataset attempts answered 429 in this invocation.
    pub delete_throttled: u64,
    /// Attempts per operation in this invocation (every call the run's service sent: for a sweep, its
    /// enumeration's too).
    pub calls: crate::service::CallCounts,
    /// Items given an outcome in this invocation.
    pub finished: u64,
    /// The run stopped because an answer was not the service's (exit 6): the message naming the endpoint.
    /// Items that met it have no outcome, so a rerun against the right endpoint does them.
    pub wrong_endpoint: Option<String>,
    /// Targets that refused the caller's credentials during the run ([`crate::cloud::CallError::refuses_target`]),
    /// each with the message naming it (exit 6): only that target stopped, and the item that met the refusal
    /// and the target's other remaining items have no outcome, so a rerun once it is reachable does them.
    pub unreachable: std::collections::BTreeMap<usize, String>,
}
