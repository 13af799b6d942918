//! The validation of a seed's model fields and model packaging jobs ([`check_model`], [`check_jobs`]) against the service model's constraints. Pure: no I/O, no clock.

use std::collections::{BTreeMap, BTreeSet};

use super::types::{MAX_DELAY_MS, SeedModel, SeedPackagingJob, SeedProject, SeedS3Location, SeedS3Object};
use crate::status::{JobStatus, ModelStatus};

/// Most tags on one project or model: 50 (AWS's per-resource tag limit).
pub const MAX_TAGS: usize = 50;

/// Whether every character of `s` is ASCII alphanumeric or in `extra`, and its length is in `min..=max`.
pub(crate) fn chars_ok(s: &str, min: usize, max: usize, extra: &str) -> bool {
    (min..=max).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// Tag keys (1-128) and values (0-256): letters, digits, spaces and `_.:/=+-@`, as the service's pattern.
pub(crate) fn tag_ok(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.chars().count())
        && s.chars().all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c))
}

/// Check a set of tags: at most [`MAX_TAGS`], each key and value per [`tag_ok`].
pub(crate) fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), String> {
    if tags.len() > MAX_TAGS {
        return Err(format!("more than {MAX_TAGS} tags"));
    }
    match tags.iter().find(|(k, v)| !tag_ok(k, 1, 128) || !tag_ok(v, 0, 256)) {
        Some((k, v)) => {
            Err(format!("invalid tag {k:?}={v:?}: keys 1-128 and values 0-256 letters, digits, spaces, _.:/=+-@"))
        }
        None => Ok(()),
    }
}

fn location_ok(l: &SeedS3Location) -> Result<(), String> {
    if !chars_ok(&l.bucket, 3, 63, ".-_") {
        return Err(format!("bucket `{}`: expected 3-63 of [0-9A-Za-z.-_]", l.bucket));
    }
    let prefix_ok = |p: &str| {
        p.len() <= 1024
            && p.chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_alphanumeric() || "!_.*'()-".contains(c) || (i > 0 && c == '/'))
    };
    match &l.prefix {
        Some(p) if !prefix_ok(p) => Err(format!("prefix `{p}`: expected 0-1024 of [a-zA-Z0-9!_.*'()-/], no leading /")),
        _ => Ok(()),
    }
}

fn object_ok(o: &SeedS3Object) -> Result<(), String> {
    location_ok(&SeedS3Location { bucket: o.bucket.clone(), prefix: None })?;
    if o.key.is_empty() || o.key.len() > 1024 {
        return Err(format!("key `{}`: expected 1-1024 characters", o.key));
    }
    Ok(())
}

/// Check the model fields beyond version, status and times: delays, description, performance, S3 locations,
/// KMS key, inference units (1 or more, max at least min) and tags.
pub(crate) fn check_model(m: &SeedModel) -> Result<(), String> {
    for (name, ms) in [("stop_after_ms", m.stop_after_ms), ("delete_after_ms", m.delete_after_ms)] {
        if ms.is_some_and(|ms| ms > MAX_DELAY_MS) {
            return Err(format!("{name} over {MAX_DELAY_MS} (10 years)"));
        }
    }
    if m.status == ModelStatus::Deleting.as_str() && m.settles_to.is_some() {
        return Err("settles_to on a DELETING model: it is gone after settle_after_ms".into());
    }
    if let Some(d) = m.description.as_deref().filter(|d| !chars_ok(d, 1, 500, ".-_")) {
        return Err(format!("description `{d}`: expected 1-500 of [0-9A-Za-z.-_]"));
    }
    if let Some(p) = m.performance {
        let ok = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        if !ok(p.f1_score) || !ok(p.recall) || !ok(p.precision) {
            return Err("performance: each score must be 0.0-1.0".into());
        }
    }
    if let Some(o) = &m.output {
        location_ok(o).map_err(|e| format!("output {e}"))?;
    }
    for (name, o) in [("evaluation_manifest", &m.evaluation_manifest), ("evaluation_result", &m.evaluation_result)] {
        if let Some(o) = o {
            object_ok(o).map_err(|e| format!("{name} {e}"))?;
        }
    }
    if let Some(k) = m.kms_key_id.as_deref() {
        let first = k.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !first || !chars_ok(k, 1, 2048, ":_/+=,@.-") {
            return Err(format!("kms_key_id `{k}`: expected 1-2048 of [A-Za-z0-9:_/+=,@.-], starting alphanumeric"));
        }
    }
    let min = m.min_inference_units.unwrap_or(1);
    if min == 0 || m.max_inference_units.is_some_and(|max| max < min) {
        return Err("inference units: min_inference_units at least 1, max_inference_units at least the min".into());
    }
    check_tags(&m.tags)
}

