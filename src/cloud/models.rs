//! Model versions, their tags and the project's model packaging jobs: the calls, and the SDK shapes turned into
//! the crate's types (`model_types`).
//!
//! One method per call, one attempt each: retries, rate limiting and cancellation are the caller's. List calls
//! return one [`Page`] (at most 100 items, the service maximum); the caller pages until `next` is `None`.
//! DescribeModel and DescribeModelPackagingJob keep every member of the service's answer. Errors are
//! classified by `convert` like every other call: only `ResourceNotFoundException` means absent, an answer that
//! is not the service's is [`super::ErrorKind::Foreign`].

use aws_sdk_lookoutvision::operation::RequestId;
use aws_sdk_lookoutvision::types as sdk;

use super::convert::{classify, timestamp};
use super::model_types::*;
use super::{CallError, Client, Page};

/// The next-page token of a list answer; an empty token is the end, as no token is.
fn next_token(t: Option<&str>) -> Option<String> {
    t.filter(|t| !t.is_empty()).map(str::to_string)
}

fn s3_location(l: &sdk::S3Location) -> S3Location {
    S3Location { bucket: l.bucket().unwrap_or_default().to_string(), prefix: l.prefix().map(str::to_string) }
}

fn s3_object(o: &sdk::OutputS3Object) -> S3ObjectRef {
    S3ObjectRef { bucket: o.bucket().unwrap_or_default().to_string(), key: o.key().unwrap_or_default().to_string() }
}

/// A 32-bit float as the 64-bit float of its shortest decimal form (`0.91f32` is `0.91`, not `0.9100000262...`).
fn decimal(f: f32) -> f64 {
    f.to_string().parse().unwrap_or(f64::from(f))
}

fn performance(p: &sdk::ModelPerformance) -> Performance {
    Performance {
        f1_score: p.f1_score().map(decimal),
        recall: p.recall().map(decimal),
        precision: p.precision().map(decimal),
    }
}

fn tag(t: &sdk::Tag) -> Tag {
    Tag { key: t.key().unwrap_or_default().to_string(), value: t.value().unwrap_or_default().to_string() }
}

fn model_status(s: Option<&sdk::ModelStatus>) -> ModelStatus {
    ModelStatus::parse(s.map(|s| s.as_str()).unwrap_or_default())
}

fn job_status(s: Option<&sdk::ModelPackagingJobStatus>) -> PackagingJobStatus {
    PackagingJobStatus::parse(s.map(|s| s.as_str()).unwrap_or_default())
}

/// The [`ModelSummary`] members of `ModelMetadata` and `ModelDescription` (the SDK gives both the same
/// accessors but no common trait).
macro_rules! summary {
    ($m:expr) => {
        ModelSummary {
            model_version: $m.model_version().unwrap_or_default().to_string(),
            model_arn: $m.model_arn().unwrap_or_default().to_string(),
            creation_timestamp: $m.creation_timestamp().map(timestamp),
            description: $m.description().map(str::to_string),
            status: model_status($m.status()),
            status_message: $m.status_message().map(str::to_string),
            performance: $m.performance().map(performance),
        }
    };
}

/// ListModels' `ModelMetadata` as a [`ModelSummary`].
pub(crate) fn model_summary(m: &sdk::ModelMetadata) -> ModelSummary {
    summary!(m)
}

/// DescribeModel's `ModelDescription` as a [`ModelInfo`], every member kept.
pub(crate) fn model_info(d: &sdk::ModelDescription) -> ModelInfo {
    ModelInfo {
        summary: summary!(d),
        output_config: d.output_config().and_then(|o| o.s3_location()).map(s3_location),
        evaluation_manifest: d.evaluation_manifest().map(s3_object),
        evaluation_result: d.evaluation_result().map(s3_object),
        evaluation_end_timestamp: d.evaluation_end_timestamp().map(timestamp),
        kms_key_id: d.kms_key_id().map(str::to_string),
        min_inference_units: d.min_inference_units(),
        max_inference_units: d.max_inference_units(),
    }
}

/// The [`PackagingJobSummary`] members of `ModelPackagingJobMetadata` and `ModelPackagingDescription`.
macro_rules! job_summary {
    ($j:expr) => {
        PackagingJobSummary {
            job_name: $j.job_name().unwrap_or_default().to_string(),
            project_name: $j.project_name().unwrap_or_default().to_string(),
            model_version: $j.model_version().unwrap_or_default().to_string(),
            model_packaging_job_description: $j.model_packaging_job_description().map(str::to_string),
            model_packaging_method: $j.model_packaging_method().map(str::to_string),
            status: job_status($j.status()),
            status_message: $j.status_message().map(str::to_string),
            creation_timestamp: $j.creation_timestamp().map(timestamp),
            last_updated_timestamp: $j.last_updated_timestamp().map(timestamp),
        }
    };
}

/// ListModelPackagingJobs' `ModelPackagingJobMetadata` as a [`PackagingJobSummary`].
pub(crate) fn job_summary(j: &sdk::ModelPackagingJobMetadata) -> PackagingJobSummary {
    job_summary!(j)
}

