//! Client tokens: replay within 8 hours, mismatch, expiry on the emulator clock.

use std::time::Duration;

use aws_sdk_lookoutvision::error::ProvideErrorMetadata;
use aws_sdk_lookoutvision::operation::delete_dataset::DeleteDatasetError;
use aws_sdk_lookoutvision::types::ResourceType;

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn replay_mismatch_and_expiry() {
    let seed = seed_of(vec![project("p", vec![dataset("train", &[Some(0)]), dataset("test", &[Some(1)])], vec![])]);
    let emu = start(config(seed)).await;
    let c = client(&emu);

    c.delete_dataset().project_name("p").dataset_type("train").client_token("tok-1").send().await.unwrap();
    // The dataset is gone, yet the replay answers the first 202, with no second effect.
    let again = c.delete_dataset().project_name("p").dataset_type("train").client_token("tok-1").send().await;
    assert!(again.is_ok(), "{again:?}");
    let s = emu.stats();
    assert_eq!(s.replays.get("DeleteDataset"), Some(&1));
    assert_eq!(s.mutations.datasets_deleted, 1);
    assert_eq!(s.deleted_datasets.get(&format!("{ACCOUNT}/us-east-1/p/train")), Some(&1));
    assert_eq!(s.calls_with_status("DeleteDataset", "202"), 2);

    // Same token, other parameters: 409.
    let e = c.delete_dataset().project_name("p").dataset_type("test").client_token("tok-1").send().await.unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 409);
    match e.into_service_error() {
        DeleteDatasetError::ConflictException(ce) => {
            assert!(ce.message().unwrap().contains("tok-1"));
            assert_eq!(ce.resource_type(), Some(&ResourceType::Dataset));
        }
        other => panic!("expected ConflictException, got {other:?}"),
    }
    // The test dataset is untouched.
    assert!(c.describe_dataset().project_name("p").dataset_type("test").send().await.is_ok());

    // The same token for another operation is a different key.
    c.create_project().project_name("q").client_token("tok-1").send().await.unwrap();

    // Just before 8 h it still replays; after 8 h + 1 s the token is new: the dataset is gone, so 404.
    emu.advance_clock(Duration::from_secs(8 * 3600 - 60));
    assert!(c.delete_dataset().project_name("p").dataset_type("train").client_token("tok-1").send().await.is_ok());
    emu.advance_clock(Duration::from_secs(61));
    let e = c.delete_dataset().project_name("p").dataset_type("train").client_token("tok-1").send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("ResourceNotFoundException"));
    assert_eq!(emu.stats().replays.get("DeleteDataset"), Some(&2));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replays_return_the_first_body_for_every_tokened_operation() {
    let seed = seed_of(vec![project("p", vec![], vec![model("1", "HOSTED"), model("2", "TRAINED")])]);
    let emu = start(EmulatorConfig { model_delay: Duration::from_secs(3600), ..config(seed) }).await;
    let c = client(&emu);

    let a = c.create_project().project_name("fresh").client_token("c1").send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let b = c.create_project().project_name("fresh").client_token("c1").send().await.unwrap();
    assert_eq!(a.project_metadata(), b.project_metadata());
    let d1 = c.create_dataset().project_name("fresh").dataset_type("train").client_token("c2").send().await.unwrap();
    let d2 = c.create_dataset().project_name("fresh").dataset_type("train").client_token("c2").send().await.unwrap();
    assert_eq!(d1.dataset_metadata(), d2.dataset_metadata());
    let s1 = c.stop_model().project_name("p").model_version("1").client_token("c3").send().await.unwrap();
    let s2 = c.stop_model().project_name("p").model_version("1").client_token("c3").send().await.unwrap();
    assert_eq!(s1.status(), s2.status());
    let m1 = c.delete_model().project_name("p").model_version("2").client_token("c4").send().await.unwrap();
    let m2 = c.delete_model().project_name("p").model_version("2").client_token("c4").send().await.unwrap();
    assert_eq!(m1.model_arn(), m2.model_arn());
    // A different token for the DELETING model is a conflict, not a second deletion.
    assert!(c.delete_model().project_name("p").model_version("2").client_token("c5").send().await.is_err());

    let s = emu.stats();
    for op in ["CreateProject", "CreateDataset", "StopModel", "DeleteModel"] {
        assert_eq!(s.replays.get(op), Some(&1), "{op}");
    }
    assert_eq!(
        (
            s.mutations.projects_created,
            s.mutations.datasets_created,
            s.mutations.models_stopped,
            s.mutations.models_deleted
        ),
        (1, 1, 1, 1)
    );
    let tokens: Vec<_> = emu.log().iter().filter_map(|l| l.client_token.clone()).collect();
    assert_eq!(tokens.len(), 9);
    emu.shutdown().await;
}
