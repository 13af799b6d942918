//! The one request pipeline of every service ([`run`]), after `server.rs` chose the service by the SigV4
//! scope. In order: route ([`Service::route`]; STS reads its body first, its operation is named there) ->
//! an operation the service does not have (Lookout for Vision: here, 404) -> SigV4 credential scope and the
//! principal behind its key (`auth.rs`; a refused key is logged with its region, and for regional services
//! its account) -> an operation the service does not have (S3: here, 501) -> unreadable scope -> the key's
//! `deny` list -> the service's quota bucket -> one fault draw (internal; unavailable: a 503 page; reset: the
//! connection dropped; slow and latency: a delay) -> body read (at most 1 MiB) -> the service's operation
//! ([`Service::call`]) -> the fault delay plus `config.latency` -> response, logged and counted once.
//!
//! Refusals before the quota are answered at once; throttling and the `internal` fault after
//! `config.latency`. A delayed answer is finished on its own task so that its log entry and counters are
//! recorded even when the client gives up. Every response carries a fresh UUID request id. No lock is held
//! across an await.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::{Request, Response};

use super::auth;
use super::faults::Fault;
use super::metrics::{Outcome, wall_ms};
use super::request::read_body;
use super::service::{Answer, QuotaKind, Refusal, Service, UnknownAt};
use super::shared::Shared;
use super::wire::{self, Body};

/// The error the pipeline returns to make hyper drop the connection (the `reset` fault).
#[derive(Debug)]
pub(crate) struct Reset;

impl std::fmt::Display for Reset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected connection reset")
    }
}

impl std::error::Error for Reset {}

thread_local! {
    static ID_RNG: std::cell::RefCell<rand::rngs::SmallRng> =
        std::cell::RefCell::new(<rand::rngs::SmallRng as rand::SeedableRng>::from_os_rng());
}

/// A random (version 4) UUID for the request id, from a per-thread generator seeded by the OS: one
/// `getrandom` per thread instead of one per request.
pub(crate) fn request_id() -> String {
    let bytes: [u8; 16] = ID_RNG.with(|r| rand::Rng::random(&mut *r.borrow_mut()));
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// One request's place in the log: its sequence number, arrival (wall ms) and request id.
struct Arrival {
    seq: u64,
    at_ms: u64,
    request_id: String,
}

/// Answer one request of `service`: the whole pipeline of the module docs.
pub(crate) async fn run<S, B>(shared: Arc<Shared>, req: Request<B>, mut service: S) -> Result<Response<Body>, Reset>
where
    S: Service,
    B: hyper::body::Body<Data = Bytes> + Unpin,
{
    let at = Arrival { seq: shared.metrics.next_seq(), at_ms: wall_ms(), request_id: request_id() };
    let (parts, body) = req.into_parts();
    let mut pending = Some(body);
    let mut read = None;
    if S::ROUTES_BY_BODY
        && let Some(b) = pending.take()
    {
        read = Some(read_body(b).await);
    }
    let route = service.route(&parts, read.as_ref());
    let op = route.op;
    let mut out = Outcome::new(op);
    let refuse = |out: Outcome, r: Refusal<'_>| finish(&shared, &at, out, service.refuse(r, &parts, &at.request_id));
    if !route.known && S::UNKNOWN == UnknownAt::BeforeCredentials {
        return Ok(refuse(out, Refusal::UnknownOperation));
    }
    service.describe(&parts, &mut out);
    let checked =
        match auth::credentials(&shared.identity, &parts.headers, S::SCOPE, S::REGIONAL, shared.clock.now_ms()) {
            Ok(c) => match c.principal {
                Ok(p) => Ok((c.akid, c.region, p)),
                Err(e) => {
                    if S::REGIONAL {
                        out.account = shared.account_of(&c.akid, op).0;
                    }
                    out.region = c.region;
                    return Ok(refuse(out, Refusal::Credentials(e)));
                }
            },
            Err(e) => Err(e),
        };
    if !route.known {
        return Ok(refuse(out, Refusal::UnknownOperation));
    }
    let (akid, region, principal) = match checked {
        Ok(x) => x,
        Err(e) => return Ok(refuse(out, Refusal::BadScope(e))),
    };
    out.account = principal.account().to_string();
    out.region = region;
    if S::LOGS_CALLER {
        out.caller = Some(principal.arn());
    }
    if principal.denies(op) {
        return Ok(refuse(out, Refusal::Denied { akid: &akid, caller: &principal }));
    }
    let quota = S::QUOTA.map(|q| match q {
        QuotaKind::Api => &shared.quota,
        QuotaKind::S3 => &shared.s3_quota,
    });
    if quota.is_some_and(|q| !q.try_acquire(&out.account, &out.region, op)) {
        let answer = service.refuse(Refusal::Throttled, &parts, &at.request_id);
        return Ok(finish_delayed(&shared, &at, out, answer, None).await);
    }
    let fault = shared.faults.draw(op);
    if let Some(f) = fault {
        // Counted at once: a client that gives up on a slow answer must still see the fault in the stats.
        shared.metrics.fault(f.kind());
    }
    let delay = match fault {
        Some(Fault::Internal) => {
            let answer = service.refuse(Refusal::Internal, &parts, &at.request_id);
            return Ok(finish_delayed(&shared, &at, out, answer, None).await);
        }
        Some(Fault::Unavailable) => {
            out.status = 503;
            shared.metrics.finish(at.seq, at.at_ms, out);
            return Ok(wire::unavailable_response(&at.request_id));
        }
        Some(Fault::Reset) => {
            shared.metrics.finish(at.seq, at.at_ms, out);
            return Err(Reset);
        }
        Some(Fault::Slow(ms) | Fault::Latency(ms)) => Some(Duration::from_millis(ms)),
        None => None,
    };
    let body = match (read, pending) {
        (Some(b), _) => b,
        (None, Some(b)) => read_body(b).await,
        (None, None) => Err(()),
    };
    let answer = service.call(&parts, body, &principal, &out, &at.request_id);
    if delay.is_none() && shared.settings.latency.is_zero() {
        return Ok(finish(&shared, &at, out, answer));
    }
    let task = tokio::spawn(async move { finish_delayed(&shared, &at, out, answer, delay).await });
    task.await.map_err(|_| Reset)
}

/// [`finish`] after `config.latency` plus the fault delay.
async fn finish_delayed(
    shared: &Shared,
    at: &Arrival,
    out: Outcome,
    answer: Answer,
    fault_delay: Option<Duration>,
) -> Response<Body> {
    let delay = shared.settings.latency + fault_delay.unwrap_or_default();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    finish(shared, at, out, answer)
}

/// Log and count the answer, and hand its response back.
fn finish(shared: &Shared, at: &Arrival, mut out: Outcome, answer: Answer) -> Response<Body> {
    out.status = answer.response.status().as_u16();
    out.error_code = answer.error_code;
    shared.metrics.finish(at.seq, at.at_ms, out);
    answer.response
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_are_fresh_uuids() {
        let (a, b) = (super::request_id(), super::request_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
    }
}
