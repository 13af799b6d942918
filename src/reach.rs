//! How `plan` reaches its targets: the (profile, region) endpoints of the source credentials, or with
//! `--accounts` / `--organization` every account x region through a role (the caller's own account with the
//! source credentials), cut to `--shard`, each resolved with GetCallerIdentity before any Lookout for Vision
//! call. A target that cannot be reached (AssumeRole refused, account suspended, region not enabled) is
//! [`Unreachable`], never an empty account.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::cli::TargetArgs;
use crate::cloud::identity::session_name;
use crate::cloud::orgs::Listed;
use crate::cloud::{self, ClientOptions, Endpoint, ErrorKind, Page, ProjectSummary, Role};
use crate::error::{Error, Result};
use crate::identity::{CredsKey, caller_identity, creds_key, each_identity, identities};
use crate::plan::{Identity, Plan, Unreachable};
use crate::service::retry::{AttemptStats, Retried};
use crate::service::{LimitKey, Op, Pace, PagesError};
use crate::targets::accounts;
use crate::targets::shard::Shard;

/// The role every account is reached through when `--role-name` and `--role-arn-template` are not given.
pub const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";

/// One target reached: its account, the endpoint that reaches it, and the first ListProjects page its probe
/// read (the planner goes on from there).
#[derive(Debug, Clone)]
pub struct Reached {
    /// The account the target's credentials answer for.
    pub account: String,
    /// How it is reached.
    pub endpoint: Endpoint,
    /// The probe's ListProjects page.
    pub first_page: Page<ProjectSummary>,
}

/// The endpoints to plan, the identity of each, and the targets that cannot be reached.
pub struct Reach {
    /// The targets to plan, in the order given.
    pub reached: Vec<Reached>,
    /// The identity GetCallerIdentity gave for each target's credentials.
    pub ids: HashMap<CredsKey, Identity>,
    /// The targets that cannot be reached.
    pub unreachable: Vec<Unreachable>,
    /// What the user should know (an endpoint left out because another reaches the same target).
    pub notes: Vec<String>,
}

/// The role ARN of `account` from `--role-arn-template` or `--role-name` (default [`DEFAULT_ROLE`]).
pub fn role_arn(args: &TargetArgs, account: &str) -> String {
    match &args.role_arn_template {
        Some(t) => t.replace("{account}", account),
        None => format!("arn:aws:iam::{account}:role/{}", args.role_name.as_deref().unwrap_or(DEFAULT_ROLE)),
    }
}

/// Resolve `base` (profile x region) into the endpoints to plan. Roles are assumed with `--session-name`, or
/// by default with [`session_name`] of `plan_id` (the plan being made), as every later run of the plan does.
/// Every call (GetCallerIdentity, ListAccounts, the probes' ListProjects) goes at `pace`.
pub async fn reach(
    args: &TargetArgs,
    base: Vec<Endpoint>,
    options: ClientOptions,
    plan_id: &str,
    pace: &Arc<Pace>,
) -> Result<Reach> {
    let many = args.accounts.is_some() || args.organization;
    if !many {
        if args.role_name.is_some() || args.role_arn_template.is_some() || !args.exclude_accounts.is_empty() {
            return Err(Error::Usage(
                "--role-name, --role-arn-template and --exclude-account need --accounts or --organization".into(),
            ));
        }
        return reach_endpoints(base, args.shard, options, pace).await;
    }
    if base.iter().any(|e| e.profile != base[0].profile) {
        return Err(Error::Usage("--accounts and --organization take at most one --profile (the source)".into()));
    }
    let source = caller_identity(&base[0], 0, options, pace).await?;
    let listed: Vec<Listed> = match &args.accounts {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| Error::Usage(format!("--accounts {}: cannot read: {e}", file.display())))?;
            let parsed = accounts::parse(file, &text).map_err(Error::Usage)?;
            parsed.into_iter().map(|account| Listed { account, state: None }).collect()
        }
        None => list_accounts(&base[0], options, pace).await?,
    };
    let (mut endpoints, mut inactive) = (Vec::new(), Vec::new());
    for l in listed.iter().filter(|l| !args.exclude_accounts.contains(&l.account.id)) {
        let id = &l.account.id;
        if args.shard.is_some_and(|s| !s.contains(id)) {
            continue;
        }
        let role = (*id != source.account).then(|| Role {
            arn: role_arn(args, id),
            external_id: args.role.external_id.clone(),
            session_name: args.role.session_name.clone().unwrap_or_else(|| session_name(plan_id)),
        });
        for b in &base {
            let e = Endpoint { role: role.clone(), ..b.clone() };
            match not_active(l) {
                Some(message) => inactive.push(unreachable(id, &e, NOT_ACTIVE, message)),
                None => endpoints.push((id.clone(), e)),
            }
        }
    }
    // The source credentials' identity is known already: not asked again.
    let known = HashMap::from([(creds_key(&base[0]), source.clone())]);
    let mut reach = resolve(endpoints, options, pace, &known).await?;
    reach.unreachable.extend(inactive);
    Ok(reach)
}

