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
//! - `outcome`: `{seq, outcome, http_status, error_code, message, request_id, finished_at, backup_skipped}`:
//!   final. It is fsynced before the item is counted as done, and no call for the item goes out after it.
//! - `verified`: `{seq, verified, status, at}` after the post-deletion DescribeProject.
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
//! ([`crate::safe_fs::open_no_follow`]).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::plan::{Item, Plan};
use crate::safe_fs;

/// Journal format version.
pub const FORMAT: &str = "lfv-sunset-journal/1";

/// What a journal records a run of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Real deletions.
    Apply,
    /// `apply --dry-run`: no mutating call.
    DryRun,
    /// `export`: backups only, read-only.
    Export,
}

impl Mode {
    /// As written in the header.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Apply => "apply",
            Mode::DryRun => "dry-run",
            Mode::Export => "export",
        }
    }
}

/// Final outcomes of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// DeleteDataset accepted (202).
    Deleted,
    /// The dataset was gone already (no call needed, or 404).
    AlreadyAbsent,
    /// Dry run: it would be deleted.
    WouldDelete,
    /// The dataset was re-created since planning (CreationTimestamp differs): left alone.
    SkippedDrift,
    /// Could not be deleted (or backed up); see message.
    Failed,
    /// `export`: the backup is written and verified.
    Exported,
}

impl Outcome {
    /// As written in the journal and the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Deleted => "deleted",
            Outcome::AlreadyAbsent => "already_absent",
            Outcome::WouldDelete => "would_delete",
            Outcome::SkippedDrift => "skipped_drift",
            Outcome::Failed => "failed",
            Outcome::Exported => "exported",
        }
    }
    /// Counts as success for the exit code.
    pub fn is_success(self) -> bool {
        matches!(self, Outcome::Deleted | Outcome::AlreadyAbsent | Outcome::WouldDelete | Outcome::Exported)
    }
}

/// A verified backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRec {
    /// Item.
    pub seq: u64,
    /// Manifest path.
    pub path: PathBuf,
    /// Entries written (equals ImageStats.Total).
    pub entries: u64,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    /// When it was verified.
    pub at: DateTime<Utc>,
}

/// One DeleteDataset attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRec {
    /// Item.
    pub seq: u64,
    /// Operation (`DeleteDataset`).
    pub op: String,
    /// Attempt number within its call.
    pub n: u32,
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// HTTP status, if any response.
    pub status: Option<u16>,
    /// Error code.
    pub error_code: Option<String>,
    /// Error message.
    pub message: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Answered with 429.
    pub throttled: bool,
}

/// A final outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeRec {
    /// Item.
    pub seq: u64,
    /// Outcome.
    pub outcome: Outcome,
    /// Last HTTP status that decided it.
    pub http_status: Option<u16>,
    /// Error code that decided it.
    pub error_code: Option<String>,
    /// Human explanation.
    pub message: String,
    /// Request id of the deciding call.
    pub request_id: Option<String>,
    /// When it was decided.
    pub finished_at: DateTime<Utc>,
    /// The run had `--no-backup`.
    #[serde(default)]
    pub backup_skipped: bool,
}

/// A post-deletion check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifiedRec {
    /// Item.
    pub seq: u64,
    /// The dataset is gone.
    pub verified: bool,
    /// Its status if still present.
    pub status: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// First line.
    Header {
        /// [`FORMAT`].
        format: String,
        /// What runs this journal records.
        mode: Mode,
        /// Plan id.
        plan_id: String,
        /// Plan digest.
        plan_digest: String,
        /// Creation time.
        created_at: DateTime<Utc>,
        /// The plan's items.
        items: Vec<Item>,
    },
    /// An invocation started.
    Run {
        /// 1-based run number.
        run: u32,
        /// When.
        started_at: DateTime<Utc>,
        /// Process id.
        pid: u32,
        /// Command line.
        args: Vec<String>,
    },
    /// An item's first DeleteDataset attempt is about to go out.
    Start {
        /// Item.
        seq: u64,
        /// When.
        at: DateTime<Utc>,
    },
    /// See [`AttemptRec`].
    Attempt(AttemptRec),
    /// See [`ExportRec`].
    Export(ExportRec),
    /// See [`OutcomeRec`].
    Outcome(OutcomeRec),
    /// See [`VerifiedRec`].
    Verified(VerifiedRec),
    /// An invocation ended.
    End {
        /// When.
        at: DateTime<Utc>,
        /// It was interrupted or stopped.
        interrupted: bool,
    },
}

