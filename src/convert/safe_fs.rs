//! Writing under OUT_DIR without ever leaving it: every relative path is checked segment by segment, no
//! symlink is followed (a directory or file that is a symlink is refused), directories are created `0700`
//! and files `0600` (owner-only: the images are the customer's data), and each file is written to a
//! `.<name>.tmp-<pid>-<n>` sibling opened with `O_EXCL` and renamed over its final name, so a crash never
//! leaves a partial file under a final name. Also the resume journal (`.lfv-convert-journal.jsonl`).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// File name of the resume journal in OUT_DIR.
pub const JOURNAL: &str = ".lfv-convert-journal.jsonl";

fn refuse(what: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, what)
}

/// `Ok` if `rel` is a relative `/`-separated path of plain segments (no empty, `.`, `..`, backslash, NUL).
pub fn check_rel(rel: &str) -> std::io::Result<()> {
    if rel.is_empty() || rel.starts_with('/') {
        return Err(refuse(format!("{rel:?} is not a relative path")));
    }
    for seg in rel.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." || seg.contains(['\\', '\0']) {
            return Err(refuse(format!("{rel:?} has an unsafe segment {seg:?}")));
        }
    }
    Ok(())
}

/// `path` made absolute with symlinks resolved in the part that exists (the rest appended as given).
pub fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let abs = std::path::absolute(path)?;
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(p), Some(n)) => {
                rest.push(n.to_os_string());
                existing = p;
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize()?;
    out.extend(rest.into_iter().rev());
    Ok(out)
}

/// Create OUT_DIR (`0700`, parents as needed) unless it exists; it must be a directory.
pub fn ensure_out(out: &Path) -> Result<(), crate::error::Error> {
    let err = |e| crate::error::Error::io("create", out, e);
    if !out.exists() {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        match lfv_fs::create_dir_private(out) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(err(e)),
            _ => {}
        }
    }
    if !out.is_dir() {
        return Err(crate::error::Error::Usage(format!("--to {} is not a directory", out.display())));
    }
    Ok(())
}

/// Make `root/rel` a directory, creating missing segments `0700`; refuse a segment that is a symlink or not
/// a directory ([`lfv_fs::dir_below`]).
pub fn ensure_dir(root: &Path, rel: &str) -> std::io::Result<PathBuf> {
    check_rel(rel)?;
    lfv_fs::dir_below(root, &rel.split('/').collect::<Vec<_>>())
}

/// Write `bytes` to `root/rel` atomically and owner-only ([`lfv_fs::write_atomic`]), every directory
/// below `root` checked by [`ensure_dir`]; a symlink or non-file at the final name is refused.
pub fn write_atomic(root: &Path, rel: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    check_rel(rel)?;
    let (dir, name) = rel.rsplit_once('/').map_or(("", rel), |(d, n)| (d, n));
    let parent = if dir.is_empty() { root.to_path_buf() } else { ensure_dir(root, dir)? };
    let target = parent.join(name);
    if let Ok(m) = std::fs::symlink_metadata(&target)
        && !m.is_file()
    {
        return Err(refuse(format!("{} exists and is a symlink or not a file", target.display())));
    }
    lfv_fs::write_atomic(&target, bytes)?;
    Ok(target)
}

/// Remove the temporary files (`.<name>.tmp-<pid>-<n>`) a killed run left under `root/rel`, without following
/// symlinks; returns how many were removed.
pub fn remove_stale_temps(root: &Path, rel: &str) -> usize {
    let mut removed = 0;
    let mut stack = vec![root.join(rel)];
    // Bounded: a project directory holds a few levels of directories.
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            let name = e.file_name().to_string_lossy().into_owned();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file()
                && name.starts_with('.')
                && name.contains(".tmp-")
                && std::fs::remove_file(e.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// True if `root/rel` is a regular file (not a symlink) whose SHA-256 is `sha256`.
pub fn verified(root: &Path, rel: &str, sha256: &str) -> bool {
    let path = root.join(rel);
    check_rel(rel).is_ok()
        && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file())
        && lfv_model::sha256::file_hex(&path).is_ok_and(|h| h == sha256)
}

/// One converted entry, as the journal records it (paths relative to OUT_DIR).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Done {
    /// The image file.
    pub image: String,
    /// Its SHA-256 (hex).
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The binary mask file, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask: Option<String>,
    /// The mask's SHA-256 (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask_sha256: Option<String>,
    /// The entry's `source-ref`: a file is only reused for the same source (names are per position in the
    /// MVTec layout). Absent in journals of earlier versions, whose entries are fetched again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The append-only resume journal: one JSON [`Done`] per line, flushed after each.
#[derive(Debug)]
pub struct Journal {
    file: Mutex<std::fs::File>,
}

impl Journal {
    /// Open (or create, `0600`) the journal in `out` and read what earlier runs recorded, keyed by image
    /// path without its extension (the extension comes from the content). Unreadable lines (a torn last line
    /// after a kill) are ignored; of two records of one path the later wins.
    pub fn open(out: &Path) -> std::io::Result<(Journal, HashMap<String, Done>)> {
        let path = out.join(JOURNAL);
        let mut done = HashMap::new();
        match std::fs::symlink_metadata(&path) {
            Ok(m) if !m.is_file() => return Err(refuse(format!("{} is a symlink or not a file", path.display()))),
            Ok(_) => {
                for line in std::fs::read_to_string(&path)?.lines() {
                    if let Ok(d) = serde_json::from_str::<Done>(line) {
                        let stem = d.image.rsplit_once('.').map_or(d.image.as_str(), |(s, _)| s).to_string();
                        done.insert(stem, d);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                drop(lfv_fs::create_new(&path)?);
            }
            Err(e) => return Err(e),
        }
        let file = std::fs::OpenOptions::new().append(true).open(&path)?;
        Ok((Journal { file: Mutex::new(file) }, done))
    }

    /// Append one record.
    pub fn record(&self, d: &Done) -> std::io::Result<()> {
        let mut line = serde_json::to_string(d).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        f.write_all(line.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_leaves_the_root_nor_follows_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for bad in ["../x", "/etc/x", "a/../../x", "a//b", "./a", "a\\..\\b"] {
            assert!(write_atomic(root, bad, b"x").is_err(), "{bad}");
        }
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("p")).unwrap();
        assert!(write_atomic(root, "p/good/a.png", b"x").is_err());
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0, "nothing written through the link");
        std::os::unix::fs::symlink(outside.path().join("t"), root.join("f.png")).unwrap();
        assert!(write_atomic(root, "f.png", b"x").is_err());
        assert!(!outside.path().join("t").exists());
        let p = write_atomic(root, "q/good/a.png", b"data").unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(root.join("q/good")).unwrap().permissions().mode() & 0o777, 0o700);
        let sha = lfv_model::sha256::file_hex(&p).unwrap();
        assert!(verified(root, "q/good/a.png", &sha) && !verified(root, "q/good/a.png", "00"));
        assert_eq!(std::fs::read_dir(root.join("q/good")).unwrap().count(), 1, "no temporary file left");
    }
}
