//! The restJson1 wire format: the [`ApiError`] type and its response form, JSON responses, routing of
//! `/2020-11-20/` paths to operations, percent-decoding of path labels and query values, SigV4 credential
//! scope parsing and the field validators (the Rust SDK validates nothing client-side, so the server must).
//!
//! Nothing here touches emulator state: every function is a pure transformation of request or response bytes.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

pub(crate) use super::routes::{Op, route};

/// The response body type of every emulator response.
pub(crate) type Body = Full<Bytes>;

/// The `ResourceType` member of ConflictException and ResourceNotFoundException.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResourceType {
    Project,
    Dataset,
    Model,
    ModelPackageJob,
}

impl ResourceType {
    fn as_str(self) -> &'static str {
        match self {
            ResourceType::Project => "PROJECT",
            ResourceType::Dataset => "DATASET",
            ResourceType::Model => "MODEL",
            ResourceType::ModelPackageJob => "MODEL_PACKAGE_JOB",
        }
    }
}

/// One of the seven modelled errors, or the unmodelled `UnknownOperationException` (404).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    AccessDenied(String),
    Conflict(String, String, ResourceType),
    InternalServer(String),
    NotFound(String, String, ResourceType),
    /// Message, QuotaCode, and the ResourceId and ResourceType of the resource at its limit.
    QuotaExceeded(String, &'static str, String, ResourceType),
    Throttling(String),
    Validation(String),
    UnknownOperation(String),
    /// ExpiredTokenException (403): a session key whose session expired.
    ExpiredToken(String),
    /// UnrecognizedClientException (403): an unknown session key, or a region the account has not enabled.
    UnrecognizedClient(String),
}

/// Quota code of the per-operation request rate.
pub(crate) const TPS_QUOTA_CODE: &str = "L-LFV-API-TPS";
/// Quota code of the per-account-region project limit (an emulator CHOICE).
pub(crate) const PROJECTS_QUOTA_CODE: &str = "L-LFV-PROJECTS";
/// Quota code of the per-resource tag limit (an emulator CHOICE).
pub(crate) const TAGS_QUOTA_CODE: &str = "L-LFV-TAGS";
/// ServiceCode member of quota errors.
pub(crate) const SERVICE_CODE: &str = "lookoutvision";

impl ApiError {
    /// Build a ResourceNotFoundException.
    pub(crate) fn not_found(rt: ResourceType, id: &str) -> ApiError {
        let what = match rt {
            ResourceType::Project => "project",
            ResourceType::Dataset => "dataset",
            ResourceType::Model => "model",
            ResourceType::ModelPackageJob => "model packaging job",
        };
        ApiError::NotFound(format!("The {what} {id} does not exist."), id.to_string(), rt)
    }

    /// The `x-amzn-ErrorType` code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ApiError::AccessDenied(_) => "AccessDeniedException",
            ApiError::Conflict(..) => "ConflictException",
            ApiError::InternalServer(_) => "InternalServerException",
            ApiError::NotFound(..) => "ResourceNotFoundException",
            ApiError::QuotaExceeded(..) => "ServiceQuotaExceededException",
            ApiError::Throttling(_) => "ThrottlingException",
            ApiError::Validation(_) => "ValidationException",
            ApiError::UnknownOperation(_) => "UnknownOperationException",
            ApiError::ExpiredToken(_) => "ExpiredTokenException",
            ApiError::UnrecognizedClient(_) => "UnrecognizedClientException",
        }
    }

    /// HTTP status of the error.
    pub(crate) fn status(&self) -> u16 {
        match self {
            ApiError::AccessDenied(_) | ApiError::ExpiredToken(_) | ApiError::UnrecognizedClient(_) => 403,
            ApiError::Conflict(..) => 409,
            ApiError::InternalServer(_) => 500,
            ApiError::NotFound(..) | ApiError::UnknownOperation(_) => 404,
            ApiError::QuotaExceeded(..) => 402,
            ApiError::Throttling(_) => 429,
            ApiError::Validation(_) => 400,
        }
    }

    /// The JSON body: `Message` plus the shape's other members.
    pub(crate) fn body(&self) -> Value {
        match self {
            ApiError::AccessDenied(m)
            | ApiError::InternalServer(m)
            | ApiError::Validation(m)
            | ApiError::UnknownOperation(m)
            | ApiError::ExpiredToken(m)
            | ApiError::UnrecognizedClient(m) => json!({ "Message": m }),
            ApiError::Conflict(m, id, rt) | ApiError::NotFound(m, id, rt) => {
                json!({ "Message": m, "ResourceId": id, "ResourceType": rt.as_str() })
            }
            ApiError::QuotaExceeded(m, code, id, rt) => json!({
                "Message": m, "QuotaCode": code, "ServiceCode": SERVICE_CODE,
                "ResourceId": id, "ResourceType": rt.as_str()
            }),
            ApiError::Throttling(m) => {
                json!({ "Message": m, "QuotaCode": TPS_QUOTA_CODE, "ServiceCode": SERVICE_CODE })
            }
        }
    }

    /// Whether the response carries `Retry-After: 1`.
    fn retry_after(&self) -> bool {
        matches!(self, ApiError::InternalServer(_) | ApiError::Throttling(_))
    }
}

/// What an operation handler returns on success: a status and a body (`None` = empty body).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Option<Bytes>,
}

