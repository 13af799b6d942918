//! `project.json` in a run: before the first destructive call on a project of a teardown plan (one with a
//! `delete_project` item), collect, write and verify the project's record with `crate::preserve`, every call
//! through the run's service (the (target, operation) limiter, retry, cancellation). The verified file is
//! journalled as an `export` record of the `delete_project` item (path, model versions as `entries`,
//! sha256) and reused on resume while its sha256 still matches, as dataset manifests are. Not in dry runs
//! (they write nothing) nor with `--no-backup`.

use std::future::Future;
use std::sync::Arc;

use chrono::Utc;

use super::backup;
use super::ctx::Ctx;
use super::journal::{ExportRec, ItemState, Record};
use super::queue::Pending;
use super::retry::{AttemptStats, Retried};
use crate::cloud::{CallError, Client, ErrorKind};
use crate::error::Result;
use crate::plan::{Item, Kind};
use crate::preserve::{self, Caller};
use crate::service::{LimitKey, Op};

/// Why `project.json` could not be made.
#[derive(Debug)]
pub(super) enum PreserveError {
    /// A call failed after retries.
    Call(CallError),
    /// The run is stopping.
    Cancelled,
    /// Writing or verifying the file failed.
    File(String),
}

impl From<CallError> for PreserveError {
    fn from(e: CallError) -> Self {
        PreserveError::Call(e)
    }
}

impl std::fmt::Display for PreserveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PreserveError::Call(e) => write!(f, "{e}"),
            PreserveError::Cancelled => f.write_str("cancelled"),
            PreserveError::File(e) => f.write_str(e),
        }
    }
}

/// The run's service as a [`preserve::Caller`] for one target.
struct RunCaller<'a> {
    ctx: &'a Ctx,
    target: usize,
}

impl Caller for RunCaller<'_> {
    type Error = PreserveError;

    async fn call<T, F, Fut>(&self, op: Op, attempt: F) -> std::result::Result<T, PreserveError>
    where
        T: Send,
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = std::result::Result<T, CallError>> + Send,
    {
        let key = LimitKey { target: self.target, op };
        let mut stats = AttemptStats::default();
        match self.ctx.svc.call(key, &mut stats, |a| self.ctx.on_other_attempt(a), attempt).await {
            Retried::Ok(v) => Ok(v),
            Retried::Failed(e) => Err(PreserveError::Call(e)),
            Retried::Cancelled => Err(PreserveError::Cancelled),
        }
    }
}

/// The `delete_project` item of a project whose work is `items`, if this run must make sure its
/// `project.json` exists (a backup directory is set and the item is still to be done).
pub(super) fn needs<'a>(ctx: &Ctx, items: &'a [Pending]) -> Option<&'a Pending> {
    ctx.opts.backup_dir.as_ref()?;
    items.iter().find(|p| p.item.kind == Kind::DeleteProject)
}

/// Make sure the project's `project.json` is written and verified (module docs); `Ok(None)` when it is (or
/// the project is gone), `Ok(Some(error))` when it could not be.
pub(super) async fn ensure(
    ctx: &Arc<Ctx>,
    client: &Client,
    item: &Item,
    st: &ItemState,
) -> Result<Option<PreserveError>> {
    let Some(dir) = &ctx.opts.backup_dir else { return Ok(None) };
    if st.export.as_ref().is_some_and(backup::still_valid) {
        return Ok(None);
    }
    // `preserve::collect`'s future borrows through closures the compiler cannot prove `Send` for every
    // lifetime (rust-lang/rust#102211), so it runs on a blocking thread of the runtime instead of in the
    // project's task; its calls still go through the run's limiters, retry and cancellation.
    let (c, cl, project, target) = (ctx.clone(), client.clone(), item.project.clone(), item.target);
    let handle = tokio::runtime::Handle::current();
    let collected = tokio::task::spawn_blocking(move || {
        handle.block_on(async { preserve::collect(&RunCaller { ctx: &c, target }, &cl, &project).await })
    })
    .await
    .map_err(|e| crate::error::Error::Internal(format!("project.json task: {e}")))?;
    let collected = match collected {
        Ok(Some(c)) => c,
        Ok(None) => return Ok(None),
        Err(e) => return Ok(Some(e)),
    };
    let doc = preserve::build(&item.account, &item.region, Utc::now(), &collected);
    let saved = match preserve::write(dir, &item.account, &item.region, &item.project, &doc) {
        Ok(p) => p,
        Err(e) => return Ok(Some(PreserveError::File(e))),
    };
    let rec = ExportRec {
        seq: item.seq,
        path: saved.path,
        entries: saved.models as u64,
        sha256: saved.sha256,
        at: Utc::now(),
    };
    ctx.out.durable(Record::Export(rec)).await?;
    Ok(None)
}

/// Is this an answer that is not the service's (the run stops, recording nothing)?
pub(super) fn is_foreign_call(e: &CallError) -> bool {
    e.kind == ErrorKind::Foreign
}
