//! verify's runner: read-only proof that nothing is left, for `verify` and the end of `sweep`. Never
//! "nothing left" because nothing answered: any call that fails after retries fails the verification (exit 6).
//!
//! With a plan ([`verify_plan`]), every planned resource of every kind is checked: one DescribeProject per
//! planned project, and one DescribeModel per planned model version of a project that still exists; what each
//! answer means per kind is decided in [`gone`]. With whole targets ([`verify_all`]), the planner's
//! `--scope all` enumeration lists every project, model version and dataset that exists; the scope keeps
//! the datasets (or, with [`Scope::All`], everything). Both end with what remains outside the scope
//! ([`Outside`], measured by this run's own calls).

pub mod gone;
mod outside;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use tokio::sync::watch;

use crate::calls::Calls;
use crate::cloud::{CallError, ErrorKind, ModelInfo, ProjectInfo};
use crate::error::{Error, Result};
use crate::exec::drift::same_instant;
use crate::exec::events::EventSink;
use crate::exec::retry::Retried;
use crate::identity::{access, check_targets, endpoints, plan_clients};
use crate::plan::counts::{by_kind, datasets_only};
use crate::plan::filter::Filter;
use crate::plan::{DatasetTypes, Item, Kind, Plan, Resource, Scope, Selection};
use crate::planner::{PlanRequest, make_plan};
use crate::reach::{reach_endpoints, unreachable_line};
use crate::report::about::{About, TargetRef};
use crate::service::schedule::{Caps, run_fair};
use crate::service::{Pace, Service};
use gone::{PROJECT_PRESENT, still_present};
pub use outside::Outside;

/// How verify makes its calls and reaches the targets, resolved from `verify`'s or `sweep`'s flags.
#[derive(Debug, Clone)]
pub struct Options {
    /// Rate, retry policy and client options.
    pub calls: Calls,
    /// DescribeProject calls in flight per target.
    pub concurrency: usize,
    /// Calls in flight across every target.
    pub max_in_flight: usize,
    /// Profiles: with a plan the first overrides every target's; for whole targets each is visited.
    pub profiles: Vec<String>,
    /// Endpoint URL for every target.
    pub endpoint_url: Option<String>,
    /// `--external-id` for the plan's roles that need one.
    pub external_id: Option<String>,
    /// `--session-name` (default `lfv-sunset-<plan id>`).
    pub session_name: Option<String>,
    /// The command's pace when verify is part of a larger command (`sweep`): its limiters, role sessions and
    /// known identities are shared, so no role is assumed and no identity asked twice. `None`: a pace of its own.
    pub pace: Option<Arc<Pace>>,
}

impl Options {
    fn pace(&self) -> Arc<Pace> {
        self.pace.clone().unwrap_or_else(|| self.calls.pace())
    }
}

/// A planned (or, with `--all`, existing) resource found present.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Left {
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// Project name.
    pub project: String,
    /// `train`/`test` for a dataset, empty otherwise.
    pub dataset_type: String,
    /// `stop_model` (still hosted), `delete_model`, `delete_dataset` or `delete_project`.
    #[schemars(with = "String")]
    pub kind: Kind,
    /// The model version, dataset type or project name.
    pub resource: String,
    /// Its status as the service spells it, or `present` for a project.
    pub status: String,
    /// Its CreationTimestamp, if known.
    pub created: Option<chrono::DateTime<chrono::Utc>>,
    /// With a plan: the dataset's CreationTimestamp differs from the plan's (re-created since planning).
    pub recreated: bool,
}

/// What verify found: counts per kind and every resource left. Serialised as `verify --format json` prints it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    /// [`crate::report::about::VERIFY`], the build, when verify began and ended.
    #[serde(flatten)]
    pub about: About,
    /// The plan verified; `null` for `--all`.
    pub plan_id: Option<String>,
    /// The targets asked.
    pub targets: Vec<TargetRef>,
    /// What was verified (`plan ID (N items)`, `every dataset in REGIONS`).
    pub scope: String,
    /// Projects described.
    pub projects_checked: usize,
    /// Datasets still present.
    pub datasets_left: usize,
    /// Model versions still present (`delete_model`).
    pub models_left: usize,
    /// Model versions still hosted or starting to (`stop_model`).
    pub models_hosted: usize,
    /// Projects still present (`delete_project`, or `--all --scope all`).
    pub projects_left: usize,
    /// Every resource left.
    pub left: Vec<Left>,
    /// What remains outside the scope, measured by this run ([`Outside`]).
    pub outside_scope: Outside,
    /// 0 when nothing is left in the scope, 3 when something is (a verify that cannot prove prints no report).
    pub exit_code: u8,
    /// Targets of the plan this report did not look at, because they could not be reached (`sweep`, whose
    /// sealed plan lists them under `unreachable`), one line each: "nothing left" is about the others only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_verified: Vec<String>,
}

