//! What `convert` writes besides the images: `convert.csv` (one row per manifest line), each project's
//! `manifest.csv` (every output file back to its manifest line) and `README.txt`, and the JSON summary.

use serde::Serialize;

use super::layout::Layout;
use super::loader::{Facts, Loader};
use super::manifest::Label;

/// How one manifest line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Fetched, verified and written in this run.
    Converted,
    /// Written and verified by an earlier run (its files' SHA-256 still match the journal).
    AlreadyConverted,
    /// The image or mask could not be fetched, verified or written.
    Failed,
    /// Never fetched: an unsafe key, a malformed line or a project directory that cannot be an output name.
    Refused,
    /// Not attempted: the run was interrupted.
    Cancelled,
}

impl Outcome {
    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Converted => "converted",
            Outcome::AlreadyConverted => "already_converted",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// One row of `convert.csv`. Columns, in order: `project, dataset_type, line, source_uri, destination, label,
/// mask_destination, bytes, sha256, outcome, message` (destinations relative to OUT_DIR; `label` is
/// `normal`, `anomaly`, `unlabeled`, or empty for an unreadable line; `bytes` and `sha256` are the image
/// file's).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Output project directory name.
    pub project: String,
    /// `train` or `test`.
    pub dataset_type: String,
    /// 1-based line in the manifest.
    pub line: u64,
    /// The entry's `source-ref`.
    pub source_uri: String,
    /// Image path relative to OUT_DIR.
    pub destination: String,
    /// Label.
    pub label: String,
    /// Binary mask path relative to OUT_DIR, if any.
    pub mask_destination: String,
    /// Image size in bytes.
    pub bytes: Option<u64>,
    /// Image SHA-256 (hex).
    pub sha256: String,
    /// Outcome.
    pub outcome: &'static str,
    /// Why, for anything but success.
    pub message: String,
}

/// The JSON summary printed on stdout.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Always `lfv-sunset-convert-summary/1`.
    pub format: &'static str,
    /// `folder` or `mvtec`.
    pub layout: &'static str,
    /// Project directories converted.
    pub projects: usize,
    /// Manifest lines seen.
    pub entries: u64,
    /// Converted in this run.
    pub converted: u64,
    /// Already converted by an earlier run.
    pub already_converted: u64,
    /// Failed.
    pub failed: u64,
    /// Refused.
    pub refused: u64,
    /// Not attempted (interrupted).
    pub cancelled: u64,
    /// Unlabeled entries (their images go to `<project>/unlabeled/`, or `_unlabeled/<project>/` for `mvtec`).
    pub unlabeled: u64,
    /// Labeled entries not converted: the exit code is 3 unless this is 0.
    pub labeled_not_converted: u64,
    /// Binary masks in place.
    pub masks: u64,
    /// Image and mask bytes written in this run.
    pub bytes_written: u64,
    /// GetObject calls throttled (SlowDown).
    pub throttled: u64,
    /// Wall time in seconds.
    pub elapsed_secs: f64,
    /// Projects that the layout's own anomalib datamodule (`Folder`, `MVTecAD`) cannot load as converted,
    /// sorted by project; their `README.txt` says why and what loads them instead.
    pub cannot_load: Vec<CannotLoad>,
}

/// A project the layout's own datamodule cannot load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CannotLoad {
    /// Output project directory name.
    pub project: String,
    /// Why, and what loads it instead (if anything).
    pub reason: String,
    /// Whether the call in its `README.txt` loads it (with another datamodule).
    pub loadable_otherwise: bool,
}

