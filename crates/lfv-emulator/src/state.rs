//! Emulator state: the emulator clock, and per (account, region) the projects with their datasets, models and
//! tags, loaded from a [`Seed`]. Lifecycle timers (`settle_after_ms`, delete and stop delays) are absolute
//! emulator-clock instants evaluated lazily by [`RegionState::tick`] when a region is touched: no background
//! task runs. The whole [`World`] is serializable; `persist.rs` writes it.
//!
//! This module knows nothing of HTTP; `lookoutvision/` maps requests onto it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::idempotency::Idempotency;
pub(crate) use super::model_state::{Model, PackagingJob, Settle};
use super::seed::generate::{EntryKey, default_bucket, gen_entry, gen_stats, stats_of_lines};
use super::seed::{ImageStats, Seed, SeedDataset, SeedProject};
use super::status::DatasetStatus;

/// The emulator clock: real elapsed time since start, plus the wall clock at start, plus an offset that
/// `advance_clock` moves forward. Milliseconds since the Unix epoch.
#[derive(Debug)]
pub(crate) struct Clock {
    base_wall_ms: u64,
    start: Instant,
    offset_ms: AtomicU64,
}

impl Clock {
    /// A clock reading the wall clock now plus `offset_ms`.
    pub(crate) fn new(offset_ms: u64) -> Clock {
        let base_wall_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        Clock { base_wall_ms, start: Instant::now(), offset_ms: AtomicU64::new(offset_ms) }
    }
    /// Emulator time, ms since the Unix epoch.
    pub(crate) fn now_ms(&self) -> u64 {
        self.base_wall_ms + self.start.elapsed().as_millis() as u64 + self.offset_ms.load(Ordering::SeqCst)
    }
    /// Total advance so far.
    pub(crate) fn offset_ms(&self) -> u64 {
        self.offset_ms.load(Ordering::SeqCst)
    }
    /// Move the clock forward by `ms`, or refuse (leaving it unchanged) if the total advance would pass
    /// [`MAX_CLOCK_OFFSET_MS`]: the clock never wraps or moves backwards.
    pub(crate) fn try_advance(&self, ms: u64) -> Result<(), String> {
        self.offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                o.checked_add(ms).filter(|n| *n <= MAX_CLOCK_OFFSET_MS)
            })
            .map(|_| ())
            .map_err(|o| {
                format!(
                    "cannot advance the clock by {ms} ms: the total advance would pass {MAX_CLOCK_OFFSET_MS} ms \
                     (100 years); {} ms left",
                    MAX_CLOCK_OFFSET_MS - o.min(MAX_CLOCK_OFFSET_MS)
                )
            })
    }
    /// Move the clock forward by `ms`, stopping at [`MAX_CLOCK_OFFSET_MS`] of total advance.
    pub(crate) fn advance_saturating(&self, ms: u64) {
        let _ = self.offset_ms.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
            Some(o.saturating_add(ms).min(MAX_CLOCK_OFFSET_MS).max(o))
        });
    }
}

/// Most total advance of the emulator clock: 3,155,760,000,000 ms (100 years of 365.25 days), so emulator time
/// stays far from overflowing a u64 of milliseconds.
pub(crate) const MAX_CLOCK_OFFSET_MS: u64 = 3_155_760_000_000;

/// One dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Dataset {
    pub(crate) dataset_type: String,
    pub(crate) created: f64,
    pub(crate) updated: f64,
    pub(crate) status: DatasetStatus,
    pub(crate) status_message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) settle: Option<Settle<DatasetStatus>>,
    /// DELETE_IN_PROGRESS until this instant, then gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) gone_at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) entries: Vec<String>,
    #[serde(default)]
    pub(crate) generate_entries: u64,
    pub(crate) bucket: String,
    pub(crate) image_stats: ImageStats,
}

impl Dataset {
    /// Number of entries (literal then generated).
    pub(crate) fn entry_count(&self) -> u64 {
        self.entries.len() as u64 + self.generate_entries
    }
    /// Entry `i` (literal entries first, then generated ones).
    pub(crate) fn entry(&self, key: &EntryKey<'_>, i: u64) -> String {
        match self.entries.get(i as usize) {
            Some(e) => e.clone(),
            None => gen_entry(key, i - self.entries.len() as u64).0,
        }
    }
}

