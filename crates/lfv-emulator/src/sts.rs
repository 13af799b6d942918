//! The emulated AWS STS: GetCallerIdentity and AssumeRole in the `query` protocol of 2011-06-15, chosen by
//! the SigV4 scope's service `sts` on the shared endpoint.
//!
//! A request is a form-encoded `POST /` (`Action=AssumeRole&Version=2011-06-15&...`); answers are XML
//! (`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>...`) with
//! `<ResponseMetadata><RequestId>`; errors are `<ErrorResponse><Error><Type>Sender</Type><Code>..</Code>
//! <Message>..</Message></Error><RequestId>..</RequestId></ErrorResponse>`, as aws-sdk-sts parses them.
//! Pipeline: front (`auth.rs`: scope, session, deny, fault) -> body (at most 1 MiB) -> Action -> answer.
//! STS is not throttled (CHOICE: AWS's STS quota, 600 requests/s per account and region, is far above what
//! the tool sends). Decisions (trust, durations) are `identity.rs`'s.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};

use super::auth::{self, Refusal};
use super::identity::{AssumeError, AssumeRequest, AuthError};
use super::metrics::wall_ms;
use super::request::read_body;
use super::shared::Shared;
use super::wire::xml_escape;
use super::wire::{self, Body};

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// An STS error: status, code, message.
struct StsError(u16, &'static str, String);

fn render_error(e: &StsError, request_id: &str) -> Response<Body> {
    let kind = if e.0 >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error>\
         <RequestId>{request_id}</RequestId></ErrorResponse>",
        e.1,
        xml_escape(&e.2)
    );
    xml(e.0, body, request_id)
}

fn xml(status: u16, body: String, request_id: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("x-amzn-RequestId", request_id)
        .header("content-type", "text/xml")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Decode an `application/x-www-form-urlencoded` body into pairs (`+` is a space).
pub(crate) fn form(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let d = |s: &str| wire::decode(&s.replace('+', " ")).unwrap_or_default();
            (d(k), d(v))
        })
        .collect()
}

fn op_name(action: Option<&str>) -> &'static str {
    match action {
        Some("AssumeRole") => "AssumeRole",
        Some("GetCallerIdentity") => "GetCallerIdentity",
        _ => "Unknown",
    }
}

/// Handle one STS request; `None` drops the connection (the `reset` fault).
pub(crate) async fn handle<B>(shared: &Shared, req: Request<B>, request_id: &str) -> Option<Response<Body>>
where
    B: hyper::body::Body<Data = bytes::Bytes> + Unpin,
{
    let seq = shared.metrics.next_seq();
    let at_ms = wall_ms();
    let (parts, body) = req.into_parts();
    let body = read_body(body).await;
    let params = body.as_deref().map(form).unwrap_or_default();
    let op = op_name(wire::query_get(&params, "Action"));
    let mut out = auth::outcome(op);
    let at = auth::Arrival { seq, at_ms, request_id };
    let result = match auth::front(shared, &parts.headers, "sts", &mut out, at) {
        Err(Refusal::Finished(resp)) => return resp.map(|r| *r),
        Err(r) => Err(refusal(r)),
        Ok(admitted) => {
            auth::delay(shared, admitted.delay_ms).await;
            match (body.is_err(), op) {
                (true, _) => Err(StsError(400, "ValidationError", "Request body is larger than 1 MiB.".into())),
                (_, "GetCallerIdentity") => Ok(caller_identity(&admitted.principal, request_id)),
                (_, "AssumeRole") => assume_role(shared, &admitted.principal, &params, request_id),
                _ => Err(StsError(
                    400,
                    "InvalidAction",
                    format!(
                        "Could not find operation {} for version 2011-06-15",
                        wire::query_get(&params, "Action").unwrap_or("")
                    ),
                )),
            }
        }
    };
    let resp = match result {
        Ok(body) => xml(200, body, request_id),
        Err(e) => {
            out.error_code = Some(e.1);
            render_error(&e, request_id)
        }
    };
    out.status = resp.status().as_u16();
    shared.metrics.finish(seq, at_ms, out);
    Some(resp)
}

fn refusal(r: Refusal) -> StsError {
    match r {
        Refusal::BadScope => {
            StsError(403, "IncompleteSignature", "Missing or invalid SigV4 Authorization header.".into())
        }
        Refusal::Auth(AuthError::Expired) => {
            StsError(403, "ExpiredToken", "The security token included in the request is expired".into())
        }
        Refusal::Auth(_) => {
            StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.".into())
        }
        Refusal::Denied(m) => StsError(403, "AccessDenied", m),
        Refusal::Internal | Refusal::Finished(_) => {
            StsError(500, "InternalFailure", "An internal error occurred (injected).".into())
        }
    }
}

fn caller_identity(p: &super::identity::Principal, request_id: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\"><GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId>\
         <Account>{}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{request_id}</RequestId>\
         </ResponseMetadata></GetCallerIdentityResponse>",
        xml_escape(&p.arn()),
        xml_escape(&p.user_id()),
        p.account()
    )
}

fn assume_role(
    shared: &Shared,
    caller: &super::identity::Principal,
    params: &[(String, String)],
    request_id: &str,
) -> Result<String, StsError> {
    let get = |k: &str| wire::query_get(params, k);
    let missing = |k: &str| {
        StsError(
            400,
            "ValidationError",
            format!(
                "1 validation error detected: Value null at '{k}' failed to satisfy constraint: Member must not be null"
            ),
        )
    };
    let duration_secs = match get("DurationSeconds") {
        None => None,
        Some(d) => Some(d.parse::<u64>().map_err(|_| {
            StsError(400, "ValidationError", format!("Value '{d}' at 'durationSeconds' is not an integer."))
        })?),
    };
    let req = AssumeRequest {
        role_arn: get("RoleArn").ok_or_else(|| missing("roleArn"))?,
        session_name: get("RoleSessionName").ok_or_else(|| missing("roleSessionName"))?,
        external_id: get("ExternalId"),
        duration_secs,
    };
    let (s, akid, secret) = shared.identity.assume_role(caller, &req, shared.clock.now_ms()).map_err(|e| match e {
        AssumeError::Denied(m) => StsError(403, "AccessDenied", m),
        AssumeError::Invalid(m) => StsError(400, "ValidationError", m),
    })?;
    let expiration =
        chrono::DateTime::from_timestamp_millis(s.expires_ms as i64).unwrap_or_default().format("%Y-%m-%dT%H:%M:%SZ");
    Ok(format!(
        "<AssumeRoleResponse xmlns=\"{XMLNS}\"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>{}:{}\
         </AssumedRoleId><Arn>{}</Arn></AssumedRoleUser><Credentials><AccessKeyId>{akid}</AccessKeyId>\
         <SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{expiration}\
         </Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>{request_id}</RequestId>\
         </ResponseMetadata></AssumeRoleResponse>",
        s.role_id,
        xml_escape(&s.session_name),
        xml_escape(&s.arn()),
        xml_escape(&s.token),
    ))
}
