//! Every CSV this tool writes goes through [`to_csv`], which neutralises formula injection in each cell.
//!
//! A spreadsheet opening the audit report treats a cell that begins with `=`, `+`, `-`, `@`, tab or carriage
//! return as a formula; error codes, messages and request ids come from the service (or from whatever answered
//! on its endpoint), so a message such as `=HYPERLINK("http://x","click")` must stay text. As OWASP's "CSV
//! Injection" page recommends, such a cell gets a single quote `'` prefixed (ASVS 1.2.10 adds NUL, so a
//! leading `\0` is prefixed as well); RFC 4180 quoting (`"` doubled, cells with `,`, `"` or line breaks
//! quoted) is the csv crate's. Every cell is passed through, numeric ones included: the numbers the tool
//! writes (seq, counts, status codes, durations, RFC 3339 times) never begin with one of those characters, so
//! only text is ever changed and no column can be forgotten.

use std::borrow::Cow;

use serde::Serialize;

use crate::error::{Error, Result};

/// The characters that make a spreadsheet read a cell as a formula when they come first.
pub const FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\0'];

/// `cell`, with a `'` prefixed when it begins with one of [`FORMULA_STARTS`].
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

fn csv_error(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("csv: {e}"))
}

/// RFC 4180 CSV bytes: the header `columns`, then one record per row (serialised with serde, fields in
/// declaration order, which must be `columns`), every cell [`neutralise`]d.
pub fn to_csv<T: Serialize>(columns: &[&str], rows: impl IntoIterator<Item = T>) -> Result<Vec<u8>> {
    let mut raw = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    for row in rows {
        raw.serialize(row).map_err(csv_error)?;
    }
    let raw = raw.into_inner().map_err(csv_error)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(columns).map_err(csv_error)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(raw.as_slice());
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        if record.len() != columns.len() {
            return Err(csv_error(format!("a row has {} cells, not {}", record.len(), columns.len())));
        }
        out.write_record(record.iter().map(|c| neutralise(c).into_owned())).map_err(csv_error)?;
    }
    out.into_inner().map_err(csv_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_a_formula_get_a_quote() {
        let cases: &[(&str, &str)] = &[
            ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("\0x", "'\0x"),
            ("", ""),
            ("plain", "plain"),
            ("a=b", "a=b"),
            (" =1", " =1"),
            ("'=1", "'=1"),
            ("123", "123"),
            ("2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"),
            ("ResourceNotFoundException", "ResourceNotFoundException"),
        ];
        for (cell, want) in cases {
            assert_eq!(neutralise(cell), *want, "neutralise({cell:?})");
        }
    }

    #[derive(Serialize)]
    struct R {
        n: u32,
        text: String,
    }

    #[test]
    fn every_cell_of_every_row_is_neutralised_and_quoted_per_rfc_4180() {
        let rows = vec![
            R { n: 1, text: "=1+1".into() },
            R { n: 2, text: "-x, \"y\"\nz".into() },
            R { n: 3, text: "ok".into() },
        ];
        let bytes = to_csv(&["n", "text"], rows).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text, "n,text\n1,'=1+1\n2,\"'-x, \"\"y\"\"\nz\"\n3,ok\n");
        let empty = to_csv::<R>(&["n", "text"], vec![]).unwrap();
        assert_eq!(empty, b"n,text\n");
        let wrong = to_csv(&["only"], vec![R { n: 1, text: String::new() }]);
        assert!(wrong.is_err(), "a row wider than the header is a bug, not a file");
    }
}
