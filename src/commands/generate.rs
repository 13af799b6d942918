//! `completions` and `man`: shell completion scripts (clap_complete) and man pages (clap_mangen), generated
//! from the same clap definitions as `--help`, so neither can drift from the flags.

use clap::CommandFactory;

use super::out;
use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::{Error, ExitCode, Result};

/// The completion script for `args.shell` on stdout.
pub(crate) fn completions(args: CompletionsArgs) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "lfv-sunset", &mut script);
    out(&String::from_utf8_lossy(&script));
    Ok(ExitCode::Ok)
}

/// `lfv-sunset.1` on stdout; with `--out-dir`, that page and one per subcommand (`lfv-sunset-plan.1`, ...)
/// written into the directory (created if missing), their paths listed on stdout.
pub(crate) fn man(args: ManArgs) -> Result<ExitCode> {
    let cmd = Cli::command();
    let Some(dir) = args.out_dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut page).map_err(|e| Error::io("render", "the man page", e))?;
        out(&String::from_utf8_lossy(&page));
        return Ok(ExitCode::Ok);
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
    clap_mangen::generate_to(cmd, &dir).map_err(|e| Error::io("write man pages into", &dir, e))?;
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io("read", &dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "1"))
        .map(|p| format!("{}\n", p.display()))
        .collect();
    pages.sort();
    out(&pages.concat());
    Ok(ExitCode::Ok)
}
