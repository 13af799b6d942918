//! Shared by the end-to-end benchmarks: the tokio runtime that hosts the in-process emulator, the emulator
//! configuration every benchmark uses, and the harness that runs the real `lfv-sunset` binary as a child
//! process in a temporary directory (timed, its peak RSS sampled, its output kept in files).
//!
//! Nothing here asserts on time: benchmarks print figures and verdicts. A benchmark exits non-zero only when
//! the tool itself fails where success is expected; the harness then prints the command, the directory, the
//! exit status, stdout and stderr (as ripgrep's test harness does) and keeps the directory for inspection.
//! Only 127.0.0.1 is ever contacted: the child gets `--endpoint-url` of the in-process emulator, fake
//! credentials, no config files and no instance metadata.

// Each benchmark compiles this module on its own and uses a subset of it, so which items are dead differs per
// benchmark; `#[expect(dead_code)]` would be unfulfilled in the benchmarks that use everything.
#![allow(dead_code, reason = "shared by several bench binaries, each using a subset")]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use lfv_emulator::{self as emulator, EmulatorConfig, FaultSpec, LogEntry, RunningEmulator, Seed, Stats};
use tempfile::TempDir;

/// The binary under test, built by cargo for this benchmark.
pub const BIN: &str = env!("CARGO_BIN_EXE_lfv-sunset");
/// Interval of the peak-RSS sampling of a child (`VmHWM` in `/proc/<pid>/status`).
pub const RSS_SAMPLE: Duration = Duration::from_millis(20);
/// Interval at which the harness checks whether the child has exited (bounds the wall-time error).
pub const EXIT_POLL: Duration = Duration::from_millis(2);
/// The region every benchmark uses.
pub const REGION: &str = "us-east-1";

/// The multi-thread runtime that hosts the emulator while the child runs.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

/// An emulator with `quota` requests/s per (account, region, operation), a bucket of one second of requests
/// (`burst = ceil(quota)`), no delays and no faults. Callers that plan first set `rate: None` and call
/// `set_rate(Some(quota))` afterwards; the burst stays the quota's.
pub fn config(seed: Seed, quota: f64) -> EmulatorConfig {
    EmulatorConfig {
        seed,
        rng_seed: 0,
        rate: Some(quota),
        burst: quota.ceil() as u32,
        faults: FaultSpec::default(),
        latency: Duration::ZERO,
        delete_delay: Duration::ZERO,
        create_delay: Duration::ZERO,
        model_delay: Duration::ZERO,
        ..EmulatorConfig::default()
    }
}

/// Start the emulator on the runtime (binds 127.0.0.1:0).
pub fn start(rt: &tokio::runtime::Runtime, config: EmulatorConfig) -> RunningEmulator {
    rt.block_on(emulator::start(config)).unwrap_or_else(|e| {
        eprintln!("error: failed to start the emulator: {e}");
        std::process::exit(1);
    })
}

/// The first field of `/proc/loadavg`: other work on the machine skews every figure, so it is printed.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Calls and throttled calls of one operation between two snapshots.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OpCount {
    /// Responses of any status.
    pub calls: u64,
    /// ThrottlingException responses.
    pub throttled: u64,
}

impl OpCount {
    /// Throttled share of the calls (0 when there were none).
    pub fn share(&self) -> f64 {
        if self.calls == 0 { 0.0 } else { self.throttled as f64 / self.calls as f64 }
    }
}

/// Per-operation counts of `after` minus `before`.
pub fn op_counts(after: &Stats, before: &Stats) -> BTreeMap<String, OpCount> {
    let mut out = BTreeMap::new();
    for op in after.requests.keys() {
        let throttled = |s: &Stats| s.throttled.get(op).copied().unwrap_or(0);
        let c = OpCount { calls: after.calls(op) - before.calls(op), throttled: throttled(after) - throttled(before) };
        if c.calls > 0 {
            out.insert(op.clone(), c);
        }
    }
    out
}

/// Print one line per operation: calls, throttled, share and the achieved call rate over `wall`.
pub fn print_op_counts(label: &str, counts: &BTreeMap<String, OpCount>, wall: Duration) {
    for (op, c) in counts {
        println!(
            "  {label} emulator {op}: {} calls, {} throttled ({:.2}%), {:.1} calls/s over {:.2} s",
            c.calls,
            c.throttled,
            100.0 * c.share(),
            c.calls as f64 / wall.as_secs_f64(),
            wall.as_secs_f64()
        );
    }
}

