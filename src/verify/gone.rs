//! `verify`'s decision for one plan item, per kind: is what the item acts on still there? A pure function of
//! what DescribeProject and DescribeModel answered (a 404 is `None`), tested by a table; the calls stay in
//! `verify.rs`.
//!
//! - `delete_project`: left while DescribeProject answers (status `present`).
//! - `delete_dataset`: left while the project's DescribeProject lists the dataset (its status).
//! - `delete_model`: left while DescribeModel answers for the version (its status, whatever it is).
//! - `stop_model`: left while the version is `HOSTED` or `STARTING_HOSTING` (it bills, or is about to); a
//!   model that is `TRAINED`, in another state, or gone has nothing left to stop.
//!
//! A project that is gone takes its datasets and model versions with it.

use chrono::{DateTime, Utc};

use crate::cloud::{ModelInfo, ModelStatus, ProjectInfo};
use crate::plan::{Item, Kind};

/// The status `delete_project` rows show: DescribeProject has no project status.
pub(crate) const PROJECT_PRESENT: &str = "present";

/// What is still there of an item's resource.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Present {
    /// Its status as the service spells it (`HOSTED`, `CREATE_COMPLETE`), or [`PROJECT_PRESENT`].
    pub status: String,
    /// Its CreationTimestamp, if the answer had one.
    pub created: Option<DateTime<Utc>>,
}

/// What is left of `item`, given the project's DescribeProject answer (`None`: 404) and, for model kinds, the
/// version's DescribeModel answer (`None`: 404 or not asked); `None` when nothing is left.
pub(crate) fn still_present(item: &Item, project: Option<&ProjectInfo>, model: Option<&ModelInfo>) -> Option<Present> {
    let project = project?;
    match item.kind {
        Kind::DeleteProject => Some(Present { status: PROJECT_PRESENT.into(), created: project.created }),
        Kind::DeleteDataset => {
            let d = project.dataset(item.dataset_type()?)?;
            Some(Present { status: d.status.to_string(), created: d.created })
        }
        Kind::DeleteModel => model.map(present_model),
        Kind::StopModel => model
            .filter(|m| matches!(m.summary.status, ModelStatus::Hosted | ModelStatus::StartingHosting))
            .map(present_model),
    }
}

fn present_model(m: &ModelInfo) -> Present {
    Present { status: m.summary.status.as_str().to_string(), created: m.summary.creation_timestamp }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::{DatasetInfo, ModelSummary};

    fn item(kind: Kind, resource: &str) -> Item {
        lfv_model::testing::item(1, "pcb", kind, resource)
    }

    fn project(datasets: &[&str]) -> ProjectInfo {
        ProjectInfo {
            name: "pcb".into(),
            arn: "arn:aws:lookoutvision:us-east-1:111122223333:project/pcb".into(),
            created: None,
            datasets: datasets
                .iter()
                .map(|t| DatasetInfo {
                    dataset_type: t.to_string(),
                    created: None,
                    status: "CREATE_COMPLETE".into(),
                    status_message: None,
                })
                .collect(),
        }
    }

    fn model(status: &str) -> ModelInfo {
        ModelSummary::bare("pcb", "1", ModelStatus::parse(status)).into()
    }

    /// (kind, resource, project answer, model answer, status left or None when gone)
    type Case<'a> = (Kind, &'a str, Option<&'a ProjectInfo>, Option<ModelInfo>, Option<&'a str>);

    #[test]
    fn what_is_left_per_kind() {
        let both = project(&["train", "test"]);
        let train_only = project(&["train"]);
        let none = project(&[]);
        let m = |s: &str| Some(model(s));
        let cases: Vec<Case> = vec![
            (Kind::DeleteProject, "pcb", Some(&none), None, Some(PROJECT_PRESENT)),
            (Kind::DeleteProject, "pcb", None, None, None),
            (Kind::DeleteDataset, "train", Some(&both), None, Some("CREATE_COMPLETE")),
            (Kind::DeleteDataset, "test", Some(&train_only), None, None),
            (Kind::DeleteDataset, "train", None, None, None),
            (Kind::DeleteModel, "1", Some(&none), m("TRAINED"), Some("TRAINED")),
            (Kind::DeleteModel, "1", Some(&none), m("DELETING"), Some("DELETING")),
            (Kind::DeleteModel, "1", Some(&none), m("TRAINING"), Some("TRAINING")),
            (Kind::DeleteModel, "1", Some(&none), None, None),
            (Kind::DeleteModel, "1", None, m("TRAINED"), None),
            (Kind::StopModel, "1", Some(&none), m("HOSTED"), Some("HOSTED")),
            (Kind::StopModel, "1", Some(&none), m("STARTING_HOSTING"), Some("STARTING_HOSTING")),
            (Kind::StopModel, "1", Some(&none), m("STOPPING_HOSTING"), None),
            (Kind::StopModel, "1", Some(&none), m("TRAINED"), None),
            (Kind::StopModel, "1", Some(&none), m("HOSTING_FAILED"), None),
            (Kind::StopModel, "1", Some(&none), None, None),
            (Kind::StopModel, "1", None, m("HOSTED"), None),
        ];
        for (kind, resource, p, model, want) in cases {
            let got = still_present(&item(kind, resource), p, model.as_ref());
            assert_eq!(got.map(|g| g.status), want.map(String::from), "{kind} {resource} {p:?} {model:?}");
        }
    }
}
