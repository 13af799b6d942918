//! A command's pace: the one registry of rate limiters (keyed by [`LimitKey`]: target and operation), the
//! retry policy, the signal that stops sending, and the count of every attempt per operation. Every call the
//! command makes goes through it: Lookout for Vision's through [`super::Service`] (which adds the clients),
//! STS's and Organizations' directly ([`Pace::call`]), so they are paced, retried, cancelled and counted like
//! every other. It also remembers each credential's identity (GetCallerIdentity), so a command asks it once.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::watch;

use super::limiter::AdaptiveLimiter;
use super::retry::{Attempt, AttemptStats, Cancel, Retried, RetryPolicy, with_retry};
use super::{CallCounts, LimitKey, PagesError};
use aws_credential_types::Credentials;

use super::Op;
use crate::cloud::{BoxFuture, CallError, ErrorKind, Gate, Page, Pager, Renewing, SessionKey, Sessions};
use crate::plan::Identity;

/// See the module docs.
#[derive(Debug)]
pub struct Pace {
    rate: Option<f64>,
    policy: RetryPolicy,
    limiters: Mutex<HashMap<LimitKey, Arc<AdaptiveLimiter>>>,
    calls: Mutex<CallCounts>,
    /// A signal that never turns true, for calls no signal stops (its sender lives here: a dropped sender
    /// would read as a stop).
    never: (watch::Sender<bool>, Cancel),
    /// The command's role sessions: each role assumed once, shared by every client ([`Pace::gate`]).
    sessions: Sessions,
    /// The caller identity each set of credentials answered GetCallerIdentity with in this command, by
    /// (profile, endpoint URL, role ARN): asked once per command ([`Pace::identity`]).
    identities: Mutex<HashMap<IdentityKey, Identity>>,
}

/// Which credentials an identity is of: (profile, endpoint URL, role ARN), the same in every region.
pub type IdentityKey = (Option<String>, Option<String>, Option<String>);

impl Pace {
    /// Every limiter starting at `rate` requests/s (`None`: unlimited), calls retried by `policy`.
    pub fn new(rate: Option<f64>, policy: RetryPolicy) -> Arc<Self> {
        let (limiters, calls) = Default::default();
        Arc::new(Self {
            rate,
            policy,
            limiters,
            calls,
            never: watch::channel(false),
            sessions: Sessions::default(),
            identities: Mutex::default(),
        })
    }

    /// The limiter of `key`, created at the command's rate on first use.
    pub fn limiter(&self, key: LimitKey) -> Arc<AdaptiveLimiter> {
        let mut map = self.limiters.lock().expect("limiters lock");
        map.entry(key).or_insert_with(|| Arc::new(AdaptiveLimiter::new(self.rate))).clone()
    }

    /// Give target `to` the limiters of target `from` (and drop those `to` had): a target probed as one
    /// number and planned as another keeps its pace. Renumber in increasing order of both.
    pub fn renumber(&self, from: usize, to: usize) {
        if from == to {
            return;
        }
        let mut map = self.limiters.lock().expect("limiters lock");
        map.retain(|k, _| k.target != to);
        let moved: Vec<LimitKey> = map.keys().filter(|k| k.target == from).copied().collect();
        for key in moved {
            let limiter = map.remove(&key).expect("listed");
            map.insert(LimitKey { target: to, ..key }, limiter);
        }
    }

    /// The identity `key`'s credentials answered earlier in this command, if they were asked.
    pub fn identity(&self, key: &IdentityKey) -> Option<Identity> {
        self.identities.lock().expect("identities lock").get(key).cloned()
    }

    /// Remember the identity `key`'s credentials answered (GetCallerIdentity), for the rest of the command.
    pub fn remember_identity(&self, key: IdentityKey, id: Identity) {
        self.identities.lock().expect("identities lock").insert(key, id);
    }

    /// The retry policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// How the clients of `target` make the calls the SDK makes for them (AssumeRole): under the limiter of
    /// (`target`, the operation), like GetCallerIdentity, retried by the policy, counted; and the command's
    /// role sessions, so each role is assumed once for every client of it.
    pub fn gate(self: &Arc<Self>, target: usize) -> Arc<dyn Gate> {
        Arc::new(TargetGate { pace: Arc::downgrade(self), target })
    }

