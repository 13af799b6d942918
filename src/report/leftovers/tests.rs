//! leftovers.csv rows by tables: manifests aggregated per bucket and directory, project.json references, order,
//! and the written file.

use serde_json::json;

use super::*;

const AT: Origin<'static> = Origin { account: "123456789012", region: "us-east-1", project: "p" };

/// (uri, its bucket, directory and key).
type UriCase = (&'static str, Option<(&'static str, &'static str, &'static str)>);

#[test]
fn s3_uris_split_into_bucket_directory_and_key() {
    let cases: &[UriCase] = &[
        ("s3://b/p/train/0.jpg", Some(("b", "p/train/", "p/train/0.jpg"))),
        ("s3://b/0.jpg", Some(("b", "", "0.jpg"))),
        ("s3://b/dir/", Some(("b", "dir/", "dir/"))),
        ("s3://b/", None),
        ("s3://b", None),
        ("s3:///k", None),
        ("https://b.s3.amazonaws.com/k", None),
        ("", None),
    ];
    for &(uri, want) in cases {
        assert_eq!(split_s3_uri(uri), want, "{uri}");
    }
}

fn manifest(lines: &[&str]) -> ManifestRefs {
    scan_manifest(lines.join("\n").as_bytes()).unwrap()
}

#[test]
fn manifests_aggregate_distinct_objects_per_bucket_and_directory() {
    let refs = manifest(&[
        r#"{"source-ref":"s3://img/p/train/0.jpg","anomaly-label":0}"#,
        r#"{"source-ref":"s3://img/p/train/1.jpg","anomaly-label":1,"anomaly-mask-ref":"s3://img/p/masks/1.png"}"#,
        r#"{"source-ref":"s3://img/p/train/1.jpg"}"#,
        r#"{"source-ref":"s3://img/p/train/extra/2.jpg"}"#,
        r#"{"source-ref":"s3://other/3.jpg","anomaly-mask-ref":"s3://img/p/masks/3.png"}"#,
        r#"not json"#,
        r#"{"source-ref":42}"#,
        r#"{"source-ref":"ftp://x/y"}"#,
    ]);
    let rows = dataset_rows(AT, "train", &refs);
    let got: Vec<(&str, &str, Option<u64>, &str)> =
        rows.iter().map(|r| (r.referenced_by.as_str(), r.resource.as_str(), r.objects, r.suggestion)).collect();
    let train = Suggestion::TrainImages.text();
    let masks = Suggestion::Masks.text();
    assert_eq!(
        got,
        vec![
            ("dataset train", "s3://img/p/train/", Some(2), train),
            ("dataset train", "s3://img/p/train/extra/", Some(1), train),
            ("dataset train", "s3://other/", Some(1), train),
            ("dataset train", "s3://img/p/masks/", Some(2), masks),
        ]
    );
    assert!(rows.iter().all(|r| r.service == Service::S3 && r.account == "123456789012" && r.project == "p"));
    let test = dataset_rows(AT, "test", &refs);
    assert_eq!(test[0].suggestion, Suggestion::TestImages.text());
    assert_eq!(test[0].referenced_by, "dataset test");
    assert!(dataset_rows(AT, "train", &ManifestRefs::default()).is_empty());
}

fn doc() -> Value {
    json!({
        "format": "lfv-sunset-project/1", "account": "123456789012", "region": "us-east-1",
        "project": {"ProjectName": "p", "Datasets": []},
        "models": [
            {"ModelDescription": {"ModelVersion": "1", "Status": "TRAINED",
                "OutputConfig": {"S3Location": {"Bucket": "out", "Prefix": "models/"}},
                "EvaluationManifest": {"Bucket": "out", "Key": "models/1/manifest.json"},
                "EvaluationResult": {"Bucket": "out", "Key": "models/1/result.json"},
                "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"}, "Tags": []},
            {"ModelDescription": {"ModelVersion": "2", "Status": "TRAINING",
                "OutputConfig": {"S3Location": {"Bucket": "out"}}}, "Tags": []}
        ],
        "packaging_jobs": [
            {"JobName": "edge", "Status": "SUCCEEDED",
             "ModelPackagingConfiguration": {"Greengrass": {"ComponentName": "c", "S3OutputLocation": {"Bucket": "gg", "Prefix": "art/"}}},
             "ModelPackagingOutputDetails": {"Greengrass": {"ComponentVersionArn": "arn:aws:greengrass:us-east-1:123456789012:components:c:versions:1.0.0"}}},
            {"JobName": "failed", "Status": "FAILED", "ModelPackagingConfiguration": {"Greengrass": {"ComponentName": "d"}}}
        ]
    })
}

