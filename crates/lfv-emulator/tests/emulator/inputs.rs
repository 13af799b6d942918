//! Bad inputs to the emulator: the README's seed example is valid; the clock control endpoint refuses what would
//! wrap the clock and never moves it backwards; `/_emulator/` answers any query without panicking; a half-sent
//! request is closed after the header read timeout. (Seed files and fault specs given to `lfv-sunset emulator`
//! are the tool's tests, in `tests/integration/emulator_cli.rs` at the root.)

use std::time::{Duration, Instant};

use super::*;

#[test]
fn the_readme_seed_example_is_valid() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
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
