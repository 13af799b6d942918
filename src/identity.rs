//! How a command reaches its targets: the (profile, region) endpoints to visit ([`endpoints`]), the identity
//! check of `apply`, `export` and `verify PLAN` and the identities `plan` records (one STS GetCallerIdentity per
//! distinct set of credentials: profile, endpoint, role; before any Lookout for Vision call), and one client
//! per target of a plan ([`plan_clients`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use std::sync::Arc;

use crate::cloud::identity::{Access, session_name, sts, target_endpoint};
use crate::cloud::{self, Client, ClientOptions, Endpoint};
use crate::error::{Error, Result};
use crate::plan::{Identity, Plan};
use crate::service::retry::{AttemptStats, Retried};
use crate::service::{LimitKey, Op, Pace};
use crate::targets::check::{Verdict, refusal, verdict};

/// The credentials an endpoint stands for: (profile, endpoint URL, role ARN). They are the same in every region.
pub type CredsKey = crate::service::pace::IdentityKey;

/// The [`CredsKey`] of an endpoint.
pub fn creds_key(e: &Endpoint) -> CredsKey {
    (e.profile.clone(), e.endpoint_url.clone(), e.role.as_ref().map(|r| r.arn.clone()))
}

/// The caller identity of `endpoint`'s credentials: STS GetCallerIdentity at `pace` (limiter of `target`'s
/// GetCallerIdentity, retried, counted), asked once per command (the pace remembers the answer). Exit 6 when
/// STS cannot be reached or answers an error (the message names the region and profile), exit 2 for a
/// malformed region or endpoint URL.
pub async fn caller_identity(
    endpoint: &Endpoint,
    target: usize,
    options: ClientOptions,
    pace: &Arc<Pace>,
) -> Result<Identity> {
    if let Some(id) = pace.identity(&creds_key(endpoint)) {
        return Ok(id);
    }
    let sts = sts(endpoint, options, pace.gate(target)).await?;
    let key = LimitKey { target, op: Op::GetCallerIdentity };
    match pace.call(key, None, &mut AttemptStats::default(), |_| {}, || sts.get_caller_identity()).await {
        Retried::Ok((account, arn)) => {
            let id = sts.identity(account, arn)?;
            pace.remember_identity(creds_key(endpoint), id.clone());
            Ok(id)
        }
        Retried::Failed(e) => Err(sts.failed(&e)),
        Retried::Cancelled => Err(Error::Internal("GetCallerIdentity cancelled by a signal that never comes".into())),
    }
}

/// The caller identity of every endpoint, asked once per [`CredsKey`] that `known` does not answer already,
/// concurrently (an organisation has hundreds of roles), at `pace`; each answer or the error that names the
/// endpoint.
pub async fn each_identity(
    endpoints: &[Endpoint],
    options: ClientOptions,
    pace: &Arc<Pace>,
    known: &HashMap<CredsKey, Identity>,
) -> Result<HashMap<CredsKey, std::result::Result<Identity, Error>>> {
    let mut set = tokio::task::JoinSet::new();
    let mut asked: std::collections::HashSet<CredsKey> = known.keys().cloned().collect();
    for (n, e) in endpoints.iter().enumerate() {
        if asked.insert(creds_key(e)) {
            let (e, pace) = (e.clone(), pace.clone());
            set.spawn(async move { (creds_key(&e), caller_identity(&e, n, options, &pace).await) });
        }
    }
    let mut seen: HashMap<_, _> = known.iter().map(|(k, id)| (k.clone(), Ok(id.clone()))).collect();
    while let Some(joined) = set.join_next().await {
        let (key, id) = joined.map_err(|e| Error::Internal(format!("identity task: {e}")))?;
        seen.insert(key, id);
    }
    Ok(seen)
}

/// The caller identity of every endpoint ([`each_identity`]). Fails (exit 6) if any cannot be resolved.
pub async fn identities(
    endpoints: &[Endpoint],
    options: ClientOptions,
    pace: &Arc<Pace>,
) -> Result<HashMap<CredsKey, Identity>> {
    let mut seen = HashMap::new();
    for (key, id) in each_identity(endpoints, options, pace, &HashMap::new()).await? {
        seen.insert(key, id?);
    }
    Ok(seen)
}

/// The [`Access`] of a run of `plan` from `--external-id` and `--session-name`; a usage error (exit 2) if the
/// plan reaches a target through a role that wants an external id and none was given.
pub fn access(plan: &Plan, external_id: Option<&String>, session: Option<&String>) -> Result<Access> {
    if external_id.is_none()
        && let Some(t) = plan.targets.iter().find(|t| t.external_id)
    {
        return Err(Error::Usage(format!(
            "the plan assumes role {} with an external id (never stored in the plan); pass it again with \
             --external-id",
            t.role_arn.as_deref().unwrap_or("?")
        )));
    }
    Ok(Access {
        external_id: external_id.cloned(),
        session_name: session.cloned().unwrap_or_else(|| session_name(&plan.plan_id)),
    })
}

