//! The decision per kind for model and project items: what one look at the resource (DescribeModel, or the
//! project's DescribeProject and ListModels) means, given the plan and the run. Pure functions of data, tested
//! by tables; `exec::engine` does the describing, calling, waiting and journalling around them.
//!
//! - `stop_model` ([`stop_model`]): `HOSTED` gets StopModel; `STARTING_HOSTING`, `STOPPING_HOSTING` and
//!   `SYSTEM_UPDATING` are waited for; any other status is not hosted, so the item is `stopped`; a version gone
//!   is `already_absent`.
//! - `delete_model` ([`delete_model`]): `TRAINING`, `STARTING_HOSTING`, `STOPPING_HOSTING`, `SYSTEM_UPDATING`
//!   and `DELETING` are waited for; `HOSTED` is `blocked` (it was not hosted at planning, so the plan has no
//!   stop for it); otherwise DeleteModel. Done when DescribeModel answers 404.
//! - `delete_project` ([`delete_project`]): only when every `after` item finished as gone ([`dependencies`]),
//!   and the project holds nothing the plan did not list (else `skipped_drift`); waits while a planned dataset
//!   or model is still being deleted; DeleteProject; done when DescribeProject answers 404.
//!
//! A model version or project whose CreationTimestamp differs from the plan's is `skipped_drift` and never
//! touched. A dry run never waits: it says what apply would do, and what would wait now.
//!
//! What the item's own call answered ([`after_call`]) and what a wait that ran out means ([`timed_out`]) are
//! decided here for every kind, `delete_dataset` included (its look is `exec::drift`).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::action::Action;
use super::drift::same_instant;
use super::journal::{Mode, Outcome};
use crate::cloud::{ModelStatus, ModelSummary, ProjectInfo};
use crate::plan::{Item, Kind};

fn drifted(what: &str, seen: Option<DateTime<Utc>>, planned: Option<DateTime<Utc>>) -> Action {
    let t = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_else(|| "none".into())
    };
    let msg = format!(
        "{what} re-created since planning: CreationTimestamp {} differs from the plan's {}; left alone",
        t(seen),
        t(planned)
    );
    Action::Done(Outcome::SkippedDrift, msg)
}

/// `stop_model` from the version as DescribeModel shows it (`None`: 404). A `Call` after this invocation's
/// StopModel was accepted is a wait (`exec::engine`), so the call goes out once.
pub fn stop_model(model: Option<&ModelSummary>, planned: Option<DateTime<Utc>>, mode: Mode) -> Action {
    let Some(m) = model else {
        return Action::Done(Outcome::AlreadyAbsent, "model version not present".into());
    };
    if !same_instant(m.creation_timestamp, planned) {
        return drifted("model version", m.creation_timestamp, planned);
    }
    let status = m.status.as_str().to_string();
    match (&m.status, mode) {
        (ModelStatus::Hosted, Mode::DryRun) => Action::Done(Outcome::WouldDelete, "HOSTED; would be stopped".into()),
        (ModelStatus::Hosted, _) => Action::Call,
        (ModelStatus::StartingHosting | ModelStatus::StoppingHosting | ModelStatus::SystemUpdating, Mode::DryRun) => {
            Action::Done(Outcome::WouldDelete, format!("currently {status}; apply will wait for it, then stop it"))
        }
        (ModelStatus::StartingHosting | ModelStatus::StoppingHosting | ModelStatus::SystemUpdating, _) => {
            Action::Wait(status)
        }
        (_, Mode::DryRun) => Action::Done(Outcome::WouldDelete, format!("{status}: not hosted, nothing to stop")),
        _ => Action::Done(Outcome::Stopped, format!("{status}: not hosted")),
    }
}

