//! Plan formats. Format 1 plans keep working: the committed fixture `tests/fixtures/plan-v1.json` (made by
//! the format 1 binary against the emulator seeded as below) goes through `show`, `apply --dry-run`,
//! `export`, `apply --yes` and `verify`, with its own (format 1) client tokens on the wire. A format 2 plan
//! with kinds the executor does not carry out yet is shown, and refused by every command that acts on it.

use std::collections::BTreeSet;
use std::path::Path;

use lfv_emulator::Seed;
use lfv_sunset::plan::format::client_token;
use lfv_sunset::plan::{Item, Kind, Plan, Scope};

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, fast, outcomes, read_csv};

/// 2023-01-01 as epoch seconds.
const JAN23: f64 = 1_672_531_200.0;

/// The projects the fixture was planned from.
pub fn fixture_seed() -> Seed {
    one_region(vec![
        project("alpha", vec![dataset("train", JAN23), dataset("test", JAN23 + 60.0)]),
        project("bravo", vec![dataset("train", JAN23 + 120.5)]),
        project("charlie-empty", vec![]),
    ])
}

pub fn fixture() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan-v1.json");
    std::fs::read_to_string(path).expect("fixture")
}

/// The fixture copied into the scratch directory as `v1.json`.
async fn env_with_fixture() -> Env {
    let env = Env::new(fast(fixture_seed())).await;
    std::fs::write(env.path("v1.json"), fixture()).unwrap();
    env
}

#[test]
fn the_fixture_is_format_1_and_matches_its_schema() {
    let text = fixture();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["format"], "lfv-sunset-plan/1");
    assert!(value["items"][0].get("dataset_type").is_some() && value["items"][0].get("kind").is_none());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan-v1.schema.json")).unwrap()).unwrap();
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&value));
    let v2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.schema.json")).unwrap()).unwrap();
    assert!(!jsonschema::validator_for(&v2).unwrap().is_valid(&value), "the format 2 schema is not format 1's");
    let plan = Plan::parse(&text).unwrap();
    assert_eq!(plan.validate(), Ok(()));
    assert!(plan.items.iter().all(|i| i.kind == Kind::DeleteDataset && i.after.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_format_1_plan_is_shown_dry_run_exported_applied_and_verified() {
    let env = env_with_fixture().await;
    let endpoint = env.emu.endpoint();
    let plan = Plan::load(&env.path("v1.json")).unwrap();
    let connect = ["--endpoint-url", endpoint.as_str(), "--max-plan-age", "3650d", "--rate", "100"];

    env.run(&["show", "v1.json"])
        .await
        .ok()
        .stdout_has("(lfv-sunset-plan/1)")
        .stdout_has("covers plan_id, targets, items")
        .stdout_has("not covered by the digest (format 1): format, created_at")
        .stdout_has("3 datasets in 2 projects")
        .stdout_has("by kind: delete_dataset 3");

    let mut dry = vec!["apply", "v1.json", "--dry-run"];
    dry.extend(connect);
    env.run(&dry).await.ok();
    assert_eq!(outcomes(&read_csv(&env.path("v1.dry-run.audit.csv"))), ["would_delete"; 3]);
    assert_eq!(env.emu.stats().mutating_calls(), 0, "a dry run is read-only");

    let mut export = vec!["export", "v1.json"];
    export.extend(connect);
    env.run(&export).await.ok();
    let rows = read_csv(&env.path("v1.export.csv"));
    assert_eq!(outcomes(&rows), ["exported"; 3]);
    assert!(env.path("v1.backup/123456789012/us-east-1/alpha/test.manifest.jsonl").exists());

    let verify = ["verify", "v1.json", "--endpoint-url", endpoint.as_str()];
    env.run(&verify).await.code(3);

    let mut apply = vec!["apply", "v1.json", "--yes"];
    apply.extend(connect);
    env.run(&apply).await.ok();
    let rows = read_csv(&env.path("v1.audit.csv"));
    assert_eq!(outcomes(&rows), ["deleted"; 3]);
    // Each DeleteDataset carried the plan's own format 1 token (not a format 2 derivation).
    for (row, item) in rows.iter().zip(&plan.items) {
        assert_eq!(row["client_token"], item.client_token);
        assert_eq!(row["dataset_type"], item.resource);
        let v1 = lfv_sunset::plan::v1::client_token(
            &plan.plan_id,
            &item.account,
            &item.region,
            &item.project,
            &item.resource,
        );
        assert_eq!(item.client_token, v1);
    }
    let log = env.emu.log();
    let sent: BTreeSet<String> =
        log.iter().filter(|c| c.op == "DeleteDataset").filter_map(|c| c.client_token.clone()).collect();
    let want: BTreeSet<String> = plan.items.iter().map(|i| i.client_token.clone()).collect();
    assert_eq!(sent, want);

    env.run(&verify).await.ok().stdout_has("nothing left");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_format_1_plan_edited_after_it_was_made_is_refused_by_the_format_1_digest() {
    let env = env_with_fixture().await;
    let endpoint = env.emu.endpoint();
    let edited =
        fixture().replacen("\"dataset_status\": \"CREATE_COMPLETE\"", "\"dataset_status\": \"CREATE_FAILED\"", 1);
    std::fs::write(env.path("edited.json"), edited).unwrap();
    for args in [
        vec!["show", "edited.json"],
        vec!["apply", "edited.json", "--yes", "--endpoint-url", &endpoint, "--max-plan-age", "3650d"],
    ] {
        env.run(&args).await.code(2).stderr_has("digest mismatch");
    }
    assert_eq!(env.emu.stats().mutating_calls(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hand_made_delete_project_item_is_carried_out_and_drift_checked() {
    let env = Env::new(fast(fixture_seed())).await;
    let mut plan = env.plan("plan.json", &[]).await;
    assert_eq!(plan.format, "lfv-sunset-plan/2");
    let last = plan.items.last().unwrap().clone();
    let token =
        client_token(&plan.plan_id, &last.account, &last.region, &last.project, Kind::DeleteProject, &last.project);
    plan.items.push(Item {
        seq: last.seq + 1,
        kind: Kind::DeleteProject,
        resource: last.project.clone(),
        created: None,
        status: "CREATED".into(),
        client_token: token,
        after: vec![last.seq],
        ..last
    });
    plan.selection.scope = Scope::All;
    plan.seal();
    assert_eq!(plan.validate(), Ok(()));
    plan.save(&env.path("all.json"), true).unwrap();
    env.run(&["show", "all.json"]).await.ok().stdout_has("by kind: delete_dataset 3, delete_project 1");
    // verify checks every kind: the project the plan would delete is still there.
    let v = env.run(&["verify", "all.json", "--format", "json"]).await.code(3).json();
    assert_eq!((v["projects_left"].as_u64(), v["datasets_left"].as_u64()), (Some(1), Some(3)), "{v}");
    env.run(&["apply", "all.json", "--dry-run"]).await;
    assert_eq!(env.emu.stats().mutating_calls(), 0, "a dry run of every kind sends nothing");
    // The item claims no CreationTimestamp, so the project it names is not the one planned: left alone.
    env.run(&["apply", "all.json", "--yes", "--no-backup"]).await.code(3);
    let rows = read_csv(&env.path("all.audit.csv"));
    let project = rows.iter().find(|r| r["seq"] == "4").unwrap();
    assert_eq!(project["outcome"], "skipped_drift", "{project:?}");
    assert_eq!(env.emu.stats().calls("DeleteProject"), 0);
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 3);
}
