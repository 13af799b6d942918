//! Organisations: `plan --organization --role-name` over an organisation of 6 accounts (one suspended, one whose
//! role refuses the management account, one with a region not enabled) with and without `--allow-unreachable`;
//! `apply` re-assumes the roles the plan names; `--shard K/N` plans are disjoint and their union is the
//! unsharded plan.

use std::collections::BTreeSet;

use lfv_emulator::org_seed::{ORG_ROLE, generate_org, member_id};
use lfv_emulator::seed::AccessKey;
use lfv_emulator::{GenSpec, Mix, Seed};
use lfv_sunset::plan::Plan;

use crate::support::{Env, KEY, fast};

const MGMT: &str = "123456789012";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// Management account (no projects) and members 1 to 5 with 2 projects of train+test in both regions: member 3
/// SUSPENDED, member 4's role trusts another account only, member 5 has eu-west-1 disabled.
fn org() -> Seed {
    let spec = GenSpec {
        projects: 2,
        mix: Mix::TrainTest,
        entries: (2, 2),
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        ..GenSpec::default()
    };
    let mut seed = generate_org(5, &spec);
    seed.organization.as_mut().unwrap().accounts[3].status = "SUSPENDED".into();
    let role = seed.roles.iter_mut().find(|r| r.account == member_id(4)).unwrap();
    role.trusted_accounts = vec!["999999999999".into()];
    seed.disabled_regions.insert(member_id(5), vec!["eu-west-1".into()]);
    seed
}

fn plan_args<'a>(out: &'a str, endpoint: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["plan", "--out", out, "--endpoint-url", endpoint, "--rate", "200", "--force"];
    args.extend_from_slice(&["--region", REGIONS[0], "--region", REGIONS[1]]);
    args.extend_from_slice(extra);
    args
}

/// The RoleSessionNames of every role session that called the emulator (any service but S3) from log entry
/// `from` on, read from each entry's caller ARN `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
pub(crate) fn sessions_since(env: &Env, from: usize) -> BTreeSet<String> {
    let log = env.emu.log();
    log[from.min(log.len())..]
        .iter()
        .filter_map(|e| e.caller.as_deref())
        .filter(|c| c.contains(":assumed-role/"))
        .map(|c| c.rsplit('/').next().unwrap_or_default().to_string())
        .collect()
}

/// The AssumeRole calls answered 200 since log entry `from`.
fn assumed_since(env: &Env, from: usize) -> usize {
    env.emu.log()[from..].iter().filter(|e| e.op == "AssumeRole" && e.status == 200).count()
}

