//! Who the credentials of a target belong to: STS GetCallerIdentity.
//!
//! Every command that reads or changes a target asks this before its first Lookout for Vision call there
//! (`plan` records the answer per target; `apply`, `export` and `verify` compare it with the plan's account,
//! `crate::targets::check`). GetCallerIdentity needs no IAM permission. The STS client is built from the same
//! SDK configuration (credentials, `--endpoint-url` / `AWS_ENDPOINT_URL`) as the target's Lookout for Vision
//! client, with the SDK's standard retries (3 attempts) and the usual timeouts: a failure after them is exit 6,
//! never an identity.

use aws_config::retry::RetryConfig;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{ClientOptions, Endpoint, Role};
use crate::error::Error;
use crate::plan::{Identity, Target};

/// How a command reaches the roles a plan names: the external id (given again by flag, never stored) and the
/// session name.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// `--external-id`, passed to every role the plan marks `external_id: true`.
    pub external_id: Option<String>,
    /// RoleSessionName (`--session-name`, default `lfv-sunset-<plan id>`).
    pub session_name: String,
}

/// The endpoint of a plan's target, with the command's `--profile` and `--endpoint-url` overrides and the
/// target's role, if any.
pub fn target_endpoint(
    t: &Target,
    profile: Option<&String>,
    endpoint_url: Option<&String>,
    access: &Access,
) -> Endpoint {
    Endpoint {
        region: t.region.clone(),
        profile: profile.cloned().or(t.profile.clone()),
        endpoint_url: endpoint_url.cloned().or(t.endpoint_url.clone()),
        role: t.role_arn.as_ref().map(|arn| Role {
            arn: arn.clone(),
            external_id: if t.external_id { access.external_id.clone() } else { None },
            session_name: access.session_name.clone(),
        }),
    }
}

/// The default RoleSessionName of a run of a plan: `lfv-sunset-<plan id>`, cut to STS's 64 characters, with any
/// character outside `[\w+=,.@-]` replaced by `-`.
pub fn session_name(plan_id: &str) -> String {
    format!("lfv-sunset-{plan_id}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) { c } else { '-' })
        .take(64)
        .collect()
}

/// The caller identity of `endpoint`'s credentials. Exit 6 when STS cannot be reached or answers an error
/// (the message names the region and profile), exit 2 for a malformed region or endpoint URL.
pub async fn caller_identity(endpoint: &Endpoint, options: ClientOptions) -> Result<Identity, Error> {
    let sdk = super::sdk_config(endpoint).await?;
    let (_, timeouts) = super::retry_and_timeouts(options);
    let conf =
        aws_sdk_sts::config::Builder::from(&sdk).retry_config(RetryConfig::standard()).timeout_config(timeouts).build();
    let client = aws_sdk_sts::Client::from_conf(conf);
    let url = sdk
        .endpoint_url()
        .map(str::to_string)
        .unwrap_or_else(|| format!("https://sts.{}.amazonaws.com", endpoint.region));
    let who = || {
        let mut s = format!("at {url} (region {}", endpoint.region);
        if let Some(p) = &endpoint.profile {
            s.push_str(&format!(", profile {p}"));
        }
        if let Some(r) = &endpoint.role {
            s.push_str(&format!(", role {}", r.arn));
        }
        s.push(')');
        s
    };
    let out = client.get_caller_identity().send().await.map_err(|e| {
        let detail = match (e.code(), e.message(), e.raw_response()) {
            (Some(c), Some(m), _) => format!("{c}: {m}"),
            (Some(c), None, _) => c.to_string(),
            (None, _, Some(raw)) => format!(
                "HTTP {} that is not an STS answer; is the endpoint right (--endpoint-url, AWS_ENDPOINT_URL)?",
                raw.status().as_u16()
            ),
            _ => super::convert::brief(&e),
        };
        Error::Unreachable(format!(
            "sts GetCallerIdentity {} failed: {detail}; no Lookout for Vision call was made there",
            who()
        ))
    })?;
    match (out.account(), out.arn()) {
        (Some(account), Some(arn)) if crate::targets::is_account_id(account) => {
            Ok(Identity { account: account.to_string(), arn: arn.to_string() })
        }
        (account, _) => Err(Error::Unreachable(format!(
            "sts GetCallerIdentity for {} answered without a 12-digit account (got {account:?}); is the endpoint \
             right (--endpoint-url, AWS_ENDPOINT_URL)?",
            who()
        ))),
    }
}
