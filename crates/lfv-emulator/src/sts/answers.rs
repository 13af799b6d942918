//! STS's operations: GetCallerIdentity and AssumeRole, their XML answers (`<AssumeRoleResponse
//! xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>...` with
//! `<ResponseMetadata><RequestId>`). Decisions (trust, durations) are `identity.rs`'s.

use super::protocol::{StsError, XMLNS};
use crate::identity::{AssumeError, AssumeRequest, Principal};
use crate::shared::Shared;
use crate::wire::{self, xml_escape};

/// GetCallerIdentity's answer.
pub(crate) fn caller_identity(p: &Principal, request_id: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\"><GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId>\
         <Account>{}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{request_id}</RequestId>\
         </ResponseMetadata></GetCallerIdentityResponse>",
        xml_escape(&p.arn()),
        xml_escape(&p.user_id()),
        p.account()
    )
}

/// AssumeRole's answer.
pub(crate) fn assume_role(
    shared: &Shared,
    caller: &Principal,
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
