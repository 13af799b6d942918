//! SDK errors and values turned into the crate's own types: the one boundary where `SdkError` is seen.
//!
//! Only the service's own answer counts: an error is classified by its code only when the response carries
//! the service's error shape (a code in `x-amzn-ErrorType` or the body's `code`/`__type`, and a body that is
//! a JSON object). A 404 is [`ErrorKind::NotFound`] only when its code is `ResourceNotFoundException`; any
//! other 404, a body that is HTML or plain text, a 2xx that does not parse, or a 400 without a code is
//! [`ErrorKind::Foreign`]: the endpoint is not Lookout for Vision (wrong URL, a proxy, a static web server),
//! and nothing can be concluded from it. 429 and 500/502/503/504 keep their retry meaning whatever the body.

use std::error::Error as StdError;
use std::time::Duration;

use aws_sdk_lookoutvision::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of failure a call met; decides the retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// 429 ThrottlingException.
    Throttling,
    /// 500, 502, 503, 504.
    Server,
    /// The attempt timed out.
    Timeout,
    /// The connection failed or was dropped.
    Connection,
    /// 404 with the code `ResourceNotFoundException`: the only answer that means "absent".
    NotFound,
    /// 409 ConflictException.
    Conflict,
    /// 400 ValidationException.
    Validation,
    /// 403 AccessDeniedException (and any other 403 of the service's shape but those below): the caller may
    /// not make this call.
    AccessDenied,
    /// 403 `UnrecognizedClientException`, `InvalidClientTokenId`, `InvalidSignatureException` or
    /// `SignatureDoesNotMatch`: the endpoint does not accept the caller's credentials at all (an unknown or
    /// revoked key, a region the account has not enabled), so nothing of the target can be reached with them.
    Unrecognized,
    /// 402 ServiceQuotaExceededException.
    QuotaExceeded,
    /// 400 or 403 `ExpiredTokenException` / `ExpiredToken`: the session expired (by the service's clock).
    /// Retried: the client drops a role session first, so the retry re-assumes the role.
    ExpiredCredentials,
    /// An answer that is not the service's (see the module docs): wrong endpoint. Not retried, never "absent".
    Foreign,
    /// Anything else (a request we could not build, a status the service never sends with its error shape).
    Other,
}

/// A failed call, as the audit records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallError {
    /// Classification.
    pub kind: ErrorKind,
    /// HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// Error code (`x-amzn-ErrorType`), if any.
    pub code: Option<String>,
    /// Message, or the transport error's description.
    pub message: String,
    /// `Retry-After` (integer seconds) if the service sent one.
    pub retry_after: Option<Duration>,
    /// `x-amzn-RequestId`, if a response arrived.
    pub request_id: Option<String>,
}

impl CallError {
    /// True for failures worth another attempt: throttling, 5xx, timeouts, dropped connections and expired
    /// sessions.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throttling
                | ErrorKind::Server
                | ErrorKind::Timeout
                | ErrorKind::Connection
                | ErrorKind::ExpiredCredentials
        )
    }

    /// True when the answer refuses the target as a whole rather than this one call: the credentials are not
    /// accepted there ([`ErrorKind::Unrecognized`]), or the session stayed expired however often it was
    /// renewed ([`ErrorKind::ExpiredCredentials`] after retries). A run meeting one stops that target only,
    /// leaving its items pending: the target cannot be reached, which no later item would change.
    pub fn refuses_target(&self) -> bool {
        matches!(self.kind, ErrorKind::Unrecognized | ErrorKind::ExpiredCredentials)
    }

    /// An answer that is not the service's: [`ErrorKind::Foreign`].
    pub(crate) fn foreign(message: &str) -> Self {
        CallError { kind: ErrorKind::Foreign, ..CallError::malformed(message) }
    }

    /// A failure that is not the service's answer (cancelled, unreadable response).
    pub(crate) fn malformed(message: &str) -> Self {
        CallError {
            kind: ErrorKind::Other,
            status: None,
            code: None,
            message: message.to_string(),
            retry_after: None,
            request_id: None,
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.status, &self.code) {
            (Some(s), Some(c)) => write!(f, "{c} ({s}): {}", self.message),
            (Some(s), None) => write!(f, "HTTP {s}: {}", self.message),
            _ => write!(f, "{:?}: {}", self.kind, self.message),
        }
    }
}

/// The wire protocol of a service, which decides what its error bodies look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// A JSON object (Lookout for Vision's restJson1, Organizations' awsJson1_1).
    Json,
    /// An XML `<ErrorResponse>` (STS's awsQuery).
    Query,
}

impl Protocol {
    /// Whether `body` has this protocol's error shape.
    pub(crate) fn shaped(self, body: &[u8]) -> bool {
        match self {
            Protocol::Json => is_json_object(body),
            Protocol::Query => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim_start();
                text.starts_with('<') && text.contains("<ErrorResponse")
            }
        }
    }
}

