//! Role credentials that renew: STS AssumeRole behind our own one-entry cache, so a call answered
//! `ExpiredTokenException` can drop the cached session ([`Renewing::invalidate`]) and the retry
//! (`exec::retry`, which treats [`super::ErrorKind::ExpiredCredentials`] as retryable) re-assumes the role.
//!
//! Each AssumeRole is one attempt of an STS client whose SDK retries are off, made through the command's
//! [`Gate`] (its pace: the target's AssumeRole limiter, the tool's retry policy, the count of calls), like every
//! other call of the tool.
//!
//! The SDK's own identity cache judges expiry by this machine's clock only; a service (or the emulator, whose
//! clock tests advance) may judge a session expired earlier. Clients built with a role therefore use no SDK
//! identity cache, and this cache renews the session 5 minutes before its stated expiry as well.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use lfv_model::op::Op;
use serde::{Deserialize, Serialize};

use super::convert::{AssumeFailed, classify_sts};
use super::{CallError, ClientOptions};

/// Renew this long before the stated expiry: 5 minutes.
pub const RENEW_BEFORE: Duration = Duration::from_secs(300);
/// An invalidation within this long of obtaining a session is ignored (a call signed with the previous
/// session failed after the renewal): 500 ms.
pub const FRESH_FOR: Duration = Duration::from_millis(500);

/// A role to assume (renewed before expiry, cached per client).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Role {
    /// `arn:aws:iam::<account>:role/<name>`.
    pub arn: String,
    /// External id, if the role wants one (never serialised).
    #[serde(skip)]
    pub external_id: Option<String>,
    /// RoleSessionName: 2 to 64 of `[\w+=,.@-]`.
    pub session_name: String,
}

/// A future the [`Gate`] runs.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a call made while the SDK resolves credentials (AssumeRole) is made: the command's pace gives one per
/// target (`crate::service::Pace::gate`: the limiter of the target's `op`, the retry policy, the count), so
/// these calls are paced, retried and counted like every other.
pub trait Gate: Send + Sync + std::fmt::Debug {
    /// The command's session of the role `key` names, made with `new` on first use ([`Sessions`]).
    fn session(&self, key: SessionKey, new: &mut dyn FnMut() -> Renewing) -> Renewing;

    /// `attempt` as often as the command's retry policy says, under the limiter of `op`; the last error if
    /// every attempt failed.
    fn call<'a>(
        &'a self,
        op: Op,
        attempt: &'a (dyn Fn() -> BoxFuture<'a, Result<Credentials, CallError>> + Send + Sync),
    ) -> BoxFuture<'a, Result<Credentials, CallError>>;
}

/// A role and the source credentials it is assumed with: the role's ARN, session name and external id, and
/// the endpoint's profile and endpoint URL.
pub type SessionKey = (String, String, Option<String>, Option<String>, Option<String>);

/// The role sessions of one command, one per role and source credentials: every client of the role (in any
/// region), its identity check and its probe share one, so a role is assumed once per command and again only
/// when its session expires.
#[derive(Debug, Default)]
pub struct Sessions(Mutex<HashMap<SessionKey, Renewing>>);

impl Sessions {
    /// The session of `key`, made with `new` on first use.
    pub fn get_or_make(&self, key: SessionKey, new: &mut dyn FnMut() -> Renewing) -> Renewing {
        self.0.lock().expect("sessions lock").entry(key).or_insert_with(new).clone()
    }
}

