//! The local Amazon Lookout for Vision service.
//!
//! Speaks the restJson1 wire protocol of the 2020-11-20 API exactly as `aws-sdk-lookoutvision` expects it,
//! with the service's quotas, errors, idempotency and lifecycles, plus reproducible fault injection. It exists
//! because the real service reached end of support on 2025-10-31; every test, benchmark and the demo run the
//! real SDK against it over loopback.
//!
//! A crate of its own that depends on no crate of the tool (only `lfv-fs`, for its state file): it knows only the
//! wire, and the compiler keeps it so.
//!
//! Entry points:
//! - [`serve`]: run on a listener until `shutdown` resolves (the CLI's `emulator` command, and tests);
//! - [`start`]: bind `127.0.0.1:0`, spawn [`serve`] on the current runtime and return a [`RunningEmulator`]
//!   handle (endpoint, stats, clock, live fault and rate changes, shutdown).
//!
//! Out-of-API endpoints live under `/_emulator/` (outside the API's `/2020-11-20/` path space):
//! - `GET /_emulator/stats`: [`Stats`] as JSON;
//! - `GET /_emulator/log`: the request log ([`LogEntry`] list, oldest first, at most 200,000 kept);
//! - `POST /_emulator/clock?advance_secs=N`: advance the emulator clock (idempotency expiry, lifecycles); 400
//!   with a message if N is not an integer or the total advance would pass 100 years (the clock is unchanged).
//!
//! Layout, one folder per service behind one request pipeline:
//! - the pipeline: `server.rs` (accept loop, `/_emulator/`, SigV4 scope -> service), `pipeline.rs` (per
//!   request, for every service: route, SigV4 scope and credentials, `deny` list, quota, faults, body, the
//!   service's operation, delay, metrics), `service.rs` (what a service tells the pipeline: the `Service` trait,
//!   refusals, answers), `auth.rs` (the credentials check every service shares), `request.rs` (the request as
//!   Lookout for Vision's handlers see it, body reads), `quota.rs`, `faults.rs`, `metrics.rs` (stats, the log
//!   and their types), `routes.rs` (Lookout for Vision's operations and routing), `wire.rs` (restJson1 errors,
//!   responses, percent-decoding, SigV4 scope, XML escaping), `validate.rs` (field validators), `paging.rs`
//!   (tokens);
//! - the services, each a folder with its `Service`: `lookoutvision/` (its operations, see that module),
//!   `s3/` (the minimal S3, scope service `s3`, with its object store), `sts/` (GetCallerIdentity and
//!   AssumeRole, scope service `sts`, query protocol), `orgs/` (Organizations ListAccounts, scope service
//!   `organizations`, JSON 1.1);
//! - the world they share: `shared.rs` (clock, world lock, snapshots), `state.rs` (resources, lifecycle
//!   timers), `status.rs` (lifecycle statuses as enums), `model_state.rs` (models and packaging jobs as held),
//!   `identity.rs` (long-term keys, sessions and their expiry, roles, disabled regions: every service's
//!   callers, so it stays beside the world rather than in `sts/`), `idempotency.rs`, `persist.rs` (state file);
//! - `seed/`: the seed format with its types at the bottom (`types.rs`), validation (`check.rs`, `model.rs`),
//!   the generator (`generate.rs`, `generate_models.rs`, `derive.rs`) and the organisation (`org.rs`,
//!   `--seed-accounts`).
//!
//! CHOICES where AWS documented nothing (the README lists them): same client token with other parameters
//! within 8 h is a 409; conflicts as in API_NOTES.md, plus DeleteModel on a DELETING model is a 409 and
//! StopModel on a STARTING_HOSTING model is a 409; CreateProject beyond [`EmulatorConfig::max_projects`] live
//! projects per account and region (default 1,000) is ServiceQuotaExceededException (QuotaCode
//! `L-LFV-PROJECTS`); ResourceId is the project name, `project/type` for a dataset, `project/version` for a
//! model, the ARN for a tag target and the job name for a packaging job; a CreateDataset with a source gets 20
//! generated entries; more than 50 tags on a resource is ServiceQuotaExceededException (QuotaCode `L-LFV-TAGS`),
//! `aws:` tag keys are reserved; packaging jobs outlive their model and go with their project; a Greengrass
//! component version ARN is `arn:aws:greengrass:{region}:{account}:components:{name}:versions:{version}`.

