//! `sweep` against today's `plan` then `apply`: 100 datasets in 50 train+test projects (one entry each), an
//! emulator that allows 5 requests/s per (account, region, operation) (bucket of 5), the tool at `--rate 5`.
//!
//! The ideal is max(projects, datasets) / quota = max(50, 100) / 5 = 20.00 s: DeleteDataset needs 100 calls,
//! DescribeProject 100 (50 while planning, 50 confirmations; sweep's drift check and final verify reuse
//! descriptions at most 60 s old), each at 5/s in parallel. Goal: `sweep` within 1.15x of it. `plan` +
//! `apply` (with backups, as sweep makes them) runs sequentially and describes each project again for the
//! drift check; printed for comparison. Prints the ratios, CPU seconds of the tool per 1,000 items (user +
//! system of the children) and peak RSS; fails only if the tool itself fails.

mod common;

use std::time::Duration;

use common::{Run, Verdicts, Workspace};
use lfv_emulator::{GenSpec, Mix, Seed};

const PROJECTS: usize = 50;
const ITEMS: usize = 100;
const QUOTA: f64 = 5.0;
const IDEAL_S: f64 = (if PROJECTS > ITEMS { PROJECTS } else { ITEMS }) as f64 / QUOTA;
const GOAL_RATIO: f64 = 1.15;

fn report(label: &str, wall: Duration, cpu: Option<f64>, rss_kib: Option<u64>, exit: &str) -> f64 {
    let secs = wall.as_secs_f64();
    let ratio = secs / IDEAL_S;
    println!(
        "{label}: {secs:.2} s, ideal {IDEAL_S:.2} s, ratio {ratio:.3}; {ITEMS} items; CPU {} per 1,000 items; peak \
         RSS {}; exit {exit}",
        cpu.map_or("not measured".into(), |c| format!("{:.2} s", c * 1000.0 / ITEMS as f64)),
        rss_kib.map_or("not sampled".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
    );
    ratio
}

fn deleted_in(summary: &std::path::Path) -> u64 {
    let v: serde_json::Value =
        std::fs::read(summary).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    common::outcome(&v, "deleted")
}

fn main() {
    let rt = common::runtime();
    let mut ws = Workspace::new();
    let mut verdicts = Verdicts::default();
    let seed = Seed::generate(&GenSpec {
        projects: PROJECTS,
        mix: Mix::TrainTest,
        entries: (1, 1),
        rng_seed: 31,
        ..GenSpec::default()
    });
    println!(
        "sweep_throughput: {ITEMS} datasets in {PROJECTS} projects, emulator quota {QUOTA}/s per (account, region, \
         operation), --rate 5; load average {}",
        common::loadavg()
    );

    // sweep.
    let emu = common::start(&rt, common::config(seed.clone(), QUOTA));
    let dir = ws.subdir("sweep").join("run");
    let args =
        ["sweep", "--dir", &dir.display().to_string(), "--yes", "--rate", "5", "--endpoint-url", &emu.endpoint()]
            .map(str::to_string)
            .to_vec();
    let (run, cpu): (Run, _) = common::measured(&mut ws, "sweep", args);
    let ok = ws.expect_success(&run);
    let deleted = deleted_in(&dir.join("summary.json"));
    let sweep_ratio = report("sweep", run.wall, cpu, run.peak_rss_kib, &run.exit());
    println!("  sweep deleted {deleted} of {ITEMS}");
    common::print_op_counts("sweep", &common::op_counts(&emu.stats(), &Default::default()), run.wall);
    verdicts.goal(
        "sweep_within_1_15x",
        ok && sweep_ratio <= GOAL_RATIO && deleted as usize == ITEMS,
        format!("ratio {sweep_ratio:.3} (goal <= {GOAL_RATIO}), deleted {deleted} of {ITEMS}"),
    );
    rt.block_on(emu.shutdown());

    // plan, then apply (today's two steps), for comparison.
    let emu = common::start(&rt, common::config(seed, QUOTA));
    let plan = ws.subdir("two-step").join("plan.json").display().to_string();
    let args =
        ["plan", "--out", &plan, "--rate", "5", "--endpoint-url", &emu.endpoint(), "--force"].map(str::to_string);
    let (planned, plan_cpu) = common::measured(&mut ws, "plan", args.to_vec());
    let ok = ws.expect_success(&planned);
    let args = ["apply", &plan, "--yes", "--rate", "5", "--format", "json"].map(str::to_string).to_vec();
    let (applied, apply_cpu) = common::measured(&mut ws, "apply", args);
    let ok = ok && ws.expect_success(&applied);
    let cpu = plan_cpu.zip(apply_cpu).map(|(a, b)| a + b);
    let rss = planned.peak_rss_kib.max(applied.peak_rss_kib);
    let wall = planned.wall + applied.wall;
    let two_ratio = report("plan_then_apply", wall, cpu, rss, &format!("{} then {}", planned.exit(), applied.exit()));
    println!(
        "  plan {:.2} s + apply {:.2} s; sweep takes {:.2}x the time of plan + apply",
        planned.wall.as_secs_f64(),
        applied.wall.as_secs_f64(),
        sweep_ratio / two_ratio
    );
    verdicts.goal("plan_then_apply_ran", ok, format!("ratio {two_ratio:.3} (figures only)"));
    rt.block_on(emu.shutdown());
    verdicts.print();
    ws.finish();
}
