//! `apply`, `export` and `report`: checks and guards, then the executor, then the report and summary.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;

use super::confirm;
use super::{cancel_on_signals, command_line, out};
use crate::calls::Calls;
use crate::cli::{ApplyArgs, ExportArgs, ReportArgs, RunArgs, TextFormat};
use crate::error::{Error, ExitCode, Result, RunFacts, exit_code};
use crate::escape::{escape, escape_lines};
use crate::exec::backup;
use crate::exec::events::{Event, EventSink, Stop};
use crate::exec::journal::{self, Journal, Mode};
use crate::exec::run::{RunOptions, RunResult, run};
use crate::identity::{access, check_targets};
use crate::plan::counts::{by_kind, datasets_only};
use crate::plan::{Kind, Plan};
use crate::report::summary::Summary;
use crate::report::{audit, leftovers, leftovers_run, progress};
use crate::service::Pace;
use lfv_fs::overlap;

/// `<plan without .json><suffix>` beside the plan.
fn beside(plan: &Path, suffix: &str) -> PathBuf {
    let stem = plan.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "plan".into());
    plan.with_file_name(format!("{stem}{suffix}"))
}

fn load_checked(args: &RunArgs) -> Result<Plan> {
    let plan = Plan::load(&args.plan)?;
    let age = Utc::now() - plan.created_at;
    let max = chrono::Duration::from_std(args.max_plan_age).unwrap_or(chrono::Duration::MAX);
    if age > max {
        return Err(Error::InvalidPlan {
            path: args.plan.clone(),
            reason: format!(
                "made {} ago, older than --max-plan-age {}; make a new plan (or raise --max-plan-age)",
                humantime::format_duration(std::time::Duration::from_secs(age.num_seconds().max(0) as u64)),
                humantime::format_duration(args.max_plan_age)
            ),
        });
    }
    Ok(plan)
}

fn describe_scope(plan: &Plan, models: &BTreeMap<u64, confirm::ModelNow>) -> (BTreeSet<String>, String) {
    let accounts: BTreeSet<String> = plan.items.iter().map(|i| i.account.clone()).collect();
    let regions: BTreeSet<&str> = plan.items.iter().map(|i| i.region.as_str()).collect();
    let text = escape_lines(&format!(
        "{}, accounts {}, regions {}",
        confirm::counts_text(&plan.items, models),
        accounts.iter().cloned().collect::<Vec<_>>().join(", "),
        regions.into_iter().collect::<Vec<_>>().join(", ")
    ))
    .into_owned();
    (accounts, text)
}

/// Where a deleting command asks for confirmation: `None` with `--yes`; stdin when it is a terminal; without
/// one, the refusal (exit 5) that asks for `--yes`.
pub(crate) fn confirmation_terminal(yes: bool) -> Result<Option<std::io::Stdin>> {
    if yes {
        return Ok(None);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::Refused(
            "no terminal to confirm on; pass --yes to run without confirmation (scheduled jobs)".into(),
        ));
    }
    Ok(Some(stdin))
}

/// The confirmation guard: on a terminal the user types each account id; without one, `--yes` is required.
fn confirm(accounts: &BTreeSet<String>, what: &str, yes: bool) -> Result<()> {
    let Some(stdin) = confirmation_terminal(yes)? else { return Ok(()) };
    for account in accounts {
        eprint!("type the account id {} to confirm deleting {what}: ", escape(account));
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map_err(|e| Error::io("read", "stdin", e))?;
        if line.trim() != account {
            return Err(Error::Refused(format!(
                "confirmation for account {} not given; nothing was deleted",
                escape(account)
            )));
        }
    }
    Ok(())
}

struct Paths {
    checkpoint: PathBuf,
    report: PathBuf,
    summary: PathBuf,
    backup: Option<PathBuf>,
}

impl Paths {
    /// `leftovers.csv` beside the report, for runs that keep backups ([`leftovers_run::path_for`]).
    fn leftovers(&self) -> Option<PathBuf> {
        self.backup.as_ref().map(|_| leftovers_run::path_for(&self.report))
    }
}

