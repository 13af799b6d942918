//! The `lfv-sunset` binary: parse arguments, set up logging, run the command, print the error chain and
//! exit with its code.

use clap::Parser;
use lfv_sunset::cli::Cli;
use lfv_sunset::error::ExitCode;
use lfv_sunset::escape::escape_lines;
use lfv_sunset::redact::Redacting;
use lfv_sunset::term;
use std::io::IsTerminal;

/// The tracing filter of `--log` (`error` under `--quiet`).
fn filter(log: &str) -> tracing_subscriber::EnvFilter {
    // aws-config logs each refused AssumeRole at WARN with a dump of the response; the tool reports every
    // refusal itself, concisely (an unreachable target), so that line shows only when a filter names aws_config.
    let directives = if log.contains("aws_config") { log.to_string() } else { format!("{log},aws_config::sts=error") };
    tracing_subscriber::EnvFilter::try_new(&directives).unwrap_or_else(|_| "warn".into())
}

/// Logs on stderr (coloured as `output` says, `error` only under `--quiet`) and, with `--log-file`, the same
/// lines at `--log`'s level, never coloured, appended to that file (created 0600; a symlink is refused).
/// Every line goes through the redacting writer (credentials never reach a log, at any level).
fn init_logs(cli: &Cli, output: term::Output) -> Result<(), String> {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    lfv_sunset::redact::register_environment();
    let stderr_filter = filter(if output.quiet { "error" } else { cli.log.as_str() });
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(output.color)
        .with_writer(Redacting(std::io::stderr))
        .with_filter(stderr_filter);
    let file = match &cli.log_file {
        None => None,
        Some(path) => {
            let mut opts = std::fs::OpenOptions::new();
            opts.create(true).append(true);
            let f = lfv_fs::open_no_follow(&mut opts, path)
                .map_err(|e| format!("--log-file {}: cannot open it for appending ({e})", path.display()))?;
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(Redacting(std::sync::Mutex::new(f)))
                .with_filter(filter(&cli.log));
            Some(layer)
        }
    };
    tracing_subscriber::registry().with(stderr).with(file).init();
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let output = term::decide(
        cli.color,
        cli.quiet,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("CLICOLOR_FORCE").as_deref(),
        std::io::stderr().is_terminal(),
    );
    term::init(output);
    if let Err(e) = init_logs(&cli, output) {
        eprintln!("error: {}", escape_lines(&e));
        return std::process::ExitCode::from(ExitCode::Usage.code());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(ExitCode::Internal.code());
        }
    };
    let result = runtime.block_on(lfv_sunset::commands::run(cli));
    // Do not wait for lingering tasks (a display, a signal listener).
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(code) => std::process::ExitCode::from(code.code()),
        Err(e) => {
            // Messages quote plan fields, paths and service answers: never let them reach the terminal raw.
            eprintln!("error: {}", escape_lines(&e.to_string()));
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {}", escape_lines(&s.to_string()));
                source = s.source();
            }
            std::process::ExitCode::from(e.exit_code().code())
        }
    }
}
