//! Every file in plans/ parses, and the example plans validate against the schema of their format
//! (`plan.schema.json` for format 2, `plan-v1.schema.json` for format 1) and the tool.

use std::path::Path;

use lfv_sunset::plan::Plan;

#[test]
fn plans_directory_examples_parse_and_validate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
    let compile = |name: &str| {
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(name)).expect("schema")).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    };
    let validator = compile("plan.schema.json");
    let validator_v1 = compile("plan-v1.schema.json");
    let mut examples = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.ends_with(".schema.json") {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let validator = if value["format"] == "lfv-sunset-plan/1" { &validator_v1 } else { &validator };
        let errors: Vec<String> =
            validator.iter_errors(&value).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        assert!(errors.is_empty(), "{name} does not match the schema: {errors:?}");
        Plan::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        examples += 1;
    }
    assert!(examples >= 1, "plans/ holds at least one example");
    let demo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo-plan.json")).unwrap()).unwrap();
    assert_eq!(demo["format"], "lfv-sunset-plan/2", "the example shows the format plan writes");
    let mut bad_kind = demo.clone();
    bad_kind["items"][0]["kind"] = "delete_everything".into();
    assert!(!validator.is_valid(&bad_kind));
    let mut no_after = demo.clone();
    no_after["items"][0].as_object_mut().unwrap().remove("after");
    assert!(!validator.is_valid(&no_after));
    // The schema is not a rubber stamp: a plan with a bad token or a missing digest fails it.
    let mut bad: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo-plan.json")).unwrap()).unwrap();
    bad["items"][0]["client_token"] = "has spaces".into();
    assert!(!validator.is_valid(&bad));
    let mut bad2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo-plan.json")).unwrap()).unwrap();
    bad2.as_object_mut().unwrap().remove("digest");
    assert!(!validator.is_valid(&bad2));
}
