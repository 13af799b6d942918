//! Tests of the journal reader ([`journal::parse`]) and of resuming from a journal a crash cut anywhere:
//! a table of hand-written journals, and a property test over every record kind and every cut point.

use std::path::Path;

use chrono::{DateTime, Utc};
use proptest::prelude::*;

use crate::exec::journal::{
    self, AttemptRec, ExportRec, FORMAT, Journal, Mode, Outcome, OutcomeRec, Record, VerifiedRec,
};
use crate::exec::resume::{self, Resume};
use crate::plan::Kind;
use crate::plan::format::{Summary, client_token};
use crate::plan::{Item, Plan, Selection, Target};

fn t(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
}

/// A sealed plan of `n` items in one target.
fn plan(n: u64) -> Plan {
    let plan_id = "lfv-20240101T000000Z-0000beef".to_string();
    let items = (1..=n)
        .map(|seq| {
            let project = format!("p{}", seq.div_ceil(2));
            let dataset_type = if seq % 2 == 1 { "test" } else { "train" }.to_string();
            Item {
                seq,
                target: 0,
                account: "123456789012".into(),
                region: "us-east-1".into(),
                project_arn: format!("arn:aws:lookoutvision:us-east-1:123456789012:project/{project}"),
                client_token: client_token(
                    &plan_id,
                    "123456789012",
                    "us-east-1",
                    &project,
                    Kind::DeleteDataset,
                    &dataset_type,
                ),
                project,
                kind: Kind::DeleteDataset,
                resource: dataset_type,
                created: Some(t(-1000)),
                status: "CREATE_COMPLETE".into(),
                after: Vec::new(),
            }
        })
        .collect();
    let mut p = Plan {
        format: crate::plan::format::FORMAT.into(),
        plan_id,
        created_at: t(0),
        tool_version: "test".into(),
        selection: Selection::default(),
        targets: vec![Target {
            account: Some("123456789012".into()),
            region: "us-east-1".into(),
            profile: None,
            endpoint_url: None,
            ..Target::default()
        }],
        unreachable: Vec::new(),
        items,
        skipped: Vec::new(),
        summary: Summary::default(),
        digest: String::new(),
    };
    p.seal();
    p
}

fn header(p: &Plan) -> Record {
    Record::Header {
        format: FORMAT.into(),
        mode: Mode::Apply,
        plan_id: p.plan_id.clone(),
        plan_digest: p.digest.clone(),
        created_at: t(0),
        items: p.items.clone(),
    }
}

fn start(seq: u64) -> Record {
    Record::Start { seq, at: t(seq as i64) }
}

fn attempt(seq: u64, status: u16) -> Record {
    Record::Attempt(AttemptRec {
        seq,
        op: lfv_model::op::Op::DeleteDataset,
        n: 1,
        at: t(seq as i64),
        status: Some(status),
        error_code: (status >= 400).then(|| "InternalServerException".into()),
        message: None,
        request_id: Some(format!("req-{seq}")),
        throttled: status == 429,
    })
}

fn outcome(seq: u64, outcome: Outcome) -> Record {
    Record::Outcome(OutcomeRec {
        seq,
        outcome,
        http_status: Some(202),
        error_code: None,
        message: "DeleteDataset accepted".into(),
        request_id: Some(format!("req-{seq}")),
        finished_at: t(seq as i64 + 1),
        backup_skipped: false,
        inference_units: None,
    })
}

fn export(seq: u64) -> Record {
    Record::Export(ExportRec {
        seq,
        path: format!("b/{seq}.jsonl").into(),
        entries: 3,
        sha256: "ab".repeat(32),
        at: t(2),
    })
}

fn verified(seq: u64) -> Record {
    Record::Verified(VerifiedRec { seq, verified: true, status: None, at: t(9) })
}

fn lines(recs: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in recs {
        out.extend(serde_json::to_vec(r).unwrap());
        out.push(b'\n');
    }
    out
}

fn run(n: u32) -> Record {
    Record::Run { run: n, started_at: t(0), pid: 7, args: vec!["lfv-sunset".into(), "apply".into()], tool: None }
}

