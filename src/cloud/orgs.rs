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

/// An account of the organisation and its lifecycle state as ListAccounts answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Id and name.
    pub account: Account,
    /// `State` (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION, ...), or the retired `Status` when
    /// `State` is absent; `None` when the answer has neither.
    pub state: Option<String>,
}

/// The account state of one ListAccounts entry: `State`, else the `Status` that Organizations retired on
/// 2026-09-09 (older answers and endpoints carry only that), else none.
pub fn account_state(state: Option<&str>, status: Option<&str>) -> Option<String> {
    state.or(status).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Every account of the caller's organisation with its state, in the order listed. Exit 6 when the call fails
/// (the message names the permission it needs).
pub async fn list_accounts(endpoint: &Endpoint, options: ClientOptions) -> Result<Vec<Listed>, Error> {
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
            let Some(id) = a.id() else { continue };
            let state = account_state(a.state().map(|s| s.as_str()), a.status().map(|s| s.as_str()));
            let account = Account { id: id.to_string(), name: a.name().unwrap_or_default().to_string() };
            out.push(Listed { account, state });
        }
        match page.next_token().filter(|t| !t.is_empty()) {
            Some(t) => next = Some(t.to_string()),
            None => return Ok(out),
        }
    }
    Err(Error::Unreachable(format!("--organization: ListAccounts still had more pages after {MAX_PAGES}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_is_read_from_state_then_the_retired_status() {
        let cases = [
            ("both", Some("SUSPENDED"), Some("ACTIVE"), Some("SUSPENDED")),
            ("state only (Status retired)", Some("ACTIVE"), None, Some("ACTIVE")),
            ("status only (older answer)", None, Some("ACTIVE"), Some("ACTIVE")),
            ("closed", Some("CLOSED"), None, Some("CLOSED")),
            ("neither", None, None, None),
            ("empty state", Some(""), None, None),
        ];
        for (case, state, status, want) in cases {
            assert_eq!(account_state(state, status).as_deref(), want, "{case}");
        }
    }
}