#[test]
fn project_json_references_become_rows() {
    let rows = project_rows(&doc());
    let got: Vec<(&str, Service, &str, Option<u64>, Suggestion)> = rows
        .iter()
        .map(|r| {
            let s = [
                Suggestion::ModelOutput,
                Suggestion::EvaluationManifest,
                Suggestion::EvaluationResult,
                Suggestion::KmsKey,
                Suggestion::ComponentArtifacts,
                Suggestion::Component,
            ]
            .into_iter()
            .find(|s| s.text() == r.suggestion)
            .unwrap();
            (r.referenced_by.as_str(), r.service, r.resource.as_str(), r.objects, s)
        })
        .collect();
    use Service::*;
    use Suggestion::*;
    assert_eq!(
        got,
        vec![
            ("model 1", S3, "s3://out/models/", None, ModelOutput),
            ("model 1", S3, "s3://out/models/1/manifest.json", Some(1), EvaluationManifest),
            ("model 1", S3, "s3://out/models/1/result.json", Some(1), EvaluationResult),
            ("model 1", Kms, "arn:aws:kms:us-east-1:123456789012:key/k", None, KmsKey),
            ("model 2", S3, "s3://out/", None, ModelOutput),
            ("packaging job edge", S3, "s3://gg/art/", None, ComponentArtifacts),
            (
                "packaging job edge",
                Greengrass,
                "arn:aws:greengrass:us-east-1:123456789012:components:c:versions:1.0.0",
                Some(1),
                Component
            ),
        ]
    );
    assert!(
        rows.iter()
            .all(|r| (r.account.as_str(), r.region.as_str(), r.project.as_str()) == ("123456789012", "us-east-1", "p"))
    );
    // A project with nothing outside the service has no rows.
    assert!(project_rows(&json!({"project": {"ProjectName": "q"}, "models": [], "packaging_jobs": []})).is_empty());
}

#[test]
fn rows_sort_by_project_and_keep_their_order_within_one() {
    let mut rows = project_rows(&doc());
    let q = Origin { account: "123456789012", region: "eu-west-1", project: "q" };
    let a = Origin { account: "111111111111", region: "us-east-1", project: "z" };
    let refs = manifest(&[r#"{"source-ref":"s3://b/x/1.jpg"}"#]);
    rows.extend(dataset_rows(q, "train", &refs));
    rows.extend(dataset_rows(a, "test", &refs));
    let within: Vec<String> = rows.iter().filter(|r| r.project == "p").map(|r| r.resource.clone()).collect();
    sort(&mut rows);
    let order: Vec<(&str, &str)> = rows.iter().map(|r| (r.account.as_str(), r.project.as_str())).collect();
    assert_eq!(&order[..3], &[("111111111111", "z"), ("123456789012", "q"), ("123456789012", "p")]);
    let after: Vec<String> = rows.iter().filter(|r| r.project == "p").map(|r| r.resource.clone()).collect();
    assert_eq!(within, after);
}

#[test]
fn written_csv_has_the_columns_neutralised_cells_and_owner_only_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("leftovers.csv");
    let evil = Origin { account: "123456789012", region: "us-east-1", project: "p" };
    let refs = manifest(&[r#"{"source-ref":"s3://b/=HYPERLINK(1)/1.jpg"}"#]);
    let mut rows = dataset_rows(evil, "train", &refs);
    rows[0].resource = "=cmd|' /C calc'!A0".into();
    rows.extend(project_rows(&doc()));
    write(&rows, &path).unwrap();
    assert_eq!(lfv_fs::mode_of(&path).unwrap(), 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("account,region,project,referenced_by,service,resource,objects,suggestion"));
    assert!(text.contains("'=cmd|"), "{text}");
    assert!(
        text.contains("123456789012,us-east-1,p,model 1,kms,arn:aws:kms:us-east-1:123456789012:key/k,,review:"),
        "{text}"
    );
    assert!(text.contains("123456789012,us-east-1,p,dataset train,s3,"), "{text}");
    assert_eq!(text.lines().count(), 1 + rows.len());
}
