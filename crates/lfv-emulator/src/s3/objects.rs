//! S3's objects answered from the store (`store.rs`): GetObject (`GET /bucket/key`), HeadObject
//! (`HEAD /bucket/key`) and ListObjectsV2 (`GET /bucket?list-type=2`).
//!
//! Objects: `ETag` is the quoted MD5 hex of the bytes (single-part objects), `Content-Type: image/png`,
//! `Last-Modified` 2024-01-01T00:00:00Z (CHOICE: a fixed instant keeps objects byte-for-byte reproducible);
//! `x-amz-checksum-sha256` (base64) with `x-amz-checksum-type: FULL_OBJECT` only when the request sends
//! `x-amz-checksum-mode: ENABLED`. ListObjectsV2: keys in UTF-8 binary order, `max-keys` 0-1,000 (default
//! and cap 1,000, as S3), `prefix`, `start-after`, continuation tokens that are the base64 of the last key
//! returned; `delimiter` is not emulated (CHOICE: the tool never sends one).

use base64::Engine;
use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;

use super::protocol::{S3Error, S3Op, base, err};
use super::store::Store;
use crate::wire::{self, Body, xml_escape};

/// `Last-Modified` of every object, HTTP date form.
const LAST_MODIFIED_HTTP: &str = "Mon, 01 Jan 2024 00:00:00 GMT";
/// `LastModified` of every object in listings.
const LAST_MODIFIED_ISO: &str = "2024-01-01T00:00:00.000Z";
/// Most keys per ListObjectsV2 page (S3's cap).
pub(crate) const MAX_KEYS: usize = 1000;

fn no_bucket(bucket: &str) -> S3Error {
    err(404, "NoSuchBucket", format!("The specified bucket does not exist: {bucket}."))
}

/// GetObject or HeadObject of `key` in `bucket` (decoded).
pub(crate) fn object(
    store: &Store,
    op: S3Op,
    bucket: &str,
    key: &str,
    checksum: bool,
    request_id: &str,
) -> Result<Response<Body>, S3Error> {
    let objects = store.buckets.get(bucket).ok_or_else(|| no_bucket(bucket))?;
    let obj = objects.get(key).ok_or_else(|| err(404, "NoSuchKey", "The specified key does not exist."))?;
    let r = obj.rendered(key, store.side);
    let mut b = base(200, request_id)
        .header("content-type", "image/png")
        .header("content-length", r.bytes.len().to_string())
        .header("etag", format!("\"{}\"", r.md5_hex))
        .header("last-modified", LAST_MODIFIED_HTTP)
        .header("accept-ranges", "bytes");
    if checksum {
        b = b.header("x-amz-checksum-sha256", &r.sha256_b64).header("x-amz-checksum-type", "FULL_OBJECT");
    }
    let body = if op == S3Op::HeadObject { Bytes::new() } else { r.bytes.clone() };
    b.body(Full::new(body)).map_err(|e| err(500, "InternalError", e.to_string()))
}

/// ListObjectsV2 of `bucket` (decoded) with the request's raw query.
pub(crate) fn list(
    store: &Store,
    bucket: &str,
    query: Option<&str>,
    request_id: &str,
) -> Result<Response<Body>, S3Error> {
    let objects = store.buckets.get(bucket).ok_or_else(|| no_bucket(bucket))?;
    let q = wire::parse_query(query).map_err(|_| err(400, "InvalidArgument", "Invalid query string."))?;
    let max_keys = match wire::query_get(&q, "max-keys") {
        None => MAX_KEYS,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| {
                err(400, "InvalidArgument", format!("Provided max-keys not an integer or within integer range: {v}."))
            })?
            .min(MAX_KEYS),
    };
    let prefix = wire::query_get(&q, "prefix").unwrap_or("");
    let start_after = wire::query_get(&q, "start-after").unwrap_or("");
    let token = wire::query_get(&q, "continuation-token");
    let after = match token {
        Some(t) => base64::engine::general_purpose::STANDARD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| err(400, "InvalidArgument", "The continuation token provided is incorrect."))?,
        None => start_after.to_string(),
    };
    let range = objects.range::<str, _>((std::ops::Bound::Excluded(after.as_str()), std::ops::Bound::Unbounded));
    let mut page = range.filter(|(k, _)| k.starts_with(prefix)).take(max_keys + 1);
    let mut contents = String::new();
    let mut last = None;
    let mut count = 0;
    let mut truncated = false;
    for (k, o) in page.by_ref() {
        if count == max_keys {
            truncated = true;
            break;
        }
        let r = o.rendered(k, store.side);
        contents.push_str(&format!(
            "<Contents><Key>{}</Key><LastModified>{LAST_MODIFIED_ISO}</LastModified><ETag>&quot;{}&quot;</ETag>\
             <Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
            xml_escape(k),
            r.md5_hex,
            r.bytes.len()
        ));
        last = Some(k.as_str());
        count += 1;
    }
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
         <Name>{}</Name><Prefix>{}</Prefix><KeyCount>{count}</KeyCount><MaxKeys>{max_keys}</MaxKeys>\
         <IsTruncated>{truncated}</IsTruncated>",
        xml_escape(bucket),
        xml_escape(prefix)
    );
    if let Some(t) = token {
        xml.push_str(&format!("<ContinuationToken>{}</ContinuationToken>", xml_escape(t)));
    }
    if truncated && let Some(l) = last {
        let next = base64::engine::general_purpose::STANDARD.encode(l);
        xml.push_str(&format!("<NextContinuationToken>{next}</NextContinuationToken>"));
    }
    if !start_after.is_empty() {
        xml.push_str(&format!("<StartAfter>{}</StartAfter>", xml_escape(start_after)));
    }
    xml.push_str(&contents);
    xml.push_str("</ListBucketResult>");
    base(200, request_id)
        .header("content-type", "application/xml")
        .body(Full::new(Bytes::from(xml)))
        .map_err(|e| err(500, "InternalError", e.to_string()))
}
