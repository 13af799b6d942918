//! The emulated AWS STS: GetCallerIdentity and AssumeRole in the `query` protocol of 2011-06-15, chosen by
//! the SigV4 scope's service `sts` on `POST /` of the shared endpoint. [`Sts`] is the service the pipeline
//! calls; `protocol.rs` holds the form decoding and the XML shapes, `answers.rs` the operations.
//!
//! A request is a form-encoded `POST /` (`Action=AssumeRole&Version=2011-06-15&...`), so its body is read
//! before routing. Refusals: an unreadable scope is 403 IncompleteSignature; refused credentials 403
//! ExpiredToken or InvalidClientTokenId; a `deny` list 403 AccessDenied; the `internal` fault 500
//! InternalFailure; a body over 1 MiB 400 ValidationError; an unknown Action 400 InvalidAction (after the
//! credentials and faults). STS is not throttled (CHOICE: AWS's STS quota, 600 requests/s per account and
//! region, is far above what the tool sends).

mod answers;
mod protocol;

use bytes::Bytes;
use hyper::http::request::Parts;

use crate::identity::{AuthError, Principal};
use crate::metrics::Outcome;
use crate::service::{Answer, Refusal, Route, Service};
use crate::shared::Shared;
use crate::wire;
use protocol::{StsError, form, render_error, xml};

/// STS, for one request.
pub(crate) struct Sts<'a> {
    shared: &'a Shared,
    /// The decoded form parameters of the body.
    params: Vec<(String, String)>,
}

impl<'a> Sts<'a> {
    /// The service over the shared identity and clock.
    pub(crate) fn new(shared: &'a Shared) -> Sts<'a> {
        Sts { shared, params: Vec::new() }
    }

    fn action(&self) -> Option<&str> {
        wire::query_get(&self.params, "Action")
    }

    fn error(e: &StsError, request_id: &str) -> Answer {
        Answer::error(e.1, render_error(e, request_id))
    }
}

/// The operation an Action names (`Unknown` for any other).
fn op_name(action: Option<&str>) -> &'static str {
    match action {
        Some("AssumeRole") => "AssumeRole",
        Some("GetCallerIdentity") => "GetCallerIdentity",
        _ => "Unknown",
    }
}

impl Service for Sts<'_> {
    const SCOPE: &'static str = "sts";
    const REGIONAL: bool = false;
    const ROUTES_BY_BODY: bool = true;

    fn route(&mut self, _parts: &Parts, body: Option<&Result<Bytes, ()>>) -> Route {
        self.params = body.and_then(|b| b.as_deref().ok()).map(form).unwrap_or_default();
        // An unknown Action is answered by `call` (InvalidAction), after the credentials and faults.
        Route { op: op_name(self.action()), known: true }
    }

    fn refuse(&self, refusal: Refusal<'_>, _parts: &Parts, request_id: &str) -> Answer {
        let op = op_name(self.action());
        let e = match refusal {
            Refusal::BadScope(_) => {
                StsError(403, "IncompleteSignature", "Missing or invalid SigV4 Authorization header.".into())
            }
            Refusal::Credentials(AuthError::Expired) => {
                StsError(403, "ExpiredToken", "The security token included in the request is expired".into())
            }
            Refusal::Credentials(_) => {
                StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.".into())
            }
            Refusal::Denied { caller, .. } => StsError(
                403,
                "AccessDenied",
                format!("User: {} is not authorized to perform: sts:{op} (denied by the emulator seed)", caller.arn()),
            ),
            Refusal::Throttled => StsError(400, "Throttling", "Rate exceeded".into()),
            Refusal::UnknownOperation | Refusal::Internal => {
                StsError(500, "InternalFailure", "An internal error occurred (injected).".into())
            }
        };
        Sts::error(&e, request_id)
    }

    fn call(
        &self,
        _parts: &Parts,
        body: Result<Bytes, ()>,
        caller: &Principal,
        _out: &Outcome,
        request_id: &str,
    ) -> Answer {
        let result = match (body.is_err(), op_name(self.action())) {
            (true, _) => Err(StsError(400, "ValidationError", "Request body is larger than 1 MiB.".into())),
            (_, "GetCallerIdentity") => Ok(answers::caller_identity(caller, request_id)),
            (_, "AssumeRole") => answers::assume_role(self.shared, caller, &self.params, request_id),
            _ => Err(StsError(
                400,
                "InvalidAction",
                format!("Could not find operation {} for version 2011-06-15", self.action().unwrap_or("")),
            )),
        };
        match result {
            Ok(body) => Answer::ok(xml(200, body, request_id)),
            Err(e) => Sts::error(&e, request_id),
        }
    }
}
