//! Wiring of `leftovers.csv` for `apply` and `export`: which files it is built from and where it goes. Only
//! files the run wrote or reused are read, never a service: each dataset manifest the journal records as
//! exported (`export` records), and each planned project's `project.json` found in the backup directory
//! (`<backup-dir>/<account>/<region>/<project>/project.json`, [`lfv_model::backup_layout`]). Files are opened
//! without following a symlink; one that cannot be read or parsed is left out with a warning, never failing
//! the run. The rows come from
//! `leftovers` (per project: datasets `train` then `test`, then what `project.json` references).

use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::leftovers::{self, Origin, Row};
use crate::exec::journal::JournalState;
use crate::plan::DatasetType;

/// `leftovers.csv` beside the report: the report's name less `.csv` (and a final `.audit`), plus
/// `.leftovers.csv`: `plan.audit.csv` gives `plan.leftovers.csv`, `plan.export.csv` gives
/// `plan.export.leftovers.csv`, `r` gives `r.leftovers.csv`.
pub fn path_for(report: &Path) -> PathBuf {
    let name = report.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.strip_suffix(".csv").unwrap_or(&name);
    let stem = stem.strip_suffix(".audit").unwrap_or(stem);
    report.with_file_name(format!("{stem}.leftovers.csv"))
}

fn open(path: &Path) -> std::io::Result<std::fs::File> {
    lfv_fs::open_no_follow(std::fs::OpenOptions::new().read(true), path)
}

/// The rows for the journal's plan, from the manifests it records and the `project.json` files below
/// `backup_dir`, in `leftovers` order; and a warning per file left out.
pub fn rows(state: &JournalState, backup_dir: &Path) -> (Vec<Row>, Vec<String>) {
    type Key = (String, String, String);
    let mut by_project: BTreeMap<Key, Vec<(DatasetType, PathBuf)>> = BTreeMap::new();
    for item in &state.items {
        let key = (item.account.clone(), item.region.clone(), item.project.clone());
        let manifests = by_project.entry(key).or_default();
        let export = state.by_seq.get(&item.seq).and_then(|s| s.export.as_ref());
        if let (Some(t), Some(e)) = (item.dataset_type(), export) {
            manifests.push((t, e.path.clone()));
        }
    }
    let (mut rows, mut warnings) = (Vec::new(), Vec::new());
    for ((account, region, project), mut manifests) in by_project {
        let at = Origin { account: &account, region: &region, project: &project };
        // `train` then `test`, as the leftovers module orders datasets.
        manifests.sort_by_key(|(t, _)| *t != DatasetType::Train);
        for (t, path) in manifests {
            match open(&path).and_then(|f| leftovers::scan_manifest(BufReader::new(f))) {
                Ok(refs) => rows.extend(leftovers::dataset_rows(at, t.as_str(), &refs)),
                Err(e) => warnings.push(format!("leftovers: left out manifest {}: {e}", path.display())),
            }
        }
        let Ok(file) = lfv_model::backup_layout::project_file(backup_dir, &account, &region, &project) else {
            continue;
        };
        let mut bytes = Vec::new();
        match open(&file).and_then(|mut f| f.read_to_end(&mut bytes)) {
            Ok(_) => match serde_json::from_slice(&bytes) {
                Ok(doc) => rows.extend(leftovers::project_rows(&doc)),
                Err(e) => warnings.push(format!("leftovers: left out {}: {e}", file.display())),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => warnings.push(format!("leftovers: left out {}: {e}", file.display())),
        }
    }
    leftovers::sort(&mut rows);
    (rows, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_go_beside_the_report() {
        let cases = [
            ("dir/plan.audit.csv", "dir/plan.leftovers.csv"),
            ("dir/plan.dry-run.audit.csv", "dir/plan.dry-run.leftovers.csv"),
            ("plan.export.csv", "plan.export.leftovers.csv"),
            ("out/r.csv", "out/r.leftovers.csv"),
            ("r", "r.leftovers.csv"),
        ];
        for (report, want) in cases {
            assert_eq!(path_for(Path::new(report)), Path::new(want), "{report}");
        }
    }
}
