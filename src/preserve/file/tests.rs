//! project.json paths, the verified write, symlinks refused, and the reuse check.

use std::os::unix::fs::symlink;

use serde_json::json;

use super::*;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

fn doc(project: &str) -> Value {
    json!({"format": "lfv-sunset-project/1", "project": {"ProjectName": project}, "models": [{}, {}], "packaging_jobs": [{}]})
}

#[test]
fn names_that_cannot_become_paths_are_refused() {
    let dir = Path::new("/backups");
    let cases: &[(&str, &str, &str, bool)] = &[
        (ACCOUNT, REGION, "p-1_x", true),
        ("12345678901", REGION, "p", false),
        ("../456789012", REGION, "p", false),
        (ACCOUNT, "..", "p", false),
        (ACCOUNT, "us-east-1/..", "p", false),
        (ACCOUNT, REGION, "..", false),
        (ACCOUNT, REGION, "a/b", false),
        (ACCOUNT, REGION, "", false),
        (ACCOUNT, REGION, "-p", false),
        (ACCOUNT, REGION, "p\n", false),
    ];
    for &(a, r, p, ok) in cases {
        let got = path(dir, a, r, p);
        assert_eq!(got.is_ok(), ok, "{a} {r} {p:?}: {got:?}");
        if ok {
            assert_eq!(got.unwrap(), dir.join(a).join(r).join(p).join("project.json"));
        }
    }
}

#[test]
fn written_private_verified_and_reusable_until_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = doc("p");
    let rec = write(tmp.path(), ACCOUNT, REGION, "p", &d).unwrap();
    assert_eq!(rec.path, tmp.path().join(ACCOUNT).join(REGION).join("p").join("project.json"));
    let bytes = std::fs::read(&rec.path).unwrap();
    assert_eq!(bytes, to_bytes(&d));
    assert_eq!(rec.sha256, sha256::hex(&bytes));
    assert_eq!((rec.bytes, rec.models, rec.packaging_jobs), (bytes.len() as u64, 2, 1));
    assert_eq!(lfv_fs::mode_of(&rec.path).unwrap(), 0o600);
    assert_eq!(lfv_fs::mode_of(rec.path.parent().unwrap()).unwrap(), 0o700);
    assert!(still_valid(&rec));
    assert_eq!(read(&rec).unwrap(), d);
    // No temporary file is left beside it.
    let names: Vec<_> =
        std::fs::read_dir(rec.path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("project.json")]);
    // Changed on disk: not reused, not read.
    std::fs::write(&rec.path, b"{}\n").unwrap();
    assert!(!still_valid(&rec));
    assert!(read(&rec).unwrap_err().contains("changed since it was verified"));
    // Gone: not reused.
    std::fs::remove_file(&rec.path).unwrap();
    assert!(!still_valid(&rec));
}

#[test]
fn a_document_for_another_project_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let e = write(tmp.path(), ACCOUNT, REGION, "p", &doc("q")).unwrap_err();
    assert!(e.contains("another project"), "{e}");
    assert!(!tmp.path().join(ACCOUNT).exists());
}

#[test]
fn planted_symlinks_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    // A symlink where the project directory goes: refused, nothing written outside.
    std::fs::create_dir_all(tmp.path().join(ACCOUNT).join(REGION)).unwrap();
    symlink(outside.path(), tmp.path().join(ACCOUNT).join(REGION).join("p")).unwrap();
    let e = write(tmp.path(), ACCOUNT, REGION, "p", &doc("p")).unwrap_err();
    assert!(e.contains("symbolic link"), "{e}");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    // A symlink at project.json itself: replaced, its target untouched.
    let victim = outside.path().join("victim");
    std::fs::write(&victim, b"keep me").unwrap();
    std::fs::create_dir_all(tmp.path().join(ACCOUNT).join(REGION).join("q")).unwrap();
    let at = tmp.path().join(ACCOUNT).join(REGION).join("q").join("project.json");
    symlink(&victim, &at).unwrap();
    let rec = write(tmp.path(), ACCOUNT, REGION, "q", &doc("q")).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    assert!(!std::fs::symlink_metadata(&at).unwrap().file_type().is_symlink());
    // And a symlink swapped in later is not reused.
    std::fs::remove_file(&at).unwrap();
    std::fs::write(outside.path().join("copy"), to_bytes(&doc("q"))).unwrap();
    symlink(outside.path().join("copy"), &at).unwrap();
    assert!(!still_valid(&rec));
}
