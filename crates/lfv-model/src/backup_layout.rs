//! The backup tree's layout: which directories and file names a backup holds, in one place for the code that
//! writes it (`apply`'s and `export`'s manifests, `project.json`), reads it (`leftovers.csv`, `convert`) and
//! checks it before a run. Pure path arithmetic: nothing here creates, opens or lists a file.
//!
//! ```text
//! <backup-dir>/<account>/<region>/<project>/
//!     <dataset_type>.manifest.jsonl             one per dataset (train, test), ListDatasetEntries verbatim
//!     .<dataset_type>.manifest.jsonl.partial    the same while it is written, renamed once verified
//!     project.json                              the project's record (teardown plans)
//! ```
//!
//! The names are checked before they become a path ([`lfv_fs::names`]: a 12-digit account, an AWS region,
//! the service's ProjectName pattern, `train`/`test`), so no path built here leaves the backup directory;
//! an error is the check's message, naming the first bad field.

use std::path::{Path, PathBuf};

use lfv_fs::names;

/// The project record's file name inside a project's directory.
pub const PROJECT_FILE: &str = "project.json";

/// What follows the dataset type in a manifest's file name.
pub const MANIFEST_SUFFIX: &str = ".manifest.jsonl";

/// A dataset manifest's file name: `<dataset_type>.manifest.jsonl` (the type is not checked here).
pub fn manifest_name(dataset_type: &str) -> String {
    format!("{dataset_type}{MANIFEST_SUFFIX}")
}

/// The name a manifest is written under before it is verified: `.<dataset_type>.manifest.jsonl.partial`.
pub fn partial_name(dataset_type: &str) -> String {
    format!(".{dataset_type}{MANIFEST_SUFFIX}.partial")
}

/// The directories from the backup directory down to a project's, in order: `[account, region, project]`
/// (not checked here; [`project_dir`] checks them).
pub fn project_components<'a>(account: &'a str, region: &'a str, project: &'a str) -> [&'a str; 3] {
    [account, region, project]
}

/// `<root>/<account>/<region>/<project>`, once the three names are checked
/// ([`names::check_project_names`]).
pub fn project_dir(root: &Path, account: &str, region: &str, project: &str) -> Result<PathBuf, String> {
    names::check_project_names(account, region, project)?;
    Ok(join(root, account, region, project))
}

/// `<root>/<account>/<region>/<project>`, the names already checked.
fn join(root: &Path, account: &str, region: &str, project: &str) -> PathBuf {
    let mut dir = root.to_path_buf();
    dir.extend(project_components(account, region, project));
    dir
}

/// `<root>/<account>/<region>/<project>/project.json`, once the three names are checked.
pub fn project_file(root: &Path, account: &str, region: &str, project: &str) -> Result<PathBuf, String> {
    Ok(project_dir(root, account, region, project)?.join(PROJECT_FILE))
}

/// `<root>/<account>/<region>/<project>/<dataset_type>.manifest.jsonl`, once the four names are checked
/// ([`names::check_backup_names`]).
pub fn manifest_path(
    root: &Path,
    account: &str,
    region: &str,
    project: &str,
    dataset_type: &str,
) -> Result<PathBuf, String> {
    names::check_backup_names(account, region, project, dataset_type)?;
    Ok(join(root, account, region, project).join(manifest_name(dataset_type)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "111122223333";

    #[test]
    fn paths_of_the_tree() {
        let root = Path::new("plan.backup");
        assert_eq!(manifest_name("train"), "train.manifest.jsonl");
        assert_eq!(partial_name("test"), ".test.manifest.jsonl.partial");
        assert_eq!(
            manifest_path(root, A, "us-east-1", "pcb", "test").unwrap(),
            Path::new("plan.backup/111122223333/us-east-1/pcb/test.manifest.jsonl")
        );
        assert_eq!(
            project_file(root, A, "eu-west-1", "cap_1").unwrap(),
            Path::new("plan.backup/111122223333/eu-west-1/cap_1/project.json")
        );
        assert_eq!(
            project_dir(Path::new("/b"), A, "us-gov-west-1", "p").unwrap(),
            Path::new("/b/111122223333/us-gov-west-1/p")
        );
    }

    #[test]
    fn names_are_checked_before_they_become_a_path() {
        let root = Path::new("b");
        let bad = [
            ("1111", "us-east-1", "p", "train", "account"),
            (A, "../x", "p", "train", "region"),
            (A, "us-east-1", "..", "train", "project"),
            (A, "us-east-1", "p", "../x", "dataset_type"),
        ];
        for (a, r, p, t, field) in bad {
            let e = manifest_path(root, a, r, p, t).unwrap_err();
            assert_eq!(e, names::check_backup_names(a, r, p, t).unwrap_err());
            assert!(e.starts_with(field), "{e}");
            if field != "dataset_type" {
                assert_eq!(project_file(root, a, r, p).unwrap_err(), e);
            }
        }
    }
}
