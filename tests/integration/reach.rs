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
    let deleted = env.deleted(|e| e.region.clone());
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

/// Two accounts in `ON` reached by two profiles; account `DENIED`'s key may list its projects but not
/// describe them, so its target's probe answers and its enumeration is refused later.
const DENIED: &str = "111111111111";
const ALLOWED: &str = "222222222222";

async fn refused_after_its_probe() -> Env {
    let seed = Seed::generate(&GenSpec {
        projects: 3,
        accounts: vec![DENIED.into(), ALLOWED.into()],
        regions: vec![ON.into()],
        mix: Mix::Single,
        entries: (1, 1),
        rng_seed: 11,
    });
    let seed = lfv_emulator::testing::with_keys(
        seed,
        &[("AKIDDENIED", DENIED, &["DescribeProject"]), ("AKIDALLOWED", ALLOWED, &[])],
    );
    Env::new(fast(seed)).await
}

/// Run the tool with both profiles' keys in a shared credentials file.
async fn with_profiles(env: &Env, args: &[&str]) -> crate::support::Run {
    let creds = "[denied]\naws_access_key_id = AKIDDENIED\naws_secret_access_key = a\n\n[allowed]\n\
                 aws_access_key_id = AKIDALLOWED\naws_secret_access_key = b\n";
    env.run_with_credentials(creds, args).await
}

const PROFILES: [&str; 6] = ["--profile", "denied", "--profile", "allowed", "--region", ON];

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_during_planning_makes_only_that_target_unreachable() {
    let env = refused_after_its_probe().await;
    let endpoint = env.emu.endpoint();
    let out = env.p("plan.json");
    let mut args = vec!["plan", "--out", &out, "--endpoint-url", &endpoint, "--rate", "200"];
    args.extend(PROFILES);

    // Without --allow-unreachable: no plan, exit 6, the account and the refusal named.
    let run = with_profiles(&env, &args).await;
    run.code(6).stderr_has(&format!("account {DENIED} region {ON}: AccessDeniedException")).stderr_has("no plan");
    assert!(!env.path("plan.json").exists(), "a plan was written despite a target refused while planning");

    args.push("--allow-unreachable");
    with_profiles(&env, &args).await.code(6).stderr_has(DENIED);
    let plan = Plan::load(&env.path("plan.json")).expect("plan written with --allow-unreachable");
    let planned: Vec<Option<&str>> = plan.targets.iter().map(|t| t.account.as_deref()).collect();
    assert_eq!(planned, [Some(ALLOWED)], "only the target that answered every call is planned");
    assert!(plan.items.iter().all(|i| i.account == ALLOWED) && plan.items.len() == 3, "{:#?}", plan.items);
    let listed: Vec<(&str, &str)> = plan.unreachable.iter().map(|u| (u.account.as_str(), u.error.as_str())).collect();
    assert_eq!(listed, [(DENIED, "AccessDeniedException")], "{:#?}", plan.unreachable);
    assert!(plan.unreachable[0].message.contains("DescribeProject"), "{:#?}", plan.unreachable);

    // verify --all cannot prove anything about it either.
    let mut verify = vec!["verify", "--all", "--endpoint-url", &endpoint];
    verify.extend(PROFILES);
    let run = with_profiles(&env, &verify).await;
    run.code(6).stderr_has("cannot be reached").stderr_has(&format!("account {DENIED} region {ON}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sweep_goes_on_past_a_target_refused_while_enumerating() {
    let env = refused_after_its_probe().await;
    let endpoint = env.emu.endpoint();
    let mut args = vec!["sweep", "--dir", "d", "--yes", "--endpoint-url", &endpoint, "--rate", "200"];
    args.extend(PROFILES);
    let run = with_profiles(&env, &args).await;
    run.code(6).stderr_has(&format!("account {DENIED} region {ON}"));
    // Its verify speaks of the targets it verified, never "nothing left" alone.
    run.stdout_has("nothing left in the targets verified; 1 targets could not be reached");
    assert!(!run.stdout.lines().any(|l| l == "nothing left"), "{}", run.stdout);
    let deleted = env.deleted(|e| e.account.clone());
    assert_eq!(deleted, [ALLOWED; 3], "every dataset of the account that answered, none of the other");
    let sealed = Plan::load(&env.path("d/plan.json")).expect("the sweep sealed its plan");
    let listed: Vec<&str> = sealed.unreachable.iter().map(|u| u.account.as_str()).collect();
    assert_eq!(listed, [DENIED], "{:#?}", sealed.unreachable);
    assert!(env.path("d/summary.json").exists(), "the summary of a sweep that exits 6 is written");
}

/// A region the account stops accepting between `plan` and `apply` (opted out, or denied by a policy, while
/// the job waited): apply and export stop only that target, leave its items pending, and exit 6.
#[tokio::test(flavor = "multi_thread")]
async fn a_target_refusing_during_apply_or_export_stops_alone_with_its_items_pending() {
    let mut seed = half_enabled();
    seed.disabled_regions.clear();
    let account = seed.accounts[0].account.clone();
    let env = Env::new(fast(seed)).await;
    let url = env.emu.endpoint();
    let mut extra = vec!["--region", ON, "--region", OFF];
    let plan = env.plan("plan.json", &extra).await;
    assert_eq!(plan.targets.len(), 2);
    env.emu.disable_region(&account, OFF);
    extra.clear();

    let run = env.run(&["export", "plan.json", "--backup-dir", "backups", "--endpoint-url", &url]).await;
    run.code(6).stderr_has(&format!("{account} {OFF} cannot be reached")).stderr_has("UnrecognizedClientException");

    let run = env.run(&["apply", "plan.json", "--yes", "--no-backup", "--endpoint-url", &url]).await;
    run.code(6).stderr_has(&format!("{account} {OFF} cannot be reached")).stderr_has("UnrecognizedClientException");
    let deleted = env.deleted(|e| e.region.clone());
    assert_eq!(deleted, [ON; 3], "the reachable region's datasets, none elsewhere");
    let rows = crate::support::read_csv(&env.path("plan.audit.csv"));
    let off: Vec<&str> = rows.iter().filter(|r| r["region"] == OFF).map(|r| r["outcome"].as_str()).collect();
    assert_eq!(off.len(), 3, "{rows:#?}");
    assert!(off.iter().all(|o| *o == "pending"), "no outcome for the refused target's items: {off:?}");
}
