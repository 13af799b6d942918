//! The sweep runner: plan, back up, delete in one pipelined, resumable run over a directory, for scheduled
//! jobs. `commands::sweep` resolves the flags into [`Options`], asks for confirmation, runs [`run`], then
//! verifies, reports and renders; this module never prints.
//!
//! The run, in DIR (see [`dir`]): `sweep.json` first (plan id, so every client token, fixed from the
//! start); then the planner's enumeration (`planner::scan_all`) and the executor
//! ([`crate::exec::run::run_on`]) at once over one [`Service`] (one set of limiters): as each project is
//! described, its items are journalled (`item` records, fsynced) and queued, and the executor's drift check
//! uses that description while it is fresh ([`crate::exec::drift::description_fresh`], 60 s) instead of a
//! second DescribeProject. When enumeration and the run end, the plan is sealed from the journal's items
//! (renumbered in plan order) into `plan.json`, and the journal is rewritten for it
//! ([`crate::exec::journal::rekey`]). Then (in the command) the CSV report, `verify` of the sealed plan less
//! what the run confirmed gone itself ([`unconfirmed`]), and `summary.json`.
//!
//! Resume: with `plan.json` present, the run is `apply`'s on it (same journal); without, enumeration runs
//! again with the same plan id, an item found again keeps its journalled seq (matched by client token), and
//! the journal's resume decision skips what is finished.
//!
//! Exit code ([`exit_code_of`]): verify's (0 nothing left, 3 something left), unless interrupted (4), stopped
//! by a guard (5), or a target or endpoint could not be reached (6).

pub mod dir;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, watch};

use crate::cloud::{ModelSummary, ProjectInfo};
use crate::error::{Error, ExitCode, Result, RunFacts, exit_code};
use crate::exec::drift::description_fresh;
use crate::exec::events::{Event, EventSink};
use crate::exec::journal::{self, Journal, JournalState, Mode, Record};
use crate::exec::queue::{ProjectWork, add_item};
use crate::exec::run::{Feed, RunOptions, RunResult, Unit, outcomes_of, run as run_plan, run_on};
use crate::identity::{access, check_targets};
use crate::plan::format::{FORMAT, Summary as PlanSummary};
use crate::plan::types::order_key;
use crate::plan::{Item, Plan, Scope};
use crate::planner::{OnProject, PlanRequest, assemble, connect_all, project_items, scan_all, teardown};
use crate::reach::{Reach, record_reach};
use crate::service::Service;
use dir::{SweepFile, SweepPaths};

/// A sweep resolved from its flags: where it keeps its files, what it found there, the targets and the
/// planner's and executor's options.
pub struct Options {
    /// The files of the sweep's directory.
    pub paths: SweepPaths,
    /// `sweep.json` as loaded or just written.
    pub file: SweepFile,
    /// The targets reached (and the unreachable ones).
    pub reach: Reach,
    /// The enumeration's request.
    pub request: PlanRequest,
    /// The executor's options (mode apply, the backup directory).
    pub run: RunOptions,
    /// `--external-id`, for the roles of a sealed plan being resumed.
    pub external_id: Option<String>,
    /// `--session-name`, likewise.
    pub session_name: Option<String>,
    /// `--max-delete`: at most this many items that delete something (every kind but `stop_model`), counting
    /// those an earlier run journalled; see [`max_delete_refusal`].
    pub max_delete: Option<usize>,
}

/// `--max-delete N` in a sweep, where enumeration and deletion overlap: `destructive` items that delete
/// something are journalled so far (this run and earlier ones) and a described project brings `new` more.
/// Past `max`, that project's items are neither journalled nor queued, nothing further is queued, the items
/// already queued finish, and the sweep ends with this refusal (exit 5). A sealed plan (a resumed sweep whose
/// enumeration had finished) is refused whole, as `apply --max-delete` refuses it.
pub fn max_delete_refusal(max: Option<usize>, destructive: usize, new: usize) -> Option<Error> {
    let max = max?;
    (destructive + new > max).then(|| {
        Error::Refused(format!(
            "--max-delete {max}: the sweep found more than {max} items that delete something (delete_model, \
             delete_dataset, delete_project); the {destructive} found before were queued, nothing more"
        ))
    })
}

/// What a sweep's run produced.
pub struct Ran {
    /// The executor's result.
    pub result: RunResult,
    /// The sealed plan (none if enumeration failed or was stopped).
    pub plan: Option<Plan>,
    /// Why enumeration did not finish.
    pub planning: Option<Error>,
}

