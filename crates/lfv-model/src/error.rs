//! The program's error type and its exit codes.
//!
//! Every failure a user can cause or meet is one variant of [`Error`], and each variant maps to one
//! documented exit code ([`Error::exit_code`]). Per-item failures during `apply` are not errors: they are
//! outcomes in the journal and the report, and only decide the exit code at the end ([`ExitCode`]).

use std::path::PathBuf;

/// Exit codes, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Every item deleted or already absent (or would be, in a dry run); verify found nothing left.
    Ok = 0,
    /// An internal error (a bug, or an I/O failure on our own files).
    Internal = 1,
    /// Usage error or invalid input (bad flag, malformed or tampered plan, journal of another plan).
    Usage = 2,
    /// Finished, but some items failed or were skipped; verify found datasets left.
    Incomplete = 3,
    /// Interrupted (Ctrl-C, SIGTERM); rerun the same command to resume.
    Interrupted = 4,
    /// Refused by a safety guard (no confirmation, --max-delete, lock held, target mismatch, circuit breaker).
    Refused = 5,
    /// The service could not be reached, or no credentials were found.
    Unreachable = 6,
}

impl ExitCode {
    /// The process exit status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// What a finished run found, for [`exit_code`]: the one decision of the exit code of every command that
/// finishes (`apply`, `export`, `sweep`; `verify`, `convert` and `demo` with the facts they can have).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunFacts {
    /// An endpoint answered what Lookout for Vision would not: nothing was concluded from it.
    pub wrong_endpoint: bool,
    /// Ctrl-C or SIGTERM stopped the run; a rerun resumes.
    pub interrupted: bool,
    /// A safety guard stopped the run or a target (`--max-delete`, circuit breaker, another account's credentials).
    pub guard_stop: bool,
    /// A target could not be reached: `apply`, `export` at their start (its items stay pending); `sweep` while
    /// enumerating (listed under `unreachable` in its sealed plan).
    pub unreachable: bool,
    /// `apply`, `export`: items failed, were skipped or are pending; `sweep`: the verify of its sealed plan
    /// found something left (its proof of the end state).
    pub incomplete: bool,
    /// One of our own outputs (the CSV report) could not be written; the journal stays authoritative.
    pub own_output_failed: bool,
}

/// The exit code of a finished run, in this order (the first fact that holds decides):
/// wrong endpoint 6, interrupted 4, guard stop 5, unreachable target 6, incomplete 3, own output failed 1, else 0.
/// A target that was never reached outranks a failed item: a scheduled job must learn that part of the estate
/// was not even looked at, and a rerun can do nothing about it until access is fixed.
pub fn exit_code(facts: &RunFacts) -> ExitCode {
    if facts.wrong_endpoint {
        ExitCode::Unreachable
    } else if facts.interrupted {
        ExitCode::Interrupted
    } else if facts.guard_stop {
        ExitCode::Refused
    } else if facts.unreachable {
        ExitCode::Unreachable
    } else if facts.incomplete {
        ExitCode::Incomplete
    } else if facts.own_output_failed {
        ExitCode::Internal
    } else {
        ExitCode::Ok
    }
}

/// Errors that stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag or argument is wrong.
    #[error("{0}")]
    Usage(String),
    /// A plan file cannot be used.
    #[error("invalid plan {path}: {reason}")]
    InvalidPlan {
        /// The plan file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A checkpoint journal cannot be used.
    #[error("invalid checkpoint {path}: {reason}")]
    InvalidJournal {
        /// The journal file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A safety guard refused to go on.
    #[error("refused: {0}")]
    Refused(String),
    /// The service could not be reached (after retries) or credentials are missing.
    #[error("service unreachable: {0}")]
    Unreachable(String),
    /// No credentials resolved for a target.
    #[error("no credentials: {0}")]
    NoCredentials(String),
    /// Reading or writing one of our own files failed.
    #[error("failed to {action} {path}: {source}")]
    Io {
        /// What we tried: "read", "write", "create", ...
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The run was interrupted; `resume` is the command that continues it.
    #[error("interrupted; resume with: {resume}")]
    Interrupted {
        /// Command line to resume.
        resume: String,
    },
    /// A bug or an unexpected state.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The exit code this error ends the process with.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) | Error::InvalidPlan { .. } | Error::InvalidJournal { .. } => ExitCode::Usage,
            Error::Refused(_) => ExitCode::Refused,
            Error::Unreachable(_) | Error::NoCredentials(_) => ExitCode::Unreachable,
            Error::Interrupted { .. } => ExitCode::Interrupted,
            Error::Io { .. } | Error::Internal(_) => ExitCode::Internal,
        }
    }

    /// Shorthand for an [`Error::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { action, path: path.into(), source }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_fact_that_holds_decides_the_exit_code() {
        let f = |wrong_endpoint, interrupted, guard_stop, unreachable, incomplete, own_output_failed| RunFacts {
            wrong_endpoint,
            interrupted,
            guard_stop,
            unreachable,
            incomplete,
            own_output_failed,
        };
        #[rustfmt::skip]
        let table = [
            // wrong, interrupted, guard, unreachable, incomplete, own output
            (f(false, false, false, false, false, false), ExitCode::Ok),
            (f(false, false, false, false, false, true), ExitCode::Internal),
            (f(false, false, false, false, true, true), ExitCode::Incomplete),
            // an unreachable target and a failed item: 6, for apply and sweep alike
            (f(false, false, false, true, true, false), ExitCode::Unreachable),
            // a guard stop and failures: 5
            (f(false, false, true, false, true, false), ExitCode::Refused),
            (f(false, false, true, true, true, true), ExitCode::Refused),
            (f(false, true, true, true, true, true), ExitCode::Interrupted),
            // a wrong endpoint outranks everything
            (f(true, true, true, true, true, true), ExitCode::Unreachable),
            (f(true, false, false, false, false, false), ExitCode::Unreachable),
        ];
        for (facts, want) in table {
            assert_eq!(exit_code(&facts), want, "{facts:?}");
        }
    }
}
