//! Building a Lookout for Vision client for one endpoint: the endpoint checks, the SDK configuration (credentials
//! chain or a renewing role session, region, endpoint override), SDK retries off and the timeouts.

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_lookoutvision::config::Region;

use std::sync::Arc;

use super::{CONNECT_TIMEOUT, Client, ClientOptions, Endpoint, Gate, convert, renew, shape};
use crate::error::Error;

/// Refuse a malformed endpoint URL (a usage error, exit 2) before the SDK retries it for seconds: an explicit
/// one (`--endpoint-url` or the plan's), else `AWS_ENDPOINT_URL_LOOKOUTVISION` and `AWS_ENDPOINT_URL` (the SDK
/// reads them itself and only warns about a malformed one; empty is unset). The profile's is checked after the SDK resolves it.
pub(super) fn check_endpoint(endpoint: &Endpoint) -> Result<(), Error> {
    match &endpoint.endpoint_url {
        Some(url) => check_endpoint_url_from(url, "--endpoint-url or the plan"),
        None => {
            for var in ["AWS_ENDPOINT_URL_LOOKOUTVISION", "AWS_ENDPOINT_URL"] {
                // Set but empty is unset, as the SDK treats it.
                if let Some(url) = std::env::var_os(var).filter(|u| !u.is_empty()) {
                    check_endpoint_url_from(&url.to_string_lossy(), var)?;
                }
            }
            Ok(())
        }
    }
}

fn check_endpoint_url_from(url: &str, from: &str) -> Result<(), Error> {
    check_endpoint_url(url).map_err(|e| Error::Usage(format!("invalid endpoint URL {url:?} from {from}: {e}")))
}

/// Check an endpoint URL: `http` or `https`, a non-empty host, an optional port from 1 to 65,535 and path, no
/// query, no user info, no whitespace or control characters. The error says what is wrong.
pub fn check_endpoint_url(s: &str) -> Result<(), String> {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("expected a URL like http://127.0.0.1:4566 (it contains whitespace or a control character)".into());
    }
    let uri: hyper::Uri = s.parse().map_err(|e| format!("expected a URL like http://127.0.0.1:4566 ({e})"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err("expected a URL starting with http:// or https://".into());
    }
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
    if authority.contains('@') {
        return Err("expected a URL without user info".into());
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("expected a URL with a host".into());
    }
    if let Some((_, port)) = authority.rsplit_once(':')
        && !authority.ends_with(']')
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return Err(format!("expected a port from 1 to 65535, not `{port}`"));
    }
    if uri.query().is_some() {
        return Err("expected a URL without a query".into());
    }
    Ok(())
}

/// Build a client for one endpoint from the standard AWS chain (a role assumed through `gate`, the command's
/// pace). Fails with exit 2 for a malformed region or endpoint URL, and exit 6 if no credentials resolve.
pub async fn connect(endpoint: &Endpoint, options: ClientOptions, gate: Arc<dyn Gate>) -> Result<Client, Error> {
    let (sdk, renewing) = sdk_config_renewing(endpoint, options, gate).await?;
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
pub(super) fn retry_and_timeouts(options: ClientOptions) -> (RetryConfig, TimeoutConfig) {
    let retry = if options.sdk_retries { RetryConfig::standard() } else { RetryConfig::disabled() };
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(options.attempt_timeout)
        .build();
    (retry, timeouts)
}

/// The shared SDK configuration of one endpoint, with credentials checked (and registered for redaction); a
/// role is assumed through `gate`. Fails with exit 2 for a malformed region or endpoint URL, exit 6 if no
/// credentials resolve.
pub(super) async fn sdk_config(
    endpoint: &Endpoint,
    options: ClientOptions,
    gate: Arc<dyn Gate>,
) -> Result<aws_config::SdkConfig, Error> {
    sdk_config_renewing(endpoint, options, gate).await.map(|(sdk, _)| sdk)
}

/// [`sdk_config`] and, with a role, the handle that renews its session.
pub(super) async fn sdk_config_renewing(
    endpoint: &Endpoint,
    options: ClientOptions,
    gate: Arc<dyn Gate>,
) -> Result<(aws_config::SdkConfig, Option<renew::Renewing>), Error> {
    // Flags are checked by clap; this catches the same values from the plan, AWS_REGION, AWS_ENDPOINT_URL or a
    // profile before the SDK retries a malformed endpoint for seconds.
    if !lfv_fs::names::is_region(&endpoint.region) {
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
        let (with_role, provider) = renew::assume(sdk, endpoint, role, options, gate);
        (sdk, renewing) = (with_role, Some(provider));
    }
    if endpoint.endpoint_url.is_none()
        && let Some(url) = sdk.endpoint_url()
    {
        check_endpoint_url_from(url, "the profile's endpoint_url")?;
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
        Some(_) => Error::Unreachable(format!("could not assume {who}: {}", convert::brief(&e))),
        None => Error::NoCredentials(no_credentials(endpoint.profile.as_deref(), &e)),
    })?;
    // Hidden from every later log line (the SDK logs identities and signed headers at debug/trace).
    crate::redact::register(creds.access_key_id());
    crate::redact::register(creds.secret_access_key());
    if let Some(token) = creds.session_token() {
        crate::redact::register(token);
    }
    Ok((sdk, renewing))
}

/// One actionable line for credentials that did not load: what the chain tried and what to set; the SDK's
/// own text only when a provider failed for a reason of its own (an expired SSO token, a bad profile).
fn no_credentials(profile: Option<&str>, e: &aws_credential_types::provider::error::CredentialsError) -> String {
    use aws_credential_types::provider::error::CredentialsError;
    let not_loaded = matches!(e, CredentialsError::CredentialsNotLoaded(_));
    match profile {
        Some(p) if not_loaded => format!(
            "profile {p} has none (AWS_CONFIG_FILE or ~/.aws/config, AWS_SHARED_CREDENTIALS_FILE or \
             ~/.aws/credentials): give it keys, sso_session, credential_process or role_arn, or run `aws sso login \
             --profile {p}`"
        ),
        Some(p) => format!("profile {p}: {}", convert::chain(e)),
        None if not_loaded => "none found by the default chain, which tried the environment (AWS_ACCESS_KEY_ID, \
             AWS_SECRET_ACCESS_KEY), the profile AWS_PROFILE or `default` in ~/.aws/config and ~/.aws/credentials, \
             web identity (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint and EC2 instance metadata; set \
             AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (or --profile)"
            .to_string(),
        None => format!("the default credential chain failed: {}", convert::chain(e)),
    }
}

/// The region the standard chain resolves (AWS_REGION, profile), for commands given no `--region`.
pub async fn default_region(profile: Option<&str>) -> Option<String> {
    let mut chain = aws_config::default_provider::region::DefaultRegionChain::builder();
    if let Some(p) = profile {
        chain = chain.profile_name(p);
    }
    chain.build().region().await.map(|r| r.to_string())
}
