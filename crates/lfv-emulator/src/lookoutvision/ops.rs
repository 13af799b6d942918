//! The dispatcher, the idempotent mutation frame ([`mutate`]) and the project and dataset mutations
//! (CreateProject, DeleteProject, CreateDataset, DeleteDataset); StopModel and DeleteModel are in `models.rs`,
//! TagResource and UntagResource in `tags.rs`, the reads in `queries.rs`, `models.rs`, `tags.rs` and
//! `packaging.rs`.
//!
//! A mutation validates its input, then under the world lock: checks its client token (replay or 409),
//! applies the CHOICE conflict rules, changes state, counts the effect, records the token, and serializes a
//! snapshot; the snapshot is written to the state file after the lock is released and before the response.
//!
//! CHOICES implemented here, beyond API_NOTES.md:
//! - CreateProject beyond `max_projects` live projects in one account and region (default 1,000):
//!   ServiceQuotaExceededException, 402, QuotaCode `L-LFV-PROJECTS`, ServiceCode `lookoutvision`.
//! - CreateDataset with a `DatasetSource` gets 20 generated entries under the source's bucket.
//! - DeleteModel on a model that is already DELETING: ConflictException (MODEL), like a dataset in progress.
//! - DeleteProject while any dataset or model version remains (including ones still DELETE_IN_PROGRESS or
//!   DELETING): ConflictException (PROJECT) naming the counts; the project's packaging jobs go with it.

use serde_json::{Map, Value, json};

use super::mutate::{live, mutate, mutations};
use super::{models, packaging, queries, tags};
use crate::request::{ApiRequest, label};
use crate::seed::generate::{EntryKey, gen_stats};
use crate::shared::Shared;
use crate::state::{Dataset, Settle, project_arn};
use crate::status::{DatasetStatus, ModelStatus};
use crate::validate;
use crate::wire::{self, ApiError, Op, Reply, ResourceType, epoch_secs};

/// Entries a CreateDataset with a `DatasetSource` gets: 20.
pub(crate) const SOURCE_ENTRIES: u64 = 20;

/// Run one validated-by-route request.
pub(crate) fn execute(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    match r.op {
        Op::ListProjects => queries::list_projects(s, r),
        Op::DescribeProject => queries::describe_project(s, r),
        Op::DescribeDataset => queries::describe_dataset(s, r),
        Op::ListDatasetEntries => queries::list_dataset_entries(s, r),
        Op::ListModels => models::list_models(s, r),
        Op::DescribeModel => models::describe_model(s, r),
        Op::ListTagsForResource => tags::list_tags(s, r),
        Op::TagResource => tags::tag_resource(s, r),
        Op::UntagResource => tags::untag_resource(s, r),
        Op::ListModelPackagingJobs => packaging::list_jobs(s, r),
        Op::DescribeModelPackagingJob => packaging::describe_job(s, r),
        Op::CreateProject => create_project(s, r),
        Op::DeleteProject => delete_project(s, r),
        Op::CreateDataset => create_dataset(s, r),
        Op::DeleteDataset => delete_dataset(s, r),
        Op::StopModel => models::stop_model(s, r),
        Op::DeleteModel => models::delete_model(s, r),
        Op::Unknown => Err(ApiError::UnknownOperation("No such operation.".into())),
    }
}

