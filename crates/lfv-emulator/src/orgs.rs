//! The emulated AWS Organizations: ListAccounts in the `json` 1.1 protocol (`POST /`,
//! `X-Amz-Target: AWSOrganizationsV20161128.ListAccounts`), chosen by the SigV4 scope's service
//! `organizations` or that target prefix on the shared endpoint.
//!
//! Answers are `application/x-amz-json-1.1`; errors are `{"__type": "...", "Message": "..."}` with the same
//! code in `x-amzn-ErrorType`. Only the management account may list (AccessDeniedException, 400); an account in
//! no organisation gets AWSOrganizationsNotInUseException (400); MaxResults outside 1-20 or a NextToken not
//! issued for this organisation is InvalidInputException (400). Pages hold MaxResults accounts (default 20,
//! CHOICE) in the seed's order; NextToken is absent on the last page. Not throttled (CHOICE, as STS).

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};

use super::auth::{self, Refusal};
use super::identity::{AuthError, Principal};
use super::metrics::wall_ms;
use super::paging;
use super::request::read_body;
use super::shared::Shared;
use super::wire::{self, Body};

/// The X-Amz-Target prefix of Organizations.
pub(crate) const TARGET_PREFIX: &str = "AWSOrganizationsV20161128.";
/// Accounts per ListAccounts page when MaxResults is absent: 20.
pub(crate) const DEFAULT_PAGE: usize = 20;
/// Organisation id in every account ARN.
const ORG_ID: &str = "o-lfvemulator";

struct OrgError(u16, &'static str, String, Option<&'static str>);

fn json_response(status: u16, body: &Value, code: Option<&str>, request_id: &str) -> Response<Body> {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("x-amzn-RequestId", request_id)
        .header("content-type", "application/x-amz-json-1.1");
    if let Some(c) = code {
        b = b.header("x-amzn-ErrorType", c);
    }
    b.body(Full::new(Bytes::from(body.to_string()))).unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Handle one Organizations request; `None` drops the connection (the `reset` fault).
pub(crate) async fn handle<B>(shared: &Shared, req: Request<B>, request_id: &str) -> Option<Response<Body>>
where
    B: hyper::body::Body<Data = bytes::Bytes> + Unpin,
{
    let seq = shared.metrics.next_seq();
    let at_ms = wall_ms();
    let target = req.headers().get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let op = match target.strip_prefix(TARGET_PREFIX) {
        Some("ListAccounts") => "ListAccounts",
        _ => "Unknown",
    };
    let mut out = auth::outcome(op);
    let (parts, body) = req.into_parts();
    let at = auth::Arrival { seq, at_ms, request_id };
    let result = match auth::front(shared, &parts.headers, "organizations", &mut out, at) {
        Err(Refusal::Finished(resp)) => return resp.map(|r| *r),
        Err(r) => Err(refusal(r)),
        Ok(admitted) => {
            let body = read_body(body).await;
            auth::delay(shared, admitted.delay_ms).await;
            match (body, op) {
                (Err(()), _) => Err(invalid("Request body is larger than 1 MiB.", None)),
                (Ok(b), "ListAccounts") => list_accounts(shared, &admitted.principal, &b),
                _ => Err(OrgError(400, "UnknownOperationException", format!("Unknown target {target:?}."), None)),
            }
        }
    };
    let resp = match result {
        Ok(v) => json_response(200, &v, None, request_id),
        Err(e) => {
            out.error_code = Some(e.1);
            let mut body = json!({ "__type": e.1, "Message": e.2 });
            if let Some(r) = e.3 {
                body["Reason"] = json!(r);
            }
            json_response(e.0, &body, Some(e.1), request_id)
        }
    };
    out.status = resp.status().as_u16();
    shared.metrics.finish(seq, at_ms, out);
    Some(resp)
}

fn invalid(m: &str, reason: Option<&'static str>) -> OrgError {
    OrgError(400, "InvalidInputException", m.to_string(), reason)
}

fn refusal(r: Refusal) -> OrgError {
    match r {
        Refusal::BadScope => {
            OrgError(403, "IncompleteSignature", "Missing or invalid SigV4 Authorization header.".into(), None)
        }
        Refusal::Auth(AuthError::Expired) => {
            OrgError(403, "ExpiredTokenException", "The security token included in the request is expired".into(), None)
        }
        Refusal::Auth(_) => OrgError(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.".into(),
            None,
        ),
        Refusal::Denied(m) => OrgError(400, "AccessDeniedException", m, None),
        Refusal::Internal | Refusal::Finished(_) => {
            OrgError(500, "ServiceException", "AWS Organizations can't complete your request (injected).".into(), None)
        }
    }
}

fn list_accounts(shared: &Shared, caller: &Principal, body: &[u8]) -> Result<Value, OrgError> {
    let not_in_use = || {
        OrgError(
            400,
            "AWSOrganizationsNotInUseException",
            "Your account is not a member of an organization.".into(),
            None,
        )
    };
    let org = shared.identity.organization.as_ref().ok_or_else(not_in_use)?;
    if !org.accounts.iter().any(|a| a.id == caller.account()) {
        return Err(not_in_use());
    }
    if org.management_account != caller.account() {
        return Err(OrgError(
            400,
            "AccessDeniedException",
            "You don't have permissions to access this resource.".into(),
            None,
        ));
    }
    let input = wire::json_object(body).map_err(|_| invalid("The request body is not valid JSON.", None))?;
    let max = match input.get("MaxResults") {
        None | Some(Value::Null) => DEFAULT_PAGE,
        Some(v) => match v.as_i64() {
            Some(n) if (1..=20).contains(&n) => n as usize,
            Some(n) if n < 1 => return Err(invalid("MaxResults must be at least 1.", Some("MIN_VALUE_EXCEEDED"))),
            _ => return Err(invalid("MaxResults must be at most 20.", Some("MAX_VALUE_EXCEEDED"))),
        },
    };
    let scope = format!("ListAccounts/{}", org.management_account);
    let bad_token = || invalid("The NextToken was not issued for this request.", Some("INVALID_PAGINATION_TOKEN"));
    let token = input.get("NextToken").and_then(Value::as_str);
    let start = match paging::decode(&scope, token).map_err(|_| bad_token())? {
        None => 0,
        Some(k) => k.parse::<usize>().map_err(|_| bad_token())?,
    };
    let end = (start + max).min(org.accounts.len());
    let accounts: Vec<Value> = org.accounts[start.min(end)..end]
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({
                "Id": a.id,
                "Arn": format!("arn:aws:organizations::{}:account/{ORG_ID}/{}", org.management_account, a.id),
                "Email": a.email,
                "Name": a.name,
                // CHOICE: `State` only; Organizations retired `Status` on 2026-09-09 (the service model's note).
                "State": a.status,
                "JoinedMethod": if a.id == org.management_account { "CREATED" } else { "INVITED" },
                "JoinedTimestamp": 1_600_000_000 + 86_400 * (start + i) as i64,
            })
        })
        .collect();
    let mut v = json!({ "Accounts": accounts });
    if end < org.accounts.len() {
        v["NextToken"] = json!(paging::encode(&scope, &end.to_string()));
    }
    Ok(v)
}
