//! Reading the backup tree (read-only): `<account>/<region>/<project>/<type>.manifest.jsonl` as `apply` and
//! `export` write it ([`lfv_model::backup_layout`]), into the list of entries to convert, each with its
//! placement already decided.
//!
//! Symlinks in the tree are skipped (a note says so). An account that is not 12 digits, a region that is not
//! `[a-z0-9-]` or a project that is not a Lookout for Vision project name (`[a-zA-Z0-9][a-zA-Z0-9_-]*`,
//! 1-255) cannot name an output directory: its entries are all refused. The output directory of a project is
//! `OUT_DIR/<project>`, or `OUT_DIR/<project>@<account>-<region>` for every copy of a project name that the
//! tree holds under more than one account or region (CHOICE: never merge two projects).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::layout::{Layout, Placement, ToPlace, place_all};
use super::manifest::{Entry, EntryError, parse_entry};
use lfv_fs::names;
use lfv_model::backup_layout;

/// Manifest types in the order they are converted.
pub const DATASET_TYPES: [&str; 2] = ["train", "test"];

/// One project directory of the backup tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Account directory name.
    pub account: String,
    /// Region directory name.
    pub region: String,
    /// Project directory name.
    pub project: String,
    /// The directory.
    pub dir: PathBuf,
    /// Output directory name under OUT_DIR (set by `discover::sources`).
    pub out_name: String,
    /// Why this project cannot be converted, if it cannot.
    pub problem: Option<String>,
}

/// One manifest line to convert, or the reason it cannot be.
#[derive(Debug, Clone)]
pub struct Item {
    /// Index into the sources.
    pub source: usize,
    /// `train` or `test`.
    pub dataset_type: &'static str,
    /// 1-based line number in the manifest.
    pub line: u64,
    /// The raw `source-ref` if one could be read (for the report).
    pub source_uri: String,
    /// The entry and its placement, or why not.
    pub plan: Result<(Entry, Placement), EntryError>,
}

fn problem_of(account: &str, region: &str, project: &str) -> Option<String> {
    if !names::is_account(account) {
        return Some(format!("account directory {account:?} is not a 12-digit account id"));
    }
    // Looser than `names::is_region` on purpose: a tree convert reads may come from elsewhere, and a region
    // directory need only be a safe path component to name an output.
    if region.is_empty()
        || region.len() > names::MAX_REGION_LEN
        || !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some(format!("region directory {region:?} is not a region name"));
    }
    (!names::is_project(project)).then(|| format!("project directory {project:?} is not a valid project name"))
}

/// Subdirectories of `dir`, sorted, symlinks and files left out (symlinks reported in `notes`).
fn subdirs(dir: &Path, notes: &mut Vec<String>) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let ft = e.file_type()?;
        let name = e.file_name().to_string_lossy().into_owned();
        if ft.is_symlink() {
            notes.push(format!("skipped symlink {} in the backup tree", e.path().display()));
        } else if ft.is_dir() {
            out.push((name, e.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Every project directory under `from` whose name `keep` accepts.
pub fn sources(from: &Path, keep: &dyn Fn(&str) -> bool, notes: &mut Vec<String>) -> std::io::Result<Vec<Source>> {
    let mut out = Vec::new();
    for (account, adir) in subdirs(from, notes)? {
        for (region, rdir) in subdirs(&adir, notes)? {
            for (project, pdir) in subdirs(&rdir, notes)? {
                if keep(&project) {
                    let problem = problem_of(&account, &region, &project);
                    out.push(Source {
                        account: account.clone(),
                        region: region.clone(),
                        out_name: project.clone(),
                        project,
                        dir: pdir,
                        problem,
                    });
                }
            }
        }
    }
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for s in &out {
        *count.entry(s.project.clone()).or_default() += 1;
    }
    for s in &mut out {
        if count[&s.project] > 1 {
            s.out_name = format!("{}@{}-{}", s.project, s.account, s.region);
        }
    }
    Ok(out)
}

/// The manifest of one dataset type in a project directory, if it is a regular file.
pub fn manifest_path(dir: &Path, dataset_type: &str) -> Option<PathBuf> {
    let p = dir.join(backup_layout::manifest_name(dataset_type));
    std::fs::symlink_metadata(&p).ok().filter(|m| m.is_file()).map(|_| p)
}

/// The items of one project, placed with `layout` (train lines first, then test). A placement whose paths
/// would not be plain relative paths (never, by the naming rules; checked all the same) is refused.
pub fn items(index: usize, source: &Source, layout: Layout, manifests: &[(&'static str, String)]) -> Vec<Item> {
    let mut lines = Vec::new();
    for (dataset_type, text) in manifests {
        for (i, line) in text.lines().enumerate() {
            let source_uri = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v.get("source-ref").and_then(|s| s.as_str()).map(str::to_string))
                .unwrap_or_default();
            let entry = match &source.problem {
                Some(p) => Err(EntryError::UnsafeKey(p.clone())),
                None => parse_entry(line),
            };
            lines.push((*dataset_type, i as u64 + 1, source_uri, entry));
        }
    }
    let to_place: Vec<ToPlace<'_>> =
        lines.iter().filter_map(|(t, n, _, e)| e.as_ref().ok().map(|e| (*t, *n, e))).collect();
    let mut placements = place_all(layout, &source.out_name, &to_place).into_iter();
    let mut out = Vec::with_capacity(lines.len());
    for (dataset_type, line, source_uri, entry) in lines {
        let plan = entry.and_then(|e| {
            let p = placements.next().expect("one placement per parsed entry");
            check_placement(&p).map(|()| (e, p))
        });
        out.push(Item { source: index, dataset_type, line, source_uri, plan });
    }
    out
}

/// Every path of a placement is relative, of plain segments of `[A-Za-z0-9._@-]` (`@` from a project's
/// `<project>@<account>-<region>` directory).
fn check_placement(p: &Placement) -> Result<(), EntryError> {
    let paths = [Some(p.image("png")), p.mask.clone()];
    for path in paths.iter().flatten() {
        let plain = path.split('/').all(|s| s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b)));
        if !plain || super::safe_fs::check_rel(path).is_err() {
            return Err(EntryError::UnsafeKey(format!("output path {path:?} is not a plain relative path")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_cannot_be_directories_are_problems() {
        assert_eq!(problem_of("123456789012", "us-east-1", "pcb-1_a"), None);
        for (a, r, p) in [
            ("12345678901", "us-east-1", "p"),
            ("123456789012", "US", "p"),
            ("123456789012", "us-east-1", "..evil"),
            ("123456789012", "us-east-1", "-x"),
            ("123456789012", "us-east-1", "a b"),
        ] {
            assert!(problem_of(a, r, p).is_some(), "{a} {r} {p}");
        }
    }
}
