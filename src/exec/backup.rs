//! Preserve before delete: export a dataset's entries to a Ground Truth manifest and verify it.
//!
//! Layout ([`lfv_model::backup_layout`]):
//! `<backup-dir>/<account>/<region>/<project>/<dataset_type>.manifest.jsonl`, one entry per line, each
//! exactly as ListDatasetEntries returned it. The file is written as `.<type>.manifest.jsonl.partial`
//! beside its final name, fsynced and renamed only once verified, so a crash never leaves a file a resume
//! would trust. Verified means: the number of entries equals DescribeDataset's `ImageStats.Total`, and every
//! line parses as a JSON object (and holds no raw newline).
//!
//! Paths: the four names are checked before they become a path (12-digit account, AWS region, the service's
//! ProjectName pattern, `train`/`test`); the directories are created one at a time, 0700, refusing any
//! symlink below the backup directory; the `.partial` file is created fresh, 0600, never through a symlink
//! or a stale hard link. So no backup is written outside `--backup-dir` or into another file.
//!
//! Calls: one DescribeDataset, then ListDatasetEntries pages of at most 100 entries: `1 + ceil(n / 100)`
//! calls for `n` entries (11 calls per 1,000 images), each on its own operation's limiter.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::journal::ExportRec;
use super::retry::{Attempt, AttemptStats, Retried};
use crate::cloud::CallError;
use crate::plan::Item;
use crate::service::{LimitKey, MAX_PAGES, Op, PagesError, Service};
use lfv_model::{backup_layout, sha256};

/// Why an export could not be verified.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportError {
    /// A call failed after retries.
    Call(&'static str, CallError),
    /// The export disagrees with the service or is not valid JSON Lines.
    Mismatch(String),
    /// Writing the file failed.
    Io(String),
    /// Cancelled before it finished (the partial file is removed).
    Cancelled,
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Call(op, e) => write!(f, "backup failed: {op}: {e}"),
            ExportError::Mismatch(m) => write!(f, "backup not verified: {m}"),
            ExportError::Io(m) => write!(f, "backup failed: {m}"),
            ExportError::Cancelled => write!(f, "backup cancelled"),
        }
    }
}

/// The manifest path of an item ([`backup_layout::manifest_path`]: once its account, region, project and
/// dataset type have been checked to be safe path components); the error names the item.
pub fn manifest_path(dir: &Path, item: &Item) -> Result<PathBuf, String> {
    let (a, r, p, t) = (&item.account, &item.region, &item.project, &item.resource);
    backup_layout::manifest_path(dir, a, r, p, t).map_err(|e| format!("item {} ({r}/{p}/{t}): {e}", item.seq))
}

/// True if a previous run's verified export is still on disk unchanged.
pub fn still_valid(rec: &ExportRec) -> bool {
    sha256::file_hex(&rec.path).is_ok_and(|h| h == rec.sha256)
}

/// Export one dataset and verify it; `on_attempt` sees every attempt (the executor counts throttles).
pub async fn export(
    svc: &Service,
    dir: &Path,
    item: &Item,
    mut on_attempt: impl FnMut(&Attempt),
) -> Result<ExportRec, ExportError> {
    let (acct, region) = (&item.account, &item.region);
    let (project, dtype) = (item.project.as_str(), item.resource.as_str());
    let client = svc.client(item.target).map_err(|e| ExportError::Io(e.to_string()))?;
    let mut stats = AttemptStats::default();
    let describe = LimitKey { target: item.target, op: Op::DescribeDataset };
    let total =
        match svc.call(describe, &mut stats, &mut on_attempt, || client.dataset_image_total(project, dtype)).await {
            Retried::Ok(t) => t,
            Retried::Failed(e) => return Err(ExportError::Call("DescribeDataset", e)),
            Retried::Cancelled => return Err(ExportError::Cancelled),
        };
    let final_path = manifest_path(dir, item).map_err(ExportError::Io)?;
    let parent = lfv_fs::dir_below(dir, &backup_layout::project_components(acct, region, project))
        .map_err(|e| ExportError::Io(format!("create directory for {}: {e}", final_path.display())))?;
    let partial = parent.join(backup_layout::partial_name(dtype));
    let io = |what: &str, e: std::io::Error| ExportError::Io(format!("{what} {}: {e}", partial.display()));
    let mut file = std::io::BufWriter::new(lfv_fs::create_fresh(&partial).map_err(|e| io("create", e))?);
    let mut hash = sha256::Hasher::new();
    let mut count: u64 = 0;
    let list = LimitKey { target: item.target, op: Op::ListDatasetEntries };
    let fetch = |token| client.list_dataset_entries(project, dtype, token);
    let result = svc
        .pages(None, list, &mut stats, on_attempt, fetch, |entries: Vec<String>| {
            for entry in &entries {
                count += 1;
                if entry.contains('\n') {
                    return Err(ExportError::Mismatch(format!("entry {count} contains a raw newline")));
                }
                if !matches!(serde_json::from_str::<serde_json::Value>(entry), Ok(serde_json::Value::Object(_))) {
                    return Err(ExportError::Mismatch(format!("entry {count} is not a JSON object")));
                }
                file.write_all(entry.as_bytes()).and_then(|_| file.write_all(b"\n")).map_err(|e| io("write", e))?;
                hash.update(entry.as_bytes());
                hash.update(b"\n");
            }
            Ok(())
        })
        .await
        .map_err(|e| match e {
            PagesError::Call(e) => ExportError::Call("ListDatasetEntries", e),
            PagesError::Cancelled => ExportError::Cancelled,
            PagesError::RepeatedToken => ExportError::Mismatch("ListDatasetEntries repeated its page token".into()),
            PagesError::TooManyPages => ExportError::Mismatch(format!("more than {MAX_PAGES} pages")),
            PagesError::Consumer(e) => e,
        });
    let finish = result.and_then(|()| {
        if total != Some(count) {
            let expected = total.map(|t| t.to_string()).unwrap_or_else(|| "absent".into());
            return Err(ExportError::Mismatch(format!(
                "exported {count} entries but DescribeDataset ImageStats.Total is {expected}"
            )));
        }
        let f = file.into_inner().map_err(|e| io("flush", e.into_error()))?;
        lfv_fs::commit(f, &partial, &final_path).map_err(|e| io("sync and rename", e))
    });
    if let Err(e) = finish {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    Ok(ExportRec { seq: item.seq, path: final_path, entries: count, sha256: hash.hex(), at: Utc::now() })
}
