//! The habits of a command-line tool (issue 21): `--version` naming the build (also in plans and journals),
//! `completions` and `man`, `--color`/`NO_COLOR` under a real terminal, `--quiet`, `--region all`,
//! `report --out -`, "nothing to do" for an empty plan, the one-line missing-credentials error, and `demo`
//! rerun in its own directory.

use lfv_emulator::{GenSpec, Mix, Seed};
use lfv_sunset::exec::journal::Record;
use lfv_sunset::plan::Plan;
use lfv_sunset::targets::regions::LOOKOUT_FOR_VISION_REGIONS;
use lfv_sunset::version::TOOL_BUILD;

use crate::support::{Env, fast};

fn seed(projects: usize) -> Seed {
    Seed::generate(&GenSpec { projects, mix: Mix::TrainTest, entries: (1, 2), rng_seed: 21, ..GenSpec::default() })
}

#[tokio::test(flavor = "multi_thread")]
async fn version_names_the_commit_and_plans_and_journals_record_it() {
    let env = Env::new(fast(seed(1))).await;
    let run = env.run(&["--version"]).await;
    assert_eq!(run.ok().stdout, format!("lfv-sunset {TOOL_BUILD}\n"));
    let (version, commit) = TOOL_BUILD.split_once('+').unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert!(!commit.is_empty());
    let plan = env.plan("plan.json", &[]).await;
    assert_eq!(plan.tool_version, TOOL_BUILD);
    env.run(&["apply", "plan.json", "--dry-run"]).await.ok();
    let text = std::fs::read_to_string(env.path("plan.dry-run.journal.jsonl")).unwrap();
    let tools: Vec<Option<String>> = text
        .lines()
        .filter_map(|l| match serde_json::from_str::<Record>(l).unwrap() {
            Record::Run { tool, .. } => Some(tool),
            _ => None,
        })
        .collect();
    assert_eq!(tools, vec![Some(TOOL_BUILD.to_string())], "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_for_four_shells_and_man_pages_generate() {
    let env = Env::new(fast(Seed::default())).await;
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef lfv-sunset"),
        ("fish", "complete -c lfv-sunset"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = env.run(&["completions", shell]).await;
        run.ok().stdout_has(marker).stdout_has("sweep").stdout_has("max-delete");
    }
    env.run(&["completions", "tcsh"]).await.code(2).stderr_has("tcsh");
    let page = env.run(&["man"]).await;
    page.ok().stdout_has(".TH lfv-sunset 1").stdout_has("sweep");
    let listed = env.run(&["man", "--out-dir", "man1"]).await;
    listed.ok();
    for name in ["lfv-sunset.1", "lfv-sunset-plan.1", "lfv-sunset-sweep.1", "lfv-sunset-completions.1"] {
        let text = std::fs::read_to_string(env.path("man1").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{name} is roff");
        assert!(listed.stdout.contains(name), "{name} listed: {}", listed.stdout);
    }
    let sweep = std::fs::read_to_string(env.path("man1/lfv-sunset-sweep.1")).unwrap();
    assert!(sweep.contains("max\\-delete") || sweep.contains("max-delete"), "the sweep page has its flags");
}

/// `lfv-sunset ARGS` under a pseudo-terminal (`script`), with `extra_env`; the transcript (stdout and
/// stderr as the terminal saw them).
async fn under_a_terminal(env: &Env, args: &str, extra_env: &[(&str, &str)]) -> String {
    let line = format!("script -qec 'lfv-sunset {args}' /dev/null");
    let mut cmd = env.shell(&line);
    cmd.env_remove("CI").env("TERM", "xterm");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let run = env.run_cmd(cmd, &[&line]).await;
    run.ok();
    run.stdout.clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_color_and_color_never_write_no_escape_sequence_under_a_terminal() {
    let env = Env::new(fast(seed(3))).await;
    let endpoint = env.emu.endpoint();
    // Debug logs (the SDK's) and the progress display, on a terminal.
    let args = format!("--log debug plan --out p.json --force --rate 200 --endpoint-url {endpoint}");
    // The control: on a terminal, by default, the log levels are coloured.
    let auto = under_a_terminal(&env, &args, &[]).await;
    assert!(auto.contains('\u{1b}'), "colour by default on a terminal: {auto}");
    assert!(auto.contains("DEBUG"), "debug lines were logged: {auto}");
    for (flags, vars) in [("--color never ", &[][..]), ("", &[("NO_COLOR", "1")][..])] {
        let text = under_a_terminal(&env, &format!("{flags}{args}"), vars).await;
        assert!(text.contains("DEBUG") && text.contains("p.json"), "the same run: {text}");
        assert!(!text.contains('\u{1b}'), "{flags}{vars:?}: an escape sequence: {text:?}");
    }
    // NO_COLOR beats CLICOLOR_FORCE; --color always beats NO_COLOR (also into a pipe).
    let text = under_a_terminal(&env, &args, &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]).await;
    assert!(!text.contains('\u{1b}'), "{text:?}");
    let plan = ["--log", "debug", "plan", "--out", "p.json", "--force", "--rate", "200", "--endpoint-url", &endpoint];
    let mut forced = vec!["--color", "always"];
    forced.extend(plan);
    let forced = env.run(&forced).await;
    assert!(forced.ok().stderr.contains('\u{1b}'), "{}", forced.stderr);
    let piped = env.run(&plan).await;
    assert!(piped.ok().stderr.contains("DEBUG"));
    assert!(!piped.stderr.contains('\u{1b}'), "no colour into a pipe by default");
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_no_progress_and_no_status_lines() {
    let env = Env::new(fast(seed(3))).await;
    let endpoint = env.emu.endpoint();
    let plan = ["plan", "--out", "p.json", "--force", "--rate", "200", "--endpoint-url", &endpoint];
    let loud = env.run(&plan).await;
    assert!(!loud.ok().stderr.is_empty(), "progress lines without --quiet");
    let mut quiet = vec!["-q"];
    quiet.extend(plan);
    let run = env.run(&quiet).await;
    assert_eq!(run.ok().stderr, "", "nothing on stderr with -q");
    run.stdout_has("p.json");
    let dry = env.run(&["apply", "p.json", "--dry-run", "--quiet"]).await;
    assert_eq!(dry.ok().stderr, "");
    // LFV_QUIET as people set such variables.
    for (value, quiet) in [("1", true), ("yes", true), ("0", false), ("false", false)] {
        let mut cmd = env.command(&plan);
        cmd.env("LFV_QUIET", value);
        let run = env.run_cmd(cmd, &plan).await;
        assert_eq!(run.ok().stderr.is_empty(), quiet, "LFV_QUIET={value}: {}", run.stderr);
    }
    // Errors still show.
    env.run(&["-q", "show", "missing.json"]).await.code(2).stderr_has("missing.json");
}

#[tokio::test(flavor = "multi_thread")]
async fn region_all_is_the_seven_regions_and_another_region_warns() {
    let env = Env::new(fast(seed(2))).await;
    let endpoint = env.emu.endpoint();
    let run =
        env.run(&["plan", "--out", "p.json", "--region", "all", "--rate", "200", "--endpoint-url", &endpoint]).await;
    run.ok();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let plan = Plan::load(&env.path("p.json")).unwrap();
    let want: Vec<String> = LOOKOUT_FOR_VISION_REGIONS.iter().map(|r| r.to_string()).collect();
    assert_eq!(want.len(), 7);
    assert_eq!(plan.selection.regions, want);
    let mut regions: Vec<String> = plan.targets.iter().map(|t| t.region.clone()).collect();
    regions.sort();
    let mut sorted = want.clone();
    sorted.sort();
    assert_eq!(regions, sorted, "one target per region");
    let mut listed: Vec<String> =
        env.emu.log().into_iter().filter(|e| e.op == "ListProjects").map(|e| e.region).collect();
    listed.sort();
    listed.dedup();
    assert_eq!(listed, sorted, "ListProjects went to exactly the seven");
    let other = env
        .run(&["plan", "--out", "q.json", "--region", "sa-east-1", "--rate", "200", "--endpoint-url", &endpoint])
        .await;
    other.ok().stderr_has("warning: --region sa-east-1").stderr_has("us-east-1, us-east-2, us-west-2, eu-west-1");
    env.run(&["plan", "--out", "r.json", "--region", "everywhere"]).await.code(2).stderr_has("--region");
}

#[tokio::test(flavor = "multi_thread")]
async fn report_out_dash_prints_the_csv_on_stdout() {
    let env = Env::new(fast(seed(2))).await;
    env.plan("plan.json", &[]).await;
    env.run(&["apply", "plan.json", "--dry-run"]).await.ok();
    let run = env.run(&["report", "plan.dry-run.journal.jsonl", "--out", "-"]).await;
    let file = std::fs::read_to_string(env.path("plan.dry-run.audit.csv")).unwrap();
    assert_eq!(run.ok().stdout, file, "the same CSV as apply wrote");
    run.stderr_has("rows: would_delete 4");
    assert!(!env.path("-").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_plan_is_nothing_to_do() {
    let env = Env::new(fast(seed(2))).await;
    env.plan("plan.json", &["--include", "nothing-matches-*"]).await;
    // No --yes and no terminal: still nothing to confirm.
    let run = env.run(&["apply", "plan.json"]).await;
    run.ok().stderr_has("nothing to do");
    assert!(!run.stderr.contains("to confirm"), "{}", run.stderr);
    assert!(!run.stderr.contains("0 datasets"), "{}", run.stderr);
    // The run's files, as for any plan (empty).
    assert_eq!(crate::support::read_csv(&env.path("plan.audit.csv")).len(), 0);
    assert_eq!(env.emu.stats().mutating_calls(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_credentials_is_one_actionable_line() {
    let env = Env::new(fast(seed(1))).await;
    let endpoint = env.emu.endpoint();
    let args = ["plan", "--out", "plan.json", "--endpoint-url", &endpoint];
    let mut cmd = env.command(&args);
    cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
    let run = env.run_cmd(cmd, &args).await;
    run.code(6).stderr_has("no credentials").stderr_has("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    // (The SDK's own warnings about the test's missing config files come before it.)
    let ours: Vec<&str> = run.stderr.lines().filter(|l| !l.contains(" WARN aws_runtime")).collect();
    assert_eq!(ours.len(), 1, "one line: {}", run.stderr);
    assert!(ours[0].starts_with("error: no credentials"), "{}", run.stderr);
    assert!(!run.stderr.contains("CredentialsNotLoaded"), "no SDK debug dump: {}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_reruns_in_the_same_directory() {
    let env = Env::new(fast(Seed::default())).await;
    std::fs::create_dir(env.path("d")).unwrap();
    std::fs::write(env.path("d/notes.txt"), "mine").unwrap();
    for n in 0..2 {
        let run = env.run(&["demo", "--dir", "d", "--projects", "4"]).await;
        run.ok().stdout_has("verify passed");
        assert!(run.stdout.contains("demo finished"), "run {n}");
    }
    assert_eq!(std::fs::read_to_string(env.path("d/notes.txt")).unwrap(), "mine", "other files are left alone");
}

#[tokio::test(flavor = "multi_thread")]
async fn log_file_gets_the_log_lines_plain_and_redacted() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new(fast(seed(2))).await;
    let endpoint = env.emu.endpoint();
    let plan = ["plan", "--out", "p.json", "--force", "--rate", "200", "--endpoint-url", &endpoint];
    let mut args = vec!["-q", "--color", "always", "--log", "debug", "--log-file", "run.log"];
    args.extend(plan);
    let run = env.run(&args).await;
    assert_eq!(run.ok().stderr, "", "--quiet still rules stderr");
    let text = std::fs::read_to_string(env.path("run.log")).unwrap();
    assert!(text.contains("DEBUG"), "the file has --log's level: {text}");
    assert!(!text.contains('\u{1b}'), "never coloured");
    assert!(!text.contains("test-secret"), "the secret key is redacted");
    assert_eq!(std::fs::metadata(env.path("run.log")).unwrap().permissions().mode() & 0o777, 0o600);
    // Appended, not replaced.
    let before = text.len();
    env.run(&args).await.ok();
    assert!(std::fs::read_to_string(env.path("run.log")).unwrap().len() > before);
    std::os::unix::fs::symlink(env.path("elsewhere"), env.path("link.log")).unwrap();
    env.run(&["--log-file", "link.log", "show", "p.json"]).await.code(2).stderr_has("--log-file link.log");
    assert!(!env.path("elsewhere").exists());
}
