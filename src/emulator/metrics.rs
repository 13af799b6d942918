//! Counters ([`Stats`]) and the bounded request log ([`LogEntry`] ring of [`LOG_CAPACITY`] entries).
//!
//! Each lock is held only to bump counters or push one entry; nothing here awaits.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{LogEntry, Stats};

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
    pub(crate) project: Option<String>,
    pub(crate) dataset_type: Option<String>,
    pub(crate) client_token: Option<String>,
    /// 0 for a dropped connection.
    pub(crate) status: u16,
    pub(crate) error_code: Option<&'static str>,
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
