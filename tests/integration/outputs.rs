//! The machine-readable outputs: every JSON document says which document it is (`format`), the build that
//! wrote it and when; `sweep --format json` is the run's summary with its verify nested; a refused or failed
//! command asked for JSON still prints one JSON object, its error.

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, fast};

const JAN23: f64 = 1_672_531_200.0;

async fn small() -> Env {
    Env::new(fast(one_region(vec![
        project("alpha", vec![dataset("train", JAN23), dataset("test", JAN23 + 60.0)]),
        project("bravo", vec![dataset("train", JAN23 + 120.5)]),
    ])))
    .await
}

/// The members every document starts with, and the time order of its two instants.
fn about(v: &serde_json::Value, format: &str) {
    assert_eq!(v["format"], format, "{v:#}");
    assert_eq!(v["tool_version"], env!("CARGO_PKG_VERSION"), "{v:#}");
    let at = |k: &str| chrono::DateTime::parse_from_rfc3339(v[k].as_str().unwrap_or_default()).expect(k);
    assert!(at("started_at") <= at("finished_at"), "{v:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_document_says_what_it_is_and_a_sweep_nests_its_verify() {
    let env = small().await;
    let endpoint = env.emu.endpoint();
    let plan = env.plan("plan.json", &[]).await;
    let account = plan.items[0].account.clone();

    let show = env.run(&["show", "plan.json", "--format", "json"]).await.ok().json();
    about(&show, "lfv-sunset-show/1");
    assert_eq!(show["plan_format"], "lfv-sunset-plan/2", "the plan's own format, beside the document's");

    let verify = env.run(&["verify", "plan.json", "--format", "json"]).await.code(3).json();
    about(&verify, "lfv-sunset-verify/1");
    valid("verify.schema.json", &verify);
    assert_eq!((&verify["plan_id"], &verify["exit_code"]), (&serde_json::json!(plan.plan_id), &serde_json::json!(3)));
    assert_eq!(verify["targets"], serde_json::json!([{"account": account, "region": "us-east-1"}]), "{verify:#}");

    let summary = env.run(&["apply", "plan.json", "--yes", "--no-backup", "--format", "json"]).await.ok().json();
    about(&summary, "lfv-sunset-summary/1");
    valid("summary.schema.json", &summary);
    assert_eq!(summary["targets"], verify["targets"]);

    let all = env.run(&["verify", "--all", "--endpoint-url", &endpoint, "--format", "json"]).await.ok().json();
    about(&all, "lfv-sunset-verify/1");
    valid("verify.schema.json", &all);
    assert_eq!((&all["plan_id"], &all["exit_code"]), (&serde_json::Value::Null, &serde_json::json!(0)));

    // sweep: one document, the run's summary, its verify inside; the summary file holds the same.
    let env = small().await;
    let endpoint = env.emu.endpoint();
    let run = env.run(&["sweep", "--dir", "d", "--yes", "--endpoint-url", &endpoint, "--format", "json"]).await;
    let swept = run.ok().json();
    about(&swept, "lfv-sunset-summary/1");
    valid("summary.schema.json", &swept);
    valid("verify.schema.json", &swept["verify"]);
    assert_eq!(swept["mode"], "apply");
    assert_eq!(swept["outcomes"]["deleted"], 3, "{swept:#}");
    about(&swept["verify"], "lfv-sunset-verify/1");
    assert_eq!(swept["verify"]["exit_code"], 0, "{swept:#}");
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(env.path("d/summary.json")).unwrap()).unwrap();
    assert_eq!(file["verify"]["format"], "lfv-sunset-verify/1", "the summary file nests it too");
}

/// A refused apply (no terminal, no --yes), a plan that cannot be read, and a verify that cannot reach its
/// endpoint each print one JSON object on stdout with the error and the exit code.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_or_failed_command_asked_for_json_prints_its_error_as_json() {
    let env = small().await;
    env.plan("plan.json", &[]).await;
    let cases: Vec<(Vec<&str>, u8, &str)> = vec![
        (vec!["apply", "plan.json", "--format", "json"], 5, "apply"),
        (vec!["apply", "missing.json", "--yes", "--format", "json"], 2, "apply"),
        (
            vec![
                "verify",
                "plan.json",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--max-attempts",
                "1",
                "--format",
                "json",
            ],
            6,
            "verify",
        ),
        (vec!["show", "missing.json", "--format", "json"], 2, "show"),
    ];
    for (args, code, command) in cases {
        let run = env.run(&args).await;
        let doc = run.code(i32::from(code)).json();
        about(&doc, "lfv-sunset-error/1");
        valid("error.schema.json", &doc);
        assert_eq!(
            (&doc["command"], &doc["exit_code"]),
            (&serde_json::json!(command), &serde_json::json!(code)),
            "{args:?}"
        );
        assert!(doc["error"].as_str().is_some_and(|e| !e.is_empty()), "{doc:#}");
        assert!(run.stderr.contains("error:"), "stderr still says it for people: {}", run.stderr);
    }
}

/// The committed schemas under `schemas/` are the ones the types generate (`LFV_WRITE_SCHEMAS=1` rewrites
/// them), and each is a valid JSON Schema.
#[test]
fn the_committed_schemas_are_the_generated_ones() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for (name, schema) in lfv_sunset::schemas::documents() {
        let path = dir.join(name);
        let text = format!("{}\n", serde_json::to_string_pretty(&schema).unwrap());
        if std::env::var_os("LFV_WRITE_SCHEMAS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            committed,
            text,
            "{} is not what the types generate; rerun with LFV_WRITE_SCHEMAS=1",
            path.display()
        );
        let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name} does not compile: {e}"));
        // It holds something: a document without its members is refused.
        assert!(!validator.is_valid(&serde_json::json!({})), "{name} accepts an empty object");
        assert!(!validator.is_valid(&serde_json::json!({"format": 1})), "{name} accepts a number as format");
    }
}

/// `value` is valid under the committed schema `name`.
fn valid(name: &str, value: &serde_json::Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join(name);
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}\n{value:#}");
}
