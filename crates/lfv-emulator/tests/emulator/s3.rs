//! The emulator's minimal S3 through the real `aws-sdk-s3` client (path-style, retries off, checksum
//! validation on): objects for every `source-ref` and `anomaly-mask-ref`, S3's XML errors with their
//! statuses, the quota's SlowDown, the deny list, and ListObjectsV2 paging.

use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::ChecksumMode;
use base64::Engine;
use lfv_emulator::{EmulatorConfig, RunningEmulator, Seed};
use md5::Digest as _;
use sha2::Sha256;

use super::{ACCOUNT, config, dataset, project, seed_of, start, with_keys};

const MASKED: &str = r##"{"source-ref":"s3://bucket/p/train/masked.png","anomaly-label":1,"anomaly-mask-ref":"s3://bucket/p/train/masked_mask.png","anomaly-mask-ref-metadata":{"internal-color-map":{"0":{"class-name":"BACKGROUND","hex-color":"#ffffff"},"1":{"class-name":"scratch","hex-color":"#2ca02c"},"2":{"class-name":"dent","hex-color":"#1f77b4"}}}}"##;

/// A syntactically valid SigV4 Authorization header for S3 in `us-east-1`.
const S3_AUTH: &str =
    "AWS4-HMAC-SHA256 Credential=AKIDTEST/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00";

/// An S3 client for the emulator, built as the tool builds it (shared config, path-style, retries off).
pub async fn s3(emu: &RunningEmulator, akid: &str) -> aws_sdk_s3::Client {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emu.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(akid, "secret", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build())
}

/// A seed: train has 3 literal entries (one missing in S3, one with a two-class mask) and 40 generated ones.
fn s3_seed() -> Seed {
    let mut d = dataset("train", &[Some(0), None]);
    d.entries.push(MASKED.into());
    d.generate_entries = Some(40);
    let mut seed = seed_of(vec![project("p", vec![d], vec![])]);
    seed.missing_objects = vec!["s3://bucket/p/train/001.jpg".into()];
    with_keys(seed, &[("AKIDNOS3", ACCOUNT, &["GetObject", "ListObjectsV2"])])
}

/// The RGB colours of every class but BACKGROUND in an entry's `internal-color-map`.
pub fn anomaly_colours(entry: &serde_json::Value) -> Vec<[u8; 3]> {
    let map = entry["anomaly-mask-ref-metadata"]["internal-color-map"].as_object().unwrap();
    map.values()
        .filter(|c| c["class-name"] != "BACKGROUND")
        .map(|c| {
            let h = u32::from_str_radix(&c["hex-color"].as_str().unwrap()[1..], 16).unwrap();
            [(h >> 16) as u8, (h >> 8) as u8, h as u8]
        })
        .collect()
}

fn decode_rgb(bytes: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width, info.height, buf[..info.buffer_size()].chunks(3).map(|c| [c[0], c[1], c[2]]).collect())
}

#[tokio::test]
async fn objects_have_etags_lengths_and_checksums_and_masks_use_their_colour_maps() {
    let emu = start(config(s3_seed())).await;
    let c = s3(&emu, super::AKID).await;
    let img = c
        .get_object()
        .bucket("bucket")
        .key("p/train/000.jpg")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    let (etag, len, sha) =
        (img.e_tag().unwrap().to_string(), img.content_length().unwrap(), img.checksum_sha256().map(String::from));
    let bytes = img.body.collect().await.unwrap().into_bytes();
    assert_eq!(len as usize, bytes.len());
    assert_eq!(etag, format!("\"{}\"", hex::encode(md5::Md5::digest(&bytes))));
    assert_eq!(sha.as_deref(), Some(base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes)).as_str()));
    let (w, h, _) = decode_rgb(&bytes);
    assert_eq!((w, h), (32, 32));
    // Without checksum mode (raw HTTP: the SDK always asks), no checksum; the error form is S3's XML.
    let plain = super::raw(&emu, "GET", "/bucket/p/train/000.jpg", &[("authorization", S3_AUTH)], b"").await;
    assert_eq!((plain.status, plain.header("x-amz-checksum-sha256")), (200, None));
    assert_eq!(plain.header("etag"), Some(etag.as_str()));
    let missing = super::raw(&emu, "GET", "/bucket/p/train/001.jpg", &[("authorization", S3_AUTH)], b"").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("<Error><Code>NoSuchKey</Code><Message>"), "{}", missing.body);
    assert!(missing.body.contains(&format!("<RequestId>{}</RequestId>", missing.header("x-amz-request-id").unwrap())));
    // The literal mask shows exactly its two classes on its background.
    let mask = c.get_object().bucket("bucket").key("p/train/masked_mask.png").send().await.unwrap();
    let (_, _, px) = decode_rgb(&mask.body.collect().await.unwrap().into_bytes());
    let colours: std::collections::BTreeSet<[u8; 3]> = px.into_iter().collect();
    assert_eq!(colours, [[255, 255, 255], [0x2c, 0xa0, 0x2c], [0x1f, 0x77, 0xb4]].into_iter().collect());
    // HeadObject: same length and ETag, no body.
    let head = c.head_object().bucket("bucket").key("p/train/000.jpg").send().await.unwrap();
    assert_eq!((head.content_length(), head.e_tag()), (Some(len), Some(etag.as_str())));
}

