//! Fuzz the plan reader: the bytes of a plan file (format 2 or 1) through the same `Plan::parse` and
//! `validate` as `Plan::load`. A plan that validates must survive a round trip of its in-memory form and
//! still validate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lfv_sunset::plan::Plan;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(plan) = Plan::parse(text) else { return };
    if plan.validate().is_err() {
        return;
    }
    let bytes = serde_json::to_vec_pretty(&plan).expect("a valid plan serialises");
    let again: Plan = serde_json::from_slice(&bytes).expect("a saved plan parses");
    assert_eq!(again, plan, "round trip changed the plan");
    again.validate().expect("a saved valid plan validates");
});
