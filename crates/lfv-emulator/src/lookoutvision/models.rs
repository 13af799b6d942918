//! The model operations: StopModel and DeleteModel (idempotent mutations through `ops::mutate`), ListModels and
//! DescribeModel (reads), and the JSON shapes `ModelMetadata` and `ModelDescription` of the service model.
//!
//! Lifecycles run on the emulator clock (`state.rs` applies them lazily): StopModel on a `HOSTED` model shows
//! `STOPPING_HOSTING` for the model's `stop_after_ms` (default `EmulatorConfig::model_delay`, 1 s) and then
//! `TRAINED`; DeleteModel shows `DELETING` for `delete_after_ms` (default the same) and then the version is gone
//! (404, absent from ListModels); a delay of 0 applies at once. Refusals (ConflictException, ResourceType MODEL):
//! StopModel on any status but `HOSTED` (a model `STARTING_HOSTING` must become `HOSTED` first; CHOICE);
//! DeleteModel on `TRAINING`, `STARTING_HOSTING`, `HOSTED`, `STOPPING_HOSTING`, `SYSTEM_UPDATING` or
//! `DELETING`. A model's tags go with it; its packaging jobs stay (CHOICE: the service has no API to delete a
//! job, so they last as long as the project).

use serde_json::{Value, json};

use super::mutate::{Mut, live, mutate, mutations};
use super::queries::{self, page_json, secs, with_region};
use crate::paging;
use crate::request::{ApiRequest, label};
use crate::seed::generate::default_bucket;
use crate::shared::Shared;
use crate::state::{Model, Project, Settle, model_arn};
use crate::status::ModelStatus;
use crate::validate;
use crate::wire::{ApiError, Reply, ResourceType, query_get};

/// Resolve a version label (`latest` = highest) against a project's models.
pub(crate) fn resolve_version(p: &Project, v: &str) -> Option<u32> {
    if v == "latest" {
        p.models.keys().next_back().copied()
    } else {
        v.parse().ok().filter(|n| p.models.contains_key(n))
    }
}

/// The model `version` of project `name` in a mutation, or 404 MODEL (ResourceId `name/version`).
fn model_mut<'a>(m: &'a mut Mut<'_>, name: &str, version: &str) -> Result<(u32, &'a mut Model), ApiError> {
    let id = format!("{name}/{version}");
    let p = live(m.region, name)?;
    let v = resolve_version(p, version).ok_or_else(|| ApiError::not_found(ResourceType::Model, &id))?;
    let model = p.models.get_mut(&v).ok_or_else(|| ApiError::not_found(ResourceType::Model, &id))?;
    Ok((v, model))
}

pub(crate) fn stop_model(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let name = label(r, 0).to_string();
    let version = label(r, 1).to_string();
    validate::check_project_name(&name)?;
    validate::check_model_version(&version, true)?;
    let default_delay = s.settings.model_delay.as_millis() as u64;
    let id = format!("{name}/{version}");
    mutate(s, r, (ResourceType::Model, &id), id.clone(), |mut m| {
        let now = m.now;
        let (v, model) = model_mut(&mut m, &name, &version)?;
        if model.status != ModelStatus::Hosted {
            return Err(ApiError::Conflict(
                format!(
                    "Model {v} of project {name} is {}, not {}; it cannot be stopped.",
                    model.status,
                    ModelStatus::Hosted
                ),
                format!("{name}/{v}"),
                ResourceType::Model,
            ));
        }
        let delay = model.info.stop_after_ms.unwrap_or(default_delay);
        let to = if delay == 0 { ModelStatus::Trained } else { ModelStatus::StoppingHosting };
        model.status = to;
        model.status_message = to.message().into();
        model.settle = (delay > 0).then(|| Settle { at_ms: now.saturating_add(delay), to: ModelStatus::Trained });
        if delay > 0 {
            m.region.schedule(now.saturating_add(delay));
        }
        mutations(m.stats).models_stopped += 1;
        Ok(Reply::json(202, &json!({ "Status": ModelStatus::StoppingHosting })))
    })
}

pub(crate) fn delete_model(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let name = label(r, 0).to_string();
    let version = label(r, 1).to_string();
    validate::check_project_name(&name)?;
    validate::check_model_version(&version, false)?;
    let default_delay = s.settings.model_delay.as_millis() as u64;
    let id = format!("{name}/{version}");
    mutate(s, r, (ResourceType::Model, &id), id.clone(), |mut m| {
        let now = m.now;
        let (v, model) = model_mut(&mut m, &name, &version)?;
        if model.status.blocks_delete() {
            return Err(ApiError::Conflict(
                format!("Model {v} of project {name} is {}; it cannot be deleted now.", model.status),
                id.clone(),
                ResourceType::Model,
            ));
        }
        let delay = model.info.delete_after_ms.unwrap_or(default_delay);
        if delay == 0 {
            live(m.region, &name)?.models.remove(&v);
        } else {
            model.status = ModelStatus::Deleting;
            model.status_message = ModelStatus::Deleting.message().into();
            model.settle = None;
            model.gone_at_ms = Some(now.saturating_add(delay));
            m.region.schedule(now.saturating_add(delay));
        }
        mutations(m.stats).models_deleted += 1;
        Ok(Reply::json(202, &json!({ "ModelArn": model_arn(m.account, m.region_name, &name, v) })))
    })
}

