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
    assert_eq!(v["tool_version"], lfv_sunset::version::TOOL_BUILD, "{v:#}");
    let at = |k: &str| chrono::DateTime::parse_from_rfc3339(v[k].as_str().unwrap_or_default()).expect(k);
    assert!(at("started_at") <= at("finished_at"), "{v:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_document_says_what_it_is_and_a_sweep_nests_its_verify() {
    let env = small().await;
    let endpoint = env.emu.endpoint();
    let plan = env.plan("plan.json", &[]).await;
    let account = plan.items[0].account.clone();

    let out = env.p("again.json");
    let planned = env.run(&["plan", "--out", &out, "--endpoint-url", &endpoint, "--format", "json"]).await.ok().json();
    about(&planned, "lfv-sunset-planned/1");
    valid("planned.schema.json", &planned);
    assert_eq!(
        (&planned["items"], &planned["exit_code"]),
        (&serde_json::json!(3), &serde_json::json!(0)),
        "{planned:#}"
    );
    assert_eq!(planned["items_by_kind"]["delete_dataset"], 3, "{planned:#}");
    // One vocabulary: text everywhere (and table, the word show and verify used before).
    for format in ["text", "table"] {
        env.run(&["show", "plan.json", "--format", format]).await.ok().stdout_has("digest");
    }

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
    let report = env.run(&["report", "plan.journal.jsonl", "--out", "copy.csv", "--format", "json"]).await;
    let report = report.ok().json();
    about(&report, "lfv-sunset-report/1");
    valid("report.schema.json", &report);
    assert_eq!((&report["rows"], &report["outcomes"]["deleted"]), (&serde_json::json!(3), &serde_json::json!(3)));
    let both = env.run(&["report", "plan.journal.jsonl", "--out", "-", "--format", "json"]).await;
    about(&both.code(2).json(), "lfv-sunset-error/1");
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

/// The samples of a metrics file, parsed with a Prometheus text-format parser: (name, sorted labels) -> value.
fn samples(path: &std::path::Path) -> std::collections::BTreeMap<(String, Vec<(String, String)>), f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()));
    scrape
        .samples
        .into_iter()
        .map(|s| {
            let mut labels: Vec<(String, String)> = s.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            labels.sort();
            let value = match s.value {
                prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => v,
                other => panic!("{}: not a gauge: {other:?}", s.metric),
            };
            ((s.metric, labels), value)
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut l: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    l.sort();
    l
}

/// `--metrics-file`: a sweep writes its items, what its verify found, its exit code and when it last succeeded;
/// a failed command writes its exit code and no success time it never had.
#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_job_leaves_a_metrics_file_a_prometheus_parser_reads() {
    use std::os::unix::fs::PermissionsExt;
    let env = small().await;
    let endpoint = env.emu.endpoint();
    let file = env.p("job.prom");
    let args = ["sweep", "--dir", "d", "--yes", "--endpoint-url", &endpoint, "--metrics-file", &file];
    env.run(&args).await.ok();
    let m = samples(&env.path("job.prom"));
    let get = |name: &str, l: &[(&str, &str)]| m.get(&(name.to_string(), labels(l))).copied();
    let sweep = [("command", "sweep")];
    let deleted = [("command", "sweep"), ("kind", "delete_dataset"), ("outcome", "deleted")];
    assert_eq!(get("lfv_sunset_items", &deleted), Some(3.0), "{m:#?}");
    assert_eq!(get("lfv_sunset_left", &[("command", "sweep"), ("kind", "delete_dataset")]), Some(0.0), "{m:#?}");
    assert_eq!(get("lfv_sunset_exit_code", &sweep), Some(0.0));
    let success = get("lfv_sunset_last_success_timestamp_seconds", &sweep).expect("a success time");
    assert!((success - chrono::Utc::now().timestamp() as f64).abs() < 300.0, "{success}");
    let mode = std::fs::metadata(env.path("job.prom")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "readable by the collector's user");

    // A failing command writes its exit code, even before any document of its own.
    let dead = ["verify", "--all", "--endpoint-url", "http://127.0.0.1:9", "--max-attempts", "1"];
    env.run(&[&dead[..], &["--metrics-file", &file]].concat()).await.code(6);
    let m = samples(&env.path("job.prom"));
    let get = |name: &str, l: &[(&str, &str)]| m.get(&(name.to_string(), labels(l))).copied();
    assert_eq!(get("lfv_sunset_exit_code", &[("command", "verify")]), Some(6.0), "{m:#?}");
    assert_eq!(get("lfv_sunset_last_success_timestamp_seconds", &[("command", "verify")]), None, "{m:#?}");
    let stray: Vec<String> = std::fs::read_dir(env.path(""))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(stray.is_empty(), "no temporary file left: {stray:?}");

    // apply: its items and the inference units it stopped, under its mode.
    let env = small().await;
    env.plan("plan.json", &[]).await;
    let file = env.p("apply.prom");
    env.run(&["apply", "plan.json", "--yes", "--no-backup", "--metrics-file", &file]).await.ok();
    let m = samples(&env.path("apply.prom"));
    let deleted = labels(&[("command", "apply"), ("kind", "delete_dataset"), ("outcome", "deleted")]);
    assert_eq!(m.get(&("lfv_sunset_items".to_string(), deleted)), Some(&3.0), "{m:#?}");
    assert!(m.contains_key(&("lfv_sunset_inference_units_stopped".to_string(), labels(&[("command", "apply")]))));
}
