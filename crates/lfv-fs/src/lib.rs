//! Files and paths, safely: the one place that creates the tool's files and directories, and that decides
//! which names may become path components and which outputs may not share a file.
//!
//! Every data-bearing file (plan, journal, lock, report, backups, demo summary, emulator state) is created
//! owner-only (mode 0600; directories 0700), and never through a symbolic link planted at its name:
//! - [`write_atomic`] writes `.<name>.tmp-<pid>-<n>` beside the target with `O_CREAT | O_EXCL | O_NOFOLLOW`
//!   and mode 0600, fsyncs it, renames it over the target (a rename replaces a symlink, it never follows one)
//!   and fsyncs the directory. A crash leaves the old file or the new one, never a mix.
//! - [`create_fresh`] makes a new private file (a backup's `.partial`, later put in place by [`commit`]), refusing a symlink at its name and
//!   unlinking a stale regular file first (so a planted hard link is never written through).
//! - [`create_new`] makes a new private file where nothing is yet (`convert`'s resume journal).
//! - [`open_no_follow`] opens an existing-or-new file with `O_NOFOLLOW` (journal, lock).
//! - [`dir_below`] creates the directories under a root one component at a time, refusing any component
//!   that is a symlink or not a directory.
//! - [`probe_dir`] proves a directory is writable by creating and removing a private probe file.
//!
//! The pure decisions live in [`names`] (which strings may be a path component) and [`overlap`] (which
//! outputs resolve to the same file). A crate at the bottom of the workspace, so the emulator may use it too;
//! errors are `std::io::Error`s whose message names the path.

pub mod names;
pub mod overlap;

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{Error, ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Mode of every file the tool creates.
pub const FILE_MODE: u32 = 0o600;
/// Mode of every directory the tool creates.
pub const DIR_MODE: u32 = 0o700;

/// Numbers temporary files apart within one process.
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The directory a file path lives in (`.` for a bare name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The error for a symlink found where a file or directory is to be written.
fn symlink_refused(path: &Path) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("{} is a symbolic link; refusing to write through it (remove it and run again)", path.display()),
    )
}

/// Turn the `ELOOP` that `O_NOFOLLOW` gives on a symlink into a clear message.
fn explain_loop(path: &Path, e: Error) -> Error {
    if e.raw_os_error() == Some(libc::ELOOP) { symlink_refused(path) } else { e }
}

/// `O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW`, mode 0600: a new owner-only file, never an existing one or a
/// symlink (the one place that creates a private file: [`write_atomic`], [`create_fresh`] and [`probe_dir`]
/// use it too).
pub fn create_new(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| explain_loop(path, e))
}

/// Create `dir` and its missing parents with mode 0700 (existing directories keep their mode).
pub fn create_dir_private(dir: &Path) -> std::io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// Write `bytes` to `path` atomically with mode 0600 (see the module docs). Creates the parent directory
/// (0700) if missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    create_dir_private(parent_dir(path))?;
    write_through_temporary(path, bytes, None)
}

/// [`write_atomic`], but the file ends mode 0644: for a file another user's process must read and that holds
/// no data (the metrics file, which node_exporter's textfile collector reads). The parent directory must
/// exist (it is the collector's, never created here).
pub fn write_atomic_shared(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_through_temporary(path, bytes, Some(0o644))
}

/// `bytes` into a new private temporary file beside `path` (a dot name that no collector or glob reads), its
/// mode then set to `mode` if given, committed over `path`; the temporary file is removed on failure.
fn write_through_temporary(path: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    let dir = parent_dir(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
    let result = (|| {
        let mut f = create_new(&tmp)?;
        f.write_all(bytes)?;
        if let Some(mode) = mode {
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        commit(f, &tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Make a finished temporary file `tmp` (written through `file`) the file at `path`: fsync it, rename it over
/// `path` (replacing, never following, whatever is there) and fsync the directory.
pub fn commit(file: File, tmp: &Path, path: &Path) -> std::io::Result<()> {
    file.sync_all()?;
    drop(file);
    std::fs::rename(tmp, path)?;
    if let Ok(d) = File::open(parent_dir(path)) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Create a new, empty, private file at `path` for writing. A symlink there is refused; a stale regular
/// file is unlinked first, so whatever it was linked to is left untouched.
pub fn create_fresh(path: &Path) -> std::io::Result<File> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => return Err(symlink_refused(path)),
        Ok(m) if m.is_file() => std::fs::remove_file(path)?,
        Ok(_) => return Err(Error::new(ErrorKind::InvalidInput, format!("{} is not a regular file", path.display()))),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    create_new(path)
}

/// Open `path` with `opts` plus `O_NOFOLLOW` and mode 0600 for a file it creates; refuses a symlink, and a
/// file that is not a regular file or has other hard links (writing it would change another name's content).
pub fn open_no_follow(opts: &mut OpenOptions, path: &Path) -> std::io::Result<File> {
    let f = opts.mode(FILE_MODE).custom_flags(libc::O_NOFOLLOW).open(path).map_err(|e| explain_loop(path, e))?;
    let m = f.metadata()?;
    if !m.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, format!("{} is not a regular file", path.display())));
    }
    if m.nlink() > 1 {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "{} has {} hard links; refusing to write a file shared with another name",
                path.display(),
                m.nlink()
            ),
        ));
    }
    Ok(f)
}

/// Create `root` (0700, following a symlink the user gave as the root itself) and then each of `parts` below
/// it one at a time (0700), refusing a component that is a symlink or not a directory. Returns the full path.
pub fn dir_below(root: &Path, parts: &[&str]) -> std::io::Result<PathBuf> {
    create_dir_private(root)?;
    let mut dir = root.to_path_buf();
    for part in parts {
        dir.push(part);
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_symlink() => return Err(symlink_refused(&dir)),
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(Error::new(ErrorKind::InvalidInput, format!("{} is not a directory", dir.display()))),
            Err(e) if e.kind() == ErrorKind::NotFound => match DirBuilder::new().mode(DIR_MODE).create(&dir) {
                Ok(()) => {}
                // Lost a race with another creator: check again what is there now.
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    if !std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
                        return Err(symlink_refused(&dir));
                    }
                }
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
    Ok(dir)
}

/// Prove that a file can be created in `dir` (created 0700 if missing): create a private probe file
/// `.lfv-sunset-probe-<pid>-<n>` exclusively and remove it.
pub fn probe_dir(dir: &Path) -> std::io::Result<()> {
    create_dir_private(dir)?;
    let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let probe = dir.join(format!(".lfv-sunset-probe-{}-{n}", std::process::id()));
    drop(create_new(&probe)?);
    std::fs::remove_file(&probe)
}

/// Prove that `path` can be written as a whole file (by [`write_atomic`]): it is not an existing directory,
/// and its directory accepts a new file.
pub fn probe_file(path: &Path) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(Error::new(ErrorKind::InvalidInput, "it is a directory"));
    }
    probe_dir(parent_dir(path))
}

/// The permission bits of `path` (for tests and checks).
pub fn mode_of(path: &Path) -> std::io::Result<u32> {
    Ok(std::fs::symlink_metadata(path)?.permissions().mode() & 0o7777)
}

/// `path` made absolute against `cwd` with `.` and `..` removed lexically.
pub fn lexical_absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests;
