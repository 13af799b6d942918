//! Role credentials that renew: aws-config's `AssumeRoleProvider` behind our own one-entry cache, so a call
//! answered `ExpiredTokenException` can drop the cached session ([`Renewing::invalidate`]) and the retry
//! (`exec::retry`, which treats [`super::ErrorKind::ExpiredCredentials`] as retryable) re-assumes the role.
//!
//! The SDK's own identity cache judges expiry by this machine's clock only; a service (or the emulator, whose
//! clock tests advance) may judge a session expired earlier. Clients built with a role therefore use no SDK
//! identity cache, and this cache renews the session 5 minutes before its stated expiry as well.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use serde::{Deserialize, Serialize};

/// Renew this long before the stated expiry: 5 minutes.
pub const RENEW_BEFORE: Duration = Duration::from_secs(300);
/// An invalidation within this long of obtaining a session is ignored (a call signed with the previous
/// session failed after the renewal): 500 ms.
pub const FRESH_FOR: Duration = Duration::from_millis(500);

/// A role to assume (aws-config's `AssumeRoleProvider`: refreshed before expiry, cached per client).
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

/// `sdk` with its credentials replaced by a renewing session of `role` assumed with them, and the handle that
/// renews it. No SDK identity cache: [`Renewing`] caches, and can be told a session expired.
pub(super) async fn assume(sdk: aws_config::SdkConfig, role: &Role) -> (aws_config::SdkConfig, Renewing) {
    let mut builder = AssumeRoleProvider::builder(&role.arn).session_name(&role.session_name);
    if let Some(x) = &role.external_id {
        builder = builder.external_id(x);
    }
    let provider = Renewing::new(builder.configure(&sdk).build().await);
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
    provider: AssumeRoleProvider,
    cached: Mutex<Option<(Credentials, Instant)>>,
    renewing: tokio::sync::Mutex<()>,
}

impl Renewing {
    /// Wrap an assume-role provider.
    pub fn new(provider: AssumeRoleProvider) -> Self {
        Renewing(Arc::new(Inner { provider, cached: Mutex::new(None), renewing: tokio::sync::Mutex::new(()) }))
    }

    /// Drop the cached session (a call was answered `ExpiredTokenException`), unless it was obtained within
    /// [`FRESH_FOR`].
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

    async fn get(&self) -> aws_credential_types::provider::Result {
        if let Some(c) = self.current() {
            return Ok(c);
        }
        // One AssumeRole at a time; the others take its answer.
        let _one = self.0.renewing.lock().await;
        if let Some(c) = self.current() {
            return Ok(c);
        }
        let c = self.0.provider.provide_credentials().await?;
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