#[tokio::test]
async fn generated_anomalies_have_masks_with_one_to_three_classes() {
    let emu = start(config(s3_seed())).await;
    let lfv = super::client(&emu);
    let entries = lfv.list_dataset_entries().project_name("p").dataset_type("train").max_results(100).send().await;
    let c = s3(&emu, super::AKID).await;
    let mut masks = 0;
    for line in entries.unwrap().dataset_entries().iter().skip(3) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(uri) = v["anomaly-mask-ref"].as_str() else {
            assert_ne!(v["anomaly-label"], 1, "an anomaly without a mask: {line}");
            continue;
        };
        let classes = anomaly_colours(&v);
        assert!((1..=3).contains(&classes.len()), "{line}");
        let bucket = "lookoutvision-us-east-1-123456789012";
        let key = uri.strip_prefix(&format!("s3://{bucket}/")).unwrap();
        let obj = c.get_object().bucket(bucket).key(key).send().await.unwrap();
        let (_, _, px) = decode_rgb(&obj.body.collect().await.unwrap().into_bytes());
        for class in &classes {
            assert!(px.iter().any(|p| p == class), "class colour {class:?} absent from {uri}");
        }
        masks += 1;
    }
    assert!(masks > 0, "40 generated entries hold at least one anomaly");
}

#[tokio::test]
async fn missing_objects_buckets_and_denied_keys_get_s3_errors() {
    let emu = start(config(s3_seed())).await;
    let c = s3(&emu, super::AKID).await;
    let e = c.get_object().bucket("bucket").key("p/train/001.jpg").send().await.unwrap_err();
    assert!(e.as_service_error().is_some_and(|s| s.is_no_such_key()), "{e:?}");
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(404));
    let e = c.head_object().bucket("bucket").key("p/train/001.jpg").send().await.unwrap_err();
    assert!(e.as_service_error().is_some_and(|s| s.is_not_found()), "{e:?}");
    let e = c.get_object().bucket("nobucket").key("x.png").send().await.unwrap_err();
    assert_eq!((e.code(), e.raw_response().map(|r| r.status().as_u16())), (Some("NoSuchBucket"), Some(404)));
    let e = c.list_objects_v2().bucket("nobucket").send().await.unwrap_err();
    assert!(e.as_service_error().is_some_and(|s| s.is_no_such_bucket()), "{e:?}");
    let denied = s3(&emu, "AKIDNOS3").await;
    let e = denied.get_object().bucket("bucket").key("p/train/000.jpg").send().await.unwrap_err();
    assert_eq!((e.code(), e.raw_response().map(|r| r.status().as_u16())), (Some("AccessDenied"), Some(403)));
    // HeadObject is not denied to that key.
    denied.head_object().bucket("bucket").key("p/train/000.jpg").send().await.unwrap();
    let stats = emu.stats();
    assert_eq!(stats.calls_with_status("GetObject", "404"), 2);
    assert_eq!(stats.calls_with_status("GetObject", "403"), 1);
    assert_eq!(stats.calls_with_status("HeadObject", "404"), 1);
}

#[tokio::test]
async fn over_the_s3_quota_is_slowdown_503_and_counted_as_throttled() {
    let emu = start(EmulatorConfig { s3_rate: Some(1.0), ..config(s3_seed()) }).await;
    let c = s3(&emu, super::AKID).await;
    c.get_object().bucket("bucket").key("p/train/000.jpg").send().await.unwrap();
    let e = c.get_object().bucket("bucket").key("p/train/000.jpg").send().await.unwrap_err();
    assert_eq!((e.code(), e.raw_response().map(|r| r.status().as_u16())), (Some("SlowDown"), Some(503)));
    // Per operation: HeadObject has its own bucket; the Lookout for Vision quota is separate too.
    c.head_object().bucket("bucket").key("p/train/000.jpg").send().await.unwrap();
    assert_eq!(emu.stats().throttled.get("GetObject"), Some(&1));
    emu.set_s3_rate(None);
    c.get_object().bucket("bucket").key("p/train/000.jpg").send().await.unwrap();
}

#[tokio::test]
async fn list_objects_v2_pages_with_continuation_tokens_and_max_keys() {
    let emu = start(config(s3_seed())).await;
    let c = s3(&emu, super::AKID).await;
    let mut keys = Vec::new();
    let mut token = None;
    let mut pages = 0;
    for _ in 0..20 {
        let out = c.list_objects_v2().bucket("bucket").max_keys(2).set_continuation_token(token.clone()).send().await;
        let out = out.unwrap();
        pages += 1;
        assert!(out.contents().len() <= 2);
        assert_eq!(out.key_count(), Some(out.contents().len() as i32));
        keys.extend(out.contents().iter().map(|o| o.key().unwrap().to_string()));
        token = out.next_continuation_token().map(String::from);
        if token.is_none() {
            assert_eq!(out.is_truncated(), Some(false));
            break;
        }
    }
    // bucket holds 000.jpg and masked.png + masked_mask.png (001.jpg is missing).
    assert_eq!(keys, ["p/train/000.jpg", "p/train/masked.png", "p/train/masked_mask.png"]);
    assert_eq!(pages, 2);
    let generated = "lookoutvision-us-east-1-123456789012";
    let all = c.list_objects_v2().bucket(generated).prefix("p/train/images/").send().await.unwrap();
    assert_eq!(all.contents().len(), 40);
    let after =
        c.list_objects_v2().bucket(generated).prefix("p/").start_after("p/train/images/000038.png").send().await;
    let after: Vec<_> = after.unwrap().contents().iter().map(|o| o.key().unwrap().to_string()).collect();
    assert_eq!(after.first().map(String::as_str), Some("p/train/images/000039.png"));
    let bad = c.list_objects_v2().bucket("bucket").continuation_token("%%%").send().await.unwrap_err();
    assert_eq!(bad.raw_response().map(|r| r.status().as_u16()), Some(400));
}
