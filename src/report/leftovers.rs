//! `leftovers.csv`: what the account still owns outside Lookout for Vision that the preserved data references,
//! built only from data already collected (the dataset manifests and `project.json`), never from a call.
//!
//! Columns ([`COLUMNS`]): `account, region, project, referenced_by, service, resource, objects, suggestion`.
//! Rows, per project, in this order:
//! - per dataset (`train`, then `test`), its images (`source-ref`) and then its masks (`anomaly-mask-ref`),
//!   one row per bucket and prefix (the key's directory, `s3://bucket/dir/`), `objects` = distinct objects;
//! - per model version (numerically): output location (`OutputConfig`, `s3://bucket/prefix`, objects empty:
//!   unknown without listing S3), evaluation manifest and evaluation result (`s3://bucket/key`, 1 object
//!   each), KMS key (`kms`, the key id or ARN);
//! - per packaging job (by name): its S3 output location and its Greengrass component version ARN.
//!
//! `referenced_by` is `dataset train`, `model 2` or `packaging job NAME`; the suggestions are [`Suggestion`]'s
//! texts. Projects are ordered by account, region and name. Every cell is neutralised against formula
//! injection ([`csv_cells::to_csv`]); the file is written atomically and owner-only.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::csv_cells;
use crate::error::{Error, Result};

/// The columns, in order.
pub const COLUMNS: [&str; 8] =
    ["account", "region", "project", "referenced_by", "service", "resource", "objects", "suggestion"];

/// The service that owns a leftover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Amazon S3.
    S3,
    /// AWS IoT Greengrass.
    Greengrass,
    /// AWS KMS.
    Kms,
}

/// What a row is, which decides its suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggestion {
    /// Images of a `train` dataset.
    TrainImages,
    /// Images of a `test` dataset.
    TestImages,
    /// Segmentation masks.
    Masks,
    /// A model's training output.
    ModelOutput,
    /// The manifest a model was evaluated with.
    EvaluationManifest,
    /// A model's evaluation metrics.
    EvaluationResult,
    /// The KMS key a model was encrypted with.
    KmsKey,
    /// A packaging job's component artifacts.
    ComponentArtifacts,
    /// A Greengrass component version.
    Component,
}

impl Suggestion {
    /// The text of the `suggestion` column.
    pub fn text(self) -> &'static str {
        match self {
            Suggestion::TrainImages => "keep: these images are your training data",
            Suggestion::TestImages => "keep: these images are your test data",
            Suggestion::Masks => "keep: these masks are your anomaly labels (segmentation)",
            Suggestion::ModelOutput => {
                "review: this model version's training output; keep it only for audit or to compare models"
            }
            Suggestion::EvaluationManifest => "keep: the manifest of the images this model version was tested on",
            Suggestion::EvaluationResult => "keep: this model version's evaluation metrics, the record of its quality",
            Suggestion::KmsKey => {
                "review: other data may be encrypted with this key; schedule its deletion only when nothing uses it"
            }
            Suggestion::ComponentArtifacts => {
                "review: the component's artifacts; devices that deploy the component download them from here"
            }
            Suggestion::Component => "review: deleting this component breaks devices that deploy it",
        }
    }
}

/// One row of `leftovers.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// Project name.
    pub project: String,
    /// `dataset train`, `model 2`, `packaging job NAME`.
    pub referenced_by: String,
    /// Owning service.
    pub service: Service,
    /// `s3://bucket/prefix/`, `s3://bucket/key`, a component version ARN or a KMS key id.
    pub resource: String,
    /// Distinct objects, when known.
    pub objects: Option<u64>,
    /// What to do with it ([`Suggestion::text`]).
    pub suggestion: &'static str,
}

/// The S3 objects one manifest references: distinct object URIs per (bucket, directory), images and masks apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestRefs {
    /// `source-ref` keys per (bucket, directory).
    pub images: BTreeMap<(String, String), BTreeSet<String>>,
    /// `anomaly-mask-ref` keys per (bucket, directory).
    pub masks: BTreeMap<(String, String), BTreeSet<String>>,
}

/// `(bucket, directory, key)` of `s3://bucket/dir/name`; the directory keeps its trailing `/` and is empty for
/// a key at the bucket's root. `None` for anything that is not an `s3://` URI with a bucket and a key.
pub fn split_s3_uri(uri: &str) -> Option<(&str, &str, &str)> {
    let (bucket, key) = uri.strip_prefix("s3://")?.split_once('/')?;
    if bucket.is_empty() || key.is_empty() {
        return None;
    }
    let dir = key.rfind('/').map_or("", |i| &key[..=i]);
    Some((bucket, dir, key))
}

fn add(map: &mut BTreeMap<(String, String), BTreeSet<String>>, uri: Option<&str>) {
    if let Some((bucket, dir, key)) = uri.and_then(split_s3_uri) {
        map.entry((bucket.to_string(), dir.to_string())).or_default().insert(key.to_string());
    }
}

