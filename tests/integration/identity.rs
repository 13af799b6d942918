//! The identity check: a plan applied, exported or verified with credentials of another account is refused
//! for that target (exit 5, no Lookout for Vision call, items pending in the journal), never "already absent"
//! or "nothing left"; the same plan then applied with the right credentials deletes everything.

use lfv_emulator::Seed;
use lfv_emulator::seed::AccessKey;
use lfv_sunset::exec::journal;
use lfv_sunset::plan::Plan;

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, fast};

const JAN23: f64 = 1_672_531_200.0;
/// The account of the default key (the seed's projects).
const RIGHT: &str = "123456789012";
/// An account whose Lookout for Vision has no projects.
const OTHER: &str = "210987654321";
const OTHER_KEY: &str = "AKIAOTHERACCOUNT";

fn seed() -> Seed {
    let mut seed = one_region(vec![
        project("alpha", vec![dataset("train", JAN23), dataset("test", JAN23 + 60.0)]),
        project("bravo", vec![dataset("train", JAN23 + 120.0)]),
    ]);
    seed.access_keys.insert(OTHER_KEY.into(), AccessKey { account: OTHER.into(), deny: vec![] });
    seed
}

/// Apply, export and verify with the other account's key: each refused (exit 5) naming both accounts, with
/// no call to Lookout for Vision and no outcome journalled.
async fn wrong_account_refused(env: &mut Env, plan: &str) {
    let endpoint = env.emu.endpoint();
    let right_key = std::mem::replace(&mut env.key, OTHER_KEY.to_string());
    let (log_before, stats_before) = (env.emu.log().len(), env.emu.stats());
    let apply = env.run(&["apply", plan, "--yes", "--endpoint-url", &endpoint, "--rate", "200"]).await;
    apply.code(5).stderr_has(RIGHT).stderr_has(OTHER);
    env.run(&["export", plan, "--endpoint-url", &endpoint, "--rate", "200"]).await.code(5).stderr_has(OTHER);
    env.run(&["verify", plan, "--endpoint-url", &endpoint, "--rate", "200"]).await.code(5).stderr_has(RIGHT);
    let log = env.emu.log();
    let lookout: Vec<_> = log[log_before..].iter().filter(|e| e.op != "GetCallerIdentity").collect();
    assert!(lookout.is_empty(), "calls were made with the wrong account: {lookout:?}");
    assert!(log[log_before..].iter().any(|e| e.op == "GetCallerIdentity" && e.account == OTHER));
    let stats = env.emu.stats();
    assert_eq!(stats.calls("DeleteDataset"), 0);
    assert_eq!(stats.mutating_calls(), stats_before.mutating_calls());
    let state = journal::read(&env.path("plan.journal.jsonl")).expect("the journal was opened");
    let decided: Vec<_> = state.by_seq.iter().filter(|(_, s)| s.outcome.is_some()).map(|(seq, _)| *seq).collect();
    assert!(decided.is_empty(), "items {decided:?} got an outcome with the wrong account");
    env.key = right_key;
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_account_is_refused_and_the_right_one_then_deletes_everything() {
    let mut env = Env::new(fast(seed())).await;
    let plan = env.plan("plan.json", &[]).await;
    assert_eq!(plan.items.len(), 3);
    let identity = plan.targets[0].identity.as_ref().expect("plan records the caller identity");
    assert_eq!(identity.account, RIGHT);
    assert_eq!(identity.arn, format!("arn:aws:iam::{RIGHT}:user/emulator"));
    let path = env.p("plan.json");

    wrong_account_refused(&mut env, &path).await;

    let endpoint = env.emu.endpoint();
    let args = ["apply", &path, "--yes", "--endpoint-url", &endpoint, "--rate", "200", "--format", "json"];
    let summary = env.run(&args).await.ok().json();
    assert_eq!(summary["outcomes"]["deleted"], 3, "{summary}");
    assert_eq!(env.emu.stats().calls_with_status("DeleteDataset", "202"), 3);
    env.run(&["verify", &path, "--endpoint-url", &endpoint]).await.ok().stdout_has("nothing left");
}

/// A plan without recorded identities (format 1, made before they were recorded) is checked against the
/// account read from its project ARNs all the same.
#[tokio::test(flavor = "multi_thread")]
async fn plan_without_identity_is_checked_against_its_account() {
    let mut env = Env::new(fast(seed())).await;
    let mut plan = env.plan("plan.json", &[]).await;
    for t in &mut plan.targets {
        t.identity = None;
    }
    plan.seal();
    plan.save(&env.path("plan.json"), true).unwrap();
    let text = std::fs::read_to_string(env.path("plan.json")).unwrap();
    assert!(!text.contains("\"identity\""), "the plan has the format-1 target shape");
    Plan::load(&env.path("plan.json")).expect("still a valid plan");
    let path = env.p("plan.json");

    wrong_account_refused(&mut env, &path).await;

    let endpoint = env.emu.endpoint();
    env.run(&["apply", &path, "--yes", "--endpoint-url", &endpoint, "--rate", "200"]).await.ok();
    assert_eq!(env.emu.stats().calls_with_status("DeleteDataset", "202"), 3);
}

/// The committed format-1 fixture (no identities, format 1 digest) is checked against its targets' account
/// all the same: refused with another account's credentials, applied with the right ones.
#[tokio::test(flavor = "multi_thread")]
async fn a_format_1_plan_is_checked_against_its_account() {
    let mut seed = crate::plan_formats::fixture_seed();
    seed.access_keys.insert(OTHER_KEY.into(), AccessKey { account: OTHER.into(), deny: vec![] });
    let mut env = Env::new(fast(seed)).await;
    std::fs::write(env.path("plan.json"), crate::plan_formats::fixture()).unwrap();
    let plan = Plan::load(&env.path("plan.json")).expect("the fixture loads");
    assert_eq!(plan.format, "lfv-sunset-plan/1");
    assert!(plan.targets.iter().all(|t| t.identity.is_none()));
    let path = env.p("plan.json");
    let endpoint = env.emu.endpoint();
    let right_key = std::mem::replace(&mut env.key, OTHER_KEY.to_string());
    let age = ["--max-plan-age", "3650d"];
    let mut apply = vec!["apply", &path, "--yes", "--endpoint-url", &endpoint, "--rate", "200"];
    apply.extend_from_slice(&age);
    env.run(&apply).await.code(5).stderr_has(RIGHT).stderr_has(OTHER);
    env.run(&["verify", &path, "--endpoint-url", &endpoint]).await.code(5).stderr_has(OTHER);
    assert_eq!(env.emu.stats().calls("DeleteDataset"), 0);
    let state = journal::read(&env.path("plan.journal.jsonl")).expect("the journal was opened");
    assert!(state.by_seq.values().all(|s| s.outcome.is_none()));
    env.key = right_key;
    env.run(&apply).await.ok();
    assert_eq!(env.emu.stats().calls_with_status("DeleteDataset", "202"), plan.items.len() as u64);
}