impl Paths {
    /// Refuse, before any call, outputs that would overwrite each other or the plan, and backup paths that
    /// would leave `--backup-dir` (every item's names are checked as path components).
    fn check(&self, plan_path: &Path, plan: &Plan) -> Result<()> {
        let lock = journal::lock_path(&self.checkpoint);
        let mut named = vec![
            (format!("the plan {}", plan_path.display()), plan_path),
            (format!("--checkpoint {}", self.checkpoint.display()), self.checkpoint.as_path()),
            (format!("the checkpoint's lock file {}", lock.display()), lock.as_path()),
            (format!("--report {}", self.report.display()), self.report.as_path()),
            (format!("--summary {}", self.summary.display()), self.summary.as_path()),
        ];
        let leftovers = self.leftovers();
        if let Some(l) = &leftovers {
            named.push((format!("the leftovers file {}", l.display()), l.as_path()));
        }
        if let Some(b) = &self.backup {
            named.push((format!("--backup-dir {}", b.display()), b.as_path()));
            for item in &plan.items {
                let checked = match item.kind {
                    Kind::DeleteDataset => backup::manifest_path(b, item).map(drop),
                    // Model and project items name only `<account>/<region>/<project>/project.json`.
                    _ => crate::preserve::path(b, &item.account, &item.region, &item.project).map(drop),
                };
                checked.map_err(|reason| Error::InvalidPlan { path: plan_path.to_path_buf(), reason })?;
            }
        }
        overlap::check(&named).map_err(Error::Usage)
    }

    /// Prove every output location writable before the first destructive call: the report's directory takes
    /// a new file (and the report is not a directory), and so does the backup directory.
    fn probe(&self) -> Result<()> {
        let refuse = |flag: &str, p: &Path, e: std::io::Error| {
            Error::Usage(format!("{flag} {}: cannot write there ({e}); nothing was done", p.display()))
        };
        lfv_fs::probe_file(&self.report).map_err(|e| refuse("--report", &self.report, e))?;
        lfv_fs::probe_file(&self.summary).map_err(|e| refuse("--summary", &self.summary, e))?;
        if let Some(b) = &self.backup {
            lfv_fs::probe_dir(b).map_err(|e| refuse("--backup-dir", b, e))?;
        }
        Ok(())
    }
}

/// Run `plan` in `mode` at the command's `pace` (which counted the confirmation's looks already).
async fn execute(
    args: &RunArgs,
    plan: &Plan,
    mode: Mode,
    paths: &Paths,
    naive: bool,
    pace: Arc<Pace>,
) -> Result<ExitCode> {
    paths.probe()?;
    let (journal, state) = open_journal(paths, plan, mode)?;
    let calls = Calls::of_run(args);
    let calls = if naive { calls.naive() } else { calls };
    let client = calls.client;
    let access = access(plan, args.role.external_id.as_ref(), args.role.session_name.as_ref())?;
    let checked =
        check_targets(plan, args.profile.as_ref(), args.connect.endpoint_url.as_ref(), &access, client, &pace).await?;
    let opts = RunOptions {
        mode,
        concurrency: args.concurrency,
        max_in_flight: args.max_in_flight,
        pace: if naive { calls.pace() } else { pace },
        client,
        endpoint_url: args.connect.endpoint_url.clone(),
        profile: args.profile.clone(),
        backup_dir: paths.backup.clone(),
        wait_timeout: args.wait_timeout,
        retry_failed: args.retry_failed,
        grace: std::time::Duration::from_secs(10),
        refused_targets: checked.skipped(),
        access,
    };
    let cancel = cancel_on_signals();
    let (events, rx) = EventSink::channel();
    let display = progress::spawn(rx);
    // A refused target is a safety stop (exit 5) that leaves its items pending: said once, like every stop.
    for (&target, reason) in &checked.refused {
        events.send(Event::Stopping(Stop::Guard { target: Some(target), reason: reason.clone() }));
    }
    // A target that cannot be reached stops only itself: its items stay pending, the others run (exit 6).
    for reason in checked.unreachable.values() {
        events.send(Event::Note(reason.clone()));
    }
    let result = run(plan, journal, &state, opts, events, cancel).await;
    let _ = display.await;
    let mut result: RunResult = result?;
    result.guard_stops.splice(0..0, checked.refused.into_values());
    let state = journal::read(&paths.checkpoint)?;
    let report_failed = audit::write(&state, &paths.report).err();
    let leftovers_file = write_leftovers(&state, paths);
    let facts = RunFacts {
        wrong_endpoint: result.wrong_endpoint.is_some(),
        interrupted: result.interrupted,
        guard_stop: !result.guard_stops.is_empty(),
        unreachable: !checked.unreachable.is_empty() || !result.unreachable.is_empty(),
        incomplete: audit::has_problems(&state),
        own_output_failed: report_failed.is_some(),
    };
    let code = exit_code(&facts);
    let mut summary = Summary::new(&state, &result, code.code());
    summary.checkpoint = paths.checkpoint.display().to_string();
    summary.report = paths.report.display().to_string();
    summary.backup_dir = paths.backup.as_ref().map(|p| p.display().to_string());
    summary.leftovers = leftovers_file.map(|p| p.display().to_string());
    let summary_failed = summary.write(&paths.summary).err();
    let metrics_failed = args.metrics.metrics_file.as_ref().and_then(|path| {
        super::write_metrics(path, &crate::report::metrics::RunMetrics::of_summary(&summary.mode, &summary)).err()
    });
    match args.format {
        TextFormat::Json => super::out_json(&summary.to_json()),
        TextFormat::Text => out(&text_summary(&summary, &paths.summary)),
    }
    tell_problems(&result, code, paths, summary_failed.as_ref(), report_failed.as_ref());
    if let Some(why) = result.wrong_endpoint {
        // Nothing was concluded from the foreign answer: its items are pending, and a rerun against the
        // right endpoint does them.
        return Err(Error::Unreachable(why));
    }
    // The summary file is one of our own outputs, decided like the report (it cannot hold its own failure).
    let own_failed = facts.own_output_failed || summary_failed.is_some() || metrics_failed.is_some();
    Ok(exit_code(&RunFacts { own_output_failed: own_failed, ..facts }))
}

