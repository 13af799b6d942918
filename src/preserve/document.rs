//! The `project.json` document: a pure function of the data collected for one project. No I/O.
//!
//! Layout (format `lfv-sunset-project/1`); the envelope's keys are the tool's (snake_case), every object inside
//! `project`, `models[].ModelDescription`, `models[].Tags` and `packaging_jobs[]` has the service's own members,
//! names and nesting (PascalCase) as the API reference documents them; timestamps are RFC 3339 UTC (the wire's
//! are epoch seconds), performance figures the shortest decimal of the service's 32-bit value; members the
//! service did not send are left out:
//! ```text
//! {
//!   "format": "lfv-sunset-project/1",
//!   "account": "123456789012", "region": "us-east-1", "collected_at": "2026-01-01T00:00:00Z",
//!   "project": { "ProjectName", "ProjectArn", "CreationTimestamp",
//!                "Datasets": [ { "DatasetType", "CreationTimestamp", "Status", "StatusMessage" } ] },
//!   "models": [ { "ModelDescription": { every member of DescribeModel's answer },
//!                 "Tags": [ { "Key", "Value" } ] } ],                      // by version, numerically
//!   "packaging_jobs": [ { every member of DescribeModelPackagingJob's answer } ]      // by JobName
//! }
//! ```

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::cloud::{ModelInfo, PackagingJobInfo, ProjectInfo, Tag};

/// The `format` of every `project.json` this build writes.
pub const FORMAT: &str = "lfv-sunset-project/1";

/// One model version as preserved: its DescribeModel answer and its tags.
#[derive(Debug, Clone, PartialEq)]
pub struct PreservedModel {
    /// DescribeModel's answer.
    pub info: ModelInfo,
    /// ListTagsForResource's answer for the model's ARN.
    pub tags: Vec<Tag>,
}

/// Everything collected for one project.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    /// DescribeProject's answer.
    pub project: ProjectInfo,
    /// Every model version still present (a version that vanished between ListModels and DescribeModel is
    /// left out).
    pub models: Vec<PreservedModel>,
    /// Every packaging job still present.
    pub packaging_jobs: Vec<PackagingJobInfo>,
}

/// A model version as a sort key: numeric versions in numeric order, anything else after them by text.
fn version_key(v: &str) -> (u64, &str) {
    (v.parse::<u64>().unwrap_or(u64::MAX), v)
}

fn insert_some(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

fn time(t: Option<DateTime<Utc>>) -> Option<Value> {
    t.map(|t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)))
}

/// DescribeProject's `ProjectDescription`, with the service's member names.
fn project_value(p: &ProjectInfo) -> Value {
    let mut datasets: Vec<_> = p.datasets.iter().collect();
    datasets.sort_by(|a, b| a.dataset_type.cmp(&b.dataset_type));
    let datasets: Vec<Value> = datasets
        .into_iter()
        .map(|d| {
            let mut m = Map::new();
            m.insert("DatasetType".into(), json!(d.dataset_type));
            insert_some(&mut m, "CreationTimestamp", time(d.created));
            m.insert("Status".into(), json!(d.status));
            insert_some(&mut m, "StatusMessage", d.status_message.as_ref().map(|s| json!(s)));
            Value::Object(m)
        })
        .collect();
    let mut m = Map::new();
    m.insert("ProjectName".into(), json!(p.name));
    m.insert("ProjectArn".into(), json!(p.arn));
    insert_some(&mut m, "CreationTimestamp", time(p.created));
    m.insert("Datasets".into(), Value::Array(datasets));
    Value::Object(m)
}

