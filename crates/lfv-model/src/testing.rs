//! Fixtures for tests, here and in the crates above (feature `testing`, a dev-dependency only): one plan item
//! of any kind in project `project` of account 111122223333, us-east-1, target 0, token `lfv-token-{seq}`, no
//! creation time, status and `after`, and a target; tests of the consumers (reports, verify, confirmation)
//! override what they need with struct update syntax.

use crate::plan::{Identity, Item, Kind, Target};

/// The item `seq` of `kind` on `resource` in `project`.
pub fn item(seq: u64, project: &str, kind: Kind, resource: &str) -> Item {
    Item {
        seq,
        target: 0,
        account: "111122223333".into(),
        region: "us-east-1".into(),
        project: project.into(),
        project_arn: format!("arn:aws:lookoutvision:us-east-1:111122223333:project/{project}"),
        kind,
        resource: resource.into(),
        created: None,
        status: String::new(),
        client_token: format!("lfv-token-{seq}"),
        after: Vec::new(),
    }
}

/// A target in `us-east-1` with the given account and identity account (for tests).
pub fn target(account: Option<&str>, identity: Option<&str>) -> Target {
    Target {
        account: account.map(str::to_string),
        region: "us-east-1".into(),
        identity: identity.map(|a| Identity { account: a.to_string(), arn: format!("arn:aws:iam::{a}:user/x") }),
        ..Target::default()
    }
}