#[test]
fn parse_table() {
    let p = plan(2);
    let good = lines(&[header(&p), run(1), start(1), attempt(1, 202), outcome(1, Outcome::Deleted), verified(1)]);
    let foreign_first = lines(&[run(1), header(&p)]);
    let mut bad_format = lines(&[header(&p)]);
    bad_format = String::from_utf8(bad_format).unwrap().replace(FORMAT, "lfv-sunset-journal/9").into_bytes();
    let with = |tail: &[u8]| [good.as_slice(), tail].concat();
    let unterminated = {
        let mut v = with(&lines(&[outcome(2, Outcome::Deleted)]));
        v.pop();
        v
    };
    let corrupt_middle = [lines(&[header(&p), run(1)]), b"not json\n".to_vec(), lines(&[start(1)])].concat();
    // (case, bytes, Ok((outcomes, torn warnings, valid length)) or Err(text in the error))
    type Want = Result<(usize, usize, usize), &'static str>;
    let cases: Vec<(&str, Vec<u8>, Want)> = vec![
        ("good journal", good.clone(), Ok((1, 0, good.len()))),
        ("torn last line", with(br#"{"type":"outcome","seq":2,"outc"#), Ok((1, 1, good.len()))),
        ("torn line of invalid UTF-8", with(b"{\"type\":\"st\xff"), Ok((1, 1, good.len()))),
        ("complete record without its newline", unterminated, Ok((1, 1, good.len()))),
        ("empty file", Vec::new(), Err("empty journal")),
        ("torn header only", lines(&[header(&p)])[..40].to_vec(), Err("empty journal")),
        ("first line not a header", foreign_first, Err("first line is not a header")),
        ("second header", with(&lines(&[header(&p)])), Err("line 7: a second header")),
        ("corrupt middle line", corrupt_middle, Err("line 3 is not a journal record")),
        ("blank middle line", with(b"\n{}\n"), Err("line 7 is not a journal record")),
        ("unknown record kind", with(b"{\"type\":\"launch\",\"seq\":1}\n"), Err("line 7 is not a journal record")),
        ("unknown outcome", with(b"{\"type\":\"outcome\",\"seq\":2,\"outcome\":\"vanished\"}\n"), Err("line 7")),
        ("unsupported format", bad_format, Err("unsupported journal format")),
    ];
    for (case, bytes, want) in cases {
        match (journal::parse(Path::new("j.jsonl"), &bytes), want) {
            (Ok((state, len)), Ok((outcomes, warnings, valid))) => {
                let got = state.by_seq.values().filter(|s| s.outcome.is_some()).count();
                assert_eq!((got, state.warnings.len(), len), (outcomes, warnings, valid), "{case}");
                assert_eq!(state.runs, 1, "{case}");
                assert_eq!(state.plan_digest, p.digest, "{case}");
            }
            (Err(e), Err(text)) => assert!(e.to_string().contains(text), "{case}: {e}"),
            (got, want) => panic!("{case}: got {:?}, want {want:?}", got.map(|(_, len)| len)),
        }
    }
}

#[test]
fn a_foreign_plan_id_is_refused_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let mut other = plan(3);
    other.plan_id = "lfv-20240102T000000Z-0000cafe".into();
    other.seal();
    std::fs::write(&path, lines(&[header(&other), run(1)])).unwrap();
    let err = Journal::open(&path, &plan(3), Mode::Apply).err().expect("refused");
    assert!(err.to_string().contains("belongs to plan lfv-20240102T000000Z-0000cafe"), "{err}");
}

/// A whole journal for `plan`: per item one of the record sequences a run can leave.
fn journal_records(p: &Plan, kinds: &[u8]) -> Vec<Record> {
    let mut recs = vec![header(p), run(1)];
    for (item, kind) in p.items.iter().zip(kinds) {
        let seq = item.seq;
        match kind % 6 {
            0 => {}
            1 => recs.extend([start(seq)]),
            2 => recs.extend([start(seq), attempt(seq, 500), attempt(seq, 429)]),
            3 => recs.extend([export(seq), start(seq), attempt(seq, 202), outcome(seq, Outcome::Deleted)]),
            4 => recs.extend([start(seq), attempt(seq, 202), outcome(seq, Outcome::Deleted), verified(seq)]),
            _ => recs.extend([outcome(seq, Outcome::SkippedDrift)]),
        }
    }
    recs.push(Record::End { at: t(99), interrupted: true });
    recs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Any prefix of a valid journal plus a torn line (garbage without a newline) folds to exactly the state
    /// of the complete lines before the cut; the resume decisions follow from it (a durable start and no
    /// outcome is re-sent, a final item is left alone); and opening it for a resume works and leaves a
    /// journal that reads back whole.
    #[test]
    fn a_torn_prefix_folds_like_its_complete_lines_and_resumes(
        kinds in proptest::collection::vec(0u8..6, 1..6),
        cut_frac in 0.0f64..1.0,
        garbage in proptest::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..40),
    ) {
        let p = plan(kinds.len() as u64);
        let recs = journal_records(&p, &kinds);
        let full = lines(&recs);
        let cut = ((full.len() as f64) * cut_frac) as usize;
        let complete_len = full[..cut].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut bytes = full[..cut].to_vec();
        bytes.extend(&garbage);
        let path = Path::new("j.jsonl");
        let header_len = full.iter().position(|&b| b == b'\n').unwrap() + 1;
        if complete_len >= header_len {
            let (state, valid) = journal::parse(path, &bytes).expect("a torn prefix parses");
            let (expected, _) = journal::parse(path, &full[..complete_len]).expect("complete lines parse");
            prop_assert_eq!(valid, complete_len);
            prop_assert_eq!(&state.by_seq, &expected.by_seq);
            prop_assert_eq!(state.runs, expected.runs);
            prop_assert_eq!(state.warnings.len(), usize::from(bytes.len() > complete_len));
            // The records that made it whole decide each item.
            let kept: Vec<Record> = full[..complete_len]
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(|l| serde_json::from_slice(l).unwrap())
                .collect();
            for item in &p.items {
                let has = |f: &dyn Fn(&Record) -> bool| kept.iter().any(f);
                let outcome = has(&|r| matches!(r, Record::Outcome(o) if o.seq == item.seq));
                let started = has(&|r| matches!(r, Record::Start { seq, .. } if *seq == item.seq))
                    || has(&|r| matches!(r, Record::Attempt(a) if a.seq == item.seq));
                let verified = has(&|r| matches!(r, Record::Verified(v) if v.seq == item.seq));
                let decision = resume::decide(&state.item(item.seq), Mode::Apply, false);
                let deleted = kept.iter().any(
                    |r| matches!(r, Record::Outcome(o) if o.seq == item.seq && o.outcome == Outcome::Deleted),
                );
                let want = match (outcome, started) {
                    (true, _) if deleted && !verified => Resume::Confirm,
                    (true, _) => Resume::Skip,
                    (false, true) => Resume::Resend,
                    (false, false) => Resume::Fresh,
                };
                prop_assert_eq!(decision, want, "item {}", item.seq);
            }
        } else {
            prop_assert!(journal::parse(path, &bytes).is_err(), "no complete header: not a journal to read");
        }
        // Resume: open (drops the torn line), append, close; the file then reads back whole.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("j.jsonl");
        std::fs::write(&file, &bytes).unwrap();
        let (j, state) = Journal::open(&file, &p, Mode::Apply).expect("a torn journal opens for a resume");
        j.append(&start(1));
        drop(j);
        let after = journal::read(&file).expect("the resumed journal reads back");
        prop_assert!(after.warnings.is_empty());
        prop_assert_eq!(after.runs, state.runs + 1);
        prop_assert!(after.item(1).started.is_some());
    }
}