impl Ran {
    /// Whether the run went to its end (then the sealed plan is verified, and what is left decides 3).
    pub fn to_the_end(&self) -> bool {
        self.result.wrong_endpoint.is_none()
            && !self.result.interrupted
            && self.planning.is_none()
            && self.result.guard_stops.is_empty()
            && self.result.unreachable.is_empty()
    }
}

/// Carry the sweep out: `apply`'s run of `plan.json` when it is there, else enumerate and run at once.
pub async fn run(opts: Options, events: EventSink, cancel: watch::Receiver<bool>) -> Result<Ran> {
    let (result, plan, planning) = if opts.paths.plan.exists() {
        let role = (opts.external_id.as_ref(), opts.session_name.as_ref());
        resume_sealed(&opts.paths, role, opts.max_delete, opts.run, events, cancel).await?
    } else {
        let file = (&opts.file, opts.max_delete);
        pipelined(&opts.paths, file, &opts.reach, opts.request, opts.run, events, cancel).await?
    };
    Ok(Ran { result, plan, planning })
}

/// The sweep's exit code: [`exit_code`] of the run's facts, where the sweep's own verify of the sealed plan
/// is the proof (`left`: what it found, none when it did not run); an enumeration that failed gives its own
/// error's code (unless interrupted), and a run that went to its end without sealing a plan is our bug.
pub fn exit_code_of(ran: &Ran, left: Option<bool>, own_output_failed: bool) -> ExitCode {
    let result = &ran.result;
    let code = exit_code(&RunFacts {
        wrong_endpoint: result.wrong_endpoint.is_some(),
        interrupted: result.interrupted,
        guard_stop: !result.guard_stops.is_empty(),
        // With --allow-unreachable the run goes on without them, and still exits 6 so that a job notices.
        unreachable: ran.plan.as_ref().is_some_and(|p| !p.unreachable.is_empty()) || !result.unreachable.is_empty(),
        // An item that failed but whose resource is gone by the end leaves nothing.
        incomplete: left == Some(true),
        own_output_failed,
    });
    match &ran.planning {
        Some(e) if !result.interrupted => e.exit_code(),
        None if ran.to_the_end() && left.is_none() => ExitCode::Internal,
        _ => code,
    }
}

/// The sealed plan less the items whose deletion the run confirmed (a `verified` record saying gone, made
/// within [`crate::exec::drift::DESCRIPTION_FRESH_FOR`] of `now`: a DescribeProject as recent as the drift
/// check accepts): the final verify describes the projects of the rest again.
pub fn unconfirmed(plan: &Plan, state: &JournalState, now: chrono::DateTime<chrono::Utc>) -> Plan {
    let fresh = |seq: u64| {
        state.item(seq).verified.is_some_and(|v| v.verified && (now - v.at).to_std().is_ok_and(description_fresh))
    };
    Plan { items: plan.items.iter().filter(|i| !fresh(i.seq)).cloned().collect(), ..plan.clone() }
}

/// `plan.json` is there: carry it out as `apply` does (identity check of every target first), on the
/// sweep's journal.
async fn resume_sealed(
    paths: &SweepPaths,
    (external_id, session_name): (Option<&String>, Option<&String>),
    max_delete: Option<usize>,
    mut opts: RunOptions,
    events: EventSink,
    cancel: watch::Receiver<bool>,
) -> Result<(RunResult, Option<Plan>, Option<Error>)> {
    let plan = Plan::load(&paths.plan)?;
    let destructive = plan.items.iter().filter(|i| i.kind.is_destructive()).count();
    if let Some(e) = max_delete_refusal(max_delete, 0, destructive) {
        return Err(e);
    }
    // Killed between writing plan.json and rewriting the journal for it: finish the rewrite.
    journal::rekey(&paths.journal, &plan)?;
    let (journal, state) = Journal::open(&paths.journal, &plan, Mode::Apply)?;
    opts.access = access(&plan, external_id, session_name)?;
    let checked = check_targets(&plan, None, opts.endpoint_url.as_ref(), &opts.access, opts.client, &opts.pace).await?;
    opts.refused_targets = checked.skipped();
    // A target that cannot be reached now stops only itself (its items stay pending); the final verify then
    // cannot prove anything about it (exit 6).
    for reason in checked.unreachable.values() {
        events.send(Event::Note(reason.clone()));
    }
    let mut result = run_plan(&plan, journal, &state, opts, events, cancel).await?;
    // A refused target is a safety stop (exit 5) that leaves its items pending.
    result.guard_stops.splice(0..0, checked.refused.into_values());
    Ok((result, Some(plan), None))
}

