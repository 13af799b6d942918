//! The minimal S3 of the emulator (REST-XML, API 2006-03-01, path-style addressing): GetObject
//! (`GET /bucket/key`), HeadObject (`HEAD /bucket/key`) and ListObjectsV2 (`GET /bucket?list-type=2`) over
//! the objects of [`super::s3_store`], on the same endpoint as Lookout for Vision. The server hands a request
//! here when its SigV4 credential scope names the service `s3`.
//!
//! Pipeline, like the Lookout for Vision one: route (anything else: 501 NotImplemented) -> SigV4 scope
//! (403 AccessDenied) -> the access key's `deny` list (403 AccessDenied) -> the S3 quota per (account,
//! region, operation) ([`super::EmulatorConfig::s3_rate`]; over it: 503 SlowDown) -> one fault draw (internal:
//! 500 InternalError; unavailable, reset, slow, latency as for every operation) -> the operation.
//! Errors are S3's XML `<Error><Code>..</Code><Message>..</Message><RequestId>..</RequestId></Error>`;
//! HeadObject errors have no body (the SDK maps its 404 to `NotFound`). Every response carries
//! `x-amz-request-id` and `x-amz-id-2`.
//!
//! Objects: `ETag` is the quoted MD5 hex of the bytes (single-part objects), `Content-Type: image/png`,
//! `Last-Modified` 2024-01-01T00:00:00Z (CHOICE: a fixed instant keeps objects byte-for-byte reproducible);
//! `x-amz-checksum-sha256` (base64) with `x-amz-checksum-type: FULL_OBJECT` only when the request sends
//! `x-amz-checksum-mode: ENABLED`. ListObjectsV2: keys in UTF-8 binary order, `max-keys` 0-1,000 (default
//! and cap 1,000, as S3), `prefix`, `start-after`, continuation tokens that are the base64 of the last key
//! returned; `delimiter` is not emulated (CHOICE: the tool never sends one).

use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request, Response, StatusCode};

use super::faults::Fault;
use super::metrics::{Outcome, wall_ms};
use super::shared::Shared;
use super::wire::{self, Body, xml_escape};

/// `Last-Modified` of every object, HTTP date form.
const LAST_MODIFIED_HTTP: &str = "Mon, 01 Jan 2024 00:00:00 GMT";
/// `LastModified` of every object in listings.
const LAST_MODIFIED_ISO: &str = "2024-01-01T00:00:00.000Z";
/// Most keys per ListObjectsV2 page (S3's cap).
pub(crate) const MAX_KEYS: usize = 1000;

/// An S3 operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum S3Op {
    GetObject,
    HeadObject,
    ListObjectsV2,
    Unknown,
}

impl S3Op {
    /// The operation's API name, as used in stats, the log, `deny` lists, quotas and fault `ops`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            S3Op::GetObject => "GetObject",
            S3Op::HeadObject => "HeadObject",
            S3Op::ListObjectsV2 => "ListObjectsV2",
            S3Op::Unknown => "S3Unknown",
        }
    }
}

/// An S3 error: status, code, message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct S3Error {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

fn err(status: u16, code: &'static str, message: impl Into<String>) -> S3Error {
    S3Error { status, code, message: message.into() }
}

/// Route a method and raw path: the operation, the bucket and the key (both still percent-encoded).
pub(crate) fn route<'a>(method: &Method, path: &'a str, query: Option<&str>) -> (S3Op, &'a str, &'a str) {
    let rest = path.strip_prefix('/').unwrap_or(path);
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    let listing = query.is_some_and(|q| q.split('&').any(|p| p == "list-type=2"));
    let op = match (method.as_str(), bucket.is_empty(), key.is_empty()) {
        (_, true, _) => S3Op::Unknown,
        ("GET", false, true) if listing => S3Op::ListObjectsV2,
        ("GET", false, false) => S3Op::GetObject,
        ("HEAD", false, false) => S3Op::HeadObject,
        _ => S3Op::Unknown,
    };
    (op, bucket, key)
}

fn base(status: u16, request_id: &str) -> hyper::http::response::Builder {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("x-amz-request-id", request_id)
        .header("x-amz-id-2", format!("lfv-emulator/{request_id}"))
}

fn error_response(e: &S3Error, op: S3Op, request_id: &str) -> Response<Body> {
    let b = base(e.status, request_id);
    let body = if op == S3Op::HeadObject {
        Bytes::new()
    } else {
        Bytes::from(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>\
             <RequestId>{request_id}</RequestId><HostId>lfv-emulator</HostId></Error>",
            e.code,
            xml_escape(&e.message)
        ))
    };
    let b = if body.is_empty() { b } else { b.header("content-type", "application/xml") };
    b.body(Full::new(body)).unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Handle one S3 request; `None` drops the connection (the `reset` fault).
