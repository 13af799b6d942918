//! `demo`: the whole job against an embedded emulator, with nothing to set up.
//!
//! Starts the emulator in-process on a free loopback port with a generated account (two regions, the
//! realistic mix: single-dataset and train+test projects, an empty project, a dataset still being created,
//! hosted models), a quota of 10 requests/s per operation and light faults (3% InternalServerException;
//! the tool's `--rate 15` above the quota draws some 429s that the limiter adapts to). Then it runs the real
//! binary for each step, printing each command as a user would type it.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::DemoArgs;
use crate::error::{Error, ExitCode, Result, RunFacts, exit_code};
use lfv_emulator::{self as emulator, EmulatorConfig, FaultSpec, GenSpec, Mix, RunningEmulator, Seed};

/// Regions of the demo account.
pub const DEMO_REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// Emulator quota during the demo (requests/s per operation).
pub const DEMO_QUOTA: f64 = 10.0;
/// The tool's `--rate` during the demo: a little above the quota, so some 429s happen and are absorbed.
pub const DEMO_RATE: &str = "15";
/// Emulator time for which in-progress datasets stay in progress.
const SETTLE_HOLD: Duration = Duration::from_secs(3600);
/// The emulator clock jumps past [`SETTLE_HOLD`] once the apply step has described a still-creating
/// project this many times (its drift check and one re-check), so the wait is seen, then ends.
const DESCRIBES_BEFORE_SETTLE: usize = 2;

async fn step(exe: &Path, endpoint: &str, args: &[String], capture: Option<&Path>) -> Result<i32> {
    let shown: Vec<String> = args.iter().map(|a| if a.contains(' ') { format!("'{a}'") } else { a.clone() }).collect();
    println!(
        "\n$ lfv-sunset {}{}",
        shown.join(" "),
        capture.map(|p| format!(" > {}", p.display())).unwrap_or_default()
    );
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args(args)
        .env("AWS_ACCESS_KEY_ID", "AKIDLFVDEMO")
        .env("AWS_SECRET_ACCESS_KEY", "demo-secret")
        .env("AWS_REGION", DEMO_REGIONS[0])
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .stdin(Stdio::null());
    let status = if let Some(path) = capture {
        let child =
            cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().map_err(|e| Error::io("run", exe, e))?;
        let output = child.wait_with_output().await.map_err(|e| Error::io("run", exe, e))?;
        lfv_fs::write_atomic(path, &output.stdout).map_err(|e| Error::io("write", path, e))?;
        print!("{}", String::from_utf8_lossy(&output.stdout));
        output.status
    } else {
        cmd.status().await.map_err(|e| Error::io("run", exe, e))?
    };
    Ok(status.code().unwrap_or(1))
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

pub(crate) async fn demo(args: DemoArgs) -> Result<ExitCode> {
    if args.projects < 2 {
        return Err(Error::Usage("--projects must be at least 2 (one per region)".into()));
    }
    let exe = std::env::current_exe().map_err(|e| Error::io("find", "the lfv-sunset executable", e))?;
    let (config, creating) = demo_world(args.projects);
    let emu = emulator::start(config).await.map_err(|e| Error::Internal(format!("cannot start the emulator: {e}")))?;
    let emu = Arc::new(emu);
    let endpoint = emu.endpoint();
    lfv_fs::create_dir_private(&args.dir).map_err(|e| Error::io("create", &args.dir, e))?;
    clear_previous(&args.dir)?;
    let dir = args.dir.display().to_string();
    let plan = format!("{dir}/plan.json");
    println!(
        "lfv-sunset demo: an emulated Lookout for Vision account at {endpoint} with {} projects in {} \
         (quota {DEMO_QUOTA}/s per operation, 3% injected InternalServerException)",
        args.projects,
        DEMO_REGIONS.join(" and ")
    );
    println!("credentials for the steps: AWS_ACCESS_KEY_ID=AKIDLFVDEMO AWS_SECRET_ACCESS_KEY=demo-secret");
    let mut plan_args = s(&["plan", "--out", &plan, "--force", "--rate", DEMO_RATE, "--endpoint-url", &endpoint]);
    for r in DEMO_REGIONS {
        plan_args.extend(s(&["--region", r]));
    }
    let summary = args.dir.join("summary.json");
    let steps: Vec<(Vec<String>, Option<&Path>, i32)> = vec![
        (plan_args, None, 0),
        (s(&["show", &plan]), None, 0),
        (s(&["apply", &plan, "--dry-run", "--rate", DEMO_RATE]), None, 0),
        (s(&["apply", &plan, "--yes", "--rate", DEMO_RATE, "--format", "json"]), Some(summary.as_path()), 0),
        (s(&["verify", &plan]), None, 0),
    ];
    let mut failed_step = false;
    for (argv, capture, expected) in steps {
        let settle = (argv[0] == "apply" && argv.iter().any(|a| a == "--yes") && !creating.is_empty())
            .then(|| settle_once_described(emu.clone(), creating.clone()));
        let got = step(&exe, &endpoint, &argv, capture).await?;
        if let Some(t) = settle {
            t.abort();
        }
        if got != expected {
            eprintln!("demo: `lfv-sunset {}` exited {got}, expected {expected}", argv.join(" "));
            failed_step = true;
            break;
        }
    }
    let stats = emu.stats();
    if let Ok(emu) = Arc::try_unwrap(emu) {
        emu.shutdown().await;
    }
    println!(
        "\nemulator saw {} DeleteDataset calls ({} throttled), {} effective deletions, {} injected faults",
        stats.calls("DeleteDataset"),
        stats.throttled.get("DeleteDataset").copied().unwrap_or(0),
        stats.mutations.datasets_deleted,
        stats.faults.values().sum::<u64>()
    );
    println!("{}", files_note(&dir));
    let code = exit_code(&RunFacts { incomplete: failed_step, ..RunFacts::default() });
    if code == ExitCode::Ok {
        println!("\ndemo finished: every planned dataset is gone and verify passed");
    }
    Ok(code)
}

/// The demo owns its directory: what an earlier demo wrote there (`plan.json`, every `plan.*` file and
/// `plan.backup/`, `summary.json`) is removed, so each run is a fresh one (a stale journal would belong to
/// another plan). Anything else in `dir` is left alone; a symlink is removed, never followed.
fn clear_previous(dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read", dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("plan.") || name == "summary.json") {
            continue;
        }
        let path = entry.path();
        let is_dir = entry.file_type().map_err(|e| Error::io("inspect", &path, e))?.is_dir();
        let removed = if is_dir { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.map_err(|e| Error::io("remove the earlier demo's", &path, e))?;
    }
    Ok(())
}

