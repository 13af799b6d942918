//! Reports of a full teardown against the emulator: `verify` per kind (a plan of every kind, and `--all
//! --scope all`), built from plans made by the library (the plan types and `Plan::seal`) over the emulator's
//! seed, so they hold model and project items whatever the planner selects.

use std::time::{Duration, Instant};

use lfv_emulator::Seed;
use lfv_emulator::seed::{SeedModel, SeedProject};
use lfv_sunset::plan::format::client_token;
use lfv_sunset::plan::{Item, Kind, Plan, Scope};

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, fast, sdk};

const JAN23: f64 = 1_672_531_200.0;

pub fn model(version: &str, status: &str, units: u32) -> SeedModel {
    SeedModel {
        version: version.into(),
        status: status.into(),
        created: JAN23,
        min_inference_units: Some(units),
        ..SeedModel::default()
    }
}

/// `line`: datasets train and test, model 1 HOSTED (2 inference units), model 2 TRAINED; `bare`: a project
/// with nothing in it.
pub fn teardown_seed() -> Seed {
    let line = SeedProject {
        models: vec![model("1", "HOSTED", 2), model("2", "TRAINED", 1)],
        ..project("line", vec![dataset("train", JAN23), dataset("test", JAN23)])
    };
    one_region(vec![line, project("bare", vec![])])
}

/// Append an item of `kind` on `resource` of `project` (in the first item's target), sealed later.
pub fn push(plan: &mut Plan, project: &str, kind: Kind, resource: &str, status: &str) {
    let first = plan.items[0].clone();
    let seq = plan.items.iter().map(|i| i.seq).max().unwrap_or(0) + 1;
    let token = client_token(&plan.plan_id, &first.account, &first.region, project, kind, resource);
    plan.items.push(Item {
        seq,
        project: project.into(),
        project_arn: format!("arn:aws:lookoutvision:{}:{}:project/{project}", first.region, first.account),
        kind,
        resource: resource.into(),
        created: None,
        status: status.into(),
        client_token: token,
        after: Vec::new(),
        ..first
    });
}

/// Put the items in the plan's order (target, project, kind order), number them from 1, and make each
/// project's `delete_project` wait for the project's other items.
pub fn order(plan: &mut Plan) {
    use lfv_sunset::plan::types::order_key;
    plan.items.sort_by(|a, b| {
        (a.target, &a.project, order_key(a.kind, &a.resource)).cmp(&(
            b.target,
            &b.project,
            order_key(b.kind, &b.resource),
        ))
    });
    for (n, item) in plan.items.iter_mut().enumerate() {
        item.seq = n as u64 + 1;
    }
    let snapshot = plan.items.clone();
    for item in plan.items.iter_mut() {
        let same = |o: &&Item| o.target == item.target && o.project == item.project && o.seq < item.seq;
        item.after = match item.kind {
            Kind::DeleteProject => snapshot.iter().filter(same).map(|o| o.seq).collect(),
            Kind::DeleteModel => snapshot
                .iter()
                .filter(same)
                .filter(|o| o.kind == Kind::StopModel && o.resource == item.resource)
                .map(|o| o.seq)
                .collect(),
            _ => Vec::new(),
        };
    }
}

/// The datasets plan `plan` makes, grown to a `--scope all` plan of [`teardown_seed`] and saved as `name`.
pub async fn scope_all_plan(env: &Env, name: &str) -> Plan {
    let mut plan = env.plan(name, &[]).await;
    push(&mut plan, "line", Kind::StopModel, "1", "HOSTED");
    push(&mut plan, "line", Kind::DeleteModel, "1", "HOSTED");
    push(&mut plan, "line", Kind::DeleteModel, "2", "TRAINED");
    push(&mut plan, "line", Kind::DeleteProject, "line", "CREATED");
    push(&mut plan, "bare", Kind::DeleteProject, "bare", "CREATED");
    order(&mut plan);
    plan.selection.scope = Scope::All;
    plan.seal();
    assert_eq!(plan.validate(), Ok(()));
    plan.save(&env.path(name), true).unwrap();
    plan
}

