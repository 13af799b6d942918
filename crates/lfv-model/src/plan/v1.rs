//! Format `lfv-sunset-plan/1`: the datasets-only plan of earlier versions, read into the in-memory [`Plan`].
//!
//! Each format 1 item becomes a `delete_dataset` item: resource = `dataset_type`, created =
//! `dataset_created`, status = `dataset_status`, after = `[]`; the plan keeps `format` =
//! [`FORMAT_V1`], so [`digest`] and `validate` apply format 1's rules to it: the digest over
//! `{"plan_id", "targets", "items"}` in their format 1 shape, and the token over
//! `plan_id \n account \n region \n project \n dataset_type`. The mapping is lossless both ways, so the digest
//! is recomputed from the in-memory plan.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::format::{FORMAT_V1, Item, Plan, Selection, Skipped, Summary, Target, sha256_json, token_of};
use super::types::{DatasetType, Kind, SkipReason};

/// A format 1 file, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanV1 {
    format: String,
    plan_id: String,
    created_at: DateTime<Utc>,
    tool_version: String,
    selection: Selection,
    targets: Vec<TargetV1>,
    items: Vec<ItemV1>,
    skipped: Vec<Skipped>,
    summary: SummaryV1,
    digest: String,
}

/// A format 1 target (also its digested shape).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetV1 {
    account: Option<String>,
    region: String,
    profile: Option<String>,
    endpoint_url: Option<String>,
}

/// A format 1 item (also its digested shape).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemV1 {
    seq: u64,
    target: usize,
    account: String,
    region: String,
    project: String,
    project_arn: String,
    dataset_type: String,
    dataset_created: Option<DateTime<Utc>>,
    dataset_status: String,
    client_token: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SummaryV1 {
    targets: usize,
    projects_seen: usize,
    projects_planned: usize,
    items: usize,
    items_by_type: BTreeMap<DatasetType, usize>,
    skipped_by_reason: BTreeMap<SkipReason, usize>,
}

/// The format 1 client token of a dataset.
pub fn client_token(plan_id: &str, account: &str, region: &str, project: &str, dataset_type: &str) -> String {
    token_of(&[plan_id, account, region, project, dataset_type])
}

/// Parse a format 1 file into the in-memory plan (not validated). A format 1 item whose `dataset_type` is
/// not `train` or `test` is refused here, since format 2 cannot hold it as a dataset.
pub fn parse(text: &str) -> Result<Plan, String> {
    let v1: PlanV1 = serde_json::from_str(text).map_err(|e| format!("not a format 1 plan: {e}"))?;
    let items = v1.items.into_iter().map(item).collect::<Result<Vec<_>, _>>()?;
    let targets = v1
        .targets
        .into_iter()
        .map(|t| Target {
            account: t.account,
            region: t.region,
            profile: t.profile,
            endpoint_url: t.endpoint_url,
            ..Target::default()
        })
        .collect();
    let s = v1.summary;
    let summary = Summary {
        targets: s.targets,
        projects_seen: s.projects_seen,
        projects_planned: s.projects_planned,
        items: s.items,
        items_by_kind: if s.items == 0 { BTreeMap::new() } else { BTreeMap::from([(Kind::DeleteDataset, s.items)]) },
        items_by_type: s.items_by_type,
        skipped_by_reason: s.skipped_by_reason,
    };
    Ok(Plan {
        format: v1.format,
        plan_id: v1.plan_id,
        created_at: v1.created_at,
        tool_version: v1.tool_version,
        selection: v1.selection,
        targets,
        unreachable: Vec::new(),
        items,
        skipped: v1.skipped,
        summary,
        digest: v1.digest,
    })
}

/// A format 1 item as the `delete_dataset` item it means.
fn item(i: ItemV1) -> Result<Item, String> {
    let ty: DatasetType = i.dataset_type.parse().map_err(|e| format!("item seq {} (dataset_type): {e}", i.seq))?;
    Ok(Item {
        seq: i.seq,
        target: i.target,
        account: i.account,
        region: i.region,
        project: i.project,
        project_arn: i.project_arn,
        kind: Kind::DeleteDataset,
        resource: ty.as_str().to_string(),
        created: i.dataset_created,
        status: i.dataset_status,
        client_token: i.client_token,
        after: Vec::new(),
    })
}

/// Read a list of items in either shape (format 2, or format 1 with `dataset_type`): for the header of a
/// journal written by a format 1 version, so that an interrupted run resumes after an upgrade.
pub fn deserialize_items<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Item>, D::Error> {
    use serde::de::Error as _;
    let values = Vec::<serde_json::Value>::deserialize(d)?;
    values
        .into_iter()
        .map(|v| {
            if v.get("dataset_type").is_some() {
                serde_json::from_value::<ItemV1>(v)
                    .map_err(D::Error::custom)
                    .and_then(|i| item(i).map_err(D::Error::custom))
            } else {
                serde_json::from_value::<Item>(v).map_err(D::Error::custom)
            }
        })
        .collect()
}

#[derive(Serialize)]
struct DigestInput<'a> {
    plan_id: &'a str,
    targets: Vec<TargetV1>,
    items: Vec<ItemV1>,
}

/// Format 1's digest of `plan`, over its id, targets and items in their format 1 shape. An item that format
/// 1 cannot express (another kind, or a non-empty `after`) is digested with its kind in `dataset_type`, so it
/// never matches a digest format 1 wrote; `validate` names such an item.
pub fn digest(plan: &Plan) -> String {
    let targets = plan
        .targets
        .iter()
        .map(|t| TargetV1 {
            account: t.account.clone(),
            region: t.region.clone(),
            profile: t.profile.clone(),
            endpoint_url: t.endpoint_url.clone(),
        })
        .collect();
    let items = plan
        .items
        .iter()
        .map(|i| ItemV1 {
            seq: i.seq,
            target: i.target,
            account: i.account.clone(),
            region: i.region.clone(),
            project: i.project.clone(),
            project_arn: i.project_arn.clone(),
            dataset_type: match i.kind {
                Kind::DeleteDataset if i.after.is_empty() => i.resource.clone(),
                other => format!("{other}:{}", i.resource),
            },
            dataset_created: i.created,
            dataset_status: i.status.clone(),
            client_token: i.client_token.clone(),
        })
        .collect();
    sha256_json(&DigestInput { plan_id: &plan.plan_id, targets, items })
}

/// True if `plan` is a format 1 plan.
pub fn is_v1(plan: &Plan) -> bool {
    plan.format == FORMAT_V1
}