/// Everything the journal says about one item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemState {
    /// A DeleteDataset was about to be sent in some run.
    pub started: Option<DateTime<Utc>>,
    /// Every DeleteDataset attempt, all runs.
    pub attempts: Vec<AttemptRec>,
    /// Last verified export.
    pub export: Option<ExportRec>,
    /// Final outcome.
    pub outcome: Option<OutcomeRec>,
    /// Post-deletion check.
    pub verified: Option<VerifiedRec>,
}

/// A journal read back.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalState {
    /// Mode from the header.
    pub mode: Mode,
    /// Plan id from the header.
    pub plan_id: String,
    /// Plan digest from the header.
    pub plan_digest: String,
    /// Items from the header.
    pub items: Vec<Item>,
    /// Per item, by seq.
    pub by_seq: BTreeMap<u64, ItemState>,
    /// Runs so far.
    pub runs: u32,
    /// Problems tolerated while reading (a torn last line).
    pub warnings: Vec<String>,
}

impl JournalState {
    fn apply(&mut self, rec: Record) {
        match rec {
            Record::Header { .. } | Record::End { .. } => {}
            Record::Run { run, .. } => self.runs = self.runs.max(run),
            Record::Start { seq, at } => {
                self.by_seq.entry(seq).or_default().started.get_or_insert(at);
            }
            Record::Attempt(a) => {
                let seq = a.seq;
                self.by_seq.entry(seq).or_default().attempts.push(a)
            }
            Record::Export(e) => {
                let seq = e.seq;
                self.by_seq.entry(seq).or_default().export = Some(e);
            }
            Record::Outcome(o) => {
                let seq = o.seq;
                self.by_seq.entry(seq).or_default().outcome = Some(o);
            }
            Record::Verified(v) => {
                let seq = v.seq;
                self.by_seq.entry(seq).or_default().verified = Some(v);
            }
        }
    }

    /// The state of one item (empty if the journal never mentions it).
    pub fn item(&self, seq: u64) -> ItemState {
        self.by_seq.get(&seq).cloned().unwrap_or_default()
    }
}

/// Parse journal bytes (`path` only names the file in messages). Returns the state and the byte length of the
/// valid prefix (shorter than the input when a torn last line was dropped). Public so that the fuzz target
/// `journal` and the property tests read journals exactly as [`Journal::open`] and [`read`] do.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<(JournalState, usize)> {
    let invalid = |reason: String| Error::InvalidJournal { path: path.to_path_buf(), reason };
    let mut state: Option<JournalState> = None;
    let mut warnings = Vec::new();
    let mut offset = 0;
    let mut valid_len = 0;
    let mut line_no = 0;
    while offset < bytes.len() {
        line_no += 1;
        let (line, complete) = match bytes[offset..].iter().position(|&b| b == b'\n') {
            Some(n) => (&bytes[offset..offset + n], true),
            None => (&bytes[offset..], false),
        };
        let next = offset + line.len() + usize::from(complete);
        let parsed: std::result::Result<Record, String> = std::str::from_utf8(line)
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str(s).map_err(|e| e.to_string()));
        match parsed {
            // Every record is written with its newline in one `write`: a last line without it was cut, even
            // if what arrived happens to parse (appending after it would glue the next record onto it).
            Ok(_) if !complete => warnings.push(format!(
                "{}: ignoring an unterminated last line ({} bytes, left by an interrupted write)",
                path.display(),
                line.len()
            )),
            Ok(rec) => {
                match (&mut state, rec) {
                    (None, Record::Header { format, mode, plan_id, plan_digest, items, .. }) => {
                        if format != FORMAT {
                            return Err(invalid(format!("unsupported journal format {format:?}; expected {FORMAT:?}")));
                        }
                        state = Some(JournalState {
                            mode,
                            plan_id,
                            plan_digest,
                            items,
                            by_seq: BTreeMap::new(),
                            runs: 0,
                            warnings: Vec::new(),
                        });
                    }
                    (None, _) => return Err(invalid("the first line is not a header".into())),
                    (Some(_), Record::Header { .. }) => {
                        return Err(invalid(format!("line {line_no}: a second header")));
                    }
                    (Some(s), rec) => s.apply(rec),
                }
                valid_len = next;
            }
            Err(e) if !complete => {
                warnings.push(format!(
                    "{}: ignoring a torn last line ({} bytes, left by an interrupted write): {e}",
                    path.display(),
                    line.len()
                ));
            }
            Err(e) => return Err(invalid(format!("line {line_no} is not a journal record: {e}"))),
        }
        offset = next;
    }
    let mut state = state.ok_or_else(|| invalid("empty journal (no header)".into()))?;
    state.warnings = warnings;
    Ok((state, valid_len))
}

