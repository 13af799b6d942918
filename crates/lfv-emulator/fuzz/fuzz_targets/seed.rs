//! Fuzz the emulator's seed reader: the bytes of a seed file through `lfv_emulator::load_seed` (exactly what
//! `emulator --seed FILE` does, from a scratch file), then the emulator's state built from it, then
//! ListProjects and, for the first project, DescribeProject, DescribeDataset and the first page of
//! ListDatasetEntries of each dataset, and ListModels.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use lfv_emulator::{EmulatorConfig, Handler, load_seed};

/// No latency or faults are configured, so nothing sleeps on it.
static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap());

/// One scratch file per fuzzing process.
static FILE: LazyLock<PathBuf> =
    LazyLock::new(|| std::env::temp_dir().join(format!("lfv-sunset-fuzz-seed-{}.json", std::process::id())));

fuzz_target!(|data: &[u8]| {
    std::fs::write(&*FILE, data).expect("write the scratch seed file");
    let Ok(mut seed) = load_seed(&FILE) else { return };
    let Some(first) = seed.accounts.first() else { return };
    let account = first.account.clone();
    let region = first.regions.first().map(|r| r.region.clone());
    let project = first.regions.first().and_then(|r| r.projects.first()).map(|p| p.name.clone());
    // Requests below are signed with an unmapped key, which resolves to the default account.
    seed.default_account = Some(account);
    let config = EmulatorConfig { seed, rate: None, ..EmulatorConfig::default() };
    let Ok(handler) = Handler::new(config) else { return };
    let Some(region) = region else { return };
    let auth = format!("AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20240101/{region}/lookoutvision/aws4_request");
    let mut paths = vec!["/2020-11-20/projects".to_string()];
    if let Some(p) = project {
        let p: String = p.bytes().map(|b| format!("%{b:02X}")).collect();
        paths.push(format!("/2020-11-20/projects/{p}"));
        for t in ["train", "test"] {
            paths.push(format!("/2020-11-20/projects/{p}/datasets/{t}"));
            paths.push(format!("/2020-11-20/projects/{p}/datasets/{t}/entries?maxResults=100"));
        }
        paths.push(format!("/2020-11-20/projects/{p}/models"));
    }
    RT.block_on(async {
        for path in paths {
            let req = hyper::Request::get(path).header("authorization", &auth).body(bytes::Bytes::new());
            if let Ok(req) = req {
                handler.handle(req).await;
            }
        }
    });
});
