//! The one place that talks to Lookout for Vision for the tool's runners (planner, executor, export,
//! verify): one client per target, rate limiters keyed by [`LimitKey`] (target, [`Op`]), the retry policy
//! ([`retry`]), cancellation, [`Service::describe_project`] and the paging loop [`Service::pages`], and fair
//! scheduling of work across targets ([`schedule`]). SDK types stay in `cloud`; this module sees only the
//! crate's own [`Client`] calls. Runners decide what answers mean; this module only sends and retries.
//!
//! To add a kind of resource: add its operations to [`Op`] (each gets its own limiter per target, at the
//! run's rate), call them through [`Service::call`] (or [`Service::pages`] for a list), and schedule the
//! work as units of [`schedule::run_fair`].

pub mod limiter;
pub mod pace;
pub mod retry;
pub mod schedule;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use crate::cloud::{CallError, Client, ErrorKind, ModelInfo, ModelSummary, Page, PageFault, ProjectInfo};
use crate::error::{Error, Result};
use limiter::AdaptiveLimiter;
pub use pace::Pace;
use retry::{Attempt, AttemptStats, Cancel, Retried, RetryPolicy};

pub use lfv_model::op::{CallCount, CallCounts, Op, add_calls};

/// Which limiter paces a call: the service's quota is per (account, region, operation), and a target is one
/// (account, region) of the run, numbered as in the plan (or the planner's endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LimitKey {
    /// Index of the target in the plan's `targets` (the planner: in its endpoints).
    pub target: usize,
    /// The operation.
    pub op: Op,
}

/// Why [`Service::pages`] stopped before the last page.
#[derive(Debug)]
pub enum PagesError<E> {
    /// A page's call failed after retries.
    Call(CallError),
    /// Cancellation was requested; nothing more was sent.
    Cancelled,
    /// The service handed back the token it was sent (it would loop forever).
    RepeatedToken,
    /// More than [`MAX_PAGES`] pages.
    TooManyPages,
    /// The page consumer refused a page.
    Consumer(E),
}

impl<E> From<PageFault> for PagesError<E> {
    fn from(f: PageFault) -> Self {
        match f {
            PageFault::RepeatedToken => PagesError::RepeatedToken,
            PageFault::TooManyPages => PagesError::TooManyPages,
        }
    }
}

pub use crate::cloud::MAX_PAGES;

/// The service for one run: a client per target, and the command's [`Pace`] (limiters per [`LimitKey`], the
/// retry policy, the counts) with the run's own cancellation signal.
#[derive(Debug)]
pub struct Service {
    clients: HashMap<usize, Client>,
    pace: Arc<Pace>,
    cancel: Cancel,
}

impl Service {
    /// A service over `clients` (by target) at `pace`, sending nothing once `cancel` turns true.
    pub fn new(clients: HashMap<usize, Client>, pace: Arc<Pace>, cancel: Cancel) -> Self {
        Self { clients, pace, cancel }
    }

    /// The client of `target`.
    pub fn client(&self, target: usize) -> Result<&Client> {
        self.clients.get(&target).ok_or_else(|| Error::Internal(format!("no client for target {target}")))
    }

    /// The limiter of `key` ([`Pace::limiter`]).
    pub fn limiter(&self, key: LimitKey) -> Arc<AdaptiveLimiter> {
        self.pace.limiter(key)
    }

    /// The retry policy.
    pub fn policy(&self) -> &RetryPolicy {
        self.pace.policy()
    }

    /// The run's cancellation signal.
    pub fn cancel(&self) -> &Cancel {
        &self.cancel
    }

    /// The attempts sent at this service's pace so far, per operation (every target, and whatever else shares
    /// the pace: the identity checks, the confirmation's looks).
    pub fn calls(&self) -> CallCounts {
        self.pace.calls()
    }

    /// `call` under the limiter of `key`, retried by the policy; `on_attempt` sees every attempt, and every
    /// attempt is counted under its operation ([`Service::calls`]).
    pub async fn call<T, F, Fut>(
        &self,
        key: LimitKey,
        stats: &mut AttemptStats,
        on_attempt: impl FnMut(&Attempt),
        call: F,
    ) -> Retried<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, CallError>>,
    {
        self.pace.call(key, Some(&self.cancel), stats, on_attempt, call).await
    }

    /// DescribeProject of `name` in `target`; the service's 404 is `Ok(None)`.
    pub async fn describe_project(
        &self,
        target: usize,
        name: &str,
        on_attempt: impl FnMut(&Attempt),
    ) -> Retried<Option<ProjectInfo>> {
        let Ok(client) = self.client(target) else {
            return Retried::Failed(CallError::malformed(&format!("no client for target {target}")));
        };
        let key = LimitKey { target, op: Op::DescribeProject };
        self.call(key, &mut AttemptStats::default(), on_attempt, || client.describe_project(name)).await.found()
    }

    /// Every model version of `project` in `target` (ListModels, every page); the service's 404 (no such
    /// project) is `Ok(None)`.
    pub async fn list_models(
        &self,
        target: usize,
        project: &str,
        on_attempt: impl FnMut(&Attempt),
    ) -> std::result::Result<Option<Vec<ModelSummary>>, PagesError<std::convert::Infallible>> {
        let client = self.client(target).map_err(|e| PagesError::Call(CallError::malformed(&e.to_string())))?;
        let key = LimitKey { target, op: Op::ListModels };
        let mut all = Vec::new();
        let fetch = |token| client.list_models(project, token);
        let each = |page: Vec<ModelSummary>| {
            all.extend(page);
            Ok(())
        };
        match self.pages(None, key, &mut AttemptStats::default(), on_attempt, fetch, each).await {
            Ok(()) => Ok(Some(all)),
            Err(PagesError::Call(e)) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// DescribeModel of `version` of `project` in `target`; the service's 404 is `Ok(None)`.
    pub async fn describe_model(
        &self,
        target: usize,
        project: &str,
        version: &str,
        on_attempt: impl FnMut(&Attempt),
    ) -> Retried<Option<ModelInfo>> {
        let Ok(client) = self.client(target) else {
            return Retried::Failed(CallError::malformed(&format!("no client for target {target}")));
        };
        let key = LimitKey { target, op: Op::DescribeModel };
        self.call(key, &mut AttemptStats::default(), on_attempt, || client.describe_model(project, version))
            .await
            .found()
    }

    /// Every page of a listing ([`Pace::pages`], `first` read already or `None`), stopped by the run's signal.
    pub async fn pages<T, E, F, Fut>(
        &self,
        first: Option<Page<T>>,
        key: LimitKey,
        stats: &mut AttemptStats,
        on_attempt: impl FnMut(&Attempt),
        fetch: F,
        each: impl FnMut(Vec<T>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), PagesError<E>>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = std::result::Result<Page<T>, CallError>>,
    {
        self.pace.pages(first, key, Some(&self.cancel), stats, on_attempt, fetch, each).await
    }
}

#[cfg(test)]
mod tests;
