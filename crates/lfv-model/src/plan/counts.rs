//! Counts recomputed from a plan's targets, items and skipped entries: what `summary` must say.

use std::collections::{BTreeMap, HashSet};

use super::format::Plan;
use super::types::{DatasetType, Kind};

/// Counts recomputed from a plan's targets, items and skipped entries (never read from `summary`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Targets.
    pub targets: usize,
    /// Distinct (target, project) with at least one item.
    pub projects_planned: usize,
    /// Distinct (target, project) named by an item or a skipped entry: the least `summary.projects_seen`
    /// can be.
    pub projects_in_file: usize,
    /// Items.
    pub items: usize,
    /// Items per kind.
    pub items_by_kind: BTreeMap<Kind, usize>,
    /// `delete_dataset` items per dataset type.
    pub items_by_type: BTreeMap<DatasetType, usize>,
    /// Skipped entries per reason.
    pub skipped_by_reason: BTreeMap<String, usize>,
}

/// Recompute the counts of `plan` from its targets, items and skipped entries.
pub fn counts(plan: &Plan) -> Counts {
    let mut c = Counts { targets: plan.targets.len(), items: plan.items.len(), ..Counts::default() };
    for i in &plan.items {
        *c.items_by_kind.entry(i.kind).or_insert(0) += 1;
        if let Some(t) = i.dataset_type() {
            *c.items_by_type.entry(t).or_insert(0) += 1;
        }
    }
    for s in &plan.skipped {
        *c.skipped_by_reason.entry(s.reason.clone()).or_insert(0) += 1;
    }
    let planned: HashSet<(usize, &str)> = plan.items.iter().map(|i| (i.target, i.project.as_str())).collect();
    c.projects_planned = planned.len();
    let mut all = planned;
    all.extend(plan.skipped.iter().map(|s| (s.target, s.project.as_str())));
    c.projects_in_file = all.len();
    c
}
