//! The HTTP side: the accept loop, per-connection hyper tasks, graceful shutdown, the `/_emulator/` endpoints,
//! and the per-request pipeline of API calls.
//!
//! A request whose SigV4 scope names `s3` (outside `/2020-11-20/`) goes to `s3.rs` instead.
//! Pipeline of one API request, in order: route (unknown path or method: 404 UnknownOperationException) ->
//! SigV4 credential scope (403) -> `deny` list (403) -> quota bucket (429) -> one fault draw (internal 500,
//! unavailable 503, reset, slow, latency) -> body read (over 1 MiB: 400) -> the operation -> `slow`/`latency`
//! fault delay and `config.latency` -> response. Every response carries a fresh UUID `x-amzn-RequestId`.
//! No lock is held across an await.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::faults::Fault;
use super::metrics::{Outcome, wall_ms};
use super::request::{ApiRequest, MAX_BODY, read_body};
pub(crate) use super::shared::Shared;
use super::wire::{self, ApiError, Body, Op, Reply};
use super::{auth, lookoutvision::ops, orgs, s3, sts};

/// How long shutdown waits for in-flight connections before aborting them: 5 s.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The error a service returns to make hyper drop the connection (the `reset` fault).
#[derive(Debug)]
pub(crate) struct Reset;

impl std::fmt::Display for Reset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected connection reset")
    }
}

impl std::error::Error for Reset {}

