//! Generated seeds: the realistic mix, exact mixes, determinism, entries agreeing with ImageStats; seed files.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_lookoutvision::types::DatasetStatus;
use lfv_emulator::seed::{GenSpec, Mix};

use super::*;

fn kinds(p: &lfv_emulator::seed::SeedProject) -> &'static str {
    let types: Vec<&str> = p.datasets.iter().map(|d| d.dataset_type.as_str()).collect();
    if p.models.iter().any(|m| m.status == "HOSTED") {
        "hosted"
    } else if !p.models.is_empty() {
        "trained"
    } else if p.datasets.iter().any(|d| d.status == "CREATE_IN_PROGRESS") {
        "in-progress"
    } else if types.is_empty() {
        "empty"
    } else if types == ["train"] {
        "single"
    } else {
        "train-test"
    }
}

#[test]
fn realistic_mix_has_every_kind_from_ten_projects() {
    for rng_seed in 0..20 {
        let spec = GenSpec {
            projects: 10,
            accounts: vec!["111111111111".into(), "222222222222".into()],
            regions: vec!["us-east-1".into(), "eu-central-1".into()],
            rng_seed,
            ..GenSpec::default()
        };
        let seed = Seed::generate(&spec);
        assert_eq!(seed, Seed::generate(&spec), "deterministic");
        assert_eq!(seed.accounts.len(), 2);
        for a in &seed.accounts {
            for r in &a.regions {
                assert_eq!(r.projects.len(), 10);
                let k: BTreeSet<_> = r.projects.iter().map(kinds).collect();
                assert_eq!(k.len(), 6, "seed {rng_seed} {}/{}: {k:?}", a.account, r.region);
                let names: BTreeSet<_> = r.projects.iter().map(|p| p.name.clone()).collect();
                assert_eq!(names.len(), 10);
                for p in &r.projects {
                    assert!(p.name.rsplit_once('-').unwrap().1.len() == 3, "{}", p.name);
                    assert!((1_609_459_200.0..1_735_689_600.0).contains(&p.created));
                    for d in &p.datasets {
                        let n = d.generate_entries.unwrap();
                        assert!((5..=40).contains(&n));
                        if d.status == "CREATE_IN_PROGRESS" {
                            assert!(d.settle_after_ms.unwrap() >= 1000);
                        }
                    }
                }
            }
        }
    }
    let other = Seed::generate(&GenSpec { rng_seed: 99, ..GenSpec::default() });
    assert_ne!(other, Seed::generate(&GenSpec::default()));
}

#[test]
fn exact_mixes() {
    let tt = Seed::generate(&GenSpec { projects: 30, mix: Mix::TrainTest, ..GenSpec::default() });
    let ps = &tt.accounts[0].regions[0].projects;
    assert_eq!(ps.len(), 30);
    assert!(ps.iter().all(|p| p.datasets.len() == 2 && p.models.is_empty()));
    assert!(ps.iter().flat_map(|p| &p.datasets).all(|d| d.status == "CREATE_COMPLETE" && d.settle_after_ms.is_none()));
    let single = Seed::generate(&GenSpec { projects: 5, mix: Mix::Single, entries: (3, 3), ..GenSpec::default() });
    let ps = &single.accounts[0].regions[0].projects;
    assert!(ps.iter().all(|p| p.datasets.len() == 1 && p.datasets[0].dataset_type == "train"));
    assert!(ps.iter().all(|p| p.datasets[0].generate_entries == Some(3)));
}

