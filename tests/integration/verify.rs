//! `verify`: 0 nothing left, 3 something left, 6 unreachable.

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, fast};

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
    let left = env.run(&["verify", "plan.json", "--format", "json"]).await;
    let v = left.code(3).json();
    assert_eq!(v["datasets_left"], 2);
    assert_eq!(v["left"][0]["project"], "one");
    let before = env.emu.stats();

    env.run(&["apply", "plan.json", "--yes", "--no-backup"]).await.ok();
    env.run(&["verify", "plan.json"]).await.ok().stdout_has("nothing left");
    // --all still sees the project the plan left alone
    let all =
        env.run(&["verify", "--all", "--region", "us-east-1", "--endpoint-url", &endpoint, "--format", "json"]).await;
    let v = all.code(3).json();
    assert_eq!(v["datasets_left"], 1);
    assert_eq!(v["left"][0]["project"], "two");
    assert_eq!(before.mutating_calls(), 0, "verify is read-only");

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