mod auth;
mod faults;
mod idempotency;
mod identity;
mod lookoutvision;
mod metrics;
mod model_state;
mod orgs;
mod paging;
mod persist;
mod pipeline;
mod quota;
mod request;
mod routes;
mod s3;
pub mod seed;
pub use seed::org as org_seed;
mod server;
mod service;
mod shared;
mod state;
mod status;
mod sts;
#[cfg(feature = "testing")]
pub mod testing;
mod validate;
mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use server::Shared;

pub use metrics::{LogEntry, MUTATING_OPS, Mutations, Stats};
pub use seed::{GenSpec, Mix, Seed};

/// Everything the emulator is started with.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Initial accounts, regions, projects, datasets and models (ignored when `state_file` exists).
    pub seed: Seed,
    /// Seed of the fault-injection random generator: the same seed and request order give the same faults.
    pub rng_seed: u64,
    /// Quota in requests per second per (account, region, operation); `None` is unlimited. Default 5.0.
    pub rate: Option<f64>,
    /// Capacity of each token bucket. `0` (the default) means one second of the rate, `ceil(rate)` (at least
    /// 1), following the rate when it changes. **CHOICE**: AWS documents the TPS quota but no burst; a bucket
    /// of one second lets a client pacing exactly at the quota through despite network jitter, while any
    /// sustained excess is throttled within a second.
    pub burst: u32,
    /// Fault injection rates.
    pub faults: FaultSpec,
    /// Latency added to every API response. Default 0.
    pub latency: Duration,
    /// How long a deleted dataset shows `DELETE_IN_PROGRESS` before it is gone. Default 0 (gone at once).
    pub delete_delay: Duration,
    /// How long `CreateDataset` with a source stays `CREATE_IN_PROGRESS`. Default 2 s.
    pub create_delay: Duration,
    /// How long `StopModel` shows `STOPPING_HOSTING` and `DeleteModel` shows `DELETING`, unless the model's seed
    /// sets `stop_after_ms` or `delete_after_ms`. Default 1 s.
    pub model_delay: Duration,
    /// Persist state here: loaded at start if present, written atomically after every mutation.
    pub state_file: Option<PathBuf>,
    /// CHOICE: most live projects per (account, region); CreateProject beyond it is
    /// ServiceQuotaExceededException (402, QuotaCode `L-LFV-PROJECTS`, ServiceCode `lookoutvision`, ResourceType
    /// PROJECT). Default [`DEFAULT_MAX_PROJECTS`] (1,000).
    pub max_projects: usize,
    /// How long a connection may take to send a request's line and headers (from the first byte of the request,
    /// or from the connection's start for its first request) before the emulator closes it, so half-sent
    /// requests cannot hold connections open. Default [`DEFAULT_HEADER_READ_TIMEOUT`] (10 s).
    pub header_read_timeout: Duration,
    /// S3 quota in requests per second per (account, region, operation), with a bucket of one second;
    /// `None` is unlimited. Default [`DEFAULT_S3_RATE`] (5,500/s, S3's documented GET rate per prefix).
    pub s3_rate: Option<f64>,
    /// Side in pixels of every emulated S3 image and mask (noise PNGs: about `3 * side^2` bytes; 148 gives
    /// about 64 KiB). Default 32, at least 16.
    pub s3_image_side: u32,
    /// Lifetime of an STS session when AssumeRole names no DurationSeconds (`--session-ttl`); role chaining
    /// caps it at 3,600 s. Default [`DEFAULT_SESSION_TTL`] (3,600 s).
    pub session_ttl: Duration,
}

