//! How a plan's target is reached, checked on its own: the identity, role and external-id fields (the
//! identity check of `apply`, `export` and `verify` relies on them, so a plan whose digest was recomputed
//! after an edit must still hold them consistent).

use super::Target;
use crate::arn::role_account;
use lfv_fs::names::is_account;

/// The invariants of how a plan's target is reached (`validate` checks them for every target, since a
/// digest can be recomputed after an edit): `identity.account` is 12 digits and agrees with `account`; a
/// `role_arn` is an IAM role ARN in that account; `external_id` only with a role.
pub fn check_reach(t: &Target) -> Result<(), String> {
    if let Some(id) = &t.identity {
        if !is_account(&id.account) {
            return Err(format!("(identity.account): {:?} is not 12 digits", id.account));
        }
        if t.account.as_ref().is_some_and(|a| a != &id.account) {
            return Err(format!("(identity.account): {} differs from the target's account", id.account));
        }
    }
    let account = t.identity.as_ref().map(|i| i.account.as_str()).or(t.account.as_deref());
    if let Some(arn) = &t.role_arn {
        match role_account(arn) {
            None => return Err(format!("(role_arn): {arn:?} is not an IAM role ARN")),
            Some(r) if account.is_some_and(|a| a != r) => {
                return Err(format!("(role_arn): {arn} is a role of another account than the target's"));
            }
            Some(_) => {}
        }
    }
    if t.external_id && t.role_arn.is_none() {
        return Err("(external_id): an external id without a role_arn".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::target;

    const A: &str = "111122223333";
    const B: &str = "444455556666";

    #[test]
    fn reach_invariants() {
        let role = |a: &str| Some(format!("arn:aws:iam::{a}:role/OrganizationAccountAccessRole"));
        let with = |account: Option<&str>, identity: Option<&str>, role_arn: Option<String>, ext: bool| Target {
            role_arn,
            external_id: ext,
            ..target(account, identity)
        };
        let cases = [
            (with(Some(A), Some(A), None, false), None),
            (with(Some(A), Some(A), role(A), true), None),
            (with(None, Some(A), role(A), false), None),
            (with(None, None, role(A), false), None),
            (with(Some(A), Some(B), None, false), Some("(identity.account)")),
            (with(None, Some("12"), None, false), Some("(identity.account)")),
            (with(Some(A), None, role(B), false), Some("(role_arn)")),
            (with(None, Some(A), role(B), false), Some("(role_arn)")),
            (with(Some(A), None, Some("arn:aws:iam::111122223333:user/x".into()), false), Some("(role_arn)")),
            (with(Some(A), None, Some("arn:aws:iam::111122223333:role/".into()), false), Some("(role_arn)")),
            (with(Some(A), None, None, true), Some("(external_id)")),
        ];
        for (n, (t, want)) in cases.into_iter().enumerate() {
            match (check_reach(&t), want) {
                (Ok(()), None) => {}
                (Err(e), Some(w)) => assert!(e.contains(w), "case {n}: {e} should name {w}"),
                (got, want) => panic!("case {n}: got {got:?}, want {want:?}"),
            }
        }
        assert_eq!(role_account("arn:aws-cn:iam::111122223333:role/p/q/Name"), Some(A));
    }
}
