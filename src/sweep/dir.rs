//! `sweep`'s directory: its file names, the check that it is a real directory (never a symlink) made
//! owner-only, and `sweep.json`, written before anything else so that the plan id, and so every client
//! token, is fixed from the first call; a rerun in the same directory resumes only with the same selection
//! ([`mismatch`] names what differs). Nothing here calls the service.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cli::TargetArgs;
use crate::error::{Error, Result};
use crate::plan::Selection;

/// Format of `sweep.json`.
pub const FORMAT: &str = "lfv-sunset-sweep/1";

/// The files a sweep keeps in its directory.
#[derive(Debug, Clone)]
pub struct SweepPaths {
    /// `sweep.json`: plan id, creation time and selection, written first.
    pub manifest: PathBuf,
    /// `plan.json`: the sealed plan, written when enumeration ends.
    pub plan: PathBuf,
    /// `journal.jsonl`: the checkpoint journal (and `journal.jsonl.lock`).
    pub journal: PathBuf,
    /// `audit.csv`: the CSV report.
    pub report: PathBuf,
    /// `summary.json`: the run's summary with the exit code.
    pub summary: PathBuf,
    /// `leftovers.csv`: what the account still owns outside Lookout for Vision (see `report::leftovers`).
    pub leftovers: PathBuf,
    /// `backup/`: the backups, unless `--backup-dir` names another place.
    pub backup: PathBuf,
}

impl SweepPaths {
    /// The files of `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            manifest: dir.join("sweep.json"),
            plan: dir.join("plan.json"),
            journal: dir.join("journal.jsonl"),
            report: dir.join("audit.csv"),
            summary: dir.join("summary.json"),
            leftovers: dir.join("leftovers.csv"),
            backup: dir.join("backup"),
        }
    }
}

/// What `sweep.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// [`FORMAT`].
    pub format: String,
    /// The plan id every client token derives from.
    pub plan_id: String,
    /// The sealed plan's `created_at`.
    pub created_at: DateTime<Utc>,
    /// The selection flags as given.
    pub selection: Selection,
    /// The flags of accounts, roles and shard as given (`--accounts`, `--organization`, `--exclude-account`,
    /// `--role-name`, `--role-arn-template`, `--shard`, `--allow-unreachable`; never the external id).
    pub targets: serde_json::Value,
}

/// The flags of [`TargetArgs`] a resumed sweep must repeat, as recorded in `sweep.json`.
pub fn target_flags(t: &TargetArgs) -> serde_json::Value {
    serde_json::json!({
        "accounts": t.accounts, "organization": t.organization, "exclude_accounts": t.exclude_accounts,
        "role_name": t.role_name, "role_arn_template": t.role_arn_template,
        "shard": t.shard.map(|s| format!("{}/{}", s.index, s.count)), "allow_unreachable": t.allow_unreachable,
    })
}

/// Make `dir` (owner-only, 0700) or accept an existing directory; refuse a symlink or a non-directory.
pub fn prepare(dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => {
            Err(Error::Usage(format!("--dir {}: is a symbolic link; pass the real directory", dir.display())))
        }
        Ok(m) if !m.is_dir() => Err(Error::Usage(format!("--dir {}: exists and is not a directory", dir.display()))),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            lfv_fs::create_dir_private(dir).map_err(|e| Error::io("create --dir", dir, e))
        }
        Err(e) => Err(Error::io("inspect --dir", dir, e)),
    }
}

/// The fields (as named in `sweep.json`) whose values differ between `recorded` and `now` (two JSON objects),
/// each as `field (recorded X, now Y)`; empty when the two select the same thing.
pub fn mismatch(recorded: &serde_json::Value, now: &serde_json::Value) -> Vec<String> {
    let (Some(a), Some(b)) = (recorded.as_object(), now.as_object()) else { return vec!["selection".into()] };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let null = serde_json::Value::Null;
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (a.get(k).unwrap_or(&null), b.get(k).unwrap_or(&null));
            (x != y).then(|| format!("{k} (recorded {x}, now {y})"))
        })
        .collect()
}

