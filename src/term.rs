//! How the tool writes to stderr: whether it may use escape sequences (colour in the logs, the progress bar)
//! and whether it is quiet. Decided once in `main` from `--color`, `--quiet`, `NO_COLOR`, `CLICOLOR_FORCE`
//! and whether stderr is a terminal ([`decide`], a pure function), then read by the log setup and by
//! [`crate::report::progress`]. Stdout (machine output) is never coloured.

use std::ffi::OsStr;
use std::sync::OnceLock;

use clap::ValueEnum;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour and the progress bar on a terminal, unless `NO_COLOR` is set (not empty); `CLICOLOR_FORCE`
    /// (not empty, not `0`) colours the logs even when stderr is not a terminal.
    Auto,
    /// Colour the logs even when stderr is not a terminal; the progress bar still needs a terminal.
    Always,
    /// No escape sequence at all: plain log lines, and plain progress lines instead of the bar.
    Never,
}

/// What was decided for stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    /// Escape sequences allowed (coloured log levels; the bar, on a terminal).
    pub color: bool,
    /// `--quiet`: no progress and no status lines; logs at `error` only.
    pub quiet: bool,
}

/// The decision. Precedence: `--color always|never`, then `NO_COLOR` (set and not empty: never), then
/// `CLICOLOR_FORCE` (set, not empty and not `0`: always), then whether stderr is a terminal.
pub fn decide(
    choice: ColorChoice,
    quiet: bool,
    no_color: Option<&OsStr>,
    clicolor_force: Option<&OsStr>,
    stderr_terminal: bool,
) -> Output {
    let set = |v: Option<&OsStr>| v.is_some_and(|v| !v.is_empty());
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set(no_color) => false,
        ColorChoice::Auto if set(clicolor_force) && clicolor_force != Some(OsStr::new("0")) => true,
        ColorChoice::Auto => stderr_terminal,
    };
    Output { color, quiet }
}

static OUTPUT: OnceLock<Output> = OnceLock::new();

/// Record the decision (the first call wins; `main` makes it before anything prints).
pub fn init(output: Output) {
    let _ = OUTPUT.set(output);
}

/// The decision; before [`init`] (library use, tests), `--color auto` from the environment, not quiet.
pub fn output() -> Output {
    *OUTPUT.get_or_init(|| {
        use std::io::IsTerminal;
        decide(
            ColorChoice::Auto,
            false,
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("CLICOLOR_FORCE").as_deref(),
            std::io::stderr().is_terminal(),
        )
    })
}

/// A status line on stderr (what a command is about to do, where it resumes), left out under `--quiet`.
/// Warnings and errors are printed with `eprintln!` and are never left out.
macro_rules! status {
    ($($arg:tt)*) => {
        if !$crate::term::output().quiet {
            eprintln!($($arg)*);
        }
    };
}
pub(crate) use status;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_then_no_color_then_clicolor_force_then_the_terminal() {
        let s = |v: &'static str| Some(OsStr::new(v));
        use ColorChoice::*;
        // (choice, NO_COLOR, CLICOLOR_FORCE, terminal) -> colour
        let cases = [
            (Auto, None, None, true, true),
            (Auto, None, None, false, false),
            (Auto, s("1"), None, true, false),
            (Auto, s(""), None, true, true),
            (Auto, None, s("1"), false, true),
            (Auto, None, s("0"), false, false),
            (Auto, None, s(""), false, false),
            (Auto, s("1"), s("1"), false, false),
            (Always, s("1"), None, false, true),
            (Never, None, s("1"), true, false),
            (Never, None, None, true, false),
        ];
        for (choice, no_color, force, tty, want) in cases {
            let got = decide(choice, false, no_color, force, tty);
            assert_eq!(got.color, want, "{choice:?} NO_COLOR={no_color:?} CLICOLOR_FORCE={force:?} tty={tty}");
        }
        assert!(decide(Auto, true, None, None, true).quiet);
    }
}
