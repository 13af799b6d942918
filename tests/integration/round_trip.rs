//! The formats are the renovation's contract: every committed plan (`plans/`, `tests/fixtures/plan-v1.json`,
//! the fuzz seeds) and journal (the fuzz seeds) reads into the tool's types and writes back byte for byte as
//! it was written, and the CSV audit the journal seeds give is held by a snapshot. A change of a field's
//! name, order, type or representation at any seam fails here.

use std::path::{Path, PathBuf};

use lfv_sunset::exec::journal::{self, Record};
use lfv_sunset::plan::Plan;
use lfv_sunset::plan::format::FORMAT;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The JSON files directly in `dir`, sorted.
fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext) && !p.to_string_lossy().ends_with(".schema.json"))
        .collect();
    found.sort();
    found
}

#[test]
fn every_committed_plan_writes_back_byte_for_byte() {
    let mut plans = files("plans", "json");
    plans.extend(files("fuzz/seeds/plan", "json"));
    assert!(plans.len() >= 4, "the committed plans are found: {plans:?}");
    let mut current = 0;
    for path in &plans {
        let text = std::fs::read_to_string(path).unwrap();
        let plan = Plan::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        plan.validate().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if plan.format != FORMAT {
            continue;
        }
        current += 1;
        let written = format!("{}\n", serde_json::to_string_pretty(&plan).unwrap());
        if written != text {
            let at = written.bytes().zip(text.bytes()).take_while(|(a, b)| a == b).count();
            panic!(
                "{} does not write back as it was written; first difference at byte {at}:\n  file: {:?}\n  now:  {:?}",
                path.display(),
                &text[at.saturating_sub(40)..(at + 40).min(text.len())],
                &written[at.saturating_sub(40)..(at + 40).min(written.len())]
            );
        }
        // And what Plan::save writes is the same bytes.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("saved.json");
        plan.save(&out, false).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), text, "{}: save", path.display());
    }
    assert!(current >= 2, "format-{FORMAT} plans were compared: {current}");
}

#[test]
fn the_format_1_fixture_reads_with_its_own_digest_and_tokens() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/plan-v1.json")).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let plan = Plan::parse(&text).unwrap();
    plan.validate().unwrap();
    assert_eq!(plan.plan_id, raw["plan_id"].as_str().unwrap());
    let tokens: Vec<&str> =
        raw["items"].as_array().unwrap().iter().map(|i| i["client_token"].as_str().unwrap()).collect();
    assert_eq!(plan.items.iter().map(|i| i.client_token.as_str()).collect::<Vec<_>>(), tokens);
}

/// Every line of `text` that is a whole record writes back as it was written (a torn last line is dropped by
/// the reader and skipped here). Returns the lines compared.
fn lines_write_back(path: &Path, text: &str) -> usize {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut compared = 0;
    for (n, line) in lines.iter().enumerate() {
        let Ok(rec) = serde_json::from_str::<Record>(line.trim_end_matches('\n')) else {
            assert_eq!(
                n + 1,
                lines.len(),
                "{} line {}: only a torn last line may not parse: {line}",
                path.display(),
                n + 1
            );
            continue;
        };
        let mut written = serde_json::to_string(&rec).unwrap();
        written.push('\n');
        assert_eq!(&written, line, "{} line {}", path.display(), n + 1);
        compared += 1;
    }
    compared
}

/// The committed journals are of earlier releases (the header's items then named `dataset_type`): those that
/// are journals read, and the CSV audit they give is held by a snapshot.
#[test]
fn every_committed_journal_reads_and_its_report_is_as_reviewed() {
    let journals = files("fuzz/seeds/journal", "jsonl");
    assert!(journals.len() >= 3, "{journals:?}");
    let mut read = 0;
    for path in &journals {
        let Ok(state) = journal::read(path) else {
            // A seed of the fuzzer's failure cases (torn.jsonl has no header): refused, never read.
            continue;
        };
        read += 1;
        assert!(!state.items.is_empty(), "{}", path.display());
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("audit.csv");
        lfv_sunset::report::audit::write(&state, &csv).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("audit_{name}"), std::fs::read_to_string(&csv).unwrap());
    }
    assert!(read >= 2, "{read} journals read");
}

/// A plan, journal and summary made now, of a teardown with backups and injected faults (every record type:
/// starts, attempts with throttles and 5xx, exports, outcomes, verifications): every line of the journal and
/// the plan and summary files read into the tool's types and write back byte for byte.
#[tokio::test(flavor = "multi_thread")]
async fn what_a_run_writes_now_reads_and_writes_back_byte_for_byte() {
    use lfv_emulator::seed::{GenSpec, Mix, Seed};
    let seed = Seed::generate(&GenSpec { projects: 4, mix: Mix::Realistic, rng_seed: 7, ..GenSpec::default() });
    let env = crate::support::Env::new(crate::support::fast(seed)).await;
    env.plan("plan.json", &["--scope", "all"]).await;
    env.emu.set_faults(lfv_emulator::FaultSpec { internal: 0.1, unavailable: 0.05, ..Default::default() });
    env.run(&["apply", "plan.json", "--yes", "--rate", "200"]).await.ok();
    let text = std::fs::read_to_string(env.path("plan.journal.jsonl")).unwrap();
    let compared = lines_write_back(&env.path("plan.journal.jsonl"), &text);
    for kind in ["\"type\":\"start\"", "\"type\":\"attempt\"", "\"type\":\"outcome\"", "\"type\":\"export\""] {
        assert!(text.contains(kind), "the run journalled {kind}");
    }
    assert!(compared > 10, "{compared} lines");
    let plan_text = std::fs::read_to_string(env.path("plan.json")).unwrap();
    let plan = Plan::parse(&plan_text).unwrap();
    assert_eq!(format!("{}\n", serde_json::to_string_pretty(&plan).unwrap()), plan_text);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("plan.summary.json")).unwrap()).unwrap();
    assert_eq!(summary["exit_code"], 0, "{summary}");
}
