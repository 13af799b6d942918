//! `verify`: 0 nothing left, 3 something left, 6 unreachable.

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, Run, fast};

/// Operations that change nothing (GetCallerIdentity: the identity check before the first call).
const READ_ONLY: [&str; 8] = [
    "GetCallerIdentity",
    "ListProjects",
    "DescribeProject",
    "DescribeDataset",
    "ListDatasetEntries",
    "ListModels",
    "DescribeModel",
    "ListTagsForResource",
];

/// Run `args` and check, from the emulator's request log, that every request it received during the run was
/// a read-only operation, that there was at least one, and that the state counters did not move.
async fn read_only(env: &Env, args: &[&str]) -> Run {
    let (before, mutations) = (env.emu.log().len(), env.emu.stats().mutations);
    let run = env.run(args).await;
    let log = env.emu.log();
    let during = &log[before..];
    assert!(!during.is_empty(), "{args:?} sent no request");
    let writes: Vec<_> = during.iter().filter(|e| !READ_ONLY.contains(&e.op.as_str())).collect();
    assert!(writes.is_empty(), "{args:?} is read-only, yet the emulator received {writes:?}");
    assert_eq!(env.emu.stats().mutations, mutations, "{args:?} changed state");
    run
}

const JAN23: f64 = 1_672_531_200.0;

#[tokio::test(flavor = "multi_thread")]
async fn verify_exit_codes() {
    let env = Env::new(fast(one_region(vec![
        project("one", vec![dataset("train", JAN23), dataset("test", JAN23)]),
        project("two", vec![dataset("train", JAN23)]),
    ])))
    .await;
    let endpoint = env.emu.endpoint();
    env.plan("plan.json", &["--include", "one"]).await;

    // something left: every planned dataset is still there
    let left = read_only(&env, &["verify", "plan.json", "--format", "json"]).await;
    let v = left.code(3).json();
    assert_eq!(v["datasets_left"], 2);
    assert_eq!(v["left"][0]["project"], "one");
    // a dry run is read-only too
    read_only(&env, &["apply", "plan.json", "--dry-run", "--checkpoint", "dry.jsonl", "--report", "dry.csv"])
        .await
        .ok();

    env.run(&["apply", "plan.json", "--yes", "--no-backup"]).await.ok();
    read_only(&env, &["verify", "plan.json"]).await.ok().stdout_has("nothing left");
    // --all still sees the project the plan left alone
    let all =
        read_only(&env, &["verify", "--all", "--region", "us-east-1", "--endpoint-url", &endpoint, "--format", "json"])
            .await;
    let v = all.code(3).json();
    assert_eq!(v["datasets_left"], 1);
    assert_eq!(v["left"][0]["project"], "two");

    // unreachable: never "nothing left"
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = format!("http://127.0.0.1:{port}");
    env.run(&["verify", "plan.json", "--endpoint-url", &dead, "--max-attempts", "2"])
        .await
        .code(6)
        .stderr_has("cannot prove");
    env.run(&["verify", "--all", "--region", "us-east-1", "--endpoint-url", &dead, "--max-attempts", "2"])
        .await
        .code(6);
}
