//! `plan`.

use std::sync::Arc;

use super::out;
use crate::calls::Calls;
use crate::cli::{ConnectArgs, PlanArgs, SelectArgs, SweepArgs, TextFormat};
use crate::cloud::ClientOptions;
use crate::error::{Error, ExitCode, Result, RunFacts, exit_code};
use crate::escape::escape_lines;
use crate::exec::events::EventSink;
use crate::plan::counts::{datasets_only, per_kind};
use crate::plan::filter::Filter;
use crate::plan::{Scope, Selection, Unreachable};
use crate::planner::{PlanRequest, make_plan, new_plan_id};
use crate::reach::{Reach, reach, record_reach, unreachable_line};
use crate::report::about::{self, About, PlannedDoc, TargetRef};
use crate::report::progress;
use crate::service::Pace;

/// The targets (reached and identified, see `reach`), the recorded selection and the compiled filter of
/// `plan`'s and `sweep`'s selection flags.
/// Roles are assumed for the plan `plan_id` (the default RoleSessionName derives from it). An identity that
/// cannot be resolved is exit 6, its message ending with `not_done`.
pub(crate) async fn selected(
    select: &SelectArgs,
    connect: &ConnectArgs,
    client: ClientOptions,
    plan_id: &str,
    not_done: &str,
    pace: &Arc<Pace>,
) -> Result<(Reach, Selection, Filter)> {
    let (before, after) = (select.created_before, select.created_after);
    let dataset_type = select.dataset_type.dataset_type();
    let scope = select.scope.scope();
    if scope == Scope::All && dataset_type.is_some() {
        return Err(Error::Usage(
            "--dataset-type cannot be combined with --scope all, which deletes every dataset of a selected project"
                .into(),
        ));
    }
    let filter = Filter::new(&select.include, &select.exclude, dataset_type, before, after)?;
    let regions = super::verify::regions(&select.regions);
    let base = crate::identity::endpoints(&select.profiles, &regions, &connect.endpoint_url).await?;
    // Who each target's credentials belong to, before the first call to it (recorded per target).
    let reach = reach(&select.targets, base, client, plan_id, pace).await.map_err(|e| match e {
        Error::Unreachable(m) => Error::Unreachable(format!("{m}; {not_done}")),
        other => other,
    })?;
    for n in &reach.notes {
        crate::term::status!("note: {}", escape_lines(n));
    }
    let selection = Selection {
        regions,
        profiles: select.profiles.clone(),
        endpoint_url: connect.endpoint_url.clone(),
        include: select.include.clone(),
        exclude: select.exclude.clone(),
        scope,
        dataset_type: dataset_type.into(),
        created_before: before,
        created_after: after,
    };
    Ok((reach, selection, filter))
}

/// Exit 6 naming every unreachable target (printed on stderr), `what` saying what was not done.
pub(crate) fn refuse_unreachable(unreachable: &[Unreachable], what: &str) -> Error {
    for u in unreachable {
        eprintln!("unreachable: {}", escape_lines(&unreachable_line(u)));
    }
    Error::Unreachable(format!(
        "{} targets cannot be reached; {what} (pass --allow-unreachable to go on without them, listed under \
         unreachable)",
        unreachable.len()
    ))
}

/// The planner's request for `plan` and `sweep`: the selection, paced by `--rate`, `--concurrency`,
/// `--max-in-flight` and `--max-attempts`, at the command's `pace`.
pub(crate) fn plan_request(
    reach: &Reach,
    selection: Selection,
    filter: Filter,
    flags: &SweepArgs,
    calls: Calls,
    pace: Arc<Pace>,
) -> PlanRequest {
    PlanRequest {
        targets: reach.reached.clone(),
        selection,
        filter,
        concurrency: flags.concurrency,
        max_in_flight: flags.max_in_flight,
        client: calls.client,
        pace,
    }
}

pub(crate) async fn plan(args: PlanArgs) -> Result<ExitCode> {
    plan_to(args, true).await
}

