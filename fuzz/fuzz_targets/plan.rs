//! Fuzz the plan reader: the bytes of a plan file through the same parse and `validate` as `Plan::load`.
//! A plan that validates must survive a save/load round trip and still validate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lfv_sunset::plan::Plan;

fuzz_target!(|data: &[u8]| {
    let Ok(plan) = serde_json::from_slice::<Plan>(data) else { return };
    if plan.validate().is_err() {
        return;
    }
    let bytes = serde_json::to_vec_pretty(&plan).expect("a valid plan serialises");
    let again: Plan = serde_json::from_slice(&bytes).expect("a saved plan parses");
    assert_eq!(again, plan, "round trip changed the plan");
    again.validate().expect("a saved valid plan validates");
});
