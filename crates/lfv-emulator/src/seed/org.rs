//! The seed's identity part: the organisation (`organization`), the IAM roles (`roles`) that STS AssumeRole
//! grants, and the regions an account has not enabled (`disabled_regions`); their validation ([`validate`]),
//! and the generator behind `--seed-accounts N` ([`generate_org`]).
//!
//! Pure data and checks: nothing here reads the clock or serves requests (`identity.rs` does).

use std::collections::BTreeSet;

use super::types::{ACCOUNT_STATES, DEFAULT_ACCOUNT, GenSpec, OrgAccount, Seed, SeedOrganization, SeedRole, active};

/// Name of the role [`generate_org`] gives every member account.
pub const ORG_ROLE: &str = "OrganizationAccountAccessRole";

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_role_name(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

fn is_region(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Check the identity fields of a seed: account ids are 12 digits, the management account is one of the
/// organisation's accounts, account ids are unique, names are 1-50 characters, emails contain `@`, statuses
/// are one of [`ACCOUNT_STATES`], role names are valid and unique per account, a role's
/// `max_session_secs` is 3,600-43,200, trusted accounts are 12 digits, an external id is 2-1,224 characters,
/// `disabled_regions` keys are account ids and values region names, and `access_keys` map to 12-digit accounts.
/// The error names the field at fault (`roles[2].account: ...`).
pub fn validate(seed: &Seed) -> Result<(), String> {
    for (k, a) in &seed.access_keys {
        if !is_account(&a.account) {
            return Err(format!("access_keys.{k}.account: {:?} is not a 12-digit account id", a.account));
        }
    }
    if let Some(org) = &seed.organization {
        validate_org(org)?;
    }
    let mut seen = BTreeSet::new();
    for (i, r) in seed.roles.iter().enumerate() {
        let at = format!("roles[{i}]");
        if !is_account(&r.account) {
            return Err(format!("{at}.account: {:?} is not a 12-digit account id", r.account));
        }
        if !is_role_name(&r.name) {
            return Err(format!("{at}.name: {:?} is not a role name (1-64 of A-Za-z0-9+=,.@_-)", r.name));
        }
        if !seen.insert((r.account.as_str(), r.name.as_str())) {
            return Err(format!("{at}: role {} is defined twice", r.arn()));
        }
        if let Some(a) = r.trusted_accounts.iter().find(|a| !is_account(a)) {
            return Err(format!("{at}.trusted_accounts: {a:?} is not a 12-digit account id"));
        }
        if r.external_id.as_ref().is_some_and(|x| !(2..=1224).contains(&x.len())) {
            return Err(format!("{at}.external_id: must be 2 to 1224 characters"));
        }
        if r.max_session_secs.is_some_and(|s| !(3600..=43_200).contains(&s)) {
            return Err(format!("{at}.max_session_secs: must be 3600 to 43200"));
        }
    }
    for (account, regions) in &seed.disabled_regions {
        if !is_account(account) {
            return Err(format!("disabled_regions: {account:?} is not a 12-digit account id"));
        }
        if let Some(r) = regions.iter().find(|r| !is_region(r)) {
            return Err(format!("disabled_regions.{account}: {r:?} is not a region name"));
        }
    }
    Ok(())
}

fn validate_org(org: &SeedOrganization) -> Result<(), String> {
    if !is_account(&org.management_account) {
        return Err(format!(
            "organization.management_account: {:?} is not a 12-digit account id",
            org.management_account
        ));
    }
    let mut ids = BTreeSet::new();
    for (i, a) in org.accounts.iter().enumerate() {
        let at = format!("organization.accounts[{i}]");
        if !is_account(&a.id) {
            return Err(format!("{at}.id: {:?} is not a 12-digit account id", a.id));
        }
        if !ids.insert(a.id.as_str()) {
            return Err(format!("{at}.id: account {} is listed twice", a.id));
        }
        if !(1..=50).contains(&a.name.chars().count()) {
            return Err(format!("{at}.name: must be 1 to 50 characters"));
        }
        if !a.email.contains('@') {
            return Err(format!("{at}.email: {:?} is not an email address", a.email));
        }
        if !ACCOUNT_STATES.contains(&a.status.as_str()) {
            return Err(format!("{at}.status: {:?} is not one of {}", a.status, ACCOUNT_STATES.join(", ")));
        }
    }
    if !ids.contains(org.management_account.as_str()) {
        return Err(format!(
            "organization.management_account: {} is not one of organization.accounts",
            org.management_account
        ));
    }
    Ok(())
}

/// Id of generated member account `i` (from 1): `1000000000NN`, i.e. `100000000000 + i`.
pub fn member_id(i: usize) -> String {
    format!("{:012}", 100_000_000_000u64 + i as u64)
}

/// The seed of `--seed-accounts N`: the management account is [`DEFAULT_ACCOUNT`] (so the default access key
/// belongs to it) and holds no projects; members `member_id(1..=N)` named `member-NN`
/// (`member-NN@example.com`), all `ACTIVE`, each with `spec.projects` projects in every region of
/// `spec.regions` (`spec.accounts` is ignored) and the role [`ORG_ROLE`] trusted by the management account.
pub fn generate_org(n: usize, spec: &GenSpec) -> Seed {
    let members: Vec<String> = (1..=n).map(member_id).collect();
    let mut seed = Seed::generate(&GenSpec { accounts: members.clone(), ..spec.clone() });
    let mut accounts = vec![OrgAccount {
        id: DEFAULT_ACCOUNT.into(),
        name: "management".into(),
        email: "management@example.com".into(),
        status: active(),
    }];
    for (i, id) in members.iter().enumerate() {
        let name = format!("member-{:02}", i + 1);
        accounts.push(OrgAccount { id: id.clone(), email: format!("{name}@example.com"), name, status: active() });
        seed.roles.push(SeedRole {
            account: id.clone(),
            name: ORG_ROLE.into(),
            trusted_accounts: vec![DEFAULT_ACCOUNT.into()],
            ..SeedRole::default()
        });
    }
    seed.organization = Some(SeedOrganization { management_account: DEFAULT_ACCOUNT.into(), accounts });
    seed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::AccessKey;

    fn org() -> Seed {
        let mut s = generate_org(2, &GenSpec { projects: 0, ..GenSpec::default() });
        s.disabled_regions.insert(member_id(1), vec!["ap-east-1".into()]);
        s
    }

    #[test]
    fn generated_organisation_is_valid() {
        let s = org();
        assert_eq!(validate(&s), Ok(()));
        let o = s.organization.as_ref().unwrap();
        assert_eq!(o.accounts.len(), 3);
        assert_eq!(s.roles.len(), 2);
        assert_eq!(s.roles[1].arn(), "arn:aws:iam::100000000002:role/OrganizationAccountAccessRole");
    }

    #[test]
    fn each_bad_field_is_named() {
        type Edit = fn(&mut Seed);
        let cases: &[(Edit, &str)] = &[
            (|s| s.organization.as_mut().unwrap().management_account = "12".into(), "management_account"),
            (|s| s.organization.as_mut().unwrap().management_account = "999999999999".into(), "not one of"),
            (|s| s.organization.as_mut().unwrap().accounts[1].id = "x".into(), "accounts[1].id"),
            (|s| s.organization.as_mut().unwrap().accounts[2].id = member_id(1), "listed twice"),
            (|s| s.organization.as_mut().unwrap().accounts[1].name = String::new(), "accounts[1].name"),
            (|s| s.organization.as_mut().unwrap().accounts[1].email = "nobody".into(), "accounts[1].email"),
            (|s| s.organization.as_mut().unwrap().accounts[2].status = "GONE".into(), "accounts[2].status"),
            (|s| s.roles[0].account = "1".into(), "roles[0].account"),
            (|s| s.roles[1].name = "bad name".into(), "roles[1].name"),
            (|s| s.roles[1].account = s.roles[0].account.clone(), "defined twice"),
            (|s| s.roles[0].trusted_accounts.push("abc".into()), "roles[0].trusted_accounts"),
            (|s| s.roles[0].external_id = Some("x".into()), "roles[0].external_id"),
            (|s| s.roles[0].max_session_secs = Some(900), "roles[0].max_session_secs"),
            (|s| s.roles[0].max_session_secs = Some(43_201), "roles[0].max_session_secs"),
            (|s| drop(s.disabled_regions.insert("x".into(), vec![])), "disabled_regions"),
            (|s| drop(s.disabled_regions.insert(member_id(2), vec!["EU West".into()])), "disabled_regions.1000"),
            (
                |s| drop(s.access_keys.insert("AKIAX".into(), AccessKey { account: "7".into(), deny: vec![] })),
                "access_keys.AKIAX.account",
            ),
        ];
        for (i, (edit, want)) in cases.iter().enumerate() {
            let mut s = org();
            edit(&mut s);
            let err = validate(&s).expect_err(&format!("case {i} must be refused"));
            assert!(err.contains(want), "case {i}: {err:?} should name {want:?}");
        }
        let mut ok = org();
        ok.roles[0].max_session_secs = Some(43_200);
        ok.roles[0].external_id = Some("ab".into());
        assert_eq!(validate(&ok), Ok(()));
    }
}
