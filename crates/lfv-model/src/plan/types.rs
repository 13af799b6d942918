//! The plan's small vocabularies as types: what an item does ([`Kind`]) and to what ([`Resource`]), which
//! dataset ([`DatasetType`]), what `plan` selects ([`Scope`], [`DatasetTypes`]), why it left something out
//! ([`SkipReason`]). Each serialises exactly as the plan file and the service spell it
//! (`stop_model`, `train`, `datasets`), prints the same way, and parses back.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What one plan item does. Within a project the kinds run in the order of [`Kind::rank`]: stop each hosted
/// model, delete each model version, delete `test` then `train`, delete the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// StopModel on a hosted model version; resource = the version ("1").
    StopModel,
    /// DeleteModel; resource = the version.
    DeleteModel,
    /// DeleteDataset; resource = `train` or `test`.
    DeleteDataset,
    /// DeleteProject; resource = the project name.
    DeleteProject,
}

impl Kind {
    /// All four, in execution order within a project.
    pub const ALL: [Kind; 4] = [Kind::StopModel, Kind::DeleteModel, Kind::DeleteDataset, Kind::DeleteProject];

    /// The name in plan files, journals and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::StopModel => "stop_model",
            Kind::DeleteModel => "delete_model",
            Kind::DeleteDataset => "delete_dataset",
            Kind::DeleteProject => "delete_project",
        }
    }

    /// The operation an item of this kind sends (its client token goes with it).
    pub fn op(self) -> crate::op::Op {
        use crate::op::Op;
        match self {
            Kind::StopModel => Op::StopModel,
            Kind::DeleteModel => Op::DeleteModel,
            Kind::DeleteDataset => Op::DeleteDataset,
            Kind::DeleteProject => Op::DeleteProject,
        }
    }

    /// True for the kinds that delete something (every kind but `stop_model`); `--max-delete` counts these.
    pub fn is_destructive(self) -> bool {
        self != Kind::StopModel
    }

    /// Position of an item of this kind and resource within its project: 0 stop_model, 1 delete_model,
    /// 2 delete_dataset test, 3 delete_dataset train, 4 delete_project. Model items of one kind go by
    /// version number among themselves (see [`order_key`]).
    pub fn rank(self, resource: &str) -> u8 {
        match self {
            Kind::StopModel => 0,
            Kind::DeleteModel => 1,
            Kind::DeleteDataset if resource == DatasetType::Test.as_str() => 2,
            Kind::DeleteDataset => 3,
            Kind::DeleteProject => 4,
        }
    }
}

/// The order of items within a project: by [`Kind::rank`], then model versions numerically (9 before 10).
pub fn order_key(kind: Kind, resource: &str) -> (u8, u64) {
    let version = match kind {
        Kind::StopModel | Kind::DeleteModel => resource.parse().unwrap_or(u64::MAX),
        Kind::DeleteDataset | Kind::DeleteProject => 0,
    };
    (kind.rank(resource), version)
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not stop_model, delete_model, delete_dataset or delete_project"))
    }
}

/// `1` to `N`: 1 to 20 decimal digits without a leading zero, as the service numbers model versions.
pub fn is_model_version(s: &str) -> bool {
    (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// What one plan item acts on: its `resource` as its kind reads it. The plan file keeps the resource as the
/// one string the service takes (`"1"`, `"train"`, `"pcb"`), so that `Plan::validate` can name whatever a
/// file says; this is the typed view of it, borrowed from the item, parsed in one place ([`Resource::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource<'a> {
    /// `stop_model`, `delete_model`: a model version ([`is_model_version`]).
    ModelVersion(&'a str),
    /// `delete_dataset`: the dataset's type.
    Dataset(DatasetType),
    /// `delete_project`: the project's name.
    Project(&'a str),
}

impl<'a> Resource<'a> {
    /// `resource` as an item of `kind` means it; `None` if it does not suit the kind (a model version that is
    /// not 1 to 20 digits without a leading zero, a dataset type that is neither `train` nor `test`). Any
    /// string is a project name here; `Plan::validate` checks that it is the item's project.
    pub fn parse(kind: Kind, resource: &'a str) -> Option<Resource<'a>> {
        match kind {
            Kind::StopModel | Kind::DeleteModel => {
                is_model_version(resource).then_some(Resource::ModelVersion(resource))
            }
            Kind::DeleteDataset => resource.parse().ok().map(Resource::Dataset),
            Kind::DeleteProject => Some(Resource::Project(resource)),
        }
    }

    /// The plan's (and the service's) spelling.
    pub fn as_str(&self) -> &'a str {
        match self {
            Resource::ModelVersion(v) | Resource::Project(v) => v,
            Resource::Dataset(t) => t.as_str(),
        }
    }

    /// The dataset type, for a dataset.
    pub fn dataset_type(&self) -> Option<DatasetType> {
        match self {
            Resource::Dataset(t) => Some(*t),
            Resource::ModelVersion(_) | Resource::Project(_) => None,
        }
    }
}

impl fmt::Display for Resource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A project's dataset: `train` or `test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetType {
    /// The test dataset (declared first: it sorts, and is deleted, before `train`).
    Test,
    /// The training dataset.
    Train,
}

impl DatasetType {
    /// Both, in deletion order (`test` first, so that an interrupted run leaves a valid single-dataset project).
    pub const DELETION_ORDER: [DatasetType; 2] = [DatasetType::Test, DatasetType::Train];

    /// The service's and the plan's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetType::Train => "train",
            DatasetType::Test => "test",
        }
    }
}

