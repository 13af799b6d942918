//! `plan` and `show` against the emulator.

use std::collections::{BTreeMap, HashSet};

use lfv_emulator::seed::{AccessKey, SeedAccount, SeedDataset, SeedProject, SeedRegion};
use lfv_emulator::{FaultSpec, GenSpec, Mix, Seed};
use lfv_sunset::plan::format::{client_token, is_valid_token};
use lfv_sunset::plan::{Kind, Plan};

use crate::support::{Env, fast, seed_datasets};

pub fn dataset(t: &str, created: f64) -> SeedDataset {
    SeedDataset { dataset_type: t.into(), created, generate_entries: Some(3), ..SeedDataset::default() }
}

pub fn project(name: &str, datasets: Vec<SeedDataset>) -> SeedProject {
    SeedProject { name: name.into(), created: 1_600_000_000.0, datasets, ..SeedProject::default() }
}

pub fn one_region(projects: Vec<SeedProject>) -> Seed {
    Seed {
        accounts: vec![SeedAccount {
            account: "123456789012".into(),
            regions: vec![SeedRegion { region: "us-east-1".into(), projects }],
        }],
        ..Seed::default()
    }
}

/// 2023-01-01, 2023-07-01, 2024-01-01 as epoch seconds.
const JAN23: f64 = 1_672_531_200.0;
const JUL23: f64 = 1_688_169_600.0;
const JAN24: f64 = 1_704_067_200.0;

fn filter_seed() -> Seed {
    one_region(vec![
        project("pcb-a", vec![dataset("train", JAN23), dataset("test", JUL23)]),
        project("pcb-b-keep", vec![dataset("train", JAN24)]),
        project("wood-c", vec![dataset("train", JUL23), dataset("test", JAN24)]),
        project("empty-d", vec![]),
    ])
}