/// What the identity check found for the targets of a plan that have items.
#[derive(Debug, Default)]
pub struct Checked {
    /// Targets whose caller account differs from the plan's, with the refusal message (exit 5).
    pub refused: BTreeMap<usize, String>,
    /// Targets whose identity cannot be resolved now (role refused, account suspended, endpoint down), with the
    /// error naming the endpoint (exit 6). `apply` and `export` leave their items pending and go on with the
    /// other targets; `verify` cannot prove anything about them.
    pub unreachable: BTreeMap<usize, String>,
}

impl Checked {
    /// Every target that gets no call.
    pub fn skipped(&self) -> std::collections::BTreeSet<usize> {
        self.refused.keys().chain(self.unreachable.keys()).copied().collect()
    }
}

/// The identity check of every target of `plan` that has items (see [`Checked`]).
pub async fn check_targets(
    plan: &Plan,
    profile: Option<&String>,
    endpoint_url: Option<&String>,
    access: &Access,
    options: ClientOptions,
    pace: &Arc<Pace>,
) -> Result<Checked> {
    let mut items: BTreeMap<usize, usize> = BTreeMap::new();
    for i in &plan.items {
        *items.entry(i.target).or_default() += 1;
    }
    let endpoints: Vec<Endpoint> =
        items.keys().map(|&n| target_endpoint(&plan.targets[n], profile, endpoint_url, access)).collect();
    let ids = each_identity(&endpoints, options, pace, &HashMap::new()).await?;
    let mut checked = Checked::default();
    for ((&n, &count), e) in items.iter().zip(&endpoints) {
        match &ids[&creds_key(e)] {
            Ok(caller) => {
                if let Verdict::Differs { planned, caller } = verdict(&plan.targets[n], &caller.account) {
                    checked.refused.insert(n, refusal(&plan.targets[n], &planned, &caller, count));
                }
            }
            Err(err) => {
                let t = &plan.targets[n];
                let msg = format!(
                    "target {} {} ({count} items) cannot be reached, its items stay pending: {err}",
                    t.account.as_deref().unwrap_or("?"),
                    t.region
                );
                checked.unreachable.insert(n, msg);
            }
        }
    }
    Ok(checked)
}

/// One client per target that has items and is not in `skip`, reaching it as the run does
/// ([`target_endpoint`]: the plan's endpoint, profile and role unless `profile` / `endpoint_url` override
/// them).
pub async fn plan_clients(
    plan: &Plan,
    profile: Option<&String>,
    endpoint_url: Option<&String>,
    access: &Access,
    skip: &BTreeSet<usize>,
    options: ClientOptions,
    pace: &Arc<Pace>,
) -> Result<HashMap<usize, Client>> {
    let mut clients = HashMap::new();
    for (n, t) in plan.targets.iter().enumerate() {
        if skip.contains(&n) || !plan.items.iter().any(|i| i.target == n) {
            continue;
        }
        let e = target_endpoint(t, profile, endpoint_url, access);
        clients.insert(n, cloud::connect(&e, options, pace.gate(n)).await?);
    }
    Ok(clients)
}

/// Each of `values` once, in the order first given.
fn first_of_each(values: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    values.iter().filter(|v| seen.insert(v.as_str())).cloned().collect()
}

/// The (profile, region) pairs to visit: every profile given (or the default chain) times every region given
/// (or the profile's own region).
pub async fn endpoints(profiles: &[String], regions: &[String], url: &Option<String>) -> Result<Vec<Endpoint>> {
    // A profile or region given twice is visited once.
    let profiles: Vec<Option<String>> =
        if profiles.is_empty() { vec![None] } else { first_of_each(profiles).into_iter().map(Some).collect() };
    let mut out = Vec::new();
    for p in profiles {
        let regions = if regions.is_empty() {
            let r = cloud::default_region(p.as_deref()).await.ok_or_else(|| {
                Error::Usage("no region: pass --region, or set AWS_REGION or a region in the profile".into())
            })?;
            if !lfv_fs::names::is_region(&r) {
                return Err(Error::Usage(format!(
                    "invalid region {r:?} from AWS_REGION or the profile: expected an AWS region name like us-east-1"
                )));
            }
            vec![r]
        } else {
            first_of_each(regions)
        };
        for r in regions {
            out.push(Endpoint { region: r, profile: p.clone(), endpoint_url: url.clone(), role: None });
        }
    }
    Ok(out)
}
