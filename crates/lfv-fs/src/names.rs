//! Which strings may become a path component. A backup lands at
//! `<backup-dir>/<account>/<region>/<project>/<dataset_type>.manifest.jsonl`; every one of those four names
//! comes from a plan (ultimately from a project ARN), so each is checked against its documented shape before
//! it is joined to a path, and nothing like `..`, `/`, an empty string or a control character gets through:
//! - account: exactly 12 ASCII digits (the form of every AWS account id);
//! - region: the AWS region form `^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`, at most 32 characters (`us-east-1`,
//!   `us-gov-west-1`, `ap-southeast-2`);
//! - project: the service model's ProjectName, 1-255 characters of `[a-zA-Z0-9][a-zA-Z0-9_\-]*`;
//! - dataset type: the service model's DatasetType, `train` or `test`.
//!
//! Pure functions, no I/O.

/// The longest region name accepted.
pub const MAX_REGION_LEN: usize = 32;
/// The longest project name accepted (the service's ProjectName maximum).
pub const MAX_PROJECT_LEN: usize = 255;

/// True for an AWS account id: exactly 12 ASCII digits.
pub fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// True for an AWS region name (see the module docs).
pub fn is_region(s: &str) -> bool {
    if s.len() > MAX_REGION_LEN {
        return false;
    }
    let parts: Vec<&str> = s.split('-').collect();
    let Some((last, rest)) = parts.split_last() else { return false };
    let Some((first, middle)) = rest.split_first() else { return false };
    let lower = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    first.len() == 2
        && lower(first)
        && !middle.is_empty()
        && middle.iter().all(lower)
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// True for a Lookout for Vision project name (see the module docs).
pub fn is_project(s: &str) -> bool {
    let mut bytes = s.bytes();
    s.len() <= MAX_PROJECT_LEN
        && bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// True for a dataset type: `train` or `test`.
pub fn is_dataset_type(s: &str) -> bool {
    s == "train" || s == "test"
}

/// A field's name, its value, its test and the shape it must have.
type Check<'a> = (&'static str, &'a str, fn(&str) -> bool, &'static str);

/// Check the three names of a project's backup directory (`<account>/<region>/<project>`); the error names the
/// first bad field and its value.
pub fn check_project_names(account: &str, region: &str, project: &str) -> Result<(), String> {
    let checks: [Check; 3] = [
        ("account", account, is_account, "12 digits"),
        ("region", region, is_region, "an AWS region such as us-east-1"),
        ("project", project, is_project, "1-255 of [a-zA-Z0-9_-], starting with a letter or digit"),
    ];
    for (field, value, ok, shape) in checks {
        if !ok(value) {
            return Err(format!("{field} {value:?} is not {shape}, so it cannot name a backup directory"));
        }
    }
    Ok(())
}

/// Check the four names of a backup path; the error names the first bad field and its value.
pub fn check_backup_names(account: &str, region: &str, project: &str, dataset_type: &str) -> Result<(), String> {
    check_project_names(account, region, project)?;
    if !is_dataset_type(dataset_type) {
        return Err(format!(
            "dataset_type {dataset_type:?} is not train or test, so it cannot name a backup directory"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts() {
        let cases = [
            ("123456789012", true),
            ("000000000000", true),
            ("12345678901", false),
            ("1234567890123", false),
            ("../../../../x", false),
            ("12345678901a", false),
            ("", false),
            ("１２３４５６７８９０１２", false),
            ("123456/89012", false),
            ("12345678901\n", false),
        ];
        for (s, want) in cases {
            assert_eq!(is_account(s), want, "{s:?}");
        }
    }

    #[test]
    fn regions() {
        let cases = [
            ("us-east-1", true),
            ("eu-west-1", true),
            ("us-gov-west-1", true),
            ("ap-southeast-2", true),
            ("il-central-1", true),
            ("us-east-12", true),
            ("us-east-123", false),
            ("us-east", false),
            ("useast1", false),
            ("us east 1", false),
            ("", false),
            ("..", false),
            ("../us-east-1", false),
            ("us-east-1/..", false),
            ("US-EAST-1", false),
            ("u-east-1", false),
            ("use-east-1", false),
            ("us--1", false),
            ("us-east-1-", false),
            ("us-eastttttttttttttttttttttttttttt-1", false),
        ];
        for (s, want) in cases {
            assert_eq!(is_region(s), want, "{s:?}");
        }
    }

    #[test]
    fn projects() {
        let long = "a".repeat(255);
        let too_long = "a".repeat(256);
        let cases = [
            ("widget-inspection", true),
            ("A_1", true),
            ("9", true),
            (long.as_str(), true),
            (too_long.as_str(), false),
            ("", false),
            ("-leading-dash", false),
            ("_leading", false),
            (".", false),
            ("..", false),
            ("a/b", false),
            ("a.b", false),
            ("a b", false),
            ("a\u{1b}[8m", false),
            ("é", false),
        ];
        for (s, want) in cases {
            assert_eq!(is_project(s), want, "{s:?}");
        }
    }

    #[test]
    fn dataset_types() {
        for (s, want) in [("train", true), ("test", true), ("Train", false), ("", false), ("../train", false)] {
            assert_eq!(is_dataset_type(s), want, "{s:?}");
        }
    }

    #[test]
    fn backup_names_name_the_first_bad_field() {
        let cases = [
            (["123456789012", "us-east-1", "p", "train"], None),
            (["../../x", "us-east-1", "p", "train"], Some("account \"../../x\"")),
            (["123456789012", "..", "p", "train"], Some("region \"..\"")),
            (["123456789012", "us-east-1", "..", "train"], Some("project \"..\"")),
            (["123456789012", "us-east-1", "p", "x/y"], Some("dataset_type \"x/y\"")),
        ];
        for ([a, r, p, t], want) in cases {
            let got = check_backup_names(a, r, p, t);
            match want {
                None => assert_eq!(got, Ok(())),
                Some(w) => assert!(got.as_ref().is_err_and(|e| e.starts_with(w)), "{got:?} for {w}"),
            }
        }
    }
}
