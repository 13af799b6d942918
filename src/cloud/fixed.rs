//! A client with fixed credentials and no credential chain: for tests and tools that run the real SDK against
//! the emulator in-process, where the chain (environment, profiles) belongs to the developer's machine.

use aws_credential_types::Credentials;
use aws_sdk_lookoutvision::config::Region;

use super::{Client, ClientOptions, Endpoint, retry_and_timeouts};

impl Client {
    /// A client for `endpoint` (its `endpoint_url` is required in practice: the emulator's) signing with the given
    /// access key and secret, SDK retries and timeouts as [`super::connect`] sets them. The secret is registered
    /// for redaction. Never used by the commands: they resolve credentials through the chain.
    pub fn with_fixed_credentials(endpoint: &Endpoint, options: ClientOptions, key_id: &str, secret: &str) -> Client {
        crate::redact::register(secret);
        let (retry, timeouts) = retry_and_timeouts(options);
        let mut conf = aws_sdk_lookoutvision::Config::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(Region::new(endpoint.region.clone()))
            .credentials_provider(Credentials::new(key_id, secret, None, None, "fixed"))
            .retry_config(retry)
            .timeout_config(timeouts)
            .interceptor(super::shape::ServiceShape);
        if let Some(url) = &endpoint.endpoint_url {
            conf = conf.endpoint_url(url);
        }
        let url = match &endpoint.endpoint_url {
            Some(u) => u.clone(),
            None => format!("https://lookoutvision.{}.amazonaws.com", endpoint.region),
        };
        Client {
            inner: aws_sdk_lookoutvision::Client::from_conf(conf.build()),
            endpoint: endpoint.clone(),
            url,
            renewing: None,
        }
    }
}