/// Open (or resume) the run's journal; its warnings, how much is already done, and an earlier dry run's
/// journal replaced, said on stderr.
fn open_journal(paths: &Paths, plan: &Plan, mode: Mode) -> Result<(Journal, journal::JournalState)> {
    let earlier = std::fs::symlink_metadata(&paths.checkpoint).is_ok_and(|m| m.len() > 0);
    let (journal, state) = Journal::open(&paths.checkpoint, plan, mode)?;
    if mode == Mode::DryRun && earlier {
        eprintln!(
            "note: {} of an earlier dry run is replaced: a dry run looks at the live state every time",
            escape(&paths.checkpoint.display().to_string())
        );
    }
    for w in &state.warnings {
        eprintln!("warning: {}", escape_lines(w));
    }
    let resumed = state.by_seq.values().filter(|s| s.outcome.is_some()).count();
    if resumed > 0 {
        crate::term::status!(
            "resuming from {}: {resumed} of {} items already have an outcome",
            paths.checkpoint.display(),
            plan.items.len()
        );
    }
    Ok((journal, state))
}

/// The run's summary as text (`--format text`), the summary file's path named.
fn text_summary(summary: &Summary, summary_path: &Path) -> String {
    let counts: Vec<String> = summary.outcomes.iter().map(|(k, v)| format!("{k} {v}")).collect();
    escape_lines(&format!(
        "{} {}: {}\n{}verified gone: {}, still present: {}\nthis run: {} items in {:.1}s ({:.1}/s), {} DeleteDataset attempts ({} throttled), {} throttled calls in all\nreport: {}\ncheckpoint: {}\nsummary: {}\n{}",
        summary.mode,
        summary.plan_id,
        counts.join(", "),
        kinds_lines(summary),
        summary.verified,
        summary.not_verified,
        summary.finished_this_run,
        summary.wall_time_s,
        summary.achieved_items_per_s,
        summary.delete_attempts,
        summary.delete_throttled,
        summary.throttled,
        summary.report,
        summary.checkpoint,
        summary_path.display(),
        summary.backup_dir.as_ref().map(|b| format!("backups: {b}\n")).unwrap_or_default()
            + &summary.leftovers.as_ref().map(|l| format!("leftovers: {l}\n")).unwrap_or_default(),
    )).into_owned()
}

