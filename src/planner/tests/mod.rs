//! The plan's validation tests, run on plans the planner's own assembly code builds: `validate` (tampering and
//! limits), `kinds` (teardown plans), `props` (properties). Shared here: a sample plan, scans to build others,
//! and re-sealing after an edit.

mod kinds;
mod props;
mod validate;

use chrono::{DateTime, TimeZone, Utc};

use crate::cloud::{DatasetInfo, Endpoint, ProjectInfo};
use crate::plan::filter::Filter;
use crate::plan::format::Plan;
use crate::planner::{Scan, assemble};

pub(super) const PLAN_ID: &str = "lfv-20250101T000000Z-0123abcd";

pub(super) fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

pub(super) fn info(account: &str, region: &str, name: &str, types: &[&str]) -> ProjectInfo {
    ProjectInfo {
        name: name.to_string(),
        arn: format!("arn:aws:lookoutvision:{region}:{account}:project/{name}"),
        created: Some(t(0)),
        datasets: types
            .iter()
            .enumerate()
            .map(|(n, ty)| DatasetInfo {
                dataset_type: ty.to_string(),
                created: Some(t(n as i64)),
                status: "CREATE_COMPLETE".into(),
                status_message: None,
            })
            .collect(),
    }
}

pub(super) fn scan(account: &str, region: &str, projects: Vec<Result<ProjectInfo, String>>) -> Scan {
    Scan {
        endpoint: Endpoint {
            region: region.into(),
            profile: None,
            endpoint_url: Some("http://127.0.0.1:1".into()),
            role: None,
        },
        account: Some(account.into()),
        listed: projects.len(),
        projects,
        models: Default::default(),
        refused: None,
    }
}

/// Two targets; 5 items; one project without datasets and one vanished (2 skipped entries).
pub(super) fn sample() -> Plan {
    let a = "111122223333";
    let b = "444455556666";
    let scans = vec![
        scan(
            a,
            "us-east-1",
            vec![
                Ok(info(a, "us-east-1", "pcb", &["train", "test"])),
                Ok(info(a, "us-east-1", "empty", &[])),
                Err("gone".into()),
                Ok(info(a, "us-east-1", "cap", &["train"])),
            ],
        ),
        scan(b, "eu-west-1", vec![Ok(info(b, "eu-west-1", "wood", &["test", "train"]))]),
    ];
    let filter = Filter::new(&[], &[], None, None, None).unwrap();
    let selection = crate::plan::Selection { dataset_type: "both".into(), ..Default::default() };
    assemble(PLAN_ID.into(), selection, &filter, scans, |_| {})
}

/// Recompute the digest (and the summary) after an edit, as someone covering their tracks would.
pub(super) fn reseal(p: &mut Plan) {
    let seen = p.summary.projects_seen;
    p.seal();
    p.summary.projects_seen = seen;
}
