//! The checkpoint journal: an append-only JSON Lines file that makes a run crash-safe and resumable.
//!
//! Line formats: see [`lfv_model::journal`], which holds the record schema re-exported here.
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
//! Modules: the records and outcomes are [`lfv_model::journal`]'s; `fold` (the state a journal's records add
//! up to, and the torn-line-tolerant parser), [`file`] (the lock and the group-committing writer). Everything
//! is re-exported here, so users name `exec::journal::X`.

mod file;
mod fold;
mod rekey;
#[cfg(test)]
mod tests;

pub use file::{Journal, lock_path};
pub use fold::{ItemState, JournalState, parse, read};
pub use lfv_model::journal::{AttemptRec, ExportRec, FORMAT, Mode, Outcome, OutcomeRec, Record, VerifiedRec};
pub use rekey::rekey;
