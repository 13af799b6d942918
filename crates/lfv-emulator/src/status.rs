//! Lifecycle statuses the emulator holds, as enums: what a status means (its message, where it settles,
//! whether DeleteModel waits for it) is written once here, and the wire and the state file spell each
//! status as the service does (`SCREAMING_SNAKE_CASE`). Seeds keep their strings, checked by `seed/check.rs`
//! against [`ModelStatus::ALL`] and parsed once when the world is built.

use serde::{Deserialize, Serialize};

/// A model version's ModelStatus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum ModelStatus {
    Training,
    Trained,
    TrainingFailed,
    StartingHosting,
    Hosted,
    HostingFailed,
    StoppingHosting,
    SystemUpdating,
    Deleting,
}

impl ModelStatus {
    /// Every status, in the service model's order.
    pub(crate) const ALL: [ModelStatus; 9] = [
        ModelStatus::Training,
        ModelStatus::Trained,
        ModelStatus::TrainingFailed,
        ModelStatus::StartingHosting,
        ModelStatus::Hosted,
        ModelStatus::HostingFailed,
        ModelStatus::StoppingHosting,
        ModelStatus::SystemUpdating,
        ModelStatus::Deleting,
    ];

    /// As the service spells it.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Training => "TRAINING",
            ModelStatus::Trained => "TRAINED",
            ModelStatus::TrainingFailed => "TRAINING_FAILED",
            ModelStatus::StartingHosting => "STARTING_HOSTING",
            ModelStatus::Hosted => "HOSTED",
            ModelStatus::HostingFailed => "HOSTING_FAILED",
            ModelStatus::StoppingHosting => "STOPPING_HOSTING",
            ModelStatus::SystemUpdating => "SYSTEM_UPDATING",
            ModelStatus::Deleting => "DELETING",
        }
    }

    /// The status spelt `s`, if it is one.
    pub(crate) fn parse(s: &str) -> Option<ModelStatus> {
        ModelStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The default StatusMessage.
    pub(crate) fn message(self) -> &'static str {
        match self {
            ModelStatus::Training => "Training in progress.",
            ModelStatus::Trained => "Training completed.",
            ModelStatus::TrainingFailed => "Training failed.",
            ModelStatus::StartingHosting => "Hosting starting.",
            ModelStatus::Hosted => "Model is hosted.",
            ModelStatus::HostingFailed => "Hosting failed.",
            ModelStatus::StoppingHosting => "Hosting stopping.",
            ModelStatus::SystemUpdating => "System update in progress.",
            ModelStatus::Deleting => "Model deletion in progress.",
        }
    }

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

impl std::fmt::Display for ModelStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