/// The `project.json` document (see the module docs for the layout). Models are ordered by version
/// (numerically), tags by key, packaging jobs by name, datasets by type, so equal data gives equal bytes.
pub fn build(account: &str, region: &str, collected_at: DateTime<Utc>, c: &Collected) -> Value {
    let mut models: Vec<&PreservedModel> = c.models.iter().collect();
    models.sort_by(|a, b| version_key(&a.info.summary.model_version).cmp(&version_key(&b.info.summary.model_version)));
    let models: Vec<Value> = models
        .into_iter()
        .map(|m| {
            let mut tags = m.tags.clone();
            tags.sort();
            json!({ "ModelDescription": m.info, "Tags": tags })
        })
        .collect();
    let mut jobs: Vec<&PackagingJobInfo> = c.packaging_jobs.iter().collect();
    jobs.sort_by(|a, b| a.summary.job_name.cmp(&b.summary.job_name));
    json!({
        "format": FORMAT,
        "account": account,
        "region": region,
        "collected_at": time(Some(collected_at)),
        "project": project_value(&c.project),
        "models": models,
        "packaging_jobs": jobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::{DatasetInfo, ModelStatus, ModelSummary};

    fn model(version: &str, tags: &[(&str, &str)]) -> PreservedModel {
        PreservedModel {
            info: ModelInfo {
                kms_key_id: Some("k".into()),
                ..ModelSummary::bare("p", version, ModelStatus::Trained).into()
            },
            tags: tags.iter().map(|(k, v)| Tag { key: k.to_string(), value: v.to_string() }).collect(),
        }
    }

    fn collected(versions: &[&str]) -> Collected {
        let t = DateTime::from_timestamp(1_640_000_000, 500_000_000);
        Collected {
            project: ProjectInfo {
                name: "p".into(),
                arn: "arn:aws:lookoutvision:us-east-1:123456789012:project/p".into(),
                created: t,
                datasets: vec![
                    DatasetInfo {
                        dataset_type: "train".into(),
                        created: t,
                        status: "CREATE_COMPLETE".into(),
                        status_message: None,
                    },
                    DatasetInfo {
                        dataset_type: "test".into(),
                        created: None,
                        status: "CREATE_FAILED".into(),
                        status_message: Some("bad".into()),
                    },
                ],
            },
            models: versions.iter().map(|v| model(v, &[("z", "1"), ("a", "2")])).collect(),
            packaging_jobs: vec![],
        }
    }

    #[test]
    fn layout_and_order() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let doc = build("123456789012", "us-east-1", at, &collected(&["10", "2", "1"]));
        assert_eq!(doc["format"], FORMAT);
        assert_eq!(doc["collected_at"], "2023-11-14T22:13:20Z");
        assert_eq!(doc["project"]["ProjectName"], "p");
        assert_eq!(doc["project"]["CreationTimestamp"], "2021-12-20T11:33:20.500Z");
        let types: Vec<&str> =
            doc["project"]["Datasets"].as_array().unwrap().iter().map(|d| d["DatasetType"].as_str().unwrap()).collect();
        assert_eq!(types, ["test", "train"]);
        assert_eq!(doc["project"]["Datasets"][0]["StatusMessage"], "bad");
        assert!(doc["project"]["Datasets"][1].get("StatusMessage").is_none());
        let versions: Vec<&str> = doc["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["ModelDescription"]["ModelVersion"].as_str().unwrap())
            .collect();
        assert_eq!(versions, ["1", "2", "10"]);
        assert_eq!(doc["models"][0]["Tags"], json!([{"Key": "a", "Value": "2"}, {"Key": "z", "Value": "1"}]));
        assert_eq!(doc["models"][0]["ModelDescription"]["KmsKeyId"], "k");
        assert_eq!(doc["packaging_jobs"], json!([]));
    }

    #[test]
    fn equal_data_in_any_order_gives_equal_documents() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let a = build("123456789012", "us-east-1", at, &collected(&["1", "2", "3"]));
        let b = build("123456789012", "us-east-1", at, &collected(&["3", "1", "2"]));
        assert_eq!(serde_json::to_vec(&a).unwrap(), serde_json::to_vec(&b).unwrap());
        let c = build("123456789012", "us-east-1", at, &collected(&["1", "2"]));
        assert_ne!(a, c);
    }
}
