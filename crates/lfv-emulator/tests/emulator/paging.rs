//! Pagination: stable order, each item once, tokens never repeated, foreign tokens rejected.

use std::collections::BTreeSet;

use aws_sdk_lookoutvision::error::ProvideErrorMetadata;
use lfv_emulator::seed::SeedModel;

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_fifty_projects_in_pages_of_seven() {
    let projects = (0..250).rev().map(|i| project(&format!("proj-{i:04}"), vec![], vec![])).collect();
    let emu = start(config(seed_of(projects))).await;
    let c = client(&emu);
    let mut seen = Vec::new();
    let mut tokens = BTreeSet::new();
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let page = c.list_projects().max_results(7).set_next_token(token.clone()).send().await.unwrap();
        assert!(page.projects().len() <= 7);
        seen.extend(page.projects().iter().map(|p| p.project_name().unwrap().to_string()));
        match page.next_token().filter(|t| !t.is_empty()) {
            Some(t) => {
                assert_ne!(Some(t), token.as_deref(), "token repeated");
                assert!(tokens.insert(t.to_string()), "token issued twice");
                token = Some(t.to_string());
            }
            None => break,
        }
    }
    let expected: Vec<String> = (0..250).map(|i| format!("proj-{i:04}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(tokens.len(), 35);

    // The SDK paginator with the default page size sees the same.
    let all: Vec<String> = c
        .list_projects()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap()
        .iter()
        .map(|p| p.project_name().unwrap().to_string())
        .collect();
    assert_eq!(all, expected);
    assert_eq!(emu.stats().calls("ListProjects"), 36 + 3);

    // A token from another scope (ListProjects token sent to ListModels) is rejected.
    let t = tokens.iter().next().unwrap().clone();
    let e = c.list_models().project_name("proj-0001").next_token(t).send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ValidationException"));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn models_and_entries_page_with_filters() {
    let models: Vec<SeedModel> = (1..=12).map(|v| model(&v.to_string(), "TRAINED")).collect();
    let labels: Vec<Option<u8>> = (0..30).map(|i| if i % 3 == 0 { Some(1) } else { Some(0) }).collect();
    let emu = start(config(seed_of(vec![project("p", vec![dataset("train", &labels)], models)]))).await;
    let c = client(&emu);

    let mut versions = Vec::new();
    let mut token = None;
    for _ in 0..10 {
        let page = c.list_models().project_name("p").max_results(5).set_next_token(token).send().await.unwrap();
        versions.extend(page.models().iter().map(|m| m.model_version().unwrap().parse::<u32>().unwrap()));
        token = page.next_token().map(String::from);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(versions, (1..=12).collect::<Vec<_>>());

    let mut anomalies = Vec::new();
    let mut token = None;
    let mut pages = 0;
    for _ in 0..10 {
        let page = c
            .list_dataset_entries()
            .project_name("p")
            .dataset_type("train")
            .anomaly_class("anomaly")
            .max_results(4)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        anomalies.extend(page.dataset_entries().iter().cloned());
        token = page.next_token().map(String::from);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(anomalies.len(), 10);
    assert_eq!(pages, 3);
    assert!(anomalies.iter().all(|e| e.contains("\"anomaly-label\":1")));
    let unique: BTreeSet<_> = anomalies.iter().collect();
    assert_eq!(unique.len(), 10);
    emu.shutdown().await;
}
