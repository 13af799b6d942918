//! The commands: glue between the CLI, the runners and the user. This is the layer that prints (results on
//! stdout, progress and messages on stderr) and that decides exit codes.

mod apply;
mod confirm;
mod convert;
mod demo;
mod emulator;
mod generate;
mod plan;
mod show;
mod sweep;
mod verify;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

use crate::cli::{Cli, Command, TextFormat};
use crate::error::{ExitCode, Result};
use crate::report::about::{self, About, ErrorDoc};
use crate::report::metrics::RunMetrics;
use std::path::PathBuf;

/// Set once a command printed its JSON document on stdout ([`out_json`]).
static DOCUMENT_PRINTED: AtomicBool = AtomicBool::new(false);
/// Set once a command wrote its metrics file ([`write_metrics`]).
static METRICS_WRITTEN: AtomicBool = AtomicBool::new(false);

/// The subcommand's name, whether it was asked for JSON on stdout (`--format json`), and its metrics file.
fn named(command: &Command) -> (&'static str, bool, Option<PathBuf>) {
    let text = |f: TextFormat| f == TextFormat::Json;
    match command {
        Command::Plan(a) => ("plan", text(a.format), None),
        Command::Show(a) => ("show", text(a.format), None),
        Command::Apply(a) => ("apply", text(a.run.format), a.run.metrics.metrics_file.clone()),
        Command::Sweep(a) => ("sweep", text(a.format), a.metrics.metrics_file.clone()),
        Command::Export(a) => ("export", text(a.run.format), a.run.metrics.metrics_file.clone()),
        Command::Report(a) => ("report", text(a.format), None),
        Command::Verify(a) => ("verify", text(a.format), a.metrics.metrics_file.clone()),
        Command::Demo(_) => ("demo", false, None),
        Command::Emulator(_) => ("emulator", false, None),
        Command::Convert(_) => ("convert", false, None),
        Command::Completions(_) => ("completions", false, None),
        Command::Man(_) => ("man", false, None),
    }
}

/// Write the command's metrics file (noted, so that a later error does not write a second, poorer one); a
/// failure is said on stderr and returned.
pub(crate) fn write_metrics(path: &std::path::Path, m: &RunMetrics) -> Result<()> {
    METRICS_WRITTEN.store(true, Ordering::SeqCst);
    let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    crate::report::metrics::write(path, m, now).inspect_err(|e| eprintln!("error: {e}"))
}

/// Run one parsed command line. With `--format json`, a command that fails or is refused before printing its
/// own document prints an `lfv-sunset-error/1` document instead, so stdout always holds one JSON object.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let started = chrono::Utc::now();
    let (name, json, metrics) = named(&cli.command);
    let result = dispatch(cli).await;
    // A command that ended before writing its metrics (refused, failed early) still leaves its exit code.
    if let (Err(e), Some(path)) = (&result, &metrics)
        && !METRICS_WRITTEN.load(Ordering::SeqCst)
    {
        let elapsed = (chrono::Utc::now() - started).num_milliseconds() as f64 / 1000.0;
        let m = RunMetrics {
            command: name.into(),
            duration_s: elapsed,
            exit_code: e.exit_code().code(),
            ..RunMetrics::default()
        };
        let _ = write_metrics(path, &m);
    }
    if let Err(e) = &result
        && json
        && !DOCUMENT_PRINTED.load(Ordering::SeqCst)
    {
        let doc = ErrorDoc {
            about: About::new(about::ERROR, started),
            command: name.into(),
            error: e.to_string(),
            exit_code: e.exit_code().code(),
        };
        out(&format!("{}\n", serde_json::to_string_pretty(&doc).expect("an error document serialises")));
    }
    result
}

async fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Plan(a) => plan::plan(a).await,
        Command::Show(a) => show::show(a),
        Command::Apply(a) => apply::apply(a).await,
        Command::Sweep(a) => sweep::sweep(a).await,
        Command::Export(a) => apply::export(a).await,
        Command::Report(a) => apply::report(a),
        Command::Verify(a) => verify::verify(a).await,
        Command::Demo(a) => demo::demo(a).await,
        Command::Emulator(a) => emulator::emulator(a).await,
        Command::Convert(a) => convert::convert(a).await,
        Command::Completions(a) => generate::completions(a),
        Command::Man(a) => generate::man(a),
    }
}

/// Print a command's JSON document to stdout (noted, so that a later error prints no second document).
pub(crate) fn out_json(text: &str) {
    DOCUMENT_PRINTED.store(true, Ordering::SeqCst);
    out(text);
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// A receiver that turns true on the first Ctrl-C or SIGTERM. A second signal exits at once with code 4.
pub(crate) fn cancel_on_signals() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        for n in 0..2 {
            #[cfg(unix)]
            let terminated = async {
                match term.as_mut() {
                    Some(t) => {
                        t.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let terminated = std::future::pending::<()>();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminated => {}
            }
            if n == 0 {
                eprintln!("interrupt received: finishing calls in flight (press Ctrl-C again to stop at once)");
                let _ = tx.send(true);
            } else {
                eprintln!("second interrupt: stopping now; rerun the same command to resume");
                std::process::exit(i32::from(ExitCode::Interrupted.code()));
            }
        }
    });
    rx
}

/// The command line as typed, quoted for a POSIX shell.
pub(crate) fn command_line() -> String {
    std::env::args()
        .map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c)) {
                a
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