/// `plan`; its closing lines (the file, the counts) go to stdout, or with `on_stdout` false to stderr (as a
/// status line), for `sweep --dry-run`, whose stdout is the dry run's summary.
pub(crate) async fn plan_to(args: PlanArgs, on_stdout: bool) -> Result<ExitCode> {
    let calls = Calls::of_pace(&args.sweep, &args.connect);
    if !args.force && args.out.exists() {
        return Err(Error::Usage(format!("{} already exists; pass --force to replace it", args.out.display())));
    }
    lfv_fs::probe_file(&args.out)
        .map_err(|e| Error::Usage(format!("--out {}: cannot write there ({e})", args.out.display())))?;
    let started = chrono::Utc::now();
    // The plan id first: roles are assumed under a session named after it.
    let plan_id = new_plan_id();
    let pace = calls.pace();
    let (reach, selection, filter) =
        selected(&args.select, &args.connect, calls.client, &plan_id, "no plan was written", &pace).await?;
    if !reach.unreachable.is_empty() && !args.select.targets.allow_unreachable {
        return Err(refuse_unreachable(&reach.unreachable, "no plan was written"));
    }
    let req = plan_request(&reach, selection, filter, &args.sweep, calls, pace);
    let (events, rx) = EventSink::channel();
    let display = progress::spawn(rx);
    let result = make_plan(plan_id, req, events).await;
    let _ = display.await;
    let mut plan = result?;
    record_reach(&mut plan, &reach);
    // Targets whose probe answered but that refused a call of their enumeration: the same refusal.
    if !plan.unreachable.is_empty() && !args.select.targets.allow_unreachable {
        return Err(refuse_unreachable(&plan.unreachable, "no plan was written"));
    }
    plan.save(&args.out, args.force)?;
    let code = exit_code(&RunFacts { unreachable: !plan.unreachable.is_empty(), ..RunFacts::default() });
    if args.format == TextFormat::Json {
        let doc = planned_doc(&plan, &args.out, started, code);
        super::out_json(&format!("{}\n", serde_json::to_string_pretty(&doc).expect("a planned document serialises")));
        if !plan.unreachable.is_empty() {
            tell_unreachable(&plan.unreachable, "the plan");
        }
        return Ok(code);
    }
    let s = &plan.summary;
    let by_type: Vec<String> = s.items_by_type.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let skipped: Vec<String> = s.skipped_by_reason.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let what = if datasets_only(&s.items_by_kind) {
        format!("{} datasets ({})", s.items, if by_type.is_empty() { "none".into() } else { by_type.join(", ") })
    } else {
        format!("{} items ({})", s.items, per_kind(&s.items_by_kind, |_| None))
    };
    let closing: String = escape_lines(&format!(
        "{}\nplan {}: {what} in {} projects, {} targets; {} projects seen; skipped: {}\n",
        args.out.display(),
        plan.plan_id,
        s.projects_planned,
        s.targets,
        s.projects_seen,
        if skipped.is_empty() { "none".into() } else { skipped.join(", ") }
    ))
    .into_owned();
    if on_stdout {
        out(&closing);
    } else {
        crate::term::status!("{}", closing.trim_end());
    }
    if !plan.unreachable.is_empty() {
        tell_unreachable(&plan.unreachable, "the plan");
    }
    Ok(code)
}

/// `plan --format json`'s document for the plan just written to `out`.
fn planned_doc(
    plan: &crate::plan::Plan,
    out: &std::path::Path,
    started: chrono::DateTime<chrono::Utc>,
    code: ExitCode,
) -> PlannedDoc {
    let s = &plan.summary;
    PlannedDoc {
        about: About::new(about::PLANNED, started),
        plan_id: plan.plan_id.clone(),
        digest: plan.digest.clone(),
        out: out.display().to_string(),
        items: s.items,
        items_by_kind: s.items_by_kind.iter().map(|(k, n)| (k.as_str().to_string(), *n)).collect(),
        projects_planned: s.projects_planned,
        projects_seen: s.projects_seen,
        skipped_by_reason: s.skipped_by_reason.iter().map(|(r, n)| (r.as_str().to_string(), *n)).collect(),
        targets: TargetRef::of_targets(&plan.targets),
        unreachable: plan.unreachable.iter().map(unreachable_line).collect(),
        exit_code: code.code(),
    }
}

/// On stderr: every unreachable target on its own line, then how many, and that `listed` lists them.
pub(super) fn tell_unreachable(unreachable: &[Unreachable], listed: &str) {
    for u in unreachable {
        eprintln!("unreachable: {}", escape_lines(&unreachable_line(u)));
    }
    eprintln!("{} targets could not be reached; {listed} lists them under unreachable", unreachable.len());
}