/// On stderr: an output that could not be written, an interruption (and how to resume), an incomplete run.
fn tell_problems(
    result: &RunResult,
    code: ExitCode,
    paths: &Paths,
    summary_failed: Option<&Error>,
    report_failed: Option<&Error>,
) {
    if let Some(e) = summary_failed {
        eprintln!("error: {e}; the summary above is not on disk");
    }
    if let Some(e) = report_failed {
        eprintln!(
            "error: {e}\nthe checkpoint journal {0} holds every outcome and stays authoritative; rebuild the \
             report with:\n  lfv-sunset report {0} --out FILE",
            paths.checkpoint.display()
        );
    }
    for why in result.unreachable.values() {
        eprintln!("unreachable: {}", escape_lines(why));
    }
    if result.interrupted {
        eprintln!("interrupted; the journal is flushed. Resume with:\n  {}", escape(&command_line()));
    } else if code == ExitCode::Incomplete {
        eprintln!(
            "finished with failed, skipped or pending items; see {}",
            escape(&paths.report.display().to_string())
        );
    }
}

/// Write `leftovers.csv` for a run with a backup directory, from the journal's manifests and the
/// `project.json` files there; a failure is a warning (the journal and backups stay authoritative).
fn write_leftovers(state: &journal::JournalState, paths: &Paths) -> Option<PathBuf> {
    write_leftovers_to(state, paths.backup.as_ref()?, paths.leftovers()?)
}

/// Write `file` (`leftovers.csv`) from the journal's manifests and the `project.json` files under `backup`;
/// a file that cannot be read or written is a warning, never a failed run.
pub(crate) fn write_leftovers_to(state: &journal::JournalState, backup: &Path, file: PathBuf) -> Option<PathBuf> {
    let (rows, warnings) = leftovers_run::rows(state, backup);
    for w in warnings {
        eprintln!("warning: {}", escape_lines(&w));
    }
    match leftovers::write(&rows, &file) {
        Ok(()) => Some(file),
        Err(e) => {
            eprintln!("warning: {}", escape_lines(&e.to_string()));
            None
        }
    }
}

/// The text summary's per-kind lines (`stop_model: stopped 3` ..., then `inference units stopped: 5`), or
/// nothing for a plan of `delete_dataset` items only (its summary reads as before).
fn kinds_lines(summary: &Summary) -> String {
    if summary.outcomes_by_kind.keys().all(|k| k.0 == Kind::DeleteDataset) {
        return String::new();
    }
    let mut s = String::new();
    for (kind, counts) in &summary.outcomes_by_kind {
        let counts: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
        s.push_str(&format!("  {kind}: {}\n", counts.join(", ")));
    }
    s.push_str(&format!("inference units stopped: {}\n", summary.inference_units_stopped));
    s
}

pub(crate) async fn apply(args: ApplyArgs) -> Result<ExitCode> {
    let plan = load_checked(&args.run)?;
    let destructive = plan.items.iter().filter(|i| i.kind.is_destructive()).count();
    if let Some(max) = args.max_delete
        && destructive > max
    {
        return Err(Error::Refused(format!(
            "the plan has {destructive} items that delete something (delete_model, delete_dataset, \
             delete_project), more than --max-delete {max}; nothing was done"
        )));
    }
    let mode = if args.dry_run { Mode::DryRun } else { Mode::Apply };
    let suffix = if args.dry_run { ".dry-run" } else { "" };
    let paths = Paths {
        checkpoint: args
            .run
            .checkpoint
            .clone()
            .unwrap_or_else(|| beside(&args.run.plan, &format!("{suffix}.journal.jsonl"))),
        report: args.run.report.clone().unwrap_or_else(|| beside(&args.run.plan, &format!("{suffix}.audit.csv"))),
        summary: args.run.summary.clone().unwrap_or_else(|| beside(&args.run.plan, &format!("{suffix}.summary.json"))),
        backup: if args.no_backup || args.dry_run {
            None
        } else {
            Some(args.run.backup_dir.clone().unwrap_or_else(|| beside(&args.run.plan, ".backup")))
        },
    };
    paths.check(&args.run.plan, &plan)?;
    // Reads only, after every check that needs no call.
    let pace = Calls::of_run(&args.run).pace();
    let models = confirm::models_before_asking(&plan, &args.run, &pace).await?;
    let (accounts, scope) = describe_scope(&plan, &models);
    if args.dry_run {
        crate::term::status!("dry run: will check {scope} (read-only, no backup, nothing deleted)");
        confirm::print_blocked(&plan, &models);
    } else if plan.items.is_empty() && plan.unreachable.is_empty() {
        // An empty plan of fully reached targets: nothing to confirm (not "0 datasets in 0 projects"). It still
        // goes through the run, so its checks (a foreign --checkpoint, an unwritable output) and its files
        // (journal, empty report, summary) are as for any plan; it exits 0. A plan that lists unreachable
        // targets is confirmed as usual: its exit code says the estate was not all seen.
        eprintln!("nothing to do: plan {} holds no item; no confirmation needed", escape(&plan.plan_id));
    } else {
        let datasets_only = datasets_only(&by_kind(&plan.items));
        eprintln!("will back up and {} {scope}", if datasets_only { "delete" } else { "then run" });
        confirm::print_blocked(&plan, &models);
        confirm(&accounts, if datasets_only { "its datasets" } else { "the above" }, args.yes)?;
    }
    execute(&args.run, &plan, mode, &paths, args.naive, pace).await
}

