//! The journal file: the advisory lock that keeps a second run off a checkpoint, and the writer thread that
//! batches records into one `write` and fsyncs batches holding an `outcome` or `export` (group commit).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;

use chrono::Utc;
use tokio::sync::oneshot;

use super::fold::{JournalState, parse};
use crate::error::{Error, Result};
use crate::plan::Plan;
use lfv_model::journal::{FORMAT, Mode, Record};

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

pub(super) fn take_lock(path: &Path) -> Result<File> {
    let lp = lock_path(path);
    let mut f = lfv_fs::open_no_follow(OpenOptions::new().read(true).write(true).create(true).truncate(false), &lp)
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

pub(super) fn line(rec: &Record) -> Vec<u8> {
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
    /// line, check that it belongs to this plan and mode, and record a `run` line. A dry run's journal starts
    /// afresh every time (an earlier dry run's, whatever its plan, is replaced; any other file is refused as
    /// for every mode): a dry run never resumes.
    pub fn open(path: &Path, plan: &Plan, mode: Mode) -> Result<(Journal, JournalState)> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            lfv_fs::create_dir_private(dir).map_err(|e| Error::io("create the directory of", path, e))?;
        }
        let lock = take_lock(path)?;
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io("read", path, e)),
        };
        // A dry run decides from the live state every time: an earlier dry run's journal is its report only,
        // never this run's decisions (its outcomes would be replayed as if still true).
        // Only a journal that reads as a dry run's is replaced: anything else is refused as before, never
        // overwritten.
        let replaced = mode == Mode::DryRun
            && !bytes.is_empty()
            && parse(path, &bytes).is_ok_and(|(state, _)| state.mode == Mode::DryRun);
        let bytes = if replaced { Vec::new() } else { bytes };
        // Only a torn first line (the header's write was interrupted): nothing was recorded, start afresh.
        let torn_header = !bytes.is_empty() && !bytes.contains(&b'\n');
        if torn_header || replaced {
            let f =
                lfv_fs::open_no_follow(OpenOptions::new().write(true), path).map_err(|e| Error::io("open", path, e))?;
            f.set_len(0).map_err(|e| Error::io("truncate torn header of", path, e))?;
        }
        let (mut state, new) = if !bytes.is_empty() && !torn_header {
            (resume_state(path, plan, mode, &bytes)?, false)
        } else {
            (fresh_state(plan, mode), true)
        };
        if torn_header {
            state.warnings.push(format!(
                "{}: ignoring a torn header ({} bytes, left by an interrupted write); starting the journal afresh",
                path.display(),
                bytes.len()
            ));
        }
        let mut file = lfv_fs::open_no_follow(OpenOptions::new().create(true).append(true), path)
            .map_err(|e| Error::io("open", path, e))?;
        let first = first_lines(new, &state, plan, mode);
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

/// The state of an existing journal at `path` (its `bytes`): refused if it belongs to another plan or records
/// another mode; a torn last line (an interrupted write) is cut off, durably.
fn resume_state(path: &Path, plan: &Plan, mode: Mode, bytes: &[u8]) -> Result<JournalState> {
    let (state, valid_len) = parse(path, bytes)?;
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
        let f = lfv_fs::open_no_follow(OpenOptions::new().write(true), path).map_err(|e| Error::io("open", path, e))?;
        f.set_len(valid_len as u64).map_err(|e| Error::io("truncate torn line of", path, e))?;
        f.sync_all().map_err(|e| Error::io("sync", path, e))?;
    }
    Ok(state)
}

/// The state of a journal with nothing recorded yet.
fn fresh_state(plan: &Plan, mode: Mode) -> JournalState {
    JournalState {
        mode,
        plan_id: plan.plan_id.clone(),
        plan_digest: plan.digest.clone(),
        items: plan.items.clone(),
        by_seq: BTreeMap::new(),
        runs: 0,
        warnings: Vec::new(),
    }
}

/// The lines a run writes first: the header (a `new` journal only), then this run's `run` record.
fn first_lines(new: bool, state: &JournalState, plan: &Plan, mode: Mode) -> Vec<u8> {
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
        tool: Some(crate::version::TOOL_BUILD.to_string()),
    }));
    first
}
