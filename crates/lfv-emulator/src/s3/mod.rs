//! The minimal S3 of the emulator, on the same endpoint as Lookout for Vision: the server hands a request
//! here when its SigV4 credential scope names the service `s3` (outside `/2020-11-20/`). [`S3`] is the
//! service the pipeline calls; `protocol.rs` holds S3's REST-XML wire (routing, errors), `objects.rs` the
//! operations and `store.rs` the objects (built once from the world's dataset entries; the shared world holds
//! the store, so nothing here imports `shared.rs`).
//!
//! Refusals, in the pipeline's order: refused credentials (400 ExpiredToken or 403 InvalidAccessKeyId) ->
//! any other operation (501 NotImplemented) -> an unreadable SigV4 scope (403 AccessDenied) -> the access
//! key's `deny` list (403 AccessDenied) -> the S3 quota per (account, region, operation)
//! ([`crate::EmulatorConfig::s3_rate`]; over it: 503 SlowDown) -> the `internal` fault (500 InternalError).
//! The log records no caller for S3 requests.

mod objects;
mod protocol;
pub(crate) mod store;

use bytes::Bytes;
use hyper::http::request::Parts;

use crate::identity::Principal;
use crate::metrics::Outcome;
use crate::service::{Answer, QuotaKind, Refusal, Route, Service, UnknownAt};
use crate::wire;
use protocol::{S3Error, S3Op, err, error_response};
use store::Store;

/// S3, for one request.
pub(crate) struct S3<'a> {
    store: &'a Store,
    op: S3Op,
    /// Bucket and key, still percent-encoded.
    bucket: String,
    key: String,
}

impl<'a> S3<'a> {
    /// The service over the object store.
    pub(crate) fn new(store: &'a Store) -> S3<'a> {
        S3 { store, op: S3Op::Unknown, bucket: String::new(), key: String::new() }
    }

    fn error(&self, e: S3Error, request_id: &str) -> Answer {
        Answer::error(e.code, error_response(&e, self.op, request_id))
    }
}

impl Service for S3<'_> {
    const SCOPE: &'static str = "s3";
    const REGIONAL: bool = true;
    const QUOTA: Option<QuotaKind> = Some(QuotaKind::S3);
    const LOGS_CALLER: bool = false;
    const UNKNOWN: UnknownAt = UnknownAt::AfterCredentials;

    fn route(&mut self, parts: &Parts, _body: Option<&Result<Bytes, ()>>) -> Route {
        let (op, bucket, key) = protocol::route(&parts.method, parts.uri.path(), parts.uri.query());
        (self.op, self.bucket, self.key) = (op, bucket.to_string(), key.to_string());
        Route { op: op.name(), known: op != S3Op::Unknown }
    }

    fn refuse(&self, refusal: Refusal<'_>, parts: &Parts, request_id: &str) -> Answer {
        let e = match refusal {
            Refusal::UnknownOperation => err(
                501,
                "NotImplemented",
                format!("{} {} is not implemented by the emulator.", parts.method, parts.uri),
            ),
            Refusal::BadScope(_) => err(403, "AccessDenied", "Missing or invalid SigV4 Authorization header."),
            Refusal::Credentials(e) => {
                let (code, response) = protocol::credentials_response(e, &parts.method, request_id);
                return Answer::error(code, response);
            }
            Refusal::Denied { akid, .. } => err(
                403,
                "AccessDenied",
                format!(
                    "User with access key {akid} is not authorized to perform: s3:{} (denied by the emulator seed).",
                    self.op.name()
                ),
            ),
            Refusal::Throttled => err(503, "SlowDown", "Please reduce your request rate."),
            Refusal::Internal => err(500, "InternalError", "We encountered an internal error (injected)."),
        };
        self.error(e, request_id)
    }

    fn call(
        &self,
        parts: &Parts,
        _body: Result<Bytes, ()>,
        _caller: &Principal,
        _out: &Outcome,
        request_id: &str,
    ) -> Answer {
        let checksum =
            parts.headers.get("x-amz-checksum-mode").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"ENABLED"));
        let result = match (wire::decode(&self.bucket), wire::decode(&self.key)) {
            (Ok(bucket), Ok(key)) => match self.op {
                S3Op::ListObjectsV2 => objects::list(self.store, &bucket, parts.uri.query(), request_id),
                _ => objects::object(self.store, self.op, &bucket, &key, checksum, request_id),
            },
            _ => Err(err(400, "InvalidURI", "Couldn't parse the specified URI.")),
        };
        match result {
            Ok(response) => Answer::ok(response),
            Err(e) => self.error(e, request_id),
        }
    }
}
