//! SDK errors and values turned into the crate's own types: the one boundary where `SdkError` is seen.

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
    /// 404 ResourceNotFoundException.
    NotFound,
    /// 409 ConflictException.
    Conflict,
    /// 400 ValidationException.
    Validation,
    /// 403 AccessDeniedException.
    AccessDenied,
    /// 402 ServiceQuotaExceededException.
    QuotaExceeded,
    /// Anything else (a response we could not read, a request we could not build).
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
    /// True for failures worth another attempt: throttling, 5xx, timeouts and dropped connections.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::Throttling | ErrorKind::Server | ErrorKind::Timeout | ErrorKind::Connection)
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

fn kind_of(status: u16, code: Option<&str>) -> ErrorKind {
    match (code, status) {
        (Some("ThrottlingException"), _) | (_, 429) => ErrorKind::Throttling,
        (_, 500 | 502 | 503 | 504) => ErrorKind::Server,
        (_, 404) => ErrorKind::NotFound,
        (_, 409) => ErrorKind::Conflict,
        (_, 400) => ErrorKind::Validation,
        (_, 403) => ErrorKind::AccessDenied,
        (_, 402) => ErrorKind::QuotaExceeded,
        _ => ErrorKind::Other,
    }
}

fn header(raw: &HttpResponse, name: &str) -> Option<String> {
    raw.headers().get(name).map(str::to_string)
}

fn from_response(raw: &HttpResponse, code: Option<&str>, message: Option<&str>) -> CallError {
    let status = raw.status().as_u16();
    CallError {
        kind: kind_of(status, code),
        status: Some(status),
        code: code.map(str::to_string),
        message: message.map(str::to_string).unwrap_or_else(|| format!("HTTP {status} with no message")),
        retry_after: header(raw, "retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs),
        request_id: header(raw, "x-amzn-requestid"),
    }
}

/// Turn any operation's `SdkError` into a [`CallError`].
pub(crate) fn classify<E>(err: SdkError<E, HttpResponse>) -> CallError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(se) => from_response(se.raw(), se.err().code(), se.err().message()),
        SdkError::ResponseError(re) => {
            let mut e = from_response(re.raw(), None, None);
            e.message = chain(&err);
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

/// An error and its causes on one line.
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> String {
    DisplayErrorContext(err).to_string()
}

/// An SDK timestamp as a chrono one.
pub(crate) fn timestamp(t: &aws_smithy_types::DateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos()).unwrap_or_default()
}