impl Summary {
    /// Count the rows.
    pub fn of(layout: Layout, projects: usize, rows: &[Row]) -> Summary {
        let mut s =
            Summary { format: "lfv-sunset-convert-summary/1", layout: layout.as_str(), projects, ..Summary::default() };
        for r in rows {
            s.entries += 1;
            match r.outcome {
                "converted" => s.converted += 1,
                "already_converted" => s.already_converted += 1,
                "failed" => s.failed += 1,
                "refused" => s.refused += 1,
                _ => s.cancelled += 1,
            }
            let done = matches!(r.outcome, "converted" | "already_converted");
            if r.label == Label::Unlabeled.as_str() {
                s.unlabeled += 1;
            } else if !done {
                s.labeled_not_converted += 1;
            }
            if done && !r.mask_destination.is_empty() {
                s.masks += 1;
            }
        }
        s
    }
}

/// `convert.csv` as bytes.
pub fn csv_bytes(rows: &[Row]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|e| format!("convert.csv: {e}"))?;
    }
    w.into_inner().map_err(|e| format!("convert.csv: {e}"))
}

/// A project's `manifest.csv`: `output_path,kind,source_manifest,line,source_uri,label` for every output
/// file (paths relative to the project directory, `../_unlabeled/<project>/...` for the MVTec layout's
/// unlabeled images; kind `image` or `mask`).
pub fn manifest_csv(
    project_prefix: &str,
    rows: &[&Row],
    manifest_of: &dyn Fn(&str) -> String,
) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| format!("manifest.csv: {e}");
    w.write_record(["output_path", "kind", "source_manifest", "line", "source_uri", "label"]).map_err(err)?;
    for r in rows.iter().filter(|r| matches!(r.outcome, "converted" | "already_converted")) {
        let rel = |p: &str| p.strip_prefix(project_prefix).map_or_else(|| format!("../{p}"), str::to_string);
        let manifest = manifest_of(&r.dataset_type);
        let line = r.line.to_string();
        w.write_record([rel(&r.destination).as_str(), "image", &manifest, &line, &r.source_uri, &r.label])
            .map_err(err)?;
        if !r.mask_destination.is_empty() {
            let m = rel(&r.mask_destination);
            w.write_record([m.as_str(), "mask", &manifest, &line, &r.source_uri, &r.label]).map_err(err)?;
        }
    }
    w.into_inner().map_err(|e| format!("manifest.csv: {e}"))
}

fn parent(path: &str) -> String {
    path.rsplit_once('/').map_or("", |(d, _)| d).to_string()
}

/// What was written for one project (for [`super::loader`]): rows' paths are relative to OUT_DIR, `prefix` is
/// `<project>/`; rows that were not converted and unlabeled entries are left out.
pub fn load_facts(prefix: &str, rows: &[&Row]) -> Facts {
    let mut f = Facts::default();
    for r in rows.iter().filter(|r| matches!(r.outcome, "converted" | "already_converted")) {
        let Some(image) = r.destination.strip_prefix(prefix) else { continue };
        if r.label == Label::Normal.as_str() {
            f.normal_dirs.insert(parent(image));
        } else if r.label == Label::Anomaly.as_str() {
            f.anomalies += 1;
            f.anomaly_dirs.insert(parent(image));
            if let Some(m) = r.mask_destination.strip_prefix(prefix) {
                f.masked += 1;
                f.mask_dirs.insert(parent(m));
            }
        }
    }
    f
}

