//! `demo` end to end, at a smaller size.

use lfv_sunset::plan::Plan;

use crate::support::{Env, fast, read_csv};

#[tokio::test(flavor = "multi_thread")]
async fn demo_runs_the_whole_flow_and_leaves_its_files() {
    let env = Env::new(fast(Default::default())).await;
    let run = env.run(&["demo", "--dir", "d", "--projects", "20"]).await;
    run.ok()
        .stdout_has("$ lfv-sunset plan --out")
        .stdout_has("$ lfv-sunset apply d/plan.json --dry-run")
        .stdout_has("$ lfv-sunset verify d/plan.json")
        .stdout_has("every planned dataset is gone and verify passed")
        .stderr_has("waiting for");
    let plan = Plan::load(&env.path("d/plan.json")).expect("the demo plan is valid");
    assert!(plan.items.len() >= 20, "{}", plan.items.len());
    assert_eq!(plan.targets.len(), 2);
    let rows = read_csv(&env.path("d/plan.audit.csv"));
    assert_eq!(rows.len(), plan.items.len());
    assert!(rows.iter().all(|r| r["outcome"] == "deleted" || r["outcome"] == "already_absent"), "{rows:?}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("d/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["exit_code"], 0);
    assert!(env.path("d/plan.backup").is_dir());
    assert!(env.path("d/plan.dry-run.audit.csv").exists());
}
