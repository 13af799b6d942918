//! The checkpoint journal: an append-only JSON Lines file that makes a run crash-safe and resumable.
//!
//! Line formats (one JSON object per line, member `type` first):
//! - `header`: `{format, mode, plan_id, plan_digest, created_at, items}`; the first line. `format` is
//!   `lfv-sunset-journal/1`; `mode` is `apply`, `dry-run` or `export`; `items` is the plan's item list, so the
//!   journal alone can rebuild the report. A journal whose `plan_digest` differs from the plan's is refused.
//! - `run`: `{run, started_at, pid, args}` at the start of every invocation.
//! - `start`: `{seq, at}` just before an item's first DeleteDataset attempt (fsynced: a start without an
//!   outcome marks a call that may have gone out).
//! - `attempt`: `{seq, op, n, at, status, error_code, message, request_id, throttled}` after every
//!   DeleteDataset attempt.
//! - `export`: `{seq, path, entries, sha256, at}` once a backup is written and verified.
//! - `outcome`: `{seq, outcome, http_status, error_code, message, request_id, finished_at, backup_skipped,
//!   inference_units}` (`inference_units` only on a `stop_model` item, the units it stopped):
//!   final for this run. It is fsynced before the item is counted as done, and no call for the item goes out
//!   after it in this run. `outcome` is one of `deleted`, `already_absent`, `would_delete`, `skipped_drift`,
//!   `failed`, `exported`, `stopped`, `blocked`, `skipped_dependency`; a rerun processes `blocked` and
//!   `skipped_dependency` items again (see `exec::resume`).
//! - `verified`: `{seq, verified, status, at}` after the post-deletion DescribeProject.
//! - `item`: a plan item (the fields of a plan format 2 item), written by `sweep` (fsynced) as each project is
//!   described and before any call for it, numbered in the order found; the journal's items are the header's
//!   (none in a sweep's journal, whose header has an empty `plan_digest`) and these. When the sweep's plan is
//!   sealed, [`rekey`] rewrites the journal for it.
//! - `end`: `{at, interrupted}` when an invocation finishes.
//!
//! Durability: records go to a writer thread that batches whatever is queued into one `write`, and
//! `fsync`s the batch when it holds an `outcome` or `export` (group commit); [`Journal::append_durable`]
//! returns only after that fsync. A crash can tear only the last line; [`Journal::open`] drops a torn last
//! line with a warning. Any other unreadable line makes the journal invalid (exit 2).
//!
//! Locking: `<journal>.lock` is held with an exclusive advisory lock for the whole run and contains the
//! holder (pid, host, start time, command); a second `apply` on the same checkpoint is refused (exit 5),
//! naming the holder. The OS releases the lock when the holder dies, even by SIGKILL.
//!
//! Files: the journal and its lock are created 0600 (their directory 0700) and opened with `O_NOFOLLOW`;
//! a symlink, or a file with other hard links, at either name is refused rather than written through
//! ([`lfv_fs::open_no_follow`]).
//!
//! Modules: `schema` (the records and outcomes), `fold` (the state a journal's records add up to, and the
//! torn-line-tolerant parser), [`file`] (the lock and the group-committing writer). Everything is re-exported
//! here, so users name `exec::journal::X`.

mod file;
mod fold;
mod rekey;
mod schema;

pub use file::{Journal, lock_path};
pub use fold::{ItemState, JournalState, parse, read};
pub use rekey::rekey;
pub use schema::{AttemptRec, ExportRec, FORMAT, Mode, Outcome, OutcomeRec, Record, VerifiedRec};
