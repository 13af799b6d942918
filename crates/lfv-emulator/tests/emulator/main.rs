//! Tests of the local Lookout for Vision emulator, driven through the real `aws-sdk-lookoutvision` client (and
//! the `aws-sdk-s3`, `aws-sdk-sts` and `aws-sdk-organizations` clients for those services; only where an SDK
//! cannot produce the request, raw HTTP over a TCP socket). One test binary of the emulator crate, in process
//! on 127.0.0.1:0; it knows nothing of the tool.
//!
//! Shared here: the SDK client builder (retries off, bounded timeouts); the emulator start helpers, small seeds
//! and the raw HTTP/1.1 helper are the crate's own `lfv_emulator::testing` (the tool's tests use them too).

mod errors;
mod faults;
mod happy;
mod idempotency;
mod inputs;
mod orgs;
mod packaging;
mod paging;
mod persist;
mod quota;
mod s3;
mod seed;
mod sts;
mod teardown;

use std::time::Duration;

use aws_sdk_lookoutvision::Client;
use aws_sdk_lookoutvision::config::retry::RetryConfig;
use aws_sdk_lookoutvision::config::timeout::TimeoutConfig;
use aws_sdk_lookoutvision::config::{BehaviorVersion, Credentials, Region};
pub use lfv_emulator::seed::{AccessKey, SeedAccount, SeedDataset, SeedModel, SeedProject, SeedRegion};
pub use lfv_emulator::testing::*;
pub use lfv_emulator::{EmulatorConfig, RunningEmulator, Seed};
pub use std::collections::BTreeMap;
pub use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A client with retries disabled and a 5 s attempt timeout.
pub fn client(emu: &RunningEmulator) -> Client {
    client_with(emu, AKID, "us-east-1", Duration::from_secs(5))
}

/// A client for one access key, region and attempt timeout.
pub fn client_with(emu: &RunningEmulator, akid: &str, region: &str, attempt: Duration) -> Client {
    let conf = aws_sdk_lookoutvision::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(emu.endpoint())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(akid, "secret", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(attempt)
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .build();
    Client::from_conf(conf)
}
