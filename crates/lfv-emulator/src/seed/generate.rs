//! Deterministic generation: [`generate`] behind `Seed::generate` (`--seed-projects N`), and [`gen_entry`], the
//! Ground Truth manifest line number `index` of a dataset, computed from (account, region, project, type, index)
//! so that seeds stay small (`generate_entries: N`) while entries and ImageStats always agree.
//!
//! Nothing here reads the clock or global state: the same inputs give the same bytes. Its types are at the
//! bottom.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub(crate) use super::derive::{default_bucket, fnv1a, splitmix64};
use super::types::{GenSpec, ImageStats, Mix, Seed, SeedAccount, SeedDataset, SeedModel, SeedProject, SeedRegion};

/// 2021-01-01T00:00:00Z: generated creation timestamps start here.
const FROM_SECS: u64 = 1_609_459_200;
/// 2024-12-31T00:00:00Z: generated creation timestamps end here.
const TO_SECS: u64 = 1_735_603_200;

const PREFIXES: &[&str] = &[
    "pcb-solder-inspection",
    "bottle-cap-seal",
    "weld-seam-defects",
    "fabric-weave-check",
    "circuit-board-missing-parts",
    "glass-vial-cracks",
    "pill-blister-pack",
    "brake-disc-surface",
    "cookie-shape-qa",
    "cable-insulation",
    "screw-thread-check",
    "label-print-alignment",
    "solar-cell-microcracks",
    "tire-sidewall",
    "can-lid-dents",
    "wood-panel-knots",
];

/// Entry `index` of a generated dataset: 5% unlabeled, of the labeled 20% anomaly and 80% normal.
pub(crate) fn gen_entry(k: &EntryKey<'_>, index: u64) -> (String, Label) {
    let h = splitmix64(fnv1a(&[k.account, k.region, k.project, k.dataset_type]) ^ splitmix64(index));
    let label = if h % 100 < 5 {
        Label::Unlabeled
    } else if (h >> 8) % 100 < 20 {
        Label::Anomaly
    } else {
        Label::Normal
    };
    let src = format!("s3://{}/{}/{}/images/{:06}.png", k.bucket, k.project, k.dataset_type, index);
    let src = serde_json::to_string(&src).unwrap_or_default();
    let line = match label {
        Label::Unlabeled => format!("{{\"source-ref\":{src}}}"),
        Label::Normal | Label::Anomaly => {
            let (n, class) = if label == Label::Anomaly { (1, "anomaly") } else { (0, "normal") };
            let secs = k.created as i64 + 60 + 37 * index as i64;
            let date = chrono::DateTime::from_timestamp(secs, 0)
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%S%.3f")
                .to_string();
            let job =
                serde_json::to_string(&format!("labeling-job/{}-{}", k.project, k.dataset_type)).unwrap_or_default();
            let mask = if label == Label::Anomaly { gen_mask(k, index, h, &job, &date) } else { String::new() };
            format!(
                "{{\"source-ref\":{src},\"anomaly-label\":{n},\"anomaly-label-metadata\":{{\"class-name\":\
                 \"{class}\",\"confidence\":1,\"type\":\"groundtruth/image-classification\",\"job-name\":{job},\
                 \"human-annotated\":\"yes\",\"creation-date\":\"{date}\"}}{mask}}}"
            )
        }
    };
    (line, label)
}

/// Anomaly classes of generated masks and their colours (matplotlib's tab10, as the console uses).
pub(crate) const MASK_CLASSES: [(&str, &str); 5] = [
    ("scratch", "#2ca02c"),
    ("dent", "#1f77b4"),
    ("crack", "#d62728"),
    ("stain", "#ff7f0e"),
    ("missing-part", "#9467bd"),
];

/// The `anomaly-mask-ref` and `anomaly-mask-ref-metadata` members (with a leading comma) of anomalous entry
/// `index`: mask `s3://{bucket}/{project}/{type}/masks/{index:06}.png`, a colour map with `BACKGROUND`
/// (`#ffffff`) as `0` and 1-3 distinct classes of [`MASK_CLASSES`] as `1`, `2`, `3`, drawn from the entry hash.
fn gen_mask(k: &EntryKey<'_>, index: u64, h: u64, job: &str, date: &str) -> String {
    let uri = format!("s3://{}/{}/{}/masks/{:06}.png", k.bucket, k.project, k.dataset_type, index);
    let uri = serde_json::to_string(&uri).unwrap_or_default();
    let r = splitmix64(h);
    let n = 1 + (r % 3) as usize;
    let first = ((r >> 8) % MASK_CLASSES.len() as u64) as usize;
    let mut map = String::from("\"0\":{\"class-name\":\"BACKGROUND\",\"hex-color\":\"#ffffff\",\"confidence\":0.0}");
    for i in 0..n {
        let (name, color) = MASK_CLASSES[(first + i) % MASK_CLASSES.len()];
        map.push_str(&format!(
            ",\"{}\":{{\"class-name\":\"{name}\",\"hex-color\":\"{color}\",\"confidence\":0.0}}",
            i + 1
        ));
    }
    format!(
        ",\"anomaly-mask-ref\":{uri},\"anomaly-mask-ref-metadata\":{{\"internal-color-map\":{{{map}}},\
         \"type\":\"groundtruth/semantic-segmentation\",\"human-annotated\":\"yes\",\"creation-date\":\"{date}\",\
         \"job-name\":{job}}}"
    )
}

