//! Tables for the per-kind decisions of `exec::kinds`.

use chrono::{DateTime, Utc};

use super::*;
use crate::cloud::DatasetInfo;

const T: i64 = 1_672_531_200_123;

fn at(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

fn model(version: &str, status: ModelStatus, created_ms: i64) -> ModelSummary {
    ModelSummary { creation_timestamp: at(created_ms), ..ModelSummary::bare("p", version, status) }
}

fn kind_of(a: &Action) -> String {
    match a {
        Action::Call => "call".into(),
        Action::Wait(s) => format!("wait {s}"),
        Action::Done(o, _) => o.as_str().into(),
        Action::Answered(o, _) => format!("{} answered", o.as_str()),
    }
}

#[test]
fn stop_model_table() {
    use Mode::{Apply, DryRun};
    use ModelStatus::*;
    let cases: Vec<(&str, Option<ModelSummary>, Mode, &str)> = vec![
        ("hosted", Some(model("1", Hosted, T)), Apply, "call"),
        ("hosted, dry run", Some(model("1", Hosted, T)), DryRun, "would_delete"),
        ("starting", Some(model("1", StartingHosting, T)), Apply, "wait STARTING_HOSTING"),
        ("starting, dry run", Some(model("1", StartingHosting, T)), DryRun, "would_delete"),
        ("stopping", Some(model("1", StoppingHosting, T)), Apply, "wait STOPPING_HOSTING"),
        ("system updating", Some(model("1", SystemUpdating, T)), Apply, "wait SYSTEM_UPDATING"),
        ("trained: stopped", Some(model("1", Trained, T)), Apply, "stopped"),
        ("hosting failed: not hosted", Some(model("1", HostingFailed, T)), Apply, "stopped"),
        ("deleting: not hosted", Some(model("1", Deleting, T)), Apply, "stopped"),
        ("gone", None, Apply, "already_absent"),
        ("gone, dry run", None, DryRun, "already_absent"),
        ("re-created", Some(model("1", Hosted, T + 1)), Apply, "skipped_drift"),
        ("re-created, dry run", Some(model("1", Hosted, T - 1)), DryRun, "skipped_drift"),
    ];
    for (case, m, mode, want) in cases {
        let got = stop_model(m.as_ref(), at(T), mode);
        assert_eq!(kind_of(&got), want, "{case}: {got:?}");
    }
}

#[test]
fn delete_model_table() {
    use Mode::{Apply, DryRun};
    use ModelStatus::*;
    let cases: Vec<(&str, Option<ModelSummary>, Mode, bool, &str)> = vec![
        ("hosted, stop planned, dry run", Some(model("2", Hosted, T)), DryRun, true, "would_delete"),
        ("trained", Some(model("2", Trained, T)), Apply, false, "call"),
        ("training failed", Some(model("2", TrainingFailed, T)), Apply, false, "call"),
        ("hosting failed", Some(model("2", HostingFailed, T)), Apply, false, "call"),
        ("trained, dry run", Some(model("2", Trained, T)), DryRun, false, "would_delete"),
        ("training", Some(model("2", Training, T)), Apply, false, "wait TRAINING"),
        ("starting", Some(model("2", StartingHosting, T)), Apply, false, "wait STARTING_HOSTING"),
        ("stopping", Some(model("2", StoppingHosting, T)), Apply, false, "wait STOPPING_HOSTING"),
        ("system updating", Some(model("2", SystemUpdating, T)), Apply, false, "wait SYSTEM_UPDATING"),
        ("deleting", Some(model("2", Deleting, T)), Apply, false, "wait DELETING"),
        ("deleting after our call", Some(model("2", Deleting, T)), Apply, true, "wait DELETING"),
        ("training, dry run", Some(model("2", Training, T)), DryRun, false, "would_delete"),
        ("hosted, no stop planned", Some(model("2", Hosted, T)), Apply, false, "blocked"),
        ("hosted, dry run", Some(model("2", Hosted, T)), DryRun, false, "blocked"),
        ("hosted, stop planned but not done", Some(model("2", Hosted, T)), Apply, true, "blocked"),
        ("gone before any call", None, Apply, false, "already_absent"),
        ("gone after our call", None, Apply, true, "deleted"),
        ("re-created", Some(model("2", Trained, T + 1)), Apply, false, "skipped_drift"),
        ("re-created after our call", Some(model("2", Trained, T + 1)), Apply, true, "skipped_drift"),
    ];
    for (case, m, mode, called, want) in cases {
        // `called` doubles as "a stop is planned" only where the case says so.
        let stop_planned = case.contains("stop planned");
        let called = called && !stop_planned;
        let got = delete_model(m.as_ref(), at(T), mode, called, stop_planned);
        assert_eq!(kind_of(&got), want, "{case}: {got:?}");
    }
}

fn item(seq: u64, kind: Kind, resource: &str, created_ms: i64, after: Vec<u64>) -> Item {
    Item {
        seq,
        target: 0,
        account: "111122223333".into(),
        region: "us-east-1".into(),
        project: "p".into(),
        project_arn: "arn:aws:lookoutvision:us-east-1:111122223333:project/p".into(),
        kind,
        resource: resource.into(),
        created: at(created_ms),
        status: String::new(),
        client_token: format!("tok-{seq}"),
        after,
    }
}

/// stop 1, delete model 1, delete model 2, delete test, delete train, delete project (after 1-5).
fn project_plan() -> Vec<Item> {
    vec![
        item(1, Kind::StopModel, "1", T, vec![]),
        item(2, Kind::DeleteModel, "1", T, vec![1]),
        item(3, Kind::DeleteModel, "2", T + 10, vec![]),
        item(4, Kind::DeleteDataset, "test", T + 20, vec![]),
        item(5, Kind::DeleteDataset, "train", T + 30, vec![]),
        item(6, Kind::DeleteProject, "p", T - 5, vec![1, 2, 3, 4, 5]),
    ]
}

#[test]
fn dependencies_table() {
    use Outcome::*;
    let plan = project_plan();
    let items: HashMap<u64, &Item> = plan.iter().map(|i| (i.seq, i)).collect();
    let all = |o: [Outcome; 5]| -> HashMap<u64, Outcome> { (1..=5).zip(o).collect() };
    // (case, outcomes so far, mode, the seq named as not gone)
    type Case = (&'static str, HashMap<u64, Outcome>, Mode, Option<u64>);
    let cases: Vec<Case> = vec![
        ("every item gone", all([Stopped, Deleted, Deleted, Deleted, AlreadyAbsent]), Mode::Apply, None),
        ("stop already absent", all([AlreadyAbsent, AlreadyAbsent, Deleted, Deleted, Deleted]), Mode::Apply, None),
        ("a model blocked", all([Stopped, Blocked, Deleted, Deleted, Deleted]), Mode::Apply, Some(2)),
        ("a dataset failed", all([Stopped, Deleted, Deleted, Failed, Deleted]), Mode::Apply, Some(4)),
        ("a model drifted", all([Stopped, Deleted, SkippedDrift, Deleted, Deleted]), Mode::Apply, Some(3)),
        ("stopped does not delete", all([Stopped, Stopped, Deleted, Deleted, Deleted]), Mode::Apply, Some(2)),
        ("one without outcome", (1..=4).zip([Stopped, Deleted, Deleted, Deleted]).collect(), Mode::Apply, Some(5)),
        ("dry run", all([WouldDelete; 5]), Mode::DryRun, None),
        ("would_delete outside a dry run", all([WouldDelete; 5]), Mode::Apply, Some(1)),
    ];
    for (case, outcomes, mode, want) in cases {
        let got = dependencies(&plan[5], &items, &outcomes, mode);
        match want {
            None => assert!(got.is_ok(), "{case}: {got:?}"),
            Some(seq) => {
                let msg = got.expect_err(case);
                assert!(msg.starts_with(&format!("item seq {seq} ")), "{case}: {msg}");
            }
        }
    }
}

fn ds(t: &str, created_ms: i64, status: &str) -> DatasetInfo {
    DatasetInfo { dataset_type: t.into(), created: at(created_ms), status: status.into(), status_message: None }
}

fn project(created_ms: i64, datasets: Vec<DatasetInfo>) -> ProjectInfo {
    ProjectInfo {
        name: "p".into(),
        arn: "arn:aws:lookoutvision:us-east-1:111122223333:project/p".into(),
        created: at(created_ms),
        datasets,
    }
}

#[test]
fn delete_project_table() {
    use Mode::{Apply, DryRun};
    let plan = project_plan();
    let planned: Vec<&Item> = plan.iter().collect();
    let full = || vec![ds("test", T + 20, "CREATE_COMPLETE"), ds("train", T + 30, "CREATE_COMPLETE")];
    let models = || vec![model("1", ModelStatus::Trained, T), model("2", ModelStatus::Trained, T + 10)];
    type Case = (&'static str, Option<ProjectInfo>, Option<Vec<ModelSummary>>, Mode, bool, &'static str);
    let cases: Vec<Case> = vec![
        ("empty", Some(project(T - 5, vec![])), Some(vec![]), Apply, false, "call"),
        ("empty after our call", Some(project(T - 5, vec![])), Some(vec![]), Apply, true, "call"),
        ("gone before any call", None, None, Apply, false, "already_absent"),
        ("gone after our call", None, None, Apply, true, "deleted"),
        ("re-created", Some(project(T - 4, vec![])), Some(vec![]), Apply, false, "skipped_drift"),
        (
            "dataset deleting",
            Some(project(T - 5, vec![ds("train", T + 30, "DELETE_IN_PROGRESS")])),
            Some(vec![]),
            Apply,
            false,
            "wait dataset train DELETE_IN_PROGRESS",
        ),
        (
            "model deleting",
            Some(project(T - 5, vec![])),
            Some(vec![model("2", ModelStatus::Deleting, T + 10)]),
            Apply,
            false,
            "wait model 2 DELETING",
        ),
        (
            "new model version",
            Some(project(T - 5, vec![])),
            Some(vec![model("3", ModelStatus::Training, T + 50)]),
            Apply,
            false,
            "skipped_drift",
        ),
        (
            "model re-created",
            Some(project(T - 5, vec![])),
            Some(vec![model("2", ModelStatus::Trained, T + 11)]),
            Apply,
            false,
            "skipped_drift",
        ),
        (
            "dataset re-created",
            Some(project(T - 5, vec![ds("test", T + 21, "CREATE_COMPLETE")])),
            Some(vec![]),
            Apply,
            false,
            "skipped_drift",
        ),
        ("dry run, everything present", Some(project(T - 5, full())), Some(models()), DryRun, false, "would_delete"),
        (
            "dry run, new model",
            Some(project(T - 5, full())),
            Some(vec![model("3", ModelStatus::Trained, T)]),
            DryRun,
            false,
            "skipped_drift",
        ),
    ];
    for (case, info, ms, mode, called, want) in cases {
        let got = delete_project(&plan[5], info.as_ref(), ms.as_deref(), &planned, mode, called);
        assert_eq!(kind_of(&got), want, "{case}: {got:?}");
    }
}

#[test]
fn after_call_table() {
    use Answer::{Accepted, Conflict, NotFound, Refused};
    use Kind::{DeleteDataset, DeleteModel, DeleteProject, StopModel};
    // (kind, answer, resumed, lost_now, expected)
    let cases: Vec<(Kind, Answer<'_>, bool, bool, &str)> = vec![
        (DeleteDataset, Accepted, false, false, "deleted"),
        (DeleteDataset, Accepted, true, true, "deleted"),
        (DeleteDataset, NotFound, false, false, "already_absent answered"),
        (DeleteDataset, NotFound, true, false, "deleted answered"),
        (DeleteDataset, NotFound, false, true, "deleted answered"),
        (DeleteDataset, Conflict("busy"), false, false, "recheck"),
        (DeleteDataset, Refused, false, false, "failed"),
        (StopModel, Accepted, false, false, "look"),
        (DeleteModel, NotFound, false, false, "look"),
        (DeleteProject, NotFound, true, true, "look"),
        (DeleteModel, Conflict("busy"), false, false, "wait conflict (busy)"),
        (DeleteProject, Conflict("x"), true, false, "wait conflict (x)"),
        (StopModel, Refused, false, false, "failed"),
        (DeleteProject, Refused, true, true, "failed"),
    ];
    for (kind, answer, resumed, lost_now, want) in cases {
        let got = match after_call(kind, answer, resumed, lost_now) {
            AfterCall::Decided(a) => kind_of(&a),
            AfterCall::Look => "look".into(),
            AfterCall::Recheck => "recheck".into(),
            AfterCall::Failed => "failed".into(),
        };
        assert_eq!(got, want, "{kind} {answer:?} resumed={resumed} lost_now={lost_now}");
    }
}

#[test]
fn a_404_after_our_own_lost_delete_is_never_already_absent() {
    let cases = [
        (false, false, Outcome::AlreadyAbsent, ""),
        (true, false, Outcome::Deleted, "answer was lost"),
        (true, true, Outcome::Deleted, "answer was lost"),
        (false, true, Outcome::Deleted, "answer was lost"),
    ];
    for (resumed, lost_now, want, says) in cases {
        let (got, msg) = not_found_outcome(resumed, lost_now);
        assert_eq!(got, want, "resumed={resumed} lost_now={lost_now}");
        assert!(msg.contains(says), "{msg}");
    }
}

#[test]
fn timed_out_table() {
    let t = std::time::Duration::from_secs(90);
    let cases = [
        (Kind::DeleteDataset, "CREATE_IN_PROGRESS", false, "failed", "still CREATE_IN_PROGRESS after waiting 1m 30s"),
        (Kind::DeleteDataset, "", true, "failed answered", "still conflicting after 1m 30s"),
        (
            Kind::StopModel,
            "STARTING_HOSTING",
            false,
            "blocked",
            "still STARTING_HOSTING after waiting 1m 30s (--wait-timeout); not forced",
        ),
        (
            Kind::DeleteModel,
            "conflict (busy)",
            false,
            "blocked",
            "still conflict (busy) after waiting 1m 30s (--wait-timeout); not forced",
        ),
        (
            Kind::DeleteProject,
            "model 1 DELETING",
            false,
            "blocked",
            "still model 1 DELETING after waiting 1m 30s (--wait-timeout); not forced",
        ),
    ];
    for (kind, waiting, conflict, want, says) in cases {
        let got = timed_out(kind, waiting, conflict, t);
        assert_eq!(kind_of(&got), want, "{kind} {waiting}");
        let (Action::Done(_, msg) | Action::Answered(_, msg)) = &got else { panic!("{got:?}") };
        assert_eq!(msg, says);
    }
}