/// `X.Y.Z`, each part 1-6 digits.
fn component_version_ok(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| (1..=6).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

fn check_job(j: &SeedPackagingJob) -> Result<(), String> {
    if !chars_ok(&j.name, 1, 64, "-") {
        return Err("expected a job name of 1-64 letters, digits and `-`".into());
    }
    let digits = !j.model_version.is_empty() && j.model_version.bytes().all(|b| b.is_ascii_digit());
    if !digits || j.model_version.len() > 9 || j.model_version.starts_with('0') {
        return Err(format!("model_version `{}`: expected a version number like 1", j.model_version));
    }
    if JobStatus::parse(&j.status).is_none() {
        let allowed = JobStatus::ALL.map(JobStatus::as_str).join(", ");
        return Err(format!("unknown status `{}`: expected one of {allowed}", j.status));
    }
    let time_ok = |t: f64| t.is_finite() && (0.0..=super::types::MAX_CREATED_SECS).contains(&t);
    if !time_ok(j.created) || j.updated.is_some_and(|u| !time_ok(u)) {
        return Err("created and updated must be epoch seconds from 0 to 253402300799".into());
    }
    let text_ok = |s: &str| chars_ok(s, 1, 256, "-_. ()':,;?");
    for (name, v) in [("description", &j.description), ("component_description", &j.component_description)] {
        if let Some(v) = v.as_deref().filter(|v| !text_ok(v)) {
            return Err(format!("{name} `{v}`: expected 1-256 of [a-zA-Z0-9-_. ()':,;?]"));
        }
    }
    if !chars_ok(&j.component_name, 1, 128, "-_.") {
        return Err(format!("component_name `{}`: expected 1-128 of [a-zA-Z0-9-_.]", j.component_name));
    }
    if let Some(v) = j.component_version.as_deref().filter(|v| !component_version_ok(v)) {
        return Err(format!("component_version `{v}`: expected X.Y.Z, each 1-6 digits"));
    }
    match (&j.target_device, &j.target_platform) {
        (Some(d), None) if d == "jetson_xavier" => {}
        (None, Some(p))
            if p.os == "LINUX"
                && (p.arch == "ARM64" || p.arch == "X86_64")
                && p.accelerator.as_deref().is_none_or(|a| a == "NVIDIA") => {}
        _ => {
            return Err("expected exactly one of target_device (jetson_xavier) and target_platform (os LINUX, arch \
                        ARM64 or X86_64, accelerator NVIDIA or absent)"
                .into());
        }
    }
    if j.compiler_options.as_deref().is_some_and(|c| !(3..=1024).contains(&c.len())) {
        return Err("compiler_options: expected 3-1024 characters".into());
    }
    location_ok(&j.s3_output).map_err(|e| format!("s3_output {e}"))?;
    check_tags(&j.component_tags).map_err(|e| format!("component_tags: {e}"))
}

/// Check a project's packaging jobs: each job's values and unique names; the error names the job.
pub(crate) fn check_jobs(p: &SeedProject) -> Result<(), String> {
    let mut names = BTreeSet::new();
    for (i, j) in p.packaging_jobs.iter().enumerate() {
        let at = format!("packaging_jobs[{i}] ({})", j.name);
        check_job(j).map_err(|e| format!("{at}: {e}"))?;
        if !names.insert(&j.name) {
            return Err(format!("{at}: duplicate job name in this project"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{SeedPerformance, SeedTargetPlatform};

    fn good_job() -> SeedPackagingJob {
        SeedPackagingJob {
            name: "job-1".into(),
            model_version: "1".into(),
            status: "SUCCEEDED".into(),
            created: 1.7e9,
            component_name: "com.example.p".into(),
            target_device: Some("jetson_xavier".into()),
            s3_output: SeedS3Location { bucket: "bucket".into(), prefix: Some("p/".into()) },
            ..SeedPackagingJob::default()
        }
    }

    #[test]
    fn model_fields_and_jobs_are_checked_against_the_service_constraints() {
        let m = || SeedModel { version: "1".into(), status: "HOSTED".into(), ..SeedModel::default() };
        assert_eq!(check_model(&m()), Ok(()));
        type ModelCase = fn(&mut SeedModel);
        let models: &[(ModelCase, &str)] = &[
            (|m| m.description = Some("has space".into()), "description `has space`"),
            (|m| m.description = Some(String::new()), "description ``"),
            (|m| m.performance = Some(SeedPerformance { f1_score: 1.5, recall: 0.5, precision: 0.5 }), "0.0-1.0"),
            (|m| m.performance = Some(SeedPerformance { f1_score: f64::NAN, ..Default::default() }), "0.0-1.0"),
            (|m| m.output = Some(SeedS3Location { bucket: "b".into(), prefix: None }), "output bucket `b`"),
            (|m| m.output = Some(SeedS3Location { bucket: "bkt".into(), prefix: Some("/x".into()) }), "prefix `/x`"),
            (|m| m.evaluation_result = Some(SeedS3Object { bucket: "bkt".into(), key: String::new() }), "key ``"),
            (|m| m.kms_key_id = Some("-key".into()), "kms_key_id `-key`"),
            (|m| m.min_inference_units = Some(0), "inference units"),
            (|m| m.max_inference_units = Some(0), "inference units"),
            (|m| m.stop_after_ms = Some(u64::MAX), "stop_after_ms over"),
            (|m| m.delete_after_ms = Some(u64::MAX), "delete_after_ms over"),
            (|m| m.tags = (0..51).map(|i| (format!("k{i}"), String::new())).collect(), "more than 50 tags"),
            (|m| m.tags = BTreeMap::from([("k;".into(), String::new())]), "invalid tag"),
            (
                |m| {
                    m.status = "DELETING".into();
                    m.settles_to = Some("TRAINED".into());
                },
                "settles_to on a DELETING model",
            ),
        ];
        for (i, (mutate, fragment)) in models.iter().enumerate() {
            let mut v = m();
            mutate(&mut v);
            let e = check_model(&v).expect_err(fragment);
            assert!(e.contains(fragment), "model case {i}: {e:?} lacks {fragment:?}");
        }
        let project = |jobs: Vec<SeedPackagingJob>| SeedProject { packaging_jobs: jobs, ..SeedProject::default() };
        assert_eq!(check_jobs(&project(vec![good_job()])), Ok(()));
        type JobCase = fn(&mut SeedPackagingJob);
        let jobs: &[(JobCase, &str)] = &[
            (|j| j.name = "bad_name".into(), "packaging_jobs[0] (bad_name): expected a job name"),
            (|j| j.name = "x".repeat(65), "expected a job name"),
            (|j| j.model_version = "latest".into(), "model_version `latest`"),
            (|j| j.status = "DONE".into(), "unknown status `DONE`"),
            (|j| j.created = f64::NAN, "created and updated"),
            (|j| j.description = Some("semi;colon!".into()), "description `semi;colon!`"),
            (|j| j.component_name = "has space".into(), "component_name `has space`"),
            (|j| j.component_version = Some("1.0".into()), "component_version `1.0`"),
            (|j| j.target_device = None, "exactly one of target_device"),
            (|j| j.target_device = Some("raspberry".into()), "exactly one of target_device"),
            (
                |j| {
                    j.target_platform =
                        Some(SeedTargetPlatform { os: "LINUX".into(), arch: "ARM64".into(), accelerator: None })
                },
                "exactly one of target_device",
            ),
            (|j| j.compiler_options = Some("{}".into()), "compiler_options"),
            (|j| j.s3_output.bucket = "x".into(), "s3_output bucket `x`"),
        ];
        for (i, (mutate, fragment)) in jobs.iter().enumerate() {
            let mut j = good_job();
            mutate(&mut j);
            let e = check_jobs(&project(vec![j])).expect_err(fragment);
            assert!(e.contains(fragment), "job case {i}: {e:?} lacks {fragment:?}");
        }
        let e = check_jobs(&project(vec![good_job(), good_job()])).unwrap_err();
        assert!(e.contains("packaging_jobs[1] (job-1): duplicate job name"), "{e}");
    }
}
