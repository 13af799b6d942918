//! Sealing a sweep's journal: a `sweep` journals items as it finds them (header without items or digest,
//! `item` records numbered in the order found), while a sealed plan numbers items in plan order. [`rekey`]
//! rewrites such a journal for the sealed plan: the sealed plan's header, then every record of the old
//! journal in order with its seq mapped by client token, `item` records dropped; written beside it, fsynced
//! and renamed over it, so a crash leaves either journal whole. Idempotent: a journal already of the plan is
//! left alone.

use std::collections::HashMap;
use std::path::Path;

use chrono::Utc;

use super::file::{line, take_lock};
use super::fold::parse;
use crate::error::{Error, Result};
use crate::plan::Plan;
use lfv_model::journal::{FORMAT, Record};

/// `rec` with its item's seq mapped by `map`; `None` for a record of no item of the plan, or one that
/// rekeying drops (the header, `item`).
fn remap(rec: Record, map: &HashMap<u64, u64>) -> Option<Record> {
    let to = |seq: u64| map.get(&seq).copied();
    Some(match rec {
        Record::Header { .. } | Record::Item(_) => return None,
        Record::Run { .. } | Record::End { .. } => rec,
        Record::Start { seq, at } => Record::Start { seq: to(seq)?, at },
        Record::Attempt(mut a) => {
            a.seq = to(a.seq)?;
            Record::Attempt(a)
        }
        Record::Export(mut e) => {
            e.seq = to(e.seq)?;
            Record::Export(e)
        }
        Record::Outcome(mut o) => {
            o.seq = to(o.seq)?;
            Record::Outcome(o)
        }
        Record::Verified(mut v) => {
            v.seq = to(v.seq)?;
            Record::Verified(v)
        }
    })
}

/// Rewrite the sweep journal at `path` for `plan` (see the module docs), under the journal's lock.
pub fn rekey(path: &Path, plan: &Plan) -> Result<()> {
    let _lock = take_lock(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    let (state, valid_len) = parse(path, &bytes)?;
    if state.plan_digest == plan.digest {
        return Ok(());
    }
    if !state.plan_digest.is_empty() || state.plan_id != plan.plan_id {
        return Err(Error::InvalidJournal {
            path: path.to_path_buf(),
            reason: format!("it is not the journal of sweep {} before sealing", plan.plan_id),
        });
    }
    let new_seq: HashMap<&str, u64> = plan.items.iter().map(|i| (i.client_token.as_str(), i.seq)).collect();
    let map: HashMap<u64, u64> =
        state.items.iter().filter_map(|i| new_seq.get(i.client_token.as_str()).map(|n| (i.seq, *n))).collect();
    let mut out = line(&Record::Header {
        format: FORMAT.to_string(),
        mode: state.mode,
        plan_id: plan.plan_id.clone(),
        plan_digest: plan.digest.clone(),
        created_at: Utc::now(),
        items: plan.items.clone(),
    });
    for raw in bytes[..valid_len].split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let rec: Record = serde_json::from_slice(raw)
            .map_err(|e| Error::InvalidJournal { path: path.to_path_buf(), reason: e.to_string() })?;
        if let Some(rec) = remap(rec, &map) {
            out.extend(line(&rec));
        }
    }
    lfv_fs::write_atomic(path, &out).map_err(|e| Error::io("rewrite", path, e))
}
