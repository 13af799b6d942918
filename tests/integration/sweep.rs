//! `sweep`: end to end (DIR contents, exit 0, nothing left), something left (exit 3), refusals (no --yes, a
//! DIR of another selection, a symlinked DIR), pipelining seen in the emulator's request log, SIGKILL at
//! several points then resume with each DeleteDataset once in effect, and `--scope all` (every kind, judged
//! by the emulator's own state) run through and resumed after SIGKILL.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use lfv_emulator::{FaultSpec, GenSpec, Mix, Seed};
use lfv_sunset::exec::journal;
use lfv_sunset::plan::Plan;

use crate::organization::sessions_since;
use crate::support::{Env, fast, read_csv, seed_datasets};

fn seed(projects: usize, rng_seed: u64) -> Seed {
    Seed::generate(&GenSpec { projects, mix: Mix::TrainTest, entries: (1, 3), rng_seed, ..GenSpec::default() })
}

/// `sweep --dir DIR --yes --endpoint-url EMU --rate RATE` plus `extra`.
fn args(env: &Env, dir: &str, rate: &str, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = ["sweep", "--dir", dir, "--yes", "--endpoint-url", &env.emu.endpoint(), "--rate", rate]
        .map(String::from)
        .into();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

async fn sweep(env: &Env, a: &[String]) -> crate::support::Run {
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    env.run(&a).await
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn sweep_plans_backs_up_deletes_and_verifies_in_dir() {
    let seed = seed(12, 21);
    let want = seed_datasets(&seed);
    let env = Env::new(fast(seed)).await;
    let run = sweep(&env, &args(&env, "out", "100", &[])).await;
    run.ok().stdout_has("nothing left").stdout_has("sweep lfv-");
    let dir = env.path("out");
    assert_eq!(mode(&dir), 0o700);
    for f in ["sweep.json", "plan.json", "journal.jsonl", "audit.csv", "summary.json"] {
        assert_eq!(mode(&dir.join(f)), 0o600, "{f} owner-only");
    }
    let plan = Plan::load(&dir.join("plan.json")).expect("the sealed plan loads and validates");
    assert_eq!(plan.items.len(), want);
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(file["plan_id"], plan.plan_id.as_str(), "sweep.json fixed the plan id");
    let rows = read_csv(&dir.join("audit.csv"));
    assert_eq!(rows.len(), want);
    assert!(rows.iter().all(|r| r["outcome"] == "deleted"), "{rows:?}");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["exit_code"], 0);
    assert_eq!(summary["outcomes"]["deleted"], want as u64);
    assert_eq!(summary["verified"], want as u64);
    let backups = walk(&dir.join("backup"));
    assert_eq!(backups, want, "one manifest per dataset under DIR/backup");
    let stats = env.emu.stats();
    assert_eq!(stats.deleted_datasets.len(), want);
    assert!(stats.deleted_datasets.values().all(|&n| n == 1));
    env.run(&["verify", "--all", "--endpoint-url", &env.emu.endpoint(), "--rate", "100"])
        .await
        .ok()
        .stdout_has("nothing left");
    // A rerun in the same DIR resumes from plan.json: nothing more to do, still exit 0.
    sweep(&env, &args(&env, "out", "100", &[])).await.ok();
    assert_eq!(env.emu.stats().mutations.datasets_deleted, want as u64);
}

fn walk(dir: &std::path::Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            n += walk(&p);
        } else if p.to_string_lossy().ends_with(".manifest.jsonl") {
            n += 1;
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delete_that_fails_leaves_something_and_exits_3() {
    let seed = seed(3, 22);
    let want = seed_datasets(&seed);
    let env = Env::new(fast(seed)).await;
    env.emu.set_faults(FaultSpec { internal: 1.0, ops: vec!["DeleteDataset".into()], ..FaultSpec::default() });
    let run = sweep(&env, &args(&env, "out", "100", &["--max-attempts", "1"])).await;
    run.code(3).stdout_has(&format!("{want} datasets left"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path("out/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["exit_code"], 3);
    assert_eq!(summary["outcomes"]["failed"], want as u64);
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_name_what_is_wrong() {
    let env = Env::new(fast(seed(2, 23))).await;
    let endpoint = env.emu.endpoint();
    // No --yes and no terminal: refused like apply, nothing deleted.
    env.run(&["sweep", "--dir", "a", "--endpoint-url", &endpoint]).await.code(5).stderr_has("pass --yes");
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 0);
    // A DIR holding another selection's sweep.
    let first = args(&env, "b", "100", &["--include", "nothing-matches-*"]);
    sweep(&env, &first).await.ok();
    let other = args(&env, "b", "100", &["--include", "x*"]);
    sweep(&env, &other).await.code(2).stderr_has("another selection").stderr_has("include (recorded");
    // A symlink as DIR, and a DIR of something else.
    std::os::unix::fs::symlink(env.path("b"), env.path("link")).unwrap();
    sweep(&env, &args(&env, "link", "100", &[])).await.code(2).stderr_has("symbolic link");
    std::fs::create_dir(env.path("c")).unwrap();
    std::fs::write(env.path("c/plan.json"), "{}").unwrap();
    sweep(&env, &args(&env, "c", "100", &[])).await.code(2).stderr_has("no sweep.json");
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn deletion_starts_before_enumeration_ends_and_the_description_is_not_repeated() {
    let seed = seed(20, 24);
    let want = seed_datasets(&seed);
    let mut config = fast(seed);
    config.rate = Some(10.0);
    config.burst = 10;
    let env = Env::new(config).await;
    sweep(&env, &args(&env, "out", "10", &[])).await.ok();
    let log: Vec<_> = env.emu.log().into_iter().filter(|e| e.status / 100 == 2).collect();
    // Each project's first DescribeProject is the planner's; the last of those ends enumeration.
    let mut first_describe: BTreeMap<String, u64> = BTreeMap::new();
    let mut describes: BTreeMap<String, usize> = BTreeMap::new();
    for e in log.iter().filter(|e| e.op == "DescribeProject") {
        let p = e.project.clone().unwrap();
        first_describe.entry(p.clone()).or_insert(e.seq);
        *describes.entry(p).or_default() += 1;
    }
    let enumeration_end = *first_describe.values().max().unwrap();
    let first_delete = log.iter().find(|e| e.op == "DeleteDataset").expect("a DeleteDataset").seq;
    assert!(
        first_delete < enumeration_end,
        "first DeleteDataset {first_delete}, last planning describe {enumeration_end}"
    );
    // Planning and confirmation: two describes per project; no drift-check describe (the planning one is
    // seconds old) and none by verify (the confirmation is).
    assert!(describes.values().all(|&n| n == 2), "{describes:?}");
    assert_eq!(env.emu.stats().deleted_datasets.len(), want);
}

fn outcomes_in(env: &Env) -> usize {
    match journal::read(&env.path("out/journal.jsonl")) {
        Ok(s) => s.by_seq.values().filter(|i| i.outcome.is_some()).count(),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_several_points_then_resume_deletes_each_once() {
    let seed = seed(30, 25);
    let want = seed_datasets(&seed);
    let mut config = fast(seed);
    config.rate = Some(15.0);
    config.burst = 15;
    let env = Env::new(config).await;
    let a = args(&env, "out", "15", &[]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    // Kill after 0.7 s, until four kills landed at distinct, unfinished points.
    let mut before_seal = 0;
    let sealed = env.path("out/plan.json");
    let on_kill = || before_seal += usize::from(!sealed.exists());
    let progress = || outcomes_in(&env);
    let (seen, kills) = env.kill_at_points(&a, 4, Duration::from_millis(700), want, progress, on_kill).await;
    assert!(kills >= 4, "four kills at distinct points: outcomes after each kill {seen:?}");
    assert!(before_seal >= 1, "at least one kill before the plan was sealed: {seen:?}");
    env.run(&a).await.ok().stdout_has("nothing left");
    let stats = env.emu.stats();
    assert_eq!(stats.mutations.datasets_deleted, want as u64, "effective deletions equal the datasets");
    assert_eq!(stats.deleted_datasets.len(), want);
    assert!(stats.deleted_datasets.values().all(|&n| n == 1));
    let plan = Plan::load(&env.path("out/plan.json")).unwrap();
    assert_eq!(plan.items.len(), want);
    let rows = read_csv(&env.path("out/audit.csv"));
    let seqs: HashSet<&str> = rows.iter().map(|r| r["seq"].as_str()).collect();
    assert_eq!((rows.len(), seqs.len()), (want, want), "one row per item");
    assert!(
        rows.iter().all(|r| r["outcome"] == "deleted"),
        "{:?}",
        rows.iter().map(|r| &r["outcome"]).collect::<Vec<_>>()
    );
    // Every DeleteDataset of a dataset carried the same client token (one call in effect per dataset).
    let mut tokens: BTreeMap<(String, String), HashSet<String>> = BTreeMap::new();
    for e in env.emu.log().iter().filter(|e| e.op == "DeleteDataset") {
        let key = (e.project.clone().unwrap(), e.dataset_type.clone().unwrap());
        tokens.entry(key).or_default().insert(e.client_token.clone().unwrap());
    }
    assert!(tokens.values().all(|t| t.len() == 1), "{tokens:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_of_an_organisation_sweep_each_dataset_exactly_once() {
    use lfv_emulator::org_seed::generate_org;
    let spec = GenSpec { projects: 2, mix: Mix::TrainTest, entries: (1, 1), ..GenSpec::default() };
    let seed = generate_org(6, &spec);
    let want = seed_datasets(&seed);
    let env = Env::new(fast(seed)).await;
    let n = 3;
    let mut items = HashSet::new();
    let (mut sizes, mut named) = (Vec::new(), Vec::new());
    for k in 0..n {
        let (dir, shard) = (format!("s{k}"), format!("{k}/{n}"));
        let from = env.emu.log().len();
        sweep(&env, &args(&env, &dir, "100", &["--organization", "--shard", &shard])).await.ok();
        let plan = Plan::load(&env.path(&format!("{dir}/plan.json"))).unwrap();
        let session = format!("lfv-sunset-{}", plan.plan_id);
        // Every role session of the sweep, enumeration included, is named after its plan (when the shard
        // reaches a member account at all).
        let seen = sessions_since(&env, from);
        assert!(seen.is_empty() || seen == BTreeSet::from([session]), "shard {k}: {seen:?}");
        if !seen.is_empty() {
            named.push(k);
        }
        sizes.push(plan.items.len());
        for i in &plan.items {
            let key = (i.account.clone(), i.region.clone(), i.project.clone(), i.resource.clone());
            assert!(items.insert(key.clone()), "{key:?} swept by two shards");
        }
    }
    assert_eq!(items.len(), want, "the shards together cover every dataset of the organisation");
    assert!(sizes.iter().filter(|&&s| s > 0).count() >= 2, "a partition in name only: {sizes:?}");
    let stats = env.emu.stats();
    assert_eq!(stats.deleted_datasets.len(), want);
    assert!(stats.deleted_datasets.values().all(|&c| c == 1));
    assert!(named.len() >= 2, "role sessions seen in shards {named:?} only");
    // Resumed (here: run again once done), a sweep reaches its targets under the session of the id in
    // sweep.json, not a new one.
    let k = named[0];
    let plan = Plan::load(&env.path(&format!("s{k}/plan.json"))).unwrap();
    let from = env.emu.log().len();
    sweep(&env, &args(&env, &format!("s{k}"), "100", &["--organization", "--shard", &format!("{k}/{n}")])).await.ok();
    assert_eq!(sessions_since(&env, from), BTreeSet::from([format!("lfv-sunset-{}", plan.plan_id)]));
    // The same DIR with another shard is another sweep: refused, naming the flag.
    let other = args(&env, "s0", "100", &["--organization", "--shard", "1/3"]);
    sweep(&env, &other).await.code(2).stderr_has("shard (recorded \"0/3\", now \"1/3\")");
}

/// `--scope all` seed: `n` projects, each with train and test datasets, a hosted model 1 (with a packaging
/// job) and a trained model 2; plus one project with no dataset and one hosted model.
fn teardown_seed(n: usize) -> Seed {
    use crate::teardown::{model, project};
    use lfv_emulator::seed::SeedPackagingJob;
    let mut projects: Vec<_> = (0..n)
        .map(|i| {
            let mut p = project(
                &format!("p{i:02}"),
                vec!["train", "test"],
                vec![model("1", "HOSTED", None), model("2", "TRAINED", None)],
            );
            p.packaging_jobs = vec![SeedPackagingJob {
                name: format!("job-{i}"),
                model_version: "1".into(),
                status: "SUCCEEDED".into(),
                component_name: "com.example.vision".into(),
                ..SeedPackagingJob::default()
            }];
            p
        })
        .collect();
    projects.push(project("zz-models-only", vec![], vec![model("1", "HOSTED", None)]));
    crate::plan::one_region(projects)
}

/// Items of `teardown_seed(n)`: per project 1 stop, 2 delete_model, 2 delete_dataset, 1 delete_project; the
/// last project 1 stop, 1 delete_model, 1 delete_project.
fn teardown_items(n: usize) -> usize {
    n * 6 + 3
}

fn assert_torn_down(env: &Env, dir: &str, n: usize) {
    let plan = Plan::load(&env.path(&format!("{dir}/plan.json"))).expect("the sealed plan loads and validates");
    assert_eq!(plan.selection.scope, lfv_sunset::plan::Scope::All);
    assert_eq!(plan.items.len(), teardown_items(n));
    let stats = env.emu.stats();
    assert_eq!(stats.mutations.models_stopped, n as u64 + 1, "each hosted model stopped once in effect");
    assert_eq!(stats.mutations.models_deleted, 2 * n as u64 + 1);
    assert_eq!(stats.mutations.datasets_deleted, 2 * n as u64);
    assert_eq!(stats.mutations.projects_deleted, n as u64 + 1);
    let mut names: Vec<String> = (0..n).map(|i| format!("p{i:02}")).collect();
    names.push("zz-models-only".into());
    for name in names {
        let file = env.path(&format!("{dir}/backup/123456789012/us-east-1/{name}/project.json"));
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert!(!doc["models"].as_array().unwrap().is_empty(), "{name}: models preserved");
    }
    let rows = read_csv(&env.path(&format!("{dir}/audit.csv")));
    assert_eq!(rows.len(), plan.items.len(), "one row per item");
}

#[tokio::test(flavor = "multi_thread")]
async fn sweep_scope_all_tears_every_project_down() {
    let env = Env::new(fast(teardown_seed(4))).await;
    sweep(&env, &args(&env, "out", "100", &["--scope", "all"])).await.ok().stdout_has("nothing left");
    assert!(crate::teardown::projects_left(&env).await.is_empty(), "the emulator holds no project");
    assert_torn_down(&env, "out", 4);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path("out/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["exit_code"], 0);
    // DIR holds leftovers.csv (owner-only): the models' output locations outlive Lookout for Vision.
    let leftovers = env.path("out/leftovers.csv");
    assert_eq!(summary["leftovers"], "out/leftovers.csv", "{summary}");
    let text = std::fs::read_to_string(&leftovers).unwrap();
    assert!(text.starts_with("account,region,project,referenced_by,service,resource,objects,suggestion"), "{text}");
    assert!(text.lines().any(|l| l.contains(",model ") && l.contains(",s3,")), "no model output row: {text}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&leftovers).unwrap().permissions().mode() & 0o777, 0o600);
    // A rerun resumes from plan.json: nothing more in effect, still exit 0.
    let calls = env.emu.stats().mutations.models_deleted;
    sweep(&env, &args(&env, "out", "100", &["--scope", "all"])).await.ok();
    assert_eq!(env.emu.stats().mutations.models_deleted, calls);
}

#[tokio::test(flavor = "multi_thread")]
async fn sweep_scope_all_killed_then_resumed_tears_down_once() {
    let n = 12;
    let mut config = fast(teardown_seed(n));
    config.rate = Some(15.0);
    config.burst = 15;
    let env = Env::new(config).await;
    let a = args(&env, "out", "15", &["--scope", "all"]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let progress = || outcomes_in(&env);
    let (seen, kills) = env.kill_at_points(&a, 2, Duration::from_millis(700), teardown_items(n), progress, || {}).await;
    assert!(kills >= 2, "two kills at distinct points: outcomes after each kill {seen:?}");
    env.run(&a).await.ok().stdout_has("nothing left");
    assert!(crate::teardown::projects_left(&env).await.is_empty(), "the emulator holds no project");
    assert_torn_down(&env, "out", n);
}
