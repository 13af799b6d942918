//! `sweep`: plan, back up, delete and verify in one pipelined, resumable run, for scheduled jobs.
//!
//! The run, in DIR (see `sweep_dir`): `sweep.json` first (plan id, so every client token, fixed from the
//! start); then the planner's enumeration ([`crate::planner::scan_all`]) and the executor
//! ([`crate::exec::run::run_on`]) at once over one [`Service`] (one set of limiters): as each project is
//! described, its items are journalled (`item` records, fsynced) and queued, and the executor's drift check
//! uses that description while it is fresh ([`crate::exec::drift::description_fresh`], 60 s) instead of a
//! second DescribeProject. When enumeration and the run end, the plan is sealed from the journal's items
//! (renumbered in plan order) into `plan.json`, and the journal is rewritten for it
//! ([`crate::exec::journal::rekey`]). Then the CSV report, `verify` of the sealed plan, and `summary.json`.
//!
//! Resume: with `plan.json` present, the run is `apply`'s on it (same journal); without, enumeration runs
//! again with the same plan id, an item found again keeps its journalled seq (matched by client token), and
//! the journal's resume decision skips what is finished.
//!
//! Exit code: verify's (0 nothing left, 3 something left), unless interrupted (4), stopped by a guard (5),
//! or a target or endpoint could not be reached (6).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, watch};

use super::plan::{plan_request, record_reach, refuse_unreachable, selected};
use super::reach::Reach;
use super::sweep_dir::{self, SweepFile, SweepPaths};
use super::{cancel_on_signals, out};
use crate::calls::Calls;
use crate::cli::SweepCommandArgs;
use crate::cloud::identity::Access;
use crate::cloud::{ModelSummary, ProjectInfo};
use crate::error::{Error, ExitCode, Result};
use crate::escape::escape;
use crate::exec::events::{Event, EventSink};
use crate::exec::journal::{self, Journal, JournalState, Mode, Record};
use crate::exec::queue::{ProjectWork, add_item};
use crate::exec::run::{Feed, RunOptions, RunResult, Unit, outcomes_of, run, run_on};
use crate::identity::{access, check_targets};
use crate::plan::format::{FORMAT, Summary as PlanSummary};
use crate::plan::types::order_key;
use crate::plan::{Item, Plan, Scope};
use crate::planner::{OnProject, PlanRequest, assemble, connect_all, project_items, scan_all, teardown};
use crate::report::progress;
use crate::service::Service;

