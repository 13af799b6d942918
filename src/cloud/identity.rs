//! Who the credentials of a target belong to: STS GetCallerIdentity.
//!
//! Every command that reads or changes a target asks this before its first Lookout for Vision call there
//! (`plan` records the answer per target; `apply`, `export` and `verify` compare it with the plan's account,
//! `crate::targets::check`). GetCallerIdentity needs no IAM permission. The STS client is built from the same
//! SDK configuration (credentials, `--endpoint-url` / `AWS_ENDPOINT_URL`) as the target's Lookout for Vision
//! client; this module makes one attempt ([`Sts::get_caller_identity`]) and the caller's pace retries it like
//! every other call: a failure after the retries is exit 6 ([`Sts::failed`]), never an identity.

use aws_config::retry::RetryConfig;

use super::convert::classify_sts;
use std::sync::Arc;

use super::{CallError, ClientOptions, Endpoint, Gate, Role};
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

/// An STS client for one endpoint's credentials (the same SDK configuration as its Lookout for Vision client:
/// credentials, `--endpoint-url` / `AWS_ENDPOINT_URL`), the SDK's retries off: the caller's pace retries
/// ([`crate::service::Pace`]).
#[derive(Debug, Clone)]
pub struct Sts {
    inner: aws_sdk_sts::Client,
    endpoint: Endpoint,
    url: String,
}

/// The [`Sts`] client of `endpoint`: exit 2 for a malformed region or endpoint URL, exit 6 if no credentials
/// resolve.
pub async fn sts(endpoint: &Endpoint, options: ClientOptions, gate: Arc<dyn Gate>) -> Result<Sts, Error> {
    let sdk = super::sdk_config(endpoint, options, gate).await?;
    let (_, timeouts) = super::retry_and_timeouts(options);
    let conf =
        aws_sdk_sts::config::Builder::from(&sdk).retry_config(RetryConfig::disabled()).timeout_config(timeouts).build();
    let url = sdk
        .endpoint_url()
        .map(str::to_string)
        .unwrap_or_else(|| format!("https://sts.{}.amazonaws.com", endpoint.region));
    Ok(Sts { inner: aws_sdk_sts::Client::from_conf(conf), endpoint: endpoint.clone(), url })
}

impl Sts {
    /// One attempt of GetCallerIdentity: the answer's account and ARN as given, or the classified failure.
    pub async fn get_caller_identity(&self) -> Result<(Option<String>, Option<String>), CallError> {
        match self.inner.get_caller_identity().send().await {
            Ok(out) => Ok((out.account, out.arn)),
            Err(e) => Err(classify_sts(e)),
        }
    }

    /// The identity in an answer: exit 6 when it has no 12-digit account.
    pub fn identity(&self, account: Option<String>, arn: Option<String>) -> Result<Identity, Error> {
        match (account, arn) {
            (Some(account), Some(arn)) if crate::targets::is_account_id(&account) => Ok(Identity { account, arn }),
            (account, _) => Err(Error::Unreachable(format!(
                "sts GetCallerIdentity for {} answered without a 12-digit account (got {account:?}); is the endpoint \
                 right (--endpoint-url, AWS_ENDPOINT_URL)?",
                self.who()
            ))),
        }
    }

    /// GetCallerIdentity failed after retries: exit 6, the message naming the endpoint, region, profile, role.
    pub fn failed(&self, e: &CallError) -> Error {
        let detail = match (&e.code, e.status) {
            (Some(c), _) if !e.message.is_empty() && !e.message.starts_with("HTTP ") => format!("{c}: {}", e.message),
            (Some(c), _) => c.clone(),
            (None, Some(status)) => format!(
                "HTTP {status} that is not an STS answer; is the endpoint right (--endpoint-url, AWS_ENDPOINT_URL)?"
            ),
            (None, None) => e.message.clone(),
        };
        Error::Unreachable(format!(
            "sts GetCallerIdentity {} failed: {detail}; no Lookout for Vision call was made there",
            self.who()
        ))
    }

    fn who(&self) -> String {
        let endpoint = &self.endpoint;
        let mut s = format!("at {} (region {}", self.url, endpoint.region);
        if let Some(p) = &endpoint.profile {
            s.push_str(&format!(", profile {p}"));
        }
        if let Some(r) = &endpoint.role {
            s.push_str(&format!(", role {}", r.arn));
        }
        s.push(')');
        s
    }
}
