//! The seven modelled errors (status, code, message and members as the SDK parses them), validation, the
//! CHOICE conflicts, unknown paths, malformed and oversized bodies, accounts, regions and denied operations.

use std::time::Duration;

use aws_sdk_lookoutvision::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lookoutvision::operation::create_project::CreateProjectError;
use aws_sdk_lookoutvision::operation::delete_dataset::DeleteDatasetError;
use aws_sdk_lookoutvision::operation::describe_project::DescribeProjectError;
use aws_sdk_lookoutvision::types::ResourceType;

use super::*;

/// Status and header of an SDK service error's raw response.
fn raw_status<E>(e: &SdkError<E, aws_smithy_runtime_api::http::Response>) -> u16 {
    e.raw_response().expect("a response").status().as_u16()
}

fn header<E>(e: &SdkError<E, aws_smithy_runtime_api::http::Response>, name: &str) -> Option<String> {
    e.raw_response().and_then(|r| r.headers().get(name)).map(str::to_string)
}

#[tokio::test(flavor = "multi_thread")]
async fn not_found_conflict_and_quota_exceeded_carry_their_members() {
    let seed = seed_of(vec![project("p", vec![dataset("train", &[Some(0)])], vec![])]);
    let emu = start(EmulatorConfig { max_projects: 2, ..config(seed) }).await;
    let c = client(&emu);

    let e = c.describe_project().project_name("missing").send().await.unwrap_err();
    assert_eq!(raw_status(&e), 404);
    assert_eq!(header(&e, "x-amzn-ErrorType").as_deref(), Some("ResourceNotFoundException"));
    let rid = header(&e, "x-amzn-RequestId").unwrap();
    assert_eq!(uuid::Uuid::parse_str(&rid).unwrap().get_version_num(), 4);
    match e.into_service_error() {
        DescribeProjectError::ResourceNotFoundException(nf) => {
            assert_eq!(nf.message(), Some("The project missing does not exist."));
            assert_eq!(nf.resource_id(), Some("missing"));
            assert_eq!(nf.resource_type(), Some(&ResourceType::Project));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    let e = c.delete_dataset().project_name("p").dataset_type("test").send().await.unwrap_err();
    match e.into_service_error() {
        DeleteDatasetError::ResourceNotFoundException(nf) => {
            assert_eq!(nf.resource_type(), Some(&ResourceType::Dataset));
            assert_eq!(nf.resource_id(), Some("p/test"));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    let e = c.delete_dataset().project_name("nope").dataset_type("train").send().await.unwrap_err();
    let e = e.into_service_error();
    assert!(
        matches!(&e, DeleteDatasetError::ResourceNotFoundException(nf) if nf.resource_type() == Some(&ResourceType::Project))
    );

    let e = c.create_project().project_name("p").send().await.unwrap_err();
    assert_eq!(raw_status(&e), 409);
    match e.into_service_error() {
        CreateProjectError::ConflictException(c) => {
            assert_eq!(c.resource_id(), Some("p"));
            assert_eq!(c.resource_type(), Some(&ResourceType::Project));
            assert!(c.message().unwrap().contains("already exists"));
        }
        other => panic!("expected ConflictException, got {other:?}"),
    }

    c.create_project().project_name("second").send().await.unwrap();
    let e = c.create_project().project_name("third").send().await.unwrap_err();
    assert_eq!(raw_status(&e), 402);
    match e.into_service_error() {
        CreateProjectError::ServiceQuotaExceededException(q) => {
            assert_eq!(q.quota_code(), Some("L-LFV-PROJECTS"));
            assert_eq!(q.service_code(), Some("lookoutvision"));
            assert!(q.message().unwrap().contains("limit of 2 projects"));
        }
        other => panic!("expected ServiceQuotaExceededException, got {other:?}"),
    }
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_conflicts_follow_the_choices() {
    let mut training = model("3", "TRAINING");
    training.settle_after_ms = Some(60_000);
    let mut creating = dataset("test", &[Some(0)]);
    creating.status = "CREATE_IN_PROGRESS".into();
    let seed = seed_of(vec![
        project(
            "busy",
            vec![dataset("train", &[Some(1)]), creating],
            vec![model("1", "HOSTED"), model("2", "TRAINED"), training],
        ),
        project("calm", vec![dataset("train", &[])], vec![]),
    ]);
    let emu = start(config(seed)).await;
    let c = client(&emu);
    let conflict = |code: Option<&str>, e: &dyn ProvideErrorMetadata| {
        assert_eq!(e.code(), code);
    };

    // DeleteDataset while in progress, and while a model of the project trains.
    for t in ["test", "train"] {
        let e = c.delete_dataset().project_name("busy").dataset_type(t).send().await.unwrap_err();
        assert_eq!(raw_status(&e), 409);
        match e.into_service_error() {
            DeleteDatasetError::ConflictException(ce) => {
                assert_eq!(ce.resource_type(), Some(&ResourceType::Dataset));
                assert_eq!(ce.resource_id(), Some(format!("busy/{t}").as_str()));
            }
            other => panic!("expected ConflictException, got {other:?}"),
        }
    }
    // DeleteModel on HOSTED and TRAINING; StopModel on TRAINED.
    for v in ["1", "3"] {
        let e = c.delete_model().project_name("busy").model_version(v).send().await.unwrap_err();
        let se = e.into_service_error();
        conflict(Some("ConflictException"), &se);
        assert!(
            matches!(se, aws_sdk_lookoutvision::operation::delete_model::DeleteModelError::ConflictException(ref ce) if ce.resource_type() == Some(&ResourceType::Model))
        );
    }
    let e = c.stop_model().project_name("busy").model_version("2").send().await.unwrap_err();
    conflict(Some("ConflictException"), &e.into_service_error());
    // DeleteProject with datasets; CreateDataset of an existing type.
    let e = c.delete_project().project_name("calm").send().await.unwrap_err();
    conflict(Some("ConflictException"), &e.into_service_error());
    let e = c.create_dataset().project_name("calm").dataset_type("train").send().await.unwrap_err();
    conflict(Some("ConflictException"), &e.into_service_error());
    // Nothing changed.
    assert_eq!(emu.stats().mutations, Default::default());
    // After the training settles (emulator clock), the dataset can go.
    emu.advance_clock(Duration::from_secs(61));
    c.delete_dataset().project_name("busy").dataset_type("train").send().await.unwrap();
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn validation_failures_are_400() {
    let emu =
        start(config(seed_of(vec![project("p", vec![dataset("train", &[Some(0)])], vec![model("1", "TRAINED")])])))
            .await;
    let c = client(&emu);
    let check = |e: &dyn ProvideErrorMetadata| assert_eq!(e.code(), Some("ValidationException"), "{:?}", e.message());

    check(&c.create_project().project_name("-bad").send().await.unwrap_err().into_service_error());
    check(&c.create_project().project_name("a".repeat(256)).send().await.unwrap_err().into_service_error());
    check(&c.create_project().project_name("has space").send().await.unwrap_err().into_service_error());
    check(&c.describe_project().project_name("bad.name").send().await.unwrap_err().into_service_error());
    check(
        &c.describe_dataset()
            .project_name("p")
            .dataset_type("validation")
            .send()
            .await
            .unwrap_err()
            .into_service_error(),
    );
    check(&c.create_dataset().project_name("p").dataset_type("dev").send().await.unwrap_err().into_service_error());
    check(&c.list_projects().max_results(0).send().await.unwrap_err().into_service_error());
    check(&c.list_projects().max_results(101).send().await.unwrap_err().into_service_error());
    check(&c.list_projects().next_token("not base64!").send().await.unwrap_err().into_service_error());
    check(&c.list_projects().next_token("aGVsbG8=").send().await.unwrap_err().into_service_error());
    check(
        &c.list_models().project_name("p").next_token("x".repeat(2049)).send().await.unwrap_err().into_service_error(),
    );
    check(&c.delete_model().project_name("p").model_version("latest").send().await.unwrap_err().into_service_error());
    check(&c.describe_model().project_name("p").model_version("01").send().await.unwrap_err().into_service_error());
    check(
        &c.delete_dataset()
            .project_name("p")
            .dataset_type("train")
            .client_token("bad_token")
            .send()
            .await
            .unwrap_err()
            .into_service_error(),
    );
    check(
        &c.delete_dataset()
            .project_name("p")
            .dataset_type("train")
            .client_token("x".repeat(65))
            .send()
            .await
            .unwrap_err()
            .into_service_error(),
    );
    check(
        &c.list_tags_for_resource().resource_arn("arn:aws:s3:::bucket").send().await.unwrap_err().into_service_error(),
    );
    check(
        &c.list_dataset_entries()
            .project_name("p")
            .dataset_type("train")
            .anomaly_class("weird")
            .send()
            .await
            .unwrap_err()
            .into_service_error(),
    );
    // A model ARN is fine, `latest` works for DescribeModel.
    assert!(c.describe_model().project_name("p").model_version("latest").send().await.is_ok());

    // Oversized body (2 MiB) through the SDK.
    let e = c.create_project().project_name("a".repeat(2 << 20)).send().await.unwrap_err();
    assert_eq!(raw_status(&e), 400);
    assert!(e.into_service_error().message().unwrap().contains("1048576"));
    // Nothing was deleted or created by any of it.
    assert_eq!(emu.stats().mutations, Default::default());
    assert_eq!(emu.stats().calls_with_status("CreateProject", "400"), 4);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_unknown_paths_and_missing_auth() {
    let emu = start(config(seed_of(vec![project("p", vec![], vec![])]))).await;
    let auth = [("Authorization", AUTH), ("Content-Type", "application/json")];

    let r = raw(&emu, "POST", "/2020-11-20/projects", &auth, b"{\"ProjectName\": ").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("ValidationException"));
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(v["Message"].as_str().unwrap().contains("not valid JSON"));
    let r = raw(&emu, "POST", "/2020-11-20/projects", &auth, b"[1,2]").await;
    assert_eq!(r.status, 400);
    let r = raw(&emu, "POST", "/2020-11-20/projects/p/datasets", &auth, b"{\"DatasetType\": 7}").await;
    assert_eq!(r.status, 400);

    for (m, path) in [
        ("GET", "/"),
        ("GET", "/2020-11-20/nothing"),
        ("PUT", "/2020-11-20/projects"),
        ("POST", "/2020-11-20/projects/p/models"),
        ("GET", "/2020-11-20/projects/p/datasets/train/entries/extra"),
        ("PATCH", "/2020-11-20/tags/x"),
    ] {
        let r = raw(&emu, m, path, &auth, b"").await;
        assert_eq!(r.status, 404, "{m} {path}");
        assert_eq!(r.header("x-amzn-ErrorType"), Some("UnknownOperationException"));
        assert!(r.header("x-amzn-RequestId").is_some());
        assert!(serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["Message"].is_string());
    }
    assert_eq!(emu.stats().calls_with_status("Unknown", "404"), 6);

    // No or malformed Authorization: AccessDeniedException.
    for hdr in [vec![], vec![("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request")]]
    {
        let r = raw(&emu, "GET", "/2020-11-20/projects", &hdr, b"").await;
        assert_eq!(r.status, 403);
        assert_eq!(r.header("x-amzn-ErrorType"), Some("AccessDeniedException"));
        assert!(r.body.contains("\"Message\""));
    }

    // Unknown path through the SDK (endpoint with an extra path prefix).
    let conf = aws_sdk_lookoutvision::Config::builder()
        .behavior_version(aws_sdk_lookoutvision::config::BehaviorVersion::latest())
        .endpoint_url(format!("{}/prefix", emu.endpoint()))
        .region(aws_sdk_lookoutvision::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_lookoutvision::config::Credentials::new("AKID", "s", None, None, "t"))
        .retry_config(aws_sdk_lookoutvision::config::retry::RetryConfig::disabled())
        .build();
    let e = aws_sdk_lookoutvision::Client::from_conf(conf).list_projects().send().await.unwrap_err();
    assert_eq!(raw_status(&e), 404);
    let se = e.into_service_error();
    assert!(!se.is_validation_exception() && !se.is_access_denied_exception());
    assert_eq!(se.code(), Some("UnknownOperationException"));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_and_regions_are_separate_and_denied_keys_get_403() {
    let seed = with_keys(
        seed_of(vec![project("shared-name", vec![], vec![])]),
        &[("AKIDOTHER", "210987654321", &[]), ("AKIDREADONLY", "123456789012", &["DeleteDataset", "CreateProject"])],
    );
    let emu = start(config(seed)).await;
    let main = client(&emu);
    let eu = client_with(&emu, AKID, "eu-west-1", Duration::from_secs(5));
    let other = client_with(&emu, "AKIDOTHER", "us-east-1", Duration::from_secs(5));
    let ro = client_with(&emu, "AKIDREADONLY", "us-east-1", Duration::from_secs(5));

    assert_eq!(main.list_projects().send().await.unwrap().projects().len(), 1);
    assert!(eu.list_projects().send().await.unwrap().projects().is_empty());
    assert!(other.list_projects().send().await.unwrap().projects().is_empty());
    let created = other.create_project().project_name("shared-name").send().await.unwrap();
    assert_eq!(
        created.project_metadata().unwrap().project_arn(),
        Some("arn:aws:lookoutvision:us-east-1:210987654321:project/shared-name")
    );
    eu.create_project().project_name("eu-only").send().await.unwrap();
    assert_eq!(main.list_projects().send().await.unwrap().projects().len(), 1);
    assert!(main.describe_project().project_name("eu-only").send().await.is_err());
    // A project ARN of another account is not found from this one.
    let e = main
        .list_tags_for_resource()
        .resource_arn("arn:aws:lookoutvision:us-east-1:210987654321:project/shared-name")
        .send()
        .await
        .unwrap_err();
    assert_eq!(raw_status(&e), 404);

    // The read-only key reads the default account but may not delete or create.
    assert_eq!(ro.list_projects().send().await.unwrap().projects().len(), 1);
    let e = ro.create_project().project_name("x").send().await.unwrap_err();
    assert_eq!(raw_status(&e), 403);
    match e.into_service_error() {
        CreateProjectError::AccessDeniedException(a) => {
            assert!(a.message().unwrap().contains("CreateProject"))
        }
        other => panic!("expected AccessDeniedException, got {other:?}"),
    }
    let e = ro.delete_dataset().project_name("shared-name").dataset_type("train").send().await.unwrap_err();
    assert_eq!(e.into_service_error().code(), Some("AccessDeniedException"));

    let log = emu.log();
    assert!(log.iter().any(|l| l.account == "210987654321" && l.op == "CreateProject" && l.status == 200));
    assert!(log.iter().any(|l| l.region == "eu-west-1"));
    emu.shutdown().await;
}
