//! How close a full teardown gets to the quota of its busiest operation: 200 projects, each with model 1
//! `HOSTED`, models 2 and 3 `TRAINED`, and `train` and `test` datasets (2 entries each); an emulator quota of
//! 50/s per operation (bucket of 50), `plan --scope all`, then `apply --rate 50` with backups (manifests and
//! `project.json`). Every operation has its own budget, so the ideal wall time is the busiest operation's
//! calls / 50 (measured: the emulator counts every call). Goals: within 1.2x of it, zero projects left in the
//! emulator, zero failed. Prints the ratio; fails only if `apply` fails.

mod common;

use std::time::Duration;

use common::{Verdicts, Workspace};
use lfv_emulator::Seed;
use lfv_emulator::seed::{SeedAccount, SeedDataset, SeedModel, SeedProject, SeedRegion};

const PROJECTS: usize = 200;
const QUOTA: f64 = 50.0;
const GOAL_RATIO: f64 = 1.2;
const T0: f64 = 1_672_531_200.0;

fn seed() -> Seed {
    let model = |v: &str, status: &str| SeedModel {
        version: v.into(),
        status: status.into(),
        created: T0 + 100.0,
        ..SeedModel::default()
    };
    let dataset = |t: &str| SeedDataset {
        dataset_type: t.into(),
        created: T0 + 10.0,
        generate_entries: Some(2),
        ..SeedDataset::default()
    };
    let projects = (0..PROJECTS)
        .map(|i| SeedProject {
            name: format!("line-{i:03}"),
            created: T0,
            datasets: vec![dataset("train"), dataset("test")],
            models: vec![model("1", "HOSTED"), model("2", "TRAINED"), model("3", "TRAINED")],
            ..SeedProject::default()
        })
        .collect();
    Seed {
        accounts: vec![SeedAccount {
            account: "123456789012".into(),
            regions: vec![SeedRegion { region: common::REGION.into(), projects }],
        }],
        ..Seed::default()
    }
}

fn main() {
    let rt = common::runtime();
    let mut ws = Workspace::new();
    let mut verdicts = Verdicts::default();
    println!(
        "teardown_throughput: {PROJECTS} projects x (1 hosted + 2 trained models, train + test), emulator quota \
         {QUOTA}/s per operation, plan --scope all, apply --rate {QUOTA} with backups; load average {}",
        common::loadavg()
    );
    let mut config = common::config(seed(), QUOTA);
    config.rate = None;
    let emu = common::start(&rt, config);
    let plan = ws.subdir("teardown").join("plan.json");
    let plan_s = plan.display().to_string();
    let endpoint = emu.endpoint();
    let args = ["plan", "--out", &plan_s, "--scope", "all", "--rate", "1000", "--endpoint-url", &endpoint, "--region"]
        .map(str::to_string);
    let mut args = args.to_vec();
    args.extend([common::REGION.to_string(), "--force".into()]);
    let run = ws.run("plan", &args, Duration::from_secs(300));
    if !ws.expect_success(&run) {
        std::process::exit(1);
    }
    let items = common::plan_items(&plan);
    // Per project: 1 stop_model, 3 delete_model, 2 delete_dataset, 1 delete_project.
    println!("  plan: {items} items (expected {})", PROJECTS * 7);
    emu.set_rate(Some(QUOTA));
    let before = emu.stats();

    let args = ["apply", &plan_s, "--yes", "--rate", "50", "--format", "json"].map(str::to_string);
    let run = ws.run("apply", &args, Duration::from_secs(600));
    let ok = ws.expect_success(&run);
    let after = emu.stats();
    let counts = common::op_counts(&after, &before);
    let summary = run.json().unwrap_or_default();
    let (busiest, calls) =
        counts.iter().max_by_key(|(_, c)| c.calls).map(|(op, c)| (op.clone(), c.calls)).unwrap_or_default();
    let ideal = calls as f64 / QUOTA;
    let secs = run.wall.as_secs_f64();
    let ratio = if ideal > 0.0 { secs / ideal } else { f64::INFINITY };
    println!(
        "teardown_{PROJECTS}_projects: {secs:.2} s, ideal {ideal:.2} s (busiest {busiest}: {calls} calls / \
         {QUOTA}), ratio {ratio:.3} (goal <= {GOAL_RATIO:.2}); exit {}",
        run.exit()
    );
    println!("  outcomes: {}", common::outcomes_text(&summary));
    common::print_op_counts("teardown", &counts, run.wall);
    let left = after.mutations.projects_created + PROJECTS as u64 - after.mutations.projects_deleted;
    let failed = common::outcome(&summary, "failed");
    verdicts.goal(
        "teardown_wall_time_within_1_2x",
        ok && ratio <= GOAL_RATIO,
        format!("{secs:.2} s / ideal {ideal:.2} s = {ratio:.3}, goal <= {GOAL_RATIO:.2}"),
    );
    verdicts.goal("teardown_zero_projects_left", left == 0, format!("{left} projects left"));
    verdicts.goal("teardown_zero_failed", failed == 0, format!("{failed} failed"));
    verdicts.print();
    rt.block_on(emu.shutdown());
    ws.finish();
}
