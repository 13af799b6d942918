//! How close `apply` with backups gets to the quota of its busiest operation: 200 single-dataset projects of
//! 500 entries each, an emulator quota of 50/s per operation (bucket of 50), `apply --rate 50` with the
//! default backups. Each dataset needs 5 ListDatasetEntries pages (100 entries a page) and one DeleteDataset,
//! each on its own budget, so the ideal is max(200 * 5 / 50, 200 / 50) = 20 s. Goal: within 15% of it.
//! Also checks the backups: 200 manifests of 500 lines each. Prints figures; fails only if `apply` fails.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Verdicts, Workspace};
use lfv_emulator::{GenSpec, Mix, Seed};

const PROJECTS: usize = 200;
const ENTRIES: u64 = 500;
const PAGE: u64 = 100;
const QUOTA: f64 = 50.0;
const GOAL_RATIO: f64 = 1.15;

/// Every `*.manifest.jsonl` under `dir` (at most 6 levels: account/region/project/file), with its line count.
fn manifests(dir: &Path) -> Vec<(PathBuf, usize)> {
    let mut found = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() && depth < 6 {
                stack.push((path, depth + 1));
            } else if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".manifest.jsonl")) {
                let lines = std::fs::read_to_string(&path).map_or(0, |t| t.lines().count());
                found.push((path, lines));
            }
        }
    }
    found
}

fn main() {
    let rt = common::runtime();
    let mut ws = Workspace::new();
    let mut verdicts = Verdicts::default();
    let seed = Seed::generate(&GenSpec {
        projects: PROJECTS,
        mix: Mix::Single,
        entries: (ENTRIES, ENTRIES),
        rng_seed: 13,
        ..GenSpec::default()
    });
    println!(
        "export_throughput: {PROJECTS} datasets of {ENTRIES} entries (Mix::Single), emulator quota {QUOTA}/s per \
         operation (burst {}), apply --rate {QUOTA} with backups, default --concurrency 32; load average {}",
        QUOTA.ceil(),
        common::loadavg()
    );
    let mut config = common::config(seed, QUOTA);
    config.rate = None;
    let emu = common::start(&rt, config);
    let plan = ws.subdir("export").join("plan.json");
    ws.plan("plan", &emu.endpoint(), &plan, 1000.0, 32);
    let items = common::plan_items(&plan);
    if items != PROJECTS {
        eprintln!("error: the plan holds {items} items, expected {PROJECTS}");
        std::process::exit(1);
    }
    emu.set_rate(Some(QUOTA));
    let before = emu.stats();

    let args = ["apply", &plan.display().to_string(), "--yes", "--rate", "50", "--format", "json"].map(str::to_string);
    let run = ws.run("apply", &args, Duration::from_secs(120));
    let ok = ws.expect_success(&run);
    let counts = common::op_counts(&emu.stats(), &before);
    let summary = run.json().unwrap_or_default();

    let pages = PROJECTS as u64 * ENTRIES.div_ceil(PAGE);
    let ideal = (pages as f64 / QUOTA).max(PROJECTS as f64 / QUOTA);
    let secs = run.wall.as_secs_f64();
    let ratio = secs / ideal;
    println!(
        "export_{PROJECTS}_datasets_x_{ENTRIES}_entries: {secs:.2} s, ideal {ideal:.2} s (max({pages} pages, \
         {PROJECTS} deletes) / {QUOTA}), ratio {ratio:.3} (goal <= {GOAL_RATIO:.2}); exit {}; peak RSS {:.1} MiB",
        run.exit(),
        run.peak_rss_kib.unwrap_or(0) as f64 / 1024.0
    );
    println!(
        "  outcomes: {}; verified {}; tool's wall_time_s {}",
        common::outcomes_text(&summary),
        summary["verified"],
        summary["wall_time_s"]
    );
    common::print_op_counts("export", &counts, run.wall);

    let backup_dir =
        summary["backup_dir"].as_str().map(PathBuf::from).unwrap_or_else(|| plan.with_file_name("plan.backup"));
    let found = manifests(&backup_dir);
    let full = found.iter().filter(|(_, n)| *n as u64 == ENTRIES).count();
    println!("  backups in {}: {} manifest files, {full} with {ENTRIES} lines", backup_dir.display(), found.len());
    for (path, n) in found.iter().filter(|(_, n)| *n as u64 != ENTRIES).take(5) {
        println!("  short manifest: {} has {n} lines", path.display());
    }

    verdicts.goal(
        "export_wall_time_within_15pct",
        ok && ratio <= GOAL_RATIO,
        format!("{secs:.2} s / ideal {ideal:.2} s = {ratio:.3}, goal <= {GOAL_RATIO:.2}"),
    );
    verdicts.goal(
        "export_manifests_complete",
        found.len() == PROJECTS && full == PROJECTS,
        format!("{} files, {full} of {PROJECTS} with {ENTRIES} lines", found.len()),
    );
    verdicts.goal(
        "export_all_deleted",
        common::outcome(&summary, "deleted") == PROJECTS as u64,
        format!("deleted {} of {PROJECTS}", common::outcome(&summary, "deleted")),
    );
    verdicts.print();
    rt.block_on(emu.shutdown());
    ws.finish();
}