/// Requests of `op` per whole second since the first one, as `sent/throttled` pairs on one line: shows how a
/// client's adaptive rate moves around a quota.
pub fn per_second(log: &[LogEntry], op: &str) -> String {
    let of_op: Vec<&LogEntry> = log.iter().filter(|e| e.op == op).collect();
    let Some(t0) = of_op.first().map(|e| e.at_ms) else { return "none".into() };
    let mut secs: Vec<(u64, u64)> = Vec::new();
    for e in of_op {
        let s = ((e.at_ms - t0) / 1000) as usize;
        if secs.len() <= s {
            secs.resize(s + 1, (0, 0));
        }
        secs[s].0 += 1;
        if e.status == 429 {
            secs[s].1 += 1;
        }
    }
    secs.iter().map(|(n, t)| format!("{n}/{t}")).collect::<Vec<_>>().join(" ")
}

/// One finished run of the binary.
#[derive(Debug)]
pub struct Run {
    /// Name of the run (also the stem of its output files).
    pub label: String,
    /// The command line, for messages.
    pub cmdline: String,
    /// Exit status.
    pub status: ExitStatus,
    /// Wall time from spawn to observed exit (observed within [`EXIT_POLL`]).
    pub wall: Duration,
    /// Everything the child wrote on stdout.
    pub stdout: String,
    /// Everything the child wrote on stderr.
    pub stderr: String,
    /// Largest `VmHWM` sampled, in KiB (`None` if never sampled, e.g. no `/proc`).
    pub peak_rss_kib: Option<u64>,
}

impl Run {
    /// The exit code as text (`0`, `3`), or the status if a signal ended it.
    pub fn exit(&self) -> String {
        self.status.code().map_or_else(|| self.status.to_string(), |c| c.to_string())
    }

    /// The JSON on stdout (`apply --format json`), or `None` if stdout is not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.stdout).ok()
    }

    /// Print everything about the run on stderr: command, directory, status, stdout and stderr.
    pub fn dump(&self, dir: &Path) {
        eprintln!(
            "command: {}\ndirectory: {} (kept)\nstatus: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmdline,
            dir.display(),
            self.status,
            self.stdout,
            self.stderr
        );
    }
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A temporary directory to run the binary in, with the environment that keeps it on loopback.
pub struct Workspace {
    dir: TempDir,
    /// Set once a run that had to succeed did not; see [`Workspace::finish`].
    tool_failed: bool,
}

impl Workspace {
    /// A new temporary directory.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new().prefix("lfv-bench-").tempdir().expect("temporary directory");
        Self { dir, tool_failed: false }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A subdirectory, created.
    pub fn subdir(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(&p).expect("create subdirectory");
        p
    }

