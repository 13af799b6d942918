//! Test harness: the emulator in-process on 127.0.0.1:0 and the real `lfv-sunset` binary run against it in
//! a temporary directory. A failed expectation panics with the command, directory, exit status, stdout and
//! stderr; the directory of a test that panics is kept and its path printed, so it can be inspected.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use lfv_emulator::{self as emulator, EmulatorConfig, RunningEmulator, Seed};
use lfv_sunset::plan::Plan;

pub const BIN: &str = env!("CARGO_BIN_EXE_lfv-sunset");
/// The access key tests use unless they map others in the seed.
pub const KEY: &str = "AKIDTEST";

/// A temporary directory that is removed when its test passes and kept, with its path printed on stderr, when
/// the test panics (as ripgrep's test harness does).
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    pub fn new() -> Scratch {
        Scratch(tempfile::tempdir().expect("tempdir"))
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.disable_cleanup(true);
            eprintln!("test failed: its directory is kept for inspection: {}", self.0.path().display());
        }
    }
}

/// An emulator and a scratch directory.
pub struct Env {
    pub dir: Scratch,
    pub emu: RunningEmulator,
    pub key: String,
}

/// A fast emulator config: quota 200/s with one second of burst, no delays.
pub fn fast(seed: Seed) -> EmulatorConfig {
    EmulatorConfig {
        seed,
        rate: Some(200.0),
        burst: 200,
        create_delay: Duration::from_millis(200),
        model_delay: Duration::from_millis(100),
        ..EmulatorConfig::default()
    }
}

