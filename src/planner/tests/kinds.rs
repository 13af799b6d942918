//! Tests of the format 2 side of [`Plan::validate`]: teardown plans (every kind, `after`) built as the
//! teardown planner must build them, a table of tamperings each re-sealed, and format 1 plans read from the
//! committed fixture under format 1's rules. [`teardown`] is shared with `validate_props.rs`.

use super::validate::Edit;
use super::{PLAN_ID, reseal, sample, t};
use crate::plan::Plan;
use crate::plan::format::client_token;
use crate::plan::types::{Kind, Scope};

/// A model version of a teardown project: (version, hosted).
pub(super) type ModelSpec = (u64, bool);

/// A sealed scope-`all` plan, one target, built as the teardown planner must build it: per project (in name
/// order) a stop_model per hosted version, a delete_model per version (after its stop), delete_dataset test
/// then train (dataset bits: 1 train, 2 test), and delete_project after every other item of the project.
pub(super) fn teardown(projects: &[(String, Vec<ModelSpec>, u8)]) -> Plan {
    let (account, region) = ("111122223333", "us-east-1");
    let mut plan = sample();
    plan.targets.truncate(1);
    plan.skipped.clear();
    plan.items.clear();
    plan.selection.scope = Scope::All;
    let mut sorted: Vec<_> = projects.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, models, bits) in sorted {
        let first = plan.items.len() as u64 + 1;
        let mut versions = models.clone();
        versions.sort();
        let push = |kind: Kind, resource: String, after: Vec<u64>, items: &mut Vec<crate::plan::Item>| {
            let seq = items.len() as u64 + 1;
            items.push(crate::plan::Item {
                seq,
                target: 0,
                account: account.into(),
                region: region.into(),
                project: name.clone(),
                project_arn: format!("arn:aws:lookoutvision:{region}:{account}:project/{name}"),
                kind,
                client_token: client_token(PLAN_ID, account, region, name, kind, &resource),
                resource,
                created: Some(t(seq as i64)),
                status: "TRAINED".into(),
                after,
            });
            seq
        };
        let mut stops = std::collections::HashMap::new();
        for (v, hosted) in &versions {
            if *hosted {
                stops.insert(*v, push(Kind::StopModel, v.to_string(), vec![], &mut plan.items));
            }
        }
        for (v, _) in &versions {
            push(Kind::DeleteModel, v.to_string(), stops.get(v).into_iter().copied().collect(), &mut plan.items);
        }
        for (bit, ty) in [(2, "test"), (1, "train")] {
            if bits & bit != 0 {
                push(Kind::DeleteDataset, ty.into(), vec![], &mut plan.items);
            }
        }
        let before: Vec<u64> = (first..=plan.items.len() as u64).collect();
        push(Kind::DeleteProject, name.clone(), before, &mut plan.items);
    }
    plan.summary.projects_seen = projects.len();
    plan.seal();
    plan
}

/// Project `pcb`: model 1 hosted, models 2 and 10, test and train; project `wood`: train only.
fn teardown_sample() -> Plan {
    teardown(&[("wood".into(), vec![], 1), ("pcb".into(), vec![(10, false), (1, true), (2, false)], 3)])
}

#[test]
fn the_teardown_sample_is_valid_in_the_documented_order() {
    let p = teardown_sample();
    assert_eq!(p.validate(), Ok(()));
    let got: Vec<String> =
        p.items.iter().map(|i| format!("{} {} {} {:?}", i.project, i.kind, i.resource, i.after)).collect();
    let want = [
        "pcb stop_model 1 []",
        "pcb delete_model 1 [1]",
        "pcb delete_model 2 []",
        "pcb delete_model 10 []",
        "pcb delete_dataset test []",
        "pcb delete_dataset train []",
        "pcb delete_project pcb [1, 2, 3, 4, 5, 6]",
        "wood delete_dataset train []",
        "wood delete_project wood [8]",
    ];
    assert_eq!(got, want);
    let by_kind: Vec<(Kind, usize)> = p.summary.items_by_kind.iter().map(|(k, v)| (*k, *v)).collect();
    let want = [(Kind::StopModel, 1), (Kind::DeleteModel, 3), (Kind::DeleteDataset, 3), (Kind::DeleteProject, 2)];
    assert_eq!(by_kind, want);
}