fn create_project(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let body = wire::json_object(&r.body)?;
    let name = match body.get("ProjectName") {
        Some(Value::String(n)) => n.clone(),
        Some(_) => return Err(ApiError::Validation("ProjectName must be a string.".into())),
        None => {
            return Err(ApiError::Validation("1 validation error detected: ProjectName is required.".into()));
        }
    };
    validate::check_project_name(&name)?;
    let max = s.settings.max_projects;
    mutate(s, r, (ResourceType::Project, &name), name.clone(), |m| {
        if m.region.projects.get(&name).is_some_and(|p| p.live()) {
            return Err(ApiError::Conflict(
                format!("A project named {name} already exists."),
                name.clone(),
                ResourceType::Project,
            ));
        }
        if m.region.projects.values().filter(|p| p.live()).count() >= max {
            return Err(ApiError::QuotaExceeded(
                format!("You have reached the limit of {max} projects in {} for account {}.", m.region_name, m.account),
                wire::PROJECTS_QUOTA_CODE,
                name.clone(),
                ResourceType::Project,
            ));
        }
        let created = m.now as f64 / 1000.0;
        m.region.projects.insert(
            name.clone(),
            crate::state::Project {
                name: name.clone(),
                created,
                datasets: Default::default(),
                models: Default::default(),
                tags: Default::default(),
                packaging_jobs: Default::default(),
                ghost_until_ms: None,
            },
        );
        mutations(m.stats).projects_created += 1;
        Ok(Reply::json(
            200,
            &json!({ "ProjectMetadata": {
                "ProjectArn": project_arn(m.account, m.region_name, &name),
                "ProjectName": name,
                "CreationTimestamp": epoch_secs(m.now),
            }}),
        ))
    })
}

fn delete_project(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let name = label(r, 0).to_string();
    validate::check_project_name(&name)?;
    mutate(s, r, (ResourceType::Project, &name), name.clone(), |m| {
        let p = live(m.region, &name)?;
        if !p.datasets.is_empty() || !p.models.is_empty() {
            return Err(ApiError::Conflict(
                format!(
                    "The project {name} still has {} dataset(s) and {} model(s); delete them first.",
                    p.datasets.len(),
                    p.models.len()
                ),
                name.clone(),
                ResourceType::Project,
            ));
        }
        m.region.projects.remove(&name);
        mutations(m.stats).projects_deleted += 1;
        Ok(Reply::json(200, &json!({ "ProjectArn": project_arn(m.account, m.region_name, &name) })))
    })
}

/// Bucket of a valid `DatasetSource`, or a ValidationException.
fn source_bucket(src: &Value) -> Result<String, ApiError> {
    let obj = src
        .get("GroundTruthManifest")
        .and_then(|g| g.get("S3Object"))
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::Validation("DatasetSource must contain GroundTruthManifest.S3Object.".into()))?;
    let bucket = obj.get("Bucket").and_then(Value::as_str).unwrap_or("");
    let key = obj.get("Key").and_then(Value::as_str).unwrap_or("");
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
    if !bucket_ok || key.is_empty() {
        return Err(ApiError::Validation(
            "DatasetSource.GroundTruthManifest.S3Object needs a valid Bucket (3-63 of [a-z0-9.-]) and a Key.".into(),
        ));
    }
    Ok(bucket.to_string())
}

fn create_dataset(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let (name, dtype, source) = dataset_request(r)?;
    let bucket = source.as_ref().map(source_bucket).transpose()?;
    let fingerprint = format!("{name}/{dtype}/{}", source.as_ref().map(Value::to_string).unwrap_or_default());
    let delay = s.settings.create_delay.as_millis() as u64;
    let id = format!("{name}/{dtype}");
    mutate(s, r, (ResourceType::Dataset, &id), fingerprint, |m| {
        let p = live(m.region, &name)?;
        if p.datasets.contains_key(&dtype) {
            return Err(ApiError::Conflict(
                format!("The project {name} already has a {dtype} dataset."),
                id.clone(),
                ResourceType::Dataset,
            ));
        }
        let dataset = new_dataset((m.account, m.region_name, &name), &dtype, bucket, m.now, delay);
        let (status, n) = (dataset.status, dataset.generate_entries);
        p.datasets.insert(dtype.clone(), dataset);
        if delay > 0 && n > 0 {
            m.region.schedule(m.now + delay);
        }
        mutations(m.stats).datasets_created += 1;
        Ok(Reply::json(
            202,
            &json!({ "DatasetMetadata": {
                "DatasetType": dtype,
                "CreationTimestamp": epoch_secs(m.now),
                "Status": status,
                "StatusMessage": status.message(),
            }}),
        ))
    })
}

