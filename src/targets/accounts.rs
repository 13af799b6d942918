//! `--accounts FILE`: one 12-digit account id per line (`#` starts a comment, blank lines are ignored), or a
//! CSV file whose header names an `account_id` column (and optionally `name`). Errors name the file and line.

use std::collections::BTreeSet;
use std::path::Path;

use super::is_account_id;

/// One account of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The 12-digit id.
    pub id: String,
    /// Its name, from the CSV's `name` column or ListAccounts; empty if unknown.
    pub name: String,
}

/// Parse the text of an accounts file (`file` names it in errors). Duplicates are refused, as a list that
/// names an account twice is likely not the list meant.
pub fn parse(file: &Path, text: &str) -> Result<Vec<Account>, String> {
    let at = |line: usize, what: String| format!("--accounts {} line {line}: {what}", file.display());
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'));
    let csv = first.is_some_and(|l| l.split(',').any(|c| c.trim().trim_matches('"') == "account_id"));
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push = |line: usize, id: &str, name: &str| {
        if !is_account_id(id) {
            return Err(at(line, format!("{id:?} is not a 12-digit account id")));
        }
        if !seen.insert(id.to_string()) {
            return Err(at(line, format!("account {id} is listed twice")));
        }
        out.push(Account { id: id.to_string(), name: name.to_string() });
        Ok(())
    };
    if csv {
        let mut reader =
            csv::ReaderBuilder::new().trim(csv::Trim::All).comment(Some(b'#')).from_reader(text.as_bytes());
        let header = reader.headers().map_err(|e| at(1, format!("unreadable CSV header: {e}")))?.clone();
        let col = |n: &str| header.iter().position(|h| h == n);
        let id_col = col("account_id").ok_or_else(|| at(1, "no account_id column".into()))?;
        let name_col = col("name");
        for record in reader.records() {
            let r = record.map_err(|e| {
                at(e.position().map(|p| p.line() as usize).unwrap_or(0), format!("unreadable CSV row: {e}"))
            })?;
            let line = r.position().map(|p| p.line() as usize).unwrap_or(0);
            push(line, r.get(id_col).unwrap_or(""), name_col.and_then(|c| r.get(c)).unwrap_or(""))?;
        }
    } else {
        for (n, raw) in text.lines().enumerate() {
            let l = raw.split('#').next().unwrap_or("").trim();
            if !l.is_empty() {
                push(n + 1, l, "")?;
            }
        }
    }
    if out.is_empty() {
        return Err(format!("--accounts {}: lists no account", file.display()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (id, name) pairs, or the error.
    type Parsed = Result<Vec<(String, String)>, String>;

    fn ids(text: &str) -> Parsed {
        parse(Path::new("a.txt"), text).map(|v| v.into_iter().map(|a| (a.id, a.name)).collect())
    }

    #[test]
    fn table() {
        let a = "111122223333";
        let b = "444455556666";
        let ok = |v: &[(&str, &str)]| Ok(v.iter().map(|(i, n)| (i.to_string(), n.to_string())).collect());
        let cases: Vec<(&str, Parsed)> = vec![
            ("111122223333\n444455556666\n", ok(&[(a, ""), (b, "")])),
            ("# prod\n\n 111122223333  # main\n444455556666", ok(&[(a, ""), (b, "")])),
            ("account_id,name\n111122223333,prod\n444455556666,\"dev, eu\"\n", ok(&[(a, "prod"), (b, "dev, eu")])),
            ("name,account_id,owner\nprod,111122223333,x\n", ok(&[(a, "prod")])),
            ("account_id\n111122223333\n", ok(&[(a, "")])),
            ("111122223333\n12345\n", Err("--accounts a.txt line 2: \"12345\" is not a 12-digit account id".into())),
            (
                "111122223333\n111122223333\n",
                Err("--accounts a.txt line 2: account 111122223333 is listed twice".into()),
            ),
            (
                "account_id,name\n111122223333,a\nabc,b\n",
                Err("--accounts a.txt line 3: \"abc\" is not a 12-digit account id".into()),
            ),
            ("# nothing\n\n", Err("--accounts a.txt: lists no account".into())),
            (
                "id,name\n111122223333,a\n",
                Err("--accounts a.txt line 1: \"id,name\" is not a 12-digit account id".into()),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(ids(text), want, "{text:?}");
        }
    }
}