/// Verify's exit code for what it found `left`: 3 if anything, else 0.
fn exit_of(left: &[Left]) -> crate::error::ExitCode {
    crate::error::exit_code(&crate::error::RunFacts { incomplete: !left.is_empty(), ..Default::default() })
}

impl Report {
    /// The exit code of this report (the same as its `exit_code`).
    pub fn exit(&self) -> crate::error::ExitCode {
        exit_of(&self.left)
    }

    /// The metrics of this report: what is left per kind, and what remains outside the scope when measured.
    pub fn metrics(&self, command: &str, duration_s: f64) -> crate::report::metrics::RunMetrics {
        let base = crate::report::metrics::RunMetrics {
            command: command.into(),
            duration_s,
            exit_code: self.exit_code,
            ..Default::default()
        };
        self.add_to(base)
    }

    /// `m` with what this report found left and outside its scope.
    pub fn add_to(&self, m: crate::report::metrics::RunMetrics) -> crate::report::metrics::RunMetrics {
        let left = [
            (Kind::DeleteDataset, self.datasets_left),
            (Kind::DeleteModel, self.models_left),
            (Kind::StopModel, self.models_hosted),
            (Kind::DeleteProject, self.projects_left),
        ];
        let left = left.into_iter().map(|(k, n)| (k.as_str().to_string(), n as u64)).collect();
        let o = &self.outside_scope;
        let outside = o.not_measured.is_none().then(|| {
            [
                ("projects", o.projects as u64),
                ("model_versions", o.model_versions as u64),
                ("hosted", o.hosted as u64),
                ("inference_units", o.inference_units),
            ]
            .into_iter()
            .map(|(w, n)| (w.to_string(), n))
            .collect()
        });
        m.with_verify(left, outside)
    }
}

/// What a report is of: the plan (if any), the targets asked, when verify began.
struct Of {
    plan_id: Option<String>,
    targets: Vec<TargetRef>,
    started_at: chrono::DateTime<chrono::Utc>,
}

impl Report {
    fn new(of: Of, scope: String, projects_checked: usize, left: Vec<Left>, outside_scope: Outside) -> Self {
        let count = |k: Kind| left.iter().filter(|l| l.kind == k).count();
        Self {
            about: About::new(crate::report::about::VERIFY, of.started_at),
            plan_id: of.plan_id,
            targets: of.targets,
            exit_code: exit_of(&left).code(),
            scope,
            projects_checked,
            datasets_left: count(Kind::DeleteDataset),
            models_left: count(Kind::DeleteModel),
            models_hosted: count(Kind::StopModel),
            projects_left: count(Kind::DeleteProject),
            left,
            outside_scope,
            not_verified: Vec::new(),
        }
    }
}

/// What verify saw of one planned project: DescribeProject (`None`: 404) and, if it exists, DescribeModel of
/// each planned version (absent from the map: 404).
type Seen = (Option<ProjectInfo>, BTreeMap<String, ModelInfo>);

/// A project's look as its task ended: the project, and what was seen or which call failed.
type Joined = Result<((usize, String), Result<Seen, (String, CallError)>), tokio::task::JoinError>;

/// A call that did not answer: what it was, and why (cancellation reads as a malformed answer: it cannot
/// prove anything).
fn failure<T>(what: String, r: Retried<T>) -> (String, CallError) {
    match r {
        Retried::Failed(e) => (what, e),
        _ => (what, CallError::malformed("cancelled")),
    }
}

/// DescribeProject, then DescribeModel of each of `versions` while the project exists. Errors name the call.
async fn look(
    svc: &Service,
    target: usize,
    project: &str,
    versions: &BTreeSet<String>,
) -> Result<Seen, (String, CallError)> {
    let info = match svc.describe_project(target, project, |_| {}).await {
        Retried::Ok(i) => i,
        r => return Err(failure(format!("DescribeProject {project}"), r)),
    };
    let mut models = BTreeMap::new();
    if info.is_some() {
        for v in versions {
            match svc.describe_model(target, project, v, |_| {}).await {
                Retried::Ok(Some(m)) => {
                    models.insert(v.clone(), m);
                }
                Retried::Ok(None) => {}
                r => return Err(failure(format!("DescribeModel {project} version {v}"), r)),
            }
        }
    }
    Ok((info, models))
}

