//! `sweep`: resolve the flags into [`sweep::Options`] (the directory, its `sweep.json`, the targets), ask
//! for confirmation, run the [`crate::sweep`] runner with the progress display, then the end: the CSV report,
//! `leftovers.csv`, verify of the sealed plan (only what the run did not itself confirm gone moments ago),
//! `summary.json`, and the exit code ([`sweep::exit_code_of`]).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::plan::{plan_request, refuse_unreachable, selected, tell_unreachable};
use super::{cancel_on_signals, out};
use crate::calls::Calls;
use crate::cli::{SweepCommandArgs, TextFormat};
use crate::cloud::identity::Access;
use crate::error::{Error, ExitCode, Result};
use crate::escape::{escape, escape_lines};
use crate::exec::drift::DESCRIPTION_FRESH_FOR;
use crate::exec::events::EventSink;
use crate::exec::journal::{self, Mode};
use crate::exec::run::RunOptions;
use crate::report::audit;
use crate::report::metrics::RunMetrics;
use crate::report::progress;
use crate::report::summary::Summary;
use crate::service::Pace;
use crate::sweep::dir::{self, SweepPaths};
use crate::sweep::{self, Ran, unconfirmed};

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

fn run_options(args: &SweepCommandArgs, calls: Calls, pace: Arc<Pace>, backup: PathBuf) -> RunOptions {
    RunOptions {
        mode: Mode::Apply,
        concurrency: args.sweep.concurrency,
        max_in_flight: args.sweep.max_in_flight,
        pace,
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
    if args.dry_run {
        return dry_run(args).await;
    }
    // Refused (no --yes, no terminal) before anything is created: a refused sweep leaves no DIR and no
    // sweep.json behind, so the next run does not "resume" it.
    super::apply::confirmation_terminal(args.yes)?;
    let calls = Calls::of_pace(&args.sweep, &args.connect);
    // One pace for reaching the targets, the enumeration and the run (one set of limiters, every call counted
    // in the summary).
    let pace = calls.pace();
    dir::prepare(&args.dir)?;
    let paths = SweepPaths::new(&args.dir);
    // The plan id before reaching the targets (roles are assumed under a session named after it): the
    // recorded one when resuming.
    let found = dir::existing(&paths, &args.dir)?;
    let plan_id = dir::plan_id(&found);
    let (reach, selection, filter) =
        selected(&args.select, &args.connect, calls.client, &plan_id, "nothing was deleted", &pace).await?;
    if !reach.unreachable.is_empty() && !args.select.targets.allow_unreachable {
        return Err(refuse_unreachable(&reach.unreachable, "nothing was deleted"));
    }
    let targets = &args.select.targets;
    let (file, resumed) = dir::load_or_create(&paths, &args.dir, found, &plan_id, &selection, targets)?;
    let backup = args.backup_dir.clone().unwrap_or_else(|| paths.backup.clone());
    lfv_fs::probe_dir(&backup)
        .map_err(|e| Error::Usage(format!("--backup-dir {}: cannot write there ({e})", backup.display())))?;
    confirm(args.yes, &file.plan_id)?;
    crate::term::status!(
        "{} sweep {} in {}",
        if resumed { "resuming" } else { "starting" },
        escape(&file.plan_id),
        escape(&args.dir.display().to_string())
    );
    let req = plan_request(&reach, selection, filter, &args.sweep, calls, pace.clone());
    let role = &targets.role;
    let opts = sweep::Options {
        run: run_options(&args, calls, pace.clone(), backup.clone()),
        paths: paths.clone(),
        file,
        reach,
        request: req,
        external_id: role.external_id.clone(),
        session_name: role.session_name.clone(),
        max_delete: args.max_delete,
    };
    let cancel = cancel_on_signals();
    let (events, rx) = EventSink::channel();
    let display = progress::spawn(rx);
    let ran = sweep::run(opts, events, cancel).await;
    let _ = display.await;
    finish(&args, &paths, &backup, ran?, pace).await
}

/// The report, verify of the sealed plan, `summary.json`, and the exit code.
async fn finish(
    args: &SweepCommandArgs,
    paths: &SweepPaths,
    backup: &Path,
    ran: Ran,
    pace: Arc<Pace>,
) -> Result<ExitCode> {
    let state = journal::read(&paths.journal)?;
    let report_failed = audit::write(&state, &paths.report).err();
    let leftovers = super::apply::write_leftovers_to(&state, backup, paths.leftovers.clone());
    // Verify only a run that went to its end: what it finds left decides "incomplete" (3). Its refusals and
    // unreachable targets are errors that end the command here, as they end `verify`.
    let verified = match &ran.plan {
        Some(plan) if ran.to_the_end() => {
            let role = &args.select.targets.role;
            // The sweep's pace: its role sessions and identities are reused, never asked again.
            let opts = crate::verify::Options {
                pace: Some(pace),
                ..super::verify::options(&args.sweep, &args.connect, role, &[])
            };
            let mut rest = unconfirmed(plan, &state, chrono::Utc::now());
            // A target that refused its enumeration cannot be proven either way (it is why the code is 6).
            rest.items.retain(|i| !plan.unreachable.iter().any(|u| u.account == i.account && u.region == i.region));
            crate::term::status!(
                "verify: {} items confirmed gone by this run's own DescribeProject within {} s; describing the \
                 projects of the other {}",
                plan.items.len() - rest.items.len(),
                DESCRIPTION_FRESH_FOR.as_secs(),
                rest.items.len()
            );
            let mut report = crate::verify::verify_plan(&rest, &opts).await?;
            report.not_verified = plan.unreachable.iter().map(crate::reach::unreachable_line).collect();
            Some(report)
        }
        _ => None,
    };
    let left = verified.as_ref().map(|r| r.exit() == ExitCode::Incomplete);
    let code = sweep::exit_code_of(&ran, left, report_failed.is_some());
    let unreachable = ran.plan.as_ref().map_or(&[][..], |p| &p.unreachable[..]);
    if !unreachable.is_empty() && code == ExitCode::Unreachable {
        tell_unreachable(unreachable, "the sealed plan");
    }
    for why in ran.result.unreachable.values() {
        eprintln!("unreachable: {}", escape_lines(why));
    }
    let mut summary = Summary::new(&state, &ran.result, code.code());
    summary.checkpoint = paths.journal.display().to_string();
    summary.report = paths.report.display().to_string();
    summary.backup_dir = Some(backup.display().to_string());
    summary.leftovers = leftovers.map(|p| p.display().to_string());
    summary.verify = verified.as_ref().map(|r| serde_json::to_value(r).expect("a verify report serialises"));
    summary.write(&paths.summary)?;
    let metrics_failed = args.metrics.metrics_file.as_ref().and_then(|path| {
        let m = RunMetrics::of_summary("sweep", &summary);
        let m = match &verified {
            Some(r) => r.add_to(m),
            None => m,
        };
        super::write_metrics(path, &m).err()
    });
    // JSON: one document, the run's summary with its verify nested. Text: the run, then its verify.
    match args.format {
        TextFormat::Json => super::out_json(&summary.to_json()),
        TextFormat::Text => {
            let counts: Vec<String> = summary.outcomes.iter().map(|(k, v)| format!("{k} {v}")).collect();
            out(&escape_lines(&format!(
                "sweep {}: {}\nthis run: {} items in {:.1}s, {} DeleteDataset attempts\ndir: {}\n",
                summary.plan_id,
                counts.join(", "),
                summary.finished_this_run,
                summary.wall_time_s,
                summary.delete_attempts,
                args.dir.display()
            )));
            if let Some(report) = &verified {
                super::verify::print_report(report, TextFormat::Text);
            }
        }
    }
    if let Some(e) = report_failed {
        eprintln!("error: {e}");
    }
    let Ran { result, planning, .. } = ran;
    if result.interrupted {
        eprintln!("interrupted; the journal is flushed. Resume with the same command (same --dir)");
    }
    // summary.json is written on these paths too; the error then says what stopped the run.
    if let Some(why) = result.wrong_endpoint {
        return Err(Error::Unreachable(why));
    }
    if let Some(e) = planning.filter(|_| !result.interrupted) {
        if !matches!(e, Error::Refused(_)) {
            eprintln!("error: enumeration did not finish; items found so far were journalled and a rerun resumes");
        }
        return Err(e);
    }
    // The metrics file is one of our own outputs: not written, a run that was otherwise fine ends 1.
    Ok(if metrics_failed.is_some() && code == ExitCode::Ok { ExitCode::Internal } else { code })
}

/// `sweep --dry-run`: `plan` into DIR/dry-run.plan.json, then `apply --dry-run` of it (read-only: no mutating
/// call, no backup) into DIR/dry-run.journal.jsonl, dry-run.audit.csv and dry-run.summary.json. The names
/// keep a later real sweep of DIR (`sweep.json`, `plan.json`, ...) apart from the rehearsal. Exit code:
/// the dry run's, or plan's 6 when targets were left out with --allow-unreachable and the dry run found
/// nothing worse.
async fn dry_run(args: SweepCommandArgs) -> Result<ExitCode> {
    dir::prepare(&args.dir)?;
    let plan = args.dir.join("dry-run.plan.json");
    let planned = super::plan::plan_to(
        crate::cli::PlanArgs {
            out: plan.clone(),
            select: args.select.clone(),
            connect: args.connect.clone(),
            sweep: args.sweep.clone(),
            force: true,
            format: TextFormat::Text,
        },
        false,
    )
    .await?;
    if !matches!(planned, ExitCode::Ok | ExitCode::Unreachable) {
        return Ok(planned);
    }
    let s = &args.sweep;
    let run = crate::cli::RunArgs {
        plan,
        rate: s.rate,
        concurrency: s.concurrency,
        max_in_flight: s.max_in_flight,
        max_attempts: s.max_attempts,
        checkpoint: Some(args.dir.join("dry-run.journal.jsonl")),
        report: Some(args.dir.join("dry-run.audit.csv")),
        summary: Some(args.dir.join("dry-run.summary.json")),
        max_plan_age: std::time::Duration::from_secs(3600),
        format: args.format,
        profile: None,
        connect: args.connect.clone(),
        role: args.select.targets.role.clone(),
        backup_dir: None,
        wait_timeout: args.wait_timeout,
        retry_failed: false,
        metrics: args.metrics.clone(),
    };
    let apply = crate::cli::ApplyArgs {
        run,
        dry_run: true,
        yes: true,
        max_delete: args.max_delete,
        no_backup: true,
        naive: false,
    };
    let checked = super::apply::apply(apply).await?;
    Ok(if checked == ExitCode::Ok { planned } else { checked })
}
