//! Lookout for Vision behind the request pipeline ([`LookoutVision`]): routing of `/2020-11-20/` paths to its
//! operations (`routes.rs`), what the log records of a request (project, dataset type, client token), its
//! restJson1 refusals and the dispatch to `ops.rs`.
//!
//! Refusals: an unknown path or method is 404 UnknownOperationException (before the credentials); an
//! unreadable scope or a `deny` list is 403 AccessDeniedException; refused credentials are
//! ExpiredTokenException or UnrecognizedClientException (403); the quota is ThrottlingException (429, QuotaCode
//! `L-LFV-API-TPS`); the `internal` fault is InternalServerException (500). A body over 1 MiB or a query that
//! does not decode is a ValidationException.

use bytes::Bytes;
use hyper::http::request::Parts;

use super::ops;
use crate::identity::{AuthError, Principal};
use crate::metrics::Outcome;
use crate::request::{ApiRequest, MAX_BODY};
use crate::service::{Answer, QuotaKind, Refusal, Route, Service};
use crate::shared::Shared;
use crate::wire::{self, ApiError, Op};

/// Lookout for Vision, for one request.
pub(crate) struct LookoutVision<'a> {
    shared: &'a Shared,
    op: Op,
    /// Decoded path labels (a label that does not decode is empty).
    labels: Vec<String>,
}

impl<'a> LookoutVision<'a> {
    /// The service over the shared world.
    pub(crate) fn new(shared: &'a Shared) -> LookoutVision<'a> {
        LookoutVision { shared, op: Op::Unknown, labels: Vec::new() }
    }
}

/// The restJson1 form of a credentials refusal.
fn credentials_error(e: AuthError) -> ApiError {
    match e {
        AuthError::Expired => ApiError::ExpiredToken("The security token included in the request is expired".into()),
        AuthError::Unknown | AuthError::RegionDisabled => {
            ApiError::UnrecognizedClient("The security token included in the request is invalid.".into())
        }
    }
}

fn answer(result: Result<wire::Reply, ApiError>, request_id: &str) -> Answer {
    match result {
        Ok(r) => Answer::ok(wire::reply_response(&r, request_id)),
        Err(e) => Answer::error(e.code(), wire::error_response(&e, request_id)),
    }
}

impl Service for LookoutVision<'_> {
    const SCOPE: &'static str = "lookoutvision";
    const REGIONAL: bool = true;
    const QUOTA: Option<QuotaKind> = Some(QuotaKind::Api);

    fn route(&mut self, parts: &Parts, _body: Option<&Result<Bytes, ()>>) -> Route {
        let route = wire::route(&parts.method, parts.uri.path());
        self.op = route.op;
        self.labels = route.labels.iter().map(|l| wire::decode(l).unwrap_or_default()).collect();
        Route { op: route.op.name(), known: route.op != Op::Unknown }
    }

    fn describe(&self, parts: &Parts, out: &mut Outcome) {
        if !matches!(self.op, Op::ListTagsForResource | Op::TagResource | Op::UntagResource) {
            out.project = self.labels.first().cloned();
            if matches!(self.op, Op::DescribeDataset | Op::DeleteDataset | Op::ListDatasetEntries) {
                out.dataset_type = self.labels.get(1).cloned();
            }
        }
        out.client_token =
            parts.headers.get("x-amzn-client-token").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    }

    fn refuse(&self, refusal: Refusal<'_>, parts: &Parts, request_id: &str) -> Answer {
        let op = self.op.name();
        let e = match refusal {
            Refusal::UnknownOperation => {
                ApiError::UnknownOperation(format!("No operation matches {} {}.", parts.method, parts.uri.path()))
            }
            Refusal::BadScope(e) => e,
            Refusal::Credentials(e) => credentials_error(e),
            Refusal::Denied { akid, .. } => ApiError::AccessDenied(format!(
                "User with access key {akid} is not authorized to perform: lookoutvision:{op} (denied by the \
                 emulator seed)."
            )),
            Refusal::Throttled => {
                ApiError::Throttling(format!("Rate exceeded for {op} (quota {}).", wire::TPS_QUOTA_CODE))
            }
            Refusal::Internal => {
                ApiError::InternalServer("Amazon Lookout for Vision experienced a service issue (injected).".into())
            }
        };
        answer(Err(e), request_id)
    }

    fn call(
        &self,
        parts: &Parts,
        body: Result<Bytes, ()>,
        _caller: &Principal,
        out: &Outcome,
        request_id: &str,
    ) -> Answer {
        let result = match (wire::parse_query(parts.uri.query()), body) {
            (Err(e), _) => Err(e),
            (_, Err(())) => Err(ApiError::Validation(format!(
                "Request body is larger than the {MAX_BODY}-byte limit or could not be read."
            ))),
            (Ok(query), Ok(body)) => ops::execute(
                self.shared,
                &ApiRequest {
                    op: self.op,
                    account: out.account.clone(),
                    region: out.region.clone(),
                    labels: self.labels.clone(),
                    query,
                    body,
                    token: out.client_token.clone(),
                },
            ),
        };
        answer(result, request_id)
    }
}
