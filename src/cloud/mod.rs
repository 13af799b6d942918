//! The only module that sees `aws_sdk_lookoutvision` and `aws_config`.
//!
//! [`connect`] builds a client from the standard AWS chain (profile, SSO, environment, `AWS_ENDPOINT_URL`)
//! with the flags' overrides, **SDK retries disabled** (every attempt is made, counted and rate-limited by
//! `exec::retry`) and timeouts set: connect 3 s, each attempt `attempt_timeout` (10 s by default), because
//! the SDK has no read timeout and a silent server would otherwise hang the run. Calls return the crate's own
//! types; SDK errors become a [`CallError`] here and nowhere else. This module never retries and never sleeps.
//! An answer that is not the service's (HTML, a 404 without `ResourceNotFoundException`, a 2xx that does not
//! parse) is [`ErrorKind::Foreign`], never "absent" (`convert`, `shape`).

mod convert;
mod fixed;
pub mod identity;
mod model_types;
mod models;
pub mod orgs;
mod renew;
mod s3;
mod shape;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_lookoutvision::config::Region;
use aws_sdk_lookoutvision::operation::RequestId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;
pub use convert::{CallError, ErrorKind};
use convert::{classify, timestamp};
pub use model_types::{
    Done, GreengrassConfig, GreengrassOutput, ModelInfo, ModelStatus, ModelSummary, PackagingJobInfo,
    PackagingJobStatus, PackagingJobSummary, Performance, S3Location, S3ObjectRef, Tag, TargetPlatform,
};
pub use renew::Role;
pub use s3::{S3Client, S3Object, S3Page, connect_s3};

/// Connect timeout for every call.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default per-attempt timeout.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to reach one (profile, region), with the role assumed there, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Endpoint {
    /// Region, e.g. `us-east-1`.
    pub region: String,
    /// Named profile; `None` uses the default chain.
    pub profile: Option<String>,
    /// Endpoint override (`--endpoint-url`); `None` uses the chain's (`AWS_ENDPOINT_URL`) or AWS's.
    pub endpoint_url: Option<String>,
    /// Role assumed with the source credentials (profile or chain); `None`: the source credentials themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// Client options that are not part of the target.
#[derive(Debug, Clone, Copy)]
pub struct ClientOptions {
    /// Per-attempt timeout.
    pub attempt_timeout: Duration,
    /// Let the SDK retry on its own (standard mode, 3 attempts). Only for the naive comparison run of the
    /// benchmark: the tool itself always owns its retries.
    pub sdk_retries: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self { attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT, sdk_retries: false }
    }
}

/// A Lookout for Vision client for one (profile, region).
#[derive(Debug, Clone)]
pub struct Client {
    inner: aws_sdk_lookoutvision::Client,
    endpoint: Endpoint,
    url: String,
    /// The role session, when the endpoint assumes a role: dropped when a call answers ExpiredTokenException.
    renewing: Option<renew::Renewing>,
}

/// A project as ListProjects shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectSummary {
    /// Name.
    pub name: String,
    /// ARN (`arn:aws:lookoutvision:{region}:{account}:project/{name}`).
    pub arn: String,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
}

/// A project as DescribeProject shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectInfo {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// Its datasets (at most `train` and `test`).
    pub datasets: Vec<DatasetInfo>,
}

impl ProjectInfo {
    /// The dataset of one type, if present.
    pub fn dataset(&self, dataset_type: &str) -> Option<&DatasetInfo> {
        self.datasets.iter().find(|d| d.dataset_type == dataset_type)
    }
}

/// A dataset's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// `train` or `test`.
    pub dataset_type: String,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// DatasetStatus as the service spells it.
    pub status: String,
    /// StatusMessage.
    pub status_message: Option<String>,
}

impl DatasetInfo {
    /// True while the service will refuse a deletion because an operation is running
    /// (`CREATE_IN_PROGRESS`, `UPDATE_IN_PROGRESS`, `UPDATE_FAILED_ROLLBACK_IN_PROGRESS`).
    pub fn is_busy(&self) -> bool {
        self.status.ends_with("_IN_PROGRESS") && self.status != "DELETE_IN_PROGRESS"
    }
    /// True once a deletion is under way or done.
    pub fn is_deleting(&self) -> bool {
        self.status == "DELETE_IN_PROGRESS" || self.status == "DELETE_COMPLETE"
    }
}

/// One page of a list call.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// Token of the next page; `None` at the end.
    pub next: Option<String>,
}

/// What a successful DeleteDataset returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    /// HTTP status (202).
    pub status: u16,
    /// `x-amzn-RequestId`.
    pub request_id: Option<String>,
}

