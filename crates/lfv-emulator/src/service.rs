//! What a service tells the one request pipeline (`pipeline.rs`): the [`Service`] trait each service folder
//! implements (`lookoutvision/`, `s3/`, `sts/`, `orgs/`), the [`Refusal`]s the pipeline asks it to render and
//! the [`Answer`] it gets back. Knows no state: a service is handed what it needs when the pipeline builds it,
//! so `s3/` (whose object store the shared world holds) never imports `shared.rs`.

use bytes::Bytes;
use hyper::Response;
use hyper::http::request::Parts;

use super::identity::{AuthError, Principal};
use super::metrics::Outcome;
use super::wire::{ApiError, Body};

/// One response and the error code the log records for it (`None` for a success).
pub(crate) struct Answer {
    pub(crate) response: Response<Body>,
    pub(crate) error_code: Option<&'static str>,
}

impl Answer {
    /// A success.
    pub(crate) fn ok(response: Response<Body>) -> Answer {
        Answer { response, error_code: None }
    }
    /// An error answer with its code.
    pub(crate) fn error(code: &'static str, response: Response<Body>) -> Answer {
        Answer { response, error_code: Some(code) }
    }
}

/// Which request-rate quota a service is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QuotaKind {
    /// Lookout for Vision's, [`EmulatorConfig::rate`](crate::EmulatorConfig::rate) per (account, region, operation).
    Api,
    /// S3's, [`EmulatorConfig::s3_rate`](crate::EmulatorConfig::s3_rate) per (account, region, operation).
    S3,
}

/// Where the pipeline refuses an operation the service does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnknownAt {
    /// Before the credentials are read (Lookout for Vision: 404 UnknownOperationException).
    BeforeCredentials,
    /// After refused credentials, before an unreadable scope (S3: 501 NotImplemented).
    AfterCredentials,
}

/// A request the service routed: the operation's name (for the log, quotas, `deny` lists and fault `ops`) and
/// whether it is one the pipeline may call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route {
    pub(crate) op: &'static str,
    pub(crate) known: bool,
}

/// Why the pipeline refused a request, for the service to render in its own error shape.
#[derive(Debug)]
pub(crate) enum Refusal<'a> {
    /// The service has no such operation ([`Route::known`] false).
    UnknownOperation,
    /// Missing or unreadable SigV4 credential scope for this service (the restJson1 form, with the reason).
    BadScope(ApiError),
    /// Expired, unknown or region-disabled credentials.
    Credentials(AuthError),
    /// The seed's `deny` list of the caller's key names the operation.
    Denied { akid: &'a str, caller: &'a Principal },
    /// Over the service's quota.
    Throttled,
    /// The injected `internal` fault.
    Internal,
}

/// One emulated service behind the pipeline. The pipeline runs, in order: [`Service::route`], the unknown
/// operation check ([`Service::UNKNOWN`]), SigV4 scope and credentials ([`Service::SCOPE`],
/// [`Service::REGIONAL`]), the `deny` list, the quota ([`Service::QUOTA`]), one fault draw, the body read, and
/// last [`Service::call`].
pub(crate) trait Service {
    /// The SigV4 credential scope's service name this service answers.
    const SCOPE: &'static str;
    /// Regional: the caller's account must have enabled the scope's region, and the log names the key's account
    /// even when the credentials are refused.
    const REGIONAL: bool;
    /// The quota the service is held to, if any (default none).
    const QUOTA: Option<QuotaKind> = None;
    /// Whether the log records the caller's ARN (default yes; S3: no, as
    /// [`LogEntry::caller`](crate::LogEntry::caller) says).
    const LOGS_CALLER: bool = true;
    /// Whether the operation is named in the body (STS's `Action`): the body is then read before routing
    /// (default no).
    const ROUTES_BY_BODY: bool = false;
    /// Where an operation the service does not have is refused (default before the credentials). A service
    /// that answers unknown operations itself (STS, Organizations) routes every request as known.
    const UNKNOWN: UnknownAt = UnknownAt::BeforeCredentials;

    /// Name the operation (`body` is the read body when [`Service::ROUTES_BY_BODY`]).
    fn route(&mut self, parts: &Parts, body: Option<&Result<Bytes, ()>>) -> Route;

    /// Add what the log knows of the request before its credentials (path labels, client token).
    fn describe(&self, _parts: &Parts, _out: &mut Outcome) {}

    /// Render a refusal.
    fn refuse(&self, refusal: Refusal<'_>, parts: &Parts, request_id: &str) -> Answer;

    /// Answer an admitted request; `body` is `Err` when it was over 1 MiB or could not be read.
    fn call(
        &self,
        parts: &Parts,
        body: Result<Bytes, ()>,
        caller: &Principal,
        out: &Outcome,
        request_id: &str,
    ) -> Answer;
}
