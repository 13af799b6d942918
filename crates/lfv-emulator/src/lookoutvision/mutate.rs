//! The idempotent mutation frame every Lookout for Vision mutation goes through ([`mutate`]): client token
//! check (replay or 409), the effect under the world lock, the token recorded, the snapshot written.

use crate::idempotency::{Check, Idempotency};
use crate::request::ApiRequest;
use crate::shared::Shared;
use crate::state::{Project, RegionState};
use crate::validate;
use crate::wire::{ApiError, Reply, ResourceType};
use crate::{Mutations, Stats};

/// Context a mutation closure gets.
pub(crate) struct Mut<'a> {
    pub(crate) region: &'a mut RegionState,
    pub(crate) now: u64,
    pub(crate) stats: &'a mut Stats,
    pub(crate) account: &'a str,
    pub(crate) region_name: &'a str,
}

/// The idempotent mutation frame: token check, effect, token record, persistence.
pub(crate) fn mutate(
    s: &Shared,
    r: &ApiRequest,
    resource: (ResourceType, &str),
    fingerprint: String,
    f: impl FnOnce(Mut<'_>) -> Result<Reply, ApiError>,
) -> Result<Reply, ApiError> {
    if let Some(t) = &r.token {
        validate::check_client_token(t)?;
    }
    let mut w = s.lock_world();
    let now = s.clock.now_ms();
    let key = r.token.as_ref().map(|t| Idempotency::key(&r.account, &r.region, r.op.name(), t));
    if let Some(k) = &key {
        match w.idempotency.check(k, &fingerprint, now) {
            Check::New => {}
            Check::Replay(reply) => {
                s.metrics.replay(r.op.name());
                return Ok(reply);
            }
            Check::Mismatch => {
                return Err(ApiError::Conflict(
                    format!(
                        "The client token {} was already used with different parameters for {} within the last 8 \
                         hours.",
                        r.token.as_deref().unwrap_or(""),
                        r.op.name()
                    ),
                    resource.1.to_string(),
                    resource.0,
                ));
            }
        }
    }
    let reply = {
        let region = w.region_mut(&r.account, &r.region, now);
        let mut stats = s.metrics.stats();
        f(Mut { region, now, stats: &mut stats, account: &r.account, region_name: &r.region })?
    };
    if let Some(k) = key {
        w.idempotency.record(k, fingerprint, &reply, now);
    }
    let snap = s.snapshot(&w);
    drop(w);
    s.write_logged(snap);
    Ok(reply)
}

pub(crate) fn mutations(stats: &mut Stats) -> &mut Mutations {
    &mut stats.mutations
}

/// A live project of the region, or 404 PROJECT.
pub(crate) fn live<'a>(region: &'a mut RegionState, name: &str) -> Result<&'a mut Project, ApiError> {
    region.projects.get_mut(name).filter(|p| p.live()).ok_or_else(|| ApiError::not_found(ResourceType::Project, name))
}
