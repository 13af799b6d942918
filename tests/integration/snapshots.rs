//! Snapshots of what people read: every command's `--help`, and `show` and `verify` (text and JSON) of a
//! datasets plan and a teardown plan. A change to any of them shows up as a diff in review (`cargo insta
//! review`, or the `.snap.new` files next to the snapshots); CI (`CI` set) never writes a snapshot, it fails.
//! Only what differs between two runs of the same test is masked: the plan's id, its creation time, its
//! digest, its client tokens (derived from the id), the emulator's port and the tool build (its commit).

use clap::CommandFactory;
use lfv_emulator::seed::{GenSpec, Mix, Seed};
use lfv_sunset::plan::Plan;

use crate::support::{Env, fast};

/// Every subcommand's name, from the parser itself, so a new command is snapshotted without editing this list.
fn subcommands() -> Vec<String> {
    lfv_sunset::cli::Cli::command().get_subcommands().map(|c| c.get_name().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_help_text_is_as_reviewed() {
    let env = Env::new(fast(Seed::default())).await;
    let names = subcommands();
    assert!(names.len() >= 10, "the parser lists its subcommands: {names:?}");
    let top = env.run(&["--help"]).await;
    insta::assert_snapshot!("help", top.ok().stdout);
    for name in names {
        let run = env.run(&[&name, "--help"]).await;
        insta::assert_snapshot!(format!("help_{name}"), run.ok().stdout);
    }
}

/// Three realistic projects (hosted, training and deleting models among them), frozen in time: no status
/// moves while the test looks at it.
async fn frozen_estate() -> Env {
    let mut seed = Seed::generate(&GenSpec { projects: 3, mix: Mix::Realistic, ..GenSpec::default() });
    const HOUR_MS: u64 = 3_600_000;
    for project in seed.accounts.iter_mut().flat_map(|a| &mut a.regions).flat_map(|r| &mut r.projects) {
        for dataset in &mut project.datasets {
            dataset.settle_after_ms = dataset.settle_after_ms.map(|_| HOUR_MS);
        }
        for model in &mut project.models {
            model.settle_after_ms = model.settle_after_ms.map(|_| HOUR_MS);
        }
    }
    let mut config = fast(seed);
    config.create_delay = std::time::Duration::from_secs(3600);
    config.model_delay = std::time::Duration::from_secs(3600);
    Env::new(config).await
}

/// What differs between two runs of the same test, masked.
fn masked(text: &str, env: &Env, plan: &Plan) -> String {
    let mut out = text.replace(&env.emu.endpoint(), "http://127.0.0.1:PORT").replace(&plan.plan_id, "PLAN_ID");
    for item in &plan.items {
        out = out.replace(&item.client_token, &format!("TOKEN_{}", item.seq));
    }
    let created = plan.created_at;
    for form in [created.to_rfc3339(), created.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)] {
        out = out.replace(&form, "CREATED_AT");
    }
    out = out
        .replace(&plan.digest, "sha256:DIGEST")
        .replace(lfv_sunset::version::TOOL_BUILD, "VERSION")
        .replace(env!("CARGO_PKG_VERSION"), "VERSION");
    // The instants a document was made (`started_at`, `finished_at`) differ on every run.
    out.lines()
        .map(|l| match l.trim_start().split_once(':') {
            Some(("\"started_at\"" | "\"finished_at\"", _)) => {
                format!("{}: \"INSTANT\",", l.split(':').next().unwrap())
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if out.ends_with('\n') { "\n" } else { "" }
}

#[tokio::test(flavor = "multi_thread")]
async fn show_and_verify_of_a_datasets_plan_and_a_teardown_plan_are_as_reviewed() {
    let env = frozen_estate().await;
    for (name, extra) in [("datasets", &[][..]), ("teardown", &["--scope", "all"][..])] {
        let file = format!("{name}.json");
        let plan = env.plan(&file, extra).await;
        let path = env.p(&file);
        let endpoint = env.emu.endpoint();
        let show = env.run(&["show", &path]).await;
        insta::assert_snapshot!(format!("show_{name}"), masked(&show.ok().stdout, &env, &plan));
        let show_json = env.run(&["show", &path, "--format", "json"]).await;
        insta::assert_snapshot!(format!("show_{name}_json"), masked(&show_json.ok().stdout, &env, &plan));
        for format in ["table", "json"] {
            let verify = env.run(&["verify", &path, "--endpoint-url", &endpoint, "--format", format]).await;
            // Everything is still there: verify says so with exit 3.
            let text = masked(&verify.code(3).stdout, &env, &plan);
            insta::assert_snapshot!(format!("verify_{name}_{format}"), text);
        }
    }
}
