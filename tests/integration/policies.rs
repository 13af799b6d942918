//! The IAM policies in `policies/`, one per scope, against what the tool really calls: every action the
//! emulator logs during a full run of the commands a policy is for is in that policy, and the policy allows
//! nothing more. The emulator's operation names map to IAM actions by [`iam_action`] (sts:GetCallerIdentity
//! needs no permission and is left out, as IAM documents).

use std::collections::BTreeSet;
use std::path::Path;

use lfv_emulator::org_seed::generate_org;
use lfv_emulator::seed::SeedDataset;
use lfv_emulator::{GenSpec, Mix, Seed};

use crate::plan::{one_region, project};
use crate::support::{Env, fast};

/// The IAM action an emulator operation needs; `None` for one that needs no permission.
fn iam_action(op: &str) -> Option<String> {
    match op {
        "GetCallerIdentity" => None,
        "AssumeRole" => Some("sts:AssumeRole".into()),
        "ListAccounts" => Some("organizations:ListAccounts".into()),
        "GetObject" | "HeadObject" => Some("s3:GetObject".into()),
        "ListObjectsV2" => Some("s3:ListBucket".into()),
        other => Some(format!("lookoutvision:{other}")),
    }
}

/// The actions of the log entries from `from` on that `keep` selects.
fn logged(env: &Env, from: usize, keep: impl Fn(&lfv_emulator::LogEntry) -> bool) -> BTreeSet<String> {
    env.emu.log()[from..].iter().filter(|e| keep(e)).filter_map(|e| iam_action(&e.op)).collect()
}

/// The actions a policy file allows (every `Allow` statement's `Action`, a string or a list).
fn allowed(name: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(doc["Version"], "2012-10-17", "{name}");
    let mut out = BTreeSet::new();
    for s in doc["Statement"].as_array().expect("Statement") {
        assert_eq!(s["Effect"], "Allow", "{name}");
        match &s["Action"] {
            serde_json::Value::String(a) => {
                out.insert(a.clone());
            }
            serde_json::Value::Array(a) => out.extend(a.iter().map(|a| a.as_str().unwrap().to_string())),
            other => panic!("{name}: Action {other}"),
        }
    }
    out
}

fn assert_policy(name: &str, used: &BTreeSet<String>) {
    let policy = allowed(name);
    let missing: Vec<&String> = used.difference(&policy).collect();
    let extra: Vec<&String> = policy.difference(used).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}: missing {missing:?}, more than needed {extra:?}; used {used:?}"
    );
}

/// A realistic estate: hosted, trained and training models, single and train+test projects.
fn realistic() -> Seed {
    // With 10 or more projects every kind of project occurs (models hosted, trained, in every state).
    Seed::generate(&GenSpec { projects: 10, mix: Mix::Realistic, entries: (1, 3), rng_seed: 41, ..GenSpec::default() })
}

async fn run_all(env: &Env, commands: &[&[&str]]) {
    for c in commands {
        env.run(c).await.ok();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_policy_is_what_plan_and_verify_call() {
    let env = Env::new(fast(realistic())).await;
    let e = env.emu.endpoint();
    run_all(
        &env,
        &[
            &["plan", "--out", "d.json", "--endpoint-url", &e, "--rate", "200"],
            &["plan", "--out", "a.json", "--scope", "all", "--endpoint-url", &e, "--rate", "200"],
            &["show", "a.json"],
        ],
    )
    .await;
    for plan in ["d.json", "a.json"] {
        env.run(&["verify", plan, "--endpoint-url", &e]).await.code(3);
    }
    env.run(&["verify", "--all", "--scope", "all", "--endpoint-url", &e]).await.code(3);
    assert_policy("read-only.json", &logged(&env, 0, |_| true));
    assert_eq!(env.emu.stats().mutating_calls(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_datasets_policy_is_what_plan_apply_and_verify_call() {
    let env = Env::new(fast(realistic())).await;
    let e = env.emu.endpoint();
    env.plan("plan.json", &[]).await;
    run_all(&env, &[&["apply", "plan.json", "--yes"], &["verify", "plan.json", "--endpoint-url", &e]]).await;
    assert_policy("apply-datasets.json", &logged(&env, 0, |_| true));
    // The scheduled job (sweep) of the same scope needs no more than that.
    let env = Env::new(fast(realistic())).await;
    let e = env.emu.endpoint();
    env.run(&["sweep", "--dir", "s", "--yes", "--rate", "200", "--endpoint-url", &e]).await.ok();
    let swept = logged(&env, 0, |_| true);
    let policy = allowed("apply-datasets.json");
    assert!(swept.contains("lookoutvision:DeleteDataset") && swept.is_subset(&policy), "{swept:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_all_policy_is_what_a_teardown_calls() {
    let mut config = fast(realistic());
    config.model_delay = std::time::Duration::from_millis(50);
    let env = Env::new(config).await;
    let e = env.emu.endpoint();
    env.plan("plan.json", &["--scope", "all"]).await;
    run_all(&env, &[&["apply", "plan.json", "--yes"], &["verify", "plan.json", "--endpoint-url", &e]]).await;
    env.run(&["verify", "--all", "--scope", "all", "--endpoint-url", &e]).await.ok();
    assert_policy("apply-all.json", &logged(&env, 0, |_| true));
}

#[tokio::test(flavor = "multi_thread")]
async fn organization_policy_is_what_the_management_account_adds() {
    let spec = GenSpec { projects: 1, mix: Mix::TrainTest, entries: (1, 1), ..GenSpec::default() };
    let seed = generate_org(2, &spec);
    // The management account is the emulator's default account, whose key the tests use.
    let management = "123456789012";
    let env = Env::new(fast(seed)).await;
    env.plan("plan.json", &["--organization"]).await;
    let mine =
        |e: &lfv_emulator::LogEntry| e.caller.as_deref().is_some_and(|c| c.contains(&format!("::{management}:user/")));
    let by_management = logged(&env, 0, mine);
    let organization = allowed("organization.json");
    let read_only = allowed("read-only.json");
    // The management account's calls beyond the read-only ones are exactly the organisation policy ...
    let beyond: BTreeSet<String> = by_management.difference(&read_only).cloned().collect();
    assert_policy("organization.json", &beyond);
    assert!(organization.iter().all(|a| by_management.contains(a)));
    // ... and the member accounts, through their roles, need only the read-only policy to plan.
    let members = logged(&env, 0, |e| e.caller.as_deref().is_some_and(|c| c.contains(":assumed-role/")));
    assert!(!members.is_empty() && members.is_subset(&read_only), "{members:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn convert_policy_is_what_convert_reads() {
    let entries = vec![
        r#"{"source-ref":"s3://bucket/train/n1.png","anomaly-label":0}"#.to_string(),
        r#"{"source-ref":"s3://bucket/train/n2.png","anomaly-label":0}"#.to_string(),
    ];
    let ds = SeedDataset {
        dataset_type: "train".into(),
        created: 1_672_531_200.0,
        entries,
        generate_entries: Some(4),
        ..SeedDataset::default()
    };
    let env = Env::new(fast(one_region(vec![project("pcb", vec![ds])]))).await;
    let e = env.emu.endpoint();
    env.plan("plan.json", &[]).await;
    env.run(&["export", "plan.json", "--backup-dir", "backups"]).await.ok();
    let from = env.emu.log().len();
    let convert = ["convert", "--from", "backups", "--to", "out", "--layout", "folder", "--endpoint-url", &e];
    env.run(&convert).await.ok();
    assert_policy("convert.json", &logged(&env, from, |_| true));
}