impl fmt::Display for DatasetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DatasetType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "train" => Ok(DatasetType::Train),
            "test" => Ok(DatasetType::Test),
            other => Err(format!("{other:?} is neither train nor test")),
        }
    }
}

/// What `plan` selects in each selected project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Datasets only (format 1's only scope).
    #[default]
    Datasets,
    /// Every model version, every dataset and the project itself.
    All,
}

impl Scope {
    /// The flag's and the plan's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Datasets => "datasets",
            Scope::All => "all",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "datasets" => Ok(Scope::Datasets),
            "all" => Ok(Scope::All),
            other => Err(format!("{other:?} is neither datasets nor all")),
        }
    }
}

/// Why `plan` left a project or a dataset out (`skipped[].reason`), spelt in snake_case. Serialised, ordered,
/// compared and borrowed as its spelling ([`SkipReason::as_str`]), so a map keyed by it has the same JSON, in
/// the same (alphabetical) order, as a map keyed by the string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum SkipReason {
    /// The project name matches an `--exclude` glob.
    Excluded,
    /// `--include` was given and the project name matches none of its globs.
    NotIncluded,
    /// The dataset is not of `--dataset-type`.
    DatasetType,
    /// Not created strictly before `--created-before` (or no CreationTimestamp).
    CreatedBefore,
    /// Created before `--created-after` (or no CreationTimestamp).
    CreatedAfter,
    /// The project has no dataset.
    NoDatasets,
    /// Listed by ListProjects, then gone when described.
    ProjectVanished,
    /// A reason this version does not know, as the file spells it: kept so that `Plan::validate` can name it
    /// in its refusal; the planner never makes one.
    Other(String),
}

impl SkipReason {
    /// Every reason the planner gives, in the order `Plan::validate`'s refusal lists them.
    pub const KNOWN: [SkipReason; 7] = [
        SkipReason::Excluded,
        SkipReason::NotIncluded,
        SkipReason::DatasetType,
        SkipReason::CreatedBefore,
        SkipReason::CreatedAfter,
        SkipReason::NoDatasets,
        SkipReason::ProjectVanished,
    ];

    /// The plan's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            SkipReason::Excluded => "excluded",
            SkipReason::NotIncluded => "not_included",
            SkipReason::DatasetType => "dataset_type",
            SkipReason::CreatedBefore => "created_before",
            SkipReason::CreatedAfter => "created_after",
            SkipReason::NoDatasets => "no_datasets",
            SkipReason::ProjectVanished => "project_vanished",
            SkipReason::Other(s) => s,
        }
    }

    /// False for [`SkipReason::Other`].
    pub fn is_known(&self) -> bool {
        !matches!(self, SkipReason::Other(_))
    }
}

impl From<&str> for SkipReason {
    fn from(s: &str) -> Self {
        SkipReason::KNOWN.into_iter().find(|r| r.as_str() == s).unwrap_or_else(|| SkipReason::Other(s.to_string()))
    }
}

impl PartialOrd for SkipReason {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By spelling, as the string it replaces (and as [`std::borrow::Borrow<str>`] requires).
impl Ord for SkipReason {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::borrow::Borrow<str> for SkipReason {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

/// `selection.dataset_type` of a plan (`--dataset-type`): `train`, `test` or `both`, serialised as that word.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum DatasetTypes {
    /// One dataset type only.
    Only(DatasetType),
    /// Both (the flag's default, and what `--scope all` requires).
    #[default]
    Both,
    /// A value this version does not know, as the file spells it: kept so that `Plan::validate` can name it
    /// in its refusal; `plan` never writes one.
    Other(String),
}

impl DatasetTypes {
    /// The plan's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            DatasetTypes::Only(t) => t.as_str(),
            DatasetTypes::Both => "both",
            DatasetTypes::Other(s) => s,
        }
    }

    /// The one type selected; `None` for both (or an unknown value).
    pub fn only(&self) -> Option<DatasetType> {
        match self {
            DatasetTypes::Only(t) => Some(*t),
            DatasetTypes::Both | DatasetTypes::Other(_) => None,
        }
    }

    /// Does the selection take datasets of type `t`? (`both` takes either; an unknown value neither.)
    pub fn admits(&self, t: DatasetType) -> bool {
        match self {
            DatasetTypes::Only(only) => *only == t,
            DatasetTypes::Both => true,
            DatasetTypes::Other(_) => false,
        }
    }
}

/// `Some(t)`: only `t`; `None`: both.
impl From<Option<DatasetType>> for DatasetTypes {
    fn from(t: Option<DatasetType>) -> Self {
        t.map_or(DatasetTypes::Both, DatasetTypes::Only)
    }
}