/// Accept connections until `shutdown` flips, then finish in-flight requests (at most [`SHUTDOWN_GRACE`]).
/// An accept error (e.g. too many open files) is retried after 100 ms.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut conns = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = stopped(&mut shutdown) => break,
            a = listener.accept() => a,
            Some(_) = conns.join_next(), if !conns.is_empty() => continue,
        };
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) => {
                tracing::warn!("emulator accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let header_read_timeout = shared.settings.header_read_timeout;
        let shared = shared.clone();
        let mut stop = shutdown.clone();
        conns.spawn(async move {
            let svc = service_fn(move |req: Request<Incoming>| {
                let shared = shared.clone();
                async move { handle(shared, req).await }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped(&mut stop) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        conns.abort_all();
    }
    Ok(())
}

thread_local! {
    static ID_RNG: std::cell::RefCell<rand::rngs::SmallRng> =
        std::cell::RefCell::new(<rand::rngs::SmallRng as rand::SeedableRng>::from_os_rng());
}

/// A random (version 4) UUID for `x-amzn-RequestId`, from a per-thread generator seeded by the OS: one
/// `getrandom` per thread instead of one per request.
fn request_id() -> String {
    let bytes: [u8; 16] = ID_RNG.with(|r| rand::Rng::random(&mut *r.borrow_mut()));
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// Resolves once the shutdown flag is set (or its sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// Answer one request: the whole pipeline of the module docs. Generic over the body so that
/// [`super::Handler`] can feed it in-memory requests.
pub(crate) async fn handle<B>(shared: Arc<Shared>, req: Request<B>) -> Result<Response<Body>, Reset>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
{
    if req.uri().path().starts_with("/_emulator/") {
        return Ok(admin(&shared, &req));
    }
    // The credential scope's service picks the protocol: `s3` is answered in REST-XML by `s3.rs`; anything
    // else goes through the Lookout for Vision pipeline below (which refuses scopes other than its own). The
    // API's own path space `/2020-11-20/` stays Lookout for Vision's whatever the scope (CHOICE: so a bucket
    // named `2020-11-20` cannot be emulated).
    // `sts` (query protocol, `sts.rs`) and `organizations` (JSON 1.1, `orgs.rs`, also recognised by its
    // X-Amz-Target) likewise; expired or unknown session keys are refused by every service (`auth.rs`).
    let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok());
    let service = wire::scope_service(auth);
    if service == Some("s3") && !req.uri().path().starts_with("/2020-11-20/") {
        let id = request_id();
        let op = s3::route(req.method(), req.uri().path(), req.uri().query()).0.name();
        if let Some(refused) = auth::s3_refusal(&shared, req.method(), req.headers(), op, &id) {
            return Ok(refused);
        }
        return s3::handle(&shared, req, &id).await.ok_or(Reset);
    }
    if service == Some("sts") && req.uri().path() == "/" {
        return sts::handle(&shared, req, &request_id()).await.ok_or(Reset);
    }
    let target = req.headers().get("x-amz-target").and_then(|v| v.to_str().ok());
    if service == Some("organizations") || target.is_some_and(|t| t.starts_with(orgs::TARGET_PREFIX)) {
        return orgs::handle(&shared, req, &request_id()).await.ok_or(Reset);
    }
    let seq = shared.metrics.next_seq();
    let at_ms = wall_ms();
    let request_id = request_id();
    let route = wire::route(req.method(), req.uri().path());
    let op = route.op;
    let mut out = auth::outcome(op.name());
    if op == Op::Unknown {
        let e = ApiError::UnknownOperation(format!("No operation matches {} {}.", req.method(), req.uri().path()));
        return Ok(finish(&shared, seq, at_ms, out, Err(e), &request_id));
    }
    let labels: Vec<String> = route.labels.iter().map(|l| wire::decode(l).unwrap_or_default()).collect();
    if !matches!(op, Op::ListTagsForResource | Op::TagResource | Op::UntagResource) {
        out.project = labels.first().cloned();
        if matches!(op, Op::DescribeDataset | Op::DeleteDataset | Op::ListDatasetEntries) {
            out.dataset_type = labels.get(1).cloned();
        }
    }
    out.client_token =
        req.headers().get("x-amzn-client-token").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok());
    let (akid, region) = match wire::parse_sigv4(auth) {
        Ok(x) => x,
        Err(e) => return Ok(finish(&shared, seq, at_ms, out, Err(e), &request_id)),
    };
    let principal =
        shared.identity.authenticate(&akid, auth::token(req.headers()), Some(&region), shared.clock.now_ms());
    out.account = shared.account_of(&akid, op.name()).0;
    out.region = region;
    let principal = match principal {
        Ok(p) => p,
        Err(e) => return Ok(finish(&shared, seq, at_ms, out, Err(auth::api_error(e)), &request_id)),
    };
    out.caller = Some(principal.arn());
    if principal.denies(op.name()) {
        let e = ApiError::AccessDenied(format!(
            "User with access key {akid} is not authorized to perform: lookoutvision:{} (denied by the emulator \
             seed).",
            op.name()
        ));
        return Ok(finish(&shared, seq, at_ms, out, Err(e), &request_id));
    }
    if !shared.quota.try_acquire(&out.account, &out.region, op.name()) {
        let e = ApiError::Throttling(format!("Rate exceeded for {} (quota {}).", op.name(), wire::TPS_QUOTA_CODE));
        return Ok(finish_delayed(&shared, seq, at_ms, out, Err(e), &request_id, None).await);
    }
    let fault = shared.faults.draw(op.name());
    if let Some(f) = fault {
        // Counted at once: a client that gives up on a slow answer must still see the fault in the stats.
        shared.metrics.fault(f.kind());
    }
    match fault {
        Some(Fault::Internal) => {
            let e =
                ApiError::InternalServer("Amazon Lookout for Vision experienced a service issue (injected).".into());
            return Ok(finish_delayed(&shared, seq, at_ms, out, Err(e), &request_id, None).await);
        }
        Some(Fault::Unavailable) => {
            out.status = 503;
            shared.metrics.finish(seq, at_ms, out);
            return Ok(wire::unavailable_response(&request_id));
        }
        Some(Fault::Reset) => {
            shared.metrics.finish(seq, at_ms, out);
            return Err(Reset);
        }
        _ => {}
    }
    let query = wire::parse_query(req.uri().query());
    let token = out.client_token.clone();
    let body = read_body(req.into_body()).await;
    let result = match (query, body) {
        (Err(e), _) => Err(e),
        (_, Err(())) => Err(ApiError::Validation(format!(
            "Request body is larger than the {MAX_BODY}-byte limit or could not be read."
        ))),
        (Ok(query), Ok(body)) => {
            let api =
                ApiRequest { op, account: out.account.clone(), region: out.region.clone(), labels, query, body, token };
            ops::execute(&shared, &api)
        }
    };
    let delay = match fault {
        Some(Fault::Slow(ms) | Fault::Latency(ms)) => Some(Duration::from_millis(ms)),
        _ => None,
    };
    if delay.is_none() && shared.settings.latency.is_zero() {
        return Ok(finish(&shared, seq, at_ms, out, result, &request_id));
    }
    // A delayed answer runs on its own task so that its log entry and counters are recorded even when the
    // client gives up and hyper drops this future.
    let task = tokio::spawn(async move { finish_delayed(&shared, seq, at_ms, out, result, &request_id, delay).await });
    task.await.map_err(|_| Reset)
}

async fn finish_delayed(
    shared: &Shared,
    seq: u64,
    at_ms: u64,
    out: Outcome,
    result: Result<Reply, ApiError>,
    request_id: &str,
    fault_delay: Option<Duration>,
) -> Response<Body> {
    let delay = shared.settings.latency + fault_delay.unwrap_or_default();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    finish(shared, seq, at_ms, out, result, request_id)
}

fn finish(
    shared: &Shared,
    seq: u64,
    at_ms: u64,
    mut out: Outcome,
    result: Result<Reply, ApiError>,
    request_id: &str,
) -> Response<Body> {
    let resp = match &result {
        Ok(r) => {
            out.status = r.status;
            wire::reply_response(r, request_id)
        }
        Err(e) => {
            out.status = e.status();
            out.error_code = Some(e.code());
            wire::error_response(e, request_id)
        }
    };
    shared.metrics.finish(seq, at_ms, out);
    resp
}

fn admin<B>(shared: &Shared, req: &Request<B>) -> Response<Body> {
    let id = request_id();
    let path = req.uri().path();
    let method = req.method().as_str();
    match (method, path) {
        ("GET", "/_emulator/stats") => {
            wire::admin_json(200, serde_json::to_vec(&shared.metrics.snapshot()).unwrap_or_default(), &id)
        }
        ("GET", "/_emulator/log") => {
            wire::admin_json(200, serde_json::to_vec(&shared.metrics.log()).unwrap_or_default(), &id)
        }
        ("POST", "/_emulator/clock") => {
            let q = wire::parse_query(req.uri().query()).unwrap_or_default();
            let ms = wire::query_get(&q, "advance_secs")
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| "advance_secs must be a non-negative integer".to_string())
                .and_then(|n| n.checked_mul(1000).ok_or_else(|| format!("advance_secs {n} is too large")));
            match ms.and_then(|ms| shared.advance_clock(ms, false)) {
                Ok(()) => {
                    let body =
                        serde_json::json!({ "now_ms": shared.clock.now_ms(), "offset_ms": shared.clock.offset_ms() });
                    wire::admin_json(200, body.to_string().into_bytes(), &id)
                }
                Err(e) => wire::admin_json(400, serde_json::json!({ "Message": e }).to_string().into_bytes(), &id),
            }
        }
        _ => wire::admin_json(404, br#"{"Message":"unknown emulator endpoint"}"#.to_vec(), &id),
    }
}