/// The plan the journal is opened with before the sealed one exists: the sweep's id, no items, no digest.
fn provisional(file: &SweepFile) -> Plan {
    Plan {
        format: FORMAT.to_string(),
        plan_id: file.plan_id.clone(),
        created_at: file.created_at,
        tool_version: crate::version::TOOL_BUILD.to_string(),
        selection: file.selection.clone(),
        targets: Vec::new(),
        unreachable: Vec::new(),
        items: Vec::new(),
        skipped: Vec::new(),
        summary: PlanSummary::default(),
        digest: String::new(),
    }
}

/// Enumerate and run at once (see the module docs). Returns the run, the sealed plan (none if enumeration
/// failed or was stopped), and the enumeration's error.
async fn pipelined(
    paths: &SweepPaths,
    (file, max_delete): (&SweepFile, Option<usize>),
    reach: &Reach,
    req: PlanRequest,
    opts: RunOptions,
    events: EventSink,
    cancel: watch::Receiver<bool>,
) -> Result<(RunResult, Option<Plan>, Option<Error>)> {
    let req = Arc::new(req);
    let clients = connect_all(&req).await?;
    let (journal, state) = Journal::open(&paths.journal, &provisional(file), Mode::Apply)?;
    let journal = Arc::new(journal);
    let (stop_tx, stop) = watch::channel(false);
    let svc = Arc::new(Service::new(clients, req.pace.clone(), stop));
    let (described_tx, described_rx) = mpsc::unbounded_channel();
    let on_project: OnProject = Arc::new(move |target, info: &ProjectInfo, models: &[ModelSummary], at| {
        let _ = described_tx.send((target, info.clone(), models.to_vec(), at));
    });
    let (unit_tx, unit_rx) = mpsc::unbounded_channel();
    let queues = (0..req.targets.len()).map(|_| VecDeque::new()).collect();
    let feed = Feed { queues, incoming: unit_rx, todo: 0, plan: state.items.clone(), outcomes: outcomes_of(&state) };
    let executor = run_on(svc.clone(), stop_tx, journal.clone(), feed, opts, events.clone(), cancel);
    let enumerate = async {
        let scanning = scan_all(req.clone(), svc.clone(), events.clone(), Some(on_project));
        let feeding = feed_units(described_rx, unit_tx, &journal, &state, (&file.plan_id, max_delete), &req, &events);
        let (scans, items) = tokio::join!(scanning, feeding);
        // The feed's refusal (--max-delete) first: it ends the executor, whose end then cancels the scan.
        let items = items?;
        Ok::<_, Error>((scans?, items))
    };
    let (result, enumerated) = tokio::join!(executor, enumerate);
    drop(journal);
    let result = result?;
    let (scans, items) = match enumerated {
        Ok(found) => found,
        Err(e) => return Ok((result, None, Some(e))),
    };
    // A target that refused a call of its enumeration stays a target (the items found before ran, and are
    // the plan's) and is listed under `unreachable` too: what it still holds is not known.
    let refused: Vec<_> = scans.iter().filter_map(|s| s.refused.clone()).collect();
    let mut plan = assemble(file.plan_id.clone(), req.selection.clone(), &req.filter, scans, |n| events.note(n));
    plan.unreachable = refused;
    plan.created_at = file.created_at;
    plan.items = in_plan_order(items.into_values().collect());
    // A resumed teardown no longer lists the projects an earlier run deleted; the journal's items still name
    // them, and they were seen.
    let named: std::collections::HashSet<(usize, &str)> =
        plan.items.iter().map(|i| (i.target, i.project.as_str())).collect();
    let skipped: std::collections::HashSet<(usize, &str)> =
        plan.skipped.iter().map(|s| (s.target, s.project.as_str())).collect();
    plan.summary.projects_seen = plan.summary.projects_seen.max(named.union(&skipped).count());
    record_reach(&mut plan, reach);
    plan.validate().map_err(|e| Error::Internal(format!("the plan sealed by sweep is invalid: {e}")))?;
    plan.save(&paths.plan, true)?;
    journal::rekey(&paths.journal, &plan)?;
    Ok((result, Some(plan), None))
}

