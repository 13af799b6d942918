//! `plan --scope all` and `apply` of every kind against the emulator: models in each state, blocked and
//! dependency-skipped projects left intact, drift of a new model version, a clean run leaving nothing (judged
//! by the emulator's own state), and SIGKILL during a stop wait with resume.

use std::time::Duration;

use lfv_emulator::seed::{SeedModel, SeedProject};
use lfv_emulator::{EmulatorConfig, Seed};
use lfv_sunset::exec::journal;
use lfv_sunset::plan::Kind;

use crate::plan::{dataset, one_region};
use crate::support::{Env, fast, read_csv, sdk};

const JAN23: f64 = 1_672_531_200.0;

pub(crate) fn model(version: &str, status: &str, settle_ms: Option<u64>) -> SeedModel {
    SeedModel {
        version: version.into(),
        status: status.into(),
        created: JAN23 + 1000.0 + version.parse::<f64>().unwrap(),
        settle_after_ms: settle_ms,
        ..SeedModel::default()
    }
}

pub(crate) fn project(name: &str, datasets: Vec<&str>, models: Vec<SeedModel>) -> SeedProject {
    SeedProject {
        name: name.into(),
        created: JAN23,
        datasets: datasets.into_iter().map(|t| dataset(t, JAN23 + 60.0)).collect(),
        models,
        ..SeedProject::default()
    }
}

/// Every model state: hosted, starting (settles to hosted), trained, training (settles), stopping (settles),
/// deleting (settles to gone); plus a project with one dataset and an empty project.
fn every_state() -> Seed {
    one_region(vec![
        project(
            "alpha",
            vec!["train", "test"],
            vec![
                model("1", "HOSTED", None),
                model("2", "TRAINED", None),
                model("3", "STARTING_HOSTING", Some(1500)),
                model("4", "TRAINING", Some(1500)),
                model("5", "STOPPING_HOSTING", Some(1500)),
                model("6", "DELETING", Some(1500)),
            ],
        ),
        project("bravo", vec!["train"], vec![]),
        project("charlie-empty", vec![], vec![]),
    ])
}

/// Project names the emulator still has (its own ListProjects).
pub(crate) async fn projects_left(env: &Env) -> Vec<String> {
    let out = sdk(&env.emu.endpoint(), &env.key).list_projects().send().await.expect("ListProjects");
    out.projects().iter().filter_map(|p| p.project_name().map(str::to_string)).collect()
}

async fn versions_left(env: &Env, project: &str) -> Vec<String> {
    let out = sdk(&env.emu.endpoint(), &env.key).list_models().project_name(project).send().await.expect("ListModels");
    out.models().iter().filter_map(|m| m.model_version().map(str::to_string)).collect()
}