/// Poll `done` every 20 ms for at most `limit`.
async fn until<F: std::future::Future<Output = bool>>(limit: Duration, mut done: impl FnMut() -> F) {
    let start = Instant::now();
    for _ in 0..1000 {
        if done().await {
            return;
        }
        assert!(start.elapsed() < limit, "condition not met within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("condition not met in 1000 polls");
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_checks_every_kind_of_a_plan_and_all_scope_all_sees_projects() {
    let env = Env::new(fast(teardown_seed())).await;
    let endpoint = env.emu.endpoint();
    scope_all_plan(&env, "plan.json").await;
    let all = ["verify", "--all", "--scope", "all", "--region", "us-east-1", "--endpoint-url", &endpoint];
    let mutations = env.emu.stats().mutations;

    // Everything is there: 2 datasets, 2 versions, 1 hosted, 2 projects.
    let v = env.run(&["verify", "plan.json", "--format", "json"]).await.code(3).json();
    let counts = |v: &serde_json::Value| {
        ["datasets_left", "models_left", "models_hosted", "projects_left"].map(|k| v[k].as_u64().unwrap())
    };
    assert_eq!(counts(&v), [2, 2, 1, 2], "{v}");
    let hosted: Vec<_> = v["left"].as_array().unwrap().iter().filter(|l| l["kind"] == "stop_model").collect();
    assert_eq!((hosted[0]["resource"].as_str(), hosted[0]["status"].as_str()), (Some("1"), Some("HOSTED")));
    let table = env.run(&["verify", "plan.json"]).await;
    table.code(3).stdout_has("line model 1 hosted HOSTED").stdout_has("bare project present");
    let v = env.run(&[&all[..], &["--format", "json"]].concat()).await.code(3).json();
    // Measured: the model versions are listed (ListModels), not left at zero.
    assert_eq!(counts(&v), [2, 2, 1, 2], "{v}");
    let hosted: Vec<_> = v["left"].as_array().unwrap().iter().filter(|l| l["kind"] == "stop_model").collect();
    assert_eq!((hosted[0]["resource"].as_str(), hosted[0]["status"].as_str()), (Some("1"), Some("HOSTED")));
    assert!(env.emu.stats().calls("ListModels") >= 2, "one ListModels per project at least");
    // Without --scope all, --all looks at datasets only, as before.
    let datasets_only = ["verify", "--all", "--region", "us-east-1", "--endpoint-url", &endpoint, "--format", "json"];
    assert_eq!(env.run(&datasets_only).await.code(3).json()["projects_left"], 0);
    env.run(&["verify", "plan.json", "--scope", "all"]).await.code(2).stderr_has("--scope applies to --all");
    assert_eq!(env.emu.stats().mutations, mutations, "verify changed state");

    // Stopped, then both versions deleted: the models are gone, datasets and projects are not.
    let c = sdk(&endpoint, &env.key);
    c.stop_model().project_name("line").model_version("1").send().await.unwrap();
    let status = |v: &'static str| {
        let c = c.clone();
        async move { c.describe_model().project_name("line").model_version(v).send().await }
    };
    until(Duration::from_secs(20), || async {
        status("1")
            .await
            .is_ok_and(|m| m.model_description().and_then(|d| d.status()).map(|s| s.as_str()) == Some("TRAINED"))
    })
    .await;
    let v = env.run(&["verify", "plan.json", "--format", "json"]).await.code(3).json();
    assert_eq!(counts(&v), [2, 2, 0, 2], "stopped: nothing hosted, both versions left: {v}");
    for version in ["1", "2"] {
        c.delete_model().project_name("line").model_version(version).send().await.unwrap();
    }
    until(Duration::from_secs(20), || async { status("1").await.is_err() && status("2").await.is_err() }).await;
    let v = env.run(&["verify", "plan.json", "--format", "json"]).await.code(3).json();
    assert_eq!(counts(&v), [2, 0, 0, 2], "{v}");

    // Datasets and projects deleted: nothing left, by the plan and by the sweep.
    for t in ["test", "train"] {
        c.delete_dataset().project_name("line").dataset_type(t).send().await.unwrap();
    }
    let gone = |p: &'static str| {
        let c = c.clone();
        async move { c.describe_project().project_name(p).send().await.is_err() }
    };
    until(Duration::from_secs(20), || async {
        let d = c.describe_project().project_name("line").send().await.unwrap();
        d.project_description().is_some_and(|p| p.datasets().is_empty())
    })
    .await;
    for p in ["line", "bare"] {
        c.delete_project().project_name(p).send().await.unwrap();
    }
    until(Duration::from_secs(20), || async { gone("line").await && gone("bare").await }).await;
    env.run(&["verify", "plan.json"]).await.ok().stdout_has("nothing left");
    env.run(&all).await.ok().stdout_has("nothing left");
}

/// `line` with images in S3 (3 train, 2 test), model 1 with an output location, evaluation objects and a KMS
/// key, model 2 plain, and a packaging job of model 1.
fn leftovers_seed() -> Seed {
    use lfv_emulator::seed::{SeedPackagingJob, SeedS3Location, SeedS3Object};
    let s3 = |bucket: &str, key: &str| SeedS3Object { bucket: bucket.into(), key: key.into() };
    let rich = SeedModel {
        output: Some(SeedS3Location { bucket: "out".into(), prefix: Some("line/models/".into()) }),
        evaluation_manifest: Some(s3("out", "line/eval/manifest.json")),
        evaluation_result: Some(s3("out", "line/eval/result.json")),
        kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/abcd".into()),
        ..model("1", "TRAINED", 1)
    };
    let job = SeedPackagingJob {
        name: "pkg-1".into(),
        model_version: "1".into(),
        status: "SUCCEEDED".into(),
        created: JAN23,
        component_name: "line-comp".into(),
        target_device: Some("jetson_xavier".into()),
        s3_output: SeedS3Location { bucket: "gg".into(), prefix: Some("line/".into()) },
        ..SeedPackagingJob::default()
    };
    let datasets = vec![
        crate::emulator_helpers::dataset("train", &[Some(0), Some(1), None]),
        crate::emulator_helpers::dataset("test", &[Some(0), Some(1)]),
    ];
    let line = SeedProject {
        models: vec![rich, model("2", "TRAINED", 1)],
        packaging_jobs: vec![job],
        ..project("line", datasets)
    };
    one_region(vec![line])
}

#[tokio::test(flavor = "multi_thread")]
async fn export_and_apply_write_leftovers_from_manifests_and_project_json() {
    use lfv_sunset::cloud::{Client, ClientOptions, Endpoint};
    use lfv_sunset::preserve::{self, OneAttempt};
    use std::os::unix::fs::PermissionsExt;

    let env = Env::new(fast(leftovers_seed())).await;
    let endpoint = env.emu.endpoint();
    env.plan("plan.json", &[]).await;
    // project.json as a teardown run writes it before its first destructive call on the project.
    let at =
        Endpoint { region: "us-east-1".into(), profile: None, endpoint_url: Some(endpoint.to_string()), role: None };
    let client = Client::with_fixed_credentials(&at, ClientOptions::default(), &env.key, "test-secret");
    let collected = preserve::collect(&OneAttempt, &client, "line").await.unwrap().expect("line exists");
    let doc = preserve::build("123456789012", "us-east-1", chrono::Utc::now(), &collected);
    preserve::write(&env.path("plan.backup"), "123456789012", "us-east-1", "line", &doc).unwrap();

    let summary = env.run(&["export", "plan.json", "--format", "json"]).await.ok().json();
    let file = env.path("plan.export.leftovers.csv");
    assert_eq!(summary["leftovers"].as_str(), Some("plan.export.leftovers.csv"));
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let rows = crate::support::read_csv(&file);
    let got: Vec<[&str; 4]> = rows
        .iter()
        .map(|r| [r["referenced_by"].as_str(), r["service"].as_str(), r["resource"].as_str(), r["objects"].as_str()])
        .collect();
    let arn = "arn:aws:greengrass:us-east-1:123456789012:components:line-comp:versions:1.0.0";
    let want: Vec<[&str; 4]> = vec![
        ["dataset train", "s3", "s3://bucket/p/train/", "3"],
        ["dataset test", "s3", "s3://bucket/p/test/", "2"],
        ["model 1", "s3", "s3://out/line/models/", ""],
        ["model 1", "s3", "s3://out/line/eval/manifest.json", "1"],
        ["model 1", "s3", "s3://out/line/eval/result.json", "1"],
        ["model 1", "kms", "arn:aws:kms:us-east-1:123456789012:key/abcd", ""],
        // The emulator's defaults for a model seeded without them.
        ["model 2", "s3", "s3://lookoutvision-us-east-1-123456789012/line/models/", ""],
        ["model 2", "s3", "s3://lookoutvision-us-east-1-123456789012/line/models/2/evaluation/manifest.json", "1"],
        ["model 2", "s3", "s3://lookoutvision-us-east-1-123456789012/line/models/2/evaluation/result.json", "1"],
        ["packaging job pkg-1", "s3", "s3://gg/line/", ""],
        ["packaging job pkg-1", "greengrass", arn, "1"],
    ];
    assert_eq!(got, want);
    assert!(rows.iter().all(|r| (r["account"].as_str(), r["region"].as_str(), r["project"].as_str())
        == ("123456789012", "us-east-1", "line")));
    assert_eq!(rows[0]["suggestion"], "keep: these images are your training data");

    // apply writes its own beside its report, from the manifests it reused and the same project.json.
    env.run(&["apply", "plan.json", "--yes"]).await.ok();
    let applied = crate::support::read_csv(&env.path("plan.leftovers.csv"));
    assert_eq!(applied, rows);
    // A dry run keeps no backups and writes none.
    env.run(&["apply", "plan.json", "--dry-run"]).await.ok();
    assert!(!env.path("plan.dry-run.leftovers.csv").exists());
}

/// After a datasets-only apply, every verify says what remains outside its scope, measured by its own calls
/// (ListProjects, ListModels, DescribeModel of the hosted version), and keeps its exit code for the scope.
#[tokio::test(flavor = "multi_thread")]
async fn every_verify_says_what_remains_outside_its_scope() {
    let env = Env::new(fast(teardown_seed())).await;
    let endpoint = env.emu.endpoint();
    env.plan("plan.json", &[]).await;
    env.run(&["apply", "plan.json", "--yes", "--no-backup"]).await.ok();
    let outside = "2 projects, 2 model versions (1 hosted, 2 inference units)";

    let before = env.emu.stats();
    let run = env.run(&["verify", "plan.json"]).await;
    run.ok().stdout_has("nothing left").stdout_has(&format!("outside the plan: {outside}"));
    let after = env.emu.stats();
    assert!(after.calls("ListModels") - before.calls("ListModels") >= 2, "measured by ListModels of each project");
    assert_eq!(after.calls("DescribeModel") - before.calls("DescribeModel"), 1, "the hosted version's units");
    let v = env.run(&["verify", "plan.json", "--format", "json"]).await.ok().json();
    assert_eq!(v["outside_scope"]["projects"], 2, "{v:#}");
    assert_eq!(v["outside_scope"]["hosted"], 1, "{v:#}");

    let all = ["verify", "--all", "--region", "us-east-1", "--endpoint-url", &endpoint];
    env.run(&all).await.ok().stdout_has("nothing left").stdout_has(&format!("outside --scope datasets: {outside}"));
    let scope_all = [&all[..], &["--scope", "all"]].concat();
    let run = env.run(&scope_all).await;
    run.code(3).stdout_has("nothing outside --scope all").stdout_has("2 model versions left, 1 models still hosted");
}
