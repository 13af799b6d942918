//! Fuzz the journal reader: arbitrary bytes through `exec::journal::parse` (what `Journal::open` and `report`
//! do), then the report rows built from the state. When it parses, the valid prefix it reports must parse to
//! the same state with no torn line left.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lfv_sunset::exec::journal;
use lfv_sunset::report::audit;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.jsonl");
    let Ok((state, valid_len)) = journal::parse(path, data) else { return };
    assert!(valid_len <= data.len());
    let _ = audit::rows(&state);
    let _ = audit::counts(&state);
    let (again, len2) = journal::parse(path, &data[..valid_len]).expect("the valid prefix parses");
    assert_eq!(len2, valid_len);
    assert!(again.warnings.is_empty(), "the valid prefix has no torn line");
    assert_eq!(again.by_seq, state.by_seq);
    assert_eq!(again.runs, state.runs);
});