impl Reply {
    /// A JSON reply.
    pub(crate) fn json(status: u16, v: &Value) -> Reply {
        Reply { status, body: Some(Bytes::from(serde_json::to_vec(v).unwrap_or_default())) }
    }
}

fn base(status: u16, request_id: &str) -> hyper::http::response::Builder {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("x-amzn-RequestId", request_id)
}

/// Render a successful reply.
pub(crate) fn reply_response(r: &Reply, request_id: &str) -> Response<Body> {
    let b = base(r.status, request_id);
    match &r.body {
        Some(body) => b.header(CONTENT_TYPE, "application/json").body(Full::new(body.clone())),
        None => b.body(Full::new(Bytes::new())),
    }
    .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Render an error in the service's form: status, `x-amzn-ErrorType`, `x-amzn-RequestId`, JSON body, and an
/// integer `Retry-After: 1` on 429 and 500.
pub(crate) fn error_response(e: &ApiError, request_id: &str) -> Response<Body> {
    let mut b =
        base(e.status(), request_id).header("x-amzn-ErrorType", e.code()).header(CONTENT_TYPE, "application/json");
    if e.retry_after() {
        b = b.header(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    let body = serde_json::to_vec(&e.body()).unwrap_or_default();
    b.body(Full::new(Bytes::from(body))).unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// The `unavailable` fault: a 503 with no error code and an HTML body, as a load balancer would send.
pub(crate) fn unavailable_response(request_id: &str) -> Response<Body> {
    base(503, request_id)
        .header(CONTENT_TYPE, "text/html")
        .body(Full::new(Bytes::from_static(b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// A plain JSON response for `/_emulator/` endpoints.
pub(crate) fn admin_json(status: u16, body: Vec<u8>, request_id: &str) -> Response<Body> {
    base(status, request_id)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Percent-decode a path label or query value; `+` stays `+`. Invalid UTF-8 is a ValidationException.
pub(crate) fn decode(raw: &str) -> Result<String, ApiError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ApiError::Validation("request contains a value that is not valid UTF-8".into()))
}

/// Split and decode a query string into (name, value) pairs, in order.
pub(crate) fn parse_query(q: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for part in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        out.push((decode(k)?, decode(v)?));
    }
    Ok(out)
}

/// The first value of query parameter `name`.
pub(crate) fn query_get<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Access key id and region from `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/lookoutvision/aws4_request, ...`.
/// The signature is not verified. (The pipeline reads every scope with [`parse_sigv4_scope`].)
#[cfg(test)]
pub(crate) fn parse_sigv4(auth: Option<&str>) -> Result<(String, String), ApiError> {
    parse_sigv4_scope(auth, "lookoutvision")
}

/// The service named by a SigV4 credential scope (`lookoutvision`, `s3`, ...), which decides the protocol a
/// request is answered in; `None` without a readable `Credential=`.
pub(crate) fn scope_service(auth: Option<&str>) -> Option<&str> {
    let cred = auth?
        .strip_prefix("AWS4-HMAC-SHA256 ")?
        .split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("Credential="))?;
    cred.split('/').nth(3)
}

/// Access key id and region from a SigV4 `Authorization` header whose credential scope names `service`.
/// The signature is not verified.
pub(crate) fn parse_sigv4_scope(auth: Option<&str>, service: &str) -> Result<(String, String), ApiError> {
    let deny = |why: &str| ApiError::AccessDenied(format!("Missing or invalid SigV4 Authorization header: {why}."));
    let auth = auth.ok_or_else(|| deny("no Authorization header"))?;
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or_else(|| deny("not AWS4-HMAC-SHA256"))?;
    let cred = rest
        .split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("Credential="))
        .ok_or_else(|| deny("no Credential"))?;
    let parts: Vec<&str> = cred.split('/').collect();
    match parts.as_slice() {
        [akid, date, region, svc, "aws4_request"]
            if *svc == service
                && !akid.is_empty()
                && date.len() == 8
                && !region.is_empty()
                && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            Ok((akid.to_string(), region.to_string()))
        }
        _ => Err(deny("bad credential scope")),
    }
}

/// Parse a JSON request body into an object; an empty body is an empty object.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::Validation("Request body must be a JSON object.".into())),
        Err(e) => Err(ApiError::Validation(format!("Request body is not valid JSON: {e}."))),
    }
}

/// Epoch seconds (with milliseconds) of an emulator-clock millisecond instant, as a JSON number.
pub(crate) fn epoch_secs(ms: u64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// XML-escape a text node.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use hyper::Method;

    use super::*;

    #[test]
    fn routes_and_labels() {
        let r = route(&Method::GET, "/2020-11-20/projects/a%2Bb/datasets/train/entries");
        assert_eq!(r.op, Op::ListDatasetEntries);
        assert_eq!(r.labels, vec!["a%2Bb", "train"]);
        assert_eq!(decode(r.labels[0]).unwrap(), "a+b");
        assert_eq!(route(&Method::PUT, "/2020-11-20/projects").op, Op::Unknown);
        assert_eq!(route(&Method::GET, "/x").op, Op::Unknown);
    }

    #[test]
    fn sigv4_scope() {
        let h = "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/lookoutvision/aws4_request, \
                 SignedHeaders=host, Signature=ab";
        assert_eq!(parse_sigv4(Some(h)).unwrap(), ("AKID".into(), "eu-west-1".into()));
        assert!(parse_sigv4(Some("Bearer x")).is_err());
        assert!(parse_sigv4(None).is_err());
    }
}
