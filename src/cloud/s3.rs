//! The S3 client: the only place that sees `aws_sdk_s3`. Path-style addressing (`/bucket/key`, so an
//! endpoint override such as the emulator works without DNS), SDK retries disabled (the tool's
//! `exec::retry` owns them), the same connect and attempt timeouts as every client, and the whole GetObject
//! (headers and body) bounded by the attempt timeout because the SDK's timeout stops at the headers.
//!
//! GetObject asks for checksums (`x-amz-checksum-mode: ENABLED`); the SDK validates any response checksum it
//! gets, and [`S3Object`] carries the ETag, length and SHA-256 checksum so the caller can verify again.
//!
//! Errors: S3's own `NoSuchKey`, `NotFound` (HeadObject's bodiless 404) and `NoSuchBucket` are
//! [`ErrorKind::NotFound`]; any other 404 is [`ErrorKind::Other`] (not S3 answering: a wrong endpoint);
//! `SlowDown` (503) is [`ErrorKind::Throttling`], so the limiter slows down; 403 is
//! [`ErrorKind::AccessDenied`]; the request id comes from `x-amz-request-id`.

use std::error::Error as StdError;
use std::sync::Arc;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::ChecksumMode;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use super::convert::classify;
use super::{CallError, ClientOptions, Endpoint, ErrorKind, Gate};
use crate::error::Error;

/// An S3 client for one (profile, region, endpoint).
#[derive(Debug, Clone)]
pub struct S3Client {
    inner: aws_sdk_s3::Client,
    options: ClientOptions,
}

/// An object's bytes as GetObject returned them.
#[derive(Debug, Clone, PartialEq)]
pub struct S3Object {
    /// The body.
    pub bytes: Vec<u8>,
    /// `Content-Length`, if sent.
    pub content_length: Option<u64>,
    /// `ETag` with its quotes removed (the MD5 hex of single-part objects; contains `-` for multipart ones).
    pub etag: Option<String>,
    /// `x-amz-checksum-sha256` (base64), if sent.
    pub checksum_sha256: Option<String>,
}

/// One page of ListObjectsV2: (key, size, ETag without quotes) and the next continuation token.
#[derive(Debug, Clone, PartialEq)]
pub struct S3Page {
    /// Objects of the page.
    pub objects: Vec<(String, u64, Option<String>)>,
    /// `NextContinuationToken`; `None` on the last page.
    pub next: Option<String>,
}

/// Build an S3 client from the standard AWS chain (see [`super::connect`]). Fails (exit 6) without credentials.
pub async fn connect_s3(endpoint: &Endpoint, options: ClientOptions, gate: Arc<dyn Gate>) -> Result<S3Client, Error> {
    let sdk = super::sdk_config(endpoint, options, gate).await?;
    let (retry, timeouts) = super::retry_and_timeouts(options);
    let conf = aws_sdk_s3::config::Builder::from(&sdk)
        .force_path_style(true)
        .retry_config(retry)
        .timeout_config(timeouts)
        .build();
    Ok(S3Client { inner: aws_sdk_s3::Client::from_conf(conf), options })
}

fn unquote(etag: Option<&str>) -> Option<String> {
    etag.map(|e| e.trim_matches('"').to_string())
}

/// The kind of an S3 failure, from the generic classification, status and error code. `head`: the call was a
/// HeadObject, whose 404 has no body (the SDK names every bodiless 404 `NotFound`, so for other calls that
/// code means something that is not S3 answered).
pub(crate) fn s3_kind(status: Option<u16>, code: Option<&str>, generic: ErrorKind, head: bool) -> ErrorKind {
    match (status, code) {
        (_, Some("SlowDown")) => ErrorKind::Throttling,
        (Some(404), Some("NoSuchKey" | "NoSuchBucket")) => ErrorKind::NotFound,
        (Some(404), Some("NotFound")) if head => ErrorKind::NotFound,
        (Some(404), _) => ErrorKind::Other,
        (Some(403), _) => ErrorKind::AccessDenied,
        _ => generic,
    }
}

fn classify_s3<E>(err: SdkError<E, HttpResponse>) -> CallError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    classify_s3_call(err, false)
}

fn classify_s3_head<E>(err: SdkError<E, HttpResponse>) -> CallError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    classify_s3_call(err, true)
}