fn targets(plan: &Plan) -> BTreeSet<(String, String)> {
    plan.targets.iter().map(|t| (t.identity.as_ref().unwrap().account.clone(), t.region.clone())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn organisation_with_unreachable_targets() {
    let env = Env::new(fast(org())).await;
    let endpoint = env.emu.endpoint();
    let out = env.p("org.json");
    let flags = ["--organization", "--role-name", ORG_ROLE];

    // Without --allow-unreachable: exit 6, no plan, each unreachable target named.
    let run = env.run(&plan_args(&out, &endpoint, &flags)).await;
    run.code(6).stderr_has(&member_id(4)).stderr_has("5 targets cannot be reached");
    assert!(!run.stderr.contains("STS refused to grant") && !run.stderr.contains("raw: Response"), "{}", run.stderr);
    assert!(!env.path("org.json").exists(), "a plan was written despite unreachable targets");

    let mut allow = flags.to_vec();
    allow.push("--allow-unreachable");
    let from = env.emu.log().len();
    env.run(&plan_args(&out, &endpoint, &allow)).await.code(6).stderr_has("5 targets could not be reached");
    let plan = Plan::load(&env.path("org.json")).expect("plan written with --allow-unreachable");
    // Every role session of the planning, enumeration included, is named after the plan it made.
    let session = format!("lfv-sunset-{}", plan.plan_id);
    assert_eq!(sessions_since(&env, from), BTreeSet::from([session.clone()]));
    // Each role reached (members 1, 2 and 5) is assumed once for the whole planning: its identity check, its
    // probes and its clients in every region share one session.
    assert_eq!(assumed_since(&env, from), 3, "AssumeRole answered 200 during the planning");
    // And the source credentials' identity is asked once.
    let source_ids = env.emu.log()[from..].iter().filter(|e| e.op == "GetCallerIdentity" && e.account == MGMT).count();
    assert_eq!(source_ids, 1, "GetCallerIdentity of the source credentials during the planning");

    let unreachable: BTreeSet<(String, String, String)> =
        plan.unreachable.iter().map(|u| (u.account.clone(), u.region.clone(), u.error.clone())).collect();
    let want: BTreeSet<(String, String, String)> = [
        (member_id(4), "eu-west-1", "assume_role"),
        (member_id(4), "us-east-1", "assume_role"),
        (member_id(5), "eu-west-1", "UnrecognizedClientException"),
        (member_id(3), "us-east-1", "account_not_active"),
        (member_id(3), "eu-west-1", "account_not_active"),
    ]
    .into_iter()
    .map(|(a, r, e)| (a, r.to_string(), e.to_string()))
    .collect();
    assert_eq!(unreachable, want, "{:#?}", plan.unreachable);
    let m4 = plan.unreachable.iter().find(|u| u.account == member_id(4)).unwrap();
    assert_eq!(m4.role_arn.as_deref(), Some(format!("arn:aws:iam::{}:role/{ORG_ROLE}", member_id(4)).as_str()));
    // Said for a person: STS's code and message, not the SDK's dump of the response.
    assert!(
        m4.message.contains("AssumeRole: AccessDenied: User: arn:aws:sts::")
            || m4.message.contains("AssumeRole: AccessDenied: User: arn:aws:iam::"),
        "{}",
        m4.message
    );
    assert!(!m4.message.contains("ErrorMetadata") && m4.message.len() < 400, "{}", m4.message);

    // The suspended member 3 is not a target, and not silently left out either: it is listed, named by its state.
    let m3 = plan.unreachable.iter().find(|u| u.account == member_id(3)).unwrap();
    assert!(m3.message.contains("SUSPENDED") && m3.message.contains("--exclude-account"), "{m3:?}");
    // Reached: the management account with the source credentials, members 1, 2 and 5 (us-east-1) by role.
    let mut want = BTreeSet::new();
    for a in [MGMT.to_string(), member_id(1), member_id(2)] {
        for r in REGIONS {
            want.insert((a.clone(), r.to_string()));
        }
    }
    want.insert((member_id(5), "us-east-1".into()));
    assert_eq!(targets(&plan), want);
    for t in &plan.targets {
        let id = t.identity.as_ref().unwrap();
        if id.account == MGMT {
            assert_eq!(t.role_arn, None, "the caller's own account is reached without a role");
            assert_eq!(id.arn, format!("arn:aws:iam::{MGMT}:user/emulator"));
        } else {
            assert_eq!(t.role_arn.as_deref(), Some(format!("arn:aws:iam::{}:role/{ORG_ROLE}", id.account).as_str()));
            assert_eq!(id.arn, format!("arn:aws:sts::{}:assumed-role/{ORG_ROLE}/{session}", id.account));
        }
    }
    assert_eq!(plan.items.len(), 2 * 2 * 2 * 2 + 2 * 2, "members 1 and 2 in both regions, member 5 in one");

    // show prints the unreachable targets before anything else about the plan.
    let show = env.run(&["show", &out]).await;
    let text = &show.ok().stdout;
    let first = text.find("UNREACHABLE").expect("show names unreachable targets");
    assert!(first < text.find("digest").unwrap(), "{text}");

    // apply re-assumes the roles and deletes everything planned.
    let from = env.emu.log().len();
    let args = ["apply", &out, "--yes", "--endpoint-url", &endpoint, "--rate", "200", "--format", "json"];
    let summary = env.run(&args).await.ok().json();
    assert_eq!(summary["outcomes"]["deleted"], plan.items.len(), "{summary}");
    assert_eq!(sessions_since(&env, from), BTreeSet::from([session]), "apply's sessions are the plan's too");
    assert_eq!(assumed_since(&env, from), 3, "AssumeRole answered 200 during the apply");
    // The confirmation's looks and the run share the command's identities: each asked once.
    let ids: Vec<String> =
        env.emu.log()[from..].iter().filter(|e| e.op == "GetCallerIdentity").map(|e| e.account.clone()).collect();
    assert_eq!(ids.len(), ids.iter().collect::<BTreeSet<_>>().len(), "one GetCallerIdentity per credential: {ids:?}");
    let accounts: BTreeSet<String> = env.deleted(|e| e.account.clone()).into_iter().collect();
    assert_eq!(accounts, [member_id(1), member_id(2), member_id(5)].into_iter().collect());
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_are_disjoint_and_their_union_is_the_whole_plan() {
    let env = Env::new(fast(org())).await;
    let endpoint = env.emu.endpoint();
    let out = env.p("all.json");
    let flags = ["--organization", "--allow-unreachable"];
    env.run(&plan_args(&out, &endpoint, &flags)).await.code(6);
    let whole = Plan::load(&env.path("all.json")).unwrap();
    let key = |p: &Plan| -> Vec<(String, String, String, String, String)> {
        p.items
            .iter()
            .map(|i| {
                (i.account.clone(), i.region.clone(), i.project.clone(), format!("{:?}", i.kind), i.resource.clone())
            })
            .collect()
    };
    let all_items: BTreeSet<_> = key(&whole).into_iter().collect();
    let all_targets = targets(&whole);
    let all_unreachable: BTreeSet<_> =
        whole.unreachable.iter().map(|u| (u.account.clone(), u.region.clone())).collect();
    let n = 3;
    let (mut items, mut tgts, mut unreachable) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let (mut sizes, mut named) = (Vec::new(), 0);
    for k in 0..n {
        let out = env.p(&format!("shard-{k}.json"));
        let shard = format!("{k}/{n}");
        let mut f = flags.to_vec();
        let session = format!("nightly-{k}");
        f.extend_from_slice(&["--shard", &shard, "--session-name", &session]);
        let from = env.emu.log().len();
        let run = env.run(&plan_args(&out, &endpoint, &f)).await;
        assert!(matches!(run.code, Some(0 | 6)), "{}", run.stderr);
        // A shard holding only the management account assumes no role.
        let seen = sessions_since(&env, from);
        assert!(seen.is_empty() || seen == BTreeSet::from([session.clone()]), "--session-name {session}: {seen:?}");
        named += usize::from(!seen.is_empty());
        let p = Plan::load(&env.path(&format!("shard-{k}.json"))).unwrap();
        sizes.push(p.items.len());
        for i in key(&p) {
            assert!(items.insert(i.clone()), "{i:?} is in two shards");
        }
        for t in targets(&p) {
            assert!(tgts.insert(t.clone()), "target {t:?} is in two shards");
        }
        for u in &p.unreachable {
            assert!(unreachable.insert((u.account.clone(), u.region.clone())), "{u:?} in two shards");
        }
    }
    assert_eq!(items, all_items, "the shards' items are the whole plan's");
    assert_eq!(tgts, all_targets);
    assert_eq!(unreachable, all_unreachable);
    assert!(sizes.iter().filter(|&&s| s > 0).count() >= 2, "a partition in name only: {sizes:?}");
    assert!(named >= 2, "role sessions named in {named} shards only");
}

/// A run through a role that outlives three session lifetimes on the emulator clock (which the SDK cannot see:
/// it judges expiry by this machine's clock) finishes: every ExpiredTokenException drops the session, the retry
/// re-assumes the role, and no item fails.
#[tokio::test(flavor = "multi_thread")]
async fn apply_outlives_three_sessions() {
    let spec = GenSpec { projects: 30, mix: Mix::TrainTest, entries: (1, 1), ..GenSpec::default() };
    let mut config = fast(generate_org(1, &spec));
    config.session_ttl = std::time::Duration::from_secs(900);
    let env = Env::new(config).await;
    let endpoint = env.emu.endpoint();
    let out = env.p("org.json");
    let mut args = vec!["plan", "--out", &out, "--endpoint-url", &endpoint, "--rate", "200", "--region", "us-east-1"];
    args.extend_from_slice(&["--organization"]);
    env.run(&args).await.ok();
    let plan = Plan::load(&env.path("org.json")).unwrap();
    assert_eq!(plan.items.len(), 60);
    let before = env.emu.log().len();
    let done = std::sync::atomic::AtomicBool::new(false);
    let apply = async {
        let args = ["apply", &out, "--yes", "--endpoint-url", &endpoint, "--rate", "8", "--format", "json"];
        let run = env.run(&args).await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        run
    };
    let advance = async {
        let mut n = 0;
        // At most 40 advances of one session lifetime, 1.5 s apart, while the apply runs.
        while n < 40 && !done.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            env.emu.advance_clock(std::time::Duration::from_secs(901));
            n += 1;
        }
        n
    };
    let (run, advances) = tokio::join!(apply, advance);
    let summary = run.ok().json();
    assert_eq!(summary["outcomes"]["deleted"], 60, "{summary}");
    assert!(advances >= 3, "the run outlived only {advances} session lifetimes");
    let log = env.emu.log();
    let during = &log[before..];
    let expired = during.iter().filter(|e| e.error_code.as_deref() == Some("ExpiredTokenException")).count();
    let assumed = during.iter().filter(|e| e.op == "AssumeRole" && e.status == 200).count();
    assert!(expired >= 1, "no call met an expired session: the test proves nothing");
    assert!(assumed >= 3, "{assumed} AssumeRole calls for {advances} expiries");
    // Every AssumeRole went through the run's pace: the summary counts each attempt the emulator saw.
    let sent = during.iter().filter(|e| e.op == "AssumeRole").count() as u64;
    assert_eq!(summary["calls"]["AssumeRole"]["attempts"], sent, "{}", summary["calls"]);
}

/// `--accounts FILE`: a suspended account listed in the file is unreachable (its role cannot be assumed), an
/// excluded one is not planned, and a malformed file is a usage error naming the file and line.
#[tokio::test(flavor = "multi_thread")]
async fn accounts_file() {
    let env = Env::new(fast(org())).await;
    let endpoint = env.emu.endpoint();
    let list = format!(
        "account_id,name\n{MGMT},management\n{},one\n{},two\n{},suspended\n",
        member_id(1),
        member_id(2),
        member_id(3)
    );
    std::fs::write(env.path("accounts.csv"), list).unwrap();
    let out = env.p("a.json");
    let file = env.p("accounts.csv");
    let m2 = member_id(2);
    let flags = ["--accounts", &file, "--exclude-account", &m2, "--allow-unreachable"];
    env.run(&plan_args(&out, &endpoint, &flags)).await.code(6);
    let plan = Plan::load(&env.path("a.json")).unwrap();
    let reached: BTreeSet<String> = targets(&plan).into_iter().map(|(a, _)| a).collect();
    assert_eq!(reached, [MGMT.to_string(), member_id(1)].into_iter().collect());
    let unreachable: BTreeSet<(String, String)> =
        plan.unreachable.iter().map(|u| (u.account.clone(), u.error.clone())).collect();
    assert_eq!(unreachable, [(member_id(3), "assume_role".to_string())].into_iter().collect());
    assert_eq!(plan.unreachable.len(), 2, "both regions of the suspended account");

    std::fs::write(env.path("bad.txt"), format!("{MGMT}\n# fine\n12345\n")).unwrap();
    let bad = env.p("bad.txt");
    let run = env.run(&plan_args(&out, &endpoint, &["--accounts", &bad])).await;
    run.code(2).stderr_has("bad.txt line 3").stderr_has("not a 12-digit account id");
}

/// A target whose role refuses the caller at apply time (here: member 1's role trusts only the key that
/// planned) stops only itself: its items stay pending, every other target is applied, exit 6 naming it; the
/// next apply with the planning key finishes it. `verify` cannot prove anything while a target is unreachable.
#[tokio::test(flavor = "multi_thread")]
async fn a_target_unreachable_at_apply_stops_only_itself() {
    const OTHER_KEY: &str = "AKIAMANAGEMENTTWO";
    let spec = GenSpec { projects: 1, mix: Mix::TrainTest, entries: (1, 1), ..GenSpec::default() };
    let mut seed = generate_org(2, &spec);
    seed.access_keys.insert(OTHER_KEY.into(), AccessKey { account: MGMT.into(), deny: vec![] });
    let role = seed.roles.iter_mut().find(|r| r.account == member_id(1)).unwrap();
    role.trusted_accounts.clear();
    role.trusted_access_keys = vec![KEY.to_string()];
    let mut env = Env::new(fast(seed)).await;
    let planning_key = env.key.clone();
    assert_eq!(planning_key, KEY);
    let endpoint = env.emu.endpoint();
    let out = env.p("org.json");
    env.run(&["plan", "--out", &out, "--endpoint-url", &endpoint, "--rate", "200", "--organization"]).await.code(0);
    let plan = Plan::load(&env.path("org.json")).unwrap();
    let member1: Vec<u64> = plan.items.iter().filter(|i| i.account == member_id(1)).map(|i| i.seq).collect();
    assert_eq!((member1.len(), plan.items.len()), (2, 4), "{plan:?}");

    env.key = OTHER_KEY.to_string();
    let apply = env.run(&["apply", &out, "--yes", "--no-backup", "--endpoint-url", &endpoint, "--rate", "200"]).await;
    apply.code(6).stderr_has(&member_id(1)).stderr_has("cannot be reached");
    let state = lfv_sunset::exec::journal::read(&env.path("org.journal.jsonl")).unwrap();
    for i in &plan.items {
        let outcome = state.by_seq.get(&i.seq).and_then(|s| s.outcome.clone());
        assert_eq!(outcome.is_some(), i.account != member_id(1), "item {} of {}: {outcome:?}", i.seq, i.account);
    }
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 2, "the reachable member's datasets are deleted");
    env.run(&["verify", &out, "--endpoint-url", &endpoint, "--rate", "200"]).await.code(6).stderr_has(&member_id(1));

    env.key = planning_key;
    env.run(&["apply", &out, "--yes", "--no-backup", "--endpoint-url", &endpoint, "--rate", "200"]).await.code(0);
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 4);
    env.run(&["verify", &out, "--endpoint-url", &endpoint, "--rate", "200"]).await.code(0);
}

