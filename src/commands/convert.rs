//! `convert`: check the flags, find the projects, connect one S3 client per region, run the conversion with a
//! progress display, print the JSON summary and decide the exit code (0 only if every labeled entry is in
//! place; 3 otherwise; 4 if interrupted).

use std::collections::HashMap;

use super::{cancel_on_signals, command_line, out};
use crate::calls::Calls;
use crate::cli::ConvertArgs;
use crate::cloud::{Endpoint, connect_s3};
use crate::convert::{self, Options};
use crate::error::{Error, ExitCode, Result, RunFacts, exit_code};
use crate::exec::events::EventSink;
use crate::report::progress;

fn options(args: &ConvertArgs, calls: Calls) -> Result<Options> {
    let projects = args
        .projects
        .iter()
        .map(|p| {
            globset::Glob::new(p)
                .map(|g| g.compile_matcher())
                .map_err(|e| Error::Usage(format!("--project {p:?}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    if !args.from.is_dir() {
        return Err(Error::Usage(format!("--from {} is not a directory", args.from.display())));
    }
    let from = std::fs::canonicalize(&args.from).map_err(|e| Error::io("read", &args.from, e))?;
    let to = convert_resolve(&args.to)?;
    if to.starts_with(&from) {
        return Err(Error::Usage(format!(
            "--to {} is inside --from {}: the backup tree is only read",
            args.to.display(),
            args.from.display()
        )));
    }
    Ok(Options {
        from,
        to: args.to.clone(),
        layout: args.layout,
        projects,
        concurrency: args.concurrency,
        pace: calls.pace(),
        region_override: args.region.clone(),
    })
}

fn convert_resolve(p: &std::path::Path) -> Result<std::path::PathBuf> {
    crate::convert::resolve_path(p).map_err(|e| Error::io("resolve", p, e))
}

/// Run `convert`.
pub async fn convert(args: ConvertArgs) -> Result<ExitCode> {
    let calls = Calls::new(args.rate, args.max_attempts, &args.connect);
    let opts = options(&args, calls)?;
    let (sources, notes) = convert::find_sources(&opts)?;
    for n in &notes {
        eprintln!("{n}");
    }
    if sources.is_empty() {
        return Err(Error::Usage(format!("no project directories found under --from {}", args.from.display())));
    }
    let mut clients = HashMap::new();
    for region in convert::regions_needed(&sources, opts.region_override.as_deref()) {
        let endpoint = Endpoint {
            region: region.clone(),
            profile: args.profile.clone(),
            endpoint_url: args.connect.endpoint_url.clone(),
            role: None,
        };
        clients.insert(region, connect_s3(&endpoint, calls.client, opts.pace.gate(0)).await?);
    }
    let cancel = cancel_on_signals();
    let (events, rx) = EventSink::channel();
    let display = progress::spawn(rx);
    let result = convert::run(&opts, &sources, clients, cancel.clone(), events).await;
    let _ = display.await;
    let (_, summary) = result?;
    out(&format!("{}\n", serde_json::to_string_pretty(&summary).unwrap_or_default()));
    eprintln!(
        "convert: {} converted, {} already converted, {} failed, {} refused; report {}",
        summary.converted,
        summary.already_converted,
        summary.failed,
        summary.refused,
        opts.to.join("convert.csv").display()
    );
    for c in &summary.cannot_load {
        eprintln!("convert: project {}: {} (see its README.txt)", c.project, c.reason);
    }
    if *cancel.borrow() {
        return Err(Error::Interrupted { resume: command_line() });
    }
    Ok(exit_code(&RunFacts { incomplete: summary.labeled_not_converted > 0, ..RunFacts::default() }))
}