/// Resolve `base` (profile x region, the caller's own credentials: no `--accounts` or `--organization`) into
/// the endpoints to plan: each credential's identity (exit 6 if one cannot be resolved), the accounts of
/// `shard` only, an (account, region) reached twice planned once (with a note), and every target probed like
/// a role's (`probe_all`): one that refuses is an unreachable entry.
pub async fn reach_endpoints(
    base: Vec<Endpoint>,
    shard: Option<Shard>,
    options: ClientOptions,
    pace: &Arc<Pace>,
) -> Result<Reach> {
    let ids = identities(&base, options, pace).await?;
    let accounts: Vec<String> = base.iter().map(|e| ids[&creds_key(e)].account.clone()).collect();
    let (mut endpoints, mut notes) = (Vec::<(String, Endpoint)>::new(), Vec::new());
    for (n, e) in base.iter().enumerate() {
        if shard.is_some_and(|s| !s.contains(&accounts[n])) {
            continue;
        }
        match first_reaching(&base, &accounts, n) {
            Some(first) => notes.push(format!(
                "{} reaches account {} in {} as {} does; it is planned once, through the first",
                profile_of(e),
                accounts[n],
                e.region,
                profile_of(&base[first]),
            )),
            None => endpoints.push((accounts[n].clone(), e.clone())),
        }
    }
    let mut reach = Reach { reached: Vec::new(), ids, unreachable: Vec::new(), notes };
    probe_all(endpoints, options, pace, &mut reach).await?;
    Ok(reach)
}

/// One unreachable target on one line: `account A region R (role ARN): ERROR: MESSAGE`.
pub fn unreachable_line(u: &Unreachable) -> String {
    format!(
        "account {} region {}{}: {}: {}",
        u.account,
        u.region,
        u.role_arn.as_ref().map(|r| format!(" (role {r})")).unwrap_or_default(),
        u.error,
        u.message
    )
}

/// The first endpoint before `n` in `base` that reaches the same (account, region) as `base[n]` (`accounts`
/// holds each endpoint's account): two profiles of one account, or one profile and region given twice.
fn first_reaching(base: &[Endpoint], accounts: &[String], n: usize) -> Option<usize> {
    (0..n).find(|&m| accounts[m] == accounts[n] && base[m].region == base[n].region)
}

fn profile_of(e: &Endpoint) -> String {
    match &e.profile {
        Some(p) => format!("profile {p}"),
        None => "the default credentials".into(),
    }
}

/// The `error` of an unreachable target whose account ListAccounts answered in a state other than ACTIVE.
pub const NOT_ACTIVE: &str = "account_not_active";

/// Why a listed account is not reached: the organisation says it is not ACTIVE (SUSPENDED, PENDING_CLOSURE,
/// CLOSED, ...). An account whose state is not known (from `--accounts`, or an answer with no state) is tried.
fn not_active(l: &Listed) -> Option<String> {
    match l.state.as_deref() {
        None | Some("ACTIVE") => None,
        Some(state) => Some(format!(
            "the organisation lists account {} as {state} (ListAccounts), so it cannot be reached; pass \
             --exclude-account {} to leave it out",
            l.account.id, l.account.id
        )),
    }
}