/// A project's `README.txt`: the source, the layout's mapping and how anomalib loads it ([`Loader`]).
pub fn readme(layout: Layout, source: &str, manifests: &[String], loader: &Loader) -> String {
    let mapping = match layout {
        Layout::Folder => {
            "Layout: folder (anomalib's Folder datamodule).\n\
             - good/         train entries with anomaly-label 0 (normal)\n\
             - defect/       train entries with anomaly-label 1 (anomaly)\n\
             - mask/         binary mask of each defect/ image with a mask, same file stem, PNG\n\
             - test_good/, test_defect/, test_mask/   the same for the test dataset\n\
             - unlabeled/    entries without anomaly-label (not used for training)\n\
             Images keep their bytes; the extension (.png, .jpg) is their content's.\n"
        }
        Layout::Mvtec => {
            "Layout: mvtec (MVTec AD).\n\
             - train/good/NNN.png                  train entries with anomaly-label 0 (normal)\n\
             - test/good/NNN.png                   test entries with anomaly-label 0\n\
             - test/<class>/NNN.png                anomalies (train and test); <class> is the colour map's one\n\
             \x20                                     class, 'combined' for several, else the label's class-name\n\
             - ground_truth/<class>/NNN_mask.png   binary mask of test/<class>/NNN.png\n\
             - ../_unlabeled/<project>/NNN.png     entries without anomaly-label (outside this category folder,\n\
             \x20                                     which MVTecAD reads whole)\n\
             Names are sequential per folder in manifest order (train, then test); every image is PNG\n\
             (JPEG images converted).\n"
        }
    };
    let load = match (&loader.call, &loader.cannot) {
        (Some(call), None) => format!("Load it with anomalib (2.x) as converted:\n\n```python\n{call}```\n"),
        (Some(call), Some(why)) => {
            format!("{why}.\nLoad it with anomalib (2.x) as converted:\n\n```python\n{call}```\n")
        }
        (None, Some(why)) => format!("{why}.\n"),
        (None, None) => String::new(),
    };
    format!(
        "Converted by lfv-sunset convert from the Amazon Lookout for Vision project backup\n{source}\n\
         Manifests (SHA-256):\n{}\n\n{mapping}\n{load}\n\
         Binary masks: 255 where the colour mask pixel has one of the entry's anomaly colours\n\
         (anomaly-mask-ref-metadata.internal-color-map, every class but BACKGROUND), 0 elsewhere.\n\
         manifest.csv maps every file here back to its manifest line.\n",
        manifests.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, outcome: &'static str, mask: &str) -> Row {
        Row {
            project: "p".into(),
            dataset_type: "train".into(),
            line: 1,
            source_uri: "s3://b/k".into(),
            destination: "p/good/k.png".into(),
            label: label.into(),
            mask_destination: mask.into(),
            bytes: Some(1),
            sha256: String::new(),
            outcome,
            message: String::new(),
        }
    }

    #[test]
    fn only_labeled_entries_not_converted_fail_the_run() {
        let rows = [
            row("normal", "converted", ""),
            row("anomaly", "already_converted", "p/mask/k.png"),
            row("unlabeled", "failed", ""),
        ];
        let s = Summary::of(Layout::Folder, 1, &rows);
        assert_eq!((s.labeled_not_converted, s.masks, s.unlabeled, s.failed), (0, 1, 1, 1));
        let s = Summary::of(Layout::Folder, 1, &[row("anomaly", "failed", "p/mask/k.png"), row("", "refused", "")]);
        assert_eq!((s.labeled_not_converted, s.masks, s.refused), (2, 0, 1));
        let csv = String::from_utf8(csv_bytes(&rows).unwrap()).unwrap();
        assert!(csv.starts_with(
            "project,dataset_type,line,source_uri,destination,label,mask_destination,bytes,sha256,outcome,message\n"
        ));
    }

    #[test]
    fn load_facts_count_only_what_was_written() {
        let mut rows = [
            row("normal", "converted", ""),
            row("anomaly", "already_converted", "p/mask/k.png"),
            row("anomaly", "converted", ""),
            row("anomaly", "failed", "p/test_mask/x.png"),
            row("unlabeled", "converted", ""),
        ];
        rows[1].destination = "p/defect/k.png".into();
        rows[2].destination = "p/test_defect/j.jpg".into();
        rows[3].destination = "p/test_defect/x.png".into();
        rows[4].destination = "p/unlabeled/u.png".into();
        let refs: Vec<&Row> = rows.iter().collect();
        let f = load_facts("p/", &refs);
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<std::collections::BTreeSet<_>>();
        assert_eq!(f.normal_dirs, set(&["good"]));
        assert_eq!(f.anomaly_dirs, set(&["defect", "test_defect"]));
        assert_eq!(f.mask_dirs, set(&["mask"]));
        assert_eq!((f.anomalies, f.masked), (2, 1));
    }
}
