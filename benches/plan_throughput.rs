//! How close `plan` gets to the service quota: 500 single-dataset projects behind an emulator that allows 100
//! requests/s per operation (bucket of 100), planned with `--rate 100 --concurrency 16`. DescribeProject is
//! the only operation with real volume (500 calls; ListProjects needs 5 pages on its own budget, overlapped),
//! so the ideal is 500 / 100 = 5.00 s. Goal: wall time of the whole command within 10% of it.
//!
//! `--concurrency 16` (describes in flight): at loopback latency (~1 ms a call) 1 would nearly do; 16 makes
//! sure the limiter, not the concurrency, sets the pace. Prints figures; fails only if `plan` itself fails.

mod common;

use common::{Verdicts, Workspace};
use lfv_emulator::{GenSpec, Mix, Seed, Stats};

const PROJECTS: usize = 500;
const QUOTA: f64 = 100.0;
const CONCURRENCY: usize = 16;
const GOAL_RATIO: f64 = 1.10;

fn main() {
    let rt = common::runtime();
    let mut ws = Workspace::new();
    let seed = Seed::generate(&GenSpec {
        projects: PROJECTS,
        mix: Mix::Single,
        entries: (1, 1),
        rng_seed: 11,
        ..GenSpec::default()
    });
    println!(
        "plan_throughput: {PROJECTS} projects (Mix::Single), emulator quota {QUOTA}/s per operation (burst {}), \
         plan --rate {QUOTA} --concurrency {CONCURRENCY}; load average {}",
        QUOTA.ceil(),
        common::loadavg()
    );
    let emu = common::start(&rt, common::config(seed, QUOTA));
    let out = ws.path().join("plan.json");
    let run = ws.plan("plan", &emu.endpoint(), &out, QUOTA, CONCURRENCY);
    let stats = emu.stats();
    let items = common::plan_items(&out);

    let secs = run.wall.as_secs_f64();
    let ideal = PROJECTS as f64 / QUOTA;
    let ratio = secs / ideal;
    println!(
        "plan_{PROJECTS}_projects: {secs:.2} s, ideal {ideal:.2} s, ratio {ratio:.3} (goal <= {GOAL_RATIO:.2}); \
         {items} items planned; peak RSS {:.1} MiB",
        run.peak_rss_kib.unwrap_or(0) as f64 / 1024.0
    );
    let counts = common::op_counts(&stats, &Stats::default());
    common::print_op_counts("plan", &counts, run.wall);
    let throttled: u64 = counts.values().map(|c| c.throttled).sum();
    println!("  plan emulator throttled in all: {throttled}");
    if items != PROJECTS {
        eprintln!("error: the plan holds {items} items, expected {PROJECTS}");
        run.dump(ws.path());
        std::process::exit(1);
    }

    let mut verdicts = Verdicts::default();
    verdicts.goal(
        "plan_wall_time_within_10pct",
        ratio <= GOAL_RATIO,
        format!("{secs:.2} s / ideal {ideal:.2} s = {ratio:.3}, goal <= {GOAL_RATIO:.2}"),
    );
    verdicts.print();
    rt.block_on(emu.shutdown());
    ws.finish();
}
