//! Tests of the file helpers on a real temporary directory.

use std::fs::OpenOptions;
use std::os::unix::fs::symlink;

use super::*;

#[test]
fn write_atomic_is_private_and_replaces_a_symlink_instead_of_following_it() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let out = dir.path().join("new/sub/out.csv");
    write_atomic(&out, b"one").unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), b"one");
    assert_eq!(mode_of(&out).unwrap(), 0o600);
    assert_eq!(mode_of(&dir.path().join("new/sub")).unwrap(), 0o700);
    let link = dir.path().join("link.csv");
    symlink(&victim, &link).unwrap();
    write_atomic(&link, b"two").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(!std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    // An existing world-readable file becomes owner-only when replaced.
    let open = dir.path().join("open.csv");
    std::fs::write(&open, b"old").unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    write_atomic(&open, b"new").unwrap();
    assert_eq!(mode_of(&open).unwrap(), 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn create_fresh_refuses_a_symlink_and_unlinks_a_stale_hard_link() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let partial = dir.path().join(".train.partial");
    symlink(&victim, &partial).unwrap();
    let err = create_fresh(&partial).unwrap_err();
    assert!(err.to_string().contains("is a symbolic link"), "{err}");
    std::fs::remove_file(&partial).unwrap();
    std::fs::hard_link(&victim, &partial).unwrap();
    let mut f = create_fresh(&partial).unwrap();
    f.write_all(b"backup").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(mode_of(&partial).unwrap(), 0o600);
}

#[test]
fn open_no_follow_refuses_symlinks_and_shared_inodes() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let lock = dir.path().join("j.lock");
    symlink(&victim, &lock).unwrap();
    let opts = || {
        let mut o = OpenOptions::new();
        o.read(true).write(true).create(true).truncate(false);
        o
    };
    let err = open_no_follow(&mut opts(), &lock).unwrap_err();
    assert!(err.to_string().contains("is a symbolic link"), "{err}");
    std::fs::remove_file(&lock).unwrap();
    std::fs::hard_link(&victim, &lock).unwrap();
    let err = open_no_follow(&mut opts(), &lock).unwrap_err();
    assert!(err.to_string().contains("hard links"), "{err}");
    std::fs::remove_file(&lock).unwrap();
    open_no_follow(&mut opts(), &lock).unwrap();
    assert_eq!(mode_of(&lock).unwrap(), 0o600);
}

#[test]
fn dir_below_refuses_a_symlinked_component() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("backups");
    let made = dir_below(&root, &["123456789012", "us-east-1", "p"]).unwrap();
    assert_eq!(made, root.join("123456789012/us-east-1/p"));
    for d in ["", "123456789012", "123456789012/us-east-1", "123456789012/us-east-1/p"] {
        assert_eq!(mode_of(&root.join(d)).unwrap(), 0o700, "{d}");
    }
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    symlink(&elsewhere, root.join("123456789012/us-west-2")).unwrap();
    let err = dir_below(&root, &["123456789012", "us-west-2", "p"]).unwrap_err();
    assert!(err.to_string().contains("is a symbolic link"), "{err}");
    assert!(!elsewhere.join("p").exists());
    std::fs::write(root.join("123456789012/file"), b"").unwrap();
    assert!(dir_below(&root, &["123456789012", "file", "p"]).is_err());
}

#[test]
fn probes_refuse_a_directory_and_a_path_under_a_file() {
    let dir = tempfile::tempdir().unwrap();
    probe_file(&dir.path().join("r.csv")).unwrap();
    assert!(probe_file(dir.path()).is_err());
    std::fs::write(dir.path().join("plain"), b"").unwrap();
    assert!(probe_file(&dir.path().join("plain/r.csv")).is_err());
    assert!(probe_dir(&dir.path().join("plain/backups")).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "probe files are removed");
}