/// ImageStats of `n` generated entries.
pub(crate) fn gen_stats(k: &EntryKey<'_>, n: u64) -> ImageStats {
    let mut s = ImageStats { total: n, ..ImageStats::default() };
    for i in 0..n {
        match gen_entry(k, i).1 {
            Label::Unlabeled => {}
            Label::Normal => {
                s.labeled += 1;
                s.normal += 1;
            }
            Label::Anomaly => {
                s.labeled += 1;
                s.anomaly += 1;
            }
        }
    }
    s
}

/// ImageStats of literal manifest lines: `anomaly-label` 0 is normal, 1 anomaly, absent unlabeled.
pub(crate) fn stats_of_lines(lines: &[String]) -> ImageStats {
    let mut s = ImageStats { total: lines.len() as u64, ..ImageStats::default() };
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_default();
        match v.get("anomaly-label").and_then(serde_json::Value::as_u64) {
            Some(0) => {
                s.labeled += 1;
                s.normal += 1;
            }
            Some(_) => {
                s.labeled += 1;
                s.anomaly += 1;
            }
            None => {}
        }
    }
    s
}

fn random_kind(rng: &mut StdRng) -> Kind {
    match rng.random_range(0..100) {
        0..35 => Kind::Single,
        35..65 => Kind::TrainTest,
        65..75 => Kind::Empty,
        75..80 => Kind::InProgress,
        80..88 => Kind::Hosted,
        _ => Kind::Trained,
    }
}

/// See `Seed::generate`.
pub(crate) fn generate(spec: &GenSpec) -> Seed {
    let mut accounts = Vec::new();
    for account in &spec.accounts {
        let mut regions = Vec::new();
        for region in &spec.regions {
            let mut rng = StdRng::seed_from_u64(spec.rng_seed ^ fnv1a(&[account, region]));
            let mut projects = gen_region(spec, &mut rng);
            if spec.mix == Mix::Realistic {
                super::generate_models::mix_models(&mut projects, account, region, spec.rng_seed);
            }
            regions.push(SeedRegion { region: region.clone(), projects });
        }
        accounts.push(SeedAccount { account: account.clone(), regions });
    }
    Seed { accounts, ..Seed::default() }
}

/// The projects of one (account, region): `spec.projects` of them, of the kinds [`project_kinds`] draws.
fn gen_region(spec: &GenSpec, rng: &mut StdRng) -> Vec<SeedProject> {
    let kinds = project_kinds(spec, rng);
    let entries = (spec.entries.0.min(spec.entries.1), spec.entries.0.max(spec.entries.1));
    kinds.into_iter().enumerate().map(|(i, kind)| gen_project(i, kind, entries, rng)).collect()
}

/// The kind of each of `spec.projects` projects by `spec.mix`; [`Mix::Realistic`] with 10 or more projects puts
/// each kind at a distinct random position.
fn project_kinds(spec: &GenSpec, rng: &mut StdRng) -> Vec<Kind> {
    let n = spec.projects;
    let mut kinds: Vec<Kind> = (0..n)
        .map(|_| match spec.mix {
            Mix::Realistic => random_kind(rng),
            Mix::TrainTest => Kind::TrainTest,
            Mix::Single => Kind::Single,
        })
        .collect();
    if spec.mix == Mix::Realistic && n >= 10 {
        // Guarantee each kind at distinct random positions.
        let mut slots: Vec<usize> = (0..n).collect();
        for (i, kind) in ALL_KINDS.iter().enumerate() {
            let j = rng.random_range(i..n);
            slots.swap(i, j);
            kinds[slots[i]] = *kind;
        }
    }
    kinds
}

/// Project number `i + 1` (from 0) of `kind`: a random prefix and creation instant, its datasets (entry counts
/// drawn from `entries`, inclusive), its models and maybe tags.
fn gen_project(i: usize, kind: Kind, entries: (u64, u64), rng: &mut StdRng) -> SeedProject {
    let prefix = PREFIXES[rng.random_range(0..PREFIXES.len())];
    let name = format!("{prefix}-{:03}", i + 1);
    let created = rng.random_range(FROM_SECS..TO_SECS) as f64 + f64::from(rng.random_range(0..1000u32)) / 1000.0;
    let datasets = gen_datasets(kind, created, entries, rng);
    let models = gen_models(kind, created + 300_000.0);
    let mut tags = std::collections::BTreeMap::new();
    if rng.random_bool(0.3) {
        tags.insert("team".to_string(), "quality-engineering".to_string());
        tags.insert("line".to_string(), format!("L{}", rng.random_range(1..9)));
    }
    SeedProject { name, created, datasets, models, tags, ..SeedProject::default() }
}

