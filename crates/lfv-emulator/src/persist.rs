//! The state file: format, loading, and atomic writes.
//!
//! The file is JSON `{"format_version": 1, "clock_offset_ms", "world", "stats"}`: resources, idempotency records,
//! the clock advance and the counters. It is written once at start (so it exists from then on), and synchronously after every mutation and clock advance,
//! before the response is sent, with [`lfv_fs::write_atomic`] (a private temporary file beside it,
//! fsynced and renamed over it, then the directory fsynced; mode 0600). Snapshots carry a generation number so a slower writer never
//! replaces a newer snapshot with an older one. Request counters of read-only calls made after the last
//! mutation are not saved; mutations, deletions and replays always are.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::Stats;
use super::state::World;

/// Version of the state file format.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The state file's content.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StateFile {
    pub(crate) format_version: u32,
    pub(crate) clock_offset_ms: u64,
    pub(crate) world: World,
    #[serde(default)]
    pub(crate) stats: Stats,
}

/// Read a state file; `Ok(None)` if it does not exist.
pub(crate) fn load(path: &Path) -> std::io::Result<Option<StateFile>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let f: StateFile = serde_json::from_slice(&bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("failed to parse emulator state file {}: {e}", path.display()),
        )
    })?;
    if f.format_version != FORMAT_VERSION {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "emulator state file {} has format_version {}, expected {FORMAT_VERSION}",
                path.display(),
                f.format_version
            ),
        ));
    }
    Ok(Some(f))
}

/// Writes snapshots of one state file in generation order.
#[derive(Debug)]
pub(crate) struct Persister {
    path: PathBuf,
    written: Mutex<u64>,
}

impl Persister {
    /// A writer for `path`.
    pub(crate) fn new(path: PathBuf) -> Persister {
        Persister { path, written: Mutex::new(0) }
    }

    /// Write snapshot `generation` unless a newer one is already on disk.
    pub(crate) fn write(&self, generation: u64, bytes: &[u8]) -> std::io::Result<()> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        if generation <= *written {
            return Ok(());
        }
        lfv_fs::write_atomic(&self.path, bytes)?;
        *written = generation;
        Ok(())
    }
}
