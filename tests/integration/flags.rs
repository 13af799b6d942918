//! Every value-taking flag of every command, found by walking `Cli::command()` (so a new flag or command is
//! covered without editing this file), is driven with zero, negative, huge, NaN/infinite and garbage values, on
//! the command line and through its `env` twin: each must exit 2 at once with a message naming the flag, and
//! nothing may panic. Flags whose values are free text (paths, profiles, globs, the log filter, the fault spec)
//! are left out by value name; the fault spec and seeds have their own tests.

use std::collections::BTreeSet;
use std::process::{Command as Proc, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use lfv_sunset::cli::Cli;

use crate::support::BIN;

/// Value names of free-text arguments: any string is a valid path, profile, glob, log filter or fault spec.
const FREE_TEXT: &[&str] =
    &["FILE", "DIR", "PLAN", "CHECKPOINT", "PROFILE", "GLOB", "FILTER", "SPEC", "BACKUP_DIR", "OUT_DIR"];

/// Values for required arguments (by value name), to build an otherwise valid command line.
const VALID: &[(&str, &str)] = &[
    ("PLAN", "plan.json"),
    ("CHECKPOINT", "plan.journal.jsonl"),
    ("FILE", "out.json"),
    ("DIR", "out"),
    ("BACKUP_DIR", "backup"),
    ("OUT_DIR", "converted"),
    ("LAYOUT", "folder"),
    ("SHELL", "bash"),
];

/// Bad values: every one must be refused by every driven flag unless listed in [`MAY_ACCEPT`].
const BAD: &[&str] = &[
    "0",
    "-1",
    "-0.5",
    "1e300",
    "18446744073709551616",
    "99999999999",
    "NaN",
    "inf",
    "-inf",
    "0x10",
    "garbage",
    "",
    " ",
    "1 2",
];

/// Values of [`BAD`] also driven through each flag's `env` twin.
const ENV_VALUES: &[&str] = &["-1", "1e300", "NaN", "garbage"];

/// (command, flag, values of [`BAD`] its documented range accepts).
const MAY_ACCEPT: &[(&str, &str, &[&str])] = &[
    ("show", "items", &["0"]),
    ("apply", "max-delete", &["0"]),
    ("sweep", "max-delete", &["0"]),
    ("emulator", "rng-seed", &["0", "99999999999"]),
    ("emulator", "burst", &["0"]),
    ("emulator", "latency-ms", &["0"]),
    ("emulator", "delete-delay-ms", &["0"]),
    ("emulator", "seed-projects", &["0"]),
    ("plan", "role-name", NAME_CHARS_1),
    ("plan", "session-name", NAME_CHARS_2),
    ("plan", "external-id", NAME_CHARS_2),
    ("apply", "session-name", NAME_CHARS_2),
    ("apply", "external-id", NAME_CHARS_2),
    ("export", "session-name", NAME_CHARS_2),
    ("export", "external-id", NAME_CHARS_2),
    ("verify", "session-name", NAME_CHARS_2),
    ("verify", "external-id", NAME_CHARS_2),
    ("sweep", "role-name", NAME_CHARS_1),
    ("sweep", "session-name", NAME_CHARS_2),
    ("sweep", "external-id", NAME_CHARS_2),
];

/// Values of [`BAD`] that are 2 or more of IAM's name characters `[\w+=,.@-]` (role session names, external
/// ids): valid, whatever they look like as numbers.
const NAME_CHARS_2: &[&str] =
    &["-1", "-0.5", "1e300", "18446744073709551616", "99999999999", "NaN", "inf", "-inf", "0x10", "garbage"];
/// [`NAME_CHARS_2`] and the one-character `0` (role names are 1 to 64 characters).
const NAME_CHARS_1: &[&str] =
    &["0", "-1", "-0.5", "1e300", "18446744073709551616", "99999999999", "NaN", "inf", "-inf", "0x10", "garbage"];

/// One flag to drive.
struct Flag {
    command: String,
    long: String,
    env: Option<String>,
    value_name: String,
    help: String,
    /// Values for the command's positional and required arguments.
    base: Vec<String>,
}

fn flags() -> Vec<Flag> {
    let mut cli = Cli::command();
    cli.build();
    let mut out = Vec::new();
    for sub in cli.get_subcommands() {
        let name = sub.get_name().to_string();
        let value_of = |a: &clap::Arg| {
            let vn = a.get_value_names().and_then(|v| v.first()).map(|s| s.to_string()).unwrap_or_default();
            VALID.iter().find(|(n, _)| *n == vn).map(|(_, v)| v.to_string()).unwrap_or_else(|| "x".into())
        };
        let mut base = vec![name.clone()];
        for a in sub.get_arguments().filter(|a| a.is_positional()) {
            base.push(value_of(a));
        }
        for a in sub.get_arguments().filter(|a| !a.is_positional() && a.is_required_set()) {
            base.push(format!("--{}={}", a.get_long().unwrap_or_default(), value_of(a)));
        }
        for a in sub.get_arguments() {
            let Some(long) = a.get_long() else { continue };
            let vn = a.get_value_names().and_then(|v| v.first()).map(|s| s.to_string()).unwrap_or_default();
            if a.is_positional() || !a.get_action().takes_values() || FREE_TEXT.contains(&vn.as_str()) {
                continue;
            }
            out.push(Flag {
                command: name.clone(),
                long: long.to_string(),
                env: a.get_env().map(|e| e.to_string_lossy().into_owned()),
                value_name: vn,
                help: a.get_help().map(|h| h.to_string()).unwrap_or_default(),
                // A required flag is in `base` with a valid value; drive it alone.
                base: base.iter().filter(|b| !b.starts_with(&format!("--{long}="))).cloned().collect(),
            });
        }
    }
    out
}

/// Whether clap accepts `value` for the flag (in-process; an error about something else, such as a flag that
/// requires another, still means the value passed).
fn accepts(flag: &Flag, value: &str) -> bool {
    let mut args = vec!["lfv-sunset".to_string()];
    args.extend(flag.base.iter().cloned());
    args.push(format!("--{}={value}", flag.long));
    match Cli::try_parse_from(args) {
        Ok(_) => true,
        Err(e) => !matches!(e.kind(), ErrorKind::ValueValidation | ErrorKind::InvalidValue | ErrorKind::InvalidUtf8),
    }
}

/// Run the binary with `args` (and `env`), at most 20 s, in a scratch directory with a clean environment.
fn run(dir: &std::path::Path, args: &[String], env: Option<(&str, &str)>) -> (Option<i32>, String, Duration) {
    let mut cmd = Proc::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn lfv-sunset");
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().expect("stderr"), &mut stderr).ok();
            return (status.code(), stderr, start.elapsed());
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "(killed after 20 s)".into(), start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn every_value_flag_refuses_bad_values_with_exit_2_naming_it() {
    let flags = flags();
    let driven: BTreeSet<(String, String)> = flags.iter().map(|f| (f.command.clone(), f.long.clone())).collect();
    // The walk found the flags of the issue (a broken walk would pass vacuously).
    for (c, l) in [
        ("plan", "rate"),
        ("plan", "region"),
        ("plan", "created-before"),
        ("verify", "endpoint-url"),
        ("apply", "attempt-timeout"),
        ("apply", "max-plan-age"),
        ("apply", "wait-timeout"),
        ("apply", "max-delete"),
        ("export", "concurrency"),
        ("apply", "max-in-flight"),
        ("plan", "max-in-flight"),
        ("verify", "max-in-flight"),
        ("show", "items"),
        ("demo", "projects"),
        ("emulator", "rate"),
        ("emulator", "burst"),
        ("sweep", "rate"),
        ("sweep", "concurrency"),
        ("sweep", "max-in-flight"),
        ("sweep", "max-attempts"),
        ("sweep", "wait-timeout"),
        ("sweep", "attempt-timeout"),
        ("sweep", "created-before"),
        ("sweep", "region"),
        ("sweep", "shard"),
        ("sweep", "max-delete"),
    ] {
        assert!(driven.contains(&(c.to_string(), l.to_string())), "{c} --{l} not driven: {driven:?}");
    }
    // Every numeric and duration flag shows its range in its help.
    for f in flags.iter().filter(|f| ["N", "MS", "TPS", "TPS|unlimited", "DURATION"].contains(&f.value_name.as_str())) {
        assert!(f.help.contains(" to "), "{} --{} help shows no range: {}", f.command, f.long, f.help);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cases = Vec::new();
    for f in &flags {
        let allowed = MAY_ACCEPT.iter().find(|(c, l, _)| *c == f.command && *l == f.long).map_or(&[][..], |m| m.2);
        for v in BAD {
            if accepts(f, v) {
                assert!(allowed.contains(v), "{} --{} accepts {v:?}, outside its documented range", f.command, f.long);
                continue;
            }
            let mut args = f.base.clone();
            args.push(format!("--{}={v}", f.long));
            cases.push((f, args, None));
            // The env twins go through the same parser; a few values show the path is wired.
            if let Some(env) = &f.env
                && ENV_VALUES.contains(v)
            {
                cases.push((f, f.base.clone(), Some((env.as_str(), *v))));
            }
        }
    }
    assert!(cases.len() > 300, "only {} cases", cases.len());
    let failures = Mutex::new(Vec::new());
    let next = Mutex::new(cases.iter());
    // Two at a time: the machine is shared with timing-sensitive tests running alongside.
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let Some((f, args, env)) = next.lock().unwrap().next() else { break };
                    let (code, stderr, took) = run(dir.path(), args, *env);
                    let named = stderr.contains(&format!("--{}", f.long));
                    if code != Some(2) || !named || stderr.contains("panicked") || took > Duration::from_secs(10) {
                        failures.lock().unwrap().push(format!(
                            "lfv-sunset {} (env {env:?}): exit {code:?} after {took:?}\n{stderr}",
                            args.join(" ")
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!("{} flags, {} cases", flags.len(), cases.len());
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn malformed_region_and_endpoint_from_the_environment_are_usage_errors_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = |extra: Vec<(&'static str, &'static str)>| {
        let mut v = vec![("AWS_ACCESS_KEY_ID", "AKIDTEST"), ("AWS_SECRET_ACCESS_KEY", "s")];
        v.extend(extra);
        v
    };
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (creds(vec![("AWS_REGION", "us east 1"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]), "AWS_REGION"),
        (creds(vec![("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL", "not a url")]), "AWS_ENDPOINT_URL"),
        (creds(vec![("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL", "localhost:4566")]), "AWS_ENDPOINT_URL"),
        (
            creds(vec![("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL_LOOKOUTVISION", "http://h:99999")]),
            "AWS_ENDPOINT_URL_LOOKOUTVISION",
        ),
    ];
    for (env, named) in cases {
        for cmd in [vec!["verify", "--all"], vec!["plan", "--out", "p.json"]] {
            let mut c = Proc::new(BIN);
            c.args(&cmd)
                .current_dir(dir.path())
                .env_clear()
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env("AWS_CONFIG_FILE", dir.path().join("none"))
                .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
                .envs(env.iter().copied())
                .stdin(Stdio::null());
            let start = Instant::now();
            let out = c.output().expect("run");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{cmd:?} {env:?}: {stderr}");
            assert!(stderr.contains(named) && !stderr.contains("panicked"), "{cmd:?} {env:?}: {stderr}");
            assert!(!stderr.contains("Request {"), "a debug dump: {stderr}");
            assert!(start.elapsed() < Duration::from_secs(5), "{cmd:?} {env:?} took {:?}", start.elapsed());
        }
    }
}