/// Without `--yes`: refuse when there is no terminal (as `apply` does); on one, the user types the plan id.
fn confirm(yes: bool, plan_id: &str) -> Result<()> {
    let Some(stdin) = super::apply::confirmation_terminal(yes)? else { return Ok(()) };
    eprint!("type the sweep's plan id {plan_id} to confirm deleting everything it selects: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| Error::io("read", "stdin", e))?;
    if line.trim() != plan_id {
        return Err(Error::Refused("confirmation not given; nothing was deleted".into()));
    }
    Ok(())
}

fn run_options(args: &SweepCommandArgs, calls: Calls, backup: std::path::PathBuf) -> RunOptions {
    RunOptions {
        mode: Mode::Apply,
        rate: calls.rate,
        concurrency: args.sweep.concurrency,
        max_in_flight: args.sweep.max_in_flight,
        policy: calls.policy,
        client: calls.client,
        endpoint_url: args.connect.endpoint_url.clone(),
        profile: None,
        backup_dir: Some(backup),
        wait_timeout: args.wait_timeout,
        retry_failed: false,
        grace: std::time::Duration::from_secs(10),
        refused_targets: Default::default(),
        access: Access::default(),
    }
}

pub(crate) async fn sweep(args: SweepCommandArgs) -> Result<ExitCode> {
    let calls = Calls::of_pace(&args.sweep, &args.connect);
    sweep_dir::prepare(&args.dir)?;
    let paths = SweepPaths::new(&args.dir);
    // The plan id before reaching the targets (roles are assumed under a session named after it): the
    // recorded one when resuming.
    let found = sweep_dir::existing(&paths, &args.dir)?;
    let plan_id = sweep_dir::plan_id(&found);
    let (reach, selection, filter) =
        selected(&args.select, &args.connect, calls.client, &plan_id, "nothing was deleted").await?;
    if !reach.unreachable.is_empty() && !args.select.targets.allow_unreachable {
        return Err(refuse_unreachable(&reach, "nothing was deleted"));
    }
    let targets = &args.select.targets;
    let (file, resumed) = sweep_dir::load_or_create(&paths, &args.dir, found, &plan_id, &selection, targets)?;
    let backup = args.backup_dir.clone().unwrap_or_else(|| paths.backup.clone());
    lfv_fs::probe_dir(&backup)
        .map_err(|e| Error::Usage(format!("--backup-dir {}: cannot write there ({e})", backup.display())))?;
    confirm(args.yes, &file.plan_id)?;
    eprintln!(
        "{} sweep {} in {}",
        if resumed { "resuming" } else { "starting" },
        escape(&file.plan_id),
        escape(&args.dir.display().to_string())
    );
    let req = plan_request(reach.endpoints.clone(), selection, filter, &args.sweep, calls);
    let opts = run_options(&args, calls, backup.clone());
    let cancel = cancel_on_signals();
    let (events, rx) = EventSink::channel();
    let display = progress::spawn(rx);
    let ran = if paths.plan.exists() {
        resume_sealed(&args, &paths, opts, events, cancel).await
    } else {
        pipelined(&paths, &file, &reach, req, opts, events, cancel).await
    };
    let _ = display.await;
    let (result, plan, planning) = ran?;
    finish(&args, &paths, &backup, result, plan, planning).await
}

/// `plan.json` is there: carry it out as `apply` does (identity check of every target first), on the
/// sweep's journal.
async fn resume_sealed(
    args: &SweepCommandArgs,
    paths: &SweepPaths,
    mut opts: RunOptions,
    events: EventSink,
    cancel: watch::Receiver<bool>,
) -> Result<(RunResult, Option<Plan>, Option<Error>)> {
    let plan = Plan::load(&paths.plan)?;
    // Killed between writing plan.json and rewriting the journal for it: finish the rewrite.
    journal::rekey(&paths.journal, &plan)?;
    let (journal, state) = Journal::open(&paths.journal, &plan, Mode::Apply)?;
    let role = &args.select.targets.role;
    opts.access = access(&plan, role.external_id.as_ref(), role.session_name.as_ref())?;
    let checked = check_targets(&plan, None, args.connect.endpoint_url.as_ref(), &opts.access, opts.client).await?;
    opts.refused_targets = checked.skipped();
    // A target that cannot be reached now stops only itself (its items stay pending); the final verify then
    // cannot prove anything about it (exit 6).
    for reason in checked.unreachable.values() {
        events.send(crate::exec::events::Event::Note(reason.clone()));
    }
    let mut result = run(&plan, journal, &state, opts, events, cancel).await?;
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
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
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
    file: &SweepFile,
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
    let svc = Arc::new(Service::new(clients, req.rate, req.policy, stop));
    let (described_tx, described_rx) = mpsc::unbounded_channel();
    let on_project: OnProject = Arc::new(move |target, info: &ProjectInfo, models: &[ModelSummary], at| {
        let _ = described_tx.send((target, info.clone(), models.to_vec(), at));
    });
    let (unit_tx, unit_rx) = mpsc::unbounded_channel();
    let queues = (0..req.endpoints.len()).map(|_| VecDeque::new()).collect();
    let feed = Feed { queues, incoming: unit_rx, todo: 0, plan: state.items.clone(), outcomes: outcomes_of(&state) };
    let executor = run_on(svc.clone(), stop_tx, journal.clone(), feed, opts, events.clone(), cancel);
    let enumerate = async {
        let scanning = scan_all(req.clone(), svc.clone(), events.clone(), Some(on_project));
        let feeding = feed_units(described_rx, unit_tx, &journal, &state, &file.plan_id, &req, &events);
        let (scans, items) = tokio::join!(scanning, feeding);
        Ok::<_, Error>((scans?, items?))
    };
    let (result, enumerated) = tokio::join!(executor, enumerate);
    drop(journal);
    let result = result?;
    let (scans, items) = match enumerated {
        Ok(found) => found,
        Err(e) => return Ok((result, None, Some(e))),
    };
    let mut plan = assemble(file.plan_id.clone(), req.selection.clone(), &req.filter, scans, |n| events.note(n));
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
    let fallback = (String::new(), req.endpoints[target].region.clone());
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
    plan_id: &str,
    req: &PlanRequest,
    events: &EventSink,
) -> Result<BTreeMap<u64, Item>> {
    let mut items: BTreeMap<u64, Item> = state.items.iter().map(|i| (i.seq, i.clone())).collect();
    let mut by_token: HashMap<String, u64> = items.values().map(|i| (i.client_token.clone(), i.seq)).collect();
    let mut next = items.keys().next_back().map_or(1, |s| s + 1);
    while let Some((target, info, models, at)) = described.recv().await {
        let mut mine: Vec<Item> = Vec::new();
        // Within-project number -> seq; `after` names only earlier items, numbered before it.
        let mut seq_of: HashMap<u64, u64> = HashMap::new();
        let mut added = false;
        for mut item in found_items(plan_id, target, req, &info, &models) {
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

#[path = "sweep_finish.rs"]
mod finish;
use finish::finish;
#[cfg(test)]
use finish::unconfirmed;

#[cfg(test)]
#[path = "sweep_tests.rs"]
mod tests;
