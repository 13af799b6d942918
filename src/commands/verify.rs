//! `verify`: read-only proof that nothing is left. Exit 0 nothing left, 3 something left, 6 unreachable
//! (never "nothing left" because nothing answered: any call that fails after retries fails the command).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use super::identity::{access, identities, refused_targets};
use super::out;
use super::plan::{check_rate, endpoints};
use crate::cli::{TableFormat, VerifyArgs};
use crate::cloud::identity::target_endpoint;
use crate::cloud::{self, ClientOptions, ErrorKind, ProjectInfo};
use crate::error::{Error, ExitCode, Result};
use crate::escape::escape as e;
use crate::exec::events::EventSink;
use crate::exec::item::same_instant;
use crate::exec::retry::{Retried, RetryPolicy};
use crate::plan::filter::Filter;
use crate::plan::types::DATASET_TYPE_BOTH;
use crate::plan::{Plan, Selection};
use crate::planner::{PlanRequest, make_plan};
use crate::service::Service;
use crate::service::schedule::{Caps, run_fair};

/// A dataset found present.
#[derive(Debug, Clone, Serialize)]
struct Left {
    account: String,
    region: String,
    project: String,
    dataset_type: String,
    status: String,
    created: Option<chrono::DateTime<chrono::Utc>>,
    /// With a plan: the dataset's CreationTimestamp differs from the plan's (re-created since planning).
    recreated: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    scope: String,
    projects_checked: usize,
    datasets_left: usize,
    left: Vec<Left>,
}

/// An identity that cannot be resolved: verify proves nothing (exit 6).
fn cannot_prove(e: Error) -> Error {
    match e {
        Error::Unreachable(m) => Error::Unreachable(format!("{m}; cannot prove anything is gone")),
        other => other,
    }
}

async fn verify_plan(plan: &Plan, args: &VerifyArgs, rate: f64) -> Result<Report> {
    let options = ClientOptions { attempt_timeout: args.connect.attempt_timeout, sdk_retries: false };
    let access = access(plan, args.role.external_id.as_ref(), args.role.session_name.as_ref())?;
    let (profile, url) = (args.profiles.first(), args.connect.endpoint_url.as_ref());
    let refused = refused_targets(plan, profile, url, &access, options).await.map_err(cannot_prove)?;
    if !refused.is_empty() {
        // Never "nothing left" because another account was asked.
        return Err(Error::Refused(refused.into_values().collect::<Vec<_>>().join("; ")));
    }
    let mut clients = HashMap::new();
    for (n, t) in plan.targets.iter().enumerate() {
        if !plan.items.iter().any(|i| i.target == n) {
            continue;
        }
        let e = target_endpoint(t, profile, url, &access);
        clients.insert(n, cloud::connect(&e, options).await?);
    }
    let mut projects: BTreeMap<(usize, String), Vec<&crate::plan::Item>> = BTreeMap::new();
    for i in &plan.items {
        projects.entry((i.target, i.project.clone())).or_default().push(i);
    }
    let policy = RetryPolicy { max_attempts: args.sweep.max_attempts.max(1), ..RetryPolicy::default() };
    let (_tx, cancel) = watch::channel(false);
    let svc = Arc::new(Service::new(clients, Some(rate), policy, cancel.clone()));
    let mut queues: Vec<VecDeque<String>> = plan.targets.iter().map(|_| VecDeque::new()).collect();
    for (target, project) in projects.keys() {
        queues[*target].push_back(project.clone());
    }
    let work = |target: usize, project: String| {
        let svc = svc.clone();
        async move {
            let r = svc.describe_project(target, &project, |_| {}).await;
            ((target, project), r)
        }
    };
    let mut joined = Vec::new();
    let caps = Caps { per_target: args.sweep.concurrency, global: args.sweep.max_in_flight };
    run_fair(queues, caps, &cancel, Duration::ZERO, work, |j| joined.push(j)).await;
    let mut found: HashMap<(usize, String), Option<ProjectInfo>> = HashMap::new();
    for j in joined {
        let (key, r) = j.map_err(|e| Error::Internal(format!("verify task: {e}")))?;
        let info = match r {
            Retried::Ok(i) => i,
            Retried::Failed(e) if e.kind == ErrorKind::Foreign => {
                let what = format!("DescribeProject {}", key.1);
                return Err(Error::Unreachable(format!(
                    "{}; cannot prove anything is gone",
                    svc.client(key.0)?.not_the_service(&what, &e)
                )));
            }
            Retried::Failed(e) => {
                return Err(Error::Unreachable(format!(
                    "DescribeProject {} in {} failed after retries: {e}; cannot prove anything is gone",
                    key.1, plan.targets[key.0].region
                )));
            }
            Retried::Cancelled => return Err(Error::Internal("cancelled".into())),
        };
        found.insert(key, info);
    }
    let mut left = Vec::new();
    for ((target, project), items) in &projects {
        let Some(Some(info)) = found.get(&(*target, project.clone())) else { continue };
        for item in items {
            // `datasets_only` refused every other kind before any call.
            let Some(ty) = item.dataset_type() else { continue };
            if let Some(d) = info.dataset(ty.as_str()) {
                left.push(Left {
                    account: item.account.clone(),
                    region: item.region.clone(),
                    project: project.clone(),
                    dataset_type: item.resource.clone(),
                    status: d.status.clone(),
                    created: d.created,
                    recreated: !same_instant(d.created, item.created),
                });
            }
        }
    }
    Ok(Report {
        scope: format!("plan {} ({} datasets)", plan.plan_id, plan.items.len()),
        projects_checked: projects.len(),
        datasets_left: left.len(),
        left,
    })
}

