//! Handlers of the project and dataset reads: ListProjects, DescribeProject, DescribeDataset,
//! ListDatasetEntries (the model reads are in `models.rs`, tags in `tags.rs`, packaging jobs in `packaging.rs`).
//! They hold the world lock only while building one response and never change state except applying due
//! lifecycle timers.
//!
//! ListProjects is sorted by project name, ListDatasetEntries by entry index; pages hold at most `maxResults`
//! (default and maximum 100) items. Projects "listed after delete" appear only in ListProjects.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};

use crate::paging;
use crate::request::{ApiRequest, label};
use crate::seed::generate::EntryKey;
use crate::shared::Shared;
use crate::state::{Dataset, Project, RegionState, project_arn};
use crate::validate;
use crate::wire::{ApiError, Reply, ResourceType, query_get};

/// A timestamp as epoch seconds.
pub(crate) fn secs(v: f64) -> Value {
    json!(v)
}

/// Run `f` on the caller's region (ticked to now) under the world lock.
pub(crate) fn with_region<T>(
    s: &Shared,
    r: &ApiRequest,
    f: impl FnOnce(Option<&mut RegionState>) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut w = s.lock_world();
    let now = s.clock.now_ms();
    f(w.region(&r.account, &r.region, now))
}

/// A live project of the region, or 404 PROJECT.
pub(crate) fn live<'a>(region: Option<&'a mut RegionState>, name: &str) -> Result<&'a Project, ApiError> {
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

/// A page: `{member: items, NextToken?}`.
pub(crate) fn page_json(items: Vec<Value>, next: Option<String>, member: &str) -> Value {
    let mut o = serde_json::Map::new();
    o.insert(member.to_string(), Value::Array(items));
    if let Some(t) = next {
        o.insert("NextToken".into(), Value::String(t));
    }
    Value::Object(o)
}

pub(crate) fn list_projects(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let max = validate::max_results(&r.query)?;
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
    validate::check_project_name(name)?;
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
    validate::check_project_name(name)?;
    validate::check_dataset_type(dtype)?;
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
    validate::check_project_name(name)?;
    validate::check_dataset_type(dtype)?;
    let max = validate::max_results(&r.query)?;
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