fn keys(plan: &Plan) -> Vec<String> {
    plan.items.iter().map(|i| format!("{}/{}", i.project, i.resource)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_of_projects_every_kind_in_order() {
    let seed = Seed::generate(&GenSpec { projects: 130, mix: Mix::Realistic, rng_seed: 3, ..GenSpec::default() });
    let expected = seed_datasets(&seed);
    let env = Env::new(fast(seed)).await;
    let plan = env.plan("plan.json", &[]).await;
    assert_eq!(plan.summary.projects_seen, 130, "every page listed");
    assert_eq!(plan.items.len(), expected, "every dataset planned");
    assert!(plan.skipped.iter().any(|s| s.reason == "no_datasets"), "empty project recorded: {:?}", plan.skipped);
    assert!(plan.items.iter().any(|i| i.status == "CREATE_IN_PROGRESS"), "in-progress dataset planned");
    // single-dataset and train+test projects both present
    let mut per_project: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for i in &plan.items {
        per_project.entry(&i.project).or_default().push(&i.resource);
    }
    assert!(per_project.values().any(|v| v == &["train"]));
    assert!(per_project.values().any(|v| v == &["test", "train"]), "test before train within a project");
    assert!(per_project.values().all(|v| v == &["train"] || v == &["test", "train"] || v == &["test"]));
    // execution order: by project name, seq 1..n
    let names: Vec<&str> = plan.items.iter().map(|i| i.project.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(plan.items.iter().enumerate().all(|(n, i)| i.seq == n as u64 + 1));
    assert!(plan.items.iter().all(|i| i.account == "123456789012" && i.project_arn.contains(":123456789012:")));
    assert_eq!(plan.targets.len(), 1);
    assert_eq!(plan.targets[0].account.as_deref(), Some("123456789012"));
    // 130 projects at 100 per page: two ListProjects pages
    assert_eq!(env.emu.stats().calls_with_status("ListProjects", "200"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_filter_alone_and_together() {
    let env = Env::new(fast(filter_seed())).await;
    let all = env.plan("all.json", &[]).await;
    assert_eq!(keys(&all), ["pcb-a/test", "pcb-a/train", "pcb-b-keep/train", "wood-c/test", "wood-c/train"]);
    assert_eq!(all.skipped.len(), 1);

    let inc = env.plan("inc.json", &["--include", "pcb-*"]).await;
    assert_eq!(keys(&inc), ["pcb-a/test", "pcb-a/train", "pcb-b-keep/train"]);
    assert!(inc.skipped.iter().any(|s| s.project == "wood-c" && s.reason == "not_included"));

    let exc = env.plan("exc.json", &["--exclude", "*-keep"]).await;
    assert_eq!(keys(&exc), ["pcb-a/test", "pcb-a/train", "wood-c/test", "wood-c/train"]);
    assert!(exc.skipped.iter().any(|s| s.project == "pcb-b-keep" && s.reason == "excluded"));

    let typ = env.plan("type.json", &["--dataset-type", "test"]).await;
    assert_eq!(keys(&typ), ["pcb-a/test", "wood-c/test"]);
    assert_eq!(typ.skipped.iter().filter(|s| s.reason == "dataset_type").count(), 3);

    let before = env.plan("before.json", &["--created-before", "2023-07-01"]).await;
    assert_eq!(keys(&before), ["pcb-a/train"]);
    let after = env.plan("after.json", &["--created-after", "2023-07-01T00:00:00Z"]).await;
    assert_eq!(keys(&after), ["pcb-a/test", "pcb-b-keep/train", "wood-c/test", "wood-c/train"]);

    let together = env
        .plan(
            "together.json",
            &[
                "--include",
                "pcb-*",
                "--include",
                "wood-*",
                "--exclude",
                "pcb-b*",
                "--dataset-type",
                "train",
                "--created-after",
                "2023-06-01",
                "--created-before",
                "2024-06-01",
            ],
        )
        .await;
    assert_eq!(keys(&together), ["wood-c/train"]);
    let reasons: HashSet<&str> = together.skipped.iter().map(|s| s.reason.as_str()).collect();
    for r in ["excluded", "dataset_type", "created_after", "not_included"] {
        assert!(reasons.contains(r), "{r} missing from {reasons:?}");
    }
    assert_eq!(together.selection.include, ["pcb-*", "wood-*"]);
    assert_eq!(together.selection.dataset_type, "train");
    // bad filter values are usage errors naming the flag
    env.run(&["plan", "--out", "x.json", "--created-before", "last week", "--endpoint-url", &env.emu.endpoint()])
        .await
        .code(2)
        .stderr_has("--created-before");
    assert!(!env.path("x.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn vanished_project_is_recorded_as_skipped() {
    let mut gone = project("gone-between-calls", vec![dataset("train", JAN23)]);
    gone.listed_after_delete_ms = Some(600_000);
    let env = Env::new(fast(one_region(vec![project("stays", vec![dataset("train", JAN23)]), gone]))).await;
    let plan = env.plan("plan.json", &[]).await;
    assert_eq!(keys(&plan), ["stays/train"]);
    let s = plan.skipped.iter().find(|s| s.project == "gone-between-calls").expect("skipped entry");
    assert_eq!(s.reason, "project_vanished");
    assert_eq!(env.emu.stats().calls_with_status("DescribeProject", "404"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_and_server_errors_still_give_the_complete_plan() {
    let seed = Seed::generate(&GenSpec { projects: 60, rng_seed: 9, ..GenSpec::default() });
    let expected = seed_datasets(&seed);
    let mut config = fast(seed);
    config.rate = Some(20.0);
    config.burst = 20;
    config.faults = FaultSpec { internal: 0.15, unavailable: 0.05, reset: 0.05, ..FaultSpec::default() };
    let env = Env::new(config).await;
    let out = env.p("plan.json");
    let endpoint = env.emu.endpoint();
    env.run(&[
        "plan",
        "--out",
        &out,
        "--endpoint-url",
        &endpoint,
        "--rate",
        "60",
        "--concurrency",
        "16",
        "--max-attempts",
        "12",
    ])
    .await
    .ok();
    let plan = Plan::load(&env.path("plan.json")).unwrap();
    assert_eq!(plan.items.len(), expected);
    assert_eq!(plan.summary.projects_seen, 60);
    let stats = env.emu.stats();
    assert!(stats.throttled.values().sum::<u64>() > 0, "quota was exceeded: {stats:?}");
    assert!(stats.faults.get("internal").copied().unwrap_or(0) > 0, "500s were injected: {stats:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_endpoint_fails_with_exit_6_and_no_file() {
    let env = Env::new(fast(Seed::default())).await;
    // A port nothing listens on: bind one, then close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    // The caller identity is asked first (before any Lookout for Vision call), and fails.
    env.run(&["plan", "--out", "plan.json", "--endpoint-url", &url, "--max-attempts", "2"])
        .await
        .code(6)
        .stderr_has("GetCallerIdentity")
        .stderr_has(&url)
        .stderr_has("no plan was written");
    assert!(!env.path("plan.json").exists());
    // No credentials at all: also exit 6, before any call.
    let endpoint = env.emu.endpoint();
    let args = ["plan", "--out", "plan.json", "--endpoint-url", &endpoint];
    let mut cmd = env.command(&args);
    cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
    env.run_cmd(cmd, &args).await.code(6).stderr_has("no credentials");
    assert_eq!(env.emu.stats().calls("ListProjects"), 0);
    assert!(!env.path("plan.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn two_accounts_and_two_regions_in_one_plan() {
    let mut seed = Seed::default();
    for (acct, key) in [("111111111111", "AKIDA"), ("222222222222", "AKIDB")] {
        seed.access_keys.insert(key.into(), AccessKey { account: acct.into(), deny: vec![] });
        seed.accounts.push(SeedAccount {
            account: acct.into(),
            regions: ["us-east-1", "eu-west-1"]
                .iter()
                .map(|r| SeedRegion {
                    region: r.to_string(),
                    projects: vec![project(&format!("p-{acct}-{r}"), vec![dataset("train", JAN23)])],
                })
                .collect(),
        });
    }
    let env = Env::new(fast(seed)).await;
    std::fs::write(
        env.path("credentials"),
        "[acct-a]\naws_access_key_id = AKIDA\naws_secret_access_key = a\n\n[acct-b]\naws_access_key_id = AKIDB\naws_secret_access_key = b\n",
    )
    .unwrap();
    let (out, endpoint) = (env.p("plan.json"), env.emu.endpoint());
    let args = [
        "plan",
        "--out",
        &out,
        "--endpoint-url",
        &endpoint,
        "--profile",
        "acct-a",
        "--profile",
        "acct-b",
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
    ];
    let mut cmd = env.command(&args);
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", env.path("credentials"));
    env.run_cmd(cmd, &args).await.ok();
    let plan = Plan::load(&env.path("plan.json")).unwrap();
    assert_eq!(plan.targets.len(), 4);
    let got: HashSet<(String, String, String)> =
        plan.items.iter().map(|i| (i.account.clone(), i.region.clone(), i.project.clone())).collect();
    for acct in ["111111111111", "222222222222"] {
        for r in ["us-east-1", "eu-west-1"] {
            assert!(got.contains(&(acct.into(), r.into(), format!("p-{acct}-{r}"))), "{acct} {r} in {got:?}");
        }
    }
    assert_eq!(got.len(), 4, "each account sees only its own projects");
    for t in &plan.targets {
        let expected = if t.profile.as_deref() == Some("acct-a") { "111111111111" } else { "222222222222" };
        assert_eq!(t.account.as_deref(), Some(expected));
    }
    // apply reaches each target with the profile the plan recorded
    let args = ["apply", "plan.json", "--yes", "--no-backup"];
    let mut cmd = env.command(&args);
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", env.path("credentials"));
    env.run_cmd(cmd, &args).await.ok();
    let deleted: HashSet<String> = env.emu.stats().deleted_datasets.keys().cloned().collect();
    for acct in ["111111111111", "222222222222"] {
        for r in ["us-east-1", "eu-west-1"] {
            assert!(deleted.contains(&format!("{acct}/{r}/p-{acct}-{r}/train")), "{deleted:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_valid_unique_deterministic_and_per_plan() {
    let seed = Seed::generate(&GenSpec { projects: 40, mix: Mix::TrainTest, rng_seed: 5, ..GenSpec::default() });
    let env = Env::new(fast(seed)).await;
    let a = env.plan("a.json", &[]).await;
    let b = env.plan("b.json", &[]).await;
    assert_ne!(a.plan_id, b.plan_id);
    let mut seen = HashSet::new();
    for i in &a.items {
        assert!(is_valid_token(&i.client_token), "{}", i.client_token);
        assert!(i.client_token.len() <= 64 && !i.client_token.is_empty());
        assert!(i.client_token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert!(seen.insert(i.client_token.clone()), "unique");
        assert_eq!(i.client_token, client_token(&a.plan_id, &i.account, &i.region, &i.project, i.kind, &i.resource));
    }
    let b_tokens: HashSet<&str> = b.items.iter().map(|i| i.client_token.as_str()).collect();
    assert_eq!(a.items.len(), b.items.len());
    assert!(a.items.iter().all(|i| !b_tokens.contains(i.client_token.as_str())), "a new plan gives new tokens");
    // the same (plan, item) always gives the same token
    let ds = Kind::DeleteDataset;
    assert_eq!(client_token("p", "1", "r", "x", ds, "train"), client_token("p", "1", "r", "x", ds, "train"));
    assert_ne!(client_token("p", "1", "r", "x", ds, "train"), client_token("p", "1", "r", "x", ds, "test"));
    assert_ne!(
        client_token("p", "1", "r", "x", Kind::StopModel, "1"),
        client_token("p", "1", "r", "x", Kind::DeleteModel, "1")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn show_validates_and_refuses_tampered_plans() {
    let env = Env::new(fast(filter_seed())).await;
    env.plan("plan.json", &[]).await;
    let table = env.run(&["show", "plan.json"]).await;
    table.ok().stdout_has("5 datasets in 3 projects").stdout_has("test 2, train 3").stdout_has("oldest dataset");
    let json = env.run(&["show", "plan.json", "--format", "json"]).await;
    let v = json.ok().json();
    assert_eq!(v["items"], 5);
    assert_eq!(v["items_by_type"]["train"], 3);
    assert_eq!(v["first_items"].as_array().unwrap().len(), 5);

    // refuse to overwrite without --force
    let endpoint = env.emu.endpoint();
    env.run(&["plan", "--out", "plan.json", "--endpoint-url", &endpoint]).await.code(2).stderr_has("--force");

    let text = std::fs::read_to_string(env.path("plan.json")).unwrap();
    std::fs::write(env.path("tampered.json"), text.replacen("pcb-a", "pcb-z", 1)).unwrap();
    env.run(&["show", "tampered.json"]).await.code(2).stderr_has("digest mismatch");
    std::fs::write(env.path("broken.json"), &text[..text.len() / 2]).unwrap();
    env.run(&["show", "broken.json"]).await.code(2).stderr_has("broken.json");
    std::fs::write(env.path("future.json"), text.replace("lfv-sunset-plan/2", "lfv-sunset-plan/9")).unwrap();
    env.run(&["show", "future.json"]).await.code(2).stderr_has("unsupported format");
}
