//! What ships beside the binary (issue 21): the LICENSE the manifest names, and the image recipe's promises
//! (a non-root user, a writable work directory, CA certificates, sh, man pages and completions, no .git or
//! target/ in the context). `scripts/build-image.sh` builds and runs the image (or, without an image tool,
//! its root filesystem); these checks keep the recipe honest where no image tool runs.

use std::path::Path;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_license_is_the_one_the_manifest_names() {
    assert!(read("Cargo.toml").contains("license = \"Apache-2.0\""));
    let license = read("LICENSE");
    assert!(license.contains("Apache License") && license.contains("Version 2.0, January 2004"));
    assert!(license.contains("END OF TERMS AND CONDITIONS"), "the whole text");
}

#[test]
fn the_image_recipe_keeps_its_promises() {
    let docker = read("Dockerfile");
    let runtime = docker.split("\nFROM ").nth(2).expect("a build stage and a runtime stage");
    for needle in [
        "ca-certificates",
        "useradd --uid 10001",
        "USER 10001:10001",
        "WORKDIR /work",
        "/usr/local/bin/lfv-sunset",
        "man1",
        "bash-completion",
        "ENTRYPOINT [\"lfv-sunset\"]",
    ] {
        assert!(runtime.contains(needle), "the runtime stage lacks {needle:?}");
    }
    assert!(docker.contains("cargo build --release --locked"));
    assert!(docker.contains("ARG LFV_BUILD_COMMIT"), "the commit reaches build.rs without .git");
    // Debian slim has /bin/sh (dash), which the recipes' `sh -c` needs.
    assert!(runtime.starts_with("debian:"), "{runtime}");
    let ignore = read(".dockerignore");
    for needle in ["target/", ".git"] {
        assert!(ignore.lines().any(|l| l == needle), ".dockerignore lacks {needle}");
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-image.sh");
    let status = std::process::Command::new("sh").arg("-n").arg(&script).status().unwrap();
    assert!(status.success(), "scripts/build-image.sh parses");
    use std::os::unix::fs::PermissionsExt;
    assert!(std::fs::metadata(&script).unwrap().permissions().mode() & 0o111 != 0, "executable");
}

#[test]
fn the_release_binary_is_stripped() {
    let manifest = read("Cargo.toml");
    let release = manifest.split("[profile.release]").nth(1).unwrap().split("\n[").next().unwrap();
    assert!(release.contains("strip = true"), "{release}");
}
