//! Several targets at once: every target progresses at its own quota (per-target `--concurrency`, a shared
//! `--max-in-flight`), so a target late in the plan does not wait for the ones before it. Asserted on the
//! emulator's arrival order, never on wall time.

use lfv_emulator::seed::ImageStats;
use lfv_emulator::{GenSpec, LogEntry, Mix, Seed};

use crate::support::{Env, fast, read_csv};

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

fn three_regions() -> Seed {
    regions_of(6)
}

/// `projects` single-dataset projects in each of the three regions.
fn regions_of(projects: usize) -> Seed {
    Seed::generate(&GenSpec {
        projects,
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        mix: Mix::Single,
        entries: (1, 1),
        rng_seed: 5,
        ..GenSpec::default()
    })
}

/// Every region's first call arrived before every other region's last call: the regions were worked on
/// together. Working through them one after the other (one queue in plan order, as the executor did) puts
/// a later region's first call after an earlier region's last.
fn assert_interleaved(what: &str, log: &[LogEntry]) {
    for r in REGIONS {
        let first = log.iter().position(|e| e.region == r).unwrap_or_else(|| panic!("{what}: no call in {r}"));
        for q in REGIONS.iter().filter(|q| **q != r) {
            let last = log.iter().rposition(|e| e.region == *q).expect("every region was called");
            assert!(
                first < last,
                "{what}: {r}'s first call (#{first}) came after {q}'s last (#{last}) of {}: targets ran one \
                 after the other",
                log.len()
            );
        }
    }
}

/// The emulator, a plan of the three regions, and how many requests planning made.
async fn planned() -> (Env, usize) {
    planned_with(three_regions()).await
}

async fn planned_with(seed: Seed) -> (Env, usize) {
    planned_with_items(seed, 18).await
}

/// The emulator of `seed`, its plan of the three regions (holding `items` items), and how many requests
/// planning made.
async fn planned_with_items(seed: Seed, items: usize) -> (Env, usize) {
    let env = Env::new(fast(seed)).await;
    let mut extra = Vec::new();
    for r in REGIONS {
        extra.extend(["--region", r]);
    }
    let plan = env.plan("plan.json", &extra).await;
    assert_eq!(plan.targets.len(), 3);
    assert_eq!(plan.items.len(), items, "single-dataset projects in each of 3 regions");
    let before = env.emu.log().len();
    (env, before)
}

