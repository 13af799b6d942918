//! `--metrics-file FILE`: a run's figures in Prometheus's text format (0.0.4, encoded by `prometheus-client`),
//! for node_exporter's textfile collector. The file is written atomically (a temporary file in the same
//! directory, renamed over it), readable by the collector's user (mode 0644: it holds counts and no data),
//! also when the command fails (then with its exit code and no counts). Every series is a gauge labelled with
//! the `command`:
//!
//! | series | labels | value |
//! |---|---|---|
//! | `lfv_sunset_items` | `kind`, `outcome` | the plan's items per kind and outcome, over every run of it |
//! | `lfv_sunset_left` | `kind` | what verify found left, per kind |
//! | `lfv_sunset_outside_scope` | `what` | what remains outside verify's scope (`projects`, `model_versions`, `hosted`, `inference_units`) |
//! | `lfv_sunset_inference_units_stopped` | | inference units the run's `stop_model` items stopped |
//! | `lfv_sunset_throttled_calls` | | calls answered 429 in this run |
//! | `lfv_sunset_duration_seconds` | | this run's wall time |
//! | `lfv_sunset_exit_code` | | the code the command ends with |
//! | `lfv_sunset_last_success_timestamp_seconds` | | when the command last ended 0 (kept from the file's previous content when this run did not) |

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::prometheus_text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::error::{Error, Result};

/// The series' common prefix.
const PREFIX: &str = "lfv_sunset";
/// The series kept from a previous file.
const LAST_SUCCESS: &str = "lfv_sunset_last_success_timestamp_seconds";

/// What one command run measured (see the module docs); `None` and empty maps are series not written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunMetrics {
    /// `apply`, `export`, `verify` or `sweep`.
    pub command: String,
    /// Items per (kind, outcome).
    pub items: BTreeMap<(String, String), u64>,
    /// What verify found left, per kind.
    pub left: BTreeMap<String, u64>,
    /// What remains outside verify's scope (`projects`, ...), when it was measured.
    pub outside: BTreeMap<String, u64>,
    /// Inference units stopped.
    pub inference_units_stopped: Option<u64>,
    /// Calls answered 429.
    pub throttled: Option<u64>,
    /// Wall time in seconds.
    pub duration_s: f64,
    /// The exit code.
    pub exit_code: u8,
}

impl RunMetrics {
    /// A run's figures from its summary (`command`: `apply`, `export` or `sweep`).
    pub fn of_summary(command: &str, s: &super::summary::Summary) -> Self {
        let items = s
            .outcomes_by_kind
            .iter()
            .flat_map(|(k, by)| by.iter().map(move |(o, n)| ((k.as_str().to_string(), o.as_str().to_string()), *n)))
            .collect();
        RunMetrics {
            command: command.into(),
            items,
            inference_units_stopped: Some(s.inference_units_stopped),
            throttled: Some(s.throttled),
            duration_s: s.wall_time_s,
            exit_code: s.exit_code,
            ..RunMetrics::default()
        }
    }

    /// Add what a verify found left and what remains outside its scope (when it was measured).
    pub fn with_verify(mut self, left: BTreeMap<String, u64>, outside: Option<BTreeMap<String, u64>>) -> Self {
        self.left = left;
        self.outside = outside.unwrap_or_default();
        self
    }
}

type Labels = Vec<(String, String)>;