impl Env {
    pub async fn new(config: EmulatorConfig) -> Env {
        let emu = emulator::start(config).await.expect("emulator starts");
        Env { dir: Scratch::new(), emu, key: KEY.to_string() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn p(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// Build the command with the test environment (credentials, region, no profile files, no IMDS).
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(args);
        self.environment(&mut cmd);
        cmd
    }

    /// A shell command line, with `lfv-sunset` on PATH and the emulator's `AWS_ENDPOINT_URL` exported.
    pub fn shell(&self, line: &str) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new("sh");
        cmd.args(["-c", line]);
        self.environment(&mut cmd);
        let bin_dir = Path::new(BIN).parent().expect("binary directory").display().to_string();
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{bin_dir}:{path}")).env("AWS_ENDPOINT_URL", self.emu.endpoint());
        cmd
    }

    fn environment(&self, cmd: &mut tokio::process::Command) {
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ACCESS_KEY_ID", &self.key)
            .env("AWS_SECRET_ACCESS_KEY", "test-secret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", self.path("no-aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path("no-aws-credentials"))
            .env("CI", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
    }

    /// Run to completion (at most 120 s).
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_cmd(self.command(args), args).await
    }

    /// `what` of every DeleteDataset the emulator accepted (202) so far, in the order it answered them.
    pub fn deleted(&self, what: impl Fn(&lfv_emulator::LogEntry) -> String) -> Vec<String> {
        self.emu.log().iter().filter(|e| e.op == "DeleteDataset" && e.status == 202).map(what).collect()
    }

    /// Run with `creds` as the shared credentials file (written to `credentials` in the test's directory).
    pub async fn run_with_credentials(&self, creds: &str, args: &[&str]) -> Run {
        std::fs::write(self.path("credentials"), creds).expect("write the credentials file");
        let mut cmd = self.command(args);
        cmd.env("AWS_SHARED_CREDENTIALS_FILE", self.path("credentials"));
        self.run_cmd(cmd, args).await
    }

    pub async fn run_cmd(&self, mut cmd: tokio::process::Command, args: &[&str]) -> Run {
        let child = cmd.spawn().expect("spawn lfv-sunset");
        let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("lfv-sunset {} did not finish within 120 s", args.join(" ")))
            .expect("wait");
        Run {
            cmd: format!("lfv-sunset {}", args.join(" ")),
            dir: self.dir.path().to_path_buf(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run `args` and SIGKILL it after `delay`, again and again, until `kills` kills landed at distinct,
    /// unfinished points by `progress()` (from 0 up to below `total`), at most 20 tries; a run that made no
    /// progress makes the next one wait 0.3 s more (a loaded machine). `on_kill` runs after each such kill.
    /// Returns the progress seen after each try, and the kills that landed.
    pub async fn kill_at_points(
        &self,
        args: &[&str],
        kills: usize,
        mut delay: Duration,
        total: usize,
        progress: impl Fn() -> usize,
        mut on_kill: impl FnMut(),
    ) -> (Vec<usize>, usize) {
        let mut seen = vec![0usize];
        let mut landed = 0;
        for _ in 0..20 {
            if landed == kills {
                break;
            }
            let mut child = self.command(args).spawn().unwrap();
            tokio::time::sleep(delay).await;
            if child.try_wait().unwrap().is_some() {
                break;
            }
            child.start_kill().unwrap(); // SIGKILL
            assert_eq!(child.wait().await.unwrap().code(), None, "killed by a signal");
            let done = progress();
            if done > *seen.last().unwrap() && done < total {
                landed += 1;
                on_kill();
            } else if done == *seen.last().unwrap() {
                delay += Duration::from_millis(300);
            }
            seen.push(done);
        }
        (seen, landed)
    }

    /// `plan --out NAME --endpoint-url EMU --rate 200 --force` plus `extra`.
    pub async fn plan(&self, name: &str, extra: &[&str]) -> Plan {
        let out = self.p(name);
        let endpoint = self.emu.endpoint();
        let mut args = vec!["plan", "--out", &out, "--endpoint-url", &endpoint, "--rate", "200", "--force"];
        args.extend_from_slice(extra);
        self.run(&args).await.ok();
        Plan::load(&self.path(name)).expect("plan loads")
    }
}

/// A finished command.
pub struct Run {
    pub cmd: String,
    pub dir: PathBuf,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn context(&self) -> String {
        format!(
            "command: {}\ndir: {}\nexit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmd,
            self.dir.display(),
            self.code,
            self.stdout,
            self.stderr
        )
    }
    /// Expect this exit code.
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(self.code, Some(expected), "unexpected exit code\n{}", self.context());
        self
    }
    /// Expect exit 0.
    pub fn ok(&self) -> &Self {
        self.code(0)
    }
    /// Expect stderr to contain `text`.
    pub fn stderr_has(&self, text: &str) -> &Self {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}\n{}", self.context());
        self
    }
    /// Expect stdout to contain `text`.
    pub fn stdout_has(&self, text: &str) -> &Self {
        assert!(self.stdout.contains(text), "stdout lacks {text:?}\n{}", self.context());
        self
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", self.context()))
    }
}

/// Read a CSV report into rows of (column -> value).
pub fn read_csv(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let headers = r.headers().expect("headers").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// Number of datasets in a seed.
pub fn seed_datasets(seed: &Seed) -> usize {
    seed.accounts.iter().flat_map(|a| &a.regions).flat_map(|r| &r.projects).map(|p| p.datasets.len()).sum()
}

/// A bare SDK client for arranging state behind the tool's back (retries off, static credentials).
pub fn sdk(endpoint: &str, key: &str) -> aws_sdk_lookoutvision::Client {
    use aws_sdk_lookoutvision::config::{BehaviorVersion, Credentials, Region};
    let conf = aws_sdk_lookoutvision::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, "secret", None, None, "test"))
        .retry_config(aws_sdk_lookoutvision::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_lookoutvision::Client::from_conf(conf)
}

/// Outcome per seq from a report.
pub fn outcomes(rows: &[std::collections::BTreeMap<String, String>]) -> Vec<String> {
    rows.iter().map(|r| r["outcome"].clone()).collect()
}

/// Hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn the_directory_of_a_failed_test_is_kept_and_a_passed_one_removed() {
    let passed = {
        let s = Scratch::new();
        std::fs::write(s.path().join("f"), "x").unwrap();
        s.path().to_path_buf()
    };
    assert!(!passed.exists(), "a passing test's directory is removed");
    let (tx, rx) = std::sync::mpsc::channel();
    let failed = std::thread::spawn(move || {
        let s = Scratch::new();
        std::fs::write(s.path().join("evidence.txt"), "look here").unwrap();
        tx.send(s.path().to_path_buf()).unwrap();
        panic!("a failing test");
    })
    .join();
    assert!(failed.is_err());
    let kept = rx.recv().unwrap();
    let evidence = std::fs::read_to_string(kept.join("evidence.txt"));
    std::fs::remove_dir_all(&kept).unwrap();
    assert_eq!(evidence.unwrap(), "look here", "a failing test's directory is kept with its files");
}