/// `delete_model` from the version as DescribeModel shows it (`None`: 404). `called`: this tool sent (or may
/// have sent) DeleteModel for the item, so a 404 means our call deleted it. `stop_planned`: the plan stops
/// this version first (a dry run, which stops nothing, reports the deletion that follows).
pub fn delete_model(
    model: Option<&ModelSummary>,
    planned: Option<DateTime<Utc>>,
    mode: Mode,
    called: bool,
    stop_planned: bool,
) -> Action {
    let Some(m) = model else {
        return match called {
            true => Action::Done(Outcome::Deleted, "DeleteModel done: DescribeModel answers 404".into()),
            false => Action::Done(Outcome::AlreadyAbsent, "model version not present".into()),
        };
    };
    if !same_instant(m.creation_timestamp, planned) {
        return drifted("model version", m.creation_timestamp, planned);
    }
    let status = m.status.as_str().to_string();
    if m.status.is_hosted() && mode == Mode::DryRun && stop_planned {
        return Action::Done(Outcome::WouldDelete, "HOSTED; would be deleted once its stop_model stopped it".into());
    }
    if m.status.is_hosted() {
        return Action::Done(
            Outcome::Blocked,
            if stop_planned {
                "still HOSTED: its stop_model did not stop it; not deleted"
            } else {
                "HOSTED, and the plan has no stop for it (hosted since planning); not deleted"
            }
            .into(),
        );
    }
    match mode {
        Mode::DryRun if m.status.is_transitional() => {
            Action::Done(Outcome::WouldDelete, format!("currently {status}; apply will wait for it to settle"))
        }
        Mode::DryRun => Action::Done(Outcome::WouldDelete, format!("{status}; would be deleted")),
        _ if m.status.is_transitional() => Action::Wait(status),
        _ => Action::Call,
    }
}

/// Did every item `project` waits for finish as gone? `outcomes` holds the final outcome of each item of the
/// plan known so far; a `stop_model` counts when `stopped` (its `delete_model` must then be gone too); a dry
/// run counts `would_delete`. `Err` names the first item that did not.
pub fn dependencies(
    project: &Item,
    items: &HashMap<u64, &Item>,
    outcomes: &HashMap<u64, Outcome>,
    mode: Mode,
) -> Result<(), String> {
    for seq in &project.after {
        let kind = items.get(seq).map(|i| i.kind);
        let o = outcomes.get(seq).copied();
        let ok = match o {
            Some(Outcome::Deleted | Outcome::AlreadyAbsent) => true,
            Some(Outcome::Stopped) => kind == Some(Kind::StopModel),
            Some(Outcome::WouldDelete) => mode == Mode::DryRun,
            _ => false,
        };
        if !ok {
            let what = items.get(seq).map_or_else(|| "?".to_string(), |i| format!("{} {}", i.kind, i.resource));
            let got = o.map_or("no outcome", Outcome::as_str);
            return Err(format!("item seq {seq} ({what}) is {got}; the project is left intact"));
        }
    }
    Ok(())
}

/// `delete_project` from the project's DescribeProject (`None`: 404) and ListModels (`None`: 404) after its
/// dependencies were checked. `planned`: every item of the plan for this project. `called`: this tool sent (or
/// may have sent) DeleteProject.
pub fn delete_project(
    project: &Item,
    info: Option<&ProjectInfo>,
    models: Option<&[ModelSummary]>,
    planned: &[&Item],
    mode: Mode,
    called: bool,
) -> Action {
    let Some(info) = info else {
        return match called {
            true => Action::Done(Outcome::Deleted, "DeleteProject done: DescribeProject answers 404".into()),
            false => Action::Done(Outcome::AlreadyAbsent, "project not present".into()),
        };
    };
    if !same_instant(info.created, project.created) {
        return drifted("project", info.created, project.created);
    }
    let listed = |kind: Kind, resource: &str, created| {
        planned.iter().any(|i| i.kind == kind && i.resource == resource && same_instant(i.created, created))
    };
    if let Some(d) = info.datasets.iter().find(|d| !listed(Kind::DeleteDataset, &d.dataset_type, d.created)) {
        let msg = format!(
            "the {} dataset is not the one planned (created since planning); the project is left intact",
            d.dataset_type
        );
        return Action::Done(Outcome::SkippedDrift, msg);
    }
    let models = models.unwrap_or_default();
    if let Some(m) = models.iter().find(|m| !listed(Kind::DeleteModel, &m.model_version, m.creation_timestamp)) {
        let msg = format!(
            "model version {} is not in the plan (created since planning); the project is left intact",
            m.model_version
        );
        return Action::Done(Outcome::SkippedDrift, msg);
    }
    if mode == Mode::DryRun {
        return Action::Done(Outcome::WouldDelete, format!("would be deleted after its {} items", project.after.len()));
    }
    if let Some(d) = info.datasets.first() {
        return Action::Wait(format!("dataset {} {}", d.dataset_type, d.status));
    }
    if let Some(m) = models.first() {
        return Action::Wait(format!("model {} {}", m.model_version, m.status.as_str()));
    }
    Action::Call
}