/// The file's text for `m`, with `last_success` (Unix seconds) if known.
pub fn render(m: &RunMetrics, last_success: Option<f64>) -> String {
    let mut registry = Registry::with_prefix(PREFIX);
    let command = || vec![("command".to_string(), m.command.clone())];
    let mut gauge = |name: &str, help: &str, values: Vec<(Labels, f64)>| {
        if values.is_empty() {
            return;
        }
        let family = Family::<Labels, Gauge<f64, AtomicU64>>::default();
        for (labels, v) in values {
            family.get_or_create(&labels).set(v);
        }
        registry.register(name, help, family);
    };
    let with = |extra: Vec<(&str, &str)>| {
        let mut l = command();
        l.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v.to_string())));
        l
    };
    let items = m.items.iter().map(|((k, o), n)| (with(vec![("kind", k), ("outcome", o)]), *n as f64)).collect();
    gauge("items", "The plan's items per kind and outcome, over every run of it", items);
    let left = m.left.iter().map(|(k, n)| (with(vec![("kind", k)]), *n as f64)).collect();
    gauge("left", "What verify found left, per kind", left);
    let outside = m.outside.iter().map(|(w, n)| (with(vec![("what", w)]), *n as f64)).collect();
    gauge("outside_scope", "What remains outside verify's scope, measured by its own calls", outside);
    let one = |v: Option<f64>| v.map(|v| vec![(command(), v)]).unwrap_or_default();
    gauge("inference_units_stopped", "Inference units stopped", one(m.inference_units_stopped.map(|u| u as f64)));
    gauge("throttled_calls", "Calls answered 429 in this run", one(m.throttled.map(|t| t as f64)));
    gauge("duration_seconds", "This run's wall time in seconds", one(Some(m.duration_s)));
    gauge("exit_code", "The exit code the command ended with", one(Some(f64::from(m.exit_code))));
    gauge("last_success_timestamp_seconds", "When the command last ended with exit code 0", one(last_success));
    let mut text = String::new();
    encode(&mut text, &registry).expect("writing to a String cannot fail");
    text
}

/// The last-success time of `command` in the text of an earlier file, if it has one.
pub fn previous_success(text: &str, command: &str) -> Option<f64> {
    let labels = format!("{LAST_SUCCESS}{{command=\"{command}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&labels)).and_then(|v| v.trim().parse().ok())
}

/// Write `m` to `path` (see the module docs); `now` is the time of this run's end (Unix seconds).
pub fn write(path: &Path, m: &RunMetrics, now: f64) -> Result<()> {
    let last = if m.exit_code == 0 {
        Some(now)
    } else {
        std::fs::read_to_string(path).ok().and_then(|t| previous_success(&t, &m.command))
    };
    lfv_fs::write_atomic_shared(path, render(m, last).as_bytes())
        .map_err(|e| Error::io("write the metrics file", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(exit_code: u8) -> RunMetrics {
        RunMetrics {
            command: "sweep".into(),
            items: [(("delete_dataset".to_string(), "deleted".to_string()), 3)].into_iter().collect(),
            left: [("delete_dataset".to_string(), 0)].into_iter().collect(),
            throttled: Some(2),
            duration_s: 1.5,
            exit_code,
            ..RunMetrics::default()
        }
    }

    #[test]
    fn the_text_has_every_measured_series_and_no_other() {
        let text = render(&run(0), Some(1_700_000_000.0));
        for line in [
            "# TYPE lfv_sunset_items gauge",
            "lfv_sunset_items{command=\"sweep\",kind=\"delete_dataset\",outcome=\"deleted\"} 3.0",
            "lfv_sunset_left{command=\"sweep\",kind=\"delete_dataset\"} 0.0",
            "lfv_sunset_throttled_calls{command=\"sweep\"} 2.0",
            "lfv_sunset_exit_code{command=\"sweep\"} 0.0",
            "lfv_sunset_last_success_timestamp_seconds{command=\"sweep\"} 1700000000.0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
        assert!(!text.contains("inference_units_stopped") && !text.contains("outside_scope"), "{text}");
        assert!(!text.contains("# EOF"), "the Prometheus text format, not OpenMetrics: {text}");
    }

    #[test]
    fn a_failed_run_keeps_the_last_success_of_the_file_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.prom");
        write(&path, &run(0), 1_700_000_000.0).unwrap();
        write(&path, &run(6), 1_700_000_900.0).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(previous_success(&text, "sweep"), Some(1_700_000_000.0), "{text}");
        assert!(text.contains("lfv_sunset_exit_code{command=\"sweep\"} 6.0"), "{text}");
        assert_eq!(lfv_fs::mode_of(&path).unwrap() & 0o777, 0o644);
        // Without an earlier success there is no such series at all.
        let other = dir.path().join("n.prom");
        write(&other, &run(6), 1.0).unwrap();
        assert!(!std::fs::read_to_string(&other).unwrap().contains(LAST_SUCCESS));
    }
}
