//! Handlers of the seven read-only operations: ListProjects, DescribeProject, DescribeDataset,
//! ListDatasetEntries, ListModels, DescribeModel, ListTagsForResource. They hold the world lock only while
//! building one response and never change state except applying due lifecycle timers.
//!
//! ListProjects is sorted by project name, ListModels by version, ListDatasetEntries by entry index; pages hold
//! at most `maxResults` (default and maximum 100) items. Projects "listed after delete" appear only in
//! ListProjects. ListTagsForResource answers 404 for an ARN of another account or region.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::ops::{label, resolve_version};
use super::paging;
use super::seed_gen::EntryKey;
use super::server::{ApiRequest, Shared};
use super::state::{Dataset, Model, Project, RegionState, model_arn, project_arn};
use super::wire::{self, ApiError, Reply, ResourceType, query_get};

fn secs(v: f64) -> Value {
    json!(v)
}

/// Run `f` on the caller's region (ticked to now) under the world lock.
fn with_region<T>(
    s: &Shared,
    r: &ApiRequest,
    f: impl FnOnce(Option<&mut RegionState>) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut w = s.lock_world();
    let now = s.clock.now_ms();
    f(w.region(&r.account, &r.region, now))
}

fn live<'a>(region: Option<&'a mut RegionState>, name: &str) -> Result<&'a Project, ApiError> {
    region
        .and_then(|rg| rg.projects.get(name))
        .filter(|p| p.live())
        .ok_or_else(|| ApiError::not_found(ResourceType::Project, name))
}

fn dataset_metadata(d: &Dataset) -> Value {
    json!({
        "DatasetType": d.dataset_type,
        "CreationTimestamp": secs(d.created),
        "Status": d.status,
        "StatusMessage": d.status_message,
    })
}

fn page_json(items: Vec<Value>, next: Option<String>, member: &str) -> Value {
    let mut o = serde_json::Map::new();
    o.insert(member.to_string(), Value::Array(items));
    if let Some(t) = next {
        o.insert("NextToken".into(), Value::String(t));
    }
    Value::Object(o)
}

pub(crate) fn list_projects(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let max = wire::max_results(&r.query)?;
    let scope = format!("ListProjects/{}/{}", r.account, r.region);
    let after = paging::decode(&scope, query_get(&r.query, "nextToken"))?;
    with_region(s, r, |region| {
        let Some(region) = region else {
            return Ok(Reply::json(200, &json!({ "Projects": [] })));
        };
        let range = match &after {
            Some(a) => region.projects.range::<String, _>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded)),
            None => region.projects.range::<String, _>(..),
        };
        let mut items = Vec::new();
        let mut last = None;
        let mut more = false;
        for (name, p) in range {
            if items.len() == max {
                more = true;
                break;
            }
            items.push(json!({
                "ProjectArn": project_arn(&r.account, &r.region, name),
                "ProjectName": name,
                "CreationTimestamp": secs(p.created),
            }));
            last = Some(name);
        }
        let next = if more { last.map(|k| paging::encode(&scope, k)) } else { None };
        Ok(Reply::json(200, &page_json(items, next, "Projects")))
    })
}

pub(crate) fn describe_project(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let name = label(r, 0);
    wire::check_project_name(name)?;
    with_region(s, r, |region| {
        let p = live(region, name)?;
        let datasets: Vec<Value> = p.datasets.values().map(dataset_metadata).collect();
        Ok(Reply::json(
            200,
            &json!({ "ProjectDescription": {
                "ProjectArn": project_arn(&r.account, &r.region, name),
                "ProjectName": name,
                "CreationTimestamp": secs(p.created),
                "Datasets": datasets,
            }}),
        ))
    })
}

fn dataset<'a>(p: &'a Project, name: &str, dtype: &str) -> Result<&'a Dataset, ApiError> {
    p.datasets.get(dtype).ok_or_else(|| ApiError::not_found(ResourceType::Dataset, &format!("{name}/{dtype}")))
}

pub(crate) fn describe_dataset(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let (name, dtype) = (label(r, 0), label(r, 1));
    wire::check_project_name(name)?;
    wire::check_dataset_type(dtype)?;
    with_region(s, r, |region| {
        let d = dataset(live(region, name)?, name, dtype)?;
        let st = d.image_stats;
        Ok(Reply::json(
            200,
            &json!({ "DatasetDescription": {
                "ProjectName": name,
                "DatasetType": dtype,
                "CreationTimestamp": secs(d.created),
                "LastUpdatedTimestamp": secs(d.updated),
                "Status": d.status,
                "StatusMessage": d.status_message,
                "ImageStats": { "Total": st.total, "Labeled": st.labeled, "Normal": st.normal, "Anomaly": st.anomaly },
            }}),
        ))
    })
}

/// The filters of ListDatasetEntries.
#[derive(Debug, Default)]
struct EntryFilter {
    labeled: Option<bool>,
    anomaly: Option<bool>,
    before: Option<DateTime<Utc>>,
    after: Option<DateTime<Utc>>,
    contains: Option<String>,
}

