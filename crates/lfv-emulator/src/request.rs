//! One API request as the handlers get it ([`ApiRequest`]), and how its body is read.

use bytes::Bytes;
use http_body_util::BodyExt;

use super::wire::Op;

/// Largest accepted request body: 1 MiB.
pub(crate) const MAX_BODY: usize = 1 << 20;
/// Most bytes of an oversized body read and discarded before answering 400: 64 MiB.
pub(crate) const MAX_DRAIN: usize = 64 << 20;

/// A parsed API request, handed to `ops`.
#[derive(Debug)]
pub(crate) struct ApiRequest {
    pub(crate) op: Op,
    pub(crate) account: String,
    pub(crate) region: String,
    /// Decoded path labels.
    pub(crate) labels: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Bytes,
    pub(crate) token: Option<String>,
}

/// Path label `i`, or "" if absent.
pub(crate) fn label(r: &ApiRequest, i: usize) -> &str {
    r.labels.get(i).map(String::as_str).unwrap_or("")
}

/// Read a body of at most [`MAX_BODY`] bytes. A larger body is drained (up to [`MAX_DRAIN`]) so the client
/// gets its 400 instead of a broken pipe, then refused.
pub(crate) async fn read_body<B: hyper::body::Body<Data = Bytes> + Unpin>(mut body: B) -> Result<Bytes, ()> {
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return Err(()) };
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen > MAX_DRAIN {
                return Err(());
            }
            if seen <= MAX_BODY {
                buf.extend_from_slice(&data);
            }
        }
    }
    if seen > MAX_BODY { Err(()) } else { Ok(Bytes::from(buf)) }
}
