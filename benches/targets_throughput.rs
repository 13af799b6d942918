//! Every target at its own quota: 1 and 5 targets (regions of one account, `GenSpec::regions`) and 20 targets
//! (4 member accounts of an organisation x 5 regions, `org_seed::generate_org`, planned with `--organization`
//! and reached through the default role; the management account is one more target with no project) x 25
//! projects x 2 datasets (Mix::TrainTest), behind an emulator that allows 5 requests/s per (account, region,
//! operation) (bucket of 5). Each target has its own quota, so the ideal does not grow with the number of
//! targets: `plan` needs 25 DescribeProject calls per target, ideal 25 / 5 = 5.00 s; `apply --no-backup`
//! needs 50 DeleteDataset calls per target, ideal 50 / 5 = 10.00 s. Goal: each within 1.10x of its ideal.
//!
//! Both run with the defaults (`--rate 5`, `--concurrency` 8 for plan and 32 for apply per target,
//! `--max-in-flight 256`). Prints the ratios, CPU seconds of the tool per 1,000 items (user + system of the
//! child, from this process's `cutime`/`cstime` in `/proc/self/stat`, at 100 ticks/s) and the peak RSS;
//! fails only if the tool itself fails.

mod common;

use common::{Run, Verdicts, Workspace};
use lfv_emulator::org_seed::generate_org;
use lfv_emulator::{GenSpec, Mix, Seed};

const PROJECTS: usize = 25;
const QUOTA: f64 = 5.0;
const GOAL_RATIO: f64 = 1.10;
const PLAN_IDEAL_S: f64 = PROJECTS as f64 / QUOTA;
const APPLY_IDEAL_S: f64 = 2.0 * PROJECTS as f64 / QUOTA;
const REGIONS: [&str; 5] = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1"];

fn report(label: &str, run: &Run, cpu: Option<f64>, items: usize, ideal: f64) -> f64 {
    let secs = run.wall.as_secs_f64();
    let ratio = secs / ideal;
    println!(
        "{label}: {secs:.2} s, ideal {ideal:.2} s, ratio {ratio:.3} (goal <= {GOAL_RATIO:.2}); {items} items; CPU {} \
         per 1,000 items; peak RSS {}; exit {}",
        cpu.map_or("not measured".into(), |c| format!("{:.2} s", c * 1000.0 / items.max(1) as f64)),
        run.peak_rss_kib.map_or("not sampled".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
        run.exit()
    );
    ratio
}

fn main() {
    let rt = common::runtime();
    let mut ws = Workspace::new();
    let mut verdicts = Verdicts::default();
    println!(
        "targets_throughput: 1 and 5 regions of one account, 4 accounts x 5 regions; x {PROJECTS} projects x 2 datasets, emulator quota {QUOTA}/s per \
         (account, region, operation); default --rate, --concurrency, --max-in-flight; load average {}",
        common::loadavg()
    );
    // (member accounts, regions): 0 members is the caller's own account.
    for (members, n_regions) in [(0usize, 1usize), (0, 5), (4, 5)] {
        let n = members.max(1) * n_regions;
        let regions: Vec<String> = REGIONS[..n_regions].iter().map(|r| r.to_string()).collect();
        let spec = GenSpec {
            projects: PROJECTS,
            regions: regions.clone(),
            mix: Mix::TrainTest,
            entries: (1, 1),
            rng_seed: 21,
            ..GenSpec::default()
        };
        let seed = if members == 0 { Seed::generate(&spec) } else { generate_org(members, &spec) };
        let emu = common::start(&rt, common::config(seed, QUOTA));
        let dir = ws.subdir(&format!("t{n}"));
        let plan = dir.join("plan.json").display().to_string();
        let mut args: Vec<String> = ["plan", "--out", &plan, "--endpoint-url", &emu.endpoint(), "--force"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for r in &regions {
            args.extend(["--region".to_string(), r.clone()]);
        }
        if members > 0 {
            args.push("--organization".to_string());
        }
        let before = emu.stats();
        let (run, cpu) = common::measured(&mut ws, &format!("t{n}_plan"), args);
        if !ws.expect_success(&run) {
            break;
        }
        let items = common::plan_items(std::path::Path::new(&plan));
        let ratio = report(&format!("plan_{n}_targets"), &run, cpu, items, PLAN_IDEAL_S);
        common::print_op_counts(&format!("plan_{n}_targets"), &common::op_counts(&emu.stats(), &before), run.wall);
        verdicts.goal(&format!("plan_{n}_targets"), ratio <= GOAL_RATIO, format!("ratio {ratio:.3}"));
        let args = ["apply", &plan, "--yes", "--no-backup", "--format", "json"].map(str::to_string).to_vec();
        let (run, cpu) = common::measured(&mut ws, &format!("t{n}_apply"), args);
        let ok = ws.expect_success(&run);
        let deleted = common::outcome(&run.json().unwrap_or_default(), "deleted");
        let ratio = report(&format!("apply_{n}_targets"), &run, cpu, items, APPLY_IDEAL_S);
        println!("  apply_{n}_targets deleted {deleted} of {items}");
        verdicts.goal(
            &format!("apply_{n}_targets"),
            ok && ratio <= GOAL_RATIO && deleted as usize == items,
            format!("ratio {ratio:.3}, deleted {deleted} of {items}"),
        );
        rt.block_on(emu.shutdown());
    }
    verdicts.print();
    ws.finish();
}
