//! Targets: which (account, region) pairs a command works on, and whether the credentials at hand belong to the
//! account a plan names. Pure functions only (no SDK types, no I/O), tested by tables.

pub mod accounts;
pub mod check;
pub mod regions;
pub mod shard;

pub use check::{Verdict, verdict};

/// True for a 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    #[test]
    fn account_ids() {
        for (s, ok) in [
            ("123456789012", true),
            ("000000000000", true),
            ("12345678901", false),
            ("1234567890123", false),
            ("12345678901a", false),
            ("", false),
            ("１２３４５６７８９０１２", false),
        ] {
            assert_eq!(super::is_account_id(s), ok, "{s:?}");
        }
    }
}