fn classify_s3_call<E>(err: SdkError<E, HttpResponse>, head: bool) -> CallError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let raw = match &err {
        SdkError::ServiceError(se) => Some(se.raw()),
        SdkError::ResponseError(re) => Some(re.raw()),
        _ => None,
    };
    let request_id = raw.and_then(|r| r.headers().get("x-amz-request-id")).map(str::to_string);
    let mut e = classify(err);
    e.request_id = e.request_id.or(request_id);
    e.kind = s3_kind(e.status, e.code.as_deref(), e.kind, head);
    e
}

impl S3Client {
    /// GetObject with checksums requested, body read whole, bounded by the attempt timeout.
    pub async fn get_object(&self, bucket: &str, key: &str) -> Result<S3Object, CallError> {
        let call = async {
            let out = self
                .inner
                .get_object()
                .bucket(bucket)
                .key(key)
                .checksum_mode(ChecksumMode::Enabled)
                .send()
                .await
                .map_err(classify_s3)?;
            let content_length = out.content_length().and_then(|n| u64::try_from(n).ok());
            let etag = unquote(out.e_tag());
            let checksum_sha256 = out.checksum_sha256().map(str::to_string);
            let body = out.body.collect().await.map_err(|e| CallError {
                kind: ErrorKind::Connection,
                ..CallError::malformed(&format!("reading the body of s3://{bucket}/{key}: {e}"))
            })?;
            Ok(S3Object { bytes: body.into_bytes().to_vec(), content_length, etag, checksum_sha256 })
        };
        match tokio::time::timeout(self.options.attempt_timeout, call).await {
            Ok(r) => r,
            Err(_) => Err(CallError {
                kind: ErrorKind::Timeout,
                ..CallError::malformed(&format!(
                    "GetObject s3://{bucket}/{key} took longer than {:?}",
                    self.options.attempt_timeout
                ))
            }),
        }
    }

    /// HeadObject: (Content-Length, ETag without quotes).
    pub async fn head_object(&self, bucket: &str, key: &str) -> Result<(Option<u64>, Option<String>), CallError> {
        let out = self.inner.head_object().bucket(bucket).key(key).send().await.map_err(classify_s3_head)?;
        Ok((out.content_length().and_then(|n| u64::try_from(n).ok()), unquote(out.e_tag())))
    }

    /// One page of ListObjectsV2 (at most `max_keys`, S3 caps it at 1,000).
    pub async fn list_objects(
        &self,
        bucket: &str,
        prefix: Option<&str>,
        max_keys: i32,
        token: Option<String>,
    ) -> Result<S3Page, CallError> {
        let out = self
            .inner
            .list_objects_v2()
            .bucket(bucket)
            .set_prefix(prefix.map(str::to_string))
            .max_keys(max_keys)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(classify_s3)?;
        let objects = out
            .contents()
            .iter()
            .map(|o| {
                let size = o.size().and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
                (o.key().unwrap_or_default().to_string(), size, unquote(o.e_tag()))
            })
            .collect();
        let next =
            if out.is_truncated() == Some(true) { out.next_continuation_token().map(str::to_string) } else { None };
        Ok(S3Page { objects, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_s3s_own_404s_mean_missing() {
        let k = |s, c| s3_kind(Some(s), c, ErrorKind::Other, false);
        assert_eq!(k(404, Some("NoSuchKey")), ErrorKind::NotFound);
        assert_eq!(k(404, Some("NoSuchBucket")), ErrorKind::NotFound);
        // A bodiless 404 to a GET is not S3 answering; to a HEAD it is S3's NotFound.
        assert_eq!(k(404, Some("NotFound")), ErrorKind::Other);
        assert_eq!(s3_kind(Some(404), Some("NotFound"), ErrorKind::Other, true), ErrorKind::NotFound);
        assert_eq!(s3_kind(Some(404), Some("ResourceNotFoundException"), ErrorKind::NotFound, false), ErrorKind::Other);
        assert_eq!(s3_kind(Some(404), None, ErrorKind::NotFound, true), ErrorKind::Other);
        assert_eq!(s3_kind(Some(503), Some("SlowDown"), ErrorKind::Server, false), ErrorKind::Throttling);
        assert_eq!(s3_kind(Some(503), None, ErrorKind::Server, false), ErrorKind::Server);
        assert_eq!(k(403, Some("AccessDenied")), ErrorKind::AccessDenied);
    }
}
