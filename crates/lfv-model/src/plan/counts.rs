//! Counts recomputed from a plan's targets, items and skipped entries: what `summary` must say.

use std::collections::{BTreeMap, HashSet};

use super::format::{Item, Plan};
use super::types::{DatasetType, Kind, SkipReason};

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
    pub skipped_by_reason: BTreeMap<SkipReason, usize>,
}

/// Recompute the counts of `plan` from its targets, items and skipped entries.
pub fn counts(plan: &Plan) -> Counts {
    let mut c = Counts {
        targets: plan.targets.len(),
        items: plan.items.len(),
        items_by_kind: by_kind(&plan.items),
        ..Counts::default()
    };
    for i in &plan.items {
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

/// Items per kind.
pub fn by_kind<'a>(items: impl IntoIterator<Item = &'a Item>) -> BTreeMap<Kind, usize> {
    let mut m = BTreeMap::new();
    for i in items {
        *m.entry(i.kind).or_insert(0) += 1;
    }
    m
}

/// The items per kind in words, each kind by its name in execution order ([`Kind::ALL`]), kinds with no
/// item left out: `stop_model 4, delete_model 9, delete_dataset 30, delete_project 20`. `note` may add a
/// parenthesis after a kind's count (`stop_model 4 (3 hosted now, 5 inference units)`).
pub fn per_kind(by_kind: &BTreeMap<Kind, usize>, note: impl Fn(Kind) -> Option<String>) -> String {
    Kind::ALL
        .iter()
        .filter_map(|k| {
            let n = by_kind.get(k).copied().filter(|n| *n > 0)?;
            Some(match note(*k) {
                Some(extra) => format!("{k} {n} ({extra})"),
                None => format!("{k} {n}"),
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// True when every item is a `delete_dataset` (a datasets plan, or an empty one): its outputs keep the
/// datasets wording (`40 datasets in 20 projects`).
pub fn datasets_only(by_kind: &BTreeMap<Kind, usize>) -> bool {
    by_kind.iter().all(|(k, n)| *k == Kind::DeleteDataset || *n == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_kind_names_each_kind_in_execution_order_and_leaves_out_absent_ones() {
        let m = |v: &[(Kind, usize)]| v.iter().copied().collect::<BTreeMap<_, _>>();
        let all =
            m(&[(Kind::DeleteProject, 2), (Kind::DeleteDataset, 3), (Kind::StopModel, 1), (Kind::DeleteModel, 4)]);
        let cases: Vec<(BTreeMap<Kind, usize>, &str, bool)> = vec![
            (all.clone(), "stop_model 1, delete_model 4, delete_dataset 3, delete_project 2", false),
            (m(&[(Kind::DeleteDataset, 3)]), "delete_dataset 3", true),
            (m(&[(Kind::DeleteDataset, 3), (Kind::DeleteModel, 0)]), "delete_dataset 3", true),
            (m(&[(Kind::DeleteProject, 1)]), "delete_project 1", false),
            (m(&[]), "", true),
        ];
        for (by_kind, want, only) in cases {
            assert_eq!(per_kind(&by_kind, |_| None), want);
            assert_eq!(datasets_only(&by_kind), only, "{want}");
        }
        let noted = per_kind(&all, |k| (k == Kind::StopModel).then(|| "1 hosted now".to_string()));
        assert_eq!(noted, "stop_model 1 (1 hosted now), delete_model 4, delete_dataset 3, delete_project 2");
    }
}
