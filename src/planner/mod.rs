//! The planner: enumerate every target with ListProjects (every page) and DescribeProject (per project,
//! concurrently) into a [`Plan`].
//!
//! Each target has its own limiter per operation (ListProjects, DescribeProject), both at `rate` (5/s by
//! default, the service's documented quota), so listing and describing overlap: describes start as soon as a
//! page arrives. Every target is enumerated at once, each with up to `concurrency` DescribeProject calls in
//! flight and `max_in_flight` in all. Calls go through [`crate::service`] (the executor's limiters and
//! retry policy). A listing, describe or model listing that still fails after retries stops that target's
//! enumeration: the target cannot be reached, as if its probe had failed (`reach`), and is an
//! [`Unreachable`] entry, never an empty account (`plan` then writes no plan unless `--allow-unreachable`).
//! An answer that is not the service's, or a listing that does not end, fails the whole plan (exit 6).
//! A project that answers 404 to DescribeProject after being listed is recorded as skipped
//! (`project_vanished`).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::cloud::{
    self, CallError, Client, ClientOptions, Endpoint, ErrorKind, ModelSummary, ProjectInfo, ProjectSummary,
};
use crate::error::{Error, Result};
use crate::exec::events::{Event, EventSink};
use crate::plan::Unreachable;
use crate::plan::filter::Filter;
use crate::plan::format::{Plan, Selection};
use crate::plan::types::Scope;
use crate::reach::{Reached, unreachable};
use crate::service::retry::{Attempt, AttemptStats, Retried};
use crate::service::{LimitKey, MAX_PAGES, Op, Pace, PagesError, Service};
use lfv_model::arn;

mod assemble;
pub(crate) mod teardown;
#[cfg(test)]
mod tests;

pub(crate) use assemble::{assemble, project_items};

/// What to plan and how.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The targets, as reached (one per account and region), with the first page of projects each probe read.
    pub targets: Vec<Reached>,
    /// The flags as given, recorded in the plan.
    pub selection: Selection,
    /// Compiled filters.
    pub filter: Filter,
    /// DescribeProject calls in flight per target.
    pub concurrency: usize,
    /// Calls in flight across every target (`--max-in-flight`).
    pub max_in_flight: usize,
    /// Client options.
    pub client: ClientOptions,
    /// The command's limiters, retry policy and call counts.
    pub pace: Arc<Pace>,
}

/// What one target's enumeration found.
#[derive(Debug)]
pub(crate) struct Scan {
    /// The endpoint enumerated.
    pub(crate) endpoint: Endpoint,
    /// Account read from the first project ARN listed.
    pub(crate) account: Option<String>,
    /// Projects listed.
    pub(crate) listed: usize,
    /// Each listed project described, or its name when DescribeProject answered 404.
    pub(crate) projects: Vec<std::result::Result<ProjectInfo, String>>,
    /// `--scope all`: each described project's model versions (ListModels), by project name.
    pub(crate) models: HashMap<String, Vec<ModelSummary>>,
    /// The target refused a call before its enumeration ended: its entry; what was found is partial.
    pub(crate) refused: Option<Unreachable>,
}

/// A new plan id: `lfv-YYYYMMDDTHHMMSSZ-` + 8 random hex digits.
pub fn new_plan_id() -> String {
    format!("lfv-{}-{:08x}", Utc::now().format("%Y%m%dT%H%M%SZ"), rand::random::<u32>())
}

fn describe_endpoint(e: &Endpoint) -> String {
    let mut s = format!("region {}", e.region);
    if let Some(p) = &e.profile {
        s.push_str(&format!(", profile {p}"));
    }
    if let Some(u) = &e.endpoint_url {
        s.push_str(&format!(", endpoint {u}"));
    }
    s
}

/// What a call of the enumeration that failed after retries comes to: an answer that is not the service's
/// fails the plan (`Err`, exit 6 naming the endpoint); any other stops the target only (its unreachable
/// entry, the code the service gave, the call and the answer in its message), as its probe would have.
fn enumeration_failed(op: &str, target: &Reached, client: &Client, err: &CallError) -> Result<Unreachable> {
    if err.kind == ErrorKind::Foreign {
        return Err(Error::Unreachable(client.not_the_service(op, err)));
    }
    let code = err.code.clone().unwrap_or_else(|| "unreachable".into());
    let message = format!("{op} (while planning, after its probe answered): {err}");
    Ok(unreachable(&target.account, &target.endpoint, &code, message))
}

