//! The emulated AWS Organizations: ListAccounts in the `json` 1.1 protocol (`POST /`,
//! `X-Amz-Target: AWSOrganizationsV20161128.ListAccounts`), chosen by the SigV4 scope's service
//! `organizations` or that target prefix on the shared endpoint. [`Orgs`] is the service the pipeline calls;
//! `protocol.rs` holds the JSON 1.1 shapes, `accounts.rs` ListAccounts.
//!
//! Refusals: an unreadable scope is 403 IncompleteSignature; refused credentials 403 ExpiredTokenException or
//! UnrecognizedClientException; a `deny` list 400 AccessDeniedException; the `internal` fault 500
//! ServiceException; a body over 1 MiB 400 InvalidInputException; another target 400
//! UnknownOperationException (after the credentials and faults). Not throttled (CHOICE, as STS).

mod accounts;
mod protocol;

use bytes::Bytes;
use hyper::http::request::Parts;

use crate::identity::{AuthError, Principal};
use crate::metrics::Outcome;
use crate::service::{Answer, Refusal, Route, Service};
use crate::shared::Shared;
use protocol::{OrgError, error_response, invalid, json_response};

/// The X-Amz-Target prefix of Organizations.
pub(crate) const TARGET_PREFIX: &str = "AWSOrganizationsV20161128.";

/// Organizations, for one request.
pub(crate) struct Orgs<'a> {
    shared: &'a Shared,
    /// The request's X-Amz-Target.
    target: String,
}

impl<'a> Orgs<'a> {
    /// The service over the shared identity (its organisation).
    pub(crate) fn new(shared: &'a Shared) -> Orgs<'a> {
        Orgs { shared, target: String::new() }
    }

    fn op(&self) -> &'static str {
        match self.target.strip_prefix(TARGET_PREFIX) {
            Some("ListAccounts") => "ListAccounts",
            _ => "Unknown",
        }
    }
}

impl Service for Orgs<'_> {
    const SCOPE: &'static str = "organizations";
    const REGIONAL: bool = false;

    fn route(&mut self, parts: &Parts, _body: Option<&Result<Bytes, ()>>) -> Route {
        self.target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        // Another target is answered by `call` (UnknownOperationException), after the credentials and faults.
        Route { op: self.op(), known: true }
    }

    fn refuse(&self, refusal: Refusal<'_>, _parts: &Parts, request_id: &str) -> Answer {
        let e = match refusal {
            Refusal::BadScope(_) => {
                OrgError(403, "IncompleteSignature", "Missing or invalid SigV4 Authorization header.".into(), None)
            }
            Refusal::Credentials(AuthError::Expired) => OrgError(
                403,
                "ExpiredTokenException",
                "The security token included in the request is expired".into(),
                None,
            ),
            Refusal::Credentials(_) => OrgError(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.".into(),
                None,
            ),
            Refusal::Denied { caller, .. } => OrgError(
                400,
                "AccessDeniedException",
                format!(
                    "User: {} is not authorized to perform: organizations:{} (denied by the emulator seed)",
                    caller.arn(),
                    self.op()
                ),
                None,
            ),
            Refusal::Throttled => OrgError(400, "TooManyRequestsException", "Rate exceeded.".into(), None),
            Refusal::UnknownOperation | Refusal::Internal => OrgError(
                500,
                "ServiceException",
                "AWS Organizations can't complete your request (injected).".into(),
                None,
            ),
        };
        Answer::error(e.1, error_response(&e, request_id))
    }

    fn call(
        &self,
        _parts: &Parts,
        body: Result<Bytes, ()>,
        caller: &Principal,
        _out: &Outcome,
        request_id: &str,
    ) -> Answer {
        let result = match (body, self.op()) {
            (Err(()), _) => Err(invalid("Request body is larger than 1 MiB.", None)),
            (Ok(b), "ListAccounts") => accounts::list_accounts(self.shared, caller, &b),
            _ => Err(OrgError(400, "UnknownOperationException", format!("Unknown target {:?}.", self.target), None)),
        };
        match result {
            Ok(v) => Answer::ok(json_response(200, &v, None, request_id)),
            Err(e) => Answer::error(e.1, error_response(&e, request_id)),
        }
    }
}
