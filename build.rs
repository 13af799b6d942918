//! Records which source the binary was built from, for `--version` and the tool build written into plans and
//! journals: `LFV_BUILD_COMMIT` is set for the crate to the commit (12 hex digits), with `-dirty` appended when
//! tracked files differ from it, or `unknown` when there is no git metadata (a source tarball, a Docker build
//! context without `.git`, no `git` on PATH).
//!
//! An `LFV_BUILD_COMMIT` in the build's own environment wins over git (the Dockerfile passes it as a build
//! argument, since `.dockerignore` keeps `.git` out of the context); it must be 7 to 40 hex digits, optionally
//! followed by `-dirty`, else the build fails naming the variable. The script reruns when that variable, git's
//! HEAD or index, or a tracked source directory changes, so the dirty flag follows edits.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=LFV_BUILD_COMMIT");
    println!("cargo:rerun-if-changed=build.rs");
    let commit = match std::env::var("LFV_BUILD_COMMIT") {
        Ok(v) if !v.is_empty() => {
            let hex = v.strip_suffix("-dirty").unwrap_or(&v);
            if !(7..=40).contains(&hex.len()) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                panic!("LFV_BUILD_COMMIT={v:?}: expected 7 to 40 hex digits, optionally followed by -dirty");
            }
            v
        }
        _ => from_git().unwrap_or_else(|| "unknown".to_string()),
    };
    println!("cargo:rustc-env=LFV_BUILD_COMMIT={commit}");
}

/// `HEAD`'s commit from git, `-dirty` if a tracked file differs; `None` without a repository or git.
fn from_git() -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    // Rerun when HEAD moves (a commit, a checkout) or the index changes (add, commit), and when sources change.
    for path in ["rev-parse --git-path HEAD", "rev-parse --git-path index"] {
        let args: Vec<&str> = path.split(' ').collect();
        if let Some(p) = git(&args) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(&["rev-parse", "--git-path", &head_ref])
    {
        println!("cargo:rerun-if-changed={p}");
    }
    for dir in ["src", "crates", "tests", "benches", "plans", "Cargo.toml", "Cargo.lock"] {
        if Path::new(dir).exists() {
            println!("cargo:rerun-if-changed={dir}");
        }
    }
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{commit}-dirty") } else { commit })
}