/// `sdk` (of `endpoint`, whose role is `role`) with its credentials replaced by the command's renewing session
/// of `role` assumed with them (through `gate`, made on first use), and the handle that renews it. No SDK
/// identity cache: [`Renewing`] caches, and can be told a session expired.
pub(super) fn assume(
    sdk: aws_config::SdkConfig,
    endpoint: &super::Endpoint,
    role: &Role,
    options: ClientOptions,
    gate: Arc<dyn Gate>,
) -> (aws_config::SdkConfig, Renewing) {
    let key = (
        role.arn.clone(),
        role.session_name.clone(),
        role.external_id.clone(),
        endpoint.profile.clone(),
        endpoint.endpoint_url.clone(),
    );
    let provider = {
        let mut new = || {
            let (_, timeouts) = super::retry_and_timeouts(options);
            let conf = aws_sdk_sts::config::Builder::from(&sdk)
                .retry_config(RetryConfig::disabled())
                .timeout_config(timeouts)
                .build();
            Renewing(Arc::new(Inner {
                sts: aws_sdk_sts::Client::from_conf(conf),
                role: role.clone(),
                gate: gate.clone(),
                cached: Mutex::new(None),
                renewing: tokio::sync::Mutex::new(()),
            }))
        };
        gate.session(key, &mut new)
    };
    let sdk = sdk
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider.clone()))
        .identity_cache(aws_config::identity::IdentityCache::no_cache())
        .build();
    (sdk, provider)
}

/// A renewing role session, shared by a client and the SDK (cheap to clone).
#[derive(Debug, Clone)]
pub struct Renewing(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// STS with the credentials the role is assumed with, SDK retries off.
    sts: aws_sdk_sts::Client,
    role: Role,
    gate: Arc<dyn Gate>,
    cached: Mutex<Option<(Credentials, Instant)>>,
    renewing: tokio::sync::Mutex<()>,
}

impl Renewing {
    /// Drop the cached session (a call was answered `ExpiredTokenException`), unless it was obtained within
    /// `FRESH_FOR` (500 ms).
    pub fn invalidate(&self) {
        let mut cached = self.0.cached.lock().expect("credentials cache");
        if cached.as_ref().is_some_and(|(_, at)| at.elapsed() >= FRESH_FOR) {
            *cached = None;
        }
    }

    fn current(&self) -> Option<Credentials> {
        let cached = self.0.cached.lock().expect("credentials cache");
        cached
            .as_ref()
            .filter(|(c, _)| c.expiry().is_none_or(|e| e > SystemTime::now() + RENEW_BEFORE))
            .map(|(c, _)| c.clone())
    }

    /// One attempt of AssumeRole: the session, or the classified failure.
    async fn assume_once(&self) -> Result<Credentials, CallError> {
        let role = &self.0.role;
        let req = self.0.sts.assume_role().role_arn(&role.arn).role_session_name(&role.session_name);
        match req.set_external_id(role.external_id.clone()).send().await {
            Ok(out) => {
                let c = out.credentials.ok_or_else(|| CallError::foreign("AssumeRole answered without Credentials"))?;
                let expiry = SystemTime::try_from(c.expiration).ok();
                Ok(Credentials::new(c.access_key_id, c.secret_access_key, Some(c.session_token), expiry, "AssumeRole"))
            }
            Err(e) => Err(classify_sts(e)),
        }
    }

    async fn get(&self) -> aws_credential_types::provider::Result {
        if let Some(c) = self.current() {
            return Ok(c);
        }
        // One AssumeRole at a time; the others take its answer.
        let _one = self.0.renewing.lock().await;
        if let Some(c) = self.current() {
            return Ok(c);
        }
        let attempt = || -> BoxFuture<'_, Result<Credentials, CallError>> { Box::pin(self.assume_once()) };
        let c = self
            .0
            .gate
            .call(Op::AssumeRole, &attempt)
            .await
            .map_err(|e| CredentialsError::provider_error(AssumeFailed(e)))?;
        crate::redact::register(c.access_key_id());
        crate::redact::register(c.secret_access_key());
        if let Some(t) = c.session_token() {
            crate::redact::register(t);
        }
        *self.0.cached.lock().expect("credentials cache") = Some((c.clone(), Instant::now()));
        Ok(c)
    }
}

impl ProvideCredentials for Renewing {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.get())
    }
}
