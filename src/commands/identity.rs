//! The identity check of `apply`, `export` and `verify PLAN`, and the identities `plan` records: one STS
//! GetCallerIdentity per distinct set of credentials (profile and endpoint), before any Lookout for Vision call.

use std::collections::{BTreeMap, HashMap};

use crate::cloud::identity::caller_identity;
use crate::cloud::{ClientOptions, Endpoint};
use crate::error::Result;
use crate::plan::{Identity, Plan, Target};
use crate::targets::check::{Verdict, refusal, verdict};

/// The endpoint of a plan's target, with the command's `--profile` and `--endpoint-url` overrides.
pub(crate) fn target_endpoint(t: &Target, profile: Option<&String>, endpoint_url: Option<&String>) -> Endpoint {
    Endpoint {
        region: t.region.clone(),
        profile: profile.cloned().or(t.profile.clone()),
        endpoint_url: endpoint_url.cloned().or(t.endpoint_url.clone()),
    }
}

/// The caller identity of every endpoint, asked once per (profile, endpoint URL): the credentials are the same
/// in every region. Fails (exit 6) if any cannot be resolved.
pub(crate) async fn identities(
    endpoints: &[Endpoint],
    options: ClientOptions,
) -> Result<HashMap<(Option<String>, Option<String>), Identity>> {
    let mut seen = HashMap::new();
    for e in endpoints {
        let key = (e.profile.clone(), e.endpoint_url.clone());
        if !seen.contains_key(&key) {
            seen.insert(key, caller_identity(e, options).await?);
        }
    }
    Ok(seen)
}

/// The targets of `plan` (those with items) whose caller account differs from the plan's, with the refusal
/// message of each. Exit 6 if an identity cannot be resolved.
pub(crate) async fn refused_targets(
    plan: &Plan,
    profile: Option<&String>,
    endpoint_url: Option<&String>,
    options: ClientOptions,
) -> Result<BTreeMap<usize, String>> {
    let mut items: BTreeMap<usize, usize> = BTreeMap::new();
    for i in &plan.items {
        *items.entry(i.target).or_default() += 1;
    }
    let endpoints: Vec<Endpoint> =
        items.keys().map(|&n| target_endpoint(&plan.targets[n], profile, endpoint_url)).collect();
    let ids = identities(&endpoints, options).await?;
    let mut refused = BTreeMap::new();
    for ((&n, &count), e) in items.iter().zip(&endpoints) {
        let caller = &ids[&(e.profile.clone(), e.endpoint_url.clone())];
        if let Verdict::Differs { planned, caller } = verdict(&plan.targets[n], &caller.account) {
            refused.insert(n, refusal(&plan.targets[n], &planned, &caller, count));
        }
    }
    Ok(refused)
}
