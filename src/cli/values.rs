//! The value parsers behind every numeric, duration, time, URL and region flag: one per kind, shared by every
//! command, each refusing what is outside its documented range (clap turns the error into exit 2 naming the flag).

use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::builder::RangedU64ValueParser;

/// The emulator's `--rate`: a quota in requests per second, or unlimited (`None`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmulatorRate(pub Option<f64>);

/// `--concurrency`: 1 to 1,024 (more in flight than that only queues behind the per-operation rate).
pub(super) fn concurrency() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..=1024)
}

/// `--max-in-flight`: 1 to 65,536 calls in flight across every target.
pub(super) fn max_in_flight() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..=65_536)
}

/// `--max-attempts`: 1 to 100.
pub(super) fn max_attempts() -> RangedU64ValueParser<u32> {
    RangedU64ValueParser::new().range(1..=100)
}

/// Emulator delays in milliseconds: 0 to 600,000 (10 minutes).
pub(super) fn millis() -> RangedU64ValueParser<u64> {
    RangedU64ValueParser::new().range(0..=600_000)
}

/// A finite number from `lo` to `hi` inclusive; NaN, infinities and anything else are refused.
fn f64_in(s: &str, lo: f64, hi: f64) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => Ok(v),
        _ => Err(format!("expected a number from {lo} to {hi}")),
    }
}

/// A humantime duration (`500ms`, `30s`, `10m`, `7d`) from `lo` to `hi` inclusive; `range` says so in words.
fn duration_in(s: &str, lo: Duration, hi: Duration, range: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s.trim()) {
        Ok(d) if (lo..=hi).contains(&d) => Ok(d),
        Ok(_) => Err(format!("expected a duration from {range}")),
        Err(e) => Err(format!("{e}; expected a duration like 500ms, 30s or 10m, from {range}")),
    }
}

/// `--rate` of `plan`, `verify`, `apply` and `export`: 0.1 to 10,000 requests per second.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    f64_in(s, 0.1, 10_000.0)
}

/// The emulator's `--rate`: `unlimited`, or 0.1 to 1,000,000 requests per second.
pub fn parse_emulator_rate(s: &str) -> Result<EmulatorRate, String> {
    if s.trim().eq_ignore_ascii_case("unlimited") {
        return Ok(EmulatorRate(None));
    }
    f64_in(s, 0.1, 1_000_000.0).map(|r| EmulatorRate(Some(r))).map_err(|e| format!("{e}, or `unlimited`"))
}

/// `--attempt-timeout`: 100ms to 10m.
pub fn parse_attempt_timeout(s: &str) -> Result<Duration, String> {
    duration_in(s, Duration::from_millis(100), Duration::from_secs(600), "100ms to 10m")
}

/// `--wait-timeout`: 1s to 24h.
pub fn parse_wait_timeout(s: &str) -> Result<Duration, String> {
    duration_in(s, Duration::from_secs(1), Duration::from_secs(86_400), "1s to 24h")
}

/// `--max-plan-age`: 1m to 3650d.
pub fn parse_max_plan_age(s: &str) -> Result<Duration, String> {
    duration_in(s, Duration::from_secs(60), Duration::from_secs(3650 * 86_400), "1m to 3650d")
}

/// `--created-before` and `--created-after`: RFC 3339 or a date (midnight UTC).
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    crate::plan::filter::parse_time(s)
}

pub use lfv_fs::names::is_region;

/// `--region`: see [`is_region`].
pub fn parse_region(s: &str) -> Result<String, String> {
    if is_region(s) { Ok(s.to_string()) } else { Err("expected an AWS region name like us-east-1".to_string()) }
}

/// `--region` of `plan`, `sweep` and `verify --all`: a region name as [`parse_region`], or `all` for the
/// regions of [`crate::targets::regions::LOOKOUT_FOR_VISION_REGIONS`] (expanded by
/// [`crate::targets::regions::expand`]).
pub fn parse_region_or_all(s: &str) -> Result<String, String> {
    if s == crate::targets::regions::ALL {
        return Ok(s.to_string());
    }
    parse_region(s).map_err(|e| format!("{e}, or `all` for the 7 Lookout for Vision regions"))
}

pub use crate::cloud::check_endpoint_url;

/// `--endpoint-url`: see [`check_endpoint_url`].
pub fn parse_endpoint_url(s: &str) -> Result<String, String> {
    check_endpoint_url(s).map(|()| s.to_string())
}

/// `n` characters of `[\w+=,.@-]` plus `extra`, within `lo..=hi` characters: IAM's and STS's name patterns.
fn iam_chars(s: &str, lo: usize, hi: usize, extra: &str, what: &str) -> Result<String, String> {
    let ok = s.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) || extra.contains(c));
    if ok && (lo..=hi).contains(&s.chars().count()) {
        Ok(s.to_string())
    } else {
        Err(format!("expected {what}: {lo} to {hi} characters of letters, digits and _+=,.@-{extra}"))
    }
}

/// `--role-name`: an IAM role name, 1 to 64 of `[\w+=,.@-]`.
pub fn parse_role_name(s: &str) -> Result<String, String> {
    iam_chars(s, 1, 64, "", "an IAM role name")
}

/// `--session-name`: STS RoleSessionName, 2 to 64 of `[\w+=,.@-]`.
pub fn parse_session_name(s: &str) -> Result<String, String> {
    iam_chars(s, 2, 64, "", "a role session name")
}