impl From<&str> for DatasetTypes {
    fn from(s: &str) -> Self {
        match s {
            "both" => DatasetTypes::Both,
            other => other.parse().map_or_else(|_| DatasetTypes::Other(other.to_string()), DatasetTypes::Only),
        }
    }
}

/// For a vocabulary that keeps a spelling it does not know (`Other`), given its `From<&str>` and `as_str`:
/// `Display`, `PartialEq<&str>`, and the serde conversions (`From<String>`, into `String`), all by spelling.
macro_rules! open_vocabulary {
    ($t:ty) => {
        impl From<String> for $t {
            fn from(s: String) -> Self {
                <$t>::from(s.as_str())
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> Self {
                v.as_str().to_string()
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

open_vocabulary!(SkipReason);
open_vocabulary!(DatasetTypes);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_prints_as_it_serialises_and_parses_back() {
        for k in Kind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.to_string());
            assert_eq!(k.to_string().parse::<Kind>(), Ok(k));
        }
        for t in DatasetType::DELETION_ORDER {
            assert_eq!(serde_json::to_value(t).unwrap(), t.to_string());
            assert_eq!(t.to_string().parse::<DatasetType>(), Ok(t));
        }
        for s in [Scope::Datasets, Scope::All] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.to_string());
            assert_eq!(s.to_string().parse::<Scope>(), Ok(s));
        }
        for r in SkipReason::KNOWN {
            assert_eq!(serde_json::to_value(&r).unwrap(), r.to_string());
            assert_eq!(serde_json::from_value::<SkipReason>(r.to_string().into()).unwrap(), r);
            assert!(r.is_known());
        }
        let other: SkipReason = serde_json::from_str("\"because\"").unwrap();
        assert_eq!(other, SkipReason::Other("because".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"because\"");
        let mut sorted = SkipReason::KNOWN.to_vec();
        sorted.sort();
        let mut names: Vec<&str> = SkipReason::KNOWN.iter().map(SkipReason::as_str).collect();
        names.sort();
        assert_eq!(sorted.iter().map(SkipReason::as_str).collect::<Vec<_>>(), names);
        for (t, word) in [
            (DatasetTypes::Only(DatasetType::Train), "train"),
            (DatasetTypes::Only(DatasetType::Test), "test"),
            (DatasetTypes::Both, "both"),
            (DatasetTypes::Other("all".into()), "all"),
        ] {
            assert_eq!(serde_json::to_value(&t).unwrap(), word);
            assert_eq!(serde_json::from_value::<DatasetTypes>(word.into()).unwrap(), t);
            assert_eq!(DatasetTypes::from(word), t);
        }
        assert_eq!(DatasetTypes::from(None), DatasetTypes::Both);
        assert!(DatasetTypes::Both.admits(DatasetType::Test) && !DatasetTypes::from("x").admits(DatasetType::Test));
        assert!("Train".parse::<DatasetType>().is_err() && "stop".parse::<Kind>().is_err());
        assert!("".parse::<Scope>().is_err());
    }

    #[test]
    fn a_resource_is_what_its_kind_reads_and_prints_as_written() {
        use Resource::*;
        let cases: [(Kind, &str, Option<Resource<'_>>); 11] = [
            (Kind::StopModel, "1", Some(ModelVersion("1"))),
            (Kind::DeleteModel, "12345678901234567890", Some(ModelVersion("12345678901234567890"))),
            (Kind::DeleteModel, "123456789012345678901", None),
            (Kind::StopModel, "02", None),
            (Kind::StopModel, "", None),
            (Kind::DeleteModel, "v2", None),
            (Kind::DeleteDataset, "train", Some(Dataset(DatasetType::Train))),
            (Kind::DeleteDataset, "test", Some(Dataset(DatasetType::Test))),
            (Kind::DeleteDataset, "1", None),
            (Kind::DeleteProject, "pcb", Some(Project("pcb"))),
            (Kind::DeleteProject, "train", Some(Project("train"))),
        ];
        for (kind, text, want) in cases {
            let got = Resource::parse(kind, text);
            assert_eq!(got, want, "{kind} {text:?}");
            if let Some(r) = got {
                assert_eq!((r.as_str(), r.to_string().as_str()), (text, text));
                assert_eq!(r.dataset_type().is_some(), kind == Kind::DeleteDataset);
            }
        }
    }

    #[test]
    fn order_within_a_project() {
        let want = [
            (Kind::StopModel, "2"),
            (Kind::StopModel, "10"),
            (Kind::DeleteModel, "1"),
            (Kind::DeleteModel, "9"),
            (Kind::DeleteModel, "10"),
            (Kind::DeleteDataset, "test"),
            (Kind::DeleteDataset, "train"),
            (Kind::DeleteProject, "pcb"),
        ];
        for w in want.windows(2) {
            assert!(order_key(w[0].0, w[0].1) < order_key(w[1].0, w[1].1), "{:?} before {:?}", w[0], w[1]);
        }
        assert_eq!(Kind::ALL.iter().filter(|k| k.is_destructive()).count(), 3);
        assert!(!Kind::StopModel.is_destructive());
    }
}
