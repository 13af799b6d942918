//! Idempotency records for `X-Amzn-Client-Token`, keyed by (account, region, operation, token).
//!
//! A token is active for [`TOKEN_TTL_MS`] (8 hours) of emulator time after its first successful (2xx) call.
//! Within that window the same parameters replay the first status and body with no second effect, and different
//! parameters are a ConflictException (a CHOICE); after it the token is new. Failed calls record nothing, so a
//! retry of a call that got a 409 or 404 is evaluated afresh. This module holds the records only; `ops.rs`
//! decides what a call's parameters are.

use std::collections::HashMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::wire::Reply;

/// How long a client token stays active: 8 hours, in milliseconds.
pub(crate) const TOKEN_TTL_MS: u64 = 8 * 3600 * 1000;
/// Expired records are swept at most once per this many emulator ms (60 s).
const PRUNE_EVERY_MS: u64 = 60_000;

/// The first result of one token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// Canonical parameters of the first call.
    pub(crate) fingerprint: String,
    /// Status of the first response.
    pub(crate) status: u16,
    /// Body of the first response (`None` = empty).
    pub(crate) body: Option<String>,
    /// Emulator ms of the first call.
    pub(crate) at_ms: u64,
}

/// What a token means for a new call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    /// Unknown or expired token: execute.
    New,
    /// Same token and parameters within 8 h: answer this.
    Replay(Reply),
    /// Same token, different parameters, within 8 h.
    Mismatch,
}

/// All active records.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Idempotency {
    records: HashMap<String, Record>,
    #[serde(default)]
    last_prune_ms: u64,
}

impl Idempotency {
    /// The record key of (account, region, operation, token).
    pub(crate) fn key(account: &str, region: &str, op: &str, token: &str) -> String {
        format!("{account}/{region}/{op}/{token}")
    }

    /// Classify a call.
    pub(crate) fn check(&self, key: &str, fingerprint: &str, now: u64) -> Check {
        match self.records.get(key) {
            Some(r) if now.saturating_sub(r.at_ms) < TOKEN_TTL_MS => {
                if r.fingerprint == fingerprint {
                    Check::Replay(Reply { status: r.status, body: r.body.clone().map(Bytes::from) })
                } else {
                    Check::Mismatch
                }
            }
            _ => Check::New,
        }
    }

    /// Remember a successful first call; sweeps expired records now and then.
    pub(crate) fn record(&mut self, key: String, fingerprint: String, reply: &Reply, now: u64) {
        if now.saturating_sub(self.last_prune_ms) >= PRUNE_EVERY_MS {
            self.records.retain(|_, r| now.saturating_sub(r.at_ms) < TOKEN_TTL_MS);
            self.last_prune_ms = now;
        }
        let body = reply.body.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
        self.records.insert(key, Record { fingerprint, status: reply.status, body, at_ms: now });
    }

    /// Number of records held (expired ones included until swept).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_mismatch_expiry() {
        let mut i = Idempotency::default();
        let k = Idempotency::key("a", "r", "DeleteDataset", "t");
        assert_eq!(i.check(&k, "p", 0), Check::New);
        i.record(k.clone(), "p".into(), &Reply { status: 202, body: None }, 1000);
        assert_eq!(i.check(&k, "p", 2000), Check::Replay(Reply { status: 202, body: None }));
        assert_eq!(i.check(&k, "q", 2000), Check::Mismatch);
        assert_eq!(i.check(&k, "p", 1000 + TOKEN_TTL_MS), Check::New);
        assert_eq!(i.len(), 1);
    }
}