/// What the item's own call (DeleteDataset, StopModel, DeleteModel, DeleteProject) answered, as far as the
/// decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// 2xx.
    Accepted,
    /// 404 `ResourceNotFoundException`.
    NotFound,
    /// 409 `ConflictException`, with the service's message.
    Conflict(&'a str),
    /// Any other error (after the retry policy): the item is `failed`.
    Refused,
}

/// What comes after the item's call answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterCall {
    /// As this decision says (final, or a wait).
    Decided(Action),
    /// Look again at once: the look tells the call's effect (a model or project is done when its describe
    /// answers 404; a 404 to the call itself may be gone or drift, which the look tells apart).
    Look,
    /// A dataset's 409: look again after [`super::ctx::CONFLICT_RECHECK`] (what it shows then is
    /// [`super::drift::after_conflict`]), within `--wait-timeout`.
    Recheck,
    /// `failed` with the answer.
    Failed,
}

/// Decide after the item's call answered. `resumed`: an earlier invocation journalled a `start` and no outcome
/// for the item; `lost_now`: an attempt of this invocation got no answer from the service (see
/// [`not_found_outcome`]).
pub fn after_call(kind: Kind, answer: Answer<'_>, resumed: bool, lost_now: bool) -> AfterCall {
    match (kind, answer) {
        (_, Answer::Refused) => AfterCall::Failed,
        (Kind::DeleteDataset, Answer::Accepted) => {
            AfterCall::Decided(Action::Done(Outcome::Deleted, "DeleteDataset accepted".into()))
        }
        (Kind::DeleteDataset, Answer::NotFound) => {
            let (o, what) = not_found_outcome(resumed, lost_now);
            AfterCall::Decided(Action::Answered(o, what.into()))
        }
        (Kind::DeleteDataset, Answer::Conflict(_)) => AfterCall::Recheck,
        (_, Answer::Accepted | Answer::NotFound) => AfterCall::Look,
        (_, Answer::Conflict(msg)) => AfterCall::Decided(Action::Wait(format!("conflict ({msg})"))),
    }
}

/// How a ResourceNotFoundException to DeleteDataset is recorded. `resumed`: an earlier invocation journalled a
/// `start` (or attempts) for the item and no outcome, so its DeleteDataset may have been sent and its answer
/// lost. `lost_now`: an earlier attempt of this invocation ended with no answer from the service (timeout,
/// dropped connection, 5xx). Either way the 404 may be the service forgetting our own call's token after
/// 8 hours, so the report never says `already_absent` for it.
pub fn not_found_outcome(resumed: bool, lost_now: bool) -> (Outcome, &'static str) {
    match (resumed, lost_now) {
        (false, false) => (Outcome::AlreadyAbsent, "DeleteDataset"),
        (true, _) => (
            Outcome::Deleted,
            "deleted by this tool's earlier DeleteDataset, whose answer was lost (journalled as started, no \
             outcome); the service no longer knows its token and answered",
        ),
        (false, true) => (
            Outcome::Deleted,
            "deleted by an earlier attempt of this DeleteDataset, whose answer was lost; the retry was answered",
        ),
    }
}

/// What an item still `waiting` (the status, or `conflict (...)`) after `timeout` comes to; `conflict`: the
/// wait was a dataset's 409 re-check. A dataset is `failed` (its deletion could not be sent); a model or
/// project is `blocked`: it is never forced, and a rerun tries again.
pub fn timed_out(kind: Kind, waiting: &str, conflict: bool, timeout: Duration) -> Action {
    let d = humantime::format_duration(timeout);
    match kind {
        Kind::DeleteDataset if conflict => Action::Answered(Outcome::Failed, format!("still conflicting after {d}")),
        Kind::DeleteDataset => Action::Done(Outcome::Failed, format!("still {waiting} after waiting {d}")),
        _ => Action::Done(Outcome::Blocked, format!("still {waiting} after waiting {d} (--wait-timeout); not forced")),
    }
}

#[cfg(test)]
mod tests;