/// Whether the model is past training: Performance and the evaluation objects are shown.
fn evaluated(m: &Model) -> bool {
    m.status.evaluated()
}

/// ModelPerformance: the seeded one, or the default of `SeedModel::performance`; none before training ends.
fn performance(m: &Model) -> Option<Value> {
    if !evaluated(m) {
        return None;
    }
    let f = f64::from(m.version % 7) / 100.0;
    let (f1, recall, precision) =
        m.info.performance.map(|p| (p.f1_score, p.recall, p.precision)).unwrap_or((0.90 + f, 0.88 + f, 0.92 + f / 2.0));
    Some(json!({ "F1Score": f1, "Recall": recall, "Precision": precision }))
}

/// `ModelMetadata`: CreationTimestamp, ModelVersion, ModelArn, Description (if any), Status, StatusMessage,
/// Performance (once trained).
fn model_metadata(r: &ApiRequest, name: &str, m: &Model) -> serde_json::Map<String, Value> {
    let mut o = serde_json::Map::new();
    o.insert("CreationTimestamp".into(), secs(m.created));
    o.insert("ModelVersion".into(), json!(m.version.to_string()));
    o.insert("ModelArn".into(), json!(model_arn(&r.account, &r.region, name, m.version)));
    if let Some(d) = &m.info.description {
        o.insert("Description".into(), json!(d));
    }
    o.insert("Status".into(), json!(m.status));
    o.insert("StatusMessage".into(), json!(m.status_message));
    if let Some(p) = performance(m) {
        o.insert("Performance".into(), p);
    }
    o
}

/// `ModelDescription`: the metadata plus OutputConfig, the evaluation objects and end time (once trained),
/// KmsKeyId (if any) and the inference units (while hosting).
fn model_description(r: &ApiRequest, name: &str, m: &Model) -> Value {
    let mut o = model_metadata(r, name, m);
    let out_bucket = m.info.output.as_ref().map(|l| l.bucket.clone());
    let bucket = out_bucket.unwrap_or_else(|| default_bucket(&r.account, &r.region));
    let prefix = match &m.info.output {
        Some(l) => l.prefix.clone(),
        None => Some(format!("{name}/models/")),
    };
    let mut loc = json!({ "Bucket": bucket });
    if let Some(p) = &prefix {
        loc["Prefix"] = json!(p);
    }
    o.insert("OutputConfig".into(), json!({ "S3Location": loc }));
    if evaluated(m) {
        let key = format!("{}{}/evaluation", prefix.as_deref().unwrap_or(""), m.version);
        let object = |seeded: &Option<crate::seed::SeedS3Object>, file: &str| match seeded {
            Some(s) => json!({ "Bucket": s.bucket, "Key": s.key }),
            None => json!({ "Bucket": bucket, "Key": format!("{key}/{file}") }),
        };
        o.insert("EvaluationManifest".into(), object(&m.info.evaluation_manifest, "manifest.json"));
        o.insert("EvaluationResult".into(), object(&m.info.evaluation_result, "result.json"));
        o.insert("EvaluationEndTimestamp".into(), secs(m.created + 3600.0));
    }
    if let Some(k) = &m.info.kms_key_id {
        o.insert("KmsKeyId".into(), json!(k));
    }
    if m.status.is_hosting() {
        let min = m.info.min_inference_units.unwrap_or(1);
        o.insert("MinInferenceUnits".into(), json!(min));
        o.insert("MaxInferenceUnits".into(), json!(m.info.max_inference_units.unwrap_or(min)));
    }
    Value::Object(o)
}

pub(crate) fn list_models(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let name = label(r, 0);
    validate::check_project_name(name)?;
    let max = validate::max_results(&r.query)?;
    let scope = format!("ListModels/{}/{}/{name}", r.account, r.region);
    let after = match paging::decode(&scope, query_get(&r.query, "nextToken"))? {
        Some(k) => Some(k.parse::<u32>().map_err(|_| ApiError::Validation("Invalid pagination token.".into()))?),
        None => None,
    };
    with_region(s, r, |region| {
        let p = queries::live(region, name)?;
        let mut iter = p.models.values().filter(|m| after.is_none_or(|a| m.version > a)).peekable();
        let mut items = Vec::new();
        let mut last = None;
        while items.len() < max {
            let Some(m) = iter.next() else { break };
            items.push(Value::Object(model_metadata(r, name, m)));
            last = Some(m.version);
        }
        let next = match (iter.peek(), last) {
            (Some(_), Some(l)) => Some(paging::encode(&scope, &l.to_string())),
            _ => None,
        };
        Ok(Reply::json(200, &page_json(items, next, "Models")))
    })
}

pub(crate) fn describe_model(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let (name, version) = (label(r, 0), label(r, 1));
    validate::check_project_name(name)?;
    validate::check_model_version(version, true)?;
    with_region(s, r, |region| {
        let p = queries::live(region, name)?;
        let m = resolve_version(p, version)
            .and_then(|v| p.models.get(&v))
            .ok_or_else(|| ApiError::not_found(ResourceType::Model, &format!("{name}/{version}")))?;
        Ok(Reply::json(200, &json!({ "ModelDescription": model_description(r, name, m) })))
    })
}
