//! No output may destroy another: the paths a command reads and writes (plan, checkpoint journal, its
//! `.lock`, report, backup directory, demo summary) must name different files, after symlinks.
//!
//! Two named paths conflict when, once resolved, they are the same path, one lies inside the other (a
//! report inside the backup directory, a checkpoint under a path given as the report), or they are two names
//! of one existing inode (hard links). [`conflicts`] decides this from resolved paths and is pure; [`resolve`]
//! is the thin I/O that canonicalises a path (one that does not exist yet: its nearest existing ancestor,
//! canonicalised, joined with the rest); [`check`] does both and words the first conflict for the user.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One named path after resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// How the user knows it: `--report out.csv`, `the plan p.json`.
    pub name: String,
    /// Absolute, symlink-free path.
    pub path: PathBuf,
    /// `(device, inode)` if the path exists.
    pub inode: Option<(u64, u64)>,
}

/// How two paths collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clash {
    /// Both resolve to the same path, or are hard links to one inode.
    Same,
    /// The first lies inside the second.
    Inside,
}

/// Every colliding pair `(i, j, clash)` with `i != j`, in index order; for [`Clash::Inside`] item `i` is the
/// inner one.
pub fn conflicts(items: &[Resolved]) -> Vec<(usize, usize, Clash)> {
    let mut out = Vec::new();
    for (i, a) in items.iter().enumerate() {
        for (j, b) in items.iter().enumerate().skip(i + 1) {
            if a.path == b.path || (a.inode.is_some() && a.inode == b.inode) {
                out.push((i, j, Clash::Same));
            } else if a.path.starts_with(&b.path) {
                out.push((i, j, Clash::Inside));
            } else if b.path.starts_with(&a.path) {
                out.push((j, i, Clash::Inside));
            }
        }
    }
    out
}

/// Resolve `path` (relative to `cwd`) as the OS would when writing it: canonicalise the longest existing
/// ancestor (following symlinks) and append the rest, removing `.` and `..` lexically.
pub fn resolve(cwd: &Path, name: String, path: &Path) -> Resolved {
    let abs = cwd.join(path);
    let inode = std::fs::metadata(&abs).ok().map(|m| (m.dev(), m.ino()));
    let mut resolved = None;
    for ancestor in abs.ancestors() {
        if let Ok(real) = std::fs::canonicalize(ancestor) {
            let rest = abs.strip_prefix(ancestor).unwrap_or(Path::new(""));
            resolved = Some(super::lexical_absolute(&real, rest));
            break;
        }
    }
    let path = resolved.unwrap_or_else(|| super::lexical_absolute(cwd, path));
    Resolved { name, path, inode }
}

/// Resolve every `(name, path)` against the current directory and describe the first conflict, if any.
pub fn check(named: &[(String, &Path)]) -> Result<(), String> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let items: Vec<Resolved> = named.iter().map(|(n, p)| resolve(&cwd, n.clone(), p)).collect();
    match conflicts(&items).first() {
        None => Ok(()),
        Some(&(i, j, Clash::Same)) => Err(format!(
            "{} and {} are the same file ({}); give each output its own path",
            items[i].name,
            items[j].name,
            items[i].path.display()
        )),
        Some(&(i, j, Clash::Inside)) => Err(format!(
            "{} ({}) is inside {} ({}); give each output its own path",
            items[i].name,
            items[i].path.display(),
            items[j].name,
            items[j].path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, path: &str, inode: Option<(u64, u64)>) -> Resolved {
        Resolved { name: name.into(), path: PathBuf::from(path), inode }
    }

    #[test]
    fn conflict_table() {
        use Clash::*;
        type Case = (&'static str, Vec<Resolved>, Vec<(usize, usize, Clash)>);
        let cases: Vec<Case> = vec![
            (
                "distinct outputs beside the plan",
                vec![
                    r("plan", "/w/p.json", Some((1, 1))),
                    r("--checkpoint", "/w/p.journal.jsonl", None),
                    r("lock", "/w/p.journal.jsonl.lock", None),
                    r("--report", "/w/p.audit.csv", None),
                    r("--backup-dir", "/w/p.backup", None),
                ],
                vec![],
            ),
            (
                "report equals checkpoint",
                vec![r("--checkpoint", "/w/j", None), r("--report", "/w/j", None)],
                vec![(0, 1, Same)],
            ),
            (
                "report equals plan",
                vec![r("plan", "/w/p", Some((1, 5))), r("--report", "/w/p", Some((1, 5)))],
                vec![(0, 1, Same)],
            ),
            (
                "report is the lock",
                vec![r("lock", "/w/j.lock", None), r("--report", "/w/j.lock", None)],
                vec![(0, 1, Same)],
            ),
            (
                "hard links",
                vec![r("plan", "/w/p", Some((1, 5))), r("--report", "/w/q", Some((1, 5)))],
                vec![(0, 1, Same)],
            ),
            (
                "same inode number on another device",
                vec![r("plan", "/w/p", Some((1, 5))), r("--report", "/w/q", Some((2, 5)))],
                vec![],
            ),
            ("absent files never share an inode", vec![r("a", "/w/a", None), r("b", "/w/b", None)], vec![]),
            (
                "checkpoint inside the backup dir",
                vec![r("--checkpoint", "/w/b/j", None), r("--backup-dir", "/w/b", None)],
                vec![(0, 1, Inside)],
            ),
            (
                "backup dir listed first, report deep inside it",
                vec![r("--backup-dir", "/w/b", None), r("--report", "/w/b/1/2/r.csv", None)],
                vec![(1, 0, Inside)],
            ),
            (
                "backup dir is the plan",
                vec![r("plan", "/w/p", None), r("--backup-dir", "/w/p", None)],
                vec![(0, 1, Same)],
            ),
            (
                "a name that merely starts the same is not inside",
                vec![r("--backup-dir", "/w/b", None), r("--report", "/w/b.csv", None)],
                vec![],
            ),
            (
                "three at one path give three pairs",
                vec![r("a", "/w/x", None), r("b", "/w/x", None), r("c", "/w/x", None)],
                vec![(0, 1, Same), (0, 2, Same), (1, 2, Same)],
            ),
        ];
        for (what, items, want) in cases {
            assert_eq!(conflicts(&items), want, "{what}");
        }
    }

    #[test]
    fn resolve_follows_symlinks_and_handles_missing_tails() {
        let dir = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(real.join("d")).unwrap();
        std::fs::write(real.join("d/j"), b"x").unwrap();
        std::os::unix::fs::symlink(real.join("d"), real.join("alias")).unwrap();
        std::os::unix::fs::symlink(real.join("d/j"), real.join("j-link")).unwrap();
        let cases = [
            ("d/j", real.join("d/j")),
            ("alias/j", real.join("d/j")),
            ("j-link", real.join("d/j")),
            ("alias/new.csv", real.join("d/new.csv")),
            ("missing/deeper/../r.csv", real.join("missing/r.csv")),
            ("./d/./j", real.join("d/j")),
        ];
        for (rel, want) in cases {
            assert_eq!(resolve(&real, rel.into(), Path::new(rel)).path, want, "{rel}");
        }
        assert!(resolve(&real, "x".into(), Path::new("d/j")).inode.is_some());
        assert!(resolve(&real, "x".into(), Path::new("d/absent")).inode.is_none());
    }
}
