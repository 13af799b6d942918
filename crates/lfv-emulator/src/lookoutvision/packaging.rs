//! Model packaging jobs: ListModelPackagingJobs (`GET /projects/{p}/modelpackagingjobs`, sorted by job name,
//! pages of at most `maxResults`, default and maximum 100) and DescribeModelPackagingJob
//! (`GET /projects/{p}/modelpackagingjobs/{job}`), in the service model's shapes `ModelPackagingJobMetadata` and
//! `ModelPackagingDescription`. Jobs come from the seed only (StartModelPackagingJob is not emulated).
//!
//! Defaults filled in when answering: ModelPackagingMethod `Greengrass`; StatusMessage per status; ComponentVersion
//! `1.0.0`; LastUpdatedTimestamp `created + 900`; a `SUCCEEDED` job has `ModelPackagingOutputDetails.Greengrass`
//! with ComponentVersionArn `arn:aws:greengrass:{region}:{account}:components:{component}:versions:{version}`
//! (CHOICE: the form Greengrass V2 gives component versions). A job name off `[a-zA-Z0-9-]{1,64}` is a
//! ValidationException; an unknown job is ResourceNotFoundException (ResourceType MODEL_PACKAGE_JOB, ResourceId
//! the job name).

use serde_json::{Map, Value, json};

use super::queries::{live, page_json, secs, with_region};
use crate::model_state::PackagingJob;
use crate::paging;
use crate::request::{ApiRequest, label};
use crate::seed::model::chars_ok;
use crate::shared::Shared;
use crate::status::JobStatus;
use crate::validate;
use crate::wire::{ApiError, Reply, ResourceType, query_get};

/// ModelPackagingMethod of every emulated job.
const METHOD: &str = "Greengrass";

/// `ModelPackagingJobMetadata` members shared with `ModelPackagingDescription`.
fn metadata(project: &str, j: &PackagingJob) -> Map<String, Value> {
    let j = &j.job;
    let mut o = Map::new();
    o.insert("JobName".into(), json!(j.name));
    o.insert("ProjectName".into(), json!(project));
    o.insert("ModelVersion".into(), json!(j.model_version));
    if let Some(d) = &j.description {
        o.insert("ModelPackagingJobDescription".into(), json!(d));
    }
    o.insert("ModelPackagingMethod".into(), json!(METHOD));
    o.insert("Status".into(), json!(j.status));
    let message = j.status_message.clone().unwrap_or_else(|| j.status.message().to_string());
    o.insert("StatusMessage".into(), json!(message));
    o.insert("CreationTimestamp".into(), secs(j.created));
    o.insert("LastUpdatedTimestamp".into(), secs(j.updated.unwrap_or(j.created + 900.0)));
    o
}

/// `ModelPackagingDescription`: the metadata plus `ModelPackagingConfiguration.Greengrass` and, once
/// `SUCCEEDED`, `ModelPackagingOutputDetails.Greengrass`.
fn description(r: &ApiRequest, project: &str, pj: &PackagingJob) -> Value {
    let mut o = metadata(project, pj);
    let j = &pj.job;
    let version = j.component_version.clone().unwrap_or_else(|| "1.0.0".into());
    let mut loc = json!({ "Bucket": j.s3_output.bucket });
    if let Some(p) = &j.s3_output.prefix {
        loc["Prefix"] = json!(p);
    }
    let mut gg = json!({ "S3OutputLocation": loc, "ComponentName": j.component_name, "ComponentVersion": version });
    if let Some(c) = &j.compiler_options {
        gg["CompilerOptions"] = json!(c);
    }
    if let Some(d) = &j.target_device {
        gg["TargetDevice"] = json!(d);
    }
    if let Some(p) = &j.target_platform {
        gg["TargetPlatform"] = json!({ "Os": p.os, "Arch": p.arch });
        if let Some(a) = &p.accelerator {
            gg["TargetPlatform"]["Accelerator"] = json!(a);
        }
    }
    if let Some(d) = &j.component_description {
        gg["ComponentDescription"] = json!(d);
    }
    if !j.component_tags.is_empty() {
        let tags: Vec<Value> = j.component_tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect();
        gg["Tags"] = Value::Array(tags);
    }
    o.insert("ModelPackagingConfiguration".into(), json!({ "Greengrass": gg }));
    if j.status == JobStatus::Succeeded {
        let arn = component_version_arn(&r.account, &r.region, &j.component_name, &version);
        o.insert(
            "ModelPackagingOutputDetails".into(),
            json!({ "Greengrass": {
                "ComponentVersionArn": arn, "ComponentName": j.component_name, "ComponentVersion": version
            }}),
        );
    }
    Value::Object(o)
}

/// `arn:aws:greengrass:{region}:{account}:components:{component}:versions:{version}`.
pub(crate) fn component_version_arn(account: &str, region: &str, component: &str, version: &str) -> String {
    format!("arn:aws:greengrass:{region}:{account}:components:{component}:versions:{version}")
}

pub(crate) fn list_jobs(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let name = label(r, 0);
    validate::check_project_name(name)?;
    let max = validate::max_results(&r.query)?;
    let scope = format!("ListModelPackagingJobs/{}/{}/{name}", r.account, r.region);
    let after = paging::decode(&scope, query_get(&r.query, "nextToken"))?;
    with_region(s, r, |region| {
        let p = live(region, name)?;
        let mut iter = p.packaging_jobs.iter().filter(|(k, _)| after.as_ref().is_none_or(|a| *k > a)).peekable();
        let mut items = Vec::new();
        let mut last = None;
        while items.len() < max {
            let Some((k, j)) = iter.next() else { break };
            items.push(Value::Object(metadata(name, j)));
            last = Some(k);
        }
        let next = match (iter.peek(), last) {
            (Some(_), Some(l)) => Some(paging::encode(&scope, l)),
            _ => None,
        };
        Ok(Reply::json(200, &page_json(items, next, "ModelPackagingJobs")))
    })
}

pub(crate) fn describe_job(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let (name, job) = (label(r, 0), label(r, 1));
    validate::check_project_name(name)?;
    if !chars_ok(job, 1, 64, "-") {
        return Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{job}' at 'jobName' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: [a-zA-Z0-9-]+ and length 1-64"
        )));
    }
    with_region(s, r, |region| {
        let p = live(region, name)?;
        let j = p.packaging_jobs.get(job).ok_or_else(|| ApiError::not_found(ResourceType::ModelPackageJob, job))?;
        Ok(Reply::json(200, &json!({ "ModelPackagingDescription": description(r, name, j) })))
    })
}
