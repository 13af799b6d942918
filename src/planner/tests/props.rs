//! Property tests of [`Plan::validate`]: every plan the planner's assembly code makes from an arbitrary set of
//! projects validates, and every single-field change of the digested part is rejected (re-sealed or not).

use chrono::Utc;
use proptest::prelude::*;

use super::kinds::{ModelSpec, teardown};
use super::{info, reseal, scan, t};
use crate::cloud::ProjectInfo;
use crate::plan::digest::digest;
use crate::plan::filter::Filter;
use crate::plan::format::{FORMAT_V1, Plan};
use crate::plan::types::{DatasetType, Kind};
use crate::plan::validate::check_created_at;
use crate::planner::{Scan, assemble};

const ACCOUNTS: [&str; 3] = ["111122223333", "444455556666", "777788889999"];
const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "us-gov-west-1"];

fn arb_project() -> impl Strategy<Value = (String, u8, bool)> {
    // (name, dataset bits: 1 train, 2 test, vanished)
    ("[a-zA-Z0-9][a-zA-Z0-9_-]{0,12}", 0u8..4, proptest::bool::weighted(0.1))
}

fn arb_scan() -> impl Strategy<Value = Scan> {
    (0..ACCOUNTS.len(), 0..REGIONS.len(), proptest::collection::vec(arb_project(), 0..8)).prop_map(|(a, r, ps)| {
        let (account, region) = (ACCOUNTS[a], REGIONS[r]);
        let mut names = std::collections::HashSet::new();
        let projects: Vec<Result<ProjectInfo, String>> = ps
            .into_iter()
            .filter(|(n, _, _)| names.insert(n.clone()))
            .map(|(name, bits, vanished)| {
                let types: Vec<&str> =
                    [(1, "train"), (2, "test")].iter().filter(|(b, _)| bits & b != 0).map(|x| x.1).collect();
                if vanished { Err(name) } else { Ok(info(account, region, &name, &types)) }
            })
            .collect();
        // The planner reads the account from the ARNs ListProjects returns: none when nothing was listed.
        let account = (!projects.is_empty()).then(|| account.to_string());
        Scan { account, ..scan(ACCOUNTS[a], region, projects) }
    })
}

fn arb_plan() -> impl Strategy<Value = Plan> {
    (proptest::collection::vec(arb_scan(), 1..4), 0..3usize, proptest::option::of("[a-z]\\*"), any::<u32>()).prop_map(
        |(scans, ty, exclude, id)| {
            let dataset_type = ["train", "test", "both"][ty];
            let exclude: Vec<String> = exclude.into_iter().collect();
            let filter =
                Filter::new(&[], &exclude, dataset_type.parse::<DatasetType>().ok(), Some(t(1)), None).unwrap();
            let selection = crate::plan::Selection { dataset_type: dataset_type.into(), exclude, ..Default::default() };
            assemble(format!("lfv-20250101T000000Z-{id:08x}"), selection, &filter, scans, |_| {})
        },
    )
}

/// Change one field of the digested part to `v` (or a value derived from it); `None` if the field does not
/// exist in this plan. The fields are those with an invariant: a change to any of them must be caught even
/// after the digest is recomputed.
fn mutate(p: &mut Plan, field: usize, pick: usize, v: &str) -> Option<()> {
    let n = p.items.len();
    let i = pick % n.max(1);
    let item = p.items.get_mut(i);
    match field {
        0 => p.plan_id = format!("lfv-20250101T000000Z-{:0>8}", &v[..v.len().min(8)]),
        1 => item?.seq = (pick as u64 % 1000) + 2 + i as u64,
        2 => item?.target += 1 + pick % 3,
        3 => item?.account = format!("{:0>12}", v.len() * 7919 % 1_000_000),
        4 => item?.region = format!("{}-{}", ["ap-south", "us-west", "eu-north"][pick % 3], v.len() % 9 + 1),
        5 => {
            let it = item?;
            it.project = format!("{}x{v}", it.project);
        }
        6 => item?.project_arn.push_str(&format!("{v}x")),
        7 => {
            let it = item?;
            it.resource = match it.kind {
                Kind::DeleteDataset if it.resource == "train" => "test".into(),
                Kind::DeleteDataset => "train".into(),
                Kind::StopModel | Kind::DeleteModel => {
                    format!("{}", it.resource.parse::<u64>().ok()? + 1 + pick as u64 % 3)
                }
                Kind::DeleteProject => format!("{}x", it.resource),
            };
        }
        8 => item?.client_token = format!("lfv-{v}"),
        9 => {
            let target = p.items.get(i)?.target;
            p.targets[target].account = Some(format!("{:0>12}", v.len() * 104_729 % 1_000_000));
        }
        10 => {
            let target = p.items.get(i)?.target;
            p.targets[target].region.push('0');
        }
        11 => {
            let it = item?;
            it.kind = Kind::ALL[(Kind::ALL.iter().position(|k| *k == it.kind)? + 1 + pick % 3) % 4];
        }
        12 => {
            let it = item?;
            // A later seq, the item itself, or one repeated: never an earlier seq of the project in order.
            match pick % 3 {
                0 => it.after.push(it.seq + (pick as u64 % 3)),
                1 => it.after.insert(0, it.seq),
                _ => {
                    let first = *it.after.first()?;
                    it.after.push(first);
                }
            }
        }
        13 => {
            let it = item?;
            it.after.pop()?;
            if it.kind != Kind::DeleteProject && it.kind != Kind::DeleteModel {
                return None;
            }
        }
        _ => unreachable!("field {field}"),
    }
    if p.items.is_empty() { None } else { Some(()) }
}

