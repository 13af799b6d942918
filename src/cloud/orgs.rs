//! AWS Organizations ListAccounts (`--organization`): every page, with the source credentials (the management
//! account or a delegated administrator; needs `organizations:ListAccounts`).

use aws_config::retry::RetryConfig;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{ClientOptions, Endpoint};
use crate::error::Error;
use crate::targets::accounts::Account;

/// Most pages read before giving up: 10,000 (20 accounts a page is 200,000 accounts; AWS allows 10,000).
pub const MAX_PAGES: usize = 10_000;

/// Every ACTIVE account of the caller's organisation, in the order listed. Exit 6 when the call fails (the
/// message names the permission it needs).
pub async fn list_active_accounts(endpoint: &Endpoint, options: ClientOptions) -> Result<Vec<Account>, Error> {
    let sdk = super::sdk_config(endpoint).await?;
    let (_, timeouts) = super::retry_and_timeouts(options);
    let conf = aws_sdk_organizations::config::Builder::from(&sdk)
        .retry_config(RetryConfig::standard())
        .timeout_config(timeouts)
        .build();
    let client = aws_sdk_organizations::Client::from_conf(conf);
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = client.list_accounts().set_next_token(next.take()).send().await.map_err(|e| {
            let detail = match (e.code(), e.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                _ => DisplayErrorContext(&e).to_string(),
            };
            Error::Unreachable(format!(
                "--organization: organizations ListAccounts failed: {detail} (it needs organizations:ListAccounts \
                 in the management account or a delegated administrator)"
            ))
        })?;
        for a in page.accounts() {
            let active = a.status().is_some_and(|s| s.as_str() == "ACTIVE");
            if let (true, Some(id)) = (active, a.id()) {
                out.push(Account { id: id.to_string(), name: a.name().unwrap_or_default().to_string() });
            }
        }
        match page.next_token().filter(|t| !t.is_empty()) {
            Some(t) => next = Some(t.to_string()),
            None => return Ok(out),
        }
    }
    Err(Error::Unreachable(format!("--organization: ListAccounts still had more pages after {MAX_PAGES}")))
}
