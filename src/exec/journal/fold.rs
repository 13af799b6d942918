//! The state a journal adds up to ([`JournalState`], per item [`ItemState`]) and the parser that reads it
//! back, dropping a torn last line with a warning and refusing any other unreadable line.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::plan::Item;
use lfv_model::journal::{AttemptRec, ExportRec, FORMAT, Mode, OutcomeRec, Record, VerifiedRec};

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
            Record::Item(item) => {
                if !self.items.iter().any(|i| i.seq == item.seq) {
                    self.items.push(item);
                }
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
/// `journal` and the property tests read journals exactly as [`Journal::open`](super::Journal::open) and [`read`] do.
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
