//! Tests of [`Plan::validate`] and [`check_created_at`]: a table of single-field tamperings of a plan built
//! by the planner's own assembly code (fixtures in `validate_fixtures.rs`).

use chrono::{TimeZone, Utc};

use super::{reseal, sample, t};
use crate::plan::counts::counts;
use crate::plan::format::{Plan, Skipped, client_token};
use crate::plan::types::{DatasetType, Kind, Scope};
use crate::plan::validate::check_created_at;

fn token_of(p: &Plan, i: usize) -> String {
    let it = &p.items[i];
    client_token(&p.plan_id, &it.account, &it.region, &it.project, it.kind, &it.resource)
}

pub(super) type Edit = fn(&mut Plan);

#[test]
fn the_sample_is_valid_and_as_the_planner_orders_it() {
    let p = sample();
    assert_eq!(p.validate(), Ok(()));
    let keys: Vec<String> = p.items.iter().map(|i| format!("{}/{}/{}", i.target, i.project, i.resource)).collect();
    assert_eq!(keys, ["0/cap/train", "0/pcb/test", "0/pcb/train", "1/wood/test", "1/wood/train"]);
    assert_eq!(p.skipped.len(), 2);
}

#[test]
fn validate_rejects_each_tampering_naming_the_field() {
    // (what, edit, re-seal the digest afterwards, expected fragment of the error)
    let cases: Vec<(&str, Edit, bool, &str)> = vec![
        ("format", |p| p.format = "lfv-sunset-plan/3".into(), false, "unsupported format"),
        ("edit without re-sealing", |p| p.items[0].status = "X".into(), false, "digest mismatch"),
        ("created_at without re-sealing", |p| p.created_at = t(-60), false, "digest mismatch"),
        ("format 2 read as format 1", |p| p.format = "lfv-sunset-plan/1".into(), false, "digest mismatch"),
        (
            "unreachable added without re-sealing",
            |p| {
                p.unreachable.push(crate::plan::Unreachable {
                    account: "777788889999".into(),
                    region: "us-east-1".into(),
                    role_arn: None,
                    error: "AccessDenied".into(),
                    message: String::new(),
                })
            },
            false,
            "digest mismatch",
        ),
        ("plan_id form", |p| p.plan_id = "my-plan".into(), true, "plan_id \"my-plan\""),
        (
            "plan_id changed, tokens kept",
            |p| p.plan_id = "lfv-20250101T000000Z-ffffffff".into(),
            true,
            "item seq 1 (client_token)",
        ),
        ("selection.dataset_type", |p| p.selection.dataset_type = "all".into(), false, "selection.dataset_type"),
        ("seq gap", |p| p.items[1].seq = 5, true, "item seq 5 (seq)"),
        ("seq repeated", |p| p.items[2].seq = 2, true, "item seq 2 (seq)"),
        (
            "train before test",
            |p| {
                p.items.swap(1, 2);
                p.items[1].seq = 2;
                p.items[2].seq = 3;
            },
            true,
            "item seq 3 (target/project/kind/resource): out of order",
        ),
        (
            "projects out of order",
            |p| {
                p.items.swap(0, 1);
                p.items.swap(1, 2);
                for (n, i) in p.items.iter_mut().enumerate() {
                    i.seq = n as u64 + 1;
                }
            },
            true,
            "item seq 3 (target/project/kind/resource): out of order",
        ),
        (
            "targets out of order",
            |p| {
                p.items.swap(0, 3);
                for (n, i) in p.items.iter_mut().enumerate() {
                    i.seq = n as u64 + 1;
                }
            },
            true,
            "item seq 2 (target/project/kind/resource): out of order",
        ),
        (
            "dataset twice",
            |p| {
                let mut dup = p.items[1].clone();
                dup.seq = 6;
                p.items.push(dup);
                p.items.sort_by_key(|i| (i.target, i.project.clone(), i.resource == "train", i.seq));
                for (n, i) in p.items.iter_mut().enumerate() {
                    i.seq = n as u64 + 1;
                }
            },
            true,
            "item seq 3 (target/project/kind/resource): delete_dataset \"test\" is listed twice",
        ),
        (
            "ARN account",
            |p| p.items[0].project_arn = "arn:aws:lookoutvision:us-east-1:999999999999:project/cap".into(),
            true,
            "item seq 1 (project_arn): names account \"999999999999\"",
        ),
        (
            "ARN region",
            |p| p.items[0].project_arn = "arn:aws:lookoutvision:eu-west-1:111122223333:project/cap".into(),
            true,
            "item seq 1 (project_arn): names region \"eu-west-1\"",
        ),
        (
            "ARN project",
            |p| p.items[0].project_arn = "arn:aws:lookoutvision:us-east-1:111122223333:project/pcb".into(),
            true,
            "item seq 1 (project_arn): names project",
        ),
        (
            "ARN service",
            |p| p.items[0].project_arn = "arn:aws:s3:us-east-1:111122223333:project/cap".into(),
            true,
            "item seq 1 (project_arn)",
        ),
        (
            "ARN resource",
            |p| p.items[0].project_arn = "arn:aws:lookoutvision:us-east-1:111122223333:model/cap/1".into(),
            true,
            "item seq 1 (project_arn)",
        ),
        (
            "token made up",
            |p| p.items[0].client_token = "lfv-0000000000000000000000000000000000000000".into(),
            true,
            "item seq 1 (client_token)",
        ),
        (
            "tokens swapped",
            |p| {
                let t0 = p.items[0].client_token.clone();
                p.items[0].client_token = p.items[1].client_token.clone();
                p.items[1].client_token = t0;
            },
            true,
            "item seq 1 (client_token): \"lfv-",
        ),
        (
            "token of another plan",
            |p| {
                p.items[2].client_token = client_token(
                    "lfv-20240101T000000Z-00000000",
                    "111122223333",
                    "us-east-1",
                    "pcb",
                    Kind::DeleteDataset,
                    "train",
                )
            },
            true,
            "item seq 3 (client_token)",
        ),
        (
            "token of a format 1 plan",
            |p| {
                let i = &mut p.items[0];
                i.client_token =
                    crate::plan::v1::client_token(&p.plan_id, &i.account, &i.region, &i.project, &i.resource)
            },
            true,
            "item seq 1 (client_token)",
        ),
        (
            "token of another kind",
            |p| {
                let i = &mut p.items[0];
                i.client_token =
                    client_token(&p.plan_id, &i.account, &i.region, &i.project, Kind::DeleteModel, &i.resource)
            },
            true,
            "item seq 1 (client_token)",
        ),
        (
            "dataset type unknown",
            |p| p.items[0].resource = "validation".into(),
            true,
            "item seq 1 (resource): \"validation\"",
        ),
        (
            "dataset type outside the selection",
            |p| p.selection.dataset_type = "test".into(),
            false,
            "item seq 1 (resource): train but selection.dataset_type is \"test\"",
        ),
        (
            "a model kind in scope datasets",
            |p| {
                p.items[0].kind = Kind::DeleteModel;
                p.items[0].resource = "1".into();
            },
            true,
            "item seq 1 (kind): delete_model but selection.scope is datasets",
        ),
        (
            "scope all with one dataset type",
            |p| {
                p.selection.scope = Scope::All;
                p.selection.dataset_type = "train".into();
            },
            false,
            "selection.scope all",
        ),
        ("account not 12 digits", |p| p.items[0].account = "1111-2222".into(), true, "item seq 1 (account)"),
        (
            "account differs from target",
            |p| p.items[0].account = "999999999999".into(),
            true,
            "item seq 1 (account): 999999999999 differs from its target 0",
        ),
        ("region not a region", |p| p.items[0].region = "us east 1".into(), true, "item seq 1 (region)"),
        (
            "region differs from target",
            |p| p.items[0].region = "us-west-2".into(),
            true,
            "item seq 1 (region): us-west-2 differs",
        ),
        ("project name", |p| p.items[0].project = "../cap".into(), true, "item seq 1 (project)"),
        ("control character in a name", |p| p.items[0].project = "cap\u{1b}[8m".into(), true, "\"cap\\u{1b}[8m\""),
        ("no such target", |p| p.items[4].target = 7, true, "item seq 5 (target): there is no target 7"),
        ("target account", |p| p.targets[1].account = Some("../../x".into()), true, "target 1 (account)"),
        ("target region", |p| p.targets[1].region = "EU".into(), true, "target 1 (region)"),
        (
            "target identity of another account",
            |p| {
                let arn = "arn:aws:iam::999999999999:user/x".to_string();
                p.targets[0].identity = Some(crate::plan::Identity { account: "999999999999".into(), arn });
            },
            true,
            "target 0 (identity.account): 999999999999 differs",
        ),
        (
            "target role of another account",
            |p| p.targets[0].role_arn = Some("arn:aws:iam::999999999999:role/R".into()),
            true,
            "target 0 (role_arn)",
        ),
        (
            "target twice",
            |p| p.targets[1] = p.targets[0].clone(),
            true,
            "target 1: account 111122223333 in us-east-1 is listed twice",
        ),
        ("summary.items", |p| p.summary.items = 2, false, "summary.items says 2"),
        (
            "summary.items_by_type",
            |p| {
                p.summary.items_by_type.insert(DatasetType::Train, 1);
            },
            false,
            "summary.items_by_type",
        ),
        (
            "summary.items_by_kind",
            |p| {
                p.summary.items_by_kind.insert(Kind::DeleteProject, 1);
            },
            false,
            "summary.items_by_kind",
        ),
        ("summary.targets", |p| p.summary.targets = 1, false, "summary.targets"),
        ("summary.projects_planned", |p| p.summary.projects_planned = 9, false, "summary.projects_planned"),
        ("summary.projects_seen", |p| p.summary.projects_seen = 2, false, "summary.projects_seen says 2 but"),
        (
            "skipped removed",
            |p| {
                p.skipped.pop();
            },
            false,
            "summary.skipped_by_reason",
        ),
        (
            "skipped added",
            |p| {
                p.skipped.push(Skipped {
                    target: 0,
                    project: "cap".into(),
                    dataset_type: Some(DatasetType::Test),
                    reason: "excluded".into(),
                    detail: String::new(),
                })
            },
            false,
            "summary.skipped_by_reason",
        ),
        ("skipped reason", |p| p.skipped[0].reason = "because".into(), false, "skipped entry 0 (reason)"),
        ("skipped target", |p| p.skipped[1].target = 4, false, "skipped entry 1 (target)"),
    ];
    for (what, edit, seal, want) in cases {
        let mut p = sample();
        edit(&mut p);
        if seal {
            reseal(&mut p);
        }
        match p.validate() {
            Ok(()) => panic!("{what}: accepted"),
            Err(e) => assert!(e.contains(want), "{what}: error {e:?} lacks {want:?}"),
        }
    }
}

