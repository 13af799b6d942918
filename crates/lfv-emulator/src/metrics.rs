//! Counters ([`Stats`]) and the bounded request log ([`LogEntry`] ring of [`LOG_CAPACITY`] entries).
//!
//! Each lock is held only to bump counters or push one entry; nothing here awaits.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Counters served at `GET /_emulator/stats`. Operation keys are API operation names (`DeleteDataset`), or
/// `Unknown` for paths that match none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Responses per operation and HTTP status (as a string, e.g. "202"); `"reset"` for dropped connections.
    pub requests: BTreeMap<String, BTreeMap<String, u64>>,
    /// ThrottlingException responses per operation.
    pub throttled: BTreeMap<String, u64>,
    /// Idempotent replays (same token, same parameters, within 8 h) per operation.
    pub replays: BTreeMap<String, u64>,
    /// Injected faults per kind (internal, unavailable, reset, slow, latency).
    pub faults: BTreeMap<String, u64>,
    /// Effective state changes, counted once per real effect (replays excluded).
    pub mutations: Mutations,
    /// Effective dataset deletions per dataset key `account/region/project/type`.
    pub deleted_datasets: BTreeMap<String, u64>,
}

/// Effective state changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mutations {
    /// Datasets really deleted (DeleteDataset accepted, not a replay).
    pub datasets_deleted: u64,
    /// Datasets created.
    pub datasets_created: u64,
    /// Projects created.
    pub projects_created: u64,
    /// Projects deleted.
    pub projects_deleted: u64,
    /// Models stopped.
    pub models_stopped: u64,
    /// Models deleted.
    pub models_deleted: u64,
    /// Tags added or overwritten by TagResource.
    #[serde(default)]
    pub tags_added: u64,
    /// Tags removed by UntagResource.
    #[serde(default)]
    pub tags_removed: u64,
}

/// The Lookout for Vision operations that change state (Create*, Delete*, StopModel, TagResource,
/// UntagResource): what "no mutating call" is checked against.
pub const MUTATING_OPS: [&str; 8] = [
    "CreateProject",
    "DeleteProject",
    "CreateDataset",
    "DeleteDataset",
    "StopModel",
    "DeleteModel",
    "TagResource",
    "UntagResource",
];

impl Stats {
    /// Total responses for one operation, any status.
    pub fn calls(&self, op: &str) -> u64 {
        self.requests.get(op).map(|m| m.values().sum()).unwrap_or(0)
    }
    /// Responses for one operation with one status (e.g. `"202"`).
    pub fn calls_with_status(&self, op: &str, status: &str) -> u64 {
        self.requests.get(op).and_then(|m| m.get(status)).copied().unwrap_or(0)
    }
    /// Requests of mutating operations (Create*, Delete*, StopModel, TagResource, UntagResource) that reached the
    /// emulator, any outcome.
    pub fn mutating_calls(&self) -> u64 {
        MUTATING_OPS.iter().map(|op| self.calls(op)).sum()
    }
}

/// One API request as the emulator saw it, from `GET /_emulator/log`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Arrival order, from 1.
    pub seq: u64,
    /// Wall-clock arrival, milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Operation name.
    pub op: String,
    /// Account resolved from the access key (empty if unauthenticated).
    pub account: String,
    /// Region from the SigV4 scope (empty if unauthenticated).
    pub region: String,
    /// The authenticated caller's ARN, as CloudTrail's `userIdentity.arn`:
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session name>` for a role session (so a call is tied to
    /// its RoleSessionName), `arn:aws:iam::<account>:user/emulator` for a long-term key; absent when the
    /// credentials were refused, and for S3 requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    /// Decoded project name, if the path has one.
    pub project: Option<String>,
    /// Dataset type, if the path has one.
    pub dataset_type: Option<String>,
    /// `X-Amzn-Client-Token`, if sent.
    pub client_token: Option<String>,
    /// Status sent, or 0 for a dropped connection.
    pub status: u16,
    /// Error code sent, if any.
    pub error_code: Option<String>,
}

/// Most log entries kept: 200,000 (the oldest are dropped first).
pub(crate) const LOG_CAPACITY: usize = 200_000;

/// Stats and log of one emulator.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) stats: Mutex<Stats>,
    log: Mutex<VecDeque<LogEntry>>,
    seq: AtomicU64,
}

/// What one finished API request contributes to the log and counters.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) op: &'static str,
    pub(crate) account: String,
    pub(crate) region: String,
    /// The authenticated caller's ARN.
    pub(crate) caller: Option<String>,
    pub(crate) project: Option<String>,
    pub(crate) dataset_type: Option<String>,
    pub(crate) client_token: Option<String>,
    /// 0 for a dropped connection.
    pub(crate) status: u16,
    pub(crate) error_code: Option<&'static str>,
}

impl Outcome {
    /// A fresh outcome of `op` for the log, before the caller is known.
    pub(crate) fn new(op: &'static str) -> Outcome {
        Outcome {
            op,
            account: String::new(),
            region: String::new(),
            caller: None,
            project: None,
            dataset_type: None,
            client_token: None,
            status: 0,
            error_code: None,
        }
    }
}

impl Metrics {
    /// A metrics set starting from saved counters.
    pub(crate) fn with_stats(stats: Stats) -> Metrics {
        Metrics { stats: Mutex::new(stats), ..Metrics::default() }
    }

    /// Lock the counters.
    pub(crate) fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserve the next log sequence number (arrival order).
    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Count and log one finished request that arrived as `seq` at wall-clock `at_ms`.
    pub(crate) fn finish(&self, seq: u64, at_ms: u64, o: Outcome) {
        {
            let mut s = self.stats();
            let status = if o.status == 0 { "reset".to_string() } else { o.status.to_string() };
            match s.requests.get_mut(o.op) {
                Some(m) => *m.entry(status).or_insert(0) += 1,
                None => {
                    s.requests.entry(o.op.to_string()).or_default().insert(status, 1);
                }
            }
            if matches!(o.error_code, Some("ThrottlingException" | "SlowDown")) {
                *s.throttled.entry(o.op.to_string()).or_insert(0) += 1;
            }
        }
        let entry = LogEntry {
            seq,
            at_ms,
            op: o.op.to_string(),
            account: o.account,
            region: o.region,
            caller: o.caller,
            project: o.project,
            dataset_type: o.dataset_type,
            client_token: o.client_token,
            status: o.status,
            error_code: o.error_code.map(String::from),
        };
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// Count an injected fault.
    pub(crate) fn fault(&self, kind: &str) {
        *self.stats().faults.entry(kind.to_string()).or_insert(0) += 1;
    }

    /// Count a replay.
    pub(crate) fn replay(&self, op: &str) {
        *self.stats().replays.entry(op.to_string()).or_insert(0) += 1;
    }

    /// A snapshot of the counters.
    pub(crate) fn snapshot(&self) -> Stats {
        self.stats().clone()
    }

    /// The log, sorted by arrival (`seq`).
    pub(crate) fn log(&self) -> Vec<LogEntry> {
        let mut v: Vec<LogEntry> = self.log.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect();
        v.sort_by_key(|e| e.seq);
        v
    }
}

/// Wall clock, ms since the Unix epoch.
pub(crate) fn wall_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
