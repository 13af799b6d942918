//! Organizations' `json` 1.1 protocol: answers are `application/x-amz-json-1.1`; errors are
//! `{"__type": "...", "Message": "..."}` (plus `Reason` for InvalidInputException) with the same code in
//! `x-amzn-ErrorType`. Pure.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

use crate::wire::Body;

/// An Organizations error: status, code, message, and the `Reason` member if any.
pub(crate) struct OrgError(pub(crate) u16, pub(crate) &'static str, pub(crate) String, pub(crate) Option<&'static str>);

/// A JSON 1.1 response; `code` also goes in `x-amzn-ErrorType`.
pub(crate) fn json_response(status: u16, body: &Value, code: Option<&str>, request_id: &str) -> Response<Body> {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("x-amzn-RequestId", request_id)
        .header("content-type", "application/x-amz-json-1.1");
    if let Some(c) = code {
        b = b.header("x-amzn-ErrorType", c);
    }
    b.body(Full::new(Bytes::from(body.to_string()))).unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// The error response.
pub(crate) fn error_response(e: &OrgError, request_id: &str) -> Response<Body> {
    let mut body = json!({ "__type": e.1, "Message": e.2 });
    if let Some(r) = e.3 {
        body["Reason"] = json!(r);
    }
    json_response(e.0, &body, Some(e.1), request_id)
}

/// InvalidInputException (400) with its `Reason`.
pub(crate) fn invalid(m: &str, reason: Option<&'static str>) -> OrgError {
    OrgError(400, "InvalidInputException", m.to_string(), reason)
}