/// GetCallerIdentity once per role (not for credentials whose identity is `known` already), then one
/// ListProjects per target (a region the account has not enabled refuses it); every failure becomes an
/// [`Unreachable`] entry. Roles and targets are resolved concurrently (an organisation has hundreds); the
/// result keeps the order of `endpoints`.
async fn resolve(
    endpoints: Vec<(String, Endpoint)>,
    options: ClientOptions,
    pace: &Arc<Pace>,
    known: &HashMap<CredsKey, Identity>,
) -> Result<Reach> {
    let all: Vec<Endpoint> = endpoints.iter().map(|(_, e)| e.clone()).collect();
    let ids: HashMap<CredsKey, std::result::Result<Identity, String>> =
        each_identity(&all, options, pace, known).await?.into_iter().map(|(k, v)| (k, v.map_err(reason))).collect();
    let mut reach = Reach { reached: Vec::new(), ids: HashMap::new(), unreachable: Vec::new(), notes: Vec::new() };
    let mut identified = Vec::new();
    for (account, e) in endpoints {
        match &ids[&creds_key(&e)] {
            Ok(id) if id.account == account => identified.push((account, e)),
            Ok(id) => reach.unreachable.push(unreachable(
                &account,
                &e,
                "assume_role",
                format!("the role answers as account {}, not {account}", id.account),
            )),
            Err(message) => reach.unreachable.push(unreachable(&account, &e, "assume_role", message.clone())),
        }
    }
    probe_all(identified, options, pace, &mut reach).await?;
    reach.ids = ids.into_iter().filter_map(|(k, v)| v.ok().map(|v| (k, v))).collect();
    Ok(reach)
}

/// The one reachability probe of every target, whatever reaches it (the caller's own credentials, a profile,
/// a role): one ListProjects each, concurrently; a target that answers joins `reach.reached` (in the order
/// given), one that refuses (a region not enabled, a policy that denies it, ...) is an [`Unreachable`] entry.
/// Each probe goes at the limiters of its position in `endpoints`; those of a target reached are renumbered to
/// its position among the targets reached, the number the planner gives it, so its next ListProjects waits
/// for the probe's.
async fn probe_all(
    endpoints: Vec<(String, Endpoint)>,
    options: ClientOptions,
    pace: &Arc<Pace>,
    reach: &mut Reach,
) -> Result<()> {
    let mut probes = tokio::task::JoinSet::new();
    for (n, (account, e)) in endpoints.into_iter().enumerate() {
        let pace = pace.clone();
        probes.spawn(async move { (n, probe(&e, n, options, &pace).await, account, e) });
    }
    let mut done = BTreeMap::new();
    while let Some(joined) = probes.join_next().await {
        let (n, result, account, e) = joined.map_err(|e| Error::Internal(format!("probe task: {e}")))?;
        done.insert(n, (result, account, e));
    }
    for (n, (result, account, e)) in done {
        match result {
            Probed::Answered(first_page) => {
                // The target is planned as number `reach.reached.len()`: its probe's limiters go with it.
                pace.renumber(n, reach.reached.len());
                reach.reached.push(Reached { account, endpoint: e, first_page });
            }
            Probed::Refused(code, message) => reach.unreachable.push(unreachable(&account, &e, &code, message)),
            // Not a refusal of this target: the endpoint is not the service, and nothing can be concluded.
            Probed::NotTheService(why) => return Err(Error::Unreachable(format!("{why}; no plan was written"))),
        }
    }
    Ok(())
}

/// What a target's probe came to.
enum Probed {
    /// The service answered (its first page of projects): the target is reached.
    Answered(Page<ProjectSummary>),
    /// The target refused (or could not be connected to): its unreachable entry's error code and message.
    Refused(String, String),
    /// The answer is not the service's (a wrong endpoint): what it was, naming the endpoint.
    NotTheService(String),
}

/// Why a target's identity could not be resolved, without the exit class's prefix (the entry is listed as
/// unreachable already).
fn reason(e: Error) -> String {
    match e {
        Error::Unreachable(m) => m,
        other => other.to_string(),
    }
}

/// One ListProjects through the target's credentials, at `pace` (a transient answer is retried like every
/// call, so a throttled or briefly failing target is not called unreachable).
async fn probe(e: &Endpoint, target: usize, options: ClientOptions, pace: &Arc<Pace>) -> Probed {
    let client = match cloud::connect(e, options, pace.gate(target)).await {
        Ok(c) => c,
        Err(err) => return Probed::Refused("unreachable".to_string(), err.to_string()),
    };
    let key = LimitKey { target, op: Op::ListProjects };
    match pace.call(key, None, &mut AttemptStats::default(), |_| {}, || client.list_projects(None)).await {
        Retried::Ok(page) => Probed::Answered(page),
        Retried::Failed(err) if err.kind == ErrorKind::Foreign => {
            Probed::NotTheService(client.not_the_service("ListProjects", &err))
        }
        Retried::Failed(err) => {
            Probed::Refused(err.code.clone().unwrap_or_else(|| "unreachable".into()), format!("ListProjects: {err}"))
        }
        Retried::Cancelled => Probed::Refused("unreachable".into(), "ListProjects: cancelled".into()),
    }
}

