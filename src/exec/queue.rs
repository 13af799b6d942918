//! Which work a run still has, per target: the plan's items grouped by project, decided by the journal
//! (`exec::resume`), queued per target in plan order. Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::journal::{ItemState, JournalState, Mode};
use super::resume::{self, Resume};
use crate::plan::{Item, Plan};

/// An item to carry to an outcome: the plan's item, its journal state, and the resume decision made for it
/// here ([`Resume::Fresh`] or [`Resume::Resend`]), which every later step reads instead of deciding again.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The plan's item.
    pub item: Item,
    /// What the journal says about it.
    pub state: ItemState,
    /// Fresh or Resend.
    pub resume: Resume,
}

/// One project's work: the items to carry to an outcome, and items deleted by an earlier run that still need
/// their deletion confirmed.
pub type ProjectWork = (Vec<Pending>, Vec<Item>);

/// The run's work.
#[derive(Debug, Default)]
pub struct Work {
    /// One queue per plan target (index as in `plan.targets`), projects in plan order.
    pub queues: Vec<VecDeque<ProjectWork>>,
    /// Items to decide in all.
    pub todo: u64,
}

/// Add `item` (journal state `st`) to its project's work as the resume decision says: to decide, to confirm,
/// or not at all.
pub fn add_item(work: &mut ProjectWork, item: &Item, st: ItemState, mode: Mode, retry_failed: bool) {
    match resume::decide(&st, mode, retry_failed) {
        r @ (Resume::Fresh | Resume::Resend) => work.0.push(Pending { item: item.clone(), state: st, resume: r }),
        Resume::Confirm => work.1.push(item.clone()),
        Resume::Skip => {}
    }
}

/// Group the items that still need work by (target, project), each project queued on its target in the order
/// of its first item; a project with nothing to do is left out, and so is every item of a `refused` target (no call,
/// the items stay pending).
pub fn queue_work(
    plan: &Plan,
    state: &JournalState,
    mode: Mode,
    retry_failed: bool,
    refused: &BTreeSet<usize>,
) -> Work {
    let mut groups: BTreeMap<(usize, &str), (u64, ProjectWork)> = BTreeMap::new();
    for item in plan.items.iter().filter(|i| !refused.contains(&i.target)) {
        let st = state.item(item.seq);
        let g = groups.entry((item.target, item.project.as_str())).or_insert_with(|| (item.seq, Default::default()));
        add_item(&mut g.1, item, st, mode, retry_failed);
    }
    let mut groups: Vec<_> = groups.into_iter().filter(|(_, (_, w))| !w.0.is_empty() || !w.1.is_empty()).collect();
    groups.sort_by_key(|(_, (first, _))| *first);
    let mut work = Work { queues: plan.targets.iter().map(|_| VecDeque::new()).collect(), todo: 0 };
    for ((target, _), (_, w)) in groups {
        work.todo += w.0.len() as u64;
        if let Some(q) = work.queues.get_mut(target) {
            q.push_back(w);
        }
    }
    work
}
