//! The review step cannot be fooled: fields outside the digest, re-sealed plans, control characters in plan
//! fields and formula cells in the CSV (issue 9, classes 4 and 5).

use lfv_sunset::plan::digest::digest;
use lfv_sunset::plan::format::client_token;
use lfv_sunset::plan::{Kind, Plan};
use serde_json::Value;

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, Run, fast, read_csv};

/// 2023-01-01 as epoch seconds.
const JAN23: f64 = 1_672_531_200.0;

/// Three items (alpha test+train, bravo train) and one skipped project (no datasets).
async fn planned() -> (Env, Value) {
    let seed = one_region(vec![
        project("alpha", vec![dataset("train", JAN23), dataset("test", JAN23 + 60.0)]),
        project("bravo", vec![dataset("train", JAN23 + 120.5)]),
        project("charlie-empty", vec![]),
    ]);
    let env = Env::new(fast(seed)).await;
    env.plan("plan.json", &[]).await;
    let v = serde_json::from_str(&std::fs::read_to_string(env.path("plan.json")).unwrap()).unwrap();
    (env, v)
}

fn write(env: &Env, name: &str, v: &Value) {
    std::fs::write(env.path(name), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// Recompute the digest after an edit of the digested part, as someone covering their tracks would.
fn reseal(v: &mut Value) {
    let p = Plan::parse(&v.to_string()).unwrap();
    v["digest"] = digest(&p).into();
}

fn no_raw_escape(run: &Run) {
    for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{9b}'),
            "raw escape character in {what} of {}:\n{text:?}",
            run.cmd
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn summary_and_skipped_that_contradict_the_items_are_refused() {
    let (env, plan) = planned().await;
    type Edit = fn(&mut Value);
    let cases: Vec<(Edit, &str)> = vec![
        (|v| v["summary"]["items"] = 30.into(), "summary.items says 30"),
        (|v| v["summary"]["items_by_type"]["train"] = 1.into(), "summary.items_by_type"),
        (|v| v["summary"]["projects_planned"] = 1.into(), "summary.projects_planned"),
        (|v| v["summary"]["projects_seen"] = 0.into(), "summary.projects_seen"),
        (|v| v["skipped"] = Value::Array(vec![]), "summary.skipped_by_reason"),
        (|v| v["summary"]["skipped_by_reason"] = serde_json::json!({}), "summary.skipped_by_reason"),
    ];
    let before = env.emu.stats();
    for (edit, want) in cases {
        let mut v = plan.clone();
        edit(&mut v);
        write(&env, "lying.json", &v);
        env.run(&["show", "lying.json"]).await.code(2).stderr_has(want);
        env.run(&["apply", "lying.json", "--yes"])
            .await
            .code(2)
            .stderr_has(want)
            .stderr_has("not covered by the digest");
        env.run(&["apply", "lying.json", "--dry-run"]).await.code(2).stderr_has(want);
    }
    assert_eq!(env.emu.stats().mutating_calls(), before.mutating_calls(), "refused before any call");
}

#[tokio::test(flavor = "multi_thread")]
async fn show_recomputes_its_counts_and_names_what_the_digest_does_not_cover() {
    let (env, mut v) = planned().await;
    // Drop the skipped entry and the count that mentions it: consistent, and outside the digest.
    v["skipped"] = Value::Array(vec![]);
    v["summary"]["skipped_by_reason"] = serde_json::json!({});
    write(&env, "quiet.json", &v);
    let run = env.run(&["show", "quiet.json"]).await;
    run.ok()
        .stdout_has("covers format, plan_id, created_at, targets, unreachable, items")
        .stdout_has("not covered by the digest (format 2): tool_version, selection, skipped, summary")
        .stdout_has("3 datasets in 2 projects")
        .stdout_has("by dataset type: test 1, train 2")
        .stdout_has("skipped: none");
    let json = env.run(&["show", "quiet.json", "--format", "json"]).await.ok().json();
    assert_eq!(json["not_digested"], serde_json::json!(["tool_version", "selection", "skipped", "summary"]));
    assert_eq!(
        json["digest_covers"],
        serde_json::json!(["format", "plan_id", "created_at", "targets", "unreachable", "items"])
    );
    assert_eq!((json["items"].as_u64(), json["projects"].as_u64()), (Some(3), Some(2)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_created_at_in_the_future_is_refused() {
    let (env, plan) = planned().await;
    let before = env.emu.stats();
    let mut v = plan.clone();
    v["created_at"] = "2099-01-01T00:00:00Z".into();
    // Format 2 digests created_at: edited alone, the digest catches it; re-sealed, the clock check does.
    write(&env, "future.json", &v);
    env.run(&["show", "future.json"]).await.code(2).stderr_has("digest mismatch");
    reseal(&mut v);
    write(&env, "future.json", &v);
    for args in [
        vec!["show", "future.json"],
        vec!["apply", "future.json", "--yes"],
        vec!["apply", "future.json", "--dry-run"],
        vec!["export", "future.json"],
        vec!["verify", "future.json"],
    ] {
        env.run(&args).await.code(2).stderr_has("created_at 2099-01-01T00:00:00+00:00 is in the future");
    }
    assert_eq!(env.emu.stats().mutating_calls(), before.mutating_calls());
    // Within the documented 5 minutes of clock skew it is accepted.
    let soon = chrono::Utc::now() + chrono::Duration::minutes(3);
    v["created_at"] = soon.to_rfc3339().into();
    reseal(&mut v);
    write(&env, "skewed.json", &v);
    env.run(&["show", "skewed.json"]).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn resealed_plans_that_break_an_invariant_are_refused_naming_the_field() {
    let (env, plan) = planned().await;
    let swap: fn(&mut Value) = |v| {
        // alpha test (seq 1) and alpha train (seq 2): train first.
        let items = v["items"].as_array_mut().unwrap();
        items.swap(0, 1);
        items[0]["seq"] = 1.into();
        items[1]["seq"] = 2.into();
    };
    let arn_account: fn(&mut Value) = |v| {
        v["items"][0]["project_arn"] = "arn:aws:lookoutvision:us-east-1:999999999999:project/alpha".into();
    };
    let arn_region: fn(&mut Value) = |v| {
        v["items"][0]["project_arn"] = "arn:aws:lookoutvision:eu-west-1:123456789012:project/alpha".into();
    };
    let token: fn(&mut Value) = |v| {
        // A valid-looking token of the right shape, but not derived from this plan and item.
        let t = client_token(
            "lfv-20200101T000000Z-00000000",
            "123456789012",
            "us-east-1",
            "alpha",
            Kind::DeleteDataset,
            "test",
        );
        v["items"][0]["client_token"] = t.into();
    };
    let account: fn(&mut Value) = |v| {
        v["items"][2]["account"] = "210987654321".into();
    };
    let cases = [
        (swap, "item seq 2 (target/project/kind/resource): out of order"),
        (arn_account, "item seq 1 (project_arn): names account \"999999999999\""),
        (arn_region, "item seq 1 (project_arn): names region \"eu-west-1\""),
        (token, "item seq 1 (client_token)"),
        (account, "item seq 3 (account)"),
    ];
    let before = env.emu.stats();
    for (edit, want) in cases {
        let mut v = plan.clone();
        edit(&mut v);
        reseal(&mut v);
        write(&env, "resealed.json", &v);
        env.run(&["apply", "resealed.json", "--yes"]).await.code(2).stderr_has(want);
        env.run(&["show", "resealed.json"]).await.code(2).stderr_has(want);
    }
    assert_eq!(env.emu.stats().mutating_calls(), before.mutating_calls(), "refused before any call");
}

#[tokio::test(flavor = "multi_thread")]
async fn control_characters_never_reach_the_terminal_raw() {
    let (env, plan) = planned().await;
    // A free-text field that stays valid: printed, escaped.
    let mut v = plan.clone();
    v["items"][0]["status"] = "CREATE_COMPLETE\u{1b}[8m".into();
    v["tool_version"] = "0.1.0\u{1b}[2J\r".into();
    reseal(&mut v);
    write(&env, "status.json", &v);
    let show = env.run(&["show", "status.json"]).await;
    show.ok().stdout_has("CREATE_COMPLETE\\u{1b}[8m").stdout_has("0.1.0\\u{1b}[2J\\u{d}");
    no_raw_escape(&show);
    let dry = env.run(&["apply", "status.json", "--dry-run"]).await;
    dry.ok();
    no_raw_escape(&dry);
    let verify = env.run(&["verify", "status.json"]).await;
    verify.code(3);
    no_raw_escape(&verify);
    // A profile is printed by show only (apply would use it to connect).
    v["targets"][0]["profile"] = "ops\u{1b}]0;pwned\u{7}".into();
    reseal(&mut v);
    write(&env, "profile.json", &v);
    let show = env.run(&["show", "profile.json"]).await;
    show.ok().stdout_has("profile ops\\u{1b}]0;pwned\\u{7}");
    no_raw_escape(&show);

    // Fields that must not hold control characters at all: refused, and the error escapes what it quotes.
    let mut v = plan.clone();
    for i in 0..3 {
        let it = &mut v["items"][i];
        it["account"] = "1234\u{1b}[8m5678".into();
        let (project, ty) = (it["project"].as_str().unwrap().to_string(), it["resource"].as_str().unwrap().to_string());
        it["client_token"] = client_token(
            plan["plan_id"].as_str().unwrap(),
            "1234\u{1b}[8m5678",
            "us-east-1",
            &project,
            Kind::DeleteDataset,
            &ty,
        )
        .into();
    }
    v["targets"][0]["account"] = "1234\u{1b}[8m5678".into();
    reseal(&mut v);
    write(&env, "account.json", &v);
    for args in
        [vec!["show", "account.json"], vec!["apply", "account.json", "--dry-run"], vec!["verify", "account.json"]]
    {
        let run = env.run(&args).await;
        run.code(2).stderr_has("(account): \"1234\\u{1b}[8m5678\"");
        no_raw_escape(&run);
    }

    // A path the tool prints back.
    let endpoint = env.emu.endpoint();
    let run = env.run(&["plan", "--out", "p\u{1b}[8m.json", "--endpoint-url", &endpoint, "--rate", "200"]).await;
    run.ok().stdout_has("p\\u{1b}[8m.json");
    no_raw_escape(&run);

    // A path quoted in an error message.
    let run = env.run(&["show", "no\u{1b}[8msuch.json"]).await;
    run.code(2).stderr_has("no\\u{1b}[8msuch.json");
    no_raw_escape(&run);
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_cells_that_start_a_formula_are_neutralised() {
    // The emulator's answers cannot be chosen, but every answer the tool keeps passes through the journal:
    // give the journal's outcomes the messages, error codes and request ids a hostile endpoint could send,
    // and rebuild the report from it with the real binary.
    let (env, _) = planned().await;
    env.run(&["apply", "plan.json", "--dry-run"]).await.ok();
    let journal = env.path("plan.dry-run.journal.jsonl");
    let hostile = [
        ("=HYPERLINK(\"http://evil\",\"x\")", "+SUM(1)", "-2+3"),
        ("@SUM(A1)", "\t=1+1", "\r=1+1"),
        ("-cmd|' /C calc'!A0", "=x", "@y"),
    ];
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut n = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let mut r: Value = serde_json::from_str(l).unwrap();
            if r["type"] == "outcome" {
                let (message, code, request_id) = hostile[r["seq"].as_u64().unwrap() as usize - 1];
                n += 1;
                r["message"] = message.into();
                r["error_code"] = code.into();
                r["request_id"] = request_id.into();
            }
            serde_json::to_string(&r).unwrap()
        })
        .collect();
    assert_eq!(n, 3, "one outcome per item");
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    env.run(&["report", "plan.dry-run.journal.jsonl", "--out", "hostile.csv"]).await.ok();
    let rows = read_csv(&env.path("hostile.csv"));
    assert_eq!(rows.len(), 3);
    for (row, (message, code, request_id)) in rows.iter().zip(hostile) {
        assert_eq!(row["message"], format!("'{message}"));
        assert_eq!(row["error_code"], format!("'{code}"));
        assert_eq!(row["request_id"], format!("'{request_id}"));
        assert_eq!(row["outcome"], "would_delete", "other cells untouched");
    }
    let raw = std::fs::read_to_string(env.path("hostile.csv")).unwrap();
    for line in raw.lines().skip(1) {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "cell {cell:?} in {line:?}");
        }
    }
}
