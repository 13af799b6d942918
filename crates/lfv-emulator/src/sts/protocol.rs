//! STS's `query` protocol of 2011-06-15: form-encoded request bodies ([`form`]) and XML answers and errors
//! (`<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error><RequestId>..
//! </RequestId></ErrorResponse>`, as aws-sdk-sts parses them). Pure.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use crate::wire::xml_escape;
use crate::wire::{self, Body};

/// The XML namespace of every STS answer.
pub(crate) const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// An STS error: status, code, message.
pub(crate) struct StsError(pub(crate) u16, pub(crate) &'static str, pub(crate) String);

/// The error response.
pub(crate) fn render_error(e: &StsError, request_id: &str) -> Response<Body> {
    let kind = if e.0 >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error>\
         <RequestId>{request_id}</RequestId></ErrorResponse>",
        e.1,
        xml_escape(&e.2)
    );
    xml(e.0, body, request_id)
}

/// An XML response.
pub(crate) fn xml(status: u16, body: String, request_id: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("x-amzn-RequestId", request_id)
        .header("content-type", "text/xml")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Decode an `application/x-www-form-urlencoded` body into pairs (`+` is a space).
pub(crate) fn form(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let d = |s: &str| wire::decode(&s.replace('+', " ")).unwrap_or_default();
            (d(k), d(v))
        })
        .collect()
}
