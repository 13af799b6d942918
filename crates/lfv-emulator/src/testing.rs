//! Helpers for tests that drive the emulator directly (the emulator's own tests and the tool's tests that
//! arrange or inspect it behind the tool's back): a quick config, seed builders, a raw HTTP request and a
//! bounded poll. Behind the `testing` feature, which only dev-dependencies enable.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::seed::{AccessKey, SeedAccount, SeedDataset, SeedModel, SeedProject, SeedRegion};
use crate::{EmulatorConfig, RunningEmulator, Seed};

/// Access key id of the default seed's key.
pub const AKID: &str = "AKIDTEST";
/// Account of the default access key.
pub const ACCOUNT: &str = "123456789012";

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
    crate::start(config).await.expect("emulator starts")
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

/// A seed with extra access keys: `(key, account, denied operations)`.
pub fn with_keys(mut seed: Seed, keys: &[(&str, &str, &[&str])]) -> Seed {
    let mut m = BTreeMap::new();
    for (k, a, deny) in keys {
        m.insert(
            k.to_string(),
            AccessKey { account: a.to_string(), deny: deny.iter().map(|d| d.to_string()).collect() },
        );
    }
    seed.access_keys = m;
    seed
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct Raw {
    /// The status code (0 if the status line did not parse).
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body, lossily decoded as UTF-8.
    pub body: String,
}

impl Raw {
    /// First header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
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
        let mut lines = head.lines();
        let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Raw { status, headers, body: body.to_string() }
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
