//! The flags of accounts, organisations, roles and shards (`plan`), and of role assumption (`plan`, `apply`,
//! `export`, `verify`).

use std::path::PathBuf;

use clap::Args;

use super::values::{
    parse_account_id, parse_external_id, parse_role_arn_template, parse_role_name, parse_session_name, parse_shard,
};

/// How `plan`, `apply`, `export` and `verify` assume the roles that reach other accounts.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Accounts and roles")]
pub struct RoleArgs {
    /// ExternalId passed to every role assumed (2 to 1,224 of letters, digits and _+=,.@:/-); never stored in the
    /// plan: `apply`, `export` and `verify` need it again.
    #[arg(long, env = "LFV_EXTERNAL_ID", value_name = "ID", value_parser = parse_external_id)]
    pub external_id: Option<String>,
    /// RoleSessionName of every role assumed (2 to 64 of letters, digits and _+=,.@-; default
    /// `lfv-sunset-<plan id>`, planning included, so every call is tied to its plan).
    #[arg(long, value_name = "NAME", value_parser = parse_session_name)]
    pub session_name: Option<String>,
}

/// Which accounts `plan` covers and how it reaches them.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Accounts and roles")]
pub struct TargetArgs {
    /// Accounts to plan: one 12-digit id per line (`#` comments), or CSV with an `account_id` column (and
    /// optionally `name`). Each account is reached by assuming a role (see --role-name); the caller's own
    /// account with the source credentials.
    #[arg(long, value_name = "FILE", conflicts_with = "organization")]
    pub accounts: Option<PathBuf>,
    /// Plan every ACTIVE account of the caller's organisation (Organizations ListAccounts, every page); an
    /// account in another state (SUSPENDED, CLOSED, ...) is listed unreachable (`account_not_active`).
    #[arg(long)]
    pub organization: bool,
    /// Leave out this account; repeat for several (with --accounts or --organization).
    #[arg(long = "exclude-account", value_name = "ID", value_parser = parse_account_id)]
    pub exclude_accounts: Vec<String>,
    /// Role assumed in each account: `arn:aws:iam::<account>:role/NAME` (default
    /// OrganizationAccountAccessRole; 1 to 64 of letters, digits and _+=,.@-).
    #[arg(long, value_name = "NAME", value_parser = parse_role_name, conflicts_with = "role_arn_template")]
    pub role_name: Option<String>,
    /// Role ARN with an `{account}` placeholder, e.g. `arn:aws:iam::{account}:role/path/Decommission`.
    #[arg(long, value_name = "ARN", value_parser = parse_role_arn_template)]
    pub role_arn_template: Option<String>,
    /// Plan only shard K of N (K from 0 to N-1; N up to 10,000): the accounts whose SHA-256 of the id is K
    /// modulo N, so N copies (Kubernetes Indexed Job, AWS Batch array job) cover every account exactly once.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<crate::targets::shard::Shard>,
    /// Write the plan even if some targets cannot be reached (listed under `unreachable`); plan still exits 6.
    #[arg(long)]
    pub allow_unreachable: bool,
    /// Role assumption options.
    #[command(flatten)]
    pub role: RoleArgs,
}