async fn verify_all(args: &VerifyArgs, rate: f64) -> Result<Report> {
    let endpoints = endpoints(&args.profiles, &args.regions, &args.connect.endpoint_url).await?;
    let scope = endpoints.iter().map(|e| e.region.clone()).collect::<Vec<_>>().join(", ");
    // A plan with no filters lists exactly the datasets that exist: reuse the planner's enumeration.
    let req = PlanRequest {
        endpoints,
        selection: Selection { dataset_type: DATASET_TYPE_BOTH.into(), ..Selection::default() },
        filter: Filter::new(&[], &[], None, None, None)?,
        rate: Some(rate),
        concurrency: args.sweep.concurrency,
        max_in_flight: args.sweep.max_in_flight,
        client: ClientOptions { attempt_timeout: args.connect.attempt_timeout, sdk_retries: false },
        policy: RetryPolicy { max_attempts: args.sweep.max_attempts.max(1), ..RetryPolicy::default() },
    };
    // Resolve the caller before the first call (exit 6 if it cannot be resolved).
    identities(&req.endpoints, req.client).await.map_err(cannot_prove)?;
    let plan = make_plan(req, EventSink::none()).await?;
    let left: Vec<Left> = plan
        .items
        .iter()
        .map(|i| Left {
            account: i.account.clone(),
            region: i.region.clone(),
            project: i.project.clone(),
            dataset_type: i.resource.clone(),
            status: i.status.clone(),
            created: i.created,
            recreated: false,
        })
        .collect();
    Ok(Report {
        scope: format!("every dataset in {scope}"),
        projects_checked: plan.summary.projects_seen,
        datasets_left: left.len(),
        left,
    })
}

pub(crate) async fn verify(args: VerifyArgs) -> Result<ExitCode> {
    let rate = check_rate(args.sweep.rate)?;
    let report = match &args.plan {
        Some(path) => {
            let plan = Plan::load(path)?;
            super::apply::datasets_only(&plan, path)?;
            verify_plan(&plan, &args, rate).await?
        }
        None => verify_all(&args, rate).await?,
    };
    Ok(print_report(&report, args.format))
}

/// `sweep`'s last step: verify the sealed `plan` as `verify PLAN` would (printing its report), with the
/// sweep's connection and pace; the exit code is verify's (0 nothing left, 3 something left).
pub(crate) async fn verify_sealed(plan: &Plan, args: &VerifyArgs) -> Result<ExitCode> {
    let rate = check_rate(args.sweep.rate)?;
    let report = verify_plan(plan, args, rate).await?;
    Ok(print_report(&report, args.format))
}

/// Print the report in `format` and give its exit code.
fn print_report(report: &Report, format: TableFormat) -> ExitCode {
    match format {
        TableFormat::Json => out(&format!("{}\n", serde_json::to_string_pretty(&report).expect("json"))),
        TableFormat::Table => {
            let mut s = format!(
                "verify {}: {} projects checked, {} datasets left\n",
                e(&report.scope),
                report.projects_checked,
                report.datasets_left
            );
            for l in &report.left {
                s.push_str(&format!(
                    "  {} {} {} {} {}{}\n",
                    e(&l.account),
                    e(&l.region),
                    e(&l.project),
                    e(&l.dataset_type),
                    e(&l.status),
                    if l.recreated { " (re-created since planning)" } else { "" }
                ));
            }
            if report.left.is_empty() {
                s.push_str("nothing left\n");
            }
            out(&s);
        }
    }
    if report.left.is_empty() { ExitCode::Ok } else { ExitCode::Incomplete }
}