/// Default of [`EmulatorConfig::header_read_timeout`]: 10 s.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Default of [`EmulatorConfig::session_ttl`]: 3,600 s, AWS's default DurationSeconds.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(3600);

/// Default of [`EmulatorConfig::s3_rate`]: 5,500 requests/s.
pub const DEFAULT_S3_RATE: f64 = 5500.0;

/// Default of [`EmulatorConfig::max_projects`]: 1,000 projects per account and region.
pub const DEFAULT_MAX_PROJECTS: usize = 1000;

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            seed: Seed::default(),
            rng_seed: 0,
            rate: Some(5.0),
            burst: 0,
            faults: FaultSpec::default(),
            latency: Duration::ZERO,
            delete_delay: Duration::ZERO,
            create_delay: Duration::from_secs(2),
            model_delay: Duration::from_secs(1),
            state_file: None,
            max_projects: DEFAULT_MAX_PROJECTS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            s3_rate: Some(DEFAULT_S3_RATE),
            s3_image_side: s3::store::DEFAULT_SIDE,
            session_ttl: DEFAULT_SESSION_TTL,
        }
    }
}

/// Probabilities (0.0-1.0) of each injected fault, drawn per API request from the seeded generator.
/// Parsed from `--faults internal=0.05,unavailable=0.01,reset=0.01,slow=0.01,latency=0.1`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// InternalServerException, 500, `Retry-After: 1`.
    pub internal: f64,
    /// A 503 with no error code and a non-JSON body.
    pub unavailable: f64,
    /// The connection is closed without any response.
    pub reset: f64,
    /// The response is delayed by `slow_ms` (default 30,000 ms), enough to trip a client attempt timeout.
    pub slow: f64,
    /// The response is delayed by `latency_ms` (default 200 ms).
    pub latency: f64,
    /// Delay of a `slow` fault in milliseconds.
    pub slow_ms: u64,
    /// Delay of a `latency` fault in milliseconds.
    pub latency_ms: u64,
    /// Only inject into these operations (e.g. `ops=DeleteDataset+ListProjects`); empty means every operation.
    pub ops: Vec<String>,
}

impl std::str::FromStr for FaultSpec {
    type Err = String;
    /// `kind=rate` pairs separated by commas; kinds: internal, unavailable, reset, slow, latency, slow_ms,
    /// latency_ms, ops (operation names joined by `+`). An empty string is no faults.
    /// Unset `slow_ms` and `latency_ms` default to 30,000 and 200; an error names the bad kind or value.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        faults::parse(s)
    }
}

/// Run the emulator on `listener` until `shutdown` resolves; in-flight requests are then finished.
pub async fn serve(
    listener: TcpListener,
    config: EmulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let shared = Arc::new(Shared::new(config)?);
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = tx.send(true);
    });
    server::accept_loop(listener, shared, rx).await
}

/// Bind `127.0.0.1:0` and spawn the emulator on the current tokio runtime.
pub async fn start(config: EmulatorConfig) -> std::io::Result<RunningEmulator> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::new(config)?);
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(server::accept_loop(listener, shared.clone(), rx));
    Ok(RunningEmulator { addr, shared, stop: tx, task: Some(task) })
}

