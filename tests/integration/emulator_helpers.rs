//! Helpers for tool tests that arrange or inspect the emulator directly, behind the tool's back (`preserve.rs`,
//! `convert.rs`, `teardown_reports.rs`): the emulator's own test helpers (`lfv_emulator::testing`, shared with
//! its tests), and an S3 client built as the tool builds it.

use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use lfv_emulator::RunningEmulator;
pub use lfv_emulator::testing::{AUTH, config, dataset, eventually, model, project, raw, seed_of, start};

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