/// A CreateDataset request's project name and `DatasetType`, checked, and its `DatasetSource` (absent or JSON
/// null: `None`), not yet checked.
fn dataset_request(r: &ApiRequest) -> Result<(String, String, Option<Value>), ApiError> {
    let name = label(r, 0).to_string();
    validate::check_project_name(&name)?;
    let mut body: Map<String, Value> = wire::json_object(&r.body)?;
    let dtype = match body.get("DatasetType") {
        Some(Value::String(t)) => t.clone(),
        _ => {
            return Err(ApiError::Validation("1 validation error detected: DatasetType is required.".into()));
        }
    };
    validate::check_dataset_type(&dtype)?;
    Ok((name, dtype, body.remove("DatasetSource").filter(|v| !v.is_null())))
}

/// The dataset CreateDataset makes at `now` in project `(account, region, project)`: with a source `bucket`,
/// [`SOURCE_ENTRIES`] generated entries there, `CREATE_IN_PROGRESS` until `delay` ms have passed (complete at
/// once if `delay` is 0); without, empty and complete in the region's default bucket.
fn new_dataset(
    (account, region, project): (&str, &str, &str),
    dtype: &str,
    bucket: Option<String>,
    now: u64,
    delay: u64,
) -> Dataset {
    let created = now as f64 / 1000.0;
    let (status, settle, n, bucket) = match bucket {
        Some(b) if delay > 0 => (
            DatasetStatus::CreateInProgress,
            Some(Settle { at_ms: now + delay, to: DatasetStatus::CreateComplete }),
            SOURCE_ENTRIES,
            b,
        ),
        Some(b) => (DatasetStatus::CreateComplete, None, SOURCE_ENTRIES, b),
        None => (DatasetStatus::CreateComplete, None, 0, crate::seed::generate::default_bucket(account, region)),
    };
    let key = EntryKey { account, region, project, dataset_type: dtype, bucket: &bucket, created };
    let image_stats = gen_stats(&key, n);
    Dataset {
        dataset_type: dtype.to_string(),
        created,
        updated: created,
        status,
        status_message: status.message().to_string(),
        settle,
        gone_at_ms: None,
        entries: Vec::new(),
        generate_entries: n,
        bucket,
        image_stats,
    }
}

fn delete_dataset(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let name = label(r, 0).to_string();
    let dtype = label(r, 1).to_string();
    validate::check_project_name(&name)?;
    validate::check_dataset_type(&dtype)?;
    let delay = s.settings.delete_delay.as_millis() as u64;
    let id = format!("{name}/{dtype}");
    mutate(s, r, (ResourceType::Dataset, &id), id.clone(), |m| {
        let p = live(m.region, &name)?;
        let Some(d) = p.datasets.get_mut(&dtype) else {
            return Err(ApiError::not_found(ResourceType::Dataset, &id));
        };
        if d.status.in_progress() {
            return Err(ApiError::Conflict(
                format!("The dataset {id} is {}; try again when it has finished.", d.status),
                id.clone(),
                ResourceType::Dataset,
            ));
        }
        if let Some(mv) = p.models.values().find(|mv| mv.status == ModelStatus::Training) {
            return Err(ApiError::Conflict(
                format!("Model {} of project {name} is {}; its datasets cannot be deleted.", mv.version, mv.status),
                id.clone(),
                ResourceType::Dataset,
            ));
        }
        if delay == 0 {
            p.datasets.remove(&dtype);
        } else {
            let d = p.datasets.get_mut(&dtype).ok_or_else(|| ApiError::not_found(ResourceType::Dataset, &id))?;
            d.status = DatasetStatus::DeleteInProgress;
            d.status_message = d.status.message().into();
            d.updated = m.now as f64 / 1000.0;
            d.gone_at_ms = Some(m.now + delay);
            m.region.schedule(m.now + delay);
        }
        mutations(m.stats).datasets_deleted += 1;
        let key = format!("{}/{}/{id}", m.account, m.region_name);
        *m.stats.deleted_datasets.entry(key).or_insert(0) += 1;
        Ok(Reply { status: 202, body: None })
    })
}