/// What the demo leaves in `dir`, for the reader.
fn files_note(dir: &str) -> String {
    format!(
        "\nfiles in {dir}/:\n  plan.json                the reviewed plan (lfv-sunset show {dir}/plan.json)\n  \
         plan.audit.csv           one row per dataset: outcome, verified, attempts, backup (open this)\n  \
         plan.journal.jsonl       the checkpoint journal (lfv-sunset report {dir}/plan.journal.jsonl --out x.csv)\n  \
         plan.backup/             Ground Truth manifests of every dataset, saved before deletion\n  \
         plan.leftovers.csv       what the account still owns outside Lookout for Vision (S3 images)\n  \
         summary.json             the run's JSON summary\n  \
         plan.dry-run.audit.csv   the dry run's report"
    )
}

/// The demo's emulated account: `projects` projects over [`DEMO_REGIONS`], at [`DEMO_QUOTA`] with 3% injected
/// faults; and the projects whose datasets are still being created (held so until [`settle_once_described`]).
fn demo_world(projects: usize) -> (EmulatorConfig, Vec<String>) {
    let mut seed = Seed::generate(&GenSpec {
        projects: projects.div_ceil(2),
        regions: DEMO_REGIONS.iter().map(|r| r.to_string()).collect(),
        mix: Mix::Realistic,
        rng_seed: 2025,
        ..GenSpec::default()
    });
    // Datasets still being created stay so until the apply step is under way (see `DESCRIBES_BEFORE_SETTLE`),
    // so the demo shows apply waiting for them rather than racing them.
    let mut creating: Vec<String> = Vec::new();
    for p in seed.accounts.iter_mut().flat_map(|a| &mut a.regions).flat_map(|r| &mut r.projects) {
        for d in p.datasets.iter_mut().filter(|d| d.settle_after_ms.is_some()) {
            d.settle_after_ms = Some(SETTLE_HOLD.as_millis() as u64);
            creating.push(p.name.clone());
        }
    }
    let config = EmulatorConfig {
        seed,
        rng_seed: 7,
        rate: Some(DEMO_QUOTA),
        faults: FaultSpec { internal: 0.03, ..FaultSpec::default() },
        delete_delay: Duration::from_millis(300),
        ..EmulatorConfig::default()
    };
    (config, creating)
}

/// Once apply has described each still-creating project [`DESCRIBES_BEFORE_SETTLE`] times (polled every
/// 200 ms, at most 60 s), let their datasets settle: the demo shows apply waiting for them rather than racing
/// them.
fn settle_once_described(emu: Arc<RunningEmulator>, creating: Vec<String>) -> tokio::task::JoinHandle<()> {
    let seen_before = emu.log().len();
    tokio::spawn(async move {
        for _ in 0..300 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let log = emu.log();
            let describes = log
                .iter()
                .skip(seen_before)
                .filter(|e| e.op == "DescribeProject" && e.status == 200)
                .filter(|e| e.project.as_ref().is_some_and(|p| creating.contains(p)))
                .count();
            if describes >= DESCRIBES_BEFORE_SETTLE * creating.len() {
                break;
            }
        }
        emu.advance_clock(SETTLE_HOLD);
    })
}
