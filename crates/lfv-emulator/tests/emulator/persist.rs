//! The state file: a restarted emulator carries on (resources, idempotency, clock offset, counters).

use std::time::Duration;

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn restart_from_state_file_keeps_deletions_tokens_and_clock() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let seed = seed_of(vec![project("p", vec![dataset("train", &[Some(0)]), dataset("test", &[Some(1)])], vec![])]);
    let emu = start(EmulatorConfig { state_file: Some(file.clone()), ..config(seed) }).await;
    let c = client(&emu);
    c.delete_dataset().project_name("p").dataset_type("train").client_token("restart-1").send().await.unwrap();
    emu.advance_clock(Duration::from_secs(3600));
    // Written before the response: the file already has the deletion.
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"format_version\":1"));
    assert!(text.contains("restart-1"));
    emu.shutdown().await;
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");

    // Same file, empty seed: the seed is ignored.
    let emu = start(EmulatorConfig { state_file: Some(file.clone()), ..config(Seed::default()) }).await;
    let c = client(&emu);
    let d = c.describe_project().project_name("p").send().await.unwrap();
    let types: Vec<_> =
        d.project_description().unwrap().datasets().iter().map(|d| d.dataset_type().unwrap().to_string()).collect();
    assert_eq!(types, vec!["test"]);
    assert_eq!(emu.stats().mutations.datasets_deleted, 1);
    // The token is still active (1 h of the 8 h used): a replay, not a 404 and not a second deletion.
    c.delete_dataset().project_name("p").dataset_type("train").client_token("restart-1").send().await.unwrap();
    let s = emu.stats();
    assert_eq!(s.replays.get("DeleteDataset"), Some(&1));
    assert_eq!(s.mutations.datasets_deleted, 1);
    assert_eq!(s.deleted_datasets.get(&format!("{ACCOUNT}/us-east-1/p/train")), Some(&1));
    // The clock offset carried over: 7 h more expires the token.
    emu.advance_clock(Duration::from_secs(7 * 3600 + 1));
    let e = c.delete_dataset().project_name("p").dataset_type("train").client_token("restart-1").send().await;
    assert!(e.is_err());
    emu.shutdown().await;

    // A corrupt file is an error naming the file, not a panic.
    std::fs::write(&file, b"{not json").unwrap();
    let err =
        match lfv_emulator::start(EmulatorConfig { state_file: Some(file.clone()), ..config(Seed::default()) }).await {
            Ok(_) => panic!("a corrupt state file must not load"),
            Err(e) => e.to_string(),
        };
    assert!(err.contains("state.json"), "{err}");
}
