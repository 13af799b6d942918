//! Who is calling: long-term access keys, the STS sessions AssumeRole issued (with their expiry on the
//! emulator clock), the roles and their trust, the organisation and each account's disabled regions.
//!
//! [`Identity::authenticate`] decides, for every request of every service, whether its access key is a
//! known principal ([`AuthError`] otherwise); [`Identity::assume_role`] is AssumeRole's decision. Neither
//! renders a response: each protocol module turns an [`AuthError`] into its own error shape. Sessions live in
//! memory only (a restarted emulator no longer knows them).

use std::collections::BTreeMap;
use std::sync::Mutex;

use rand::Rng;

use super::seed::{AccessKey, Seed};
use super::seed::{SeedOrganization, SeedRole};

/// Prefix of every session access key id, as AWS's temporary credentials.
pub(crate) const SESSION_PREFIX: &str = "ASIA";
/// Shortest and longest DurationSeconds of AssumeRole: 900 and 43,200 s.
pub(crate) const DURATION_RANGE: std::ops::RangeInclusive<u64> = 900..=43_200;
/// Most DurationSeconds of a session assumed with another session's credentials (role chaining): 3,600 s.
pub(crate) const CHAINED_MAX_SECS: u64 = 3600;
/// A role's MaxSessionDuration when the seed sets none: 3,600 s.
pub(crate) const DEFAULT_MAX_SESSION_SECS: u64 = 3600;

/// An issued session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) account: String,
    pub(crate) role: String,
    pub(crate) session_name: String,
    pub(crate) role_id: String,
    pub(crate) token: String,
    /// Emulator-clock instant (ms since the epoch) from which the session is expired.
    pub(crate) expires_ms: u64,
}

