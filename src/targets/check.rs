//! The identity check: may a target of a plan be worked on with credentials of the caller's account?
//!
//! The plan names a target's account twice: `account` (read from its project ARNs at planning; absent when it
//! had no project) and `identity.account` (GetCallerIdentity at planning; absent in format-1 plans and plans made
//! before identities were recorded). The caller must be every account the plan names; a target naming none (no
//! project seen, no identity recorded) has no item a wrong account could mistake for gone, so it is
//! [`Verdict::Unknown`] and not refused.

use crate::plan::Target;

/// The decision for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The caller is the plan's account.
    Same,
    /// The plan names no account for the target.
    Unknown,
    /// The caller is another account: no call may be made to the target.
    Differs {
        /// The account the plan names.
        planned: String,
        /// The caller's account.
        caller: String,
    },
}

/// Compare the caller's account with every account the plan names for `target`.
pub fn verdict(target: &Target, caller: &str) -> Verdict {
    let named = [target.identity.as_ref().map(|i| i.account.as_str()), target.account.as_deref()];
    let mut any = false;
    for planned in named.into_iter().flatten() {
        any = true;
        if planned != caller {
            return Verdict::Differs { planned: planned.to_string(), caller: caller.to_string() };
        }
    }
    if any { Verdict::Same } else { Verdict::Unknown }
}

/// The refusal message for a target (`items` of its items stay pending).
pub fn refusal(target: &Target, planned: &str, caller: &str, items: usize) -> String {
    format!(
        "target region {} of the plan belongs to account {planned}, but the credentials given are account \
         {caller}: refused, no call was made to it and its {items} items stay pending; rerun with credentials of \
         account {planned}",
        target.region
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use lfv_model::testing::target;

    const A: &str = "111122223333";
    const B: &str = "444455556666";

    #[test]
    fn table() {
        let differs = |planned: &str| Verdict::Differs { planned: planned.into(), caller: B.into() };
        let cases = [
            // format 1: the account read from the ARNs only
            (target(Some(A), None), B, differs(A)),
            (target(Some(B), None), B, Verdict::Same),
            // identity only (a target with no project)
            (target(None, Some(A)), B, differs(A)),
            (target(None, Some(B)), B, Verdict::Same),
            // both, agreeing or not
            (target(Some(B), Some(B)), B, Verdict::Same),
            (target(Some(A), Some(A)), B, differs(A)),
            (target(Some(B), Some(A)), B, differs(A)),
            (target(Some(A), Some(B)), B, differs(A)),
            // nothing named
            (target(None, None), B, Verdict::Unknown),
        ];
        for (n, (t, caller, want)) in cases.into_iter().enumerate() {
            assert_eq!(verdict(&t, caller), want, "case {n}: {t:?}");
        }
    }

    #[test]
    fn refusal_names_both_accounts() {
        let m = refusal(&target(Some(A), None), A, B, 2);
        assert!(m.contains(A) && m.contains(B) && m.contains("2 items stay pending"), "{m}");
    }
}