/// An identity that cannot be resolved: verify proves nothing (exit 6).
fn cannot_prove(e: Error) -> Error {
    match e {
        Error::Unreachable(m) => Error::Unreachable(format!("{m}; cannot prove anything is gone")),
        other => other,
    }
}

/// Verify `plan`: every planned resource of every kind (see the module docs).
pub async fn verify_plan(plan: &Plan, opts: &Options) -> Result<Report> {
    let started_at = chrono::Utc::now();
    let calls = opts.calls;
    let options = calls.client;
    let pace = opts.pace();
    let access = access(plan, opts.external_id.as_ref(), opts.session_name.as_ref())?;
    let (profile, url) = (opts.profiles.first(), opts.endpoint_url.as_ref());
    let checked = check_targets(plan, profile, url, &access, options, &pace).await.map_err(cannot_prove)?;
    if !checked.refused.is_empty() {
        // Never "nothing left" because another account was asked.
        return Err(Error::Refused(checked.refused.into_values().collect::<Vec<_>>().join("; ")));
    }
    if !checked.unreachable.is_empty() {
        // Nor because a target could not be asked.
        let why = checked.unreachable.into_values().collect::<Vec<_>>().join("; ");
        return Err(cannot_prove(Error::Unreachable(why)));
    }
    let clients = plan_clients(plan, profile, url, &access, &BTreeSet::new(), options, &pace).await?;
    let mut projects: BTreeMap<(usize, String), Vec<&Item>> = BTreeMap::new();
    for i in &plan.items {
        projects.entry((i.target, i.project.clone())).or_default().push(i);
    }
    let (_tx, cancel) = watch::channel(false);
    let svc = Arc::new(Service::new(clients, pace, cancel.clone()));
    let mut queues: Vec<VecDeque<(String, BTreeSet<String>)>> = plan.targets.iter().map(|_| VecDeque::new()).collect();
    for ((target, project), items) in &projects {
        let versions = items.iter().filter_map(|i| match i.typed_resource()? {
            Resource::ModelVersion(v) => Some(v.to_string()),
            Resource::Dataset(_) | Resource::Project(_) => None,
        });
        queues[*target].push_back((project.clone(), versions.collect()));
    }
    let work = |target: usize, (project, versions): (String, BTreeSet<String>)| {
        let svc = svc.clone();
        async move {
            let r = look(&svc, target, &project, &versions).await;
            ((target, project), r)
        }
    };
    let mut joined = Vec::new();
    let caps = Caps { per_target: opts.concurrency, global: opts.max_in_flight };
    run_fair(queues, caps, &cancel, Duration::ZERO, work, |j| joined.push(j)).await;
    let found = seen_of(joined, &svc, plan)?;
    let what = if datasets_only(&by_kind(&plan.items)) { "datasets" } else { "items" };
    let outside = outside::of_plan(&svc, &plan.items).await;
    let of = Of { plan_id: Some(plan.plan_id.clone()), targets: TargetRef::of_items(&plan.items), started_at };
    Ok(Report::new(
        of,
        format!("plan {} ({} {what})", plan.plan_id, plan.items.len()),
        projects.len(),
        left_of(&projects, &found),
        outside,
    ))
}

/// What each project's look saw; an answer that is not the service's, or a look that failed after retries,
/// proves nothing (exit 6).
fn seen_of(joined: Vec<Joined>, svc: &Service, plan: &Plan) -> Result<HashMap<(usize, String), Seen>> {
    let mut found: HashMap<(usize, String), Seen> = HashMap::new();
    for j in joined {
        let (key, r) = j.map_err(|e| Error::Internal(format!("verify task: {e}")))?;
        match r {
            Ok(seen) => {
                found.insert(key, seen);
            }
            Err((what, e)) if e.kind == ErrorKind::Foreign => {
                return Err(Error::Unreachable(format!(
                    "{}; cannot prove anything is gone",
                    svc.client(key.0)?.not_the_service(&what, &e)
                )));
            }
            Err((what, e)) => {
                return Err(Error::Unreachable(format!(
                    "{what} in {} failed after retries: {e}; cannot prove anything is gone",
                    plan.targets[key.0].region
                )));
            }
        }
    }
    Ok(found)
}

