//! Bad inputs to the emulator: seed files and fault specs given to `lfv-sunset emulator` exit 2 at once naming the
//! entry (before "listening"); the clock control endpoint refuses what would wrap the clock and never moves it
//! backwards; `/_emulator/` answers any query without panicking; a half-sent request is closed after the
//! header read timeout.

use std::process::Stdio;
use std::time::{Duration, Instant};

use super::*;
use crate::support::BIN;

/// Run `lfv-sunset emulator ARGS` on port 0; it must exit within 20 s (a valid config would listen forever).
async fn emulator_exit(args: &[&str]) -> (Option<i32>, String, String) {
    let child = tokio::process::Command::new(BIN)
        .arg("emulator")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("emulator {args:?} still running after 20 s"))
        .expect("wait");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn seed_json(project: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"accounts": [{"account": ACCOUNT, "regions": [{"region": "us-east-1", "projects": [
        {"name": "first", "created": 1.6e9, "datasets": [{"type": "train", "created": 1.6e9}]},
        project
    ]}]}]})
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_seed_files_and_fault_specs_exit_2_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let ds = |extra: serde_json::Value| {
        let mut d = serde_json::json!({"type": "train", "created": 1.6e9});
        d.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        serde_json::json!({"name": "second", "created": 1.6e9, "datasets": [d]})
    };
    let seeds = [
        (seed_json(serde_json::json!({"name": "first", "created": 1.6e9})), "projects[1] (first): duplicate project"),
        (seed_json(ds(serde_json::json!({"generate_entries": 10_000_000_000u64}))), "more than 100000"),
        (seed_json(ds(serde_json::json!({"status": "BOGUS"}))), "unknown status `BOGUS`"),
        (seed_json(ds(serde_json::json!({"type": "validation"}))), "datasets[0] (validation)"),
        (seed_json(ds(serde_json::json!({"created": -5}))), "created -5"),
        (seed_json(serde_json::json!({"name": "bad name", "created": 1.6e9})), "projects[1] (bad name)"),
        (
            serde_json::json!({"accounts": [{"account": "12", "regions": []}]}),
            "accounts[0] (12): expected a 12-digit account id",
        ),
        (
            serde_json::json!({"accounts": [{"account": ACCOUNT, "regions": [
                {"region": "us-east-1", "projects": []}, {"region": "us-east-1", "projects": []}]}]}),
            "regions[1] (us-east-1): duplicate region",
        ),
    ];
    for (i, (seed, fragment)) in seeds.iter().enumerate() {
        let path = dir.path().join(format!("seed-{i}.json"));
        std::fs::write(&path, seed.to_string()).unwrap();
        let start = Instant::now();
        let (code, stdout, stderr) = emulator_exit(&["--seed", path.to_str().unwrap()]).await;
        assert_eq!(code, Some(2), "seed {i}: {stderr}");
        assert!(stderr.contains(fragment) && stderr.contains(&format!("seed-{i}.json")), "seed {i}: {stderr}");
        assert!(!stdout.contains("listening") && !stderr.contains("panicked"), "seed {i}: {stdout}{stderr}");
        assert!(start.elapsed() < Duration::from_secs(10), "seed {i} took {:?}", start.elapsed());
    }
    let specs = [
        ("ops=NoSuchOp", "`NoSuchOp`"),
        ("internal=0.7,reset=0.7", "more than 1"),
        ("internal=0.1,internal=0.2", "given twice"),
        ("slow=1,slow_ms=99999999999", "`slow_ms`"),
    ];
    for (spec, fragment) in specs {
        let (code, stdout, stderr) = emulator_exit(&["--faults", spec]).await;
        assert_eq!(code, Some(2), "{spec}: {stderr}");
        assert!(stderr.contains("--faults") && stderr.contains(fragment), "{spec}: {stderr}");
        assert!(!stdout.contains("listening"), "{spec}: {stdout}");
    }
}

#[test]
fn the_readme_seed_example_is_valid() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = text.split("### Emulator seed format").nth(1).expect("section");
    let json = section.split("```json\n").nth(1).and_then(|s| s.split("```").next()).expect("json block");
    let seed: Seed = serde_json::from_str(json).expect("parses");
    assert_eq!(lfv_emulator::seed::validate(&seed), Ok(()));
}

fn offset_ms(r: &Raw) -> u64 {
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body));
    v["offset_ms"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn clock_advance_refuses_wrapping_and_never_moves_backwards() {
    let emu = start(config(seed_of(vec![]))).await;
    let clock = |q: String| {
        let emu = &emu;
        async move { raw(emu, "POST", &format!("/_emulator/clock?{q}"), &[], b"").await }
    };
    let first = clock("advance_secs=60".into()).await;
    assert_eq!((first.status, offset_ms(&first)), (200, 60_000), "{first:?}");
    for q in ["advance_secs=18446744073709551615", "advance_secs=18446744073709552", "advance_secs=3155760000"] {
        let r = clock(q.into()).await;
        assert_eq!(r.status, 400, "{q}: {r:?}");
        assert!(r.body.contains("100 years") || r.body.contains("too large"), "{q}: {}", r.body);
    }
    let after = clock("advance_secs=0".into()).await;
    assert_eq!((after.status, offset_ms(&after)), (200, 60_000), "refused advances left the clock alone");
    let max = clock(format!("advance_secs={}", 3_155_760_000u64 - 60)).await;
    assert_eq!((max.status, offset_ms(&max)), (200, 3_155_760_000_000));
    // In-process advances saturate at the same bound.
    emu.advance_clock(Duration::MAX);
    let last = clock("advance_secs=0".into()).await;
    assert_eq!(offset_ms(&last), 3_155_760_000_000);
    // Odd queries and paths are 400 or 404, never a panic or a dropped connection.
    for q in ["advance_secs=-1", "advance_secs=", "advance_secs=1e3", "advance_secs=%FF", "advance_secs=%", "", "x"] {
        assert_eq!(clock(q.into()).await.status, 400, "{q}");
    }
    let long = format!("advance_secs={}", "9".repeat(4000));
    assert_eq!(clock(long).await.status, 400);
    for (method, path) in [("GET", "/_emulator/clock"), ("DELETE", "/_emulator/stats"), ("GET", "/_emulator/%00")] {
        assert_eq!(raw(&emu, method, path, &[], b"").await.status, 404, "{method} {path}");
    }
    assert_eq!(raw(&emu, "GET", "/_emulator/stats", &[], b"").await.status, 200);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_half_sent_request_is_closed_after_the_header_read_timeout() {
    let timeout = Duration::from_millis(300);
    let emu = start(EmulatorConfig { header_read_timeout: timeout, ..config(seed_of(vec![])) }).await;
    let mut s = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let start = Instant::now();
    s.write_all(b"GET /_emulator/sta").await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    let took = start.elapsed();
    assert!(read.is_ok(), "the connection was still open after 5 s");
    assert!(took >= timeout - Duration::from_millis(50), "closed after {took:?}, before the timeout");
    // A whole request sent within the timeout is still answered.
    assert_eq!(raw(&emu, "GET", "/_emulator/stats", &[], b"").await.status, 200);
    emu.shutdown().await;
}
