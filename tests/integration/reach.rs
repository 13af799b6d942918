//! A target of the caller's own account that cannot be reached (a region the account has not enabled: the
//! emulator's `disabled_regions`) is an unreachable target, as one reached through a role is: probed before
//! planning, listed under `unreachable`, and the others are planned, swept and verified.

use lfv_emulator::{GenSpec, Mix, Seed};
use lfv_sunset::plan::Plan;

use crate::support::{Env, fast};

const ON: &str = "us-east-1";
const OFF: &str = "eu-west-1";

/// Three single-dataset projects in each of `ON` and `OFF`; the caller's account has not enabled `OFF`.
fn half_enabled() -> Seed {
    let mut seed = Seed::generate(&GenSpec {
        projects: 3,
        regions: vec![ON.into(), OFF.into()],
        mix: Mix::Single,
        entries: (1, 1),
        rng_seed: 9,
        ..GenSpec::default()
    });
    let account = seed.accounts[0].account.clone();
    seed.disabled_regions.insert(account, vec![OFF.into()]);
    seed
}

fn regions() -> [&'static str; 4] {
    ["--region", ON, "--region", OFF]
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_lists_a_region_not_enabled_as_unreachable() {
    let env = Env::new(fast(half_enabled())).await;
    let endpoint = env.emu.endpoint();
    let out = env.p("plan.json");
    let mut args = vec!["plan", "--out", &out, "--endpoint-url", &endpoint, "--rate", "200"];
    args.extend(regions());

    // Without --allow-unreachable: no plan, exit 6, the region named.
    env.run(&args).await.code(6).stderr_has(OFF).stderr_has("cannot be reached");
    assert!(!env.path("plan.json").exists(), "a plan was written despite an unreachable target");

    // With it: the reachable region's plan, the other listed.
    args.push("--allow-unreachable");
    env.run(&args).await.code(6).stderr_has(OFF);
    let plan = Plan::load(&env.path("plan.json")).expect("plan written with --allow-unreachable");
    let planned: Vec<&str> = plan.targets.iter().map(|t| t.region.as_str()).collect();
    assert_eq!(planned, [ON]);
    assert_eq!(plan.items.len(), 3, "the three datasets of {ON}");
    let listed: Vec<(&str, &str)> = plan.unreachable.iter().map(|u| (u.region.as_str(), u.error.as_str())).collect();
    assert_eq!(listed, [(OFF, "UnrecognizedClientException")], "{:#?}", plan.unreachable);
    assert_eq!(plan.unreachable[0].role_arn, None, "the caller's own account, no role");
}

#[tokio::test(flavor = "multi_thread")]
async fn sweep_deletes_everything_reachable_and_exits_6() {
    let env = Env::new(fast(half_enabled())).await;
    let endpoint = env.emu.endpoint();
    let mut args = vec!["sweep", "--dir", "d", "--yes", "--allow-unreachable", "--endpoint-url", &endpoint];
    args.extend(["--rate", "200"]);
    args.extend(regions());
    env.run(&args).await.code(6).stderr_has(&format!("region {OFF}: UnrecognizedClientException"));
    let deleted: Vec<String> =
        env.emu.log().iter().filter(|e| e.op == "DeleteDataset" && e.status == 202).map(|e| e.region.clone()).collect();
    assert_eq!(deleted, [ON; 3], "every dataset of the reachable region, none elsewhere");
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_all_exits_6_naming_the_region() {
    let env = Env::new(fast(half_enabled())).await;
    let endpoint = env.emu.endpoint();
    let mut args = vec!["verify", "--all", "--endpoint-url", &endpoint];
    args.extend(regions());
    // Named as every command names an unreachable target: its account, region and the service's refusal.
    let run = env.run(&args).await;
    run.code(6).stderr_has("cannot be reached").stderr_has(&format!("region {OFF}: UnrecognizedClientException"));
}
