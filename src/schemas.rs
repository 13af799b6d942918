//! The JSON Schemas of the tool's JSON documents (summary, verify, error, planned, report), generated from the types that serialise them (schemars), and
//! committed under `schemas/` (a test holds the files equal to these). The plan's schema is the plan format's
//! own, under `plans/`.

use schemars::schema_for;
use serde_json::Value;

use crate::report::about::{ErrorDoc, PlannedDoc, ReportDoc};
use crate::report::summary::Summary;
use crate::verify::Report;

/// Each document's schema file name under `schemas/` and its schema.
pub fn documents() -> Vec<(&'static str, Value)> {
    let json = |s: schemars::Schema| s.to_value();
    vec![
        ("summary.schema.json", json(schema_for!(Summary))),
        ("verify.schema.json", json(schema_for!(Report))),
        ("error.schema.json", json(schema_for!(ErrorDoc))),
        ("planned.schema.json", json(schema_for!(PlannedDoc))),
        ("report.schema.json", json(schema_for!(ReportDoc))),
    ]
}
