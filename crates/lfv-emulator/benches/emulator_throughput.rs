//! Emulator throughput: DescribeProject through the real `aws-sdk-lookoutvision` client against the emulator
//! started in-process with no quota and a generated seed of 100 train+test projects.
//!
//! 32 concurrent callers (env `LFV_BENCH_CONCURRENCY`) run for at most 5 s (`LFV_BENCH_SECS`) or 50,000
//! requests in total (`LFV_BENCH_REQUESTS`), whichever comes first; the run prints requests per second and the
//! error count. The client and the emulator share the machine's cores, and the SDK's per-request work (SigV4,
//! the orchestrator) costs far more CPU than the emulator's; `LFV_BENCH_STALLED_STREAM=off` turns off the SDK's
//! stalled-stream protection (a timer per request) to give more of the CPU to the emulator. Run with
//! `cargo bench -p lfv-emulator --bench emulator_throughput` (release profile). Goal: at least 5,000 requests/s
//! on 2 cores.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_lookoutvision::Client;
use aws_sdk_lookoutvision::config::retry::RetryConfig;
use aws_sdk_lookoutvision::config::timeout::TimeoutConfig;
use aws_sdk_lookoutvision::config::{BehaviorVersion, Credentials, Region, StalledStreamProtectionConfig};
use lfv_emulator::seed::{GenSpec, Mix};
use lfv_emulator::{EmulatorConfig, Seed};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let concurrency = env_num("LFV_BENCH_CONCURRENCY", 32);
    let secs = env_num("LFV_BENCH_SECS", 5);
    let max_requests = env_num("LFV_BENCH_REQUESTS", 50_000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    rt.block_on(async move {
        let seed = Seed::generate(&GenSpec { projects: 100, mix: Mix::TrainTest, ..GenSpec::default() });
        let names: Arc<Vec<String>> =
            Arc::new(seed.accounts[0].regions[0].projects.iter().map(|p| p.name.clone()).collect());
        let emu = lfv_emulator::start(EmulatorConfig { seed, rate: None, ..EmulatorConfig::default() })
            .await
            .expect("emulator starts");
        let mut conf = aws_sdk_lookoutvision::Config::builder();
        if std::env::var("LFV_BENCH_STALLED_STREAM").is_ok_and(|v| v == "off") {
            conf = conf.stalled_stream_protection(StalledStreamProtectionConfig::disabled());
        }
        let conf = conf
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(emu.endpoint())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDBENCH", "secret", None, None, "bench"))
            .retry_config(RetryConfig::disabled())
            .timeout_config(TimeoutConfig::builder().operation_attempt_timeout(Duration::from_secs(10)).build())
            .build();
        let client = Client::from_conf(conf);
        let issued = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let start = Instant::now();
        let mut workers = Vec::new();
        for w in 0..concurrency {
            let (client, names, issued, errors) = (client.clone(), names.clone(), issued.clone(), errors.clone());
            workers.push(tokio::spawn(async move {
                let mut i = w as usize;
                while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < max_requests {
                    let name = &names[i % names.len()];
                    i += 7;
                    if client.describe_project().project_name(name).send().await.is_err() {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for w in workers {
            let _ = w.await;
        }
        let elapsed = start.elapsed().as_secs_f64();
        let stats = emu.stats();
        let done = stats.calls("DescribeProject");
        emu.shutdown().await;
        println!(
            "emulator_throughput: {done} DescribeProject calls in {elapsed:.2} s with concurrency {concurrency}: \
             {:.0} requests/s, {} errors",
            done as f64 / elapsed,
            errors.load(Ordering::Relaxed)
        );
    });
}