    fn command(&self, args: &[String]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(self.dir.path());
        // Nothing from the caller's AWS or lfv-sunset environment (LFV_RATE, LFV_CONCURRENCY, AWS_PROFILE,
        // AWS_ENDPOINT_URL...) may change what is measured.
        let inherited: Vec<OsString> = std::env::vars_os()
            .map(|(k, _)| k)
            .filter(|k| k.to_str().is_some_and(|k| k.starts_with("AWS_") || k.starts_with("LFV_")))
            .collect();
        for k in inherited {
            cmd.env_remove(k);
        }
        let missing = self.dir.path().join("no-such-aws-dir");
        cmd.env("AWS_ACCESS_KEY_ID", "AKIDBENCH")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .env("AWS_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", missing.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", missing.join("credentials"))
            .env("CI", "1");
        cmd
    }

    /// Run the binary with `args`, at most `timeout` (then it is killed and the benchmark fails). stdout and
    /// stderr go to `<label>.stdout` / `<label>.stderr` in the workspace, so no pipe can fill up and stall it.
    pub fn run(&mut self, label: &str, args: &[String], timeout: Duration) -> Run {
        let cmdline = std::iter::once(BIN.to_string()).chain(args.iter().cloned()).collect::<Vec<_>>().join(" ");
        let out_path = self.dir.path().join(format!("{label}.stdout"));
        let err_path = self.dir.path().join(format!("{label}.stderr"));
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null())
            .stdout(File::create(&out_path).expect("create stdout file"))
            .stderr(File::create(&err_path).expect("create stderr file"));
        let started = Instant::now();
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            eprintln!("error: failed to start {cmdline}: {e}");
            std::process::exit(1);
        });
        let pid = child.id();
        let mut peak: Option<u64> = None;
        let mut sampled: Option<Instant> = None;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for child") {
                break status;
            }
            if sampled.is_none_or(|t| t.elapsed() >= RSS_SAMPLE) {
                if let Some(kib) = vm_hwm_kib(pid) {
                    peak = Some(peak.map_or(kib, |p| p.max(kib)));
                }
                sampled = Some(Instant::now());
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                eprintln!("error: {cmdline} still running after {timeout:?}; killed");
                eprintln!("stderr so far:\n{}", std::fs::read_to_string(&err_path).unwrap_or_default());
                eprintln!("directory: {} (kept)", self.dir.path().display());
                std::process::exit(1);
            }
            std::thread::sleep(EXIT_POLL);
        };
        let wall = started.elapsed();
        Run {
            label: label.to_string(),
            cmdline,
            status,
            wall,
            stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
            peak_rss_kib: peak,
        }
    }

    /// Record that `run` had to succeed: on failure print everything about it; [`Workspace::finish`] then
    /// exits non-zero. Returns whether it succeeded.
    pub fn expect_success(&mut self, run: &Run) -> bool {
        if run.status.success() {
            return true;
        }
        eprintln!("error: {} failed where success is expected", run.label);
        run.dump(self.dir.path());
        self.tool_failed = true;
        false
    }

    /// `lfv-sunset plan` of the emulator at `endpoint` into `out`; a failure ends the benchmark (nothing can
    /// be measured without a plan).
    pub fn plan(&mut self, label: &str, endpoint: &str, out: &Path, rate: f64, concurrency: usize) -> Run {
        let args = [
            "plan",
            "--out",
            &out.display().to_string(),
            "--rate",
            &rate.to_string(),
            "--concurrency",
            &concurrency.to_string(),
            "--endpoint-url",
            endpoint,
            "--region",
            REGION,
            "--force",
        ]
        .map(str::to_string);
        let run = self.run(label, &args, Duration::from_secs(120));
        if !self.expect_success(&run) {
            std::process::exit(1);
        }
        run
    }

    /// End the benchmark: exit 1 if a run that had to succeed failed (the directory is then kept).
    pub fn finish(self) {
        if self.tool_failed {
            eprintln!("error: the tool failed; working directory kept: {}", self.dir.path().display());
            std::process::exit(1);
        }
    }
}

/// CPU seconds (user + system) of the children this process has waited for, or `None` without `/proc`.
pub fn children_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which ends with the last ')'): cutime and cstime are fields 16 and 17.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(13)?.parse::<f64>().ok()? + f.get(14)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Run and measure: the run, and the CPU seconds it used.
pub fn measured(ws: &mut Workspace, label: &str, args: Vec<String>) -> (Run, Option<f64>) {
    let before = children_cpu_s();
    let run = ws.run(label, &args, Duration::from_secs(300));
    let cpu = children_cpu_s().zip(before).map(|(a, b)| a - b);
    (run, cpu)
}

/// Items in a plan file.
pub fn plan_items(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("read plan");
    let v: serde_json::Value = serde_json::from_str(&text).expect("plan is JSON");
    v["items"].as_array().map_or(0, Vec::len)
}

/// `outcomes[name]` of an apply summary, 0 if absent.
pub fn outcome(summary: &serde_json::Value, name: &str) -> u64 {
    summary["outcomes"][name].as_u64().unwrap_or(0)
}

/// The outcomes of an apply summary as `deleted 1000, failed 0`.
pub fn outcomes_text(summary: &serde_json::Value) -> String {
    summary["outcomes"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|| "(no summary)".into())
}

/// Rows of the CSV audit report per `outcome` column value.
pub fn report_outcomes(path: &Path) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    let Ok(mut reader) = csv::Reader::from_path(path) else { return counts };
    let Some(col) = reader.headers().ok().and_then(|h| h.iter().position(|c| c == "outcome")) else {
        return counts;
    };
    for record in reader.records().flatten() {
        *counts.entry(record.get(col).unwrap_or("").to_string()).or_insert(0) += 1;
    }
    counts
}

/// The goals of one benchmark, printed as one verdict line each at the end.
#[derive(Debug, Default)]
pub struct Verdicts {
    lines: Vec<String>,
}

impl Verdicts {
    /// Record a goal: its name, whether it is met, and the numbers (`0.97 >= 0.95`).
    pub fn goal(&mut self, name: &str, met: bool, numbers: String) {
        self.lines.push(format!("verdict {name}: {} ({numbers})", if met { "met" } else { "NOT MET" }));
    }

    /// Print every verdict.
    pub fn print(&self) {
        println!();
        for l in &self.lines {
            println!("{l}");
        }
    }
}
