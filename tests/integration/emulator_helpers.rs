//! Helpers for tool tests that arrange or inspect the emulator directly, behind the tool's back (`preserve.rs`,
//! `convert.rs`, `teardown_reports.rs`): copies of the few helpers of the emulator's own tests
//! (`crates/lfv-emulator/tests/emulator/`) they use, since one test binary cannot import another's.

use std::time::Duration;

use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use lfv_emulator::seed::{SeedAccount, SeedDataset, SeedModel, SeedProject, SeedRegion};
use lfv_emulator::{EmulatorConfig, RunningEmulator, Seed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Account of the default access key.
const ACCOUNT: &str = "123456789012";

/// A config with no quota, short lifecycle delays and the given seed.
pub fn config(seed: Seed) -> EmulatorConfig {
    EmulatorConfig {
        seed,
        rate: None,
        create_delay: Duration::from_millis(40),
        model_delay: Duration::from_millis(40),
        ..EmulatorConfig::default()
    }
}

/// Start an emulator.
pub async fn start(config: EmulatorConfig) -> RunningEmulator {
    lfv_emulator::start(config).await.expect("emulator starts")
}

/// A dataset with literal entries `labels` (0 normal, 1 anomaly, None unlabeled).
pub fn dataset(t: &str, labels: &[Option<u8>]) -> SeedDataset {
    let entries = labels
        .iter()
        .enumerate()
        .map(|(i, l)| match l {
            Some(l) => format!(
                r#"{{"source-ref":"s3://bucket/p/{t}/{i:03}.jpg","anomaly-label":{l},"anomaly-label-metadata":{{"class-name":"{}","creation-date":"2023-0{}-01T00:00:00.000"}}}}"#,
                if *l == 1 { "anomaly" } else { "normal" },
                1 + i % 9
            ),
            None => format!(r#"{{"source-ref":"s3://bucket/p/{t}/{i:03}.jpg"}}"#),
        })
        .collect();
    SeedDataset { dataset_type: t.into(), created: 1_650_000_000.0, entries, ..SeedDataset::default() }
}

/// A project.
pub fn project(name: &str, datasets: Vec<SeedDataset>, models: Vec<SeedModel>) -> SeedProject {
    SeedProject { name: name.into(), created: 1_640_000_000.5, datasets, models, ..SeedProject::default() }
}

/// A model.
pub fn model(version: &str, status: &str) -> SeedModel {
    SeedModel { version: version.into(), status: status.into(), created: 1_660_000_000.0, ..SeedModel::default() }
}

/// A seed of one account and region.
pub fn seed_of(projects: Vec<SeedProject>) -> Seed {
    Seed {
        accounts: vec![SeedAccount {
            account: ACCOUNT.into(),
            regions: vec![SeedRegion { region: "us-east-1".into(), projects }],
        }],
        ..Seed::default()
    }
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub body: String,
}

/// A syntactically valid SigV4 Authorization header for `us-east-1`.
pub const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20240101/us-east-1/lookoutvision/aws4_request, \
                        SignedHeaders=host, Signature=00";

/// Send one HTTP/1.1 request with `Connection: close` and read the whole response (5 s bound).
pub async fn raw(emu: &RunningEmulator, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Raw {
    let fut = async {
        let mut s = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", emu.addr());
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        s.write_all(req.as_bytes()).await.unwrap();
        s.write_all(body).await.unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.unwrap();
        let text = String::from_utf8_lossy(&buf).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.lines().next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
        Raw { status, body: body.to_string() }
    };
    tokio::time::timeout(Duration::from_secs(5), fut).await.expect("raw request finishes within 5 s")
}

/// Poll `f` every 10 ms until it returns true, at most `limit`.
pub async fn eventually<F, Fut>(limit: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// An S3 client for the emulator, built as the tool builds it (shared config, path-style, retries off).
pub async fn s3(emu: &RunningEmulator, akid: &str) -> aws_sdk_s3::Client {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emu.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(akid, "secret", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build())
}

/// The RGB colours of every class but BACKGROUND in an entry's `internal-color-map`.
pub fn anomaly_colours(entry: &serde_json::Value) -> Vec<[u8; 3]> {
    let map = entry["anomaly-mask-ref-metadata"]["internal-color-map"].as_object().unwrap();
    map.values()
        .filter(|c| c["class-name"] != "BACKGROUND")
        .map(|c| {
            let h = u32::from_str_radix(&c["hex-color"].as_str().unwrap()[1..], 16).unwrap();
            [(h >> 16) as u8, (h >> 8) as u8, h as u8]
        })
        .collect()
}