/// Classify one response. `shaped_body`: the body has the protocol's error shape ([`Protocol::shaped`]), as
/// every error answer of the service has. Throttling is spelt `ThrottlingException` (Lookout for Vision),
/// `Throttling` (STS) or `TooManyRequestsException` (Organizations).
pub(crate) fn kind_of(status: u16, code: Option<&str>, shaped_body: bool) -> ErrorKind {
    let shaped = shaped_body && code.is_some();
    match (code, status) {
        (Some("ThrottlingException" | "Throttling" | "TooManyRequestsException"), _) | (_, 429) => {
            ErrorKind::Throttling
        }
        (Some("ExpiredTokenException" | "ExpiredToken"), 400 | 403) => ErrorKind::ExpiredCredentials,
        (_, 500 | 502 | 503 | 504) => ErrorKind::Server,
        _ if !shaped => ErrorKind::Foreign,
        (Some("ResourceNotFoundException"), 404) => ErrorKind::NotFound,
        (_, 404) | (_, 200..=299) => ErrorKind::Foreign,
        (_, 409) => ErrorKind::Conflict,
        (_, 400) => ErrorKind::Validation,
        (
            Some(
                "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "InvalidSignatureException"
                | "SignatureDoesNotMatch",
            ),
            403,
        ) => ErrorKind::Unrecognized,
        (_, 403) => ErrorKind::AccessDenied,
        (_, 402) => ErrorKind::QuotaExceeded,
        _ => ErrorKind::Other,
    }
}

/// True if `body` is one JSON object (leading and trailing whitespace allowed).
pub(crate) fn is_json_object(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| v.is_object())
}

fn header(raw: &HttpResponse, name: &str) -> Option<String> {
    raw.headers().get(name).map(str::to_string)
}

fn from_response(raw: &HttpResponse, code: Option<&str>, message: Option<&str>, protocol: Protocol) -> CallError {
    let status = raw.status().as_u16();
    let kind = kind_of(status, code, raw.body().bytes().is_some_and(|b| protocol.shaped(b)));
    let message = match (message, kind) {
        (Some(m), _) => m.to_string(),
        (None, ErrorKind::Foreign) => peek(raw),
        (None, _) => format!("HTTP {status} with no message"),
    };
    CallError {
        kind,
        status: Some(status),
        code: code.map(str::to_string),
        message,
        retry_after: header(raw, "retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs),
        request_id: header(raw, "x-amzn-requestid"),
    }
}

/// The content type and the first 60 characters of a body, control characters replaced, for messages.
fn peek(raw: &HttpResponse) -> String {
    let kind = header(raw, "content-type").unwrap_or_else(|| "no content-type".into());
    let body = raw.body().bytes().unwrap_or_default();
    let text: String =
        String::from_utf8_lossy(body).chars().take(60).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.trim().is_empty() { format!("{kind}, empty body") } else { format!("{kind}: {:?}", text.trim()) }
}

/// Turn any Lookout for Vision operation's `SdkError` into a [`CallError`].
pub(crate) fn classify<E>(err: SdkError<E, HttpResponse>) -> CallError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    classify_as(err, Protocol::Json)
}

/// Turn any operation's `SdkError` into a [`CallError`], its response read as `protocol` shapes errors.
pub(crate) fn classify_as<E>(err: SdkError<E, HttpResponse>, protocol: Protocol) -> CallError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(se) => from_response(se.raw(), se.err().code(), se.err().message(), protocol),
        SdkError::ResponseError(re) => {
            let mut e = from_response(re.raw(), None, None, protocol);
            e.message = format!("{}: {}", e.message, chain(&err));
            e
        }
        SdkError::TimeoutError(_) => CallError { kind: ErrorKind::Timeout, ..CallError::malformed(&chain(&err)) },
        SdkError::DispatchFailure(d) => {
            let kind = if d.is_timeout() { ErrorKind::Timeout } else { ErrorKind::Connection };
            CallError { kind, ..CallError::malformed(&chain(&err)) }
        }
        _ => CallError::malformed(&chain(&err)),
    }
}

/// An STS operation's `SdkError` as a [`CallError`] (STS answers in the Query protocol's shape); a failure
/// before any answer (the source credentials, the connection) says why in its causes, briefly ([`brief`]).
pub(crate) fn classify_sts<E>(err: SdkError<E, HttpResponse>) -> CallError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let brief = brief(&err);
    let mut e = classify_as(err, Protocol::Query);
    if e.status.is_none() {
        e.message = brief;
    }
    e
}

/// An error and its causes on one line.
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> String {
    DisplayErrorContext(err).to_string()
}

/// An AssumeRole that failed after the retries of the command's pace (`renew`), as a person reads it:
/// `AssumeRole: <code>: <message>`.
#[derive(Debug)]
pub(super) struct AssumeFailed(pub(super) CallError);

impl std::fmt::Display for AssumeFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.0.code, self.0.message.as_str()) {
            (Some(c), "") => write!(f, "AssumeRole: {c}"),
            (Some(c), m) => write!(f, "AssumeRole: {c}: {m}"),
            (None, m) => write!(f, "AssumeRole: {m}"),
        }
    }
}

