//! `--scope all`: one project's items for a full teardown, in the order the executor runs them and
//! `plan::validate` requires: a `stop_model` per version `HOSTED` or `STARTING_HOSTING`, a `delete_model` per
//! version (after its `stop_model`), `delete_dataset` test then train, and `delete_project` after every earlier
//! item of the project. The project's CreationTimestamp is what `--created-before/--created-after` judge
//! (datasets are not filtered one by one). Pure: no I/O.

use super::skip;
use crate::cloud::{self, ModelStatus, ModelSummary, ProjectInfo};
use crate::plan::filter::Filter;
use crate::plan::format::{Item, Plan, client_token};
use crate::plan::types::{DatasetType, Kind, order_key};

/// Does a model in this status get a `stop_model` item? `HOSTED` (billing) and `STARTING_HOSTING` (about
/// to bill).
pub fn needs_stop(status: &ModelStatus) -> bool {
    matches!(status, ModelStatus::Hosted | ModelStatus::StartingHosting)
}

/// Add the teardown items of one described project (or its `skipped` entry).
pub(super) fn add_project(
    plan: &mut Plan,
    target: usize,
    filter: &Filter,
    p: std::result::Result<ProjectInfo, String>,
    mut models: Vec<ModelSummary>,
) {
    let info = match p {
        Ok(info) => info,
        Err(name) => {
            let why = ("project_vanished", "listed by ListProjects, then DescribeProject answered 404".to_string());
            plan.skipped.push(skip(target, &name, None, why));
            return;
        }
    };
    if let Err(r) = filter.project(&info.name).and_then(|()| filter.project_created(info.created)) {
        plan.skipped.push(skip(target, &info.name, None, r));
        return;
    }
    let (account, region) = cloud::arn_account_region(&info.arn).unwrap_or_else(|| {
        (plan.targets[target].account.clone().unwrap_or_default(), plan.targets[target].region.clone())
    });
    models.sort_by_key(|m| order_key(Kind::DeleteModel, &m.model_version));
    let first = plan.items.len() as u64 + 1;
    let push = |plan: &mut Plan, kind: Kind, resource: &str, created, status: &str, after: Vec<u64>| {
        let seq = plan.items.len() as u64 + 1;
        plan.items.push(Item {
            seq,
            target,
            account: account.clone(),
            region: region.clone(),
            project: info.name.clone(),
            project_arn: info.arn.clone(),
            kind,
            resource: resource.to_string(),
            created,
            status: status.to_string(),
            client_token: client_token(&plan.plan_id, &account, &region, &info.name, kind, resource),
            after,
        });
        seq
    };
    let mut stops = Vec::new();
    for m in models.iter().filter(|m| needs_stop(&m.status)) {
        let seq = push(plan, Kind::StopModel, &m.model_version, m.creation_timestamp, m.status.as_str(), vec![]);
        stops.push((m.model_version.clone(), seq));
    }
    for m in &models {
        let after = stops.iter().filter(|(v, _)| *v == m.model_version).map(|(_, s)| *s).collect();
        push(plan, Kind::DeleteModel, &m.model_version, m.creation_timestamp, m.status.as_str(), after);
    }
    for dataset_type in DatasetType::DELETION_ORDER {
        if let Some(d) = info.dataset(dataset_type.as_str()) {
            push(plan, Kind::DeleteDataset, dataset_type.as_str(), d.created, &d.status, vec![]);
        }
    }
    let after = (first..plan.items.len() as u64 + 1).collect();
    push(plan, Kind::DeleteProject, &info.name.clone(), info.created, "", after);
}
