//! Preserve before delete: backups during `apply`, and `export` alone.

use std::time::Duration;

use lfv_emulator::seed::{AccessKey, ImageStats};
use lfv_emulator::{GenSpec, Mix, Seed};
use lfv_sunset::exec::journal;

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, fast, outcomes, read_csv, sha256_file};

const JAN23: f64 = 1_672_531_200.0;

fn odd_entries(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i % 3 {
            0 => format!(r#"{{"source-ref":"s3://bucket/imgs/{i:05}.jpg","anomaly-label":1,"anomaly-label-metadata":{{"class-name":"anomaly","human-annotated":"yes"}}}}"#),
            1 => format!(r#"{{ "source-ref" : "s3://bucket/imgs/with space {i}.png", "anomaly-label": 0, "note": "ünïcödé \"quoted\" +/=" }}"#),
            _ => format!(r#"{{"source-ref":"s3://bucket/imgs/{i}.jpg","anomaly-label":0}}"#),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn manifests_equal_the_seeded_entries_byte_for_byte() {
    let mut train = dataset("train", JAN23);
    train.generate_entries = None;
    train.entries = odd_entries(250);
    let mut test = dataset("test", JAN23);
    test.generate_entries = None;
    test.entries = odd_entries(7);
    let seed = one_region(vec![project("verbatim", vec![train.clone(), test.clone()])]);
    let env = Env::new(fast(seed)).await;
    env.plan("plan.json", &[]).await;
    env.run(&["apply", "plan.json", "--yes", "--backup-dir", "backups"]).await.ok();
    for d in [&train, &test] {
        let path = env.path(&format!("backups/123456789012/us-east-1/verbatim/{}.manifest.jsonl", d.dataset_type));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), d.entries.len());
        for (got, want) in lines.iter().zip(&d.entries) {
            assert_eq!(got, want);
        }
        assert!(text.ends_with('\n'));
    }
    let rows = read_csv(&env.path("plan.audit.csv"));
    assert_eq!(rows[0]["dataset_type"], "test");
    assert_eq!(rows[0]["backup_entries"], "7");
    assert_eq!(rows[1]["backup_entries"], "250");
    assert_eq!(rows[1]["backup_sha256"], sha256_file(&env.path(&rows[1]["backup_path"])));
    // 250 entries are three pages of at most 100, plus one page for the test set.
    assert_eq!(env.emu.stats().calls_with_status("ListDatasetEntries", "200"), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dataset_whose_entries_disagree_with_image_stats_is_not_deleted() {
    let mut bad = dataset("train", JAN23);
    bad.image_stats = Some(ImageStats { total: 5, labeled: 5, normal: 5, anomaly: 0 });
    let env = Env::new(fast(one_region(vec![
        project("fine", vec![dataset("train", JAN23)]),
        project("mismatch", vec![bad]),
    ])))
    .await;
    env.plan("plan.json", &[]).await;
    env.run(&["apply", "plan.json", "--yes"]).await.code(3);
    let rows = read_csv(&env.path("plan.audit.csv"));
    assert_eq!(outcomes(&rows), ["deleted", "failed"]);
    assert!(
        rows[1]["message"].contains("exported 3 entries but DescribeDataset ImageStats.Total is 5"),
        "{:?}",
        rows[1]
    );
    assert_eq!(rows[1]["attempts"], "0");
    let stats = env.emu.stats();
    assert!(!stats.deleted_datasets.keys().any(|k| k.contains("mismatch")), "{stats:?}");
    assert!(!env.path("plan.backup/123456789012/us-east-1/mismatch/train.manifest.jsonl").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_during_export_leaves_nothing_a_resume_would_trust() {
    let seed = Seed::generate(&GenSpec {
        projects: 4,
        mix: Mix::Single,
        entries: (900, 900),
        rng_seed: 1,
        ..GenSpec::default()
    });
    let mut config = fast(seed);
    config.latency = Duration::from_millis(40);
    let env = Env::new(config).await;
    env.plan("plan.json", &[]).await;
    let args = ["apply", "plan.json", "--yes", "--concurrency", "1"];
    let mut child = env.command(&args).spawn().unwrap();
    // 9 pages of 40 ms each per dataset, 36 in all: kill once the emulator has served 3 of them, in the
    // middle of the first export (polled every 20 ms, at most 60 s), so the kill is known to land mid-export.
    let pages = || env.emu.stats().calls_with_status("ListDatasetEntries", "200");
    for _ in 0..3000 {
        if pages() >= 3 || child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap();
    let _ = child.wait().await;
    let pages_at_kill = pages();
    assert!((3..36).contains(&pages_at_kill), "killed while exporting: {pages_at_kill} of 36 pages served");
    let state = journal::read(&env.path("plan.journal.jsonl")).unwrap();
    let dir = env.path("plan.backup/123456789012/us-east-1");
    let mut finals = 0;
    for entry in walk(&dir) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".manifest.jsonl") {
            finals += 1;
            assert_eq!(std::fs::read_to_string(&entry).unwrap().lines().count(), 900, "a final manifest is complete");
        } else {
            assert!(name.ends_with(".partial"), "only partial files besides finals: {name}");
        }
    }
    let exported = state.by_seq.values().filter(|s| s.export.is_some()).count();
    assert_eq!(finals, exported, "every final file is journalled and vice versa");
    assert!(exported < 4, "killed before the end");
    env.run(&args).await.ok();
    let rows = read_csv(&env.path("plan.audit.csv"));
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r["outcome"] == "deleted" && r["backup_entries"] == "900"));
    // Every manifest exactly once: one complete file per item, each where its row says, nothing partial left.
    let files = walk(&dir);
    assert_eq!(files.len(), 4, "{files:?}");
    for r in &rows {
        let path = env.path(&r["backup_path"]);
        assert!(files.contains(&path), "{path:?} not in {files:?}");
        assert_eq!(r["backup_sha256"], sha256_file(&path));
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 900);
    }
    // A verified export is not redone: only the unfinished ones are listed again.
    let after = env.emu.stats();
    assert!(after.calls("ListDatasetEntries") <= pages_at_kill + (4 - exported as u64) * 9, "{after:?}");
    assert_eq!(after.deleted_datasets.len(), 4);
    assert!(after.deleted_datasets.values().all(|&n| n == 1), "each dataset deleted exactly once: {after:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resume_reuses_verified_exports() {
    let mut seed = Seed::generate(&GenSpec {
        projects: 3,
        mix: Mix::Single,
        entries: (150, 150),
        rng_seed: 6,
        ..GenSpec::default()
    });
    seed.access_keys.insert(
        "AKIDNODELETE".into(),
        AccessKey { account: "123456789012".into(), deny: vec!["DeleteDataset".into()] },
    );
    let mut env = Env::new(fast(seed)).await;
    env.plan("plan.json", &[]).await;
    env.key = "AKIDNODELETE".into();
    env.run(&["apply", "plan.json", "--yes", "--concurrency", "1"]).await.code(5);
    let first = env.emu.stats();
    assert_eq!(first.calls_with_status("ListDatasetEntries", "200"), 6, "3 datasets, 2 pages each");
    env.key = "AKIDTEST".into();
    env.run(&["apply", "plan.json", "--yes", "--retry-failed"]).await.ok();
    let second = env.emu.stats();
    assert_eq!(second.calls("ListDatasetEntries"), first.calls("ListDatasetEntries"), "no export repeated");
    assert_eq!(second.mutations.datasets_deleted, 3);
    let rows = read_csv(&env.path("plan.audit.csv"));
    assert!(rows.iter().all(|r| r["outcome"] == "deleted" && r["backup_entries"] == "150"));
}

#[tokio::test(flavor = "multi_thread")]
async fn export_alone_is_read_only_and_resumable() {
    let seed = Seed::generate(&GenSpec {
        projects: 10,
        mix: Mix::TrainTest,
        entries: (20, 120),
        rng_seed: 12,
        ..GenSpec::default()
    });
    let env = Env::new(fast(seed)).await;
    let plan = env.plan("plan.json", &[]).await;
    let before = env.emu.stats();
    env.run(&["export", "plan.json", "--backup-dir", "out"]).await.ok();
    let after = env.emu.stats();
    assert_eq!(after.mutating_calls(), before.mutating_calls(), "zero mutating calls");
    assert_eq!(after.mutations, before.mutations);
    let rows = read_csv(&env.path("plan.export.csv"));
    assert_eq!(rows.len(), plan.items.len());
    assert!(rows.iter().all(|r| r["outcome"] == "exported"));
    for r in &rows {
        let lines = std::fs::read_to_string(env.path(&r["backup_path"])).unwrap().lines().count();
        assert_eq!(lines.to_string(), r["backup_entries"]);
    }
    // rerun: nothing to do, no call
    env.run(&["export", "plan.json", "--backup-dir", "out"]).await.ok();
    assert_eq!(env.emu.stats().calls("ListDatasetEntries"), after.calls("ListDatasetEntries"));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_backup_is_recorded_in_every_row() {
    let env =
        Env::new(fast(one_region(vec![project("a", vec![dataset("train", JAN23), dataset("test", JAN23)])]))).await;
    env.plan("plan.json", &[]).await;
    env.run(&["apply", "plan.json", "--yes", "--no-backup"]).await.ok();
    let rows = read_csv(&env.path("plan.audit.csv"));
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["backup_path"] == "skipped: --no-backup" && r["backup_sha256"].is_empty()));
    assert_eq!(env.emu.stats().calls("ListDatasetEntries"), 0);
    assert!(!env.path("plan.backup").exists());
}
