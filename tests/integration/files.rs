//! Files and paths (issue 9, classes 2, 3 and 7): no output overwrites another or the plan, no backup lands
//! outside `--backup-dir`, no planted symlink is written through, every output is owner-only, and an
//! unwritable output location is refused before the first call.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::time::Duration;

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, fast, sha256_file};

const JAN23: f64 = 1_672_531_200.0;

/// Three single-dataset projects, planned to `plan.json`.
async fn planned() -> Env {
    let env = Env::new(fast(one_region(vec![
        project("alpha", vec![dataset("train", JAN23)]),
        project("beta", vec![dataset("train", JAN23)]),
        project("gamma", vec![dataset("test", JAN23), dataset("train", JAN23)]),
    ])))
    .await;
    env.plan("plan.json", &[]).await;
    env
}

/// Every request the emulator has answered so far.
fn total_calls(env: &Env) -> u64 {
    env.emu.stats().requests.values().flat_map(|m| m.values()).sum()
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

/// Run `args`, expect exit 2 naming both `a` and `b`, and no call to the service.
async fn refused(env: &Env, args: &[&str], a: &str, b: &str) {
    let before = total_calls(env);
    env.run(args).await.code(2).stderr_has(a).stderr_has(b);
    assert_eq!(total_calls(env), before, "a refused command made calls: {args:?}");
    assert_eq!(env.emu.stats().calls("DeleteDataset"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn outputs_that_resolve_to_one_file_are_refused_before_any_call() {
    let env = planned().await;
    let plan_sha = sha256_file(&env.path("plan.json"));
    refused(
        &env,
        &["apply", "plan.json", "--yes", "--checkpoint", "j.jsonl", "--report", "j.jsonl"],
        "--report",
        "--checkpoint",
    )
    .await;
    refused(&env, &["apply", "plan.json", "--yes", "--report", "plan.json"], "--report", "the plan").await;
    refused(&env, &["export", "plan.json", "--report", "./plan.export.journal.jsonl.lock"], "--report", "lock file")
        .await;
    // Through a symlinked directory: the same file under another name.
    symlink(env.dir.path(), env.path("alias")).unwrap();
    refused(&env, &["apply", "plan.json", "--yes", "--report", "alias/plan.json"], "--report", "the plan").await;
    // A hard link to the plan.
    std::fs::hard_link(env.path("plan.json"), env.path("hard.csv")).unwrap();
    refused(&env, &["apply", "plan.json", "--dry-run", "--report", "hard.csv"], "--report hard.csv", "the plan").await;
    // A checkpoint or a report inside the backup directory.
    refused(
        &env,
        &["apply", "plan.json", "--yes", "--backup-dir", "bk", "--checkpoint", "bk/j.jsonl"],
        "--checkpoint",
        "--backup-dir",
    )
    .await;
    refused(&env, &["export", "plan.json", "--backup-dir", ".", "--report", "e.csv"], "is inside", "--backup-dir .")
        .await;
    assert_eq!(sha256_file(&env.path("plan.json")), plan_sha, "the plan was changed");
    assert!(!env.path("j.jsonl").exists() && !env.path("bk").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn report_refuses_to_write_over_its_own_journal() {
    let env = planned().await;
    env.run(&["apply", "plan.json", "--dry-run"]).await.ok();
    let journal = env.path("plan.dry-run.journal.jsonl");
    let sha = sha256_file(&journal);
    let j = "plan.dry-run.journal.jsonl";
    env.run(&["report", j, "--out", j]).await.code(2).stderr_has("--out").stderr_has("same file");
    symlink(&journal, env.path("alias.csv")).unwrap();
    env.run(&["report", j, "--out", "alias.csv"]).await.code(2).stderr_has("--out alias.csv");
    std::fs::hard_link(&journal, env.path("hard.csv")).unwrap();
    env.run(&["report", j, "--out", "hard.csv"]).await.code(2).stderr_has("--out hard.csv");
    env.run(&["report", j, "--out", &format!("{j}.lock")]).await.code(2).stderr_has("lock file");
    assert_eq!(sha256_file(&journal), sha, "the journal was changed");
    // It still works as a journal.
    env.run(&["report", j, "--out", "again.csv"]).await.ok();
}

/// Write `plan.json` again with `edit` applied to every item and target, re-sealed so its digest matches.
fn reseal(env: &Env, name: &str, edit: impl Fn(&mut String, &mut String, &mut String)) {
    let mut plan = lfv_sunset::plan::Plan::load(&env.path("plan.json")).unwrap();
    for item in &mut plan.items {
        edit(&mut item.account, &mut item.region, &mut item.project);
        item.project_arn = format!("arn:aws:lookoutvision:{}:{}:project/{}", item.region, item.account, item.project);
    }
    for t in &mut plan.targets {
        let (mut a, mut p) = (t.account.clone().unwrap_or_default(), String::from("x"));
        edit(&mut a, &mut t.region, &mut p);
        t.account = Some(a);
    }
    plan.seal();
    std::fs::write(env.path(name), serde_json::to_vec_pretty(&plan).unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn names_that_would_leave_the_backup_dir_are_refused() {
    let env = planned().await;
    std::fs::create_dir_all(env.path("a/b")).unwrap();
    reseal(&env, "account.json", |a, _, _| *a = "../../x".into());
    reseal(&env, "region.json", |_, r, _| *r = "../..".into());
    reseal(&env, "project.json", |_, _, p| {
        if p == "beta" {
            *p = "../../../../y".into()
        }
    });
    // Plan validation or the path check refuses them first; either way the message quotes the bad name.
    for (plan, item) in
        [("account.json", "\"../../x\""), ("region.json", "\"../..\""), ("project.json", "\"../../../../y\"")]
    {
        for cmd in ["apply", "export"] {
            let mut args = vec![cmd, plan, "--backup-dir", "a/b/backups"];
            if cmd == "apply" {
                args.push("--yes");
            }
            let before = total_calls(&env);
            env.run(&args).await.code(2).stderr_has(item);
            assert_eq!(total_calls(&env), before, "{args:?} made calls");
        }
    }
    let stats = env.emu.stats();
    assert_eq!((stats.calls("DeleteDataset"), stats.calls("ListDatasetEntries")), (0, 0));
    for escaped in ["a/x", "x", "y", "a/b/x"] {
        assert!(!env.path(escaped).exists(), "{escaped} was written outside the backup dir");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_symlink_planted_as_a_partial_backup_is_not_written_through() {
    let env = planned().await;
    let victim = env.path("victim.txt");
    std::fs::write(&victim, b"precious\n").unwrap();
    let dir = env.path("plan.backup/123456789012/us-east-1/beta");
    std::fs::create_dir_all(&dir).unwrap();
    symlink(&victim, dir.join(".train.manifest.jsonl.partial")).unwrap();
    let run = env.run(&["apply", "plan.json", "--yes"]).await;
    run.code(3);
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious\n", "the victim was overwritten");
    let rows = crate::support::read_csv(&env.path("plan.audit.csv"));
    let beta = rows.iter().find(|r| r["project"] == "beta").expect("beta row");
    assert_eq!(beta["outcome"], "failed");
    assert!(beta["message"].contains("is a symbolic link"), "{beta:?}");
    let deleted = &env.emu.stats().deleted_datasets;
    assert!(!deleted.keys().any(|k| k.contains("/beta/")), "{deleted:?}");
    assert_eq!(deleted.len(), 3, "the other datasets are still handled: {deleted:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_symlinked_directory_inside_the_backup_tree_is_refused() {
    let env = planned().await;
    let elsewhere = env.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::create_dir_all(env.path("plan.backup/123456789012")).unwrap();
    symlink(&elsewhere, env.path("plan.backup/123456789012/us-east-1")).unwrap();
    env.run(&["apply", "plan.json", "--yes"]).await.code(3);
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0, "a backup went through the symlink");
    assert_eq!(env.emu.stats().calls("DeleteDataset"), 0, "nothing is deleted without its backup");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_symlink_planted_as_the_lock_file_is_not_written_through() {
    let env = planned().await;
    let victim = env.path("victim.txt");
    std::fs::write(&victim, b"precious\n").unwrap();
    symlink(&victim, env.path("plan.journal.jsonl.lock")).unwrap();
    let run = env.run(&["apply", "plan.json", "--yes"]).await;
    assert_ne!(run.code, Some(0));
    run.stderr_has("plan.journal.jsonl.lock").stderr_has("is a symbolic link");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious\n", "the victim was overwritten");
    assert_eq!(env.emu.stats().calls("DeleteDataset"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_output_is_owner_only() {
    let env = planned().await;
    // A report that exists world-readable is replaced owner-only.
    std::fs::write(env.path("plan.audit.csv"), b"old").unwrap();
    std::fs::set_permissions(env.path("plan.audit.csv"), std::fs::Permissions::from_mode(0o644)).unwrap();
    env.run(&["apply", "plan.json", "--yes", "--backup-dir", "new/backups"]).await.ok();
    env.run(&["report", "plan.journal.jsonl", "--out", "out/r.csv"]).await.ok();
    let files = ["plan.json", "plan.journal.jsonl", "plan.journal.jsonl.lock", "plan.audit.csv", "out/r.csv"];
    for f in files {
        assert_eq!(mode(&env.path(f)), 0o600, "{f}");
    }
    for d in ["new/backups", "new/backups/123456789012", "new/backups/123456789012/us-east-1/gamma", "out"] {
        assert_eq!(mode(&env.path(d)), 0o700, "{d}");
    }
    for t in ["test", "train"] {
        let f = format!("new/backups/123456789012/us-east-1/gamma/{t}.manifest.jsonl");
        assert_eq!(mode(&env.path(&f)), 0o600, "{f}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_output_location_is_refused_before_any_deletion() {
    let env = planned().await;
    // Tests run as root, for whom mode bits grant everything: make the locations unusable by shape instead.
    std::fs::write(env.path("plain-file"), b"").unwrap();
    std::fs::create_dir(env.path("a-directory")).unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["--report", "plain-file/r.csv"], "--report plain-file/r.csv"),
        (&["--report", "a-directory"], "--report a-directory"),
        (&["--backup-dir", "plain-file/backups"], "--backup-dir plain-file/backups"),
        (&["--checkpoint", "plain-file/j.jsonl"], "plain-file/j.jsonl"),
    ];
    for (extra, named) in cases {
        let mut args = vec!["apply", "plan.json", "--yes"];
        args.extend_from_slice(extra);
        let before = total_calls(&env);
        let run = env.run(&args).await;
        assert_ne!(run.code, Some(0));
        run.stderr_has(named);
        assert_eq!(total_calls(&env), before, "{args:?} made calls");
    }
    assert_eq!(env.emu.stats().calls("DeleteDataset"), 0);
    // `plan` finds out before it enumerates, not after.
    let endpoint = env.emu.endpoint();
    let before = total_calls(&env);
    for out in ["plain-file/p.json", "a-directory"] {
        let args = ["plan", "--out", out, "--force", "--endpoint-url", &endpoint];
        env.run(&args).await.code(2).stderr_has(&format!("--out {out}"));
    }
    assert_eq!(total_calls(&env), before, "plan enumerated before finding its output unwritable");
    // The plan can still be applied once the report has somewhere to go.
    env.run(&["apply", "plan.json", "--yes"]).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_that_fails_after_deletions_says_how_to_rebuild_it_from_the_journal() {
    let config = fast(one_region(vec![project("alpha", vec![dataset("train", JAN23)])]));
    // Deletions take a second to be confirmed, which leaves time to break the report's path mid-run.
    let env = Env::new(lfv_emulator::EmulatorConfig { delete_delay: Duration::from_secs(1), ..config }).await;
    env.plan("plan.json", &[]).await;
    let args = ["apply", "plan.json", "--yes", "--report", "r.csv"];
    let child = env.command(&args).spawn().expect("spawn");
    // Bounded: at most 30 s of polling every 10 ms for the run to open its journal (after its probes).
    for _ in 0..3000 {
        if env.path("plan.journal.jsonl").exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    std::fs::create_dir_all(env.path("r.csv/occupied")).unwrap();
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output()).await.unwrap().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("lfv-sunset report plan.journal.jsonl --out FILE"), "{stderr}");
    assert!(stdout.contains("deleted 1"), "the summary is still printed: {stdout}");
    env.run(&["report", "plan.journal.jsonl", "--out", "rebuilt.csv"]).await.ok();
    let rows = crate::support::read_csv(&env.path("rebuilt.csv"));
    assert_eq!(crate::support::outcomes(&rows), ["deleted"]);
}
