//! `verify`: resolve the flags into [`verify::Options`], run the [`crate::verify`] runner, render its report
//! (table or JSON) and decide the exit code: 0 nothing left, 3 something left (6 unreachable, 5 refused: the
//! runner's errors).

use super::out;
use crate::calls::Calls;
use crate::cli::{ConnectArgs, RoleArgs, SweepArgs, TextFormat, VerifyArgs};
use crate::error::{Error, ExitCode, Result};
use crate::escape::escape as e;
use crate::plan::{Kind, Plan, Scope};
use crate::verify::{self, Report, verify_all, verify_plan};

/// The runner's options from the pace, connection and role flags `verify` and `sweep` share, resolved once.
pub(crate) fn options(
    pace: &SweepArgs,
    connect: &ConnectArgs,
    role: &RoleArgs,
    profiles: &[String],
) -> verify::Options {
    verify::Options {
        calls: Calls::of_pace(pace, connect),
        concurrency: pace.concurrency,
        max_in_flight: pace.max_in_flight,
        profiles: profiles.to_vec(),
        endpoint_url: connect.endpoint_url.clone(),
        external_id: role.external_id.clone(),
        session_name: role.session_name.clone(),
        pace: None,
    }
}

pub(crate) async fn verify(args: VerifyArgs) -> Result<ExitCode> {
    let opts = options(&args.sweep, &args.connect, &args.role, &args.profiles);
    let report = match &args.plan {
        Some(path) => {
            if args.scope != Scope::Datasets {
                return Err(Error::Usage(
                    "--scope applies to --all; a plan is verified for every kind it holds".into(),
                ));
            }
            let plan = Plan::load(path)?;
            verify_plan(&plan, &opts).await?
        }
        None => verify_all(&regions(&args.regions), args.scope, &opts).await?,
    };
    let code = print_report(&report, args.format);
    if let Some(path) = &args.metrics.metrics_file {
        let secs = (report.about.finished_at - report.about.started_at).num_milliseconds() as f64 / 1000.0;
        super::write_metrics(path, &report.metrics("verify", secs))?;
    }
    Ok(code)
}

/// `--region` with `all` expanded ([`crate::targets::regions::expand`]), each warning printed.
pub(crate) fn regions(given: &[String]) -> Vec<String> {
    let (regions, warnings) = crate::targets::regions::expand(given);
    for w in warnings {
        eprintln!("warning: {w}");
    }
    regions
}

/// Print the report in `format` and give its exit code.
pub(crate) fn print_report(report: &Report, format: TextFormat) -> ExitCode {
    match format {
        TextFormat::Json => super::out_json(&format!("{}\n", serde_json::to_string_pretty(&report).expect("json"))),
        TextFormat::Text => out(&table(report)),
    }
    report.exit()
}

/// The table text: a count line (models and projects named only when some are left or the report covers
/// them), then one line per resource left.
fn table(report: &Report) -> String {
    let mut s = format!(
        "verify {}: {} projects checked, {} datasets left",
        e(&report.scope),
        report.projects_checked,
        report.datasets_left
    );
    if report.models_left + report.models_hosted + report.projects_left > 0 {
        s.push_str(&format!(
            ", {} model versions left, {} models still hosted, {} projects left",
            report.models_left, report.models_hosted, report.projects_left
        ));
    }
    s.push('\n');
    for l in &report.left {
        let what = match l.kind {
            Kind::DeleteDataset => e(&l.dataset_type).into_owned(),
            Kind::DeleteModel => format!("model {}", e(&l.resource)),
            Kind::StopModel => format!("model {} hosted", e(&l.resource)),
            Kind::DeleteProject => "project".to_string(),
        };
        s.push_str(&format!(
            "  {} {} {} {what} {}{}\n",
            e(&l.account),
            e(&l.region),
            e(&l.project),
            e(&l.status),
            if l.recreated { " (re-created since planning)" } else { "" }
        ));
    }
    if report.left.is_empty() {
        if report.not_verified.is_empty() {
            s.push_str("nothing left\n");
        } else {
            s.push_str(&format!(
                "nothing left in the targets verified; {} targets could not be reached and are not verified\n",
                report.not_verified.len()
            ));
        }
    }
    s.push_str(&format!("{}\n", e(&report.outside_scope.line())));
    s
}