/// Refuse a malformed endpoint URL (a usage error, exit 2) before the SDK retries it for seconds: an explicit
/// one (`--endpoint-url` or the plan's), else `AWS_ENDPOINT_URL_LOOKOUTVISION` and `AWS_ENDPOINT_URL` (the SDK
/// reads them itself and only warns about a malformed one; empty is unset). The profile's is checked after the SDK resolves it.
fn check_endpoint(endpoint: &Endpoint) -> Result<(), Error> {
    match &endpoint.endpoint_url {
        Some(url) => check_endpoint_url(url, "--endpoint-url or the plan"),
        None => {
            for var in ["AWS_ENDPOINT_URL_LOOKOUTVISION", "AWS_ENDPOINT_URL"] {
                // Set but empty is unset, as the SDK treats it.
                if let Some(url) = std::env::var_os(var).filter(|u| !u.is_empty()) {
                    check_endpoint_url(&url.to_string_lossy(), var)?;
                }
            }
            Ok(())
        }
    }
}

fn check_endpoint_url(url: &str, from: &str) -> Result<(), Error> {
    crate::cli::check_endpoint_url(url)
        .map_err(|e| Error::Usage(format!("invalid endpoint URL {url:?} from {from}: {e}")))
}

/// Build a client for one endpoint from the standard AWS chain. Fails with exit 2 for a malformed region or
/// endpoint URL, and exit 6 if no credentials resolve.
pub async fn connect(endpoint: &Endpoint, options: ClientOptions) -> Result<Client, Error> {
    let (sdk, renewing) = sdk_config_renewing(endpoint).await?;
    let (retry, timeouts) = retry_and_timeouts(options);
    let conf = aws_sdk_lookoutvision::config::Builder::from(&sdk)
        .retry_config(retry)
        .timeout_config(timeouts)
        .interceptor(shape::ServiceShape)
        .build();
    let url = match sdk.endpoint_url() {
        Some(u) => u.to_string(),
        None => format!("https://lookoutvision.{}.amazonaws.com", endpoint.region),
    };
    Ok(Client { inner: aws_sdk_lookoutvision::Client::from_conf(conf), endpoint: endpoint.clone(), url, renewing })
}

/// The SDK retry (disabled unless `options.sdk_retries`) and timeout settings of every client.
fn retry_and_timeouts(options: ClientOptions) -> (RetryConfig, TimeoutConfig) {
    let retry = if options.sdk_retries { RetryConfig::standard() } else { RetryConfig::disabled() };
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(options.attempt_timeout)
        .build();
    (retry, timeouts)
}

/// The shared SDK configuration of one endpoint, with credentials checked (and registered for redaction). Fails
/// with exit 2 for a malformed region or endpoint URL, exit 6 if no credentials resolve.
async fn sdk_config(endpoint: &Endpoint) -> Result<aws_config::SdkConfig, Error> {
    sdk_config_renewing(endpoint).await.map(|(sdk, _)| sdk)
}

/// [`sdk_config`] and, with a role, the handle that renews its session.
async fn sdk_config_renewing(endpoint: &Endpoint) -> Result<(aws_config::SdkConfig, Option<renew::Renewing>), Error> {
    // Flags are checked by clap; this catches the same values from the plan, AWS_REGION, AWS_ENDPOINT_URL or a
    // profile before the SDK retries a malformed endpoint for seconds.
    if !crate::cli::is_region(&endpoint.region) {
        return Err(Error::Usage(format!(
            "invalid region {:?} from the plan or the AWS chain: expected an AWS region name like us-east-1",
            endpoint.region
        )));
    }
    check_endpoint(endpoint)?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(Region::new(endpoint.region.clone()));
    if let Some(profile) = &endpoint.profile {
        // An explicit profile means that profile's credentials, even when AWS_ACCESS_KEY_ID is set (the
        // default chain would otherwise prefer the environment).
        let creds = aws_config::profile::ProfileFileCredentialsProvider::builder().profile_name(profile).build();
        loader = loader.profile_name(profile).credentials_provider(creds);
    }
    if let Some(url) = &endpoint.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let mut sdk = loader.load().await;
    let mut renewing = None;
    if let Some(role) = &endpoint.role {
        let (with_role, provider) = renew::assume(sdk, role).await;
        (sdk, renewing) = (with_role, Some(provider));
    }
    if endpoint.endpoint_url.is_none()
        && let Some(url) = sdk.endpoint_url()
    {
        check_endpoint_url(url, "the profile's endpoint_url")?;
    }
    let mut who = match &endpoint.profile {
        Some(p) => format!("profile {p}"),
        None => "the default credential chain".to_string(),
    };
    if let Some(role) = &endpoint.role {
        who = format!("role {} assumed with {who} (region {})", role.arn, endpoint.region);
    }
    let provider =
        sdk.credentials_provider().ok_or_else(|| Error::Unreachable(format!("no credentials found in {who}")))?;
    let creds = provider.provide_credentials().await.map_err(|e| match endpoint.role {
        Some(_) => Error::Unreachable(format!("could not assume {who}: {}", convert::chain(&e))),
        None => Error::NoCredentials(format!("none found in {who}: {}", convert::chain(&e))),
    })?;
    // Hidden from every later log line (the SDK logs identities and signed headers at debug/trace).
    crate::redact::register(creds.access_key_id());
    crate::redact::register(creds.secret_access_key());
    if let Some(token) = creds.session_token() {
        crate::redact::register(token);
    }
    Ok((sdk, renewing))
}

