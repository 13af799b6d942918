//! Which build of the tool this is: the crate version and the commit it was built from (see `build.rs`),
//! shown by `--version` and recorded as `tool_version` in every plan and as `tool` in every journal `run`
//! record, so plans and audits tell two builds apart.

/// The commit the binary was built from: 12 hex digits, `-dirty` appended when tracked files differed from
/// it; `unknown` when built without git metadata and without `LFV_BUILD_COMMIT` (see `build.rs`).
pub const COMMIT: &str = env!("LFV_BUILD_COMMIT");

/// `VERSION+COMMIT` (semver build metadata), e.g. `0.1.0+1a2b3c4d5e6f`, `0.1.0+1a2b3c4d5e6f-dirty` or
/// `0.1.0+unknown`.
pub const TOOL_BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("LFV_BUILD_COMMIT"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_names_the_version_and_a_commit() {
        let (version, commit) = TOOL_BUILD.split_once('+').unwrap();
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
        assert_eq!(commit, COMMIT);
        let hex = commit.strip_suffix("-dirty").unwrap_or(commit);
        assert!(hex == "unknown" || (hex.len() >= 7 && hex.bytes().all(|b| b.is_ascii_hexdigit())), "{commit}");
    }
}