fn greengrass(g: &sdk::GreengrassConfiguration) -> GreengrassConfig {
    GreengrassConfig {
        component_name: g.component_name().unwrap_or_default().to_string(),
        component_version: g.component_version().map(str::to_string),
        component_description: g.component_description().map(str::to_string),
        target_device: g.target_device().map(|d| d.as_str().to_string()),
        target_platform: g.target_platform().map(|p| TargetPlatform {
            os: p.os().map(|v| v.as_str().to_string()),
            arch: p.arch().map(|v| v.as_str().to_string()),
            accelerator: p.accelerator().map(|v| v.as_str().to_string()),
        }),
        compiler_options: g.compiler_options().map(str::to_string),
        s3_output_location: g.s3_output_location().map(s3_location),
        tags: g.tags().iter().map(tag).collect(),
    }
}

/// DescribeModelPackagingJob's `ModelPackagingDescription` as a [`PackagingJobInfo`], every member kept.
pub(crate) fn job_info(d: &sdk::ModelPackagingDescription) -> PackagingJobInfo {
    let out = d.model_packaging_output_details().and_then(|o| o.greengrass());
    PackagingJobInfo {
        summary: job_summary!(d),
        greengrass: d.model_packaging_configuration().and_then(|c| c.greengrass()).map(greengrass),
        greengrass_output: out.map(|g| GreengrassOutput {
            component_version_arn: g.component_version_arn().map(str::to_string),
            component_name: g.component_name().map(str::to_string),
            component_version: g.component_version().map(str::to_string),
        }),
    }
}

impl Client {
    /// One page of ListModels (at most 100 model versions).
    pub async fn list_models(&self, project: &str, next: Option<String>) -> Result<Page<ModelSummary>, CallError> {
        let out = self
            .inner
            .list_models()
            .project_name(project)
            .set_next_token(next)
            .max_results(100)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        let items: Vec<ModelSummary> = out.models().iter().map(model_summary).collect();
        if let Some(why) = items.iter().find_map(|m| super::shape::bad_model_version(&m.model_version)) {
            return Err(CallError::foreign(&format!("ListModels of {project:?} listed {why}")));
        }
        Ok(Page { items, next: next_token(out.next_token()) })
    }

    /// DescribeModel of one version, every member of its `ModelDescription`.
    pub async fn describe_model(&self, project: &str, version: &str) -> Result<ModelInfo, CallError> {
        let out = self
            .inner
            .describe_model()
            .project_name(project)
            .model_version(version)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        let d = out
            .model_description()
            .ok_or_else(|| CallError::foreign("DescribeModel answered without a ModelDescription"))?;
        Ok(model_info(d))
    }

    /// StopModel with the given idempotency token; `answer` is the returned hosting status.
    pub async fn stop_model(&self, project: &str, version: &str, token: &str) -> Result<Done, CallError> {
        let out = self
            .inner
            .stop_model()
            .project_name(project)
            .model_version(version)
            .client_token(token)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        let answer = out.status().map(|s| s.as_str().to_string());
        Ok(Done { status: 202, answer, request_id: out.request_id().map(str::to_string) })
    }

    /// DeleteModel with the given idempotency token; `answer` is the deleted model's ARN.
    pub async fn delete_model(&self, project: &str, version: &str, token: &str) -> Result<Done, CallError> {
        let out = self
            .inner
            .delete_model()
            .project_name(project)
            .model_version(version)
            .client_token(token)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        let answer = out.model_arn().map(str::to_string);
        Ok(Done { status: 202, answer, request_id: out.request_id().map(str::to_string) })
    }

    /// DeleteProject with the given idempotency token; `answer` is the deleted project's ARN.
    pub async fn delete_project(&self, project: &str, token: &str) -> Result<Done, CallError> {
        let out = self
            .inner
            .delete_project()
            .project_name(project)
            .client_token(token)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        let answer = out.project_arn().map(str::to_string);
        Ok(Done { status: 200, answer, request_id: out.request_id().map(str::to_string) })
    }

    /// ListTagsForResource of a model (or project) ARN.
    pub async fn list_tags(&self, arn: &str) -> Result<Vec<Tag>, CallError> {
        let out =
            self.inner.list_tags_for_resource().resource_arn(arn).send().await.map_err(|e| self.failed(classify(e)))?;
        Ok(out.tags().iter().map(tag).collect())
    }

    /// One page of ListModelPackagingJobs (at most 100 jobs).
    pub async fn list_packaging_jobs(
        &self,
        project: &str,
        next: Option<String>,
    ) -> Result<Page<PackagingJobSummary>, CallError> {
        let out = self
            .inner
            .list_model_packaging_jobs()
            .project_name(project)
            .set_next_token(next)
            .max_results(100)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        let items = out.model_packaging_jobs().iter().map(job_summary).collect();
        Ok(Page { items, next: next_token(out.next_token()) })
    }

    /// DescribeModelPackagingJob, every member of its `ModelPackagingDescription`.
    pub async fn describe_packaging_job(&self, project: &str, job: &str) -> Result<PackagingJobInfo, CallError> {
        let out = self
            .inner
            .describe_model_packaging_job()
            .project_name(project)
            .job_name(job)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        let d = out.model_packaging_description().ok_or_else(|| {
            CallError::foreign("DescribeModelPackagingJob answered without a ModelPackagingDescription")
        })?;
        Ok(job_info(d))
    }
}

#[cfg(test)]
mod tests;
