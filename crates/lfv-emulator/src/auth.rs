//! The authentication front shared by STS and Organizations ([`front`]: SigV4 scope, session check, `deny`
//! list, fault draw), and the S3 refusal of expired or unknown session keys ([`s3_refusal`]), so that every
//! emulated service refuses the same credentials, each in its own error shape.
//!
//! Status codes (README, emulator CHOICES): Lookout for Vision and Organizations answer ExpiredTokenException
//! and UnrecognizedClientException with 403 (AWS's common errors); STS answers `ExpiredToken` and
//! `InvalidClientTokenId` with 403; S3 answers `ExpiredToken` with 400 and `InvalidAccessKeyId` with 403 (S3's
//! error code list). A region the caller's account has not enabled is answered as an unknown key.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::HeaderMap;
use hyper::{Method, Response, StatusCode};

use super::faults::Fault;
use super::identity::{AuthError, Principal};
use super::metrics::{Outcome, wall_ms};
use super::shared::Shared;
use super::wire::{self, Body};

/// The session token header of SigV4 requests made with temporary credentials.
pub(crate) const TOKEN_HEADER: &str = "x-amz-security-token";

/// The session token a request carries, if any.
pub(crate) fn token(headers: &HeaderMap) -> Option<&str> {
    headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok())
}

/// Why the front refused a request, for the protocol module to render.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Missing or unreadable SigV4 credential scope for this service.
    BadScope,
    /// Expired, unknown or region-disabled credentials.
    Auth(AuthError),
    /// The seed's `deny` list names the operation.
    Denied(String),
    /// Injected 500.
    Internal,
    /// Already logged and answered by a connection-level fault: the load balancer's 503 page (`unavailable`),
    /// or `None` to drop the connection (`reset`).
    Finished(Option<Box<Response<Body>>>),
}

/// One request's place in the log: its sequence number, arrival (wall ms) and request id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival<'a> {
    pub(crate) seq: u64,
    pub(crate) at_ms: u64,
    pub(crate) request_id: &'a str,
}

/// A request that passed the front: its caller, region and the delay fault to apply (if any).
#[derive(Debug)]
pub(crate) struct Admitted {
    pub(crate) principal: Principal,
    pub(crate) delay_ms: Option<u64>,
}

/// Authenticate a global-service request (no region check) and draw its fault; fills `out.account` and
/// `out.region` when the scope is readable. The `unavailable` and `reset` faults are logged and answered here
/// ([`Refusal::Finished`]).
pub(crate) fn front(
    shared: &Shared,
    headers: &HeaderMap,
    service: &str,
    out: &mut Outcome,
    at: Arrival<'_>,
) -> Result<Admitted, Refusal> {
    let op = out.op;
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    let (akid, region) = wire::parse_sigv4_scope(auth, service).map_err(|_| Refusal::BadScope)?;
    out.region = region;
    let principal =
        shared.identity.authenticate(&akid, token(headers), None, shared.clock.now_ms()).map_err(Refusal::Auth)?;
    out.account = principal.account().to_string();
    out.caller = Some(principal.arn());
    if principal.denies(op) {
        return Err(Refusal::Denied(format!(
            "User: {} is not authorized to perform: {service}:{op} (denied by the emulator seed)",
            principal.arn()
        )));
    }
    let fault = shared.faults.draw(op);
    if let Some(f) = fault {
        shared.metrics.fault(f.kind());
    }
    let mut finish = |status: u16| {
        let mut o = std::mem::replace(out, outcome(op));
        o.status = status;
        shared.metrics.finish(at.seq, at.at_ms, o);
    };
    match fault {
        Some(Fault::Internal) => Err(Refusal::Internal),
        Some(Fault::Unavailable) => {
            finish(503);
            Err(Refusal::Finished(Some(Box::new(wire::unavailable_response(at.request_id)))))
        }
        Some(Fault::Reset) => {
            finish(0);
            Err(Refusal::Finished(None))
        }
        Some(Fault::Slow(ms) | Fault::Latency(ms)) => Ok(Admitted { principal, delay_ms: Some(ms) }),
        None => Ok(Admitted { principal, delay_ms: None }),
    }
}

/// The Lookout for Vision (restJson1) form of a credentials refusal.
pub(crate) fn api_error(e: AuthError) -> wire::ApiError {
    match e {
        AuthError::Expired => {
            wire::ApiError::ExpiredToken("The security token included in the request is expired".into())
        }
        AuthError::Unknown | AuthError::RegionDisabled => {
            wire::ApiError::UnrecognizedClient("The security token included in the request is invalid.".into())
        }
    }
}

/// A fresh outcome for the log, before the caller is known.
pub(crate) fn outcome(op: &'static str) -> Outcome {
    Outcome {
        op,
        account: String::new(),
        region: String::new(),
        caller: None,
        project: None,
        dataset_type: None,
        client_token: None,
        status: 0,
        error_code: None,
    }
}

/// Sleep for a `slow`/`latency` fault plus the configured latency.
pub(crate) async fn delay(shared: &Shared, fault_ms: Option<u64>) {
    let d = shared.settings.latency + std::time::Duration::from_millis(fault_ms.unwrap_or(0));
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// For an S3 request signed with an expired or unknown session key (or in a region its account has not
/// enabled): the S3 error response, logged and counted as `op`. `None` lets the request through to `s3.rs`.
pub(crate) fn s3_refusal(
    shared: &Shared,
    method: &Method,
    headers: &HeaderMap,
    op: &'static str,
    request_id: &str,
) -> Option<Response<Body>> {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    let (akid, region) = wire::parse_sigv4_scope(auth, "s3").ok()?;
    let err = shared.identity.authenticate(&akid, token(headers), Some(&region), shared.clock.now_ms()).err()?;
    let (status, code, message) = match err {
        AuthError::Expired => (400, "ExpiredToken", "The provided token has expired."),
        AuthError::Unknown | AuthError::RegionDisabled => {
            (403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        }
    };
    let seq = shared.metrics.next_seq();
    let mut out = outcome(op);
    out.account = shared.account_of(&akid, op).0;
    out.region = region;
    out.status = status;
    out.error_code = Some(code);
    shared.metrics.finish(seq, wall_ms(), out);
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
    Some(b.body(Full::new(body)).unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))))
}
