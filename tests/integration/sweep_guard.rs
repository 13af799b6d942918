//! `sweep`'s seat belt (issue 21): `--dry-run` makes no mutating call and leaves its plan and would-do report
//! in DIR; `--max-delete N` stops before the project that would take it past N (exit 5); a refused sweep
//! (no `--yes`, no terminal) creates nothing.

use lfv_emulator::{GenSpec, Mix, Seed};
use lfv_sunset::plan::Plan;

use crate::support::{Env, fast, read_csv, seed_datasets};

/// Projects with a train and a test dataset each.
fn seed(projects: usize) -> Seed {
    Seed::generate(&GenSpec { projects, mix: Mix::TrainTest, entries: (1, 2), rng_seed: 31, ..GenSpec::default() })
}

const MUTATING: [&str; 8] = lfv_emulator::MUTATING_OPS;

#[tokio::test(flavor = "multi_thread")]
async fn sweep_dry_run_makes_no_mutating_call_and_writes_its_plan_and_report() {
    let seed = seed(4);
    let want = seed_datasets(&seed);
    let env = Env::new(fast(seed)).await;
    let endpoint = env.emu.endpoint();
    for scope in ["datasets", "all"] {
        let dir = format!("dry-{scope}");
        let args =
            ["sweep", "--dir", &dir, "--dry-run", "--scope", scope, "--rate", "200", "--endpoint-url", &endpoint];
        let mut json = args.to_vec();
        json.extend(["--format", "json"]);
        let summary = env.run(&json).await.ok().json();
        assert_eq!(summary["exit_code"], 0, "stdout is the dry run's JSON summary alone");
        let plan = Plan::load(&env.path(&dir).join("dry-run.plan.json")).expect("the plan is in DIR");
        assert!(plan.items.len() >= want, "{scope}: {}", plan.items.len());
        let rows = read_csv(&env.path(&dir).join("dry-run.audit.csv"));
        assert_eq!(rows.len(), plan.items.len());
        assert!(rows.iter().all(|r| r["outcome"] == "would_delete"), "{rows:?}");
        assert!(env.path(&dir).join("dry-run.summary.json").exists());
        assert!(!env.path(&dir).join("sweep.json").exists(), "not a real sweep's DIR");
    }
    let log = env.emu.log();
    assert!(log.iter().any(|e| e.op == "DescribeProject"), "the run did look");
    let mutating: Vec<&str> = log.iter().map(|e| e.op.as_str()).filter(|op| MUTATING.contains(op)).collect();
    assert_eq!(mutating, Vec::<&str>::new(), "zero mutating calls in the emulator's log");
    assert_eq!(env.emu.stats().mutating_calls(), 0);
    // A real sweep of the same DIR afterwards starts afresh and deletes everything.
    let real = ["sweep", "--dir", "dry-datasets", "--yes", "--rate", "200", "--endpoint-url", &endpoint];
    let run = env.run(&real).await;
    run.ok().stderr_has("starting sweep");
    assert_eq!(env.emu.stats().mutations.datasets_deleted as usize, want);
}

#[tokio::test(flavor = "multi_thread")]
async fn sweep_max_delete_stops_at_n() {
    let seed = seed(6);
    let env = Env::new(fast(seed)).await;
    let endpoint = env.emu.endpoint();
    // Two datasets per project: 4 fit under 5, the third project would make 6.
    let args = ["sweep", "--dir", "s", "--yes", "--max-delete", "5", "--rate", "200", "--endpoint-url", &endpoint];
    let run = env.run(&args).await;
    run.code(5).stderr_has("--max-delete 5");
    let deleted = env.emu.stats().calls("DeleteDataset");
    assert_eq!(deleted, 4, "stopped before the project that crosses N\n{}", run.stderr);
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 4);
    // The rerun counts the earlier run's items and refuses again; a larger N finishes the sweep.
    env.run(&args).await.code(5);
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 4);
    let mut more = args.to_vec();
    more[5] = "12";
    env.run(&more).await.ok();
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 12);
    // --max-delete 0 deletes nothing at all.
    let zero = ["sweep", "--dir", "z", "--yes", "--max-delete", "0", "--rate", "200", "--endpoint-url", &endpoint];
    let env2 = Env::new(fast(self::seed(2))).await;
    let endpoint2 = env2.emu.endpoint();
    let mut zero = zero.to_vec();
    zero[9] = &endpoint2;
    env2.run(&zero).await.code(5);
    assert_eq!(env2.emu.stats().mutating_calls(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_sweep_writes_nothing() {
    let env = Env::new(fast(seed(2))).await;
    let endpoint = env.emu.endpoint();
    env.run(&["sweep", "--dir", "never", "--endpoint-url", &endpoint]).await.code(5).stderr_has("pass --yes");
    assert!(!env.path("never").exists(), "no DIR");
    assert!(env.emu.log().is_empty(), "not a single call: {:?}", env.emu.log());
    // So the next run starts, not "resumes".
    let run = env.run(&["sweep", "--dir", "never", "--yes", "--rate", "200", "--endpoint-url", &endpoint]).await;
    run.ok().stderr_has("starting sweep");
}