fn arb_teardown() -> impl Strategy<Value = Vec<(String, Vec<ModelSpec>, u8)>> {
    // Per project: (name, model versions as (version, hosted), dataset bits: 1 train, 2 test).
    let model = (1u64..30, any::<bool>());
    let project = ("[a-z][a-z0-9-]{0,8}", proptest::collection::vec(model, 0..4), 0u8..4);
    proptest::collection::vec(project, 1..5).prop_map(|ps| {
        let mut names = std::collections::HashSet::new();
        ps.into_iter()
            .filter(|(n, _, _)| names.insert(n.clone()))
            .map(|(n, models, bits)| {
                let mut seen = std::collections::HashSet::new();
                let models = models.into_iter().filter(|(v, _)| seen.insert(*v)).collect();
                (n, models, bits)
            })
            .collect()
    })
}

/// `p` as the format 1 planner would have written it: the in-memory plan with format 1's tokens and digest,
/// and the file in format 1's shape.
fn as_v1(p: &Plan) -> (Plan, String) {
    let mut m = p.clone();
    m.format = FORMAT_V1.into();
    for i in &mut m.items {
        i.client_token = crate::plan::v1::client_token(&m.plan_id, &i.account, &i.region, &i.project, &i.resource);
    }
    m.digest = digest(&m);
    let mut v = serde_json::to_value(&m).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("unreachable");
    o["selection"].as_object_mut().unwrap().remove("scope");
    o["summary"].as_object_mut().unwrap().remove("items_by_kind");
    for it in o["items"].as_array_mut().unwrap() {
        let it = it.as_object_mut().unwrap();
        it.remove("kind");
        it.remove("after");
        for (new, old) in [("resource", "dataset_type"), ("created", "dataset_created"), ("status", "dataset_status")] {
            let value = it.remove(new).unwrap();
            it.insert(old.into(), value);
        }
    }
    (m, v.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn validate_accepts_every_plan_the_planner_makes(p in arb_plan()) {
        prop_assert_eq!(p.validate(), Ok(()));
        prop_assert_eq!(check_created_at(p.created_at, Utc::now()), Ok(()));
        // Also after a round trip through the file format.
        let back: Plan = serde_json::from_str(&serde_json::to_string_pretty(&p).unwrap()).unwrap();
        prop_assert_eq!(back.validate(), Ok(()));
    }

    #[test]
    fn every_format_1_plan_loads_as_its_delete_dataset_items(p in arb_plan(), secs in 1i64..1_000_000) {
        let (m, file) = as_v1(&p);
        let back = Plan::parse(&file).unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.validate(), Ok(()));
        // Format 1 does not digest created_at; it digests the items and keeps its own token rule.
        let mut older = back.clone();
        older.created_at -= chrono::Duration::seconds(secs);
        prop_assert_eq!(older.validate(), Ok(()));
        if !back.items.is_empty() {
            let mut edited = back.clone();
            edited.items[0].status.push('x');
            prop_assert!(edited.validate().unwrap_err().starts_with("digest mismatch"));
            let mut v2_tokens = back.clone();
            v2_tokens.items = p.items.clone();
            reseal(&mut v2_tokens);
            prop_assert!(v2_tokens.validate().unwrap_err().contains("(client_token)"));
        }
    }

    #[test]
    fn validate_accepts_every_teardown_plan(projects in arb_teardown()) {
        let p = teardown(&projects);
        prop_assert_eq!(p.validate(), Ok(()));
        let back = Plan::parse(&serde_json::to_string_pretty(&p).unwrap()).unwrap();
        prop_assert_eq!(back, p);
    }

    #[test]
    fn validate_rejects_every_single_field_mutation_of_a_teardown_plan(
        projects in arb_teardown(), field in 1..14usize, pick in any::<usize>(), v in "[a-z0-9]{0,10}",
    ) {
        let p = teardown(&projects);
        let mut m = p.clone();
        prop_assume!(mutate(&mut m, field, pick, &v).is_some());
        prop_assume!(m != p);
        prop_assert!(m.clone().validate().is_err(), "unsealed mutation of field {} accepted", field);
        reseal(&mut m);
        prop_assert!(m.validate().is_err(), "re-sealed mutation of field {} accepted: {:?}", field, m.items);
    }

    #[test]
    fn validate_rejects_every_single_field_mutation_even_when_resealed(
        p in arb_plan(), field in 0..14usize, pick in any::<usize>(), v in "[a-z0-9]{0,10}",
    ) {
        let mut m = p.clone();
        prop_assume!(mutate(&mut m, field, pick, &v).is_some());
        prop_assume!(m != p);
        let unsealed = m.clone();
        prop_assert!(unsealed.validate().is_err(), "unsealed mutation of field {} accepted", field);
        reseal(&mut m);
        prop_assert!(m.validate().is_err(), "re-sealed mutation of field {} accepted: {:?}", field, m.items);
    }

    #[test]
    fn validate_rejects_any_edit_of_the_digested_part_without_resealing(
        p in arb_plan(), pick in any::<usize>(), v in "[a-z]{1,6}",
    ) {
        prop_assume!(!p.items.is_empty());
        let mut m = p.clone();
        let i = pick % m.items.len();
        match pick % 5 {
            0 => m.items[i].status.push_str(&v),
            1 => m.items[i].created = m.items[i].created.map(|c| c + chrono::Duration::seconds(1)),
            2 => m.targets[m.items[i].target].profile = Some(v.clone()),
            3 => m.targets[m.items[i].target].endpoint_url = Some(v.clone()),
            _ => m.created_at -= chrono::Duration::milliseconds(1 + v.len() as i64),
        }
        prop_assume!(m != p);
        prop_assert_eq!(&m.digest, &digest(&p));
        prop_assert!(m.validate().unwrap_err().starts_with("digest mismatch"));
    }
}