#[test]
fn a_journal_written_by_a_format_1_version_still_reads() {
    // A journal from before format 2: its header holds format 1 items (dataset_type, dataset_created, ...).
    let bytes = include_bytes!("../../../fuzz/seeds/journal/apply-failures.jsonl");
    let (state, len) = journal::parse(Path::new("old.jsonl"), bytes).expect("a format 1 journal parses");
    assert_eq!(len, bytes.len());
    assert!(!state.items.is_empty());
    assert!(state.items.iter().all(|i| i.kind == Kind::DeleteDataset && i.after.is_empty()));
    assert!(state.items.iter().all(|i| i.dataset_type().is_some() && !i.status.is_empty()));
    // A format 1 item with a dataset type format 2 cannot hold is an error, not a silent default.
    let text = std::str::from_utf8(bytes).unwrap().replacen("\"dataset_type\":\"test\"", "\"dataset_type\":\"x\"", 1);
    assert!(journal::parse(Path::new("old.jsonl"), text.as_bytes()).is_err());
}

#[tokio::test]
async fn the_stream_journals_each_record_then_counts_and_shows_the_same_records() {
    use crate::exec::events::{Event, EventSink};
    use crate::exec::stream::{Stream, Tally};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("j.jsonl");
    let (j, _) = Journal::open(&file, &plan(3), Mode::Apply).unwrap();
    let (sink, mut rx) = EventSink::channel();
    let s = Stream::new(std::sync::Arc::new(j), sink);
    s.durable(start(1)).await.unwrap();
    // Durable: on disk when `durable` returns, before the call it announces is sent.
    assert!(std::fs::read_to_string(&file).unwrap().contains(r#""type":"start","seq":1"#));
    s.record(attempt(1, 429));
    s.emit(Event::Throttled);
    s.record(attempt(1, 202));
    s.durable(outcome(1, Outcome::Deleted)).await.unwrap();
    let tally = s.tally();
    let want = Tally { delete_attempts: 2, throttled: 1, delete_throttled: 1, finished: 1, guard_stops: vec![] };
    assert_eq!(tally, want);
    drop(s);
    let mut shown = vec![];
    while let Ok(e) = rx.try_recv() {
        if let Event::Record(r) = e {
            shown.push(r);
        }
    }
    let on_disk: Vec<Record> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r| !matches!(r, Record::Header { .. } | Record::Run { .. }))
        .collect();
    assert_eq!(on_disk, [start(1), attempt(1, 429), attempt(1, 202), outcome(1, Outcome::Deleted)]);
    assert_eq!(shown, on_disk, "the display sees exactly the journal's records, in its order");
}
