//! Injected faults: internal, unavailable, reset, slow, latency; reproducibility from the seed; `ops`.

use std::str::FromStr;
use std::time::{Duration, Instant};

use aws_sdk_lookoutvision::error::SdkError;
use aws_sdk_lookoutvision::operation::delete_dataset::DeleteDatasetError;
use lfv_emulator::FaultSpec;

use super::*;

fn two_datasets() -> Seed {
    seed_of(vec![project("p", vec![dataset("train", &[Some(0)]), dataset("test", &[Some(1)])], vec![])])
}

fn spec(s: &str) -> FaultSpec {
    FaultSpec::from_str(s).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn internal_fault_is_500_with_retry_after_and_no_effect() {
    let emu = start(config(two_datasets())).await;
    let c = client(&emu);
    emu.set_faults(spec("internal=1"));
    let e = c.delete_dataset().project_name("p").dataset_type("train").send().await.unwrap_err();
    let raw = e.raw_response().unwrap();
    assert_eq!(raw.status().as_u16(), 500);
    assert_eq!(raw.headers().get("retry-after"), Some("1"));
    match e.into_service_error() {
        DeleteDatasetError::InternalServerException(i) => {
            assert!(i.message().unwrap().contains("service issue"));
            assert_eq!(i.retry_after_seconds(), Some(1));
        }
        other => panic!("expected InternalServerException, got {other:?}"),
    }
    emu.set_faults(FaultSpec::default());
    // Not deleted by the failed call.
    assert!(c.describe_dataset().project_name("p").dataset_type("train").send().await.is_ok());
    let s = emu.stats();
    assert_eq!(s.faults.get("internal"), Some(&1));
    assert_eq!(s.mutations.datasets_deleted, 0);
    assert_eq!(s.calls_with_status("DeleteDataset", "500"), 1);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unavailable_is_a_503_without_error_code() {
    let emu = start(EmulatorConfig { faults: spec("unavailable=1"), ..config(two_datasets()) }).await;
    let c = client(&emu);
    let e = c.list_projects().send().await.unwrap_err();
    let raw = e.raw_response().expect("a raw response");
    assert_eq!(raw.status().as_u16(), 503);
    assert!(raw.headers().get("x-amzn-ErrorType").is_none());
    assert!(raw.headers().get("x-amzn-RequestId").is_some());
    assert_eq!(emu.stats().faults.get("unavailable"), Some(&1));
    let r = super::raw(&emu, "GET", "/2020-11-20/projects", &[("Authorization", AUTH)], b"").await;
    assert_eq!(r.status, 503);
    assert!(serde_json::from_str::<serde_json::Value>(&r.body).is_err(), "body must not be JSON");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_closes_the_connection_without_a_response() {
    let emu = start(EmulatorConfig { faults: spec("reset=1,ops=DeleteDataset"), ..config(two_datasets()) }).await;
    let c = client(&emu);
    let e = c.delete_dataset().project_name("p").dataset_type("train").send().await.unwrap_err();
    assert!(e.raw_response().is_none(), "no response: {e:?}");
    assert!(matches!(e, SdkError::DispatchFailure(_) | SdkError::ResponseError(_)), "{e:?}");
    // Other operations are not in `ops`.
    assert!(c.describe_dataset().project_name("p").dataset_type("train").send().await.is_ok());
    let s = emu.stats();
    assert_eq!(s.calls_with_status("DeleteDataset", "reset"), 1);
    assert_eq!(s.mutations.datasets_deleted, 0);
    assert_eq!(emu.log()[0].status, 0);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_trips_the_attempt_timeout_and_the_retry_replays() {
    let emu =
        start(EmulatorConfig { faults: spec("slow=1,slow_ms=600,ops=DeleteDataset"), ..config(two_datasets()) }).await;
    let c = client_with(&emu, AKID, "us-east-1", Duration::from_millis(150));
    let t0 = Instant::now();
    let e = c.delete_dataset().project_name("p").dataset_type("train").client_token("slow-1").send().await.unwrap_err();
    assert!(matches!(e, SdkError::TimeoutError(_)), "{e:?}");
    assert!(t0.elapsed() < Duration::from_millis(500));
    // The effect happened; only the answer was late. The retry with the same token is a replay.
    emu.set_faults(FaultSpec::default());
    c.delete_dataset().project_name("p").dataset_type("train").client_token("slow-1").send().await.unwrap();
    let s = emu.stats();
    assert_eq!(s.mutations.datasets_deleted, 1);
    assert_eq!(s.replays.get("DeleteDataset"), Some(&1));
    assert_eq!(s.faults.get("slow"), Some(&1));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn latency_fault_and_configured_latency_delay_answers() {
    let emu = start(EmulatorConfig { faults: spec("latency=1,latency_ms=150"), ..config(two_datasets()) }).await;
    let c = client(&emu);
    let t0 = Instant::now();
    c.list_projects().send().await.unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(150));
    assert_eq!(emu.stats().faults.get("latency"), Some(&1));
    emu.shutdown().await;

    let emu = start(EmulatorConfig { latency: Duration::from_millis(120), ..config(two_datasets()) }).await;
    let c = client(&emu);
    let t0 = Instant::now();
    c.describe_project().project_name("p").send().await.unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(120));
    assert!(emu.stats().faults.is_empty());
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_seed_gives_the_same_faults() {
    async fn pattern(rng_seed: u64) -> Vec<u16> {
        let emu =
            start(EmulatorConfig { rng_seed, faults: spec("internal=0.3,unavailable=0.2"), ..config(two_datasets()) })
                .await;
        let c = client(&emu);
        for _ in 0..40 {
            let _ = c.describe_project().project_name("p").send().await;
        }
        let statuses = emu.log().iter().map(|l| l.status).collect();
        emu.shutdown().await;
        statuses
    }
    let a = pattern(42).await;
    assert_eq!(a, pattern(42).await);
    assert_ne!(a, pattern(43).await);
    assert!(a.contains(&500) && a.contains(&503) && a.contains(&200));
}

#[test]
fn fault_spec_syntax() {
    let f = spec(
        "internal=0.05,unavailable=0.01,reset=0.01,slow=0.01,latency=0.1,slow_ms=5000,latency_ms=50,ops=DeleteDataset+ListProjects",
    );
    assert_eq!((f.internal, f.unavailable, f.reset, f.slow, f.latency), (0.05, 0.01, 0.01, 0.01, 0.1));
    assert_eq!((f.slow_ms, f.latency_ms), (5000, 50));
    assert_eq!(f.ops, vec!["DeleteDataset".to_string(), "ListProjects".to_string()]);
    assert_eq!(spec("").slow_ms, 30_000);
    assert_eq!(spec("latency=0.5").latency_ms, 200);
    let e = FaultSpec::from_str("internal=0.1,timeout=0.2").unwrap_err();
    assert!(e.contains("timeout"), "{e}");
    let e = FaultSpec::from_str("reset=lots").unwrap_err();
    assert!(e.contains("lots") && e.contains("reset"), "{e}");
    let e = FaultSpec::from_str("slow_ms=-1").unwrap_err();
    assert!(e.contains("slow_ms"), "{e}");
}
