//! What one look at an item's resource decides, for every kind: the vocabulary shared by the dataset's drift
//! check (`exec::drift`), the other kinds' decisions (`exec::kinds`) and the one loop that acts on them
//! (`exec::engine`).

use super::journal::Outcome;

/// What one look decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send the item's call (DeleteDataset, StopModel, DeleteModel, DeleteProject) with its client token.
    Call,
    /// Look again later (within `--wait-timeout`): the resource is in this state.
    Wait(String),
    /// The item is final with this outcome and message.
    Done(Outcome, String),
    /// The item is final with this outcome, reported with the error the item's last call answered (its status,
    /// code and request id; the message becomes `<this>: <error>`).
    Answered(Outcome, String),
}