/// `sweep --organization --allow-unreachable` of both regions with one attempt per call, a share `failing` of
/// the DeleteDataset calls answered 500.
async fn sweep_with_failing_deletes(env: &Env, failing: f64) -> crate::support::Run {
    let endpoint = env.emu.endpoint();
    env.emu.set_faults(lfv_emulator::FaultSpec {
        internal: failing,
        ops: vec!["DeleteDataset".into()],
        ..lfv_emulator::FaultSpec::default()
    });
    let mut args = vec!["sweep", "--dir", "out", "--yes", "--endpoint-url", &endpoint, "--rate", "200"];
    args.extend_from_slice(&["--region", REGIONS[0], "--region", REGIONS[1], "--max-attempts", "1"]);
    args.extend_from_slice(&["--organization", "--role-name", ORG_ROLE, "--allow-unreachable"]);
    env.run(&args).await
}

/// One exit-code order for every run: a target that cannot be reached and an item that fails give 6 for
/// `sweep` as for `apply` (unreachable outranks incomplete), and the summary says so too.
#[tokio::test(flavor = "multi_thread")]
async fn sweep_with_an_unreachable_target_and_a_failed_item_exits_6_as_apply_does() {
    let env = Env::new(fast(org())).await;
    let run = sweep_with_failing_deletes(&env, 1.0).await;
    run.code(6).stderr_has("targets could not be reached");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path("out/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["exit_code"], 6, "{summary}");
    assert!(summary["outcomes"]["failed"].as_u64().unwrap_or(0) > 0, "an item failed: {summary}");
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 0);
}

/// A sweep of the organisation asks each role once and each credential's identity once for the whole command:
/// its reach, its enumeration, its deletions and its own verify (which has the failed items to look at) share
/// one session per role.
#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_assumes_each_role_once_and_asks_each_identity_once() {
    let env = Env::new(fast(org())).await;
    // Half the deletions fail, so the sweep's verify has items to look at.
    let run = sweep_with_failing_deletes(&env, 0.5).await;
    run.code(6).stdout_has("datasets left");
    let log = env.emu.log();
    let verify_looks = log.iter().filter(|e| e.op == "DescribeProject").count();
    assert!(verify_looks > 0 && env.emu.stats().mutations.datasets_deleted > 0, "{}", run.stdout);
    // Members 1, 2 and 5 are reached by role (4's role refuses, 3 is suspended).
    assert_eq!(assumed_since(&env, 0), 3, "AssumeRole answered 200 during the sweep");
    let ids: Vec<String> =
        env.emu.log().iter().filter(|e| e.op == "GetCallerIdentity").map(|e| e.account.clone()).collect();
    let distinct: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), distinct.len(), "one GetCallerIdentity per credential: {ids:?}");
}
