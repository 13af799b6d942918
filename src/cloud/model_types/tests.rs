//! Status spellings and the status predicates, by tables.

use super::*;

#[test]
fn statuses_round_trip_their_wire_spelling() {
    let model = ["TRAINING", "TRAINED", "TRAINING_FAILED", "STARTING_HOSTING", "HOSTED", "HOSTING_FAILED"]
        .into_iter()
        .chain(["STOPPING_HOSTING", "SYSTEM_UPDATING", "DELETING"]);
    for (s, want) in model.zip(ModelStatus::ALL) {
        assert_eq!(&ModelStatus::parse(s), want, "{s}");
        assert_eq!(want.as_str(), s);
        assert_eq!(serde_json::to_string(want).unwrap(), format!("\"{s}\""));
    }
    assert_eq!(ModelStatus::ALL.len(), 9);
    for (s, want) in ["CREATED", "RUNNING", "SUCCEEDED", "FAILED"].into_iter().zip(PackagingJobStatus::ALL) {
        assert_eq!(&PackagingJobStatus::parse(s), want, "{s}");
    }
    let odd: ModelStatus = serde_json::from_str("\"NEW_STATE\"").unwrap();
    assert_eq!(odd, ModelStatus::Unknown("NEW_STATE".into()));
    assert_eq!(odd.to_string(), "NEW_STATE");
}

#[test]
fn transitional_and_hosted() {
    use ModelStatus::*;
    let cases: &[(ModelStatus, bool, bool)] = &[
        (Training, true, false),
        (Trained, false, false),
        (TrainingFailed, false, false),
        (StartingHosting, true, false),
        (Hosted, false, true),
        (HostingFailed, false, false),
        (StoppingHosting, true, false),
        (SystemUpdating, true, false),
        (Deleting, true, false),
        (Unknown("X".into()), false, false),
    ];
    for (s, transitional, hosted) in cases {
        assert_eq!((s.is_transitional(), s.is_hosted()), (*transitional, *hosted), "{s}");
    }
}
