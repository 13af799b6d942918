//! The HTTP side: the accept loop, per-connection hyper tasks, graceful shutdown, the `/_emulator/` endpoints,
//! and the choice of service for each API request (by its SigV4 scope), whose answer the one pipeline
//! (`pipeline.rs`) gives.

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

use super::lookoutvision::LookoutVision;
use super::orgs::{self, Orgs};
use super::pipeline::{self, Reset, request_id};
use super::s3::S3;
pub(crate) use super::shared::Shared;
use super::sts::Sts;
use super::wire::{self, Body};

/// How long shutdown waits for in-flight connections before aborting them: 5 s.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

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

/// Resolves once the shutdown flag is set (or its sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// Answer one request: `/_emulator/`, or the pipeline of the service its SigV4 credential scope names.
/// Generic over the body so that [`super::Handler`] can feed it in-memory requests.
///
/// `s3` outside `/2020-11-20/` is S3 (REST-XML, `s3/`); `sts` on `POST /` is STS (query protocol, `sts/`);
/// `organizations`, or an Organizations X-Amz-Target, is Organizations (JSON 1.1, `orgs/`); anything else is
/// Lookout for Vision (`lookoutvision/`, which refuses scopes other than its own). The API's own path space
/// `/2020-11-20/` stays Lookout for Vision's whatever the scope (CHOICE: so a bucket named `2020-11-20` cannot
/// be emulated).
pub(crate) async fn handle<B>(shared: Arc<Shared>, req: Request<B>) -> Result<Response<Body>, Reset>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
{
    if req.uri().path().starts_with("/_emulator/") {
        return Ok(admin(&shared, &req));
    }
    let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok());
    let service = wire::scope_service(auth);
    let target = req.headers().get("x-amz-target").and_then(|v| v.to_str().ok());
    let s = shared.clone();
    if service == Some("s3") && !req.uri().path().starts_with("/2020-11-20/") {
        pipeline::run(shared, req, S3::new(&s.s3)).await
    } else if service == Some("sts") && req.uri().path() == "/" {
        pipeline::run(shared, req, Sts::new(&s)).await
    } else if service == Some("organizations") || target.is_some_and(|t| t.starts_with(orgs::TARGET_PREFIX)) {
        pipeline::run(shared, req, Orgs::new(&s)).await
    } else {
        pipeline::run(shared, req, LookoutVision::new(&s)).await
    }
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
