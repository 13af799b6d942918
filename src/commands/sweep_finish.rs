//! The end of a sweep: the CSV report, `leftovers.csv`, verify of the sealed plan (only what the run did not
//! itself confirm gone moments ago), `summary.json`, and the exit code.

use super::out;
use super::sweep_dir::SweepPaths;
use crate::cli::{SweepCommandArgs, TableFormat, TextFormat};
use crate::error::{Error, ExitCode, Result, RunFacts, exit_code};
use crate::escape::escape_lines;
use crate::exec::drift::{DESCRIPTION_FRESH_FOR, description_fresh};
use crate::exec::journal::{self, JournalState};
use crate::exec::run::RunResult;
use crate::plan::Plan;
use crate::report::audit;
use crate::report::summary::Summary;

/// The sealed plan less the items whose deletion the run confirmed (a `verified` record saying gone, made
/// within [`DESCRIPTION_FRESH_FOR`] of `now`: a DescribeProject as recent as the drift check accepts): the
/// final verify describes the projects of the rest again.
pub(super) fn unconfirmed(plan: &Plan, state: &JournalState, now: chrono::DateTime<chrono::Utc>) -> Plan {
    let fresh = |seq: u64| {
        state.item(seq).verified.is_some_and(|v| v.verified && (now - v.at).to_std().is_ok_and(description_fresh))
    };
    Plan { items: plan.items.iter().filter(|i| !fresh(i.seq)).cloned().collect(), ..plan.clone() }
}

/// The report, verify of the sealed plan, `summary.json`, and the exit code.
pub(super) async fn finish(
    args: &SweepCommandArgs,
    paths: &SweepPaths,
    backup: &std::path::Path,
    result: RunResult,
    plan: Option<Plan>,
    planning: Option<Error>,
) -> Result<ExitCode> {
    let state = journal::read(&paths.journal)?;
    let report_failed = audit::write(&state, &paths.report).err();
    let leftovers = crate::commands::apply::write_leftovers_to(&state, backup, paths.leftovers.clone());
    // Verify only a run that went to its end: what it finds left decides "incomplete" (3). Its refusals and
    // unreachable targets are errors that end the command here, as they end `verify`.
    let ran_to_the_end =
        result.wrong_endpoint.is_none() && !result.interrupted && planning.is_none() && result.guard_stops.is_empty();
    let left = match &plan {
        Some(plan) if ran_to_the_end => {
            let role = &args.select.targets.role;
            let opts = crate::commands::verify::options(&args.sweep, &args.connect, role, &[]);
            let format = match args.format {
                TextFormat::Text => TableFormat::Table,
                TextFormat::Json => TableFormat::Json,
            };
            let rest = unconfirmed(plan, &state, chrono::Utc::now());
            eprintln!(
                "verify: {} items confirmed gone by this run's own DescribeProject within {} s; describing the \
                 projects of the other {}",
                plan.items.len() - rest.items.len(),
                DESCRIPTION_FRESH_FOR.as_secs(),
                rest.items.len()
            );
            let report = crate::verify::verify_plan(&rest, &opts).await?;
            Some(crate::commands::verify::print_report(&report, format) == ExitCode::Incomplete)
        }
        _ => None,
    };
    // With --allow-unreachable the run goes on without them, and still exits 6 so that a job notices.
    let unreachable = plan.as_ref().map_or(0, |p| p.unreachable.len());
    let code = exit_code(&RunFacts {
        wrong_endpoint: result.wrong_endpoint.is_some(),
        interrupted: result.interrupted,
        guard_stop: !result.guard_stops.is_empty(),
        unreachable: unreachable > 0,
        // A sweep's own verify of the sealed plan is the proof: an item that failed but whose resource is
        // gone by the end leaves nothing.
        incomplete: left == Some(true),
        own_output_failed: report_failed.is_some(),
    });
    let code = match &planning {
        Some(e) if !result.interrupted => e.exit_code(),
        // A sweep that ran to its end but sealed no plan is our bug.
        None if ran_to_the_end && left.is_none() => ExitCode::Internal,
        _ => code,
    };
    if unreachable > 0 && code == ExitCode::Unreachable {
        eprintln!("{unreachable} targets could not be reached; the sealed plan lists them under unreachable");
    }
    let mut summary = Summary::new(&state, &result, code.code());
    summary.checkpoint = paths.journal.display().to_string();
    summary.report = paths.report.display().to_string();
    summary.backup_dir = Some(backup.display().to_string());
    summary.leftovers = leftovers.map(|p| p.display().to_string());
    summary.write(&paths.summary)?;
    if args.format == TextFormat::Text {
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
    }
    if let Some(e) = report_failed {
        eprintln!("error: {e}");
    }
    if result.interrupted {
        eprintln!("interrupted; the journal is flushed. Resume with the same command (same --dir)");
    }
    // summary.json is written on these paths too; the error then says what stopped the run.
    if let Some(why) = result.wrong_endpoint {
        return Err(Error::Unreachable(why));
    }
    if let Some(e) = planning.filter(|_| !result.interrupted) {
        eprintln!("error: enumeration did not finish; items found so far were journalled and a rerun resumes");
        return Err(e);
    }
    Ok(code)
}