impl std::error::Error for AssumeFailed {}

/// Why STS refused, for a person: `AssumeRole: <code>: <message>` from the first STS failure in `err`'s
/// causes (the SDK wraps a refused AssumeRole in its credentials error), else each cause's own text joined by
/// `: ` (no debug dump of the response).
pub(crate) fn brief(err: &(dyn StdError + 'static)) -> String {
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
    let meta = |op: &str, code: Option<&str>, message: Option<&str>| match (code, message) {
        (Some(c), Some(m)) => format!("{op}: {c}: {m}"),
        (Some(c), None) => format!("{op}: {c}"),
        (None, m) => format!("{op}: {}", m.unwrap_or("no error code")),
    };
    let mut parts: Vec<String> = Vec::new();
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(x) = e.downcast_ref::<AssumeFailed>() {
            return x.to_string();
        }
        if let Some(x) = e.downcast_ref::<AssumeRoleError>() {
            return meta("AssumeRole", x.code(), x.message());
        }
        if let Some(x) = e.downcast_ref::<GetCallerIdentityError>() {
            return meta("GetCallerIdentity", x.code(), x.message());
        }
        let text = e.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        cause = e.source();
    }
    parts.join(": ")
}

/// An SDK timestamp as a chrono one.
pub(crate) fn timestamp(t: &aws_smithy_types::DateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_services_not_found_means_absent() {
        use ErrorKind::*;
        let cases: &[(u16, Option<&str>, bool, ErrorKind)] = &[
            (404, Some("ResourceNotFoundException"), true, NotFound),
            (404, Some("ResourceNotFoundException"), false, Foreign),
            (404, None, true, Foreign),
            (404, None, false, Foreign),
            (404, Some("UnknownOperationException"), true, Foreign),
            (400, Some("ValidationException"), true, Validation),
            (400, None, false, Foreign),
            (400, None, true, Foreign),
            (403, Some("AccessDeniedException"), true, AccessDenied),
            (403, None, false, Foreign),
            (409, Some("ConflictException"), true, Conflict),
            (402, Some("ServiceQuotaExceededException"), true, QuotaExceeded),
            (200, None, false, Foreign),
            (200, Some("ResourceNotFoundException"), true, Foreign),
            (301, None, false, Foreign),
            (429, None, false, Throttling),
            (400, Some("ThrottlingException"), true, Throttling),
            (400, Some("Throttling"), true, Throttling),
            (400, Some("TooManyRequestsException"), true, Throttling),
            (403, Some("InvalidClientTokenId"), true, Unrecognized),
            (403, Some("UnrecognizedClientException"), true, Unrecognized),
            (403, Some("InvalidSignatureException"), true, Unrecognized),
            (403, Some("SignatureDoesNotMatch"), true, Unrecognized),
            (403, Some("UnrecognizedClientException"), false, Foreign),
            (400, Some("UnrecognizedClientException"), true, Validation),
            (403, Some("OtherDenial"), true, AccessDenied),
            (503, None, false, Server),
            (500, Some("InternalServerException"), true, Server),
            (418, Some("Teapot"), true, Other),
            (403, Some("ExpiredTokenException"), true, ExpiredCredentials),
            (400, Some("ExpiredTokenException"), true, ExpiredCredentials),
            (400, Some("ExpiredToken"), false, ExpiredCredentials),
            (404, Some("ExpiredTokenException"), true, Foreign),
        ];
        for &(status, code, json, want) in cases {
            assert_eq!(kind_of(status, code, json), want, "{status} {code:?} json={json}");
        }
    }

    #[test]
    fn only_unaccepted_credentials_refuse_the_whole_target() {
        use ErrorKind::*;
        for (kind, refuses) in [
            (Unrecognized, true),
            (ExpiredCredentials, true),
            (AccessDenied, false),
            (Validation, false),
            (Throttling, false),
            (Server, false),
            (Connection, false),
            (Timeout, false),
            (NotFound, false),
            (Conflict, false),
            (QuotaExceeded, false),
            (Foreign, false),
            (Other, false),
        ] {
            assert_eq!(CallError { kind, ..CallError::malformed("x") }.refuses_target(), refuses, "{kind:?}");
        }
    }

    #[test]
    fn json_object_bodies() {
        assert!(is_json_object(b" {\"Message\": \"x\"} "));
        assert!(!is_json_object(b"<html>404</html>"));
        assert!(!is_json_object(b"Not Found"));
        assert!(!is_json_object(b""));
        assert!(!is_json_object(b"[1]"));
        let sts = b"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Code>Throttling</Code></Error></ErrorResponse>";
        assert!(Protocol::Query.shaped(sts));
        assert!(!Protocol::Json.shaped(sts));
        assert!(!Protocol::Query.shaped(b"<html>403</html>"));
        assert!(!Protocol::Query.shaped(b"{\"__type\": \"x\"}"));
    }
}