#[tokio::test(flavor = "multi_thread")]
async fn generated_entries_agree_with_image_stats_and_settle() {
    let seed = Seed::generate(&GenSpec { projects: 12, entries: (5, 150), ..GenSpec::default() });
    let emu = start(config(seed.clone())).await;
    let c = client(&emu);
    let mut checked = 0;
    for p in &seed.accounts[0].regions[0].projects {
        for d in &p.datasets {
            let desc = c.describe_dataset().project_name(&p.name).dataset_type(&d.dataset_type).send().await.unwrap();
            let st = desc.dataset_description().unwrap().image_stats().unwrap().clone();
            let mut entries = Vec::new();
            let mut token = None;
            for _ in 0..10 {
                let page = c
                    .list_dataset_entries()
                    .project_name(&p.name)
                    .dataset_type(&d.dataset_type)
                    .set_next_token(token)
                    .send()
                    .await
                    .unwrap();
                entries.extend(page.dataset_entries().iter().cloned());
                token = page.next_token().map(String::from);
                if token.is_none() {
                    break;
                }
            }
            assert_eq!(entries.len() as u64, d.generate_entries.unwrap());
            assert_eq!(st.total(), Some(entries.len() as i32));
            let labels: Vec<Option<i64>> = entries
                .iter()
                .map(|e| serde_json::from_str::<serde_json::Value>(e).unwrap()["anomaly-label"].as_i64())
                .collect();
            assert_eq!(st.labeled(), Some(labels.iter().filter(|l| l.is_some()).count() as i32));
            assert_eq!(st.anomaly(), Some(labels.iter().filter(|l| **l == Some(1)).count() as i32));
            assert_eq!(st.normal(), Some(labels.iter().filter(|l| **l == Some(0)).count() as i32));
            let first: serde_json::Value = serde_json::from_str(&entries[0]).unwrap();
            assert!(first["source-ref"].as_str().unwrap().starts_with("s3://"));
            checked += 1;
        }
    }
    assert!(checked >= 10);

    // The in-progress dataset settles on the emulator clock.
    let (name, t) = seed.accounts[0].regions[0]
        .projects
        .iter()
        .flat_map(|p| p.datasets.iter().map(move |d| (p, d)))
        .find(|(_, d)| d.status == "CREATE_IN_PROGRESS")
        .map(|(p, d)| (p.name.clone(), d.dataset_type.clone()))
        .unwrap();
    let status = |c: aws_sdk_lookoutvision::Client, name: String, t: String| async move {
        let d = c.describe_dataset().project_name(name).dataset_type(t).send().await.unwrap();
        d.dataset_description().unwrap().status().cloned()
    };
    assert_eq!(status(c.clone(), name.clone(), t.clone()).await, Some(DatasetStatus::CreateInProgress));
    emu.advance_clock(Duration::from_secs(10));
    assert_eq!(status(c.clone(), name, t).await, Some(DatasetStatus::CreateComplete));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn listed_after_delete_projects_only_appear_in_list_projects() {
    let mut ghost = project("ghost", vec![], vec![]);
    ghost.listed_after_delete_ms = Some(60_000);
    let emu = start(config(seed_of(vec![ghost, project("real", vec![], vec![])]))).await;
    let c = client(&emu);
    assert_eq!(c.list_projects().send().await.unwrap().projects().len(), 2);
    let e = c.describe_project().project_name("ghost").send().await.unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 404);
    emu.advance_clock(Duration::from_secs(61));
    assert_eq!(c.list_projects().send().await.unwrap().projects().len(), 1);
    emu.shutdown().await;
}

#[test]
fn seed_files_load_and_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("seed.json");
    let seed = Seed::generate(&GenSpec { projects: 3, ..GenSpec::default() });
    std::fs::write(&good, serde_json::to_string_pretty(&seed).unwrap()).unwrap();
    assert_eq!(lfv_emulator::load_seed(&good).unwrap(), seed);
    let bad = dir.path().join("bad-seed.json");
    std::fs::write(&bad, r#"{"accounts": [], "surprise": 1}"#).unwrap();
    let e = lfv_emulator::load_seed(&bad).unwrap_err();
    assert!(e.contains("bad-seed.json") && e.contains("surprise"), "{e}");
    let e = lfv_emulator::load_seed(&dir.path().join("missing.json")).unwrap_err();
    assert!(e.contains("missing.json"), "{e}");
}