impl EntryFilter {
    fn parse(q: &[(String, String)]) -> Result<EntryFilter, ApiError> {
        let bad = |name: &str, v: &str, want: &str| {
            ApiError::Validation(format!(
                "1 validation error detected: Value '{v}' at '{name}' failed to satisfy constraint: {want}"
            ))
        };
        let time = |name: &str| -> Result<Option<DateTime<Utc>>, ApiError> {
            query_get(q, name)
                .map(|v| {
                    DateTime::parse_from_rfc3339(v)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|_| bad(name, v, "Member must be an ISO-8601 timestamp"))
                })
                .transpose()
        };
        let labeled = match query_get(q, "labeled") {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(v) => return Err(bad("labeled", v, "Member must be true or false")),
        };
        let anomaly = match query_get(q, "anomalyClass") {
            None => None,
            Some("anomaly") => Some(true),
            Some("normal") => Some(false),
            Some(v) => {
                return Err(bad("anomalyClass", v, "Member must satisfy regular expression pattern: (normal|anomaly)"));
            }
        };
        let contains = match query_get(q, "sourceRefContains") {
            Some(v) if v.len() > 2048 || v.trim().is_empty() => {
                return Err(bad("sourceRefContains", v, "Member must have length 1-2048 and a non-space character"));
            }
            v => v.map(String::from),
        };
        Ok(EntryFilter { labeled, anomaly, before: time("createdBefore")?, after: time("createdAfter")?, contains })
    }

    fn is_empty(&self) -> bool {
        self.labeled.is_none()
            && self.anomaly.is_none()
            && self.before.is_none()
            && self.after.is_none()
            && self.contains.is_none()
    }

    fn keeps(&self, line: &str) -> bool {
        let v: Value = serde_json::from_str(line).unwrap_or_default();
        let label = v.get("anomaly-label").and_then(Value::as_u64);
        if self.labeled.is_some_and(|l| l != label.is_some()) {
            return false;
        }
        if self.anomaly.is_some_and(|a| label != Some(u64::from(a))) {
            return false;
        }
        if let Some(c) = &self.contains
            && !v.get("source-ref").and_then(Value::as_str).is_some_and(|s| s.contains(c.as_str()))
        {
            return false;
        }
        if self.before.is_some() || self.after.is_some() {
            let created = v.pointer("/anomaly-label-metadata/creation-date").and_then(Value::as_str).and_then(|d| {
                DateTime::parse_from_rfc3339(d)
                    .map(|t| t.with_timezone(&Utc))
                    .ok()
                    .or_else(|| NaiveDateTime::parse_from_str(d, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc()))
            });
            let Some(t) = created else { return false };
            if self.before.is_some_and(|b| t >= b) || self.after.is_some_and(|a| t <= a) {
                return false;
            }
        }
        true
    }
}

pub(crate) fn list_dataset_entries(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let (name, dtype) = (label(r, 0), label(r, 1));
    wire::check_project_name(name)?;
    wire::check_dataset_type(dtype)?;
    let max = wire::max_results(&r.query)?;
    let filter = EntryFilter::parse(&r.query)?;
    let filters: Vec<String> = ["labeled", "anomalyClass", "createdBefore", "createdAfter", "sourceRefContains"]
        .iter()
        .map(|k| query_get(&r.query, k).unwrap_or("").to_string())
        .collect();
    let scope = format!("ListDatasetEntries/{}/{}/{name}/{dtype}/{}", r.account, r.region, filters.join("|"));
    let start = match paging::decode(&scope, query_get(&r.query, "nextToken"))? {
        Some(k) => k.parse::<u64>().map_err(|_| ApiError::Validation("Invalid pagination token.".into()))?,
        None => 0,
    };
    with_region(s, r, |region| {
        let d = dataset(live(region, name)?, name, dtype)?;
        let key = EntryKey {
            account: &r.account,
            region: &r.region,
            project: name,
            dataset_type: dtype,
            bucket: &d.bucket,
            created: d.created,
        };
        let total = d.entry_count();
        let mut items = Vec::new();
        let mut i = start;
        while i < total && items.len() < max {
            let e = d.entry(&key, i);
            i += 1;
            if filter.is_empty() || filter.keeps(&e) {
                items.push(Value::String(e));
            }
        }
        let more = (i..total).any(|j| filter.is_empty() || filter.keeps(&d.entry(&key, j)));
        let next = if more { Some(paging::encode(&scope, &i.to_string())) } else { None };
        Ok(Reply::json(200, &page_json(items, next, "DatasetEntries")))
    })
}

fn performance(m: &Model) -> Option<Value> {
    if matches!(m.status.as_str(), "TRAINING" | "TRAINING_FAILED") {
        return None;
    }
    let f = f64::from(m.version % 7) / 100.0;
    Some(json!({ "F1Score": 0.90 + f, "Recall": 0.88 + f, "Precision": 0.92 + f / 2.0 }))
}

