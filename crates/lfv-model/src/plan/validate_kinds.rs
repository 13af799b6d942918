//! The format 2 checks of [`Plan::validate`] that concern kinds: does an item's `resource` suit its `kind`,
//! and does its `after` name only what it may wait for. Pure functions; errors say what is wrong without the
//! item's name (the caller prefixes `item seq N (field)`).

use super::format::{Item, Plan};
use super::types::{Kind, Resource};
use crate::escape::quoted as q;

/// Does `item.resource` suit `item.kind` ([`Resource::parse`]), and the selection or the item's project?
/// `Err` says what it should be.
pub(super) fn check_resource(plan: &Plan, item: &Item) -> Result<(), String> {
    let r = &item.resource;
    match item.typed_resource() {
        None if item.kind == Kind::DeleteDataset => Err(format!("{} is neither train nor test", q(r))),
        None => Err(format!("{} is not a model version (1 to 20 digits, no leading zero)", q(r))),
        Some(Resource::Dataset(t)) if !plan.selection.dataset_type.admits(t) => {
            Err(format!("{t} but selection.dataset_type is {}", q(plan.selection.dataset_type.as_str())))
        }
        Some(Resource::Project(name)) if name != item.project => {
            Err(format!("{} is not the item's project {}", q(r), q(&item.project)))
        }
        Some(_) => Ok(()),
    }
}

/// `after` names only earlier items of the same project, each once, in increasing order (so the graph is
/// acyclic by construction); a `delete_project` waits for every earlier item of its project, and a
/// `delete_model` for the `stop_model` of its version if the plan has one.
pub(super) fn check_after(plan: &Plan, item: &Item) -> Result<(), String> {
    let mut last = 0;
    for &a in &item.after {
        if a <= last || a >= item.seq {
            return Err(format!("{a} is not an earlier seq in increasing order (after {last}, before {})", item.seq));
        }
        last = a;
        let other = &plan.items[(a - 1) as usize];
        if (other.target, &other.project) != (item.target, &item.project) {
            return Err(format!(
                "seq {a} belongs to project {} of target {}, not this project",
                q(&other.project),
                other.target
            ));
        }
    }
    let same_project =
        plan.items[..(item.seq - 1) as usize].iter().filter(|o| (o.target, &o.project) == (item.target, &item.project));
    let must: Vec<u64> = match item.kind {
        Kind::DeleteProject => same_project.map(|o| o.seq).collect(),
        Kind::DeleteModel => {
            same_project.filter(|o| o.kind == Kind::StopModel && o.resource == item.resource).map(|o| o.seq).collect()
        }
        Kind::StopModel | Kind::DeleteDataset => Vec::new(),
    };
    match must.iter().find(|s| !item.after.contains(s)) {
        Some(missing) => Err(format!("does not list seq {missing}, which a {} must wait for", item.kind)),
        None => Ok(()),
    }
}
