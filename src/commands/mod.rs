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

use tokio::sync::watch;

use crate::cli::{Cli, Command};
use crate::error::{ExitCode, Result};

/// Run one parsed command line.
pub async fn run(cli: Cli) -> Result<ExitCode> {
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