fn model_metadata(r: &ApiRequest, name: &str, m: &Model) -> Value {
    let mut v = json!({
        "CreationTimestamp": secs(m.created),
        "ModelVersion": m.version.to_string(),
        "ModelArn": model_arn(&r.account, &r.region, name, m.version),
        "Description": format!("Model {} of {name}", m.version),
        "Status": m.status,
        "StatusMessage": m.status_message,
    });
    if let (Some(p), Some(o)) = (performance(m), v.as_object_mut()) {
        o.insert("Performance".into(), p);
    }
    v
}

pub(crate) fn list_models(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let name = label(r, 0);
    wire::check_project_name(name)?;
    let max = wire::max_results(&r.query)?;
    let scope = format!("ListModels/{}/{}/{name}", r.account, r.region);
    let after = match paging::decode(&scope, query_get(&r.query, "nextToken"))? {
        Some(k) => Some(k.parse::<u32>().map_err(|_| ApiError::Validation("Invalid pagination token.".into()))?),
        None => None,
    };
    with_region(s, r, |region| {
        let p = live(region, name)?;
        let mut iter = p.models.values().filter(|m| after.is_none_or(|a| m.version > a)).peekable();
        let mut items = Vec::new();
        let mut last = None;
        while items.len() < max {
            let Some(m) = iter.next() else { break };
            items.push(model_metadata(r, name, m));
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
    wire::check_project_name(name)?;
    wire::check_model_version(version, true)?;
    with_region(s, r, |region| {
        let p = live(region, name)?;
        let m = resolve_version(p, version)
            .and_then(|v| p.models.get(&v))
            .ok_or_else(|| ApiError::not_found(ResourceType::Model, &format!("{name}/{version}")))?;
        let mut v = model_metadata(r, name, m);
        let bucket = super::seed_gen::default_bucket(&r.account, &r.region);
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "OutputConfig".into(),
                json!({ "S3Location": { "Bucket": bucket, "Prefix": format!("{name}/models/") } }),
            );
            if performance(m).is_some() {
                let key = format!("{name}/models/{}/evaluation", m.version);
                o.insert(
                    "EvaluationManifest".into(),
                    json!({ "Bucket": bucket, "Key": format!("{key}/manifest.json") }),
                );
                o.insert("EvaluationResult".into(), json!({ "Bucket": bucket, "Key": format!("{key}/result.json") }));
                o.insert("EvaluationEndTimestamp".into(), secs(m.created + 3600.0));
            }
            if matches!(m.status.as_str(), "HOSTED" | "STARTING_HOSTING" | "STOPPING_HOSTING" | "SYSTEM_UPDATING") {
                o.insert("MinInferenceUnits".into(), json!(1));
                o.insert("MaxInferenceUnits".into(), json!(1));
            }
        }
        Ok(Reply::json(200, &json!({ "ModelDescription": v })))
    })
}

pub(crate) fn list_tags(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let arn = label(r, 0);
    let invalid = || ApiError::Validation(format!("The ARN {arn} is not a Lookout for Vision project or model ARN."));
    if arn.is_empty() || arn.len() > 1011 {
        return Err(invalid());
    }
    let rest = arn.strip_prefix("arn:aws:lookoutvision:").ok_or_else(invalid)?;
    let mut parts = rest.splitn(3, ':');
    let (Some(region), Some(account), Some(resource)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let (name, version) = if let Some(n) = resource.strip_prefix("project/") {
        (n, None)
    } else if let Some(m) = resource.strip_prefix("model/") {
        let (n, v) = m.rsplit_once('/').ok_or_else(invalid)?;
        wire::check_model_version(v, false).map_err(|_| invalid())?;
        (n, Some(v))
    } else {
        return Err(invalid());
    };
    if !wire::valid_project_name(name) {
        return Err(invalid());
    }
    let not_found = |rt| ApiError::not_found(rt, arn);
    if account != r.account || region != r.region {
        return Err(not_found(if version.is_some() { ResourceType::Model } else { ResourceType::Project }));
    }
    with_region(s, r, |rg| {
        let p = live(rg, name).map_err(|_| not_found(ResourceType::Project))?;
        let tags: Vec<Value> = match version {
            None => p.tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect(),
            Some(v) => {
                resolve_version(p, v).ok_or_else(|| not_found(ResourceType::Model))?;
                Vec::new()
            }
        };
        Ok(Reply::json(200, &json!({ "Tags": tags })))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_by_label_and_date() {
        let q = vec![("anomalyClass".to_string(), "anomaly".to_string())];
        let f = EntryFilter::parse(&q).unwrap();
        let a = r#"{"source-ref":"s3://b/x.jpg","anomaly-label":1,"anomaly-label-metadata":{"creation-date":"2023-01-02T00:00:00.000"}}"#;
        let n = r#"{"source-ref":"s3://b/y.jpg","anomaly-label":0}"#;
        assert!(f.keeps(a) && !f.keeps(n));
        let q = vec![("createdAfter".to_string(), "2023-01-01T00:00:00Z".to_string())];
        let f = EntryFilter::parse(&q).unwrap();
        assert!(f.keeps(a) && !f.keeps(n));
        assert!(EntryFilter::parse(&[("labeled".into(), "yes".into())]).is_err());
    }
}