    /// The attempts sent so far, per operation.
    pub fn calls(&self) -> CallCounts {
        self.calls.lock().expect("calls lock").clone()
    }

    /// `call` under the limiter of `key`, retried by the policy, nothing more sent once `cancel` (if any)
    /// turns true; `on_attempt` sees every attempt, and every attempt is counted under its operation
    /// ([`Pace::calls`]).
    pub async fn call<T, F, Fut>(
        &self,
        key: LimitKey,
        cancel: Option<&Cancel>,
        stats: &mut AttemptStats,
        mut on_attempt: impl FnMut(&Attempt),
        call: F,
    ) -> Retried<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, CallError>>,
    {
        let limiter = self.limiter(key);
        let count = |a: &Attempt| {
            {
                let mut calls = self.calls.lock().expect("calls lock");
                let c = calls.entry(key.op).or_default();
                c.attempts += 1;
                c.throttled += u64::from(a.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Throttling));
            }
            on_attempt(a);
        };
        let cancel = cancel.unwrap_or(&self.never.1);
        with_retry(&limiter, &self.policy, cancel, stats, count, call).await
    }

    /// Every page of a listing (by [`Pager`]'s rules): `fetch(token)` under the limiter of `key` (retried),
    /// each page's items to `each` in order. `first`: the first page when it was read already (a probe's):
    /// its items go to `each` and the listing goes on from its next token.
    #[allow(clippy::too_many_arguments)]
    pub async fn pages<T, E, F, Fut>(
        &self,
        first: Option<Page<T>>,
        key: LimitKey,
        cancel: Option<&Cancel>,
        stats: &mut AttemptStats,
        mut on_attempt: impl FnMut(&Attempt),
        mut fetch: F,
        mut each: impl FnMut(Vec<T>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), PagesError<E>>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = std::result::Result<Page<T>, CallError>>,
    {
        let mut pager = match first {
            Some(page) => {
                each(page.items).map_err(PagesError::Consumer)?;
                Pager::after_first(page.next)
            }
            None => Pager::default(),
        };
        while let Some(token) = pager.ask().map_err(PagesError::from)? {
            let page = match self.call(key, cancel, stats, &mut on_attempt, || fetch(token.clone())).await {
                Retried::Ok(p) => p,
                Retried::Failed(e) => return Err(PagesError::Call(e)),
                Retried::Cancelled => return Err(PagesError::Cancelled),
            };
            each(page.items).map_err(PagesError::Consumer)?;
            pager.answered(page.next)?;
        }
        Ok(())
    }
}

/// The [`Gate`] of one target's clients ([`Pace::gate`]).
#[derive(Debug)]
struct TargetGate {
    /// Weak: the pace holds the sessions, which hold their gate.
    pace: Weak<Pace>,
    target: usize,
}

impl Gate for TargetGate {
    fn session(&self, key: SessionKey, new: &mut dyn FnMut() -> Renewing) -> Renewing {
        match self.pace.upgrade() {
            Some(pace) => pace.sessions.get_or_make(key, new),
            None => new(),
        }
    }

    fn call<'a>(
        &'a self,
        op: Op,
        attempt: &'a (dyn Fn() -> BoxFuture<'a, std::result::Result<Credentials, CallError>> + Send + Sync),
    ) -> BoxFuture<'a, std::result::Result<Credentials, CallError>> {
        // No signal stops it: a session is asked for by a call that is itself stopped.
        let key = LimitKey { target: self.target, op };
        Box::pin(async move {
            let Some(pace) = self.pace.upgrade() else {
                return Err(CallError::malformed("AssumeRole after the command's end"));
            };
            match pace.call(key, None, &mut AttemptStats::default(), |_| {}, attempt).await {
                Retried::Ok(c) => Ok(c),
                Retried::Failed(e) => Err(e),
                Retried::Cancelled => Err(CallError::malformed("cancelled")),
            }
        })
    }
}
