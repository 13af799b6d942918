//! Tables for the confirmation text: counts per kind, inference units of hosted models, what is blocked now.

use super::*;
use crate::cloud::ModelStatus;
use lfv_model::testing::item;

fn now(status: &str, units: Option<u32>) -> ModelNow {
    ModelNow { status: ModelStatus::parse(status), units }
}

/// Project `a`: v1 hosted (2 units), v2 starting (3 units), v3 training; datasets; project `b`: v1 hosted but
/// stopped since planning (1 unit), test dataset; both projects deleted.
fn teardown() -> (Vec<Item>, BTreeMap<u64, ModelNow>) {
    let items = vec![
        item(1, "a", Kind::StopModel, "1"),
        item(2, "a", Kind::StopModel, "2"),
        item(3, "a", Kind::DeleteModel, "1"),
        item(4, "a", Kind::DeleteModel, "2"),
        item(5, "a", Kind::DeleteModel, "3"),
        item(6, "a", Kind::DeleteDataset, "test"),
        item(7, "a", Kind::DeleteDataset, "train"),
        item(8, "a", Kind::DeleteProject, "a"),
        item(9, "b", Kind::StopModel, "1"),
        item(10, "b", Kind::DeleteModel, "1"),
        item(11, "b", Kind::DeleteDataset, "test"),
        item(12, "b", Kind::DeleteProject, "b"),
    ];
    let models = [
        (1, now("HOSTED", Some(2))),
        (2, now("STARTING_HOSTING", Some(3))),
        (3, now("HOSTED", Some(2))),
        (4, now("STARTING_HOSTING", Some(3))),
        (5, now("TRAINING", None)),
        (9, now("TRAINED", Some(1))),
        (10, now("TRAINED", Some(1))),
    ];
    (items, models.into_iter().collect())
}

#[test]
fn counts_per_kind_with_the_units_of_models_hosted_now() {
    let (items, models) = teardown();
    let cases: Vec<(Vec<Item>, &str)> = vec![
        (
            items.clone(),
            "stop_model 3 (2 hosted now, 5 inference units), delete_model 4, delete_dataset 3, delete_project 2; in 2 \
             projects",
        ),
        // Datasets only: today's text.
        (items.iter().filter(|i| i.kind == Kind::DeleteDataset).cloned().collect(), "3 datasets in 2 projects"),
        // Kinds absent from the plan are not named.
        (
            items.iter().filter(|i| matches!(i.kind, Kind::DeleteProject | Kind::DeleteDataset)).cloned().collect(),
            "delete_dataset 3, delete_project 2; in 2 projects",
        ),
        (
            items.iter().filter(|i| i.project == "b" && i.kind == Kind::StopModel).cloned().collect(),
            "stop_model 1 (0 hosted now, 0 inference units); in 1 projects",
        ),
    ];
    for (items, want) in cases {
        assert_eq!(counts_text(&items, &models), want);
    }
    // A model no answer described (gone since planning) adds nothing.
    let mut fewer = models.clone();
    fewer.remove(&1);
    assert!(counts_text(&items, &fewer).starts_with("stop_model 3 (1 hosted now, 3 inference units)"));
}

#[test]
fn blocked_now_names_waiting_versions_and_their_projects() {
    let (items, mut models) = teardown();
    assert_eq!(
        blocked_now(&items, &models),
        [
            "a version 2: STARTING_HOSTING",
            "a version 3: TRAINING",
            "project a: its delete is skipped unless model version 2, 3 settles within --wait-timeout",
        ]
    );
    for status in ["STOPPING_HOSTING", "SYSTEM_UPDATING", "DELETING"] {
        models.insert(10, now(status, None));
        let lines = blocked_now(&items, &models);
        assert!(lines.contains(&format!("b version 1: {status}")), "{lines:?}");
        assert!(lines.iter().any(|l| l.starts_with("project b:")), "{lines:?}");
    }
    for status in ["TRAINED", "HOSTED", "TRAINING_FAILED", "HOSTING_FAILED"] {
        models.insert(10, now(status, None));
        assert!(!blocked_now(&items, &models).iter().any(|l| l.contains("b ")), "{status}");
    }
}
