//! What a plan must satisfy before anything reads it: [`Plan::validate`] (the file alone) and
//! [`check_created_at`] (the file against this machine's clock). Pure functions of their arguments; no I/O.
//!
//! The digest proves the digested members were not edited, but only if nobody re-sealed the file: someone
//! who recomputes the digest after an edit gets past it. So every invariant the planner establishes is
//! checked again here, and an error names the item by `seq` and the field at fault. `summary` is not
//! digested and is checked against the counts recomputed from the items and skipped entries; `created_at`
//! may not lie in the future (beyond [`MAX_CLOCK_SKEW`]) in either format.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::counts::counts;
use super::digest::digest;
use super::format::{FORMAT, FORMAT_V1, Item, Plan, client_token};
pub use super::types::is_model_version;
use super::types::{DatasetTypes, Kind, Scope, SkipReason, order_key};
use super::v1;
use super::validate_kinds::{check_after, check_resource};
use crate::arn::{self, ProjectArn};
use crate::escape::{escape, quoted as q};

/// How far in the future `created_at` may lie (clock skew between the planning and the applying machine):
/// 5 minutes.
pub const MAX_CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// The members of a format 2 plan the digest covers.
pub const DIGESTED: [&str; 6] = ["format", "plan_id", "created_at", "targets", "unreachable", "items"];

/// The members of a format 2 plan the digest does not cover.
pub const NOT_DIGESTED: [&str; 4] = ["tool_version", "selection", "skipped", "summary"];

/// The members of a format 1 plan the digest covers.
pub const DIGESTED_V1: [&str; 3] = ["plan_id", "targets", "items"];

/// The members of a format 1 plan the digest does not cover.
pub const NOT_DIGESTED_V1: [&str; 6] = ["format", "created_at", "tool_version", "selection", "skipped", "summary"];

/// The (digested, not digested) members of `plan`'s format.
pub fn digested_members(plan: &Plan) -> (&'static [&'static str], &'static [&'static str]) {
    if v1::is_v1(plan) { (&DIGESTED_V1, &NOT_DIGESTED_V1) } else { (&DIGESTED, &NOT_DIGESTED) }
}

/// Refuse a `created_at` more than [`MAX_CLOCK_SKEW`] after `now`: a date in the future would keep
/// `--max-plan-age` from ever firing (format 2 digests `created_at`, format 1 does not; both are refused).
pub fn check_created_at(created_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if created_at > now + MAX_CLOCK_SKEW {
        return Err(format!(
            "created_at {} is in the future (this machine's clock says {}; at most 5 minutes of clock skew are \
             allowed); a future date would defeat --max-plan-age; make a new plan",
            created_at.to_rfc3339(),
            now.to_rfc3339()
        ));
    }
    Ok(())
}

