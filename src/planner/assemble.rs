//! Assembling a plan from the targets' scans: items in execution order with their seqs, tokens and `after`,
//! skipped entries with their reasons, the summary and the digest. Pure: no network, no clock; the property
//! tests and `sweep` (per project, as each is described) build items through it.

use chrono::Utc;

use super::{Scan, describe_endpoint, teardown};
use crate::cloud::{ModelSummary, ProjectInfo};
use crate::plan::filter::Filter;
use crate::plan::format::{FORMAT, Item, Plan, Selection, Skipped, Summary, Target, client_token};
use crate::plan::types::{DatasetType, Kind, Scope, SkipReason};
use lfv_model::arn;

/// Build the sealed plan from the targets' scans, in endpoint order: a scan that reaches an (account,
/// region) already planned is dropped with a note; items get their seqs, tokens, summary and digest. Pure:
/// no network and no clock other than `created_at`; the property tests build plans through it.
pub(crate) fn assemble(
    plan_id: String,
    selection: Selection,
    filter: &Filter,
    scans: Vec<Scan>,
    mut note: impl FnMut(String),
) -> Plan {
    let mut plan = Plan {
        format: FORMAT.to_string(),
        plan_id,
        created_at: Utc::now(),
        tool_version: crate::version::TOOL_BUILD.to_string(),
        selection,
        targets: Vec::new(),
        unreachable: Vec::new(),
        items: Vec::new(),
        skipped: Vec::new(),
        summary: Summary::default(),
        digest: String::new(),
    };
    for scan in scans {
        let dup = plan
            .targets
            .iter()
            .any(|t| t.region == scan.endpoint.region && t.account.is_some() && t.account == scan.account);
        if dup {
            note(format!(
                "{} reaches account {} in {} again; it is planned once",
                describe_endpoint(&scan.endpoint),
                scan.account.as_deref().unwrap_or("?"),
                scan.endpoint.region
            ));
            continue;
        }
        let target = plan.targets.len();
        plan.targets.push(Target {
            account: scan.account.clone(),
            region: scan.endpoint.region.clone(),
            profile: scan.endpoint.profile.clone(),
            endpoint_url: scan.endpoint.endpoint_url.clone(),
            role_arn: scan.endpoint.role.as_ref().map(|r| r.arn.clone()),
            external_id: scan.endpoint.role.as_ref().is_some_and(|r| r.external_id.is_some()),
            ..Target::default()
        });
        plan.summary.projects_seen += scan.listed;
        let mut projects = scan.projects;
        projects.sort_by(|a, b| name_of(a).cmp(name_of(b)));
        let mut models = scan.models;
        for p in projects {
            let versions = match &p {
                Ok(info) => models.remove(&info.name),
                Err(_) => None,
            };
            let versions = versions.filter(|_| plan.selection.scope == Scope::All);
            add_project(&mut plan, target, filter, p, versions.as_deref());
        }
    }
    for (i, item) in plan.items.iter_mut().enumerate() {
        item.seq = i as u64 + 1;
    }
    plan.seal();
    plan
}

fn name_of(p: &std::result::Result<ProjectInfo, String>) -> &str {
    match p {
        Ok(info) => &info.name,
        Err(name) => name,
    }
}

/// Add one described project's items (or its `skipped` entry): teardown items when `models` are given
/// (`--scope all`), numbered after the plan's items so far (their `after` shifted by as much).
fn add_project(
    plan: &mut Plan,
    target: usize,
    filter: &Filter,
    p: std::result::Result<ProjectInfo, String>,
    models: Option<&[ModelSummary]>,
) {
    let info = match p {
        Ok(info) => info,
        Err(name) => {
            let why =
                (SkipReason::ProjectVanished, "listed by ListProjects, then DescribeProject answered 404".to_string());
            plan.skipped.push(Skipped::new(target, &name, None, why));
            return;
        }
    };
    let t = &plan.targets[target];
    let fallback = (t.account.clone().unwrap_or_default(), t.region.clone());
    let (items, skipped) = match models {
        Some(models) => teardown::project_items(&plan.plan_id, target, fallback, filter, &info, models),
        None => project_items(&plan.plan_id, target, fallback, filter, &info),
    };
    let offset = plan.items.len() as u64;
    plan.items.extend(items.into_iter().map(|mut item| {
        item.seq += offset;
        item.after.iter_mut().for_each(|a| *a += offset);
        item
    }));
    plan.skipped.extend(skipped);
}

/// The items (seq 0, to be numbered) and skipped entries of one described project of `target`, under
/// `filter`, with client tokens of `plan_id`. `fallback` is the (account, region) used when the project's ARN
/// names none. The planner and `sweep` (as each project is described) both build items here.
pub(crate) fn project_items(
    plan_id: &str,
    target: usize,
    fallback: (String, String),
    filter: &Filter,
    info: &ProjectInfo,
) -> (Vec<Item>, Vec<Skipped>) {
    let skip = |dataset_type, why| Skipped::new(target, &info.name, dataset_type, why);
    if let Err(r) = filter.project(&info.name) {
        return (Vec::new(), vec![skip(None, r)]);
    }
    if info.datasets.is_empty() {
        return (Vec::new(), vec![skip(None, (SkipReason::NoDatasets, "the project has no datasets".to_string()))]);
    }
    let (account, region) = arn::lookoutvision_account_region(&info.arn)
        .map(|(account, region)| (account.to_string(), region.to_string()))
        .unwrap_or(fallback);
    let (mut items, mut skipped) = (Vec::new(), Vec::new());
    for dataset_type in DatasetType::DELETION_ORDER {
        let Some(d) = info.dataset(dataset_type) else { continue };
        if let Err(r) = filter.dataset(&d.dataset_type, d.created) {
            skipped.push(skip(Some(dataset_type), r));
            continue;
        }
        items.push(Item {
            seq: 0,
            target,
            account: account.clone(),
            region: region.clone(),
            project: info.name.clone(),
            project_arn: info.arn.clone(),
            kind: Kind::DeleteDataset,
            resource: dataset_type.to_string(),
            created: d.created,
            status: d.status.to_string(),
            client_token: client_token(
                plan_id,
                &account,
                &region,
                &info.name,
                Kind::DeleteDataset,
                dataset_type.as_str(),
            ),
            after: Vec::new(),
        });
    }
    (items, skipped)
}