/// Renumber seqs after a move, keeping each `after` pointing at the same items.
fn renumber(p: &mut Plan) {
    let old: Vec<u64> = p.items.iter().map(|i| i.seq).collect();
    let new_of = |s: u64| old.iter().position(|o| *o == s).map_or(s, |n| n as u64 + 1);
    for i in &mut p.items {
        i.after = i.after.iter().map(|a| new_of(*a)).collect();
        i.after.sort();
    }
    for (n, i) in p.items.iter_mut().enumerate() {
        i.seq = n as u64 + 1;
    }
}

fn retoken(p: &mut Plan, seq: usize) {
    let i = &mut p.items[seq - 1];
    i.client_token = client_token(&p.plan_id, &i.account, &i.region, &i.project, i.kind, &i.resource);
}

#[test]
fn validate_rejects_each_teardown_tampering_naming_the_field() {
    // Every case is re-sealed (tokens recomputed where the edit touches kind or resource), so only the
    // invariant can catch it.
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "version with a leading zero",
            |p| {
                p.items[2].resource = "02".into();
                retoken(p, 3)
            },
            "item seq 3 (resource): \"02\" is not a model version",
        ),
        (
            "version not a number",
            |p| {
                p.items[2].resource = "v2".into();
                retoken(p, 3)
            },
            "item seq 3 (resource)",
        ),
        (
            "version empty",
            |p| {
                p.items[0].resource = String::new();
                retoken(p, 1)
            },
            "item seq 1 (resource)",
        ),
        (
            "project resource",
            |p| {
                p.items[6].resource = "wood".into();
                retoken(p, 7)
            },
            "item seq 7 (resource): \"wood\" is not the item's project",
        ),
        (
            "dataset resource",
            |p| {
                p.items[4].resource = "1".into();
                retoken(p, 5)
            },
            "item seq 5 (resource): \"1\" is neither train nor test",
        ),
        (
            "token of another kind",
            |p| {
                p.items[1].client_token = {
                    let i = &p.items[1];
                    client_token(&p.plan_id, &i.account, &i.region, &i.project, Kind::StopModel, &i.resource)
                }
            },
            "item seq 2 (client_token)",
        ),
        (
            "tokens repeated",
            |p| {
                p.items[3] = p.items[2].clone();
                p.items[3].seq = 4;
            },
            "item seq 4 (target/project/kind/resource): delete_model \"2\" is listed twice",
        ),
        (
            "versions out of order",
            |p| {
                p.items.swap(2, 3);
                renumber(p)
            },
            "item seq 4 (target/project/kind/resource): out of order",
        ),
        (
            "dataset before model",
            |p| {
                p.items.swap(3, 4);
                renumber(p)
            },
            "item seq 5 (target/project/kind/resource): out of order",
        ),
        (
            "train before test",
            |p| {
                p.items.swap(4, 5);
                renumber(p)
            },
            "item seq 6 (target/project/kind/resource): out of order",
        ),
        (
            "project before its datasets",
            |p| {
                p.items.swap(5, 6);
                renumber(p);
                p.items[5].after.retain(|a| *a < 6);
            },
            "item seq 7 (target/project/kind/resource): out of order",
        ),
        (
            "stop after delete",
            |p| {
                p.items.swap(0, 1);
                renumber(p)
            },
            "item seq 1 (after)",
        ),
        ("after names a later seq", |p| p.items[2].after = vec![4], "item seq 3 (after): 4 is not an earlier seq"),
        ("after names itself", |p| p.items[2].after = vec![3], "item seq 3 (after): 3 is not an earlier seq"),
        ("after names seq 0", |p| p.items[2].after = vec![0], "item seq 3 (after): 0 is not an earlier seq"),
        (
            "after repeats",
            |p| p.items[6].after = vec![1, 1, 2, 3, 4, 5, 6],
            "item seq 7 (after): 1 is not an earlier seq in increasing order",
        ),
        (
            "after out of order",
            |p| p.items[6].after = vec![2, 1, 3, 4, 5, 6],
            "item seq 7 (after): 1 is not an earlier seq in increasing order",
        ),
        (
            "after names another project",
            |p| p.items[8].after = vec![6, 8],
            "item seq 9 (after): seq 6 belongs to project \"pcb\"",
        ),
        (
            "project without a dependency",
            |p| p.items[6].after = vec![1, 2, 3, 4, 6],
            "item seq 7 (after): does not list seq 5, which a delete_project must wait for",
        ),
        (
            "delete before its stop",
            |p| p.items[1].after.clear(),
            "item seq 2 (after): does not list seq 1, which a delete_model must wait for",
        ),
        (
            "scope datasets",
            |p| p.selection.scope = Scope::Datasets,
            "item seq 1 (kind): stop_model but selection.scope is datasets",
        ),
        (
            "summary.items_by_kind",
            |p| {
                p.summary.items_by_kind.remove(&Kind::StopModel);
            },
            "summary.items_by_kind",
        ),
    ];
    for (what, edit, want) in cases {
        let mut p = teardown_sample();
        edit(&mut p);
        if what != "summary.items_by_kind" {
            reseal(&mut p);
        }
        match p.validate() {
            Ok(()) => panic!("{what}: accepted"),
            Err(e) => assert!(e.contains(want), "{what}: error {e:?} lacks {want:?}"),
        }
    }
}

