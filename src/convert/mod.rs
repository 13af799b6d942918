//! `convert`: preserved datasets (the backup tree of `apply`/`export`) into the folder layouts that
//! open-source anomaly detection trains on (anomalib's Folder, MVTec AD), with the images and masks fetched
//! from S3.
//!
//! Layout: `manifest.rs` (a manifest line understood, unsafe keys refused), `layout.rs` (where each entry
//! goes: pure, table-tested), `mask.rs` (colour mask to binary mask), `encode.rs` (an image's format from its
//! content; JPEG to PNG), `discover.rs` (the backup tree, read only), `safe_fs.rs` (writes that never leave
//! OUT_DIR nor follow symlinks; the resume journal), `fetch.rs` (one entry: skip if verified, fetch, verify,
//! write), `loader.rs` (the anomalib call that loads a converted project: pure) and `outputs.rs` (CSV,
//! README, summary).
//!
//! The run: read every selected project's manifests, place every entry, then convert up to `concurrency`
//! entries at once; each GetObject goes through the command's pace (the limiter of its (account, region) and
//! `GetObject`, the tool's retry) (SlowDown lowers the rate). Per-entry failures are rows, never an early stop. At the end
//! `convert.csv`, each project's `manifest.csv` and `README.txt` are written atomically. Nothing is written
//! under BACKUP_DIR.

mod discover;
mod encode;
mod fetch;
pub mod layout;
mod loader;
mod manifest;
mod mask;
mod outputs;
mod safe_fs;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tokio::task::JoinSet;

use crate::cloud::S3Client;
use crate::error::Error;
use crate::exec::events::{Event, EventSink};
use crate::exec::retry::Cancel;
use crate::service::{Op, Pace};
pub use layout::Layout;
pub use outputs::{CannotLoad, Row, Summary};

/// Everything a conversion needs besides its S3 clients.
#[derive(Debug, Clone)]
pub struct Options {
    /// The backup tree (read only).
    pub from: PathBuf,
    /// The output directory.
    pub to: PathBuf,
    /// The layout.
    pub layout: Layout,
    /// Only projects whose directory name matches one of these (empty: all).
    pub projects: Vec<globset::GlobMatcher>,
    /// GetObject calls in flight.
    pub concurrency: usize,
    /// The command's pace: a limiter per (account, region) and `GetObject` at `--rate`, the retry policy,
    /// the count of calls.
    pub pace: Arc<Pace>,
    /// S3 region for every call (default: the backup tree's region of each project).
    pub region_override: Option<String>,
}

/// What a plan of the conversion needs from S3: the regions to connect to.
pub fn regions_needed(sources: &[discover::Source], region_override: Option<&str>) -> BTreeSet<String> {
    match region_override {
        Some(r) => [r.to_string()].into(),
        None => sources.iter().filter(|s| s.problem.is_none()).map(|s| s.region.clone()).collect(),
    }
}

/// The projects found under `from`, and notes on what was skipped.
pub fn find_sources(opts: &Options) -> Result<(Vec<discover::Source>, Vec<String>), Error> {
    let mut notes = Vec::new();
    let keep = |name: &str| opts.projects.is_empty() || opts.projects.iter().any(|g| g.is_match(name));
    let sources = discover::sources(&opts.from, &keep, &mut notes).map_err(|e| Error::io("read", &opts.from, e))?;
    Ok((sources, notes))
}

pub use discover::Source;
pub use safe_fs::resolve as resolve_path;

fn sha_line(path: &Path) -> String {
    let sha = lfv_model::sha256::file_hex(path).unwrap_or_default();
    format!("  {} {sha}", path.display())
}