/// Called with (target, description, its model versions (`--scope all`; empty otherwise), when it arrived)
/// as each project is described (`sweep` starts deleting right away); planning itself passes none.
pub type OnProject = Arc<dyn Fn(usize, &ProjectInfo, &[ModelSummary], std::time::Instant) + Send + Sync>;

async fn scan(
    req: Arc<PlanRequest>,
    target: usize,
    svc: Arc<Service>,
    global: Arc<Semaphore>,
    events: EventSink,
    on_project: Option<OnProject>,
) -> Result<Scan> {
    let reached = &req.targets[target];
    let endpoint = reached.endpoint.clone();
    let client = svc.client(target)?.clone();
    let sem = Arc::new(Semaphore::new(req.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let all = req.selection.scope == Scope::All;
    let mut account: Option<String> = None;
    let mut listed = 0;
    let on_page = |page: Vec<ProjectSummary>| {
        events.send(Event::AddTotal(page.len() as u64));
        for p in page {
            listed += 1;
            if let Some((acct, _)) = arn::lookoutvision_account_region(&p.arn) {
                account.get_or_insert_with(|| acct.to_string());
            }
            let (svc, sem, global, events) = (svc.clone(), sem.clone(), global.clone(), events.clone());
            let on_project = on_project.clone();
            tasks.spawn(async move {
                // The target's own permit first, then the shared one: at most `concurrency` waiters per target
                // queue (first in, first out) on the shared cap, so targets take turns under it.
                let _permit = sem.acquire().await.expect("semaphore open");
                let _shared = global.acquire().await.expect("semaphore open");
                let r = svc.describe_project(target, &p.name, |a| throttled(&events, a)).await;
                let mut op = "DescribeProject";
                let r = match r {
                    Retried::Ok(Some(info)) if all => {
                        op = "ListModels";
                        models_of(&svc, target, info, &events).await
                    }
                    Retried::Ok(Some(info)) => Retried::Ok(Some((info, Vec::new()))),
                    Retried::Ok(None) => Retried::Ok(None),
                    Retried::Failed(e) => Retried::Failed(e),
                    Retried::Cancelled => Retried::Cancelled,
                };
                events.send(Event::Done { failed: false });
                if let (Some(f), Retried::Ok(Some((info, models)))) = (&on_project, &r) {
                    f(target, info, models, std::time::Instant::now());
                }
                match r {
                    Retried::Ok(Some(found)) => Ok(Ok(found)),
                    Retried::Ok(None) => Ok(Err(p.name)),
                    Retried::Failed(e) => Err(Some((format!("{op} {}", p.name), e))),
                    Retried::Cancelled => Err(None),
                }
            });
        }
        Ok::<(), std::convert::Infallible>(())
    };
    let key = LimitKey { target, op: Op::ListProjects };
    let fetch = |token| client.list_projects(token);
    let first = Some(reached.first_page.clone());
    let on_attempt = |a: &Attempt| throttled(&events, a);
    let listing = svc.pages(first, key, &mut AttemptStats::default(), on_attempt, fetch, on_page).await;
    let mut projects = Vec::with_capacity(listed);
    let mut models = HashMap::new();
    let refused = |projects, models, entry| {
        Ok(Scan {
            endpoint: endpoint.clone(),
            account: account.clone(),
            listed,
            projects,
            models,
            refused: Some(entry),
        })
    };
    match listing {
        Ok(()) => {}
        Err(PagesError::Call(e)) => {
            // The projects described so far are dropped with the tasks: the target is not planned.
            return refused(projects, models, enumeration_failed("ListProjects", reached, &client, &e)?);
        }
        Err(PagesError::Cancelled) => return Err(Error::Internal("planning cancelled".into())),
        // A listing that does not end is not the service's answer: nothing can be concluded anywhere.
        Err(PagesError::RepeatedToken) => {
            let at = describe_endpoint(&endpoint);
            return Err(Error::Unreachable(format!("ListProjects returned the token it was sent for {at}")));
        }
        Err(PagesError::TooManyPages) => {
            let at = describe_endpoint(&endpoint);
            return Err(Error::Unreachable(format!("ListProjects gave more than {MAX_PAGES} pages for {at}")));
        }
        Err(PagesError::Consumer(never)) => match never {},
    }
    while let Some(joined) = tasks.join_next().await {
        match joined.map_err(|e| Error::Internal(format!("describe task: {e}")))? {
            Ok(Ok((info, versions))) => {
                if all {
                    models.insert(info.name.clone(), versions);
                }
                projects.push(Ok(info));
            }
            Ok(Err(name)) => projects.push(Err(name)),
            Err(Some((what, e))) => {
                // The tasks still running are dropped with the set: the target is not planned.
                let entry = enumeration_failed(&what, reached, &client, &e)?;
                return refused(projects, models, entry);
            }
            Err(None) => return Err(Error::Internal("planning cancelled".into())),
        }
    }
    Ok(Scan { endpoint, account, listed, projects, models, refused: None })
}

/// `--scope all`: the project's model versions (ListModels, every page). A project gone meanwhile is `None`
/// (`project_vanished`).
async fn models_of(
    svc: &Service,
    target: usize,
    info: ProjectInfo,
    events: &EventSink,
) -> Retried<Option<(ProjectInfo, Vec<ModelSummary>)>> {
    match svc.list_models(target, &info.name, |a| throttled(events, a)).await {
        Ok(Some(models)) => Retried::Ok(Some((info, models))),
        Ok(None) => Retried::Ok(None),
        Err(PagesError::Call(e)) => Retried::Failed(e),
        Err(PagesError::Cancelled) => Retried::Cancelled,
        Err(PagesError::RepeatedToken | PagesError::TooManyPages) => {
            Retried::Failed(CallError::malformed(&format!("ListModels of {} did not end", info.name)))
        }
        Err(PagesError::Consumer(never)) => match never {},
    }
}

fn throttled(events: &EventSink, a: &Attempt) {
    if a.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Throttling) {
        events.send(Event::Throttled);
    }
}

/// Enumerate every target and build the plan `plan_id` (not yet written): a target that refused a call of its
/// enumeration is not planned and is listed under `unreachable` (after those the probes found, which the
/// caller records).
pub async fn make_plan(plan_id: String, req: PlanRequest, events: EventSink) -> Result<Plan> {
    let req = Arc::new(req);
    let clients = connect_all(&req).await?;
    let (_never, cancel) = watch::channel(false);
    let svc = Arc::new(Service::new(clients, req.pace.clone(), cancel));
    let (scans, refused): (Vec<Scan>, Vec<Scan>) =
        scan_all(req.clone(), svc, events.clone(), None).await?.into_iter().partition(|s| s.refused.is_none());
    let mut plan = assemble(plan_id, req.selection.clone(), &req.filter, scans, |n| events.note(n));
    plan.unreachable = refused.into_iter().filter_map(|s| s.refused).collect();
    plan.seal();
    plan.validate().map_err(|e| Error::Internal(format!("the plan just made is invalid: {e}")))?;
    Ok(plan)
}

/// Connect every target first (fails with exit 6 before any call if credentials are missing).
pub(crate) async fn connect_all(req: &PlanRequest) -> Result<HashMap<usize, Client>> {
    let mut clients = HashMap::new();
    for (i, t) in req.targets.iter().enumerate() {
        clients.insert(i, cloud::connect(&t.endpoint, req.client, req.pace.gate(i)).await?);
    }
    Ok(clients)
}

/// Enumerate every target at once through `svc` (numbered as `req.targets`); `on_project` sees each project
/// as it is described. The scans come back in target order (a target that refused a call: its partial scan,
/// with the entry).
pub(crate) async fn scan_all(
    req: Arc<PlanRequest>,
    svc: Arc<Service>,
    events: EventSink,
    on_project: Option<OnProject>,
) -> Result<Vec<Scan>> {
    events.send(Event::Phase { name: "enumerating projects".into(), total: 0 });
    let global = Arc::new(Semaphore::new(req.max_in_flight.max(1)));
    let mut tasks = JoinSet::new();
    for i in 0..req.targets.len() {
        let fut = scan(req.clone(), i, svc.clone(), global.clone(), events.clone(), on_project.clone());
        tasks.spawn(async move { (i, fut.await) });
    }
    let mut scans: Vec<Option<Scan>> = (0..req.targets.len()).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        let (i, r) = joined.map_err(|e| Error::Internal(format!("planner task: {e}")))?;
        scans[i] = Some(r?);
    }
    Ok(scans.into_iter().flatten().collect())
}
