//! The keys of the run summary's count maps (`outcomes`, `outcomes_by_kind`): an item's outcome or
//! `pending` ([`Tally`]), and a kind ordered by its name ([`KindByName`]). Each is serialised as its name and
//! ordered by it, so a `BTreeMap` keyed by it has the JSON, in the same (alphabetical) order, of the map keyed
//! by the string it replaces. Owns no counting: `audit` and `summary` count.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;

use serde::{Serialize, Serializer};

use crate::exec::journal::Outcome;
use crate::plan::Kind;

/// An item's outcome as the summary counts it: decided, or `pending` for an item no run has decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tally {
    /// Not decided yet.
    Pending,
    /// Its outcome.
    Decided(Outcome),
}

impl Tally {
    /// The tally of an item with outcome `o` (`None`: undecided).
    pub fn of(o: Option<Outcome>) -> Self {
        o.map_or(Tally::Pending, Tally::Decided)
    }

    /// `pending` or the outcome's name ([`Outcome::as_str`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Tally::Pending => "pending",
            Tally::Decided(o) => o.as_str(),
        }
    }
}

/// A kind as a key ordered by its name (`delete_dataset` < `delete_model` < `delete_project` < `stop_model`),
/// not by [`Kind`]'s execution order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KindByName(pub Kind);

impl KindByName {
    /// The kind's name ([`Kind::as_str`]).
    pub fn as_str(self) -> &'static str {
        self.0.as_str()
    }
}

/// Display, serialisation, order and `Borrow<str>` by `as_str`, for a `Copy` key type.
macro_rules! named_key {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        /// By name, as the string key it replaces (and as [`Borrow<str>`] requires).
        impl Ord for $t {
            fn cmp(&self, other: &Self) -> Ordering {
                self.as_str().cmp(other.as_str())
            }
        }
        impl Borrow<str> for $t {
            fn borrow(&self) -> &str {
                self.as_str()
            }
        }
    };
}

named_key!(Tally);
named_key!(KindByName);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn keys_order_and_serialise_as_their_names() {
        let outcomes = [
            Outcome::Deleted,
            Outcome::AlreadyAbsent,
            Outcome::WouldDelete,
            Outcome::SkippedDrift,
            Outcome::Failed,
            Outcome::Exported,
            Outcome::Stopped,
            Outcome::Blocked,
            Outcome::SkippedDependency,
        ];
        let typed: BTreeMap<Tally, u64> =
            outcomes.iter().map(|o| Tally::of(Some(*o))).chain([Tally::of(None)]).map(|t| (t, 1)).collect();
        let strings: BTreeMap<String, u64> = typed.keys().map(|t| (t.to_string(), 1)).collect();
        assert_eq!(typed.len(), 10);
        assert_eq!(serde_json::to_string(&typed).unwrap(), serde_json::to_string(&strings).unwrap());
        let kinds: BTreeMap<KindByName, u64> = Kind::ALL.iter().map(|k| (KindByName(*k), 1)).collect();
        let names: BTreeMap<&str, u64> = Kind::ALL.iter().map(|k| (k.as_str(), 1)).collect();
        assert_eq!(serde_json::to_string(&kinds).unwrap(), serde_json::to_string(&names).unwrap());
        assert_eq!(kinds.keys().next(), Some(&KindByName(Kind::DeleteDataset)));
        assert_eq!(typed["pending"], 1);
    }
}