/// `--external-id`: STS ExternalId, 2 to 1,224 of `[\w+=,.@:/-]`.
pub fn parse_external_id(s: &str) -> Result<String, String> {
    iam_chars(s, 2, 1224, ":/", "an external id")
}

/// `--exclude-account`: a 12-digit account id.
pub fn parse_account_id(s: &str) -> Result<String, String> {
    let s = s.trim();
    if crate::targets::is_account_id(s) { Ok(s.to_string()) } else { Err("expected a 12-digit account id".into()) }
}

/// `--role-arn-template`: an IAM role ARN with `{account}` in the account field, e.g.
/// `arn:aws:iam::{account}:role/Decommission`.
pub fn parse_role_arn_template(s: &str) -> Result<String, String> {
    let arn = s.replace("{account}", "123456789012");
    let valid = s.matches("{account}").count() == 1
        && lfv_model::arn::role(&arn).is_some_and(|r| {
            r.account == "123456789012" && parse_role_name(r.name).is_ok() && r.path_name.len() <= 512
        });
    if valid {
        Ok(s.to_string())
    } else {
        Err("expected an IAM role ARN with {account} as its account, e.g. arn:aws:iam::{account}:role/NAME".into())
    }
}

/// `--shard K/N`: K from 0 to N-1, N from 1 to 10,000.
pub fn parse_shard(s: &str) -> Result<crate::targets::shard::Shard, String> {
    crate::targets::shard::Shard::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_pattern() {
        for ok in ["us-east-1", "us-gov-west-1", "ap-southeast-4", "eu-central-2", "us-isob-east-1", "il-central-1"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in
            ["", "us east 1", "us-east", "US-EAST-1", "us-east-123", "use-east-1", "us--1", "us-east-1 ", "a-b-1"]
        {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn endpoint_urls() {
        for ok in ["http://127.0.0.1:4566", "https://lookoutvision.us-east-1.amazonaws.com", "http://[::1]:80/p"] {
            assert_eq!(check_endpoint_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "not a url",
            "localhost:4566",
            "ftp://host",
            "http://",
            "http://host:0",
            "http://host:99999",
            "http://host:x",
            "http://u:p@host",
            "http://host/?a=b",
            "http://ho st",
            "http://host\n",
        ] {
            assert!(check_endpoint_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn numbers_and_durations_in_range() {
        let rates = [("0.1", true), ("10000", true), ("5", true), ("0.09", false), ("10001", false), ("NaN", false)];
        for (s, ok) in rates.into_iter().chain([("inf", false), ("-1", false), ("1e300", false), ("x", false)]) {
            assert_eq!(parse_rate(s).is_ok(), ok, "{s}");
        }
        assert_eq!(parse_emulator_rate("UNLIMITED"), Ok(EmulatorRate(None)));
        assert_eq!(parse_emulator_rate("1000000"), Ok(EmulatorRate(Some(1e6))));
        assert!(parse_emulator_rate("1000001").is_err());
        let durations =
            [("100ms", true), ("99ms", false), ("10m", true), ("601s", false), ("0s", false), ("-1s", false)];
        // The flag's default is the clients' default.
        let default = crate::cloud::DEFAULT_ATTEMPT_TIMEOUT_FLAG;
        assert_eq!(parse_attempt_timeout(default), Ok(crate::cloud::DEFAULT_ATTEMPT_TIMEOUT));
        for (s, ok) in durations {
            assert_eq!(parse_attempt_timeout(s).is_ok(), ok, "{s}");
        }
        assert!(parse_wait_timeout("24h").is_ok() && parse_wait_timeout("25h").is_err());
        assert!(parse_max_plan_age("3650d").is_ok() && parse_max_plan_age("59s").is_err());
        assert!(parse_max_plan_age("99999999999999999999d").is_err());
    }

    #[test]
    fn identity_flag_values() {
        assert!(parse_role_name("OrganizationAccountAccessRole").is_ok());
        assert!(parse_role_name(&"a".repeat(65)).is_err());
        assert!(parse_role_name("bad name").is_err());
        assert!(parse_session_name("a").is_err());
        assert!(parse_session_name("lfv-sunset-lfv-20260101T000000Z-0a1b2c3d").is_ok());
        assert!(parse_session_name(&"a".repeat(65)).is_err());
        assert!(parse_external_id("ext-42:x/y").is_ok());
        assert!(parse_external_id("x").is_err());
        assert!(parse_external_id("has space").is_err());
        assert_eq!(parse_account_id(" 123456789012 "), Ok("123456789012".into()));
        assert!(parse_account_id("12345678901").is_err());
        for ok in ["arn:aws:iam::{account}:role/Decommission", "arn:aws-cn:iam::{account}:role/path/Name"] {
            assert!(parse_role_arn_template(ok).is_ok(), "{ok}");
        }
        for bad in [
            "arn:aws:iam::123456789012:role/Name",
            "arn:aws:iam::{account}:user/Name",
            "arn:aws:s3:::{account}",
            "arn:aws:iam::{account}:role/",
            "arn:aws:iam::{account}:role/{account}",
        ] {
            assert!(parse_role_arn_template(bad).is_err(), "{bad}");
        }
        assert!(parse_shard("1/2").is_ok() && parse_shard("2/2").is_err());
    }
}