/// Every account of the caller's organisation with its state, in the order listed (ListAccounts, every page,
/// at `pace`). Exit 6 when the call fails (the message names the permission it needs).
async fn list_accounts(source: &Endpoint, options: ClientOptions, pace: &Arc<Pace>) -> Result<Vec<Listed>> {
    let orgs = cloud::orgs::orgs(source, options, pace.gate(0)).await?;
    let key = LimitKey { target: 0, op: Op::ListAccounts };
    let mut all = Vec::new();
    let each = |page: Vec<Listed>| {
        all.extend(page);
        Ok::<_, std::convert::Infallible>(())
    };
    let fetch = |token| orgs.list_accounts(token);
    match pace.pages(None, key, None, &mut AttemptStats::default(), |_| {}, fetch, each).await {
        Ok(()) => Ok(all),
        Err(PagesError::Call(e)) => Err(cloud::orgs::failed(&e)),
        Err(e) => Err(Error::Unreachable(format!("--organization: ListAccounts: {e:?}"))),
    }
}

/// The unreachable entry of `account` reached through `e`: `error` is the service's code (or ours), `message`
/// says which call and why.
pub(crate) fn unreachable(account: &str, e: &Endpoint, error: &str, message: String) -> Unreachable {
    Unreachable {
        account: account.to_string(),
        region: e.region.clone(),
        role_arn: e.role.as_ref().map(|r| r.arn.clone()),
        error: error.to_string(),
        message,
    }
}

/// Record in `plan` the identity seen for each target and the targets found unreachable before planning (ahead
/// of any the planning itself found), and seal it again.
pub fn record_reach(plan: &mut Plan, reach: &Reach) {
    for t in &mut plan.targets {
        t.identity = reach.ids.get(&(t.profile.clone(), t.endpoint_url.clone(), t.role_arn.clone())).cloned();
    }
    // Those refused at the probe first, then those the planning found refusing (already in the plan).
    plan.unreachable.splice(0..0, reach.unreachable.iter().cloned());
    plan.seal();
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn targets(args: &[&str]) -> TargetArgs {
        let mut argv = vec!["lfv-sunset", "plan", "--out", "p.json"];
        argv.extend_from_slice(args);
        match crate::cli::Cli::try_parse_from(argv).expect("parses").command {
            crate::cli::Command::Plan(p) => p.select.targets,
            _ => unreachable!(),
        }
    }

    #[test]
    fn role_arns() {
        let a = "111122223333";
        for (flags, want) in [
            (vec![], format!("arn:aws:iam::{a}:role/OrganizationAccountAccessRole")),
            (vec!["--role-name", "Decom"], format!("arn:aws:iam::{a}:role/Decom")),
            (
                vec!["--role-arn-template", "arn:aws:iam::{account}:role/x/Decom"],
                format!("arn:aws:iam::{a}:role/x/Decom"),
            ),
        ] {
            assert_eq!(role_arn(&targets(&flags), a), want, "{flags:?}");
        }
    }

    #[test]
    fn only_an_account_not_known_to_be_active_is_left_unreached() {
        let listed = |state: Option<&str>| Listed {
            account: accounts::Account { id: "111122223333".into(), name: String::new() },
            state: state.map(String::from),
        };
        for (state, left) in [
            (None, false),
            (Some("ACTIVE"), false),
            (Some("SUSPENDED"), true),
            (Some("PENDING_CLOSURE"), true),
            (Some("CLOSED"), true),
            (Some("PENDING_ACTIVATION"), true),
        ] {
            let why = not_active(&listed(state));
            assert_eq!(why.is_some(), left, "{state:?}");
            if let (Some(why), Some(state)) = (why, state) {
                assert!(why.contains(state) && why.contains("--exclude-account 111122223333"), "{why}");
            }
        }
    }
}