/// Apply the three regions' plan with `flags`: all 18 datasets deleted, the regions worked on together.
async fn apply_interleaved(flags: &[&str]) {
    let (env, before) = planned().await;
    let mut args = vec!["apply", "plan.json", "--yes", "--no-backup"];
    args.extend_from_slice(flags);
    env.run(&args).await.ok();
    let log = env.emu.log();
    let during = &log[before..];
    assert_eq!(during.iter().filter(|e| e.op == "DeleteDataset" && e.status == 202).count(), 18);
    assert_interleaved(&args.join(" "), during);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_works_on_every_target_at_once() {
    apply_interleaved(&["--concurrency", "1"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn export_and_verify_work_on_every_target_at_once() {
    let (env, before) = planned().await;
    env.run(&["export", "plan.json", "--backup-dir", "out", "--concurrency", "1"]).await.ok();
    let after_export = env.emu.log().len();
    assert_interleaved("export", &env.emu.log()[before..]);
    env.run(&["verify", "plan.json", "--concurrency", "1"]).await.code(3);
    assert_interleaved("verify", &env.emu.log()[after_export..]);
}

/// `--max-in-flight 1` puts one call in flight in all, and the targets still take turns.
#[tokio::test(flavor = "multi_thread")]
async fn the_shared_cap_is_taken_in_turns() {
    apply_interleaved(&["--max-in-flight", "1"]).await;
}

/// A guard stops only its own target, and says so once: the key is denied DeleteDataset everywhere, so each
/// of the three targets stops after its third AccessDenied, each stop is printed once (it used to be printed
/// as a note during the run and again at the end), and no target sent more than three.
#[tokio::test(flavor = "multi_thread")]
async fn each_target_stops_on_its_own_guard_and_says_so_once() {
    let mut seed = three_regions();
    seed.access_keys.insert(
        "AKIDTEST".into(),
        lfv_emulator::seed::AccessKey { account: "123456789012".into(), deny: vec!["DeleteDataset".into()] },
    );
    let (env, _) = planned_with(seed).await;
    let run = env.run(&["apply", "plan.json", "--yes", "--no-backup", "--concurrency", "1"]).await;
    run.code(5);
    let log = env.emu.log();
    for r in REGIONS {
        let denied = log.iter().filter(|e| e.region == r && e.op == "DeleteDataset" && e.status == 403).count();
        assert_eq!(denied, 3, "{r}: its own guard stopped it after three");
        let line = format!("3 AccessDenied in a row on account 123456789012 region {r};");
        assert_eq!(run.stderr.matches(&line).count(), 1, "{r}'s stop is said once:\n{}", run.stderr);
    }
}

/// The circuit breaker stops only the target it trips on: every backup in us-east-1 fails to verify (its
/// ImageStats disagree with its entries), so that target stops after 11 failures among its first 20, and the
/// two other regions are still deleted in full. A run-wide breaker stopped every target there.
#[tokio::test(flavor = "multi_thread")]
async fn a_broken_target_trips_its_own_breaker_and_the_others_finish() {
    let mut seed = regions_of(14);
    let broken = &mut seed.accounts[0].regions[0];
    assert_eq!(broken.region, REGIONS[0]);
    for d in broken.projects.iter_mut().flat_map(|p| p.datasets.iter_mut()) {
        d.image_stats = Some(ImageStats { total: 99, labeled: 99, normal: 99, anomaly: 0 });
    }
    let (env, before) = planned_with_items(seed, 42).await;
    let run = env.run(&["apply", "plan.json", "--yes", "--concurrency", "1"]).await;
    run.code(5).stderr_has("first 20 finished items failed on account 123456789012 region us-east-1");
    let log = env.emu.log();
    let deleted = |r: &str| log[before..].iter().filter(|e| e.region == r && e.op == "DeleteDataset").count();
    assert_eq!(deleted(REGIONS[0]), 0, "an unverified backup blocks the delete");
    assert_eq!((deleted(REGIONS[1]), deleted(REGIONS[2])), (14, 14), "the other targets finish");
    let rows = read_csv(&env.path("plan.audit.csv"));
    let failed = rows.iter().filter(|r| r["region"] == REGIONS[0] && r["outcome"] == "failed").count();
    assert_eq!(failed, 11, "the breaker trips on the 11th failure of the target");
}

/// Two profiles of one account, and a region given twice, reach one target: `plan` and `sweep` plan and delete
/// it once, and say which endpoint was left out (`sweep` once sealed such a run into an invalid plan).
#[tokio::test(flavor = "multi_thread")]
async fn endpoints_reaching_one_target_twice_are_planned_once() {
    let seed = regions_of(3);
    let want = 3;
    let env = Env::new(fast(seed)).await;
    // Keys the seed does not name belong to the default account.
    let creds = "[one]\naws_access_key_id = AKIDONE\naws_secret_access_key = a\n\n[two]\naws_access_key_id = \
                 AKIDTWO\naws_secret_access_key = b\n";
    let endpoint = env.emu.endpoint();
    let twice = ["--profile", "one", "--profile", "two", "--region", REGIONS[0], "--region", REGIONS[0]];
    let out = env.p("plan.json");
    let mut plan = vec!["plan", "--out", &out, "--endpoint-url", &endpoint, "--rate", "100"];
    plan.extend_from_slice(&twice);
    env.run_with_credentials(creds, &plan)
        .await
        .ok()
        .stderr_has("profile two reaches account")
        .stderr_has("as profile one does");
    let p = lfv_sunset::plan::Plan::load(&env.path("plan.json")).unwrap();
    assert_eq!((p.targets.len(), p.items.len()), (1, want), "{:?}", p.targets);
    assert_eq!(p.targets[0].profile.as_deref(), Some("one"));

    let dir = env.p("sweep");
    let mut sweep = vec!["sweep", "--dir", &dir, "--yes", "--endpoint-url", &endpoint, "--rate", "100"];
    sweep.extend_from_slice(&twice);
    env.run_with_credentials(creds, &sweep).await.ok().stdout_has("nothing left");
    let sealed = lfv_sunset::plan::Plan::load(&env.path("sweep/plan.json")).unwrap();
    assert_eq!((sealed.targets.len(), sealed.items.len()), (1, want));
    let stats = env.emu.stats();
    assert_eq!(stats.deleted_datasets.len(), want);
    assert!(stats.deleted_datasets.values().all(|&n| n == 1), "{:?}", stats.deleted_datasets);
}
