//! The `lfv-sunset` binary: parse arguments, set up logging, run the command, print the error chain and
//! exit with its code.

use clap::Parser;
use lfv_sunset::cli::Cli;
use lfv_sunset::error::ExitCode;
use lfv_sunset::escape::escape_lines;
use lfv_sunset::redact::Redacting;
use lfv_sunset::term;
use std::io::IsTerminal;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // aws-config logs each refused AssumeRole at WARN with a dump of the response; the tool reports every
    // refusal itself, concisely (an unreachable target), so that line shows only when a filter names aws_config.
    let output = term::decide(
        cli.color,
        cli.quiet,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("CLICOLOR_FORCE").as_deref(),
        std::io::stderr().is_terminal(),
    );
    term::init(output);
    let log = if output.quiet { "error" } else { cli.log.as_str() };
    let directives = if log.contains("aws_config") { log.to_string() } else { format!("{log},aws_config::sts=error") };
    let filter = tracing_subscriber::EnvFilter::try_new(&directives).unwrap_or_else(|_| "warn".into());
    // Every log line goes through the redacting writer (credentials never reach stderr, at any level).
    lfv_sunset::redact::register_environment();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(output.color)
        .with_writer(Redacting(std::io::stderr))
        .init();
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
