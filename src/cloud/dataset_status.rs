//! A dataset's status as a closed enum (the service model's `DatasetStatus`, 10 values, plus `Unknown(text)` for a
//! value this build does not know), and the two predicates the executor decides on: busy (a deletion would be
//! refused) and deleting (a deletion is under way or done).

use serde::{Deserialize, Serialize};

use super::model_types::wire_enum;

wire_enum! {
    /// A dataset's status (the service model's `DatasetStatus`, 10 values).
    DatasetStatus {
        /// CreateDataset is filling it.
        CreateInProgress = "CREATE_IN_PROGRESS",
        /// Created.
        CreateComplete = "CREATE_COMPLETE",
        /// Creation failed.
        CreateFailed = "CREATE_FAILED",
        /// UpdateDatasetEntries is running.
        UpdateInProgress = "UPDATE_IN_PROGRESS",
        /// Updated.
        UpdateComplete = "UPDATE_COMPLETE",
        /// An update failed and is being rolled back.
        UpdateFailedRollbackInProgress = "UPDATE_FAILED_ROLLBACK_IN_PROGRESS",
        /// An update failed and was rolled back.
        UpdateFailedRollbackComplete = "UPDATE_FAILED_ROLLBACK_COMPLETE",
        /// DeleteDataset is under way.
        DeleteInProgress = "DELETE_IN_PROGRESS",
        /// Deleted.
        DeleteComplete = "DELETE_COMPLETE",
        /// Deletion failed.
        DeleteFailed = "DELETE_FAILED",
    }
}

impl DatasetStatus {
    /// True while the service will refuse a deletion because an operation is running: `CREATE_IN_PROGRESS`,
    /// `UPDATE_IN_PROGRESS`, `UPDATE_FAILED_ROLLBACK_IN_PROGRESS` (an unknown value ending in `_IN_PROGRESS`
    /// other than the deletion counts too).
    pub fn is_busy(&self) -> bool {
        match self {
            DatasetStatus::CreateInProgress
            | DatasetStatus::UpdateInProgress
            | DatasetStatus::UpdateFailedRollbackInProgress => true,
            DatasetStatus::Unknown(s) => s.ends_with("_IN_PROGRESS"),
            _ => false,
        }
    }

    /// True once a deletion is under way or done: `DELETE_IN_PROGRESS`, `DELETE_COMPLETE`.
    pub fn is_deleting(&self) -> bool {
        matches!(self, DatasetStatus::DeleteInProgress | DatasetStatus::DeleteComplete)
    }
}

impl From<&str> for DatasetStatus {
    fn from(s: &str) -> Self {
        DatasetStatus::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_value_parses_and_classifies() {
        use DatasetStatus::*;
        // (wire spelling, value, busy, deleting)
        let cases: &[(&str, DatasetStatus, bool, bool)] = &[
            ("CREATE_IN_PROGRESS", CreateInProgress, true, false),
            ("CREATE_COMPLETE", CreateComplete, false, false),
            ("CREATE_FAILED", CreateFailed, false, false),
            ("UPDATE_IN_PROGRESS", UpdateInProgress, true, false),
            ("UPDATE_COMPLETE", UpdateComplete, false, false),
            ("UPDATE_FAILED_ROLLBACK_IN_PROGRESS", UpdateFailedRollbackInProgress, true, false),
            ("UPDATE_FAILED_ROLLBACK_COMPLETE", UpdateFailedRollbackComplete, false, false),
            ("DELETE_IN_PROGRESS", DeleteInProgress, false, true),
            ("DELETE_COMPLETE", DeleteComplete, false, true),
            ("DELETE_FAILED", DeleteFailed, false, false),
            ("MOVE_IN_PROGRESS", Unknown("MOVE_IN_PROGRESS".into()), true, false),
            ("", Unknown(String::new()), false, false),
        ];
        for (wire, want, busy, deleting) in cases {
            let got = DatasetStatus::parse(wire);
            assert_eq!(&got, want, "{wire}");
            assert_eq!(got.as_str(), *wire);
            assert_eq!((got.is_busy(), got.is_deleting()), (*busy, *deleting), "{wire}");
            let json = serde_json::to_string(&got).unwrap();
            assert_eq!(json, format!("\"{wire}\""));
            assert_eq!(serde_json::from_str::<DatasetStatus>(&json).unwrap(), got);
        }
        assert_eq!(DatasetStatus::ALL.len(), 10);
        assert_eq!(cases.iter().filter(|c| !matches!(c.1, Unknown(_))).count(), DatasetStatus::ALL.len());
    }
}
