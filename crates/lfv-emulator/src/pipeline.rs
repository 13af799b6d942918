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
use hyper::http::request::Parts;
use hyper::{Request, Response};

use super::auth;
use super::faults::Fault;
use super::identity::{AuthError, Principal};
use super::metrics::{Outcome, wall_ms};
use super::request::read_body;
use super::service::{Answer, QuotaKind, Refusal, Route, Service, UnknownAt};
use super::shared::Shared;
use super::wire::{self, ApiError, Body};

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

/// Answer one request of `service`: the whole pipeline of the module docs, one step after the other.
pub(crate) async fn run<S, B>(shared: Arc<Shared>, req: Request<B>, mut service: S) -> Result<Response<Body>, Reset>
where
    S: Service,
    B: hyper::body::Body<Data = Bytes> + Unpin,
{
    let at = Arrival { seq: shared.metrics.next_seq(), at_ms: wall_ms(), request_id: request_id() };
    let (parts, body) = req.into_parts();
    let (route, body) = name_operation(&mut service, &parts, body).await;
    let op = route.op;
    let mut out = Outcome::new(op);
    let refuse = |out: Outcome, r: Refusal<'_>| finish(&shared, &at, out, service.refuse(r, &parts, &at.request_id));
    if !route.known && S::UNKNOWN == UnknownAt::BeforeCredentials {
        return Ok(refuse(out, Refusal::UnknownOperation));
    }
    service.describe(&parts, &mut out);
    let scope = match credentials::<S>(&shared, &parts, &mut out) {
        Ok(scope) => scope,
        Err(e) => return Ok(refuse(out, Refusal::Credentials(e))),
    };
    if !route.known {
        return Ok(refuse(out, Refusal::UnknownOperation));
    }
    let (akid, principal) = match scope {
        Ok(key) => admit::<S>(key, &mut out),
        Err(e) => return Ok(refuse(out, Refusal::BadScope(e))),
    };
    if principal.denies(op) {
        return Ok(refuse(out, Refusal::Denied { akid: &akid, caller: &principal }));
    }
    if !within_quota::<S>(&shared, &out) {
        let answer = service.refuse(Refusal::Throttled, &parts, &at.request_id);
        return Ok(finish_delayed(&shared, &at, out, answer, None).await);
    }
    let delay = match draw_fault(&shared, op) {
        Ok(delay) => delay,
        Err(fault) => {
            return stop_on_fault(&shared, &at, out, fault, &service, &parts).await;
        }
    };
    let body = body.read().await;
    let answer = service.call(&parts, body, &principal, &out, &at.request_id);
    respond(shared, at, out, answer, delay).await
}

/// A request's body: read before routing (a service that names its operation there), or not yet.
enum Pending<B> {
    Read(Result<Bytes, ()>),
    Unread(B),
}

impl<B: hyper::body::Body<Data = Bytes> + Unpin> Pending<B> {
    /// The body, read now if it was not yet.
    async fn read(self) -> Result<Bytes, ()> {
        match self {
            Pending::Read(b) => b,
            Pending::Unread(b) => read_body(b).await,
        }
    }
}

/// Name the operation ([`Service::route`]), reading the body first when [`Service::ROUTES_BY_BODY`].
async fn name_operation<S, B>(service: &mut S, parts: &Parts, body: B) -> (Route, Pending<B>)
where
    S: Service,
    B: hyper::body::Body<Data = Bytes> + Unpin,
{
    let body = if S::ROUTES_BY_BODY { Pending::Read(read_body(body).await) } else { Pending::Unread(body) };
    let read = match &body {
        Pending::Read(b) => Some(b),
        Pending::Unread(_) => None,
    };
    (service.route(parts, read), body)
}

/// A key with a readable scope whose principal is known: access key id, the scope's region, the principal.
type Key = (String, String, Principal);

/// Read the SigV4 scope and authenticate its key: `Ok(Err)` for a missing or unreadable scope, `Err` for
/// refused credentials, with the key's region (and for a regional service its account) noted in `out`.
fn credentials<S: Service>(
    shared: &Shared,
    parts: &Parts,
    out: &mut Outcome,
) -> Result<Result<Key, ApiError>, AuthError> {
    match auth::credentials(&shared.identity, &parts.headers, S::SCOPE, S::REGIONAL, shared.clock.now_ms()) {
        Ok(c) => match c.principal {
            Ok(p) => Ok(Ok((c.akid, c.region, p))),
            Err(e) => {
                if S::REGIONAL {
                    out.account = shared.account_of(&c.akid, out.op).0;
                }
                out.region = c.region;
                Err(e)
            }
        },
        Err(e) => Ok(Err(e)),
    }
}

/// Note the authenticated caller in `out` (account, region, and its ARN when [`Service::LOGS_CALLER`]); hand
/// back its access key id and principal.
fn admit<S: Service>((akid, region, principal): Key, out: &mut Outcome) -> (String, Principal) {
    out.account = principal.account().to_string();
    out.region = region;
    if S::LOGS_CALLER {
        out.caller = Some(principal.arn());
    }
    (akid, principal)
}

/// Whether the request fits in the service's quota bucket ([`Service::QUOTA`]; always without one), taking
/// its token.
fn within_quota<S: Service>(shared: &Shared, out: &Outcome) -> bool {
    let quota = S::QUOTA.map(|q| match q {
        QuotaKind::Api => &shared.quota,
        QuotaKind::S3 => &shared.s3_quota,
    });
    quota.is_none_or(|q| q.try_acquire(&out.account, &out.region, out.op))
}

/// Draw the one fault for `op`, counted at once: `Ok` with the delay to add to the answer (slow, latency), or
/// `Err` with a fault that stops the pipeline (internal, unavailable, reset).
fn draw_fault(shared: &Shared, op: &'static str) -> Result<Option<Duration>, Fault> {
    let fault = shared.faults.draw(op);
    if let Some(f) = fault {
        // Counted at once: a client that gives up on a slow answer must still see the fault in the stats.
        shared.metrics.fault(f.kind());
    }
    match fault {
        Some(Fault::Slow(ms) | Fault::Latency(ms)) => Ok(Some(Duration::from_millis(ms))),
        Some(f) => Err(f),
        None => Ok(None),
    }
}

/// Stop the pipeline on a fault [`draw_fault`] returned, logged and counted: `unavailable`, a 503 page at once;
/// `reset`, the connection dropped; `internal`, the service's refusal after `config.latency`.
async fn stop_on_fault<S: Service>(
    shared: &Shared,
    at: &Arrival,
    mut out: Outcome,
    fault: Fault,
    service: &S,
    parts: &Parts,
) -> Result<Response<Body>, Reset> {
    match fault {
        Fault::Unavailable => {
            out.status = 503;
            shared.metrics.finish(at.seq, at.at_ms, out);
            Ok(wire::unavailable_response(&at.request_id))
        }
        Fault::Reset => {
            shared.metrics.finish(at.seq, at.at_ms, out);
            Err(Reset)
        }
        // Internal (draw_fault never stops on slow or latency).
        _ => {
            let answer = service.refuse(Refusal::Internal, parts, &at.request_id);
            Ok(finish_delayed(shared, at, out, answer, None).await)
        }
    }
}

/// Hand back the service's answer: at once when there is no delay to wait, else after it on a task of its
/// own, so that it is logged and counted even when the client gives up.
async fn respond(
    shared: Arc<Shared>,
    at: Arrival,
    out: Outcome,
    answer: Answer,
    delay: Option<Duration>,
) -> Result<Response<Body>, Reset> {
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