/// The datasets of a project of `kind` created at `created`: none, train, or train and test, each created 1
/// minute to 3 days after the project with `(lo, hi)` generated entries; [`Kind::InProgress`]'s last one
/// `CREATE_IN_PROGRESS`, settling to `CREATE_COMPLETE` after 2-6 s.
fn gen_datasets(kind: Kind, created: f64, (lo, hi): (u64, u64), rng: &mut StdRng) -> Vec<SeedDataset> {
    let dataset = |t: &str, rng: &mut StdRng| SeedDataset {
        dataset_type: t.to_string(),
        status: "CREATE_COMPLETE".to_string(),
        created: created + f64::from(rng.random_range(60..259_200u32)),
        generate_entries: Some(rng.random_range(lo..=hi)),
        ..SeedDataset::default()
    };
    let mut datasets = match kind {
        Kind::Empty => vec![],
        Kind::Single => vec![dataset("train", rng)],
        _ => vec![dataset("train", rng), dataset("test", rng)],
    };
    if kind == Kind::InProgress
        && let Some(d) = datasets.last_mut()
    {
        d.status = "CREATE_IN_PROGRESS".into();
        d.settle_after_ms = Some(rng.random_range(2_000..6_000));
        d.settles_to = Some("CREATE_COMPLETE".into());
    }
    datasets
}

/// The models of a project of `kind`, the first created at `model_time`: [`Kind::Hosted`] v1 TRAINED and v2
/// HOSTED a day later, [`Kind::Trained`] v1 TRAINED, the other kinds none.
fn gen_models(kind: Kind, model_time: f64) -> Vec<SeedModel> {
    match kind {
        Kind::Hosted => vec![
            SeedModel { version: "1".into(), status: "TRAINED".into(), created: model_time, ..Default::default() },
            SeedModel {
                version: "2".into(),
                status: "HOSTED".into(),
                created: model_time + 86_400.0,
                ..Default::default()
            },
        ],
        Kind::Trained => {
            vec![SeedModel { version: "1".into(), status: "TRAINED".into(), created: model_time, ..Default::default() }]
        }
        _ => vec![],
    }
}

impl Seed {
    /// Generate a seed from a spec (deterministic: same spec, same seed).
    ///
    /// Per (account, region), `spec.projects` projects named `{prefix}-{NNN}` (e.g. `pcb-solder-inspection-017`,
    /// NNN from 001), created at random instants of 2021-2024, with datasets created 1 minute to 3 days after
    /// their project. Every dataset uses `generate_entries` with a count drawn from `spec.entries`.
    /// [`Mix::Realistic`] draws each project's kind: single-dataset 35%, train+test 30%, empty 10%, a dataset
    /// `CREATE_IN_PROGRESS` settling to `CREATE_COMPLETE` after 2-6 s 5%, hosted model (v1 TRAINED, v2 HOSTED)
    /// 8%, trained model (v1 TRAINED) 12%; with 10 or more projects each of the six kinds occurs at least once.
    /// About 30% of projects carry the tags `team` and `line`. [`Mix::Realistic`] then mixes every model state,
    /// packaging jobs and model tags into the hosted and trained projects without changing any project or
    /// dataset (see `seed_gen_models::mix_models`): starting, stopping, training and deleting models that
    /// settle after 2-6 s of emulator time.
    pub fn generate(spec: &GenSpec) -> Seed {
        generate(spec)
    }
}

/// A label of a generated entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    /// No `anomaly-label` key.
    Unlabeled,
    /// `anomaly-label: 0`.
    Normal,
    /// `anomaly-label: 1`.
    Anomaly,
}

/// Identity of a dataset whose entries are generated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryKey<'a> {
    pub(crate) account: &'a str,
    pub(crate) region: &'a str,
    pub(crate) project: &'a str,
    pub(crate) dataset_type: &'a str,
    /// S3 bucket in `source-ref`.
    pub(crate) bucket: &'a str,
    /// Dataset creation time, epoch seconds: entry `index` is labeled `60 + 37 * index` seconds later.
    pub(crate) created: f64,
}

/// The kind of a generated project ([`Mix::Realistic`] draws one per project).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Single,
    TrainTest,
    Empty,
    InProgress,
    Hosted,
    Trained,
}

const ALL_KINDS: [Kind; 6] =
    [Kind::Single, Kind::TrainTest, Kind::Empty, Kind::InProgress, Kind::Hosted, Kind::Trained];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_deterministic_and_counted() {
        let k = EntryKey {
            account: "1",
            region: "us-east-1",
            project: "p",
            dataset_type: "train",
            bucket: "b",
            created: 1.7e9,
        };
        let lines: Vec<String> = (0..200).map(|i| gen_entry(&k, i).0).collect();
        assert_eq!(lines[7], gen_entry(&k, 7).0);
        assert_eq!(stats_of_lines(&lines), gen_stats(&k, 200));
        let s = gen_stats(&k, 200);
        assert!(s.anomaly > 0 && s.normal > 0 && s.labeled < 200);
    }
}