impl Session {
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session-name>`.
    pub(crate) fn arn(&self) -> String {
        format!("arn:aws:sts::{}:assumed-role/{}/{}", self.account, self.role, self.session_name)
    }
}

/// The caller of one request.
#[derive(Debug, Clone)]
pub(crate) enum Principal {
    /// A long-term key (named in the seed or not) of `account`.
    Key { akid: String, account: String, deny: Vec<String> },
    /// An unexpired session.
    Session(Session),
}

impl Principal {
    /// The caller's account.
    pub(crate) fn account(&self) -> &str {
        match self {
            Principal::Key { account, .. } => account,
            Principal::Session(s) => &s.account,
        }
    }
    /// GetCallerIdentity's `Arn`: CHOICE `arn:aws:iam::<account>:user/emulator` for every long-term key.
    pub(crate) fn arn(&self) -> String {
        match self {
            Principal::Key { account, .. } => format!("arn:aws:iam::{account}:user/emulator"),
            Principal::Session(s) => s.arn(),
        }
    }
    /// GetCallerIdentity's `UserId`: the access key id of a long-term key, `<role id>:<session name>` of a
    /// session.
    pub(crate) fn user_id(&self) -> String {
        match self {
            Principal::Key { akid, .. } => akid.clone(),
            Principal::Session(s) => format!("{}:{}", s.role_id, s.session_name),
        }
    }
    /// Whether the seed's `deny` list of this key names `op` (sessions deny nothing).
    pub(crate) fn denies(&self, op: &str) -> bool {
        matches!(self, Principal::Key { deny, .. } if deny.iter().any(|d| d == op))
    }
}

/// Why a request's credentials are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthError {
    /// A session key whose session has expired.
    Expired,
    /// A session key the emulator never issued, or whose session token does not match.
    Unknown,
    /// The caller's account has not enabled the request's region.
    RegionDisabled,
}

/// AssumeRole's refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AssumeError {
    /// 403 AccessDenied.
    Denied(String),
    /// 400 ValidationError.
    Invalid(String),
}

/// What AssumeRole asks for.
#[derive(Debug, Clone)]
pub(crate) struct AssumeRequest<'a> {
    pub(crate) role_arn: &'a str,
    pub(crate) session_name: &'a str,
    pub(crate) external_id: Option<&'a str>,
    pub(crate) duration_secs: Option<u64>,
}

/// Identity state of one emulator.
#[derive(Debug)]
pub(crate) struct Identity {
    default_account: String,
    access_keys: BTreeMap<String, AccessKey>,
    roles: Vec<SeedRole>,
    pub(crate) organization: Option<SeedOrganization>,
    /// Account id -> regions it has not enabled (the seed's, and any disabled since: [`Identity::disable`]).
    disabled: Mutex<BTreeMap<String, Vec<String>>>,
    session_ttl_secs: u64,
    sessions: Mutex<BTreeMap<String, Session>>,
}

fn random_upper(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::rng();
    (0..n).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

fn random_secret(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::rng();
    (0..n).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

impl Identity {
    /// From the seed, with sessions lasting `session_ttl_secs` when AssumeRole names no DurationSeconds.
    pub(crate) fn new(seed: &Seed, default_account: String, session_ttl_secs: u64) -> Identity {
        Identity {
            default_account,
            access_keys: seed.access_keys.clone(),
            roles: seed.roles.clone(),
            organization: seed.organization.clone(),
            disabled: Mutex::new(seed.disabled_regions.clone()),
            session_ttl_secs,
            sessions: Mutex::new(BTreeMap::new()),
        }
    }

    /// From now on, refuse `account`'s calls in `region` as those of a region it has not enabled.
    pub(crate) fn disable(&self, account: &str, region: &str) {
        let mut disabled = self.disabled.lock().unwrap_or_else(|e| e.into_inner());
        let regions = disabled.entry(account.to_string()).or_default();
        if !regions.iter().any(|r| r == region) {
            regions.push(region.to_string());
        }
    }

    /// The account of an issued session key (expired or not), else `None`.
    pub(crate) fn session_account(&self, akid: &str) -> Option<String> {
        if !akid.starts_with(SESSION_PREFIX) {
            return None;
        }
        self.sessions.lock().unwrap_or_else(|e| e.into_inner()).get(akid).map(|s| s.account.clone())
    }

    /// The principal behind `akid` at emulator time `now_ms`. A key starting `ASIA` must be an issued,
    /// unexpired session whose token equals `token`; any other key is long-term (the seed's account for it,
    /// else the default account). With `region`, the account must not have disabled it.
    pub(crate) fn authenticate(
        &self,
        akid: &str,
        token: Option<&str>,
        region: Option<&str>,
        now_ms: u64,
    ) -> Result<Principal, AuthError> {
        let principal = if akid.starts_with(SESSION_PREFIX) {
            let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
            let s = sessions.get(akid).ok_or(AuthError::Unknown)?;
            if token != Some(s.token.as_str()) {
                return Err(AuthError::Unknown);
            }
            if now_ms >= s.expires_ms {
                return Err(AuthError::Expired);
            }
            Principal::Session(s.clone())
        } else {
            let key = self.access_keys.get(akid);
            Principal::Key {
                akid: akid.to_string(),
                account: key.map(|k| k.account.clone()).unwrap_or_else(|| self.default_account.clone()),
                deny: key.map(|k| k.deny.clone()).unwrap_or_default(),
            }
        };
        let disabled = |r: &str| {
            let disabled = self.disabled.lock().unwrap_or_else(|e| e.into_inner());
            disabled.get(principal.account()).is_some_and(|d| d.iter().any(|x| x == r))
        };
        if let Some(r) = region
            && disabled(r)
        {
            return Err(AuthError::RegionDisabled);
        }
        Ok(principal)
    }

    /// AssumeRole's decision and, when granted, the new session and its secret access key.
    ///
    /// In order: RoleArn must be `arn:aws:iam::<12 digits>:role/<name>` and RoleSessionName 2-64 of
    /// `[\w+=,.@-]` (ValidationError); DurationSeconds 900-43,200, at most the role's MaxSessionDuration, and at
    /// most 3,600 when the caller is itself a session (ValidationError); the role must exist, trust the
    /// caller's account or long-term key, belong to an account that is ACTIVE in the organisation (or to no
    /// organisation), and get the role's ExternalId when it has one (AccessDenied otherwise). Without
    /// DurationSeconds the session lasts `--session-ttl` (capped at 3,600 s when chained).
    pub(crate) fn assume_role(
        &self,
        caller: &Principal,
        req: &AssumeRequest<'_>,
        now_ms: u64,
    ) -> Result<(Session, String, String), AssumeError> {
        let (account, name) = parse_role_arn(req.role_arn)
            .ok_or_else(|| AssumeError::Invalid(format!("{} is not a valid role ARN.", req.role_arn)))?;
        let n = req.session_name;
        if !(2..=64).contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b)) {
            return Err(AssumeError::Invalid(format!(
                "1 validation error detected: Value '{n}' at 'roleSessionName' failed to satisfy constraint: \
                 Member must satisfy regular expression pattern: [\\w+=,.@-]* and length 2-64"
            )));
        }
        let chained = matches!(caller, Principal::Session(_));
        let role = self.roles.iter().find(|r| r.account == account && r.name == name);
        let max = role.and_then(|r| r.max_session_secs).unwrap_or(DEFAULT_MAX_SESSION_SECS);
        if let Some(d) = req.duration_secs {
            if !DURATION_RANGE.contains(&d) {
                return Err(AssumeError::Invalid(format!(
                    "1 validation error detected: Value '{d}' at 'durationSeconds' failed to satisfy constraint: \
                     Member must have value between 900 and 43200"
                )));
            }
            if chained && d > CHAINED_MAX_SECS {
                return Err(AssumeError::Invalid(
                    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role \
                     chaining."
                        .into(),
                ));
            }
            if role.is_some() && d > max {
                return Err(AssumeError::Invalid(
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.".into(),
                ));
            }
        }
        let denied = || {
            AssumeError::Denied(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                caller.arn(),
                req.role_arn
            ))
        };
        let role = role.ok_or_else(denied)?;
        let trusted = role.trusted_accounts.iter().any(|a| a == caller.account())
            || matches!(caller, Principal::Key { akid, .. } if role.trusted_access_keys.contains(akid));
        let active = self
            .organization
            .as_ref()
            .and_then(|o| o.accounts.iter().find(|a| a.id == account))
            .is_none_or(|a| a.status == "ACTIVE");
        // An ExternalId that the role does not require is ignored, as a trust policy that does not test it.
        let external_ok = role.external_id.as_deref().is_none_or(|x| req.external_id == Some(x));
        if !trusted || !active || !external_ok {
            return Err(denied());
        }
        let secs = req.duration_secs.unwrap_or(if chained {
            self.session_ttl_secs.min(CHAINED_MAX_SECS)
        } else {
            self.session_ttl_secs
        });
        let akid = format!("{SESSION_PREFIX}{}", random_upper(16));
        let secret = random_secret(40);
        let session = Session {
            account: account.to_string(),
            role: name.to_string(),
            session_name: n.to_string(),
            role_id: format!("AROA{}", role_id_suffix(&role.arn())),
            token: format!("FwoGZXIvYXdzE{}", random_secret(120)),
            expires_ms: now_ms + secs * 1000,
        };
        self.sessions.lock().unwrap_or_else(|e| e.into_inner()).insert(akid.clone(), session.clone());
        Ok((session, akid, secret))
    }
}

/// A stable 17-character role id suffix derived from the role ARN (AWS's role ids are stable per role).
fn role_id_suffix(arn: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(arn.as_bytes());
    h.iter().take(17).map(|b| b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(*b % 32) as usize] as char).collect()
}

/// `(account, role name)` of `arn:aws:iam::<12 digits>:role/<name>` (a path before the name is kept out).
fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, res) = rest.split_once(':')?;
    let path = res.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()).then_some((account, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org_seed::ORG_ROLE as ORG;
    use crate::org_seed::{generate_org, member_id};
    use crate::seed::GenSpec;

    fn identity() -> Identity {
        let mut seed = generate_org(2, &GenSpec { projects: 0, ..GenSpec::default() });
        seed.roles.push(SeedRole {
            account: member_id(1),
            name: "Ext".into(),
            trusted_access_keys: vec!["AKIAOTHER".into()],
            external_id: Some("x-1".into()),
            max_session_secs: Some(7200),
            ..SeedRole::default()
        });
        seed.organization.as_mut().unwrap().accounts[2].status = "SUSPENDED".into();
        seed.disabled_regions.insert(member_id(1), vec!["ap-east-1".into()]);
        seed.access_keys.insert("AKIAOTHER".into(), AccessKey { account: "210987654321".into(), deny: vec![] });
        Identity::new(&seed, "123456789012".into(), 600)
    }

    fn key(id: &Identity, akid: &str) -> Principal {
        id.authenticate(akid, None, None, 0).unwrap()
    }

    #[test]
    fn assume_role_decisions() {
        let id = identity();
        let mgmt = key(&id, "AKIDTEST");
        let other = key(&id, "AKIAOTHER");
        let (session, akid, _) = id
            .assume_role(
                &mgmt,
                &AssumeRequest {
                    role_arn: "arn:aws:iam::100000000001:role/OrganizationAccountAccessRole",
                    session_name: "s1",
                    external_id: None,
                    duration_secs: None,
                },
                0,
            )
            .unwrap();
        let chained = id.authenticate(&akid, Some(&session.token), None, 0).unwrap();
        let role = |a: usize, n: &str| format!("arn:aws:iam::{}:role/{n}", member_id(a));
        type Case<'a> = (&'a Principal, String, &'a str, Option<&'a str>, Option<u64>, Result<u64, &'a str>);
        let cases: Vec<Case<'_>> = vec![
            (&mgmt, role(1, ORG), "ok", None, None, Ok(600)),
            (&mgmt, role(1, ORG), "ok", None, Some(900), Ok(900)),
            (&mgmt, role(1, ORG), "ok", None, Some(3601), Err("MaxSessionDuration")),
            (&mgmt, role(1, ORG), "ok", None, Some(899), Err("between 900 and 43200")),
            (&mgmt, role(1, ORG), "o", None, None, Err("roleSessionName")),
            (&mgmt, "arn:aws:iam::1:role/x".into(), "ok", None, None, Err("not a valid role ARN")),
            (&mgmt, role(2, ORG), "ok", None, None, Err("not authorized")),
            (&mgmt, role(1, "Nope"), "ok", None, None, Err("not authorized")),
            (&other, role(1, ORG), "ok", None, None, Err("not authorized")),
            (&other, role(1, "Ext"), "ok", None, None, Err("not authorized")),
            (&other, role(1, "Ext"), "ok", Some("x-2"), None, Err("not authorized")),
            (&other, role(1, "Ext"), "ok", Some("x-1"), Some(7200), Ok(7200)),
            (&mgmt, role(1, ORG), "ok", Some("ignored"), None, Ok(600)),
            (&chained, role(1, ORG), "ok", None, None, Err("not authorized")),
        ];
        for (i, (caller, arn, name, ext, dur, want)) in cases.into_iter().enumerate() {
            let req = AssumeRequest { role_arn: &arn, session_name: name, external_id: ext, duration_secs: dur };
            match (id.assume_role(caller, &req, 1000), want) {
                (Ok((s, akid, _)), Ok(secs)) => {
                    assert_eq!(s.expires_ms, 1000 + secs * 1000, "case {i}");
                    assert!(akid.starts_with("ASIA") && akid.len() == 20, "case {i}");
                }
                (Err(AssumeError::Denied(m) | AssumeError::Invalid(m)), Err(w)) => {
                    assert!(m.contains(w), "case {i}: {m:?} should contain {w:?}")
                }
                (got, want) => panic!("case {i}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn sessions_expire_and_unknown_keys_and_disabled_regions_are_refused() {
        let id = identity();
        let mgmt = key(&id, "AKIDTEST");
        let arn = format!("arn:aws:iam::{}:role/{ORG}", member_id(1));
        let req = AssumeRequest { role_arn: &arn, session_name: "s1", external_id: None, duration_secs: Some(900) };
        let (s, akid, _) = id.assume_role(&mgmt, &req, 0).unwrap();
        let auth = |k: &str, t: Option<&str>, r: Option<&str>, now: u64| id.authenticate(k, t, r, now).map(|p| p.arn());
        assert_eq!(auth(&akid, Some(&s.token), Some("us-east-1"), 899_999), Ok(s.arn()));
        assert_eq!(auth(&akid, Some(&s.token), None, 900_000), Err(AuthError::Expired));
        assert_eq!(auth(&akid, Some("other"), None, 0), Err(AuthError::Unknown));
        assert_eq!(auth(&akid, None, None, 0), Err(AuthError::Unknown));
        assert_eq!(auth("ASIANEVERISSUED0000", Some("t"), None, 0), Err(AuthError::Unknown));
        assert_eq!(auth(&akid, Some(&s.token), Some("ap-east-1"), 0), Err(AuthError::RegionDisabled));
        assert!(auth("AKIDTEST", None, Some("ap-east-1"), u64::MAX).is_ok(), "long-term keys never expire");
        // Chained: capped at one hour, and the default TTL too.
        let chained = id.authenticate(&akid, Some(&s.token), None, 0).unwrap();
        let ext = format!("arn:aws:iam::{}:role/Ext", member_id(1));
        let long =
            AssumeRequest { role_arn: &ext, session_name: "s2", external_id: Some("x-1"), duration_secs: Some(3601) };
        assert!(
            matches!(id.assume_role(&chained, &long, 0), Err(AssumeError::Invalid(m)) if m.contains("role chaining"))
        );
    }
}