/// Read a journal without locking it (for `report`).
pub fn read(path: &Path) -> Result<JournalState> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    Ok(parse(path, &bytes)?.0)
}

enum Msg {
    Record(Vec<u8>, bool),
    Durable(Vec<u8>, oneshot::Sender<std::io::Result<()>>),
    Flush(oneshot::Sender<std::io::Result<()>>),
}

/// An open, locked journal.
pub struct Journal {
    path: PathBuf,
    tx: Option<std_mpsc::Sender<Msg>>,
    writer: Option<std::thread::JoinHandle<()>>,
    _lock: File,
}

/// The lock file of the journal at `path`: `<path>.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

fn take_lock(path: &Path) -> Result<File> {
    let lp = lock_path(path);
    let mut f = safe_fs::open_no_follow(OpenOptions::new().read(true).write(true).create(true).truncate(false), &lp)
        .map_err(|e| Error::io("open lock file", &lp, e))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = f.read_to_string(&mut holder);
            let holder =
                if holder.trim().is_empty() { "another process".to_string() } else { holder.trim().to_string() };
            return Err(Error::Refused(format!(
                "checkpoint {} is in use by {holder}; wait for it to finish or stop it",
                path.display()
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("lock", &lp, e)),
    }
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    let who = format!(
        "pid {} on {} since {}: {}",
        std::process::id(),
        if host.is_empty() { "this host" } else { &host },
        Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    let _ = f.set_len(0).and_then(|_| f.seek(SeekFrom::Start(0))).and_then(|_| f.write_all(who.as_bytes()));
    Ok(f)
}

fn line(rec: &Record) -> Vec<u8> {
    let mut v = serde_json::to_vec(rec).expect("records serialise");
    v.push(b'\n');
    v
}

fn writer_loop(mut file: File, rx: std_mpsc::Receiver<Msg>) {
    let mut failed: Option<std::io::ErrorKind> = None;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
            if batch.len() >= 4096 {
                break;
            }
        }
        let mut buf = Vec::new();
        let mut sync = false;
        for m in &batch {
            match m {
                Msg::Record(b, durable) => {
                    buf.extend_from_slice(b);
                    sync |= *durable;
                }
                Msg::Durable(b, _) => {
                    buf.extend_from_slice(b);
                    sync = true;
                }
                Msg::Flush(_) => sync = true,
            }
        }
        let result = match failed {
            Some(k) => Err(std::io::Error::new(k, "an earlier journal write failed")),
            None => file.write_all(&buf).and_then(|_| if sync { file.sync_data() } else { Ok(()) }),
        };
        if let Err(e) = &result {
            failed = Some(e.kind());
        }
        for m in batch {
            match m {
                Msg::Durable(_, ack) | Msg::Flush(ack) => {
                    let _ =
                        ack.send(result.as_ref().map(|_| ()).map_err(|e| std::io::Error::new(e.kind(), e.to_string())));
                }
                Msg::Record(..) => {}
            }
        }
    }
    let _ = file.sync_data();
}