const FIXTURE_V1: &str = include_str!("../../../tests/fixtures/plan-v1.json");

#[test]
fn a_format_1_plan_loads_as_delete_dataset_items_under_format_1_rules() {
    let p = Plan::parse(FIXTURE_V1).unwrap();
    assert_eq!(p.validate(), Ok(()));
    assert_eq!(p.format, crate::plan::format::FORMAT_V1);
    let got: Vec<String> =
        p.items.iter().map(|i| format!("{} {} {} {:?}", i.project, i.kind, i.resource, i.after)).collect();
    assert_eq!(got, ["alpha delete_dataset test []", "alpha delete_dataset train []", "bravo delete_dataset train []"]);
    assert_eq!(p.items[2].created, Some("2023-01-01T00:02:00.500Z".parse().unwrap()));
    assert_eq!(p.items[0].status, "CREATE_COMPLETE");
    assert_eq!(p.summary.items_by_kind.get(&Kind::DeleteDataset), Some(&3));
    // Format 1 does not digest created_at (it is checked against the clock instead) ...
    let mut later = p.clone();
    later.created_at = t(5);
    assert_eq!(later.validate(), Ok(()));
    // ... but it digests the items in their format 1 shape, and keeps format 1's token rule.
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("status", |p| p.items[0].status = "X".into(), "digest mismatch"),
        ("created", |p| p.items[1].created = None, "digest mismatch"),
        ("profile", |p| p.targets[0].profile = Some("x".into()), "digest mismatch"),
        ("after", |p| p.items[1].after = vec![1], "digest mismatch"),
        ("kind", |p| p.items[0].kind = Kind::DeleteProject, "digest mismatch"),
        (
            "re-sealed after",
            |p| {
                p.items[1].after = vec![1];
                reseal(p)
            },
            "item seq 2 (kind)",
        ),
        (
            "re-sealed format 2 token",
            |p| {
                retoken(p, 1);
                reseal(p)
            },
            "item seq 1 (client_token)",
        ),
    ];
    for (what, edit, want) in cases {
        let mut m = p.clone();
        edit(&mut m);
        match m.validate() {
            Ok(()) => panic!("{what}: accepted"),
            Err(e) => assert!(e.contains(want), "{what}: error {e:?} lacks {want:?}"),
        }
    }
}

#[test]
fn a_format_1_file_with_format_2_members_is_not_a_plan() {
    let mut v: serde_json::Value = serde_json::from_str(FIXTURE_V1).unwrap();
    v["items"][0]["kind"] = "delete_dataset".into();
    let e = Plan::parse(&v.to_string()).unwrap_err();
    assert!(e.contains("not a format 1 plan") && e.contains("kind"), "{e}");
    let mut v: serde_json::Value = serde_json::from_str(FIXTURE_V1).unwrap();
    v["items"][0]["dataset_type"] = "validation".into();
    assert!(Plan::parse(&v.to_string()).unwrap_err().contains("item seq 1 (dataset_type)"));
}
