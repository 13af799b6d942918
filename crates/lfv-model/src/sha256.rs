//! The one SHA-256 helper: every digest the tool writes down (plan digests and client tokens, backup and
//! `project.json` checksums, converted images) is lowercase hex from here. It holds no state and prints
//! nothing; only [`file_hex`] reads a file.

use std::path::Path;

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`, 64 lowercase hex digits.
pub fn hex(bytes: &[u8]) -> String {
    ::hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of the file at `path` (opened as given, read in a stream), 64 lowercase hex digits.
pub fn file_hex(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(::hex::encode(h.finalize()))
}

/// A SHA-256 fed in parts (a backup as it is written, a client token's fields).
#[derive(Debug, Clone, Default)]
pub struct Hasher(Sha256);

impl Hasher {
    /// An empty digest.
    pub fn new() -> Self {
        Self::default()
    }
    /// Feed `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    /// The digest of everything fed, 64 lowercase hex digits.
    pub fn hex(self) -> String {
        ::hex::encode(self.0.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_in_every_form() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(hex(b"abc"), abc);
        assert_eq!(hex(b""), empty);
        let mut h = Hasher::new();
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.hex(), abc);
        assert_eq!(Hasher::new().hex(), empty);
        let dir = std::env::temp_dir().join(format!("lfv-model-sha256-{}", std::process::id()));
        std::fs::write(&dir, b"abc").unwrap();
        let got = file_hex(&dir);
        let _ = std::fs::remove_file(&dir);
        assert_eq!(got.unwrap(), abc);
        assert!(file_hex(Path::new("/nonexistent/lfv-model")).is_err());
    }
}