/// Read a JSON Lines manifest (as `exec/backup.rs` writes it) and gather its `source-ref` and
/// `anomaly-mask-ref` URIs. Lines that are not JSON objects or hold no such URI add nothing.
pub fn scan_manifest(reader: impl BufRead) -> std::io::Result<ManifestRefs> {
    let mut refs = ManifestRefs::default();
    for line in reader.lines() {
        let Ok(v) = serde_json::from_str::<Value>(&line?) else { continue };
        add(&mut refs.images, v.get("source-ref").and_then(Value::as_str));
        add(&mut refs.masks, v.get("anomaly-mask-ref").and_then(Value::as_str));
    }
    Ok(refs)
}

/// Where a project is.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// Account id.
    pub account: &'a str,
    /// Region.
    pub region: &'a str,
    /// Project name.
    pub project: &'a str,
}

impl Origin<'_> {
    fn row(&self, by: &str, service: Service, resource: String, objects: Option<u64>, s: Suggestion) -> Row {
        Row {
            account: self.account.to_string(),
            region: self.region.to_string(),
            project: self.project.to_string(),
            referenced_by: by.to_string(),
            service,
            resource,
            objects,
            suggestion: s.text(),
        }
    }
}

/// The rows of one dataset's manifest: images then masks, each by bucket and directory.
pub fn dataset_rows(at: Origin<'_>, dataset_type: &str, refs: &ManifestRefs) -> Vec<Row> {
    let by = format!("dataset {dataset_type}");
    let images = if dataset_type == "test" { Suggestion::TestImages } else { Suggestion::TrainImages };
    let groups = [(&refs.images, images), (&refs.masks, Suggestion::Masks)];
    groups
        .into_iter()
        .flat_map(|(map, s)| {
            map.iter().map(move |((bucket, dir), keys)| (format!("s3://{bucket}/{dir}"), keys.len() as u64, s))
        })
        .map(|(resource, n, s)| at.row(&by, Service::S3, resource, Some(n), s))
        .collect()
}

fn str_at<'v>(v: &'v Value, pointer: &str) -> Option<&'v str> {
    v.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// `s3://bucket/prefix` of an `S3Location`, `s3://bucket/key` of an `OutputS3Object`.
fn s3_at(v: &Value, pointer: &str, leaf: &str) -> Option<String> {
    let bucket = str_at(v, &format!("{pointer}/Bucket"))?;
    Some(format!("s3://{bucket}/{}", str_at(v, &format!("{pointer}/{leaf}")).unwrap_or_default()))
}

/// The rows `project.json` yields (see the module docs), for the project it names.
pub fn project_rows(doc: &Value) -> Vec<Row> {
    let at = Origin {
        account: str_at(doc, "/account").unwrap_or_default(),
        region: str_at(doc, "/region").unwrap_or_default(),
        project: str_at(doc, "/project/ProjectName").unwrap_or_default(),
    };
    let mut rows = Vec::new();
    for m in doc.get("models").and_then(Value::as_array).into_iter().flatten() {
        let d = &m["ModelDescription"];
        let by = format!("model {}", str_at(d, "/ModelVersion").unwrap_or("?"));
        let s3 = [
            ("/OutputConfig/S3Location", "Prefix", None, Suggestion::ModelOutput),
            ("/EvaluationManifest", "Key", Some(1), Suggestion::EvaluationManifest),
            ("/EvaluationResult", "Key", Some(1), Suggestion::EvaluationResult),
        ];
        for (pointer, leaf, objects, s) in s3 {
            if let Some(uri) = s3_at(d, pointer, leaf) {
                rows.push(at.row(&by, Service::S3, uri, objects, s));
            }
        }
        if let Some(key) = str_at(d, "/KmsKeyId") {
            rows.push(at.row(&by, Service::Kms, key.to_string(), None, Suggestion::KmsKey));
        }
    }
    for j in doc.get("packaging_jobs").and_then(Value::as_array).into_iter().flatten() {
        let by = format!("packaging job {}", str_at(j, "/JobName").unwrap_or("?"));
        if let Some(uri) = s3_at(j, "/ModelPackagingConfiguration/Greengrass/S3OutputLocation", "Prefix") {
            rows.push(at.row(&by, Service::S3, uri, None, Suggestion::ComponentArtifacts));
        }
        if let Some(arn) = str_at(j, "/ModelPackagingOutputDetails/Greengrass/ComponentVersionArn") {
            rows.push(at.row(&by, Service::Greengrass, arn.to_string(), Some(1), Suggestion::Component));
        }
    }
    rows
}

/// Order rows by account, region and project, keeping each project's rows in the order they were made.
pub fn sort(rows: &mut [Row]) {
    rows.sort_by(|a, b| (&a.account, &a.region, &a.project).cmp(&(&b.account, &b.region, &b.project)));
}

/// Write `leftovers.csv` atomically and owner-only ([`lfv_fs::write_atomic`]), every cell neutralised.
pub fn write(rows: &[Row], path: &Path) -> Result<()> {
    let bytes = csv_cells::to_csv(&COLUMNS, rows)?;
    lfv_fs::write_atomic(path, &bytes).map_err(|e| Error::io("write", path, e))
}

#[cfg(test)]
mod tests;