impl Client {
    /// A failed call: an expired role session is dropped here so that the retry re-assumes the role.
    fn failed(&self, e: CallError) -> CallError {
        if e.kind == ErrorKind::ExpiredCredentials
            && let Some(r) = &self.renewing
        {
            r.invalidate();
        }
        e
    }

    /// The endpoint this client was built for.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The URL calls go to: `--endpoint-url`, `AWS_ENDPOINT_URL`, or `https://lookoutvision.{region}.amazonaws.com`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The message for an answer to `what` that is not the service's ([`ErrorKind::Foreign`]), naming the
    /// endpoint: `{url} (region R) answered WHAT with something that is not Lookout for Vision's answer: ...`.
    pub fn not_the_service(&self, what: &str, e: &CallError) -> String {
        format!(
            "{} (region {}) answered {what} with something that is not Lookout for Vision's answer ({e}); is the \
             endpoint right (--endpoint-url, AWS_ENDPOINT_URL)? nothing was concluded from it",
            self.url, self.endpoint.region
        )
    }

    /// One page of ListProjects (at most 100 projects).
    pub async fn list_projects(&self, next: Option<String>) -> Result<Page<ProjectSummary>, CallError> {
        let out = self
            .inner
            .list_projects()
            .set_next_token(next)
            .max_results(100)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        let items = out
            .projects()
            .iter()
            .map(|p| ProjectSummary {
                name: p.project_name().unwrap_or_default().to_string(),
                arn: p.project_arn().unwrap_or_default().to_string(),
                created: p.creation_timestamp().map(timestamp),
            })
            .collect();
        Ok(Page { items, next: out.next_token().filter(|t| !t.is_empty()).map(str::to_string) })
    }

    /// DescribeProject.
    pub async fn describe_project(&self, name: &str) -> Result<ProjectInfo, CallError> {
        let out =
            self.inner.describe_project().project_name(name).send().await.map_err(|e| self.failed(classify(e)))?;
        let d = out
            .project_description()
            .ok_or_else(|| CallError::foreign("DescribeProject answered without a ProjectDescription"))?;
        Ok(ProjectInfo {
            name: d.project_name().unwrap_or(name).to_string(),
            arn: d.project_arn().unwrap_or_default().to_string(),
            created: d.creation_timestamp().map(timestamp),
            datasets: d
                .datasets()
                .iter()
                .map(|m| DatasetInfo {
                    dataset_type: m.dataset_type().unwrap_or_default().to_string(),
                    created: m.creation_timestamp().map(timestamp),
                    status: m.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                    status_message: m.status_message().map(str::to_string),
                })
                .collect(),
        })
    }

    /// DescribeDataset's `ImageStats.Total` (the number of entries the dataset holds).
    pub async fn dataset_image_total(&self, project: &str, dataset_type: &str) -> Result<Option<u64>, CallError> {
        let out = self
            .inner
            .describe_dataset()
            .project_name(project)
            .dataset_type(dataset_type)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        Ok(out.dataset_description().and_then(|d| d.image_stats()).and_then(|s| s.total()).map(|t| t.max(0) as u64))
    }

    /// One page of ListDatasetEntries (at most 100 entries, each one JSON Lines record, verbatim).
    pub async fn list_dataset_entries(
        &self,
        project: &str,
        dataset_type: &str,
        next: Option<String>,
    ) -> Result<Page<String>, CallError> {
        let out = self
            .inner
            .list_dataset_entries()
            .project_name(project)
            .dataset_type(dataset_type)
            .set_next_token(next)
            .max_results(100)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        Ok(Page {
            items: out.dataset_entries().to_vec(),
            next: out.next_token().filter(|t| !t.is_empty()).map(str::to_string),
        })
    }

    /// DeleteDataset with the given idempotency token.
    pub async fn delete_dataset(&self, project: &str, dataset_type: &str, token: &str) -> Result<Accepted, CallError> {
        let out = self
            .inner
            .delete_dataset()
            .project_name(project)
            .dataset_type(dataset_type)
            .client_token(token)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        Ok(Accepted { status: 202, request_id: out.request_id().map(str::to_string) })
    }
}

/// Account and region from a project ARN (`arn:aws:lookoutvision:{region}:{account}:project/{name}`).
pub fn arn_account_region(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (arn_lit, _partition, service, region, account) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if arn_lit != "arn" || service != "lookoutvision" || region.is_empty() || account.is_empty() {
        return None;
    }
    Some((account.to_string(), region.to_string()))
}

/// The region the standard chain resolves (AWS_REGION, profile), for commands given no `--region`.
pub async fn default_region(profile: Option<&str>) -> Option<String> {
    let mut chain = aws_config::default_provider::region::DefaultRegionChain::builder();
    if let Some(p) = profile {
        chain = chain.profile_name(p);
    }
    chain.build().region().await.map(|r| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_parts() {
        assert_eq!(
            arn_account_region("arn:aws:lookoutvision:eu-west-1:111122223333:project/a-b"),
            Some(("111122223333".into(), "eu-west-1".into()))
        );
        assert_eq!(arn_account_region("arn:aws:s3:::bucket"), None);
        assert_eq!(arn_account_region("nonsense"), None);
    }
}