/// Run a conversion with `clients` (S3 clients by region). Returns the rows (sorted by project, type, line)
/// and the summary; `Err` only for failures that stop everything (OUT_DIR unusable).
pub async fn run(
    opts: &Options,
    sources: &[Source],
    clients: HashMap<String, S3Client>,
    cancel: Cancel,
    events: EventSink,
) -> Result<(Vec<Row>, Summary), Error> {
    let started = Instant::now();
    safe_fs::ensure_out(&opts.to)?;
    let (journal, done) =
        safe_fs::Journal::open(&opts.to).map_err(|e| Error::io("open", opts.to.join(safe_fs::JOURNAL), e))?;
    let mut items = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        if s.problem.is_none() && safe_fs::check_rel(&s.out_name).is_ok() {
            safe_fs::remove_stale_temps(&opts.to, &s.out_name);
            safe_fs::remove_stale_temps(&opts.to, &format!("_unlabeled/{}", s.out_name));
        }
        let mut manifests = Vec::new();
        for t in discover::DATASET_TYPES {
            if let Some(p) = discover::manifest_path(&s.dir, t) {
                let text = std::fs::read_to_string(&p).map_err(|e| Error::io("read", &p, e))?;
                manifests.push((t, text));
            }
        }
        items.extend(discover::items(i, s, opts.layout, &manifests));
    }
    events.send(Event::Phase { name: "converting".into(), total: items.len() as u64 });
    let ctx = Arc::new(fetch::Ctx {
        out: opts.to.clone(),
        clients,
        pace: opts.pace.clone(),
        cancel,
        journal,
        done,
        events: events.clone(),
    });
    // The pace's limiters are per target: each (account, S3 region) of the run is one.
    let mut targets: HashMap<(&str, &str), usize> = HashMap::new();
    let mut rows = Vec::with_capacity(items.len());
    let mut set = JoinSet::new();
    for item in items {
        while set.len() >= opts.concurrency.max(1) {
            if let Some(r) = set.join_next().await {
                rows.push(r.map_err(|e| Error::Internal(format!("convert task: {e}")))?);
            }
        }
        let s = &sources[item.source];
        let region = opts.region_override.as_deref().unwrap_or(&s.region);
        let next = targets.len();
        let target = *targets.entry((&s.account, region)).or_insert(next);
        let origin = fetch::Origin { target, region: region.to_string(), out_name: s.out_name.clone() };
        set.spawn(fetch::convert_one(ctx.clone(), origin, item));
    }
    while let Some(r) = set.join_next().await {
        rows.push(r.map_err(|e| Error::Internal(format!("convert task: {e}")))?);
    }
    let order = |t: &str| if t == "train" { 0 } else { 1 };
    rows.sort_by(|a, b| {
        (&a.project, order(&a.dataset_type), a.line).cmp(&(&b.project, order(&b.dataset_type), b.line))
    });
    let cannot_load = write_outputs(opts, sources, &rows)?;
    let mut summary = Summary::of(opts.layout, sources.len(), &rows);
    summary.cannot_load = cannot_load;
    summary.bytes_written = rows.iter().filter(|r| r.outcome == "converted").filter_map(|r| r.bytes).sum();
    summary.elapsed_secs = started.elapsed().as_secs_f64();
    summary.throttled = opts.pace.calls().get(&Op::GetObject).map_or(0, |c| c.throttled);
    Ok((rows, summary))
}

/// Write `convert.csv` and each project's `manifest.csv` and `README.txt`; returns the projects the layout's
/// own datamodule cannot load, sorted.
fn write_outputs(opts: &Options, sources: &[Source], rows: &[Row]) -> Result<Vec<CannotLoad>, Error> {
    let out_abs = safe_fs::resolve(&opts.to).map_err(|e| Error::io("resolve", &opts.to, e))?;
    let out_abs = out_abs.to_string_lossy();
    let mut cannot = Vec::new();
    let csv = outputs::csv_bytes(rows).map_err(Error::Internal)?;
    let csv_path = opts.to.join("convert.csv");
    safe_fs::write_atomic(&opts.to, "convert.csv", &csv).map_err(|e| Error::io("write", &csv_path, e))?;
    for s in sources.iter().filter(|s| s.problem.is_none()) {
        let prefix = format!("{}/", s.out_name);
        let mine: Vec<&Row> = rows.iter().filter(|r| r.project == s.out_name).collect();
        if !mine.iter().any(|r| r.outcome == "converted" || r.outcome == "already_converted") {
            continue;
        }
        let manifest_of = |t: &str| s.dir.join(lfv_model::backup_layout::manifest_name(t)).display().to_string();
        let csv = outputs::manifest_csv(&prefix, &mine, &manifest_of).map_err(Error::Internal)?;
        let rel = format!("{}/manifest.csv", s.out_name);
        safe_fs::write_atomic(&opts.to, &rel, &csv).map_err(|e| Error::io("write", opts.to.join(&rel), e))?;
        let shas: Vec<String> = discover::DATASET_TYPES
            .iter()
            .filter_map(|t| discover::manifest_path(&s.dir, t))
            .map(|p| sha_line(&p))
            .collect();
        let source = format!("{} (account {}, region {}, project {})", s.dir.display(), s.account, s.region, s.project);
        let load = loader::loader(opts.layout, &out_abs, &s.out_name, &outputs::load_facts(&prefix, &mine));
        if let Some(reason) = &load.cannot {
            cannot.push(CannotLoad {
                project: s.out_name.clone(),
                reason: reason.clone(),
                loadable_otherwise: load.call.is_some(),
            });
        }
        let text = outputs::readme(opts.layout, &source, &shas, &load);
        let rel = format!("{}/README.txt", s.out_name);
        safe_fs::write_atomic(&opts.to, &rel, text.as_bytes())
            .map_err(|e| Error::io("write", opts.to.join(&rel), e))?;
    }
    cannot.sort_by(|a, b| a.project.cmp(&b.project));
    Ok(cannot)
}