impl Journal {
    /// Open (or create) the journal for `plan` in `mode`: take the lock, read what is there, drop a torn last
    /// line, check that it belongs to this plan and mode, and record a `run` line.
    pub fn open(path: &Path, plan: &Plan, mode: Mode) -> Result<(Journal, JournalState)> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            safe_fs::create_dir_private(dir).map_err(|e| Error::io("create the directory of", path, e))?;
        }
        let lock = take_lock(path)?;
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io("read", path, e)),
        };
        // Only a torn first line (the header's write was interrupted): nothing was recorded, start afresh.
        let torn_header = !bytes.is_empty() && !bytes.contains(&b'\n');
        if torn_header {
            let f = safe_fs::open_no_follow(OpenOptions::new().write(true), path)
                .map_err(|e| Error::io("open", path, e))?;
            f.set_len(0).map_err(|e| Error::io("truncate torn header of", path, e))?;
        }
        let (mut state, new) = if !bytes.is_empty() && !torn_header {
            let (state, valid_len) = parse(path, &bytes)?;
            if state.plan_digest != plan.digest {
                return Err(Error::InvalidJournal {
                    path: path.to_path_buf(),
                    reason: format!(
                        "it belongs to plan {} ({}), not to plan {} ({}); pass another --checkpoint",
                        state.plan_id, state.plan_digest, plan.plan_id, plan.digest
                    ),
                });
            }
            if state.mode != mode {
                return Err(Error::InvalidJournal {
                    path: path.to_path_buf(),
                    reason: format!(
                        "it records {} runs, not {} runs; pass another --checkpoint",
                        state.mode.as_str(),
                        mode.as_str()
                    ),
                });
            }
            if valid_len < bytes.len() {
                let f = safe_fs::open_no_follow(OpenOptions::new().write(true), path)
                    .map_err(|e| Error::io("open", path, e))?;
                f.set_len(valid_len as u64).map_err(|e| Error::io("truncate torn line of", path, e))?;
                f.sync_all().map_err(|e| Error::io("sync", path, e))?;
            }
            (state, false)
        } else {
            let state = JournalState {
                mode,
                plan_id: plan.plan_id.clone(),
                plan_digest: plan.digest.clone(),
                items: plan.items.clone(),
                by_seq: BTreeMap::new(),
                runs: 0,
                warnings: Vec::new(),
            };
            (state, true)
        };
        if torn_header {
            state.warnings.push(format!(
                "{}: ignoring a torn header ({} bytes, left by an interrupted write); starting the journal afresh",
                path.display(),
                bytes.len()
            ));
        }
        let mut file = safe_fs::open_no_follow(OpenOptions::new().create(true).append(true), path)
            .map_err(|e| Error::io("open", path, e))?;
        let mut first = Vec::new();
        if new {
            first.extend(line(&Record::Header {
                format: FORMAT.to_string(),
                mode,
                plan_id: plan.plan_id.clone(),
                plan_digest: plan.digest.clone(),
                created_at: Utc::now(),
                items: plan.items.clone(),
            }));
        }
        first.extend(line(&Record::Run {
            run: state.runs + 1,
            started_at: Utc::now(),
            pid: std::process::id(),
            args: std::env::args().collect(),
        }));
        file.write_all(&first).and_then(|_| file.sync_all()).map_err(|e| Error::io("write", path, e))?;
        let (tx, rx) = std_mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || writer_loop(file, rx))
            .map_err(|e| Error::io("start writer for", path, e))?;
        Ok((Journal { path: path.to_path_buf(), tx: Some(tx), writer: Some(writer), _lock: lock }, state))
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queue a record; it is written with the next batch (not waited for).
    pub fn append(&self, rec: &Record) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Record(line(rec), false));
        }
    }

    /// Write a record and wait until it is fsynced.
    pub async fn append_durable(&self, rec: &Record) -> Result<()> {
        let (ack, done) = oneshot::channel();
        let tx = self.tx.as_ref().ok_or_else(|| Error::Internal("journal closed".into()))?;
        tx.send(Msg::Durable(line(rec), ack)).map_err(|_| Error::Internal("journal writer stopped".into()))?;
        done.await
            .map_err(|_| Error::Internal("journal writer stopped".into()))?
            .map_err(|e| Error::io("write", &self.path, e))
    }

    /// Write everything queued and fsync.
    pub async fn flush(&self) -> Result<()> {
        let (ack, done) = oneshot::channel();
        let tx = self.tx.as_ref().ok_or_else(|| Error::Internal("journal closed".into()))?;
        tx.send(Msg::Flush(ack)).map_err(|_| Error::Internal("journal writer stopped".into()))?;
        done.await
            .map_err(|_| Error::Internal("journal writer stopped".into()))?
            .map_err(|e| Error::io("write", &self.path, e))
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}
