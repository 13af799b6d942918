//! AWS Organizations ListAccounts (`--organization`): every page, with the source credentials (the management
//! account or a delegated administrator; needs `organizations:ListAccounts`).

use aws_config::retry::RetryConfig;

use super::convert::classify;
use std::sync::Arc;

use super::{CallError, ClientOptions, Endpoint, Gate, Page};
use crate::error::Error;
use crate::targets::accounts::Account;

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

/// An Organizations client with the source credentials, the SDK's retries off: the caller's pace retries and
/// pages ([`crate::service::Pace::pages`]).
#[derive(Debug, Clone)]
pub struct Orgs {
    inner: aws_sdk_organizations::Client,
}

/// The [`Orgs`] client of `endpoint`'s credentials.
pub async fn orgs(endpoint: &Endpoint, options: ClientOptions, gate: Arc<dyn Gate>) -> Result<Orgs, Error> {
    let sdk = super::sdk_config(endpoint, options, gate).await?;
    let (_, timeouts) = super::retry_and_timeouts(options);
    let conf = aws_sdk_organizations::config::Builder::from(&sdk)
        .retry_config(RetryConfig::disabled())
        .timeout_config(timeouts)
        .build();
    Ok(Orgs { inner: aws_sdk_organizations::Client::from_conf(conf) })
}

impl Orgs {
    /// One attempt of one ListAccounts page: every account with an id, with its state, in the order listed.
    pub async fn list_accounts(&self, token: Option<String>) -> Result<Page<Listed>, CallError> {
        let page = self.inner.list_accounts().set_next_token(token).send().await.map_err(classify)?;
        let items = page
            .accounts()
            .iter()
            .filter_map(|a| {
                let state = account_state(a.state().map(|s| s.as_str()), a.status().map(|s| s.as_str()));
                let account = Account { id: a.id()?.to_string(), name: a.name().unwrap_or_default().to_string() };
                Some(Listed { account, state })
            })
            .collect();
        Ok(Page { items, next: page.next_token().filter(|t| !t.is_empty()).map(str::to_string) })
    }
}

/// ListAccounts failed after retries: exit 6, naming the permission it needs.
pub fn failed(e: &CallError) -> Error {
    let detail = match &e.code {
        Some(c) => format!("{c}: {}", e.message),
        None => e.message.clone(),
    };
    Error::Unreachable(format!(
        "--organization: organizations ListAccounts failed: {detail} (it needs organizations:ListAccounts in the \
         management account or a delegated administrator)"
    ))
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
