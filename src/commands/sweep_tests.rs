//! Tables for `sweep`'s decisions: which items the final verify describes again.

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