/// The plan's items still present, by what each project's look saw.
fn left_of(projects: &BTreeMap<(usize, String), Vec<&Item>>, found: &HashMap<(usize, String), Seen>) -> Vec<Left> {
    let mut left = Vec::new();
    for ((target, project), items) in projects {
        let Some((info, models)) = found.get(&(*target, project.clone())) else { continue };
        for item in items {
            let Some(p) = still_present(item, info.as_ref(), models.get(&item.resource)) else { continue };
            left.push(Left {
                account: item.account.clone(),
                region: item.region.clone(),
                project: project.clone(),
                dataset_type: item.dataset_type().map(|t| t.to_string()).unwrap_or_default(),
                kind: item.kind,
                resource: item.resource.clone(),
                status: p.status,
                created: p.created,
                recreated: !same_instant(p.created, item.created),
            });
        }
    }
    left
}

/// Exit 6 naming every target that cannot be reached, if any: nothing can be proven about them.
fn unproven(unreachable: &[crate::plan::Unreachable]) -> Result<()> {
    if unreachable.is_empty() {
        return Ok(());
    }
    let why: Vec<String> = unreachable.iter().map(unreachable_line).collect();
    let n = why.len();
    Err(cannot_prove(Error::Unreachable(format!("{n} targets cannot be reached: {}", why.join("; ")))))
}

/// Verify whole targets: every dataset that exists in `regions`; with [`Scope::All`] every project and every
/// model version too (ListModels of each project, whose status says which are hosted), as the teardown
/// planner lists them: each count of the report is of resources listed by this run's calls.
pub async fn verify_all(regions: &[String], scope: Scope, opts: &Options) -> Result<Report> {
    let started_at = chrono::Utc::now();
    let calls = opts.calls;
    let endpoints = endpoints(&opts.profiles, regions, &opts.endpoint_url).await?;
    let regions = endpoints.iter().map(|e| e.region.clone()).collect::<Vec<_>>().join(", ");
    let pace = opts.pace();
    // Resolve the caller and probe every target before the first enumeration call, as `plan` does: a target
    // that cannot be reached proves nothing (exit 6, each named).
    let reach = reach_endpoints(endpoints, None, calls.client, &pace).await.map_err(cannot_prove)?;
    unproven(&reach.unreachable)?;
    // A `--scope all` plan with no filters lists exactly what exists (every project, model version and
    // dataset): reuse the planner's enumeration; what the scope leaves out is what remains outside it.
    let req = PlanRequest {
        targets: reach.reached,
        selection: Selection { dataset_type: DatasetTypes::Both, scope: Scope::All, ..Selection::default() },
        filter: Filter::new(&[], &[], None, None, None)?,
        concurrency: opts.concurrency,
        max_in_flight: opts.max_in_flight,
        client: calls.client,
        pace,
    };
    let (_never, cancel) = watch::channel(false);
    let svc = Service::new(crate::planner::connect_all(&req).await?, req.pace.clone(), cancel);
    let plan = make_plan(crate::planner::new_plan_id(), req, EventSink::none()).await?;
    // A target that refused a call of the enumeration after its probe answered proves nothing either.
    unproven(&plan.unreachable)?;
    let outside = outside::of_scope(&svc, scope, &plan.items).await;
    let left: Vec<Left> = plan
        .items
        .iter()
        .filter(|i| outside::in_scope(scope, i.kind))
        .map(|i| Left {
            account: i.account.clone(),
            region: i.region.clone(),
            project: i.project.clone(),
            dataset_type: if i.kind == Kind::DeleteDataset { i.resource.clone() } else { String::new() },
            kind: i.kind,
            resource: i.resource.clone(),
            status: if i.kind == Kind::DeleteProject { PROJECT_PRESENT.into() } else { i.status.clone() },
            created: i.created,
            recreated: false,
        })
        .collect();
    let what = if scope == Scope::All { "project, model version and dataset" } else { "dataset" };
    let of = Of { plan_id: None, targets: TargetRef::of_targets(&plan.targets), started_at };
    Ok(Report::new(of, format!("every {what} in {regions}"), plan.summary.projects_seen, left, outside))
}