/// Wait (at most 30 s, polling every 50 ms) until the emulator has seen a call of `op`.
/// Wait (at most 30 s) until `arrived` holds of the emulator's stats. A call's response counts
/// (`Stats::calls`) are recorded when its answer is sent, so a call still in flight shows only in its
/// effects (mutation counters) and fault counts.
async fn wait_until(env: &Env, what: &str, arrived: impl Fn(&lfv_emulator::Stats) -> bool) {
    for _ in 0..600 {
        if arrived(&env.emu.stats()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} never went out");
}

fn outcome_of(rows: &[std::collections::BTreeMap<String, String>], seq: u64) -> String {
    rows.iter().find(|r| r["seq"] == seq.to_string()).map(|r| r["outcome"].clone()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn scope_all_plans_every_kind_in_order() {
    let env = Env::new(fast(every_state())).await;
    let plan = env.plan("plan.json", &["--scope", "all"]).await;
    let alpha: Vec<(Kind, &str, Vec<u64>)> = plan
        .items
        .iter()
        .filter(|i| i.project == "alpha")
        .map(|i| (i.kind, i.resource.as_str(), i.after.clone()))
        .collect();
    let want: Vec<(Kind, &str, Vec<u64>)> = vec![
        (Kind::StopModel, "1", vec![]),
        (Kind::StopModel, "3", vec![]),
        (Kind::DeleteModel, "1", vec![1]),
        (Kind::DeleteModel, "2", vec![]),
        (Kind::DeleteModel, "3", vec![2]),
        (Kind::DeleteModel, "4", vec![]),
        (Kind::DeleteModel, "5", vec![]),
        (Kind::DeleteModel, "6", vec![]),
        (Kind::DeleteDataset, "test", vec![]),
        (Kind::DeleteDataset, "train", vec![]),
        (Kind::DeleteProject, "alpha", (1..=10).collect()),
    ];
    assert_eq!(alpha, want);
    let stop = &plan.items[0];
    assert_eq!((stop.status.as_str(), stop.created.map(|t| t.timestamp())), ("HOSTED", Some(JAN23 as i64 + 1001)));
    let kinds = |p: &str| plan.items.iter().filter(|i| i.project == p).map(|i| i.kind).collect::<Vec<_>>();
    assert_eq!(kinds("bravo"), [Kind::DeleteDataset, Kind::DeleteProject]);
    assert_eq!(kinds("charlie-empty"), [Kind::DeleteProject], "an empty project is still deleted");
    // The default scope is today's: datasets only.
    let datasets = env.plan("datasets.json", &[]).await;
    assert!(datasets.items.iter().all(|i| i.kind == Kind::DeleteDataset));
    assert_eq!(datasets.items.len(), 3);
}

/// `show` of a teardown plan names each kind with its count (execution order), counts dataset types and
/// dates from `delete_dataset` items only, and counts no empty status (a project has none at planning).
#[tokio::test(flavor = "multi_thread")]
async fn show_of_a_teardown_plan_speaks_of_each_kind_by_its_name() {
    let env = Env::new(fast(every_state())).await;
    let plan = env.plan("plan.json", &["--scope", "all"]).await;
    let n = |k: Kind| plan.items.iter().filter(|i| i.kind == k).count();
    let per_kind = format!(
        "stop_model {}, delete_model {}, delete_dataset {}, delete_project {}",
        n(Kind::StopModel),
        n(Kind::DeleteModel),
        n(Kind::DeleteDataset),
        n(Kind::DeleteProject)
    );
    let projects: std::collections::BTreeSet<&str> = plan.items.iter().map(|i| i.project.as_str()).collect();
    let show = env.run(&["show", &env.p("plan.json")]).await;
    show.ok()
        .stdout_has(&format!("{} items ({per_kind}) in {} projects", plan.items.len(), projects.len()))
        .stdout_has(&format!("by kind: {per_kind}\n"));
    assert!(!show.stdout.contains(" datasets in "), "a teardown plan is not called datasets:\n{}", show.stdout);
    assert!(!show.stdout.contains("planning:  "), "an empty status is counted:\n{}", show.stdout);
    let oldest = show.stdout.lines().find(|l| l.starts_with("oldest dataset: ")).expect("an oldest dataset line");
    assert!(oldest.ends_with("/test") || oldest.ends_with("/train"), "oldest dataset is not a dataset: {oldest}");
    let v = env.run(&["show", &env.p("plan.json"), "--format", "json"]).await.json();
    assert_eq!(v["oldest"]["kind"], "delete_dataset");
    assert!(v["items_by_status"].get("").is_none(), "{}", v["items_by_status"]);
    let statuses: u64 = v["items_by_status"].as_object().unwrap().values().map(|c| c.as_u64().unwrap()).sum();
    assert_eq!(statuses as usize, plan.items.len() - n(Kind::DeleteProject));
    // A datasets plan keeps its wording.
    let datasets = env.plan("datasets.json", &[]).await;
    env.run(&["show", &env.p("datasets.json")]).await.ok().stdout_has(&format!(
        "{} datasets in {} projects;",
        datasets.items.len(),
        datasets.items.iter().map(|i| i.project.as_str()).collect::<std::collections::BTreeSet<_>>().len()
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn scope_all_selects_projects_by_creation_time_and_refuses_dataset_type() {
    let mut seed = every_state();
    seed.accounts[0].regions[0].projects[1].created = JAN23 + 86_400.0 * 30.0;
    let env = Env::new(fast(seed)).await;
    let plan = env.plan("plan.json", &["--scope", "all", "--created-after", "2023-01-15"]).await;
    let projects: std::collections::BTreeSet<&str> = plan.items.iter().map(|i| i.project.as_str()).collect();
    assert_eq!(projects.into_iter().collect::<Vec<_>>(), ["bravo"]);
    let endpoint = env.emu.endpoint();
    let run = env
        .run(&["plan", "--out", "x.json", "--endpoint-url", &endpoint, "--scope", "all", "--dataset-type", "train"])
        .await;
    run.code(2).stderr_has("--dataset-type").stderr_has("--scope all");
    assert!(!env.path("x.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clean_teardown_leaves_nothing_and_calls_each_once() {
    let env = Env::new(fast(every_state())).await;
    let plan = env.plan("plan.json", &["--scope", "all"]).await;
    let before = env.emu.stats();
    let run = env.run(&["apply", "plan.json", "--yes", "--no-backup", "--rate", "100", "--format", "json"]).await;
    let summary = run.ok().json();
    let stats = env.emu.stats();
    assert!(projects_left(&env).await.is_empty(), "the emulator holds no project");
    // The summary counts every Lookout for Vision call of the run per operation, as the emulator saw them.
    for op in lfv_sunset::service::Op::ALL.iter().filter(|o| o.name() != "GetObject") {
        let seen = stats.calls(op.name()) - before.calls(op.name());
        let counted = summary["calls"][op.name()]["attempts"].as_u64().unwrap_or(0);
        assert_eq!(counted, seen, "{op}: {}", summary["calls"]);
    }
    for op in ["StopModel", "DeleteModel", "DeleteProject", "DeleteDataset", "DescribeModel", "DescribeProject"] {
        assert!(summary["calls"][op]["attempts"].as_u64() > Some(0), "{op}: {}", summary["calls"]);
    }
    assert_eq!(stats.calls("StopModel"), 2, "models 1 (hosted) and 3 (starting, waited for)");
    assert_eq!(stats.mutations.models_stopped, 2);
    assert_eq!(stats.calls("DeleteModel"), 5, "every version but 6, which was already deleting");
    assert_eq!(stats.calls("DeleteProject"), 3);
    assert_eq!(stats.mutations.projects_deleted, 3);
    assert_eq!(stats.calls("DeleteDataset"), 3);
    let rows = read_csv(&env.path("plan.audit.csv"));
    let by_kind =
        |k: Kind| plan.items.iter().filter(|i| i.kind == k).map(|i| outcome_of(&rows, i.seq)).collect::<Vec<_>>();
    assert_eq!(by_kind(Kind::StopModel), ["stopped", "stopped"]);
    assert_eq!(by_kind(Kind::DeleteModel), ["deleted", "deleted", "deleted", "deleted", "deleted", "already_absent"]);
    assert_eq!(by_kind(Kind::DeleteProject), ["deleted"; 3]);
    // Each call carried its item's token.
    for item in plan.items.iter().filter(|i| i.kind != Kind::DeleteDataset) {
        let op = match item.kind {
            Kind::StopModel => "StopModel",
            Kind::DeleteModel => "DeleteModel",
            _ => "DeleteProject",
        };
        let tokens: Vec<_> = env
            .emu
            .log()
            .into_iter()
            .filter(|e| e.op == op && e.client_token.as_deref() == Some(item.client_token.as_str()))
            .collect();
        let want = usize::from(!(item.kind == Kind::DeleteModel && item.resource == "6"));
        assert_eq!(tokens.len(), want, "{} {}", item.kind, item.resource);
    }
    let state = journal::read(&env.path("plan.journal.jsonl")).unwrap();
    let units: Vec<Option<u32>> = plan
        .items
        .iter()
        .filter(|i| i.kind == Kind::StopModel)
        .map(|i| state.item(i.seq).outcome.unwrap().inference_units)
        .collect();
    assert!(units.iter().all(|u| u.is_some_and(|u| u >= 1)), "inference units of stopped models: {units:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_stuck_training_blocks_and_its_project_is_left_intact() {
    let seed = one_region(vec![
        project("stuck", vec![], vec![model("1", "TRAINING", None), model("2", "TRAINED", None)]),
        project("fine", vec![], vec![model("1", "TRAINED", None)]),
    ]);
    let env = Env::new(fast(seed)).await;
    let plan = env.plan("plan.json", &["--scope", "all"]).await;
    let run = env.run(&["apply", "plan.json", "--yes", "--no-backup", "--wait-timeout", "2s"]).await;
    assert_ne!(run.code, Some(0), "a blocked item is not a success");
    let rows = read_csv(&env.path("plan.audit.csv"));
    let find = |p: &str, k: Kind, r: &str| {
        let item = plan.items.iter().find(|i| i.project == p && i.kind == k && i.resource == r).unwrap();
        rows.iter().find(|row| row["seq"] == item.seq.to_string()).unwrap().clone()
    };
    let blocked = find("stuck", Kind::DeleteModel, "1");
    assert_eq!(blocked["outcome"], "blocked");
    assert!(blocked["message"].contains("TRAINING"), "{blocked:?}");
    assert_eq!(find("stuck", Kind::DeleteModel, "2")["outcome"], "deleted");
    assert_eq!(find("stuck", Kind::DeleteProject, "stuck")["outcome"], "skipped_dependency");
    assert_eq!(find("fine", Kind::DeleteProject, "fine")["outcome"], "deleted");
    assert_eq!(projects_left(&env).await, ["stuck"]);
    assert_eq!(versions_left(&env, "stuck").await, ["1"]);
    assert_eq!(env.emu.stats().calls("DeleteProject"), 1, "no DeleteProject for the blocked project");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_version_created_after_planning_is_untouched_and_its_project_kept() {
    let before = one_region(vec![project("alpha", vec!["train"], vec![model("1", "HOSTED", None)])]);
    let env = Env::new(fast(before)).await;
    let plan = env.plan("plan.json", &["--scope", "all"]).await;
    assert_eq!(plan.items.len(), 4);
    // The same account, now with a version 2 trained since planning.
    let after = one_region(vec![project(
        "alpha",
        vec!["train"],
        vec![model("1", "HOSTED", None), model("2", "TRAINED", None)],
    )]);
    let later = lfv_emulator::start(EmulatorConfig { ..fast(after) }).await.unwrap();
    let endpoint = later.endpoint();
    let run = env.run(&["apply", "plan.json", "--yes", "--no-backup", "--endpoint-url", &endpoint]).await;
    let rows = read_csv(&env.path("plan.audit.csv"));
    let outcomes: Vec<String> = plan.items.iter().map(|i| outcome_of(&rows, i.seq)).collect();
    assert_eq!(outcomes, ["stopped", "deleted", "deleted", "skipped_drift"], "{}", run.stderr);
    let client = sdk(&endpoint, &env.key);
    let models = client.list_models().project_name("alpha").send().await.unwrap();
    let left: Vec<_> = models.models().iter().filter_map(|m| m.model_version()).collect();
    assert_eq!(left, ["2"], "the new version is untouched");
    let stats = later.stats();
    assert_eq!(stats.calls("DeleteProject"), 0);
    assert_eq!((stats.calls("StopModel"), stats.calls("DeleteModel")), (1, 1), "only version 1 was acted on");
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_sends_nothing_and_says_what_would_wait() {
    let mut seed = every_state();
    // Version 4 stays TRAINING (no settle time), however slow the machine.
    seed.accounts[0].regions[0].projects[0].models[3].settle_after_ms = None;
    let env = Env::new(fast(seed)).await;
    let plan = env.plan("plan.json", &["--scope", "all"]).await;
    env.run(&["apply", "plan.json", "--dry-run", "--yes"]).await.ok();
    assert_eq!(env.emu.stats().mutating_calls(), 0);
    let rows = read_csv(&env.path("plan.dry-run.audit.csv"));
    let training = plan.items.iter().find(|i| i.kind == Kind::DeleteModel && i.resource == "4").unwrap();
    let row = rows.iter().find(|r| r["seq"] == training.seq.to_string()).unwrap();
    assert_eq!(row["outcome"], "would_delete");
    assert!(row["message"].contains("TRAINING"), "{row:?}");
    let project = plan.items.iter().find(|i| i.kind == Kind::DeleteProject && i.project == "alpha").unwrap();
    assert_eq!(outcome_of(&rows, project.seq), "would_delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_a_stop_wait_then_resume_stops_once() {
    let mut hosted = model("1", "HOSTED", None);
    hosted.stop_after_ms = Some(600_000);
    let env = Env::new(fast(one_region(vec![project("alpha", vec![], vec![hosted])]))).await;
    let plan = env.plan("plan.json", &["--scope", "all"]).await;
    assert_eq!(plan.items.len(), 3);
    let args = ["apply", "plan.json", "--yes", "--no-backup"];
    let mut child = env.command(&args).spawn().unwrap();
    // Answered: the wait for STOPPING_HOSTING to end (600 s on the emulator clock) has begun.
    wait_until(&env, "StopModel", |s| s.calls("StopModel") > 0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(child.try_wait().unwrap().is_none(), "still waiting for STOPPING_HOSTING to end");
    child.start_kill().unwrap();
    assert_eq!(child.wait().await.unwrap().code(), None, "killed by a signal");
    let state = journal::read(&env.path("plan.journal.jsonl")).unwrap();
    assert!(state.item(1).started.is_some() && state.item(1).outcome.is_none(), "killed mid-wait");
    env.emu.advance_clock(Duration::from_secs(601));
    env.run(&args).await.ok();
    let stats = env.emu.stats();
    assert_eq!(stats.mutations.models_stopped, 1, "stopped once in effect");
    assert_eq!(stats.mutations.models_deleted, 1);
    assert_eq!(stats.mutations.projects_deleted, 1);
    assert!(projects_left(&env).await.is_empty());
    let rows = read_csv(&env.path("plan.audit.csv"));
    let outcomes: Vec<String> = plan.items.iter().map(|i| outcome_of(&rows, i.seq)).collect();
    assert_eq!(outcomes, ["stopped", "deleted", "deleted"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn project_json_is_written_before_deleting_and_holds_the_emulators_answers() {
    use lfv_emulator::seed::SeedPackagingJob;
    let mut hosted = model("1", "HOSTED", None);
    hosted.min_inference_units = Some(3);
    hosted.tags = [("team".to_string(), "vision".to_string())].into();
    let mut trained = model("2", "TRAINED", None);
    trained.kms_key_id = Some("arn:aws:kms:us-east-1:123456789012:key/abc".into());
    let mut p = project("alpha", vec!["train"], vec![hosted, trained]);
    p.packaging_jobs = vec![SeedPackagingJob {
        name: "job-1".into(),
        model_version: "1".into(),
        created: JAN23 + 5000.0,
        status: "SUCCEEDED".into(),
        component_name: "com.example.vision".into(),
        target_device: Some("jetson_xavier".into()),
        s3_output: lfv_emulator::seed::SeedS3Location { bucket: "packages".into(), prefix: Some("v/".into()) },
        ..SeedPackagingJob::default()
    }];
    let env = Env::new(fast(one_region(vec![p]))).await;
    let plan = env.plan("plan.json", &["--scope", "all"]).await;
    let before = [
        crate::preserve::raw_model(&env.emu, "alpha", "1").await,
        crate::preserve::raw_model(&env.emu, "alpha", "2").await,
    ];
    env.run(&["apply", "plan.json", "--yes", "--backup-dir", "backups"]).await.ok();
    assert!(projects_left(&env).await.is_empty());
    let file = env.path("backups/123456789012/us-east-1/alpha/project.json");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let models = doc["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    for (m, want) in models.iter().zip(&before) {
        crate::preserve::same(&m["ModelDescription"], want, "ModelDescription");
    }
    assert_eq!(models[0]["ModelDescription"]["Status"], "HOSTED", "preserved before StopModel");
    assert_eq!(models[0]["Tags"], serde_json::json!([{"Key": "team", "Value": "vision"}]));
    let jobs = doc["packaging_jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["JobName"], "job-1");
    // Journalled with its sha256, on the delete_project item.
    let state = journal::read(&env.path("plan.journal.jsonl")).unwrap();
    let project = plan.items.iter().find(|i| i.kind == Kind::DeleteProject).unwrap();
    let rec = state.item(project.seq).export.expect("project.json journalled");
    assert_eq!(rec.sha256, crate::support::sha256_file(&file));
    assert_eq!(state.item(1).outcome.unwrap().inference_units, Some(3));
    // Written before the first destructive call: the file's DescribeModel calls precede StopModel.
    let log = env.emu.log();
    let first_stop = log.iter().position(|e| e.op == "StopModel").unwrap();
    let last_tags = log.iter().rposition(|e| e.op == "DescribeModelPackagingJob").unwrap();
    assert!(last_tags < first_stop, "preserved before any destructive call");
    // A resume reuses it: no second collection.
    let describes = env.emu.stats().calls("DescribeModelPackagingJob");
    env.run(&["apply", "plan.json", "--yes", "--backup-dir", "backups"]).await;
    assert_eq!(env.emu.stats().calls("DescribeModelPackagingJob"), describes);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_delete_project_then_resume_deletes_it_once() {
    let env =
        Env::new(fast(one_region(vec![project("alpha", vec!["train"], vec![model("1", "TRAINED", None)])]))).await;
    let plan = env.plan("plan.json", &["--scope", "all"]).await;
    assert_eq!(plan.items.len(), 3);
    // DeleteProject takes effect at once, its answer comes 10 s later: the kill lands between the two.
    env.emu.set_faults("latency=1,latency_ms=10000,ops=DeleteProject".parse().unwrap());
    let args = ["apply", "plan.json", "--yes", "--no-backup"];
    let mut child = env.command(&args).spawn().unwrap();
    // Its effect, not its answer (sent 10 s later): the kill must land while the call is in flight.
    wait_until(&env, "DeleteProject", |s| s.mutations.projects_deleted > 0).await;
    child.start_kill().unwrap();
    assert_eq!(child.wait().await.unwrap().code(), None, "killed by a signal");
    let state = journal::read(&env.path("plan.journal.jsonl")).unwrap();
    assert!(state.item(3).started.is_some() && state.item(3).outcome.is_none(), "killed mid-call");
    env.emu.set_faults(Default::default());
    env.run(&args).await.ok();
    let stats = env.emu.stats();
    assert_eq!(stats.mutations.projects_deleted, 1, "deleted once in effect");
    assert!(projects_left(&env).await.is_empty());
    let rows = read_csv(&env.path("plan.audit.csv"));
    let outcomes: Vec<String> = plan.items.iter().map(|i| outcome_of(&rows, i.seq)).collect();
    assert_eq!(outcomes, ["deleted", "deleted", "deleted"], "the resumed project is ours, not already_absent");
}

#[tokio::test(flavor = "multi_thread")]
async fn export_of_a_teardown_plan_writes_project_json_and_changes_nothing() {
    let env = Env::new(fast(one_region(vec![project("alpha", vec!["train"], vec![model("1", "HOSTED", None)])]))).await;
    let plan = env.plan("plan.json", &["--scope", "all"]).await;
    env.run(&["export", "plan.json", "--backup-dir", "backups"]).await.ok();
    assert_eq!(env.emu.stats().mutating_calls(), 0);
    let file = env.path("backups/123456789012/us-east-1/alpha/project.json");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(doc["models"][0]["ModelDescription"]["ModelVersion"], "1");
    assert!(env.path("backups/123456789012/us-east-1/alpha/train.manifest.jsonl").exists());
    let rows = read_csv(&env.path("plan.export.csv"));
    let outcomes: Vec<String> = plan.items.iter().map(|i| outcome_of(&rows, i.seq)).collect();
    assert_eq!(outcomes, ["exported"; 4]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dataset_waits_while_a_model_of_its_project_trains() {
    let seed = one_region(vec![project("alpha", vec!["train"], vec![model("1", "TRAINING", Some(2500))])]);
    let env = Env::new(fast(seed)).await;
    let plan = env.plan("plan.json", &[]).await;
    assert_eq!(plan.items.len(), 1, "--scope datasets: the dataset only");
    env.run(&["apply", "plan.json", "--yes", "--no-backup", "--wait-timeout", "60s"]).await.ok();
    let stats = env.emu.stats();
    assert!(stats.calls_with_status("DeleteDataset", "409") >= 1, "refused while TRAINING, then waited");
    assert_eq!(stats.mutations.datasets_deleted, 1);
    assert_eq!(versions_left(&env, "alpha").await, ["1"], "the model is not part of a datasets plan");
}