/// Items numbered in the order found, sorted and renumbered 1, 2, 3... in plan order (target, project,
/// [`order_key`]); `after` follows the renumbering.
fn in_plan_order(mut items: Vec<Item>) -> Vec<Item> {
    items.sort_by(|a, b| {
        (a.target, &a.project, order_key(a.kind, &a.resource)).cmp(&(
            b.target,
            &b.project,
            order_key(b.kind, &b.resource),
        ))
    });
    let new: HashMap<u64, u64> = items.iter().enumerate().map(|(n, i)| (i.seq, n as u64 + 1)).collect();
    for item in &mut items {
        item.seq = new[&item.seq];
        item.after = item.after.iter().filter_map(|s| new.get(s).copied()).collect();
        item.after.sort_unstable();
    }
    items
}

/// One described project's items as the planner builds them for the sweep's scope, numbered 1, 2, 3...
/// within the project (`after` names those numbers).
fn found_items(
    plan_id: &str,
    target: usize,
    req: &PlanRequest,
    info: &ProjectInfo,
    models: &[ModelSummary],
) -> Vec<Item> {
    let fallback = (String::new(), req.targets[target].endpoint.region.clone());
    if req.selection.scope == Scope::All {
        return teardown::project_items(plan_id, target, fallback, &req.filter, info, models).0;
    }
    let (mut found, _) = project_items(plan_id, target, fallback, &req.filter, info);
    for (n, item) in found.iter_mut().enumerate() {
        item.seq = n as u64 + 1;
    }
    found
}

/// As each project's description arrives: its items (a journalled one keeps its seq, matched by client
/// token; a new one gets the next seq and an `item` record, its `after` renumbered to the seqs of its
/// project's items), fsynced, then queued for the executor with the description. Returns every item of the
/// journal and of this run by seq.
async fn feed_units(
    mut described: mpsc::UnboundedReceiver<(usize, ProjectInfo, Vec<ModelSummary>, Instant)>,
    units: mpsc::UnboundedSender<(usize, Unit)>,
    journal: &Journal,
    state: &JournalState,
    (plan_id, max_delete): (&str, Option<usize>),
    req: &PlanRequest,
    events: &EventSink,
) -> Result<BTreeMap<u64, Item>> {
    let mut items: BTreeMap<u64, Item> = state.items.iter().map(|i| (i.seq, i.clone())).collect();
    let mut by_token: HashMap<String, u64> = items.values().map(|i| (i.client_token.clone(), i.seq)).collect();
    let mut next = items.keys().next_back().map_or(1, |s| s + 1);
    let mut destructive = items.values().filter(|i| i.kind.is_destructive()).count();
    while let Some((target, info, models, at)) = described.recv().await {
        let mut mine: Vec<Item> = Vec::new();
        // Within-project number -> seq; `after` names only earlier items, numbered before it.
        let mut seq_of: HashMap<u64, u64> = HashMap::new();
        let mut added = false;
        let found = found_items(plan_id, target, req, &info, &models);
        let new = found.iter().filter(|i| i.kind.is_destructive() && !by_token.contains_key(&i.client_token)).count();
        if let Some(e) = max_delete_refusal(max_delete, destructive, new) {
            return Err(e);
        }
        destructive += new;
        for mut item in found {
            if let Some(seq) = by_token.get(&item.client_token) {
                seq_of.insert(item.seq, *seq);
                mine.push(items[seq].clone());
                continue;
            }
            seq_of.insert(item.seq, next);
            item.seq = next;
            item.after = item.after.iter().filter_map(|a| seq_of.get(a).copied()).collect();
            next += 1;
            journal.append(&Record::Item(item.clone()));
            by_token.insert(item.client_token.clone(), item.seq);
            items.insert(item.seq, item.clone());
            mine.push(item);
            added = true;
        }
        // Items an earlier run journalled for this project and not found again (deleted since): confirm them.
        let known = |seq: u64| mine.iter().any(|m| m.seq == seq);
        let earlier: Vec<Item> =
            items.values().filter(|i| i.target == target && i.project == info.name && !known(i.seq)).cloned().collect();
        mine.extend(earlier);
        // In plan order: an earlier item not found again (a model stopped since) still goes before what waits
        // for it.
        mine.sort_by_key(|i| (order_key(i.kind, &i.resource), i.seq));
        if added {
            journal.flush().await?;
        }
        let mut work: ProjectWork = Default::default();
        for item in &mine {
            add_item(&mut work, item, state.item(item.seq), Mode::Apply, false);
        }
        if work.0.is_empty() && work.1.is_empty() {
            continue;
        }
        events.send(Event::AddTotal(work.0.len() as u64));
        if units.send((target, Unit { work, described: Some((info, at)) })).is_err() {
            break;
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests;