/// One project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Project {
    pub(crate) name: String,
    pub(crate) created: f64,
    pub(crate) datasets: BTreeMap<String, Dataset>,
    pub(crate) models: BTreeMap<u32, Model>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) tags: BTreeMap<String, String>,
    /// Model packaging jobs by job name; they go with the project.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) packaging_jobs: BTreeMap<String, PackagingJob>,
    /// A deleted project still listed by ListProjects until this instant; 404 everywhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ghost_until_ms: Option<u64>,
}

impl Project {
    /// Whether the project exists for every operation except ListProjects.
    pub(crate) fn live(&self) -> bool {
        self.ghost_until_ms.is_none()
    }
}

/// The projects of one (account, region).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct RegionState {
    pub(crate) projects: BTreeMap<String, Project>,
    /// Earliest pending timer; `tick` does nothing before it.
    #[serde(default)]
    pub(crate) next_deadline_ms: u64,
}

impl RegionState {
    /// Note a new timer.
    pub(crate) fn schedule(&mut self, at_ms: u64) {
        self.next_deadline_ms = self.next_deadline_ms.min(at_ms);
    }

    /// Apply every timer due at `now`: settle statuses, remove deleted datasets and models, drop expired
    /// ghost projects. O(1) when nothing is due.
    pub(crate) fn tick(&mut self, now: u64) {
        if now < self.next_deadline_ms {
            return;
        }
        let mut next = u64::MAX;
        self.projects.retain(|_, p| match p.ghost_until_ms {
            Some(t) if t <= now => false,
            Some(t) => {
                next = next.min(t);
                true
            }
            None => true,
        });
        for p in self.projects.values_mut() {
            p.datasets.retain(|_, d| !matches!(d.gone_at_ms, Some(t) if t <= now));
            for d in p.datasets.values_mut() {
                if let Some(s) = d.settle.take_if(|s| s.at_ms <= now) {
                    d.status_message = s.to.message().to_string();
                    d.status = s.to;
                    d.updated = s.at_ms as f64 / 1000.0;
                }
                for t in d.settle.iter().map(|s| s.at_ms).chain(d.gone_at_ms) {
                    next = next.min(t);
                }
            }
            p.models.retain(|_, m| !matches!(m.gone_at_ms, Some(t) if t <= now));
            for m in p.models.values_mut() {
                if let Some(s) = m.settle.take_if(|s| s.at_ms <= now) {
                    m.status_message = s.to.message().to_string();
                    m.status = s.to;
                }
                next = next.min(m.next_timer().unwrap_or(u64::MAX));
            }
        }
        self.next_deadline_ms = next;
    }
}

/// All resources and idempotency records; everything a restart must carry on with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct World {
    /// account -> region -> projects.
    pub(crate) accounts: BTreeMap<String, BTreeMap<String, RegionState>>,
    pub(crate) idempotency: Idempotency,
}

impl World {
    /// The region of an account, ticked to `now`; `None` if it never had resources.
    pub(crate) fn region(&mut self, account: &str, region: &str, now: u64) -> Option<&mut RegionState> {
        let r = self.accounts.get_mut(account)?.get_mut(region)?;
        r.tick(now);
        Some(r)
    }
    /// The region of an account, created if needed, ticked to `now`.
    pub(crate) fn region_mut(&mut self, account: &str, region: &str, now: u64) -> &mut RegionState {
        let r = self.accounts.entry(account.to_string()).or_default().entry(region.to_string()).or_default();
        r.tick(now);
        r
    }

    /// Build the world from a seed; relative timers count from `now`.
    pub(crate) fn from_seed(seed: &Seed, now: u64) -> World {
        let mut w = World::default();
        for a in &seed.accounts {
            for r in &a.regions {
                let rs = w.accounts.entry(a.account.clone()).or_default().entry(r.region.clone()).or_default();
                let mut next = u64::MAX;
                for sp in &r.projects {
                    let (project, timer) = Project::from_seed(&a.account, &r.region, sp, now);
                    next = next.min(timer);
                    rs.projects.insert(sp.name.clone(), project);
                }
                rs.next_deadline_ms = next;
            }
        }
        w
    }
}

