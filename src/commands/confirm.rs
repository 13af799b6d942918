//! What `apply` says it will do before it asks (and what a dry run says it will check): counts per kind and
//! what is blocked right now.
//!
//! For a plan of `delete_dataset` items only the text is today's (`40 datasets in 20 projects, accounts ...,
//! regions ...`). A plan holding other kinds names each kind with its count: `stop_model 3 (3 hosted now, 5
//! inference units), delete_model 9, delete_dataset 40, delete_project 20; in 20 projects, accounts ...,
//! regions ...`. The inference units come
//! from one DescribeModel per `stop_model` and `delete_model` item, sent before the question (reads are
//! allowed before confirmation) through `service`: a hosted model's `MinInferenceUnits`, the units it bills
//! for at least. Those answers also say what is blocked now: a model version in a state DeleteModel must wait
//! for (`TRAINING`, `STARTING_HOSTING`, `STOPPING_HOSTING`, `SYSTEM_UPDATING`, `DELETING`), and the project
//! whose delete would then be skipped. A model that no answer describes adds no units and is not listed.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::calls::Calls;
use crate::cli::RunArgs;
use crate::cloud::{self, Client, ModelInfo};
use crate::error::{Error, Result};
use crate::escape::escape_lines;
use crate::identity::{access, check_targets, plan_clients};
use crate::plan::counts::{by_kind, datasets_only, per_kind};
use crate::plan::{Item, Kind, Plan};
use crate::service::retry::Retried;
use crate::service::schedule::{Caps, run_fair};
use crate::service::{Pace, Service};

/// What a DescribeModel before the question showed of one model item's version.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModelNow {
    /// Status as the service spells it.
    pub status: cloud::ModelStatus,
    /// `MinInferenceUnits`, if the answer had it.
    pub units: Option<u32>,
}

/// DescribeModel of every `stop_model` and `delete_model` item's version, by seq (a version that is gone is
/// absent). Any call that fails after retries fails the command: nothing is asked on a guess.
pub(crate) async fn models_now(
    plan: &Plan,
    svc: Arc<Service>,
    cancel: &watch::Receiver<bool>,
) -> Result<BTreeMap<u64, ModelNow>> {
    let mut queues: Vec<VecDeque<(u64, String, String)>> = plan.targets.iter().map(|_| VecDeque::new()).collect();
    let reached = |t: usize| svc.client(t).is_ok();
    for i in plan.items.iter().filter(|i| matches!(i.kind, Kind::StopModel | Kind::DeleteModel) && reached(i.target)) {
        queues[i.target].push_back((i.seq, i.project.clone(), i.resource.clone()));
    }
    let work = |target: usize, (seq, project, version): (u64, String, String)| {
        let svc = svc.clone();
        async move {
            (seq, format!("{project} version {version}"), svc.describe_model(target, &project, &version, |_| {}).await)
        }
    };
    let mut joined = Vec::new();
    run_fair(queues, Caps { per_target: 8, global: 64 }, cancel, Duration::ZERO, work, |j| joined.push(j)).await;
    let mut out = BTreeMap::new();
    for j in joined {
        let (seq, what, r) = j.map_err(|e| Error::Internal(format!("describe task: {e}")))?;
        match r {
            Retried::Ok(Some(m)) => {
                out.insert(seq, now_of(&m));
            }
            Retried::Ok(None) => {}
            Retried::Failed(e) => {
                return Err(Error::Unreachable(format!(
                    "DescribeModel {what} failed after retries: {e}; nothing was done"
                )));
            }
            Retried::Cancelled => return Err(Error::Internal("cancelled".into())),
        }
    }
    Ok(out)
}

fn now_of(m: &ModelInfo) -> ModelNow {
    ModelNow { status: m.summary.status.clone(), units: m.min_inference_units.and_then(|u| u32::try_from(u).ok()) }
}

/// A service for the reads before the question, at the run's rate.
pub(crate) fn service(
    clients: HashMap<usize, Client>,
    pace: Arc<Pace>,
) -> (Arc<Service>, watch::Receiver<bool>, watch::Sender<bool>) {
    let (tx, cancel) = watch::channel(false);
    (Arc::new(Service::new(clients, pace, cancel.clone())), cancel, tx)
}

