//! What every request handler shares ([`Shared`]): the emulator clock, the world behind its lock, metrics,
//! quotas, faults, settings, identity and the S3 store; building it from a config (state file or seed),
//! snapshots of the state and their ordered writes, and clock advances. No HTTP here.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::EmulatorConfig;
use super::faults::Faults;
use super::identity::Identity;
use super::metrics::Metrics;
use super::persist::{FORMAT_VERSION, Persister, load};
use super::quota::Quota;
use super::s3::store::Store;
use super::seed::{AccessKey, DEFAULT_ACCOUNT};
use super::state::{Clock, MAX_CLOCK_OFFSET_MS, World};

/// Delays and limits copied from [`EmulatorConfig`].
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) latency: Duration,
    pub(crate) delete_delay: Duration,
    pub(crate) create_delay: Duration,
    pub(crate) model_delay: Duration,
    pub(crate) max_projects: usize,
    pub(crate) header_read_timeout: Duration,
}

/// Everything the request handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) clock: Clock,
    pub(crate) world: Mutex<World>,
    generation: AtomicU64,
    pub(crate) metrics: Metrics,
    pub(crate) quota: Quota,
    pub(crate) faults: Faults,
    pub(crate) settings: Settings,
    persister: Option<Persister>,
    default_account: String,
    access_keys: BTreeMap<String, AccessKey>,
    /// The S3 objects, indexed once at start.
    pub(crate) s3: Store,
    /// The S3 request quota (its own rate, [`EmulatorConfig::s3_rate`]).
    pub(crate) s3_quota: Quota,
    /// Access keys, STS sessions, roles, the organisation and disabled regions.
    pub(crate) identity: Identity,
}

/// A snapshot to write after the world lock is released.
pub(crate) struct Snapshot(Option<(u64, Vec<u8>)>);

#[derive(serde::Serialize)]
struct StateFileRef<'a> {
    format_version: u32,
    clock_offset_ms: u64,
    world: &'a World,
    stats: &'a super::Stats,
}

impl Shared {
    /// Build from a config: the state file if it exists, else the seed.
    pub(crate) fn new(config: EmulatorConfig) -> std::io::Result<Shared> {
        let saved = match &config.state_file {
            Some(p) => load(p)?,
            None => None,
        };
        let (clock, world, stats) = match saved {
            Some(f) if f.clock_offset_ms > MAX_CLOCK_OFFSET_MS => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("clock_offset_ms {} is over {MAX_CLOCK_OFFSET_MS} (100 years)", f.clock_offset_ms),
                ));
            }
            Some(f) => (Clock::new(f.clock_offset_ms), f.world, f.stats),
            None => {
                let clock = Clock::new(0);
                let world = World::from_seed(&config.seed, clock.now_ms());
                (clock, world, super::Stats::default())
            }
        };
        super::seed::org::validate(&config.seed)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("invalid seed: {e}")))?;
        let default_account = config.seed.default_account.clone().unwrap_or_else(|| DEFAULT_ACCOUNT.to_string());
        let identity = Identity::new(&config.seed, default_account.clone(), config.session_ttl.as_secs());
        let s3 = Store::from_world(&world, &config.seed.missing_objects, config.s3_image_side, config.seed.jpeg_images);
        let shared = Shared {
            s3,
            s3_quota: Quota::new(config.s3_rate, 0),
            clock,
            world: Mutex::new(world),
            generation: AtomicU64::new(0),
            metrics: Metrics::with_stats(stats),
            quota: Quota::new(config.rate, config.burst),
            faults: Faults::new(config.faults.clone(), config.rng_seed),
            settings: Settings {
                latency: config.latency,
                delete_delay: config.delete_delay,
                create_delay: config.create_delay,
                model_delay: config.model_delay,
                max_projects: config.max_projects,
                header_read_timeout: config.header_read_timeout,
            },
            persister: config.state_file.clone().map(Persister::new),
            default_account,
            access_keys: config.seed.access_keys.clone(),
            identity,
        };
        // The file exists from the start, so a restart right away carries on from the same state.
        let snap = shared.snapshot(&shared.lock_world());
        shared.write(snap)?;
        Ok(shared)
    }

    /// The account of an access key (the session's account for an issued session key; the default account
    /// for keys the seed does not map), and whether its `deny` list names `op`.
    pub(crate) fn account_of(&self, akid: &str, op: &str) -> (String, bool) {
        if let Some(account) = self.identity.session_account(akid) {
            return (account, false);
        }
        let key = self.access_keys.get(akid);
        let account = key.map(|k| k.account.clone()).unwrap_or_else(|| self.default_account.clone());
        (account, key.is_some_and(|k| k.deny.iter().any(|d| d == op)))
    }

    /// Lock the world (poisoning is ignored: every mutation is applied whole or not at all).
    pub(crate) fn lock_world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Serialize the state while the world lock is held (so snapshots are ordered like mutations).
    pub(crate) fn snapshot(&self, world: &World) -> Snapshot {
        if self.persister.is_none() {
            return Snapshot(None);
        }
        let stats = self.metrics.snapshot();
        let file = StateFileRef {
            format_version: FORMAT_VERSION,
            clock_offset_ms: self.clock.offset_ms(),
            world,
            stats: &stats,
        };
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        Snapshot(serde_json::to_vec(&file).ok().map(|b| (generation, b)))
    }

    /// Write a snapshot (after the world lock is released).
    pub(crate) fn write(&self, snap: Snapshot) -> std::io::Result<()> {
        match (&self.persister, snap.0) {
            (Some(p), Some((generation, bytes))) => p.write(generation, &bytes),
            _ => Ok(()),
        }
    }

    /// Write a snapshot, logging a failure (the response still goes out: the state in memory is right).
    pub(crate) fn write_logged(&self, snap: Snapshot) {
        if let Err(e) = self.write(snap) {
            tracing::error!("failed to write emulator state file: {e}");
        }
    }

    /// Advance the emulator clock by `ms` and persist the new offset; refused (clock unchanged) past
    /// [`MAX_CLOCK_OFFSET_MS`] of total advance, or saturating there if `saturate`.
    pub(crate) fn advance_clock(&self, ms: u64, saturate: bool) -> Result<(), String> {
        let w = self.lock_world();
        if saturate {
            self.clock.advance_saturating(ms);
        } else {
            self.clock.try_advance(ms)?;
        }
        let snap = self.snapshot(&w);
        drop(w);
        self.write_logged(snap);
        Ok(())
    }
}
