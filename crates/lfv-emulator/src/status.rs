//! Lifecycle statuses the emulator holds, as enums: what a status means (its message, where it settles,
//! whether DeleteModel waits for it) is written once here, and the wire and the state file spell each
//! status as the service does (`SCREAMING_SNAKE_CASE`). Seeds keep their strings, checked by `seed/check.rs`
//! and `seed/model.rs` against each enum's `ALL` and parsed once when the world is built.

use serde::{Deserialize, Serialize};

/// One closed set of statuses: the enum, `ALL` (the service model's order), `as_str` (the service's
/// spelling, also serde's), `parse`, `message` (the default StatusMessage) and `Display`.
macro_rules! statuses {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal, $message:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub(crate) enum $name {
            $(#[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every status, in the service model's order.
            pub(crate) const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// As the service spells it.
            pub(crate) const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The status spelt `s`, if it is one.
            pub(crate) fn parse(s: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|m| m.as_str() == s)
            }

            /// The default StatusMessage.
            pub(crate) const fn message(self) -> &'static str {
                match self {
                    $($name::$variant => $message,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

statuses! {
    /// A model version's ModelStatus.
    ModelStatus {
        Training = "TRAINING", "Training in progress.";
        Trained = "TRAINED", "Training completed.";
        TrainingFailed = "TRAINING_FAILED", "Training failed.";
        StartingHosting = "STARTING_HOSTING", "Hosting starting.";
        Hosted = "HOSTED", "Model is hosted.";
        HostingFailed = "HOSTING_FAILED", "Hosting failed.";
        StoppingHosting = "STOPPING_HOSTING", "Hosting stopping.";
        SystemUpdating = "SYSTEM_UPDATING", "System update in progress.";
        Deleting = "DELETING", "Model deletion in progress.";
    }
}

statuses! {
    /// A dataset's DatasetStatus.
    DatasetStatus {
        CreateInProgress = "CREATE_IN_PROGRESS", "Dataset creation in progress.";
        CreateComplete = "CREATE_COMPLETE", "Dataset created.";
        CreateFailed = "CREATE_FAILED", "Dataset creation failed.";
        UpdateInProgress = "UPDATE_IN_PROGRESS", "Dataset update in progress.";
        UpdateComplete = "UPDATE_COMPLETE", "Dataset updated.";
        UpdateFailedRollbackInProgress = "UPDATE_FAILED_ROLLBACK_IN_PROGRESS", "Dataset update failed; rollback in progress.";
        UpdateFailedRollbackComplete = "UPDATE_FAILED_ROLLBACK_COMPLETE", "Dataset update failed; rollback complete.";
        DeleteInProgress = "DELETE_IN_PROGRESS", "Dataset deletion in progress.";
        DeleteComplete = "DELETE_COMPLETE", "Dataset deleted.";
        DeleteFailed = "DELETE_FAILED", "Dataset deletion failed.";
    }
}

statuses! {
    /// A model packaging job's ModelPackagingJobStatus.
    JobStatus {
        Created = "CREATED", "Model packaging job created.";
        Running = "RUNNING", "Model packaging job running.";
        Succeeded = "SUCCEEDED", "Model packaging job succeeded.";
        Failed = "FAILED", "Model packaging job failed.";
    }
}

impl DatasetStatus {
    /// A create, update, rollback or delete still running (the status ends in `_IN_PROGRESS`): DeleteDataset
    /// is a ConflictException.
    pub(crate) fn in_progress(self) -> bool {
        matches!(
            self,
            DatasetStatus::CreateInProgress
                | DatasetStatus::UpdateInProgress
                | DatasetStatus::UpdateFailedRollbackInProgress
                | DatasetStatus::DeleteInProgress
        )
    }
}

impl ModelStatus {
    /// Where the status settles by default: `STARTING_HOSTING` and `SYSTEM_UPDATING` -> `HOSTED`, anything else
    /// -> `TRAINED` (`DELETING` is handled as gone by the caller).
    pub(crate) fn default_settle(self) -> ModelStatus {
        match self {
            ModelStatus::StartingHosting | ModelStatus::SystemUpdating => ModelStatus::Hosted,
            _ => ModelStatus::Trained,
        }
    }

    /// Hosted or on its way in or out: MinInferenceUnits and MaxInferenceUnits are shown.
    pub(crate) fn is_hosting(self) -> bool {
        matches!(
            self,
            ModelStatus::StartingHosting
                | ModelStatus::Hosted
                | ModelStatus::StoppingHosting
                | ModelStatus::SystemUpdating
        )
    }

    /// DeleteModel is a ConflictException in this status (CHOICE for `DELETING`, see the crate docs).
    pub(crate) fn blocks_delete(self) -> bool {
        self.is_hosting() || matches!(self, ModelStatus::Training | ModelStatus::Deleting)
    }

    /// Past training: Performance and the evaluation objects are shown.
    pub(crate) fn evaluated(self) -> bool {
        !matches!(self, ModelStatus::Training | ModelStatus::TrainingFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_statuses_read_and_write_as_the_service_spells_them() {
        for s in ModelStatus::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
            assert_eq!(ModelStatus::parse(s.as_str()), Some(s));
            assert!(!s.message().is_empty(), "{s}");
        }
        assert_eq!(ModelStatus::parse("Hosted"), None);
    }

    #[test]
    fn dataset_and_job_statuses_read_and_write_as_the_service_spells_them() {
        for s in DatasetStatus::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<DatasetStatus>(&format!("\"{s}\"")).unwrap(), s);
            assert_eq!(DatasetStatus::parse(s.as_str()), Some(s));
            assert_eq!(s.in_progress(), s.as_str().ends_with("_IN_PROGRESS"), "{s}");
            assert!(!s.message().is_empty(), "{s}");
        }
        for s in JobStatus::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
            assert!(!s.message().is_empty(), "{s}");
        }
        assert_eq!((DatasetStatus::ALL.len(), JobStatus::ALL.len()), (10, 4));
        assert_eq!(JobStatus::parse("Succeeded"), None);
    }

    #[test]
    fn what_each_model_status_means() {
        // (status, hosting, blocks DeleteModel, evaluated, settles to)
        use ModelStatus::*;
        let table = [
            (Training, false, true, false, Trained),
            (Trained, false, false, true, Trained),
            (TrainingFailed, false, false, false, Trained),
            (StartingHosting, true, true, true, Hosted),
            (Hosted, true, true, true, Trained),
            (HostingFailed, false, false, true, Trained),
            (StoppingHosting, true, true, true, Trained),
            (SystemUpdating, true, true, true, Hosted),
            (Deleting, false, true, true, Trained),
        ];
        assert_eq!(table.len(), ModelStatus::ALL.len());
        for (s, hosting, blocks, evaluated, settles) in table {
            assert_eq!(s.is_hosting(), hosting, "{s}");
            assert_eq!(s.blocks_delete(), blocks, "{s}");
            assert_eq!(s.evaluated(), evaluated, "{s}");
            assert_eq!(s.default_settle(), settles, "{s}");
        }
    }
}
