//! S3's REST-XML wire (API 2006-03-01, path-style addressing): the operations ([`S3Op`]) and the routing of
//! methods and paths to them ([`route`]), errors ([`S3Error`]) and their responses. Errors are S3's XML
//! `<Error><Code>..</Code><Message>..</Message><RequestId>..</RequestId></Error>`; HeadObject errors have no
//! body (the SDK maps its 404 to `NotFound`). Every response carries `x-amz-request-id`, and all but the
//! refusal of credentials `x-amz-id-2`. Pure.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Response, StatusCode};

use crate::identity::AuthError;
use crate::wire::{Body, xml_escape};

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

/// An [`S3Error`].
pub(crate) fn err(status: u16, code: &'static str, message: impl Into<String>) -> S3Error {
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

/// A response with S3's request id headers.
pub(crate) fn base(status: u16, request_id: &str) -> hyper::http::response::Builder {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("x-amz-request-id", request_id)
        .header("x-amz-id-2", format!("lfv-emulator/{request_id}"))
}

/// The XML error response (no body for HeadObject).
pub(crate) fn error_response(e: &S3Error, op: S3Op, request_id: &str) -> Response<Body> {
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

/// The refusal of an expired or unknown session key (or a region its account has not enabled): 400
/// ExpiredToken or 403 InvalidAccessKeyId, without a body for HEAD; its code for the log.
pub(crate) fn credentials_response(e: AuthError, method: &Method, request_id: &str) -> (&'static str, Response<Body>) {
    let (status, code, message) = match e {
        AuthError::Expired => (400, "ExpiredToken", "The provided token has expired."),
        AuthError::Unknown | AuthError::RegionDisabled => {
            (403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        }
    };
    let body = if method == Method::HEAD {
        Bytes::new()
    } else {
        Bytes::from(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
             <RequestId>{request_id}</RequestId><HostId>lfv-emulator</HostId></Error>"
        ))
    };
    let b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN))
        .header("x-amz-request-id", request_id);
    let b = if body.is_empty() { b } else { b.header("content-type", "application/xml") };
    (code, b.body(Full::new(body)).unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))))
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
