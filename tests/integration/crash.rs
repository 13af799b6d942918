//! Crash safety: SIGKILL at several points and resume, SIGINT, the checkpoint lock, torn lines, foreign
//! journals.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use lfv_emulator::{GenSpec, Mix, Seed};
use lfv_sunset::exec::{journal, resume};

use crate::support::{Env, fast, read_csv};

fn seed(projects: usize) -> Seed {
    Seed::generate(&GenSpec { projects, mix: Mix::TrainTest, entries: (2, 4), rng_seed: 11, ..GenSpec::default() })
}

fn outcomes_in(env: &Env) -> usize {
    match journal::read(&env.path("plan.journal.jsonl")) {
        Ok(s) => s.by_seq.values().filter(|i| i.outcome.is_some()).count(),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_five_points_then_resume_deletes_each_exactly_once() {
    let mut config = fast(seed(30));
    config.rate = Some(15.0);
    config.burst = 15;
    let env = Env::new(config).await;
    let plan = env.plan("plan.json", &[]).await;
    assert_eq!(plan.items.len(), 60);
    let args = ["apply", "plan.json", "--yes", "--rate", "15"];
    // Kill after 0.6 s (longer when a kill finds no progress), until five kills landed at distinct, unfinished
    // points: 60 items at 15/s take about 4 s, so kills 0.9 s apart could land only four times before the end.
    let progress = || outcomes_in(&env);
    let (seen, kills) =
        env.kill_at_points(&args, 5, Duration::from_millis(600), plan.items.len(), progress, || {}).await;
    assert!(kills >= 5, "five kills at distinct points: outcomes after each kill {seen:?}");
    env.run(&args).await.ok();

    let stats = env.emu.stats();
    assert_eq!(stats.mutations.datasets_deleted, 60, "effective deletions equal the plan's items");
    assert_eq!(stats.deleted_datasets.len(), 60);
    assert!(stats.deleted_datasets.values().all(|&n| n == 1));
    let rows = read_csv(&env.path("plan.audit.csv"));
    assert_eq!(rows.len(), 60);
    let seqs: HashSet<&str> = rows.iter().map(|r| r["seq"].as_str()).collect();
    assert_eq!(seqs.len(), 60, "one row per item");
    assert!(
        rows.iter().all(|r| r["outcome"] == "deleted"),
        "{:?}",
        rows.iter().map(|r| &r["outcome"]).collect::<Vec<_>>()
    );
    // No DeleteDataset for an item went out after its outcome was journalled.
    let state = journal::read(&env.path("plan.journal.jsonl")).unwrap();
    let finished: BTreeMap<&str, i64> = plan
        .items
        .iter()
        .map(|i| (i.client_token.as_str(), state.item(i.seq).outcome.unwrap().finished_at.timestamp_millis()))
        .collect();
    let mut deletes = 0;
    for e in env.emu.log().iter().filter(|e| e.op == "DeleteDataset") {
        let token = e.client_token.as_deref().unwrap();
        assert!(
            e.at_ms as i64 <= finished[token],
            "DeleteDataset {token} at {} after its outcome at {}",
            e.at_ms,
            finished[token]
        );
        deletes += 1;
    }
    assert!(deletes >= 60);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_exits_4_and_a_rerun_finishes() {
    let mut config = fast(seed(20));
    config.rate = Some(10.0);
    config.burst = 10;
    let env = Env::new(config).await;
    env.plan("plan.json", &[]).await;
    let args = ["apply", "plan.json", "--yes", "--rate", "10"];
    let child = env.command(&args).spawn().unwrap();
    let pid = child.id().unwrap();
    // Interrupt once the run is under way (some outcome journalled), at most 20 s.
    for _ in 0..200 {
        if outcomes_in(&env) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kill = std::process::Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap();
    assert!(kill.success());
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output()).await.unwrap().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("Resume with") && stderr.contains("apply plan.json --yes"), "{stderr}");
    let partial = outcomes_in(&env);
    assert!(partial > 0 && partial < 40, "{partial}");
    let rows = read_csv(&env.path("plan.audit.csv"));
    assert!(rows.iter().any(|r| r["outcome"] == "pending"), "the report of an interrupted run shows pending items");
    env.run(&args).await.ok();
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 40);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_apply_on_the_same_checkpoint_is_refused() {
    let mut config = fast(seed(10));
    config.rate = Some(4.0);
    config.burst = 4;
    let env = Env::new(config).await;
    env.plan("plan.json", &[]).await;
    let mut first = env.command(&["apply", "plan.json", "--yes", "--rate", "4"]).spawn().unwrap();
    let lock = env.path("plan.journal.jsonl.lock");
    for _ in 0..400 {
        if std::fs::read_to_string(&lock).is_ok_and(|s| s.contains("pid")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    env.run(&["apply", "plan.json", "--yes"])
        .await
        .code(5)
        .stderr_has("is in use by pid")
        .stderr_has(&first.id().unwrap().to_string());
    first.start_kill().unwrap();
    let _ = first.wait().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn torn_last_line_is_ignored_and_a_foreign_journal_refused() {
    let env = Env::new(fast(seed(3))).await;
    env.plan("plan.json", &[]).await;
    env.run(&["apply", "plan.json", "--yes", "--no-backup"]).await.ok();
    let journal_path = env.path("plan.journal.jsonl");
    let mut bytes = std::fs::read(&journal_path).unwrap();
    bytes.extend_from_slice(br#"{"type":"outcome","seq":1,"outc"#);
    std::fs::write(&journal_path, &bytes).unwrap();
    env.run(&["apply", "plan.json", "--yes", "--no-backup"]).await.ok().stderr_has("torn last line");
    let text = std::fs::read_to_string(&journal_path).unwrap();
    assert!(text.ends_with('\n'), "the torn line is gone");
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("line {line:?} does not parse: {e}"));
    }
    env.run(&["report", "plan.journal.jsonl", "--out", "again.csv"]).await.ok();
    assert_eq!(std::fs::read(env.path("again.csv")).unwrap(), std::fs::read(env.path("plan.audit.csv")).unwrap());

    env.plan("other.json", &[]).await;
    env.run(&["apply", "other.json", "--yes", "--checkpoint", "plan.journal.jsonl"])
        .await
        .code(2)
        .stderr_has("belongs to plan");
    // A corrupt line in the middle is not silently skipped.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(2, "not json");
    std::fs::write(env.path("corrupt.jsonl"), lines.join("\n") + "\n").unwrap();
    env.run(&["report", "corrupt.jsonl", "--out", "x.csv"]).await.code(2).stderr_has("line 3");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_journal_cut_inside_an_item_resumes_to_every_dataset_deleted_once() {
    let env = Env::new(fast(seed(3))).await;
    let plan = env.plan("plan.json", &[]).await;
    assert_eq!(plan.items.len(), 6);
    let args = ["apply", "plan.json", "--yes", "--no-backup"];
    env.run(&args).await.ok();
    // Cut the journal in the middle of item 4's outcome line, as a crash during its write would: item 4 then
    // has a durable start and no outcome (and so may an item of another project running alongside).
    let path = env.path("plan.journal.jsonl");
    let full = std::fs::read_to_string(&path).unwrap();
    let at = full.find(r#"{"type":"outcome","seq":4"#).expect("item 4 has an outcome") + 30;
    std::fs::write(&path, &full[..at]).unwrap();
    let cut = journal::read(&path).unwrap();
    let in_flight: Vec<u64> = plan
        .items
        .iter()
        .map(|i| i.seq)
        .filter(|&s| resume::decide(&cut.item(s), journal::Mode::Apply, false) == resume::Resume::Resend)
        .collect();
    assert!(in_flight.contains(&4), "item 4 has a start and no outcome: {in_flight:?}");
    let before = env.emu.stats();
    env.run(&args).await.ok().stderr_has("torn last line");
    let rows = read_csv(&env.path("plan.audit.csv"));
    assert_eq!(rows.len(), 6);
    for s in &in_flight {
        // Re-sent with its token: the service replays the earlier acceptance, so it stays `deleted`.
        assert_eq!(rows[*s as usize - 1]["outcome"], "deleted", "{:?}", rows[*s as usize - 1]);
    }
    for (item, row) in plan.items.iter().zip(&rows) {
        if let Some(o) = cut.item(item.seq).outcome {
            assert_eq!(row["outcome"], o.outcome.as_str(), "an item final before the cut keeps its outcome");
        }
    }
    let after = env.emu.stats();
    let n = in_flight.len() as u64;
    assert_eq!(after.replays.get("DeleteDataset").copied().unwrap_or(0), n, "{after:?}");
    assert_eq!(after.mutations.datasets_deleted, 6, "no dataset deleted twice");
    assert!(after.deleted_datasets.values().all(|&n| n == 1));
    assert_eq!(after.calls("DeleteDataset"), before.calls("DeleteDataset") + n, "only the in-flight items re-sent");
    let state = journal::read(&path).unwrap();
    assert!(state.warnings.is_empty());
    assert!(plan.items.iter().all(|i| state.item(i.seq).outcome.is_some()), "every item is final");
}