#[test]
fn validate_accepts_what_is_outside_the_invariants() {
    // Not digested and not checked: free text a reviewer reads (escaped on display).
    let cases: Vec<(&str, Edit)> = vec![
        ("tool_version", |p| p.tool_version = "9.9.9".into()),
        ("skipped detail", |p| p.skipped[0].detail = "anything \u{1b}[8m".into()),
        ("selection globs", |p| p.selection.include = vec!["*".into()]),
        ("projects_seen larger", |p| p.summary.projects_seen = 100),
        ("created_at in the past, re-sealed", |p| {
            p.created_at = t(-1_000_000);
            reseal(p)
        }),
    ];
    for (what, edit) in cases {
        let mut p = sample();
        edit(&mut p);
        assert_eq!(p.validate(), Ok(()), "{what}");
    }
}

#[test]
fn created_at_may_not_lie_in_the_future() {
    let now = t(0);
    let cases = [(-86_400 * 400, true), (0, true), (299, true), (300, true), (301, false), (86_400, false)];
    for (offset, ok) in cases {
        let r = check_created_at(t(offset), now);
        assert_eq!(r.is_ok(), ok, "offset {offset}s: {r:?}");
        if let Err(e) = r {
            assert!(e.starts_with("created_at "), "{e}");
        }
    }
    let y2099 = Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap();
    assert!(check_created_at(y2099, Utc::now()).unwrap_err().contains("in the future"));
}

#[test]
fn counts_come_from_items_and_skipped() {
    let mut p = sample();
    p.summary = Default::default();
    let c = counts(&p);
    assert_eq!((c.targets, c.items, c.projects_planned, c.projects_in_file), (2, 5, 3, 5));
    assert_eq!(c.items_by_type.get(&DatasetType::Train), Some(&3));
    assert_eq!(c.items_by_type.get(&DatasetType::Test), Some(&2));
    assert_eq!(c.items_by_kind.get(&Kind::DeleteDataset), Some(&5));
    assert_eq!(c.items_by_kind.len(), 1);
    assert_eq!(c.skipped_by_reason.get("no_datasets"), Some(&1));
    assert_eq!(c.skipped_by_reason.get("project_vanished"), Some(&1));
    assert_eq!(token_of(&sample(), 0), sample().items[0].client_token);
}