impl Project {
    /// A seeded project of `account` in `region` (timers count from `now`), with its earliest pending timer
    /// (`u64::MAX` if none). Its datasets are in the region's default bucket; a dataset, model or packaging job
    /// the seed check refuses (a status that is not one, a model version that is not a number) is left out.
    fn from_seed(account: &str, region: &str, sp: &SeedProject, now: u64) -> (Project, u64) {
        let mut next = u64::MAX;
        let bucket = default_bucket(account, region);
        let mut datasets = BTreeMap::new();
        for sd in &sp.datasets {
            let Some(d) = Dataset::from_seed(sd, (account, region, &sp.name), &bucket, now) else { continue };
            if let Some(s) = &d.settle {
                next = next.min(s.at_ms);
            }
            datasets.insert(sd.dataset_type.clone(), d);
        }
        let mut models = BTreeMap::new();
        for m in sp.models.iter().filter_map(|sm| Model::from_seed(sm, now)) {
            next = next.min(m.next_timer().unwrap_or(u64::MAX));
            models.insert(m.version, m);
        }
        let packaging_jobs =
            sp.packaging_jobs.iter().filter_map(|j| Some((j.name.clone(), PackagingJob::from_seed(j)?))).collect();
        let ghost_until_ms = sp.listed_after_delete_ms.map(|ms| now.saturating_add(ms));
        if let Some(t) = ghost_until_ms {
            next = next.min(t);
        }
        let project = Project {
            name: sp.name.clone(),
            created: sp.created,
            datasets,
            models,
            tags: sp.tags.clone(),
            packaging_jobs,
            ghost_until_ms,
        };
        (project, next)
    }
}

impl Dataset {
    /// A seeded dataset of project `(account, region, project)` in `bucket` (timers count from `now`); `None`
    /// if its status or `settles_to` is not a status.
    fn from_seed(
        sd: &SeedDataset,
        (account, region, project): (&str, &str, &str),
        bucket: &str,
        now: u64,
    ) -> Option<Dataset> {
        let key = EntryKey { account, region, project, dataset_type: &sd.dataset_type, bucket, created: sd.created };
        let generated = sd.generate_entries.unwrap_or(0);
        let stats = seed_stats(sd, &key, generated);
        let (status, settle) = seed_lifecycle(sd, now)?;
        Some(Dataset {
            dataset_type: sd.dataset_type.clone(),
            created: sd.created,
            updated: sd.created,
            status_message: sd.status_message.clone().unwrap_or_else(|| status.message().to_string()),
            status,
            settle,
            gone_at_ms: None,
            entries: sd.entries.clone(),
            generate_entries: generated,
            bucket: bucket.to_string(),
            image_stats: stats,
        })
    }
}

/// A seeded dataset's ImageStats: the seed's own, or those of its literal entries plus its `generated` ones.
fn seed_stats(sd: &SeedDataset, key: &EntryKey<'_>, generated: u64) -> ImageStats {
    sd.image_stats.unwrap_or_else(|| {
        let a = stats_of_lines(&sd.entries);
        let b = gen_stats(key, generated);
        ImageStats {
            total: a.total + b.total,
            labeled: a.labeled + b.labeled,
            normal: a.normal + b.normal,
            anomaly: a.anomaly + b.anomaly,
        }
    })
}

/// A seeded dataset's status and pending settle (timers count from `now`), parsed once: an empty status
/// (`SeedDataset::default()`'s) is `CREATE_COMPLETE` like the serde default, and an absent `settles_to` settles
/// to `CREATE_COMPLETE`. `None` if either is not a status.
fn seed_lifecycle(sd: &SeedDataset, now: u64) -> Option<(DatasetStatus, Option<Settle<DatasetStatus>>)> {
    let status = if sd.status.is_empty() { DatasetStatus::CreateComplete } else { DatasetStatus::parse(&sd.status)? };
    let settle = match sd.settle_after_ms {
        None => None,
        Some(ms) => {
            let to = match &sd.settles_to {
                Some(s) => DatasetStatus::parse(s)?,
                None => DatasetStatus::CreateComplete,
            };
            Some(Settle { at_ms: now.saturating_add(ms), to })
        }
    };
    Some((status, settle))
}

/// `arn:aws:lookoutvision:{region}:{account}:project/{name}`.
pub(crate) fn project_arn(account: &str, region: &str, name: &str) -> String {
    format!("arn:aws:lookoutvision:{region}:{account}:project/{name}")
}

/// `arn:aws:lookoutvision:{region}:{account}:model/{name}/{version}`.
pub(crate) fn model_arn(account: &str, region: &str, name: &str, version: u32) -> String {
    format!("arn:aws:lookoutvision:{region}:{account}:model/{name}/{version}")
}