/// `lfv-YYYYMMDDTHHMMSSZ-xxxxxxxx` (8 lowercase hex digits), as `planner::new_plan_id` makes them.
pub fn is_plan_id(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 29
        && s.starts_with("lfv-")
        && digits(4..12)
        && b[12] == b'T'
        && digits(13..19)
        && &s[19..21] == "Z-"
        && b[21..].iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

pub use lfv_fs::names::{is_account, is_project as is_project_name, is_region};

/// The client token `item` must carry under `plan`'s format.
fn expected_token(plan: &Plan, item: &Item) -> String {
    if v1::is_v1(plan) {
        v1::client_token(&plan.plan_id, &item.account, &item.region, &item.project, &item.resource)
    } else {
        client_token(&plan.plan_id, &item.account, &item.region, &item.project, item.kind, &item.resource)
    }
}

/// Checks of one item on its own and against its target; `at` names it.
fn check_item(plan: &Plan, item: &Item, at: &str) -> Result<(), String> {
    let field = |name: &str, why: String| Err(format!("{at} ({name}): {why}"));
    if !is_account(&item.account) {
        return field("account", format!("{} is not 12 digits", q(&item.account)));
    }
    if !is_region(&item.region) {
        return field("region", format!("{} is not an AWS region name", q(&item.region)));
    }
    if !is_project_name(&item.project) {
        return field("project", format!("{} is not 1-255 of [a-zA-Z0-9_-] starting alphanumeric", q(&item.project)));
    }
    if v1::is_v1(plan) && (item.kind != Kind::DeleteDataset || !item.after.is_empty()) {
        return field(
            "kind",
            format!("{} with after {:?} in a format 1 plan, which only deletes datasets", item.kind, item.after),
        );
    }
    if plan.selection.scope == Scope::Datasets && item.kind != Kind::DeleteDataset {
        return field("kind", format!("{} but selection.scope is datasets", item.kind));
    }
    check_resource(plan, item).or_else(|why| field("resource", why))?;
    let Some(target) = plan.targets.get(item.target) else {
        return field("target", format!("there is no target {} ({} targets)", item.target, plan.targets.len()));
    };
    if target.account.as_deref() != Some(item.account.as_str()) {
        return field("account", format!("{} differs from its target {}'s account", item.account, item.target));
    }
    if target.region != item.region {
        return field("region", format!("{} differs from its target {}'s region", item.region, item.target));
    }
    let Some(ProjectArn { region, account, name, .. }) = arn::project(&item.project_arn) else {
        return field(
            "project_arn",
            format!("{} is not arn:aws:lookoutvision:REGION:ACCOUNT:project/NAME", q(&item.project_arn)),
        );
    };
    for (what, in_arn, in_item) in
        [("account", account, &item.account), ("region", region, &item.region), ("project", name, &item.project)]
    {
        if in_arn != in_item.as_str() {
            return field("project_arn", format!("names {what} {} but the item's {what} is {in_item}", q(in_arn)));
        }
    }
    let token = expected_token(plan, item);
    if item.client_token != token {
        let from = if v1::is_v1(plan) { "dataset_type" } else { "kind and resource" };
        return field(
            "client_token",
            format!(
                "{} is not the documented derivation from plan_id, account, region, project and {from} ({token})",
                q(&item.client_token)
            ),
        );
    }
    Ok(())
}

fn check_targets(plan: &Plan) -> Result<(), String> {
    let mut seen = HashSet::new();
    for (n, t) in plan.targets.iter().enumerate() {
        if let Some(a) = &t.account
            && !is_account(a)
        {
            return Err(format!("target {n} (account): {} is not 12 digits", q(a)));
        }
        if !is_region(&t.region) {
            return Err(format!("target {n} (region): {} is not an AWS region name", q(&t.region)));
        }
        super::validate_reach::check_reach(t).map_err(|e| format!("target {n} {}", escape(&e)))?;
        if let Some(a) = &t.account
            && !seen.insert((a, &t.region))
        {
            return Err(format!("target {n}: account {a} in {} is listed twice", t.region));
        }
    }
    Ok(())
}

fn check_items(plan: &Plan) -> Result<(), String> {
    let mut tokens = HashSet::new();
    let mut previous: Option<(usize, &str, (u8, u64))> = None;
    for (i, item) in plan.items.iter().enumerate() {
        let at = format!("item seq {}", item.seq);
        if item.seq != i as u64 + 1 {
            return Err(format!(
                "{at} (seq): item {} of the list must have seq {}; seqs are 1, 2, 3, ...",
                i + 1,
                i + 1
            ));
        }
        check_item(plan, item, &at)?;
        let key = (item.target, item.project.as_str(), order_key(item.kind, &item.resource));
        if let Some(prev) = previous
            && key <= prev
        {
            let why = if key == prev {
                format!("{} {} is listed twice", item.kind, q(&item.resource))
            } else {
                "out of order: items go by target, then project name, and within a project stop_model, \
                 delete_model (by version), delete_dataset test before train, delete_project"
                    .to_string()
            };
            return Err(format!("{at} (target/project/kind/resource): {why}"));
        }
        previous = Some(key);
        check_after(plan, item).map_err(|why| format!("{at} (after): {why}"))?;
        if !tokens.insert(item.client_token.as_str()) {
            return Err(format!("{at} (client_token): {} is used twice", item.client_token));
        }
    }
    Ok(())
}

fn check_skipped_and_summary(plan: &Plan) -> Result<(), String> {
    for (n, s) in plan.skipped.iter().enumerate() {
        if s.target >= plan.targets.len() {
            return Err(format!("skipped entry {n} (target): there is no target {}", s.target));
        }
        if !s.reason.is_known() {
            return Err(format!(
                "skipped entry {n} (reason): {} is not one of {}",
                q(s.reason.as_str()),
                SkipReason::KNOWN.iter().map(SkipReason::as_str).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    let c = counts(plan);
    let s = &plan.summary;
    let lie = |field: &str, says: String, is: String| {
        Err(format!(
            "summary.{field} says {says} but the plan's items and skipped entries give {is}; the summary is not \
             covered by the digest, so the file was edited after it was made; make a new plan"
        ))
    };
    if s.targets != c.targets {
        return lie("targets", s.targets.to_string(), c.targets.to_string());
    }
    if s.items != c.items {
        return lie("items", s.items.to_string(), c.items.to_string());
    }
    if s.projects_planned != c.projects_planned {
        return lie("projects_planned", s.projects_planned.to_string(), c.projects_planned.to_string());
    }
    if s.items_by_kind != c.items_by_kind {
        return lie("items_by_kind", format!("{:?}", s.items_by_kind), format!("{:?}", c.items_by_kind));
    }
    if s.items_by_type != c.items_by_type {
        return lie("items_by_type", format!("{:?}", s.items_by_type), format!("{:?}", c.items_by_type));
    }
    if s.skipped_by_reason != c.skipped_by_reason {
        return lie("skipped_by_reason", format!("{:?}", s.skipped_by_reason), format!("{:?}", c.skipped_by_reason));
    }
    if s.projects_seen < c.projects_in_file {
        return lie("projects_seen", s.projects_seen.to_string(), format!("at least {}", c.projects_in_file));
    }
    Ok(())
}

impl Plan {
    /// Check everything `apply` relies on and everything the planner guarantees; the error names the first
    /// problem (the item by `seq`, and the field). In order: `format` (2, or 1); the digest under that
    /// format's rule; `plan_id`'s form; `selection` (dataset type train/test/both, `both` with scope `all`);
    /// every target (account 12 digits or null, region name, no (account, region) twice); every item (seq 1, 2,
    /// 3..., account, region, project name, a kind the scope allows (format 1 and scope `datasets`: only
    /// `delete_dataset`), a resource that suits the kind (model version 1 to 20 digits, `train`/`test` allowed
    /// by `selection.dataset_type`, the project's own name), the same account and region as its target, a
    /// `project_arn` naming the item's account, region and project, the client token derived as documented,
    /// the order within a project ([`order_key`]) with nothing twice, `after` naming only earlier items of its
    /// project, and every token unique); every skipped entry (target, reason); and `summary` against the
    /// recomputed [`counts`].
    pub fn validate(&self) -> Result<(), String> {
        if self.format != FORMAT && self.format != FORMAT_V1 {
            return Err(format!(
                "unsupported format {}; this version reads {FORMAT:?} and {FORMAT_V1:?}",
                q(&self.format)
            ));
        }
        let expected = digest(self);
        if self.digest != expected {
            let (covered, _) = digested_members(self);
            return Err(format!(
                "digest mismatch: the file says {} but its {} hash to {expected}; the plan was edited after it \
                 was made; make a new plan",
                q(&self.digest),
                covered.join(", ")
            ));
        }
        if !is_plan_id(&self.plan_id) {
            return Err(format!("plan_id {} is not lfv-YYYYMMDDTHHMMSSZ-xxxxxxxx", q(&self.plan_id)));
        }
        let dataset_type = self.selection.dataset_type.as_str();
        if let DatasetTypes::Other(_) = self.selection.dataset_type {
            return Err(format!("selection.dataset_type {} is not train, test or both", q(dataset_type)));
        }
        if self.selection.scope == Scope::All && self.selection.dataset_type != DatasetTypes::Both {
            return Err(format!("selection.dataset_type {} with selection.scope all (must be both)", q(dataset_type)));
        }
        check_targets(self)?;
        check_items(self)?;
        check_skipped_and_summary(self)
    }
}