/// The counts part of the text: today's `N datasets in P projects` for a datasets-only plan, else each kind
/// by its name with its count ([`per_kind`]) and `; in P projects`. `models` holds what DescribeModel showed
/// (see [`models_now`]); `stop_model` says how many of its models are hosted now (`HOSTED` or
/// `STARTING_HOSTING`) and the inference units they hold.
pub(crate) fn counts_text(items: &[Item], models: &BTreeMap<u64, ModelNow>) -> String {
    let projects: BTreeSet<(usize, &str)> = items.iter().map(|i| (i.target, i.project.as_str())).collect();
    let by_kind = by_kind(items);
    if datasets_only(&by_kind) {
        return format!("{} datasets in {} projects", items.len(), projects.len());
    }
    let hosted: Vec<&ModelNow> = items
        .iter()
        .filter(|i| i.kind == Kind::StopModel)
        .filter_map(|i| models.get(&i.seq))
        .filter(|m| matches!(m.status, cloud::ModelStatus::Hosted | cloud::ModelStatus::StartingHosting))
        .collect();
    let units: u64 = hosted.iter().map(|m| u64::from(m.units.unwrap_or(0))).sum();
    let note =
        |k: Kind| (k == Kind::StopModel).then(|| format!("{} hosted now, {units} inference units", hosted.len()));
    format!("{}; in {} projects", per_kind(&by_kind, note), projects.len())
}

/// What is blocked now, one line each: a model version DeleteModel would wait for (`project version N:
/// TRAINING`), then each project whose delete would be skipped for it (`project P: its delete waits for ...`).
pub(crate) fn blocked_now(items: &[Item], models: &BTreeMap<u64, ModelNow>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut projects: BTreeMap<(usize, &str), Vec<&str>> = BTreeMap::new();
    for i in items.iter().filter(|i| i.kind == Kind::DeleteModel) {
        let Some(m) = models.get(&i.seq) else { continue };
        if m.status.is_transitional() {
            lines.push(format!("{} version {}: {}", i.project, i.resource, m.status.as_str()));
            projects.entry((i.target, i.project.as_str())).or_default().push(i.resource.as_str());
        }
    }
    for i in items.iter().filter(|i| i.kind == Kind::DeleteProject) {
        if let Some(versions) = projects.get(&(i.target, i.project.as_str())) {
            lines.push(format!(
                "project {}: its delete is skipped unless model version {} settles within --wait-timeout",
                i.project,
                versions.join(", ")
            ));
        }
    }
    lines
}

/// DescribeModel of the plan's model items before anything is asked or done (see `confirm`); none for a plan
/// without model items.
pub(crate) async fn models_before_asking(
    plan: &Plan,
    args: &RunArgs,
    pace: &Arc<Pace>,
) -> Result<BTreeMap<u64, ModelNow>> {
    if !plan.items.iter().any(|i| matches!(i.kind, Kind::StopModel | Kind::DeleteModel)) {
        return Ok(BTreeMap::new());
    }
    let calls = Calls::of_run(args);
    let options = calls.client;
    // The identity check first, as before any other call: a refused target is not described (the run then
    // stops it, exit 5).
    let access = access(plan, args.role.external_id.as_ref(), args.role.session_name.as_ref())?;
    let (profile, url) = (args.profile.as_ref(), args.connect.endpoint_url.as_ref());
    let skip: BTreeSet<usize> = check_targets(plan, profile, url, &access, options, pace).await?.skipped();
    let clients = plan_clients(plan, profile, url, &access, &skip, options, pace).await?;
    let (svc, cancel, _keep) = service(clients, pace.clone());
    models_now(plan, svc, &cancel).await
}

/// Print what is blocked now (see `blocked_now`), if anything.
pub(crate) fn print_blocked(plan: &Plan, models: &BTreeMap<u64, ModelNow>) {
    let blocked = blocked_now(&plan.items, models);
    if !blocked.is_empty() {
        eprintln!("blocked now (waited for up to --wait-timeout, then left for a rerun):");
        for line in blocked {
            eprintln!("  {}", escape_lines(&line));
        }
    }
}

#[cfg(test)]
mod tests;