/// The `sweep.json` of `dir`, if it holds one (read without following a link, its format checked). Refuses a
/// directory holding a sweep's other files but no `sweep.json`.
pub fn existing(paths: &SweepPaths, dir: &Path) -> Result<Option<SweepFile>> {
    let name = |p: &Path| p.display().to_string();
    match std::fs::symlink_metadata(&paths.manifest) {
        Ok(_) => {
            let mut text = String::new();
            let mut f = lfv_fs::open_no_follow(std::fs::OpenOptions::new().read(true), &paths.manifest)
                .map_err(|e| Error::io("open", &paths.manifest, e))?;
            std::io::Read::read_to_string(&mut f, &mut text).map_err(|e| Error::io("read", &paths.manifest, e))?;
            let file: SweepFile = serde_json::from_str(&text)
                .map_err(|e| Error::Usage(format!("{}: not a sweep file: {e}", name(&paths.manifest))))?;
            if file.format != FORMAT {
                return Err(Error::Usage(format!(
                    "{}: unsupported format {:?}; expected {FORMAT:?}",
                    name(&paths.manifest),
                    file.format
                )));
            }
            Ok(Some(file))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            for p in [&paths.plan, &paths.journal, &paths.summary, &paths.report] {
                if std::fs::symlink_metadata(p).is_ok() {
                    return Err(Error::Usage(format!(
                        "--dir {} holds {} but no sweep.json: not a sweep's directory; pass another --dir",
                        dir.display(),
                        name(p)
                    )));
                }
            }
            Ok(None)
        }
        Err(e) => Err(Error::io("inspect", &paths.manifest, e)),
    }
}

/// The plan id of the sweep in `dir`: the recorded one when resuming, else a new one (not yet written).
pub fn plan_id(found: &Option<SweepFile>) -> String {
    found.as_ref().map_or_else(crate::planner::new_plan_id, |f| f.plan_id.clone())
}

/// The sweep `found` by [`existing`] when it has the same selection (resumed: `true`), or a new `sweep.json`
/// with `plan_id` when there was none. Refuses another sweep's directory, naming what differs.
pub fn load_or_create(
    paths: &SweepPaths,
    dir: &Path,
    found: Option<SweepFile>,
    plan_id: &str,
    selection: &Selection,
    targets: &TargetArgs,
) -> Result<(SweepFile, bool)> {
    let targets = target_flags(targets);
    if let Some(file) = found {
        let json = |s: &Selection| serde_json::to_value(s).expect("json");
        let mut differs = mismatch(&json(&file.selection), &json(selection));
        differs.extend(mismatch(&file.targets, &targets));
        if !differs.is_empty() {
            return Err(Error::Usage(format!(
                "--dir {} holds sweep {} of another selection: {}; rerun with the same flags to resume it, or pass \
                 another --dir",
                dir.display(),
                file.plan_id,
                differs.join("; ")
            )));
        }
        return Ok((file, true));
    }
    let file = SweepFile {
        format: FORMAT.into(),
        plan_id: plan_id.to_string(),
        created_at: Utc::now(),
        selection: selection.clone(),
        targets,
    };
    let mut bytes = serde_json::to_vec_pretty(&file).expect("json");
    bytes.push(b'\n');
    lfv_fs::write_atomic(&paths.manifest, &bytes).map_err(|e| Error::io("write", &paths.manifest, e))?;
    Ok((file, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel() -> Selection {
        Selection { regions: vec!["us-east-1".into()], dataset_type: "both".into(), ..Selection::default() }
    }

    #[test]
    fn mismatch_names_each_field_that_differs() {
        let cases: Vec<(&str, Selection, Vec<&str>)> = vec![
            ("same", sel(), vec![]),
            ("include", Selection { include: vec!["a*".into()], ..sel() }, vec!["include"]),
            (
                "region and type",
                Selection { regions: vec!["eu-west-1".into()], dataset_type: "train".into(), ..sel() },
                vec!["dataset_type", "regions"],
            ),
            ("endpoint", Selection { endpoint_url: Some("http://127.0.0.1:1".into()), ..sel() }, vec!["endpoint_url"]),
        ];
        let json = |s: &Selection| serde_json::to_value(s).unwrap();
        for (case, now, want) in cases {
            let got = mismatch(&json(&sel()), &json(&now));
            let fields: Vec<&str> = got.iter().map(|m| m.split(' ').next().unwrap()).collect();
            assert_eq!(fields, want, "{case}: {got:?}");
        }
        let got = mismatch(&json(&sel()), &json(&Selection { include: vec!["a*".into()], ..sel() }));
        assert_eq!(got, vec![r#"include (recorded [], now ["a*"])"#.to_string()]);
        let flags = |shard: &str| serde_json::json!({"organization": true, "shard": shard});
        assert_eq!(mismatch(&flags("0/2"), &flags("1/2")), vec![r#"shard (recorded "0/2", now "1/2")"#.to_string()]);
    }

    #[test]
    fn a_symlink_or_a_file_is_refused_as_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let file = tmp.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(prepare(&link).unwrap_err().to_string().contains("symbolic link"));
        assert!(prepare(&file).unwrap_err().to_string().contains("not a directory"));
        let new = tmp.path().join("new");
        prepare(&new).unwrap();
        assert_eq!(lfv_fs::mode_of(&new).unwrap() & 0o777, 0o700);
        prepare(&real).unwrap();
    }
}
