//! `--scope all`: one project's items for a full teardown, in the order the executor runs them and
//! `plan::validate` requires: a `stop_model` per version `HOSTED` or `STARTING_HOSTING`, a `delete_model` per
//! version (after its `stop_model`), `delete_dataset` test then train, and `delete_project` after every earlier
//! item of the project. The project's CreationTimestamp is what `--created-before/--created-after` judge
//! (datasets are not filtered one by one). Pure: no I/O.

use crate::cloud::{ModelStatus, ModelSummary, ProjectInfo};
use crate::plan::filter::Filter;
use crate::plan::format::{Item, Skipped, client_token};
use crate::plan::types::{DatasetType, Kind, order_key};
use lfv_model::arn;

/// Does a model in this status get a `stop_model` item? `HOSTED` (billing) and `STARTING_HOSTING` (about
/// to bill).
pub fn needs_stop(status: &ModelStatus) -> bool {
    matches!(status, ModelStatus::Hosted | ModelStatus::StartingHosting)
}

/// The teardown items of one described project of `target` with its model versions `models`, numbered 1, 2,
/// 3... within the project (`after` names those numbers), or its `skipped` entry when `filter` leaves the
/// project out. Client tokens are of `plan_id`; `fallback` is the (account, region) used when the project's
/// ARN names none. The planner (shifting the numbers) and `sweep` (as each project is described) both build
/// teardown items here.
pub(crate) fn project_items(
    plan_id: &str,
    target: usize,
    fallback: (String, String),
    filter: &Filter,
    info: &ProjectInfo,
    models: &[ModelSummary],
) -> (Vec<Item>, Vec<Skipped>) {
    if let Err(r) = filter.project(&info.name).and_then(|()| filter.project_created(info.created)) {
        return (Vec::new(), vec![Skipped::new(target, &info.name, None, r)]);
    }
    let (account, region) = arn::lookoutvision_account_region(&info.arn)
        .map(|(account, region)| (account.to_string(), region.to_string()))
        .unwrap_or(fallback);
    let mut models: Vec<&ModelSummary> = models.iter().collect();
    models.sort_by_key(|m| order_key(Kind::DeleteModel, &m.model_version));
    let mut items: Vec<Item> = Vec::new();
    let push = |items: &mut Vec<Item>, kind: Kind, resource: &str, created, status: &str, after: Vec<u64>| {
        let seq = items.len() as u64 + 1;
        items.push(Item {
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
            client_token: client_token(plan_id, &account, &region, &info.name, kind, resource),
            after,
        });
        seq
    };
    let mut stops = Vec::new();
    for m in models.iter().filter(|m| needs_stop(&m.status)) {
        let seq = push(&mut items, Kind::StopModel, &m.model_version, m.creation_timestamp, m.status.as_str(), vec![]);
        stops.push((m.model_version.clone(), seq));
    }
    for m in &models {
        let after = stops.iter().filter(|(v, _)| *v == m.model_version).map(|(_, s)| *s).collect();
        push(&mut items, Kind::DeleteModel, &m.model_version, m.creation_timestamp, m.status.as_str(), after);
    }
    for dataset_type in DatasetType::DELETION_ORDER {
        if let Some(d) = info.dataset(dataset_type) {
            push(&mut items, Kind::DeleteDataset, dataset_type.as_str(), d.created, d.status.as_str(), vec![]);
        }
    }
    let before = items.len() as u64;
    push(&mut items, Kind::DeleteProject, &info.name, info.created, "", (1..=before).collect());
    (items, Vec::new())
}