pub(crate) async fn export(args: ExportArgs) -> Result<ExitCode> {
    let plan = load_checked(&args.run)?;
    let (_, scope) = describe_scope(&plan, &BTreeMap::new());
    if datasets_only(&by_kind(&plan.items)) {
        crate::term::status!("export: will back up {scope} (read-only towards the service)");
    } else {
        crate::term::status!(
            "export: will back up the datasets and project.json of the plan's projects (read-only towards the service)"
        );
    }
    let paths = Paths {
        checkpoint: args.run.checkpoint.clone().unwrap_or_else(|| beside(&args.run.plan, ".export.journal.jsonl")),
        report: args.run.report.clone().unwrap_or_else(|| beside(&args.run.plan, ".export.csv")),
        summary: args.run.summary.clone().unwrap_or_else(|| beside(&args.run.plan, ".export.summary.json")),
        backup: Some(args.run.backup_dir.clone().unwrap_or_else(|| beside(&args.run.plan, ".backup"))),
    };
    paths.check(&args.run.plan, &plan)?;
    execute(&args.run, &plan, Mode::Export, &paths, false, Calls::of_run(&args.run).pace()).await
}

pub(crate) fn report(args: ReportArgs) -> Result<ExitCode> {
    let started = chrono::Utc::now();
    let lock = journal::lock_path(&args.checkpoint);
    if args.out.as_os_str() == "-" && args.format == TextFormat::Json {
        return Err(Error::Usage("--format json needs --out FILE: with --out - stdout is the CSV".into()));
    }
    if args.out.as_os_str() == "-" {
        // The CSV is the machine output (stdout); the counts go to stderr.
        let state = journal::read(&args.checkpoint)?;
        for w in &state.warnings {
            eprintln!("warning: {}", escape_lines(w));
        }
        out(&String::from_utf8_lossy(&audit::csv(&state)?));
        let counts: Vec<String> = audit::counts(&state).iter().map(|(k, v)| format!("{k} {v}")).collect();
        crate::term::status!("{}", escape_lines(&format!("{} rows: {}", state.items.len(), counts.join(", "))));
        return Ok(ExitCode::Ok);
    }
    overlap::check(&[
        (format!("the checkpoint {}", args.checkpoint.display()), args.checkpoint.as_path()),
        (format!("the checkpoint's lock file {}", lock.display()), lock.as_path()),
        (format!("--out {}", args.out.display()), args.out.as_path()),
    ])
    .map_err(Error::Usage)?;
    let state = journal::read(&args.checkpoint)?;
    for w in &state.warnings {
        eprintln!("warning: {}", escape_lines(w));
    }
    audit::write(&state, &args.out)?;
    if args.format == TextFormat::Json {
        let doc = crate::report::about::ReportDoc {
            about: crate::report::about::About::new(crate::report::about::REPORTED, started),
            plan_id: state.plan_id.clone(),
            out: args.out.display().to_string(),
            rows: state.items.len(),
            outcomes: audit::counts(&state).iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            exit_code: ExitCode::Ok.code(),
        };
        super::out_json(&format!("{}\n", serde_json::to_string_pretty(&doc).expect("a report document serialises")));
        return Ok(ExitCode::Ok);
    }
    let counts: Vec<String> = audit::counts(&state).iter().map(|(k, v)| format!("{k} {v}")).collect();
    out(&escape_lines(&format!("{}\n{} rows: {}\n", args.out.display(), state.items.len(), counts.join(", "))));
    Ok(ExitCode::Ok)
}
