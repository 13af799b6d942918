//! How close `apply` gets to the service quota, and what the naive approach does instead: 1,000 datasets in 500
//! train+test projects (one entry each), a fresh emulator per scenario (same seed, so the same projects),
//! planned at full speed against the unlimited emulator, then given its quota (bucket of one second).
//!
//! - (a) quota 50/s, `apply --no-backup --rate 50`: items/s of the whole command over the quota (goal
//!   >= 0.95), share of DeleteDataset calls throttled per the emulator (goal <= 1%), 1,000 `deleted`.
//! - (b) quota 20/s, `--rate 50` (the limiter must find the real quota): items/s over 20 (goal >= 0.85), no
//!   `failed` item in the summary nor in the CSV audit.
//! - (c) peak RSS (`VmHWM`, sampled every 20 ms) of the apply child of (a).
//! - (d) quota 50/s, `apply --no-backup --naive` (SDK default retries, no limiter): figures only; its failures
//!   and non-zero exit are what it is expected to show.
//!
//! Every apply runs with the default `--concurrency` (32 projects in flight). Per project the executor makes
//! two DescribeProject calls (drift check, confirmation) and two DeleteDataset calls, so both budgets need
//! 1,000 calls: the ideal is 1,000 / quota seconds. Prints figures; fails only if a run that must succeed
//! does not.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{Run, Verdicts, Workspace};
use lfv_emulator::{GenSpec, Mix, RunningEmulator, Seed, Stats};

const PROJECTS: usize = 500;
const ITEMS: u64 = 1000;
const GOAL_A_RATIO: f64 = 0.95;
const GOAL_A_THROTTLED: f64 = 0.01;
const GOAL_B_RATIO: f64 = 0.85;

/// A fresh emulator with the plan of its datasets, and its counters before the apply.
struct Prepared {
    emu: RunningEmulator,
    plan: PathBuf,
    before: Stats,
    /// Requests in the emulator's log before the apply (the plan's).
    logged_before: usize,
}

fn prepare(rt: &tokio::runtime::Runtime, ws: &mut Workspace, name: &str, seed: &Seed, quota: f64) -> Prepared {
    let mut config = common::config(seed.clone(), quota);
    config.rate = None;
    let emu = common::start(rt, config);
    let plan = ws.subdir(name).join("plan.json");
    ws.plan(&format!("{name}_plan"), &emu.endpoint(), &plan, 1000.0, 32);
    let items = common::plan_items(&plan);
    if items as u64 != ITEMS {
        eprintln!("error: the plan of scenario {name} holds {items} items, expected {ITEMS}");
        std::process::exit(1);
    }
    emu.set_rate(Some(quota));
    let before = emu.stats();
    let logged_before = emu.log().len();
    Prepared { emu, plan, before, logged_before }
}