/// Run the emulator on `listen` until Ctrl-C (the CLI's `emulator` command). Prints the endpoint and the
/// environment to use it on stdout:
///
/// ```text
/// lfv-sunset emulator listening on http://127.0.0.1:4566
/// export AWS_ENDPOINT_URL=http://127.0.0.1:4566
/// export AWS_ACCESS_KEY_ID=AKIDLFVEMULATOR
/// export AWS_SECRET_ACCESS_KEY=emulator
/// export AWS_REGION=us-east-1
/// ```
pub async fn run_standalone(listen: SocketAddr, config: EmulatorConfig) -> std::io::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    println!("lfv-sunset emulator listening on http://{addr}");
    println!("export AWS_ENDPOINT_URL=http://{addr}");
    println!("export AWS_ACCESS_KEY_ID=AKIDLFVEMULATOR");
    println!("export AWS_SECRET_ACCESS_KEY=emulator");
    println!("export AWS_REGION=us-east-1");
    serve(listener, config, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Read a seed file (JSON, the format of [`Seed`]) and check it with [`seed::validate`]; the error names the
/// file and the parse error or the entry at fault.
pub fn load_seed(path: &Path) -> Result<Seed, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("failed to read seed file {}: {e}", path.display()))?;
    let seed = serde_json::from_str(&text).map_err(|e| format!("failed to parse seed file {}: {e}", path.display()))?;
    seed::validate(&seed).map_err(|e| format!("invalid seed file {}: {e}", path.display()))?;
    seed::org::validate(&seed).map_err(|e| format!("invalid seed file {}: {e}", path.display()))?;
    Ok(seed)
}

/// The emulator without a socket: one in-memory request in, one response out, through the same pipeline as
/// the connections of [`serve`] (routing, SigV4 scope, `deny` lists, quota, faults, the 1 MiB body limit, the
/// operations and the `/_emulator/` endpoints). For the fuzz target `request`; the caller provides the tokio
/// runtime (latency faults and `config.latency` sleep on it).
pub struct Handler {
    shared: Arc<Shared>,
}

impl Handler {
    /// Build the state from `config` as [`start`] does (its state file if present, else its seed).
    pub fn new(config: EmulatorConfig) -> std::io::Result<Handler> {
        Ok(Handler { shared: Arc::new(Shared::new(config)?) })
    }

    /// Answer one request with its body in memory. `None` when the emulator would close the connection
    /// without an answer (the `reset` fault).
    pub async fn handle(&self, req: hyper::Request<bytes::Bytes>) -> Option<hyper::Response<bytes::Bytes>> {
        let req = req.map(http_body_util::Full::new);
        let resp = server::handle(self.shared.clone(), req).await.ok()?;
        let (parts, body) = resp.into_parts();
        let bytes = http_body_util::BodyExt::collect(body).await.map(|c| c.to_bytes()).unwrap_or_default();
        Some(hyper::Response::from_parts(parts, bytes))
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.shared.metrics.snapshot()
    }
}

/// Handle to an emulator spawned by [`start`]. Dropping it shuts the emulator down.
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl RunningEmulator {
    /// The bound address (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL` or `--endpoint-url`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.shared.metrics.snapshot()
    }
    /// The request log, oldest first.
    pub fn log(&self) -> Vec<LogEntry> {
        self.shared.metrics.log()
    }
    /// Move the emulator clock forward (idempotency expiry, lifecycle timers). The total advance saturates at
    /// 100 years (3,155,760,000,000 ms); the clock never moves backwards.
    pub fn advance_clock(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self.shared.advance_clock(ms, true);
    }
    /// The emulator clock now (the wall clock plus every advance): session expiry is judged by it.
    pub fn now(&self) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + Duration::from_millis(self.shared.clock.now_ms())
    }
    /// From now on, answer every Lookout for Vision and S3 call of `account` in `region` as a region the account
    /// has not enabled (`disabled_regions`): a region opted out, or a service control policy applied, while a
    /// run goes on. Sessions issued before are refused there too.
    pub fn disable_region(&self, account: &str, region: &str) {
        self.shared.identity.disable(account, region);
    }
    /// Replace the fault rates from now on.
    pub fn set_faults(&self, faults: FaultSpec) {
        self.shared.faults.set(faults);
    }
    /// Replace the quota from now on (`None` is unlimited).
    pub fn set_rate(&self, rate: Option<f64>) {
        self.shared.quota.set_rate(rate);
    }
    /// Replace the S3 quota from now on (`None` is unlimited).
    pub fn set_s3_rate(&self, rate: Option<f64>) {
        self.shared.s3_quota.set_rate(rate);
    }
    /// Stop accepting, finish in-flight requests (at most 5 s, then they are aborted), and wait for the server
    /// task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}
