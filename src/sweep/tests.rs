//! Tables for `sweep`'s decisions: which items the final verify describes again, and how sealing renumbers.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::exec::journal::{ItemState, VerifiedRec};
use crate::plan::Kind;

fn item(seq: u64) -> Item {
    Item {
        seq,
        target: 0,
        account: "111122223333".into(),
        region: "us-east-1".into(),
        project: format!("p{seq}"),
        project_arn: String::new(),
        kind: Kind::DeleteDataset,
        resource: "train".into(),
        created: None,
        status: String::new(),
        client_token: format!("t{seq}"),
        after: Vec::new(),
    }
}

#[test]
fn verify_skips_only_deletions_confirmed_gone_within_60_s() {
    let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
    let rec = |verified: bool, age_s: i64| {
        Some(VerifiedRec { seq: 0, verified, status: None, at: now - Duration::seconds(age_s) })
    };
    // (seq, verified record, verify describes it again)
    let cases = [
        (1, rec(true, 5), false),
        (2, rec(true, 60), false),
        (3, rec(true, 61), true),
        (4, rec(false, 5), true),
        (5, None, true),
        (6, rec(true, -1), true),
    ];
    let mut plan = provisional(&SweepFile {
        format: String::new(),
        plan_id: "lfv-x".into(),
        created_at: now,
        selection: Default::default(),
        targets: serde_json::Value::Null,
    });
    plan.items = cases.iter().map(|c| item(c.0)).collect();
    let by_seq: BTreeMap<u64, ItemState> =
        cases.iter().map(|(seq, v, _)| (*seq, ItemState { verified: v.clone(), ..Default::default() })).collect();
    let state = JournalState {
        mode: Mode::Apply,
        plan_id: "lfv-x".into(),
        plan_digest: String::new(),
        items: plan.items.clone(),
        by_seq,
        runs: 1,
        warnings: Vec::new(),
    };
    let left: Vec<u64> = unconfirmed(&plan, &state, now).items.iter().map(|i| i.seq).collect();
    let want: Vec<u64> = cases.iter().filter(|c| c.2).map(|c| c.0).collect();
    assert_eq!(left, want);
}

#[test]
fn sealing_renumbers_after_of_every_kind_in_increasing_order() {
    // One project's teardown items as a resumed sweep journals them: numbered in the order found.
    let at = |seq: u64, kind: Kind, resource: &str, after: Vec<u64>| Item {
        project: "alpha".into(),
        kind,
        resource: resource.into(),
        after,
        ..item(seq)
    };
    let found = vec![
        at(2, Kind::DeleteModel, "1", vec![5]),
        at(3, Kind::DeleteProject, "alpha", vec![2, 5, 7, 9]),
        at(5, Kind::StopModel, "1", vec![]),
        at(7, Kind::DeleteDataset, "test", vec![]),
        at(9, Kind::DeleteModel, "2", vec![]),
    ];
    let sealed = in_plan_order(found);
    // (kind, resource, seq, after) in plan order: stop, models by version, dataset, project.
    let got: Vec<(Kind, &str, u64, Vec<u64>)> =
        sealed.iter().map(|i| (i.kind, i.resource.as_str(), i.seq, i.after.clone())).collect();
    let want = vec![
        (Kind::StopModel, "1", 1, vec![]),
        (Kind::DeleteModel, "1", 2, vec![1]),
        (Kind::DeleteModel, "2", 3, vec![]),
        (Kind::DeleteDataset, "test", 4, vec![]),
        (Kind::DeleteProject, "alpha", 5, vec![1, 2, 3, 4]),
    ];
    assert_eq!(got, want);
}

#[test]
fn the_sweep_s_exit_code_follows_its_facts_in_the_documented_order() {
    let plan = |unreachable: bool| {
        let mut p = provisional(&SweepFile {
            format: dir::FORMAT.into(),
            plan_id: "sweep".into(),
            created_at: DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap(),
            selection: Default::default(),
            targets: serde_json::Value::Null,
        });
        if unreachable {
            p.unreachable.push(crate::plan::Unreachable {
                account: "111122223333".into(),
                region: "eu-west-1".into(),
                role_arn: None,
                error: "x".into(),
                message: "x".into(),
            });
        }
        p
    };
    let ran = |interrupted: bool, guard: bool, wrong: bool, sealed: Option<bool>, planning: Option<Error>| Ran {
        result: RunResult {
            interrupted,
            guard_stops: if guard { vec!["stop".into()] } else { Vec::new() },
            wrong_endpoint: wrong.then(|| "wrong".to_string()),
            ..RunResult::default()
        },
        plan: sealed.map(plan),
        planning,
    };
    let refused = || Some(Error::Refused("no".into()));
    // (run, what verify found left, own output failed, code)
    let cases = [
        (ran(false, false, false, Some(false), None), Some(false), false, ExitCode::Ok),
        (ran(false, false, false, Some(false), None), Some(true), false, ExitCode::Incomplete),
        (ran(false, false, false, Some(false), None), Some(false), true, ExitCode::Internal),
        // An unreachable target outranks what is left, as in apply.
        (ran(false, false, false, Some(true), None), Some(true), false, ExitCode::Unreachable),
        (ran(false, true, false, Some(true), None), None, false, ExitCode::Refused),
        (ran(true, true, false, Some(false), None), None, false, ExitCode::Interrupted),
        (ran(true, false, true, Some(false), None), None, false, ExitCode::Unreachable),
        // Enumeration that failed gives its own error's code, unless interrupted.
        (ran(false, false, false, None, refused()), None, false, ExitCode::Refused),
        (ran(true, false, false, None, refused()), None, false, ExitCode::Interrupted),
        // To its end without a sealed plan (so without a verify): our bug.
        (ran(false, false, false, None, None), None, false, ExitCode::Internal),
    ];
    for (n, (ran, left, failed, want)) in cases.iter().enumerate() {
        assert_eq!(exit_code_of(ran, *left, *failed), *want, "case {n}");
    }
}

#[test]
fn max_delete_refuses_the_project_that_would_cross_n() {
    // (max, journalled so far, the project's new items) -> refused
    let cases = [
        (None, 1_000, 1_000, false),
        (Some(5), 4, 1, false),
        (Some(5), 4, 2, true),
        (Some(5), 5, 0, false),
        (Some(0), 0, 0, false),
        (Some(0), 0, 1, true),
        (Some(5), 6, 0, true),
    ];
    for (max, journalled, new, refused) in cases {
        let got = super::max_delete_refusal(max, journalled, new);
        assert_eq!(got.is_some(), refused, "{max:?} {journalled} {new}");
        if let Some(e) = got {
            assert_eq!(e.exit_code(), crate::error::ExitCode::Refused);
            assert!(e.to_string().contains("--max-delete"), "{e}");
        }
    }
}