fn apply(ws: &mut Workspace, label: &str, plan: &std::path::Path, extra: &[&str], timeout: Duration) -> Run {
    let mut args: Vec<String> = ["apply", &plan.display().to_string(), "--yes", "--no-backup", "--format", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    ws.run(label, &args, timeout)
}

/// Items decided by the run (the summary's `finished_this_run`), per second of the whole command.
fn items_per_s(run: &Run, summary: &serde_json::Value) -> (u64, f64) {
    let finished = summary["finished_this_run"].as_u64().unwrap_or(0);
    (finished, finished as f64 / run.wall.as_secs_f64())
}

fn main() {
    let rt = common::runtime();
    let mut ws = Workspace::new();
    let mut verdicts = Verdicts::default();
    let seed = Seed::generate(&GenSpec {
        projects: PROJECTS,
        mix: Mix::TrainTest,
        entries: (1, 1),
        rng_seed: 12,
        ..GenSpec::default()
    });
    println!(
        "apply_throughput: {ITEMS} datasets in {PROJECTS} projects (Mix::TrainTest), --no-backup, default \
         --concurrency 32; load average {}",
        common::loadavg()
    );

    // (a) quota 50/s, --rate 50.
    let quota = 50.0;
    let p = prepare(&rt, &mut ws, "a", &seed, quota);
    let run = apply(&mut ws, "a_apply", &p.plan, &["--rate", "50"], Duration::from_secs(120));
    let ok = ws.expect_success(&run);
    let stats = p.emu.stats();
    let counts = common::op_counts(&stats, &p.before);
    let summary = run.json().unwrap_or_default();
    let (finished, ips) = items_per_s(&run, &summary);
    let ratio = ips / quota;
    let delete = counts.get("DeleteDataset").copied().unwrap_or_default();
    let deleted = common::outcome(&summary, "deleted");
    println!(
        "apply_a_quota_50_rate_50: {finished} items in {:.2} s = {ips:.2} items/s, ideal {:.2} s, ratio to quota \
         {ratio:.3} (goal >= {GOAL_A_RATIO}); exit {}",
        run.wall.as_secs_f64(),
        ITEMS as f64 / quota,
        run.exit()
    );
    println!(
        "  a DeleteDataset throttled {}/{} = {:.2}% (goal <= {:.0}%); tool's own count {}/{}; outcomes: {}; \
         verified {}; tool's wall_time_s {}",
        delete.throttled,
        delete.calls,
        100.0 * delete.share(),
        100.0 * GOAL_A_THROTTLED,
        summary["delete_throttled"],
        summary["delete_attempts"],
        common::outcomes_text(&summary),
        summary["verified"],
        summary["wall_time_s"]
    );
    common::print_op_counts("a", &counts, run.wall);
    // (c) from the same run.
    let rss_mib = run.peak_rss_kib.map(|k| k as f64 / 1024.0);
    println!(
        "apply_c_peak_rss: {} (VmHWM of the apply child in (a), sampled every {} ms)",
        rss_mib.map_or("not sampled".into(), |m| format!("{m:.1} MiB")),
        common::RSS_SAMPLE.as_millis()
    );
    verdicts.goal(
        "a_items_per_s_over_quota_50",
        ok && ratio >= GOAL_A_RATIO,
        format!("{ips:.2} items/s / 50 = {ratio:.3}, goal >= {GOAL_A_RATIO}"),
    );
    verdicts.goal(
        "a_delete_throttled_share",
        delete.calls > 0 && delete.share() <= GOAL_A_THROTTLED,
        format!("{}/{} = {:.2}%, goal <= 1%", delete.throttled, delete.calls, 100.0 * delete.share()),
    );
    verdicts.goal("a_all_deleted", deleted == ITEMS, format!("deleted {deleted} of {ITEMS}"));
    rt.block_on(p.emu.shutdown());

    // (b) quota 20/s, --rate 50: the adaptive limiter has to find the quota.
    let quota = 20.0;
    let p = prepare(&rt, &mut ws, "b", &seed, quota);
    let run = apply(&mut ws, "b_apply", &p.plan, &["--rate", "50"], Duration::from_secs(170));
    let ok = ws.expect_success(&run);
    let stats = p.emu.stats();
    let counts = common::op_counts(&stats, &p.before);
    let summary = run.json().unwrap_or_default();
    let (finished, ips) = items_per_s(&run, &summary);
    let ratio = ips / quota;
    let failed = common::outcome(&summary, "failed");
    let report = summary["report"].as_str().map(PathBuf::from).unwrap_or_else(|| p.plan.with_extension("audit.csv"));
    let csv = common::report_outcomes(&report);
    let csv_failed = csv.get("failed").copied().unwrap_or(0);
    let csv_rows: u64 = csv.values().sum();
    let delete = counts.get("DeleteDataset").copied().unwrap_or_default();
    println!(
        "apply_b_quota_20_rate_50: {finished} items in {:.2} s = {ips:.2} items/s, ideal {:.2} s ({:.2} s counting \
         the emulator's initial full bucket of {} calls per operation, which a client starting at 50/s spends), \
         ratio to quota {ratio:.3} (goal >= {GOAL_B_RATIO}); exit {}",
        run.wall.as_secs_f64(),
        ITEMS as f64 / quota,
        (ITEMS as f64 - quota.ceil()) / quota,
        quota.ceil(),
        run.exit()
    );
    println!(
        "  b outcomes: {}; CSV {} rows {:?}; DeleteDataset throttled {}/{} = {:.2}%",
        common::outcomes_text(&summary),
        csv_rows,
        csv,
        delete.throttled,
        delete.calls,
        100.0 * delete.share()
    );
    common::print_op_counts("b", &counts, run.wall);
    let log = p.emu.log();
    for op in ["DeleteDataset", "DescribeProject"] {
        println!(
            "  b {op} sent/throttled per second: {}",
            common::per_second(&log[p.logged_before.min(log.len())..], op)
        );
    }
    verdicts.goal(
        "b_items_per_s_over_quota_20",
        ok && ratio >= GOAL_B_RATIO,
        format!("{ips:.2} items/s / 20 = {ratio:.3}, goal >= {GOAL_B_RATIO}"),
    );
    verdicts.goal(
        "b_no_failed_item",
        ok && failed == 0 && csv_failed == 0 && csv_rows == ITEMS,
        format!("summary failed {failed}, CSV failed {csv_failed} of {csv_rows} rows"),
    );
    rt.block_on(p.emu.shutdown());

    // (d) the naive approach at quota 50/s: no limiter, SDK retries, one attempt of our own.
    let quota = 50.0;
    let p = prepare(&rt, &mut ws, "d", &seed, quota);
    let run = apply(&mut ws, "d_apply_naive", &p.plan, &["--naive"], Duration::from_secs(120));
    let stats = p.emu.stats();
    let counts = common::op_counts(&stats, &p.before);
    let summary = run.json().unwrap_or_default();
    let (finished, ips) = items_per_s(&run, &summary);
    let delete = counts.get("DeleteDataset").copied().unwrap_or_default();
    let deleted = common::outcome(&summary, "deleted");
    println!(
        "apply_d_naive_quota_50: {finished} items decided in {:.2} s = {ips:.2} items/s ({:.2} deleted/s), \
         DeleteDataset throttled {}/{} = {:.2}%, failed {}, exit {} (expected to fail items)",
        run.wall.as_secs_f64(),
        deleted as f64 / run.wall.as_secs_f64(),
        delete.throttled,
        delete.calls,
        100.0 * delete.share(),
        common::outcome(&summary, "failed"),
        run.exit()
    );
    println!(
        "  d outcomes: {}; stopped: {}",
        common::outcomes_text(&summary),
        summary["stopped"].as_array().map_or("-".into(), |s| format!("{s:?}"))
    );
    common::print_op_counts("d", &counts, run.wall);
    rt.block_on(p.emu.shutdown());

    verdicts.print();
    ws.finish();
}
