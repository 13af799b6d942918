//! `project.json` on disk: its path, the verified write, and the reuse check for resume.
//!
//! Path: `<backup-dir>/<account>/<region>/<project>/project.json`, beside the dataset manifests. The three names
//! are checked before they become a path (12-digit account, AWS region, the service's ProjectName pattern:
//! [`lfv_fs::names`]); the directories are created one at a time, 0700, refusing a symlink below the
//! backup directory ([`lfv_fs::dir_below`]); the file is written by [`lfv_fs::write_atomic`] (a fresh 0600
//! temporary file, never through a symlink, renamed into place), then read back without following a symlink
//! and verified: the bytes on disk hash to what was written, parse as JSON, and equal the document. The bytes
//! are the document as pretty JSON plus one newline.

use std::io::Read;
use std::path::{Path, PathBuf};

use lfv_model::{backup_layout, sha256};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The file name inside the project's backup directory ([`backup_layout::PROJECT_FILE`]).
pub const FILE_NAME: &str = backup_layout::PROJECT_FILE;

/// A verified `project.json`, as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preserved {
    /// Where it is.
    pub path: PathBuf,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// How many model versions it holds.
    pub models: usize,
    /// How many packaging jobs it holds.
    pub packaging_jobs: usize,
}

/// `<dir>/<account>/<region>/<project>/project.json`, once the three names are checked
/// ([`backup_layout::project_file`]).
pub fn path(dir: &Path, account: &str, region: &str, project: &str) -> Result<PathBuf, String> {
    backup_layout::project_file(dir, account, region, project)
}

/// The bytes written for a document: pretty JSON and one newline.
pub fn to_bytes(doc: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(doc).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Read a file without following a symlink at its name.
fn read_no_follow(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = lfv_fs::open_no_follow(std::fs::OpenOptions::new().read(true), path)?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn count(doc: &Value, key: &str) -> usize {
    doc.get(key).and_then(Value::as_array).map_or(0, Vec::len)
}

/// Write `doc` (built by [`super::build`]) as the project's `project.json` below `dir`, then verify it (see the
/// module docs). Errors are lowercase fragments naming the path: `failed to write project.json PATH: ...`.
pub fn write(dir: &Path, account: &str, region: &str, project: &str, doc: &Value) -> Result<Preserved, String> {
    if doc.pointer("/project/ProjectName").and_then(Value::as_str) != Some(project) {
        return Err(format!("project.json for {account}/{region}/{project}: the document is for another project"));
    }
    let file = path(dir, account, region, project).map_err(|e| format!("project.json for {region}/{project}: {e}"))?;
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("failed to {what} project.json {}: {e}", file.display());
    lfv_fs::dir_below(dir, &backup_layout::project_components(account, region, project))
        .map_err(|e| fail("create the directory of", &e))?;
    let bytes = to_bytes(doc);
    lfv_fs::write_atomic(&file, &bytes).map_err(|e| fail("write", &e))?;
    let sha256 = sha256::hex(&bytes);
    let back = read_no_follow(&file).map_err(|e| fail("read back", &e))?;
    if sha256::hex(&back) != sha256 {
        return Err(fail("verify", &"the bytes on disk differ from those written"));
    }
    match serde_json::from_slice::<Value>(&back) {
        Ok(v) if v == *doc => {}
        Ok(_) => return Err(fail("verify", &"it does not read back as the document written")),
        Err(e) => return Err(fail("verify", &e)),
    }
    Ok(Preserved {
        path: file,
        sha256,
        bytes: back.len() as u64,
        models: count(doc, "models"),
        packaging_jobs: count(doc, "packaging_jobs"),
    })
}

/// True if a previous run's verified `project.json` is still on disk unchanged (its SHA-256 matches, read
/// without following a symlink), so a resume reuses it instead of collecting again.
pub fn still_valid(rec: &Preserved) -> bool {
    read_no_follow(&rec.path).is_ok_and(|b| sha256::hex(&b) == rec.sha256)
}

/// Read a `project.json` back (for leftovers on resume, and for `export`): the document, if the file's SHA-256
/// is `rec.sha256`.
pub fn read(rec: &Preserved) -> Result<Value, String> {
    let bytes = read_no_follow(&rec.path).map_err(|e| format!("failed to read {}: {e}", rec.path.display()))?;
    if sha256::hex(&bytes) != rec.sha256 {
        return Err(format!("{} changed since it was verified (sha256 differs)", rec.path.display()));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("failed to parse {}: {e}", rec.path.display()))
}

#[cfg(test)]
mod tests;