pub(crate) async fn handle<B>(shared: &Shared, req: Request<B>, request_id: &str) -> Option<Response<Body>> {
    let seq = shared.metrics.next_seq();
    let at_ms = wall_ms();
    let (op, raw_bucket, raw_key) = route(req.method(), req.uri().path(), req.uri().query());
    let mut out = super::auth::outcome(op.name());
    let done = |out: Outcome, result: Result<Response<Body>, S3Error>| -> Response<Body> {
        let mut out = out;
        let resp = result.unwrap_or_else(|e| {
            out.error_code = Some(e.code);
            error_response(&e, op, request_id)
        });
        out.status = resp.status().as_u16();
        shared.metrics.finish(seq, at_ms, out);
        resp
    };
    if op == S3Op::Unknown {
        let e =
            err(501, "NotImplemented", format!("{} {} is not implemented by the emulator.", req.method(), req.uri()));
        return Some(done(out, Err(e)));
    }
    let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok());
    let (akid, region) = match wire::parse_sigv4_scope(auth, "s3") {
        Ok(x) => x,
        Err(_) => {
            return Some(done(out, Err(err(403, "AccessDenied", "Missing or invalid SigV4 Authorization header."))));
        }
    };
    let (account, denied) = shared.account_of(&akid, op.name());
    out.account = account;
    out.region = region;
    if denied {
        let m = format!(
            "User with access key {akid} is not authorized to perform: s3:{} (denied by the emulator seed).",
            op.name()
        );
        return Some(done(out, Err(err(403, "AccessDenied", m))));
    }
    if !shared.s3_quota.try_acquire(&out.account, &out.region, op.name()) {
        return Some(done(out, Err(err(503, "SlowDown", "Please reduce your request rate."))));
    }
    let fault = shared.faults.draw(op.name());
    if let Some(f) = fault {
        shared.metrics.fault(f.kind());
    }
    match fault {
        Some(Fault::Internal) => {
            return Some(done(out, Err(err(500, "InternalError", "We encountered an internal error (injected)."))));
        }
        Some(Fault::Unavailable) => {
            out.status = 503;
            shared.metrics.finish(seq, at_ms, out);
            return Some(wire::unavailable_response(request_id));
        }
        Some(Fault::Reset) => {
            shared.metrics.finish(seq, at_ms, out);
            return None;
        }
        _ => {}
    }
    let checksum =
        req.headers().get("x-amz-checksum-mode").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"ENABLED"));
    let result = match (wire::decode(raw_bucket), wire::decode(raw_key)) {
        (Ok(bucket), Ok(key)) => match op {
            S3Op::ListObjectsV2 => list(shared, &bucket, req.uri().query(), request_id),
            _ => object(shared, op, &bucket, &key, checksum, request_id),
        },
        _ => Err(err(400, "InvalidURI", "Couldn't parse the specified URI.")),
    };
    let delay = shared.settings.latency
        + match fault {
            Some(Fault::Slow(ms) | Fault::Latency(ms)) => Duration::from_millis(ms),
            _ => Duration::ZERO,
        };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    Some(done(out, result))
}

fn no_bucket(bucket: &str) -> S3Error {
    err(404, "NoSuchBucket", format!("The specified bucket does not exist: {bucket}."))
}

fn object(
    shared: &Shared,
    op: S3Op,
    bucket: &str,
    key: &str,
    checksum: bool,
    request_id: &str,
) -> Result<Response<Body>, S3Error> {
    let objects = shared.s3.buckets.get(bucket).ok_or_else(|| no_bucket(bucket))?;
    let obj = objects.get(key).ok_or_else(|| err(404, "NoSuchKey", "The specified key does not exist."))?;
    let r = obj.rendered(key, shared.s3.side);
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

fn list(shared: &Shared, bucket: &str, query: Option<&str>, request_id: &str) -> Result<Response<Body>, S3Error> {
    let objects = shared.s3.buckets.get(bucket).ok_or_else(|| no_bucket(bucket))?;
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
        let r = o.rendered(k, shared.s3.side);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let get = Method::GET;
        assert_eq!(route(&get, "/b/k/x.png", Some("x-id=GetObject")), (S3Op::GetObject, "b", "k/x.png"));
        assert_eq!(route(&Method::HEAD, "/b/k", None).0, S3Op::HeadObject);
        assert_eq!(route(&get, "/b", Some("list-type=2&max-keys=5")).0, S3Op::ListObjectsV2);
        assert_eq!(route(&get, "/b/", Some("list-type=2")).0, S3Op::ListObjectsV2);
        assert_eq!(route(&get, "/b", None).0, S3Op::Unknown);
        assert_eq!(route(&Method::PUT, "/b/k", None).0, S3Op::Unknown);
        assert_eq!(route(&get, "/", None).0, S3Op::Unknown);
        assert_eq!(xml_escape("a&b<c>\"'"), "a&amp;b&lt;c&gt;&quot;&apos;");
    }
}
