//! The one ARN parser: `arn:<partition>:<service>:<region>:<account>:<resource>` split into its fields, and
//! the three readings the tool makes of one (any Lookout for Vision ARN's account and region, a project ARN,
//! an IAM role ARN). It must not print, look anything up or know the plan's types.
//!
//! The readings differ on purpose in how strict they are, because each keeps the answers of the check it
//! replaced: [`lookoutvision_account_region`] (a service's own answer) accepts any partition and resource;
//! [`project`] (a plan's `project_arn`) wants the partition to be `aws` followed by lowercase letters and
//! `-`; [`role`] (a plan's or a flag's `role_arn`) wants the partition to start with `aws` and a 12-digit
//! account.

use lfv_fs::names::is_account;

/// The fields of an ARN, split at its first five `:` (the resource may hold more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...; not checked here.
    pub partition: &'a str,
    /// `lookoutvision`, `iam`, `s3`, ...
    pub service: &'a str,
    /// Empty for global services (IAM, S3 buckets).
    pub region: &'a str,
    /// Empty for S3 buckets.
    pub account: &'a str,
    /// Everything after the fifth `:`; `None` when the ARN stops after its account.
    pub resource: Option<&'a str>,
}

/// Split `arn` into its fields: `None` unless it starts with `arn:` and has at least five fields.
pub fn split(arn: &str) -> Option<Arn<'_>> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let (partition, service, region, account) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    Some(Arn { partition, service, region, account, resource: parts.next() })
}

/// The (account, region) of any Lookout for Vision ARN (`arn:aws:lookoutvision:{region}:{account}:...`, a
/// project's or a model's): `None` unless the service is `lookoutvision` and both fields are non-empty. The
/// partition and the resource are not checked.
pub fn lookoutvision_account_region(arn: &str) -> Option<(&str, &str)> {
    let a = split(arn)?;
    (a.service == "lookoutvision" && !a.region.is_empty() && !a.account.is_empty()).then_some((a.account, a.region))
}

/// A project ARN's fields (see [`project`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectArn<'a> {
    /// `aws` followed by lowercase letters and `-`.
    pub partition: &'a str,
    /// As written; not checked here.
    pub region: &'a str,
    /// As written; not checked here.
    pub account: &'a str,
    /// Everything after `project/`.
    pub name: &'a str,
}

/// `arn:<partition>:lookoutvision:<region>:<account>:project/<name>`, with the partition `aws` followed by
/// lowercase ASCII letters and `-` only; region, account and name are returned as written.
pub fn project(arn: &str) -> Option<ProjectArn<'_>> {
    let a = split(arn)?;
    let name = a.resource?.strip_prefix("project/")?;
    let partition_ok =
        a.partition.strip_prefix("aws").is_some_and(|p| p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
    (partition_ok && a.service == "lookoutvision").then_some(ProjectArn {
        partition: a.partition,
        region: a.region,
        account: a.account,
        name,
    })
}

/// An IAM role ARN's fields (see [`role`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleArn<'a> {
    /// 12 digits.
    pub account: &'a str,
    /// Everything after `role/`: the role's path and name.
    pub path_name: &'a str,
    /// The last `/`-separated part of `path_name`, non-empty.
    pub name: &'a str,
}

/// `arn:<partition>:iam::<12 digits>:role/<path/>name`: the partition starts with `aws`, the region is
/// empty and the name (after the last `/`) is non-empty. The name's characters are not checked.
pub fn role(arn: &str) -> Option<RoleArn<'_>> {
    let a = split(arn)?;
    let path_name = a.resource?.strip_prefix("role/")?;
    let name = path_name.rsplit('/').next()?;
    let ok = a.partition.starts_with("aws")
        && a.service == "iam"
        && a.region.is_empty()
        && is_account(a.account)
        && !name.is_empty();
    ok.then_some(RoleArn { account: a.account, path_name, name })
}

/// The account of an IAM role ARN (see [`role`]), or `None` if it is not one.
pub fn role_account(arn: &str) -> Option<&str> {
    role(arn).map(|r| r.account)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "111122223333";

    #[test]
    fn split_table() {
        let arn = |partition, service, region, account, resource| Arn { partition, service, region, account, resource };
        let cases: [(&str, Option<Arn>); 8] = [
            ("arn:aws:s3:::bucket", Some(arn("aws", "s3", "", "", Some("bucket")))),
            ("arn:aws:lookoutvision:r:a:b:c:d", Some(arn("aws", "lookoutvision", "r", "a", Some("b:c:d")))),
            ("arn:aws:lookoutvision:r:a:", Some(arn("aws", "lookoutvision", "r", "a", Some("")))),
            ("arn:aws:lookoutvision:r:a", Some(arn("aws", "lookoutvision", "r", "a", None))),
            ("arn::::", Some(arn("", "", "", "", None))),
            ("arn:aws:lookoutvision:r", None),
            ("ARN:aws:lookoutvision:r:a:project/p", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(split(input), want, "{input:?}");
        }
    }

    /// The answers of the tool's former `cloud::arn_account_region`.
    #[test]
    fn lookoutvision_account_region_table() {
        let cases = [
            ("arn:aws:lookoutvision:eu-west-1:111122223333:project/a-b", Some((A, "eu-west-1"))),
            ("arn:aws:lookoutvision:us-east-1:111122223333:model/p/1", Some((A, "us-east-1"))),
            ("arn:aws-cn:lookoutvision:cn-north-1:111122223333:project/p", Some((A, "cn-north-1"))),
            ("arn:anything:lookoutvision:r:acct:project/p", Some(("acct", "r"))),
            ("arn:aws:lookoutvision:r:a", Some(("a", "r"))),
            ("arn::lookoutvision:r:a:x", Some(("a", "r"))),
            ("arn:aws:lookoutvision::111122223333:project/p", None),
            ("arn:aws:lookoutvision:us-east-1::project/p", None),
            ("arn:aws:lookoutvision:us-east-1", None),
            ("arn:aws:s3:::bucket", None),
            ("arn:aws:iam::111122223333:role/x", None),
            ("xarn:aws:lookoutvision:r:a:project/p", None),
            ("nonsense", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(lookoutvision_account_region(input), want, "{input:?}");
        }
    }

    /// The answers of the plan validation's former `parse_project_arn`.
    #[test]
    fn project_table() {
        let p = |partition, region, account, name| Some(ProjectArn { partition, region, account, name });
        let cases = [
            ("arn:aws:lookoutvision:us-east-1:111122223333:project/cap", p("aws", "us-east-1", A, "cap")),
            ("arn:aws-cn:lookoutvision:cn-north-1:111122223333:project/c", p("aws-cn", "cn-north-1", A, "c")),
            ("arn:aws-us-gov:lookoutvision:r:a:project/", p("aws-us-gov", "r", "a", "")),
            ("arn:aws:lookoutvision:::project/a:b/c", p("aws", "", "", "a:b/c")),
            ("arn:awsx:lookoutvision:r:a:project/p", p("awsx", "r", "a", "p")),
            ("arn:aws-CN:lookoutvision:r:a:project/p", None),
            ("arn:aws1:lookoutvision:r:a:project/p", None),
            ("arn:aw:lookoutvision:r:a:project/p", None),
            ("arn::lookoutvision:r:a:project/p", None),
            ("arn:aws:s3:us-east-1:111122223333:project/cap", None),
            ("arn:aws:lookoutvision:us-east-1:111122223333:model/cap/1", None),
            ("arn:aws:lookoutvision:us-east-1:111122223333:Project/cap", None),
            ("arn:aws:lookoutvision:us-east-1:111122223333", None),
            ("arm:aws:lookoutvision:us-east-1:111122223333:project/cap", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(project(input), want, "{input:?}");
        }
    }

    /// The answers of the plan validation's former `role_account`, and the name the `--role-arn-template`
    /// check reads.
    #[test]
    fn role_table() {
        let cases = [
            (
                "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole",
                Some(("OrganizationAccountAccessRole", "OrganizationAccountAccessRole")),
            ),
            ("arn:aws-cn:iam::111122223333:role/p/q/Name", Some(("p/q/Name", "Name"))),
            ("arn:awsfoo:iam::111122223333:role/x:y", Some(("x:y", "x:y"))),
            ("arn:aws:iam::111122223333:role/", None),
            ("arn:aws:iam::111122223333:role/path/", None),
            ("arn:aws:iam::111122223333:user/x", None),
            ("arn:aws:iam::111122223333:Role/x", None),
            ("arn:aws:iam:us-east-1:111122223333:role/x", None),
            ("arn:aws:iam::11112222333:role/x", None),
            ("arn:aws:iam::11112222333a:role/x", None),
            ("arn:aws:sts::111122223333:role/x", None),
            ("arn:gov:iam::111122223333:role/x", None),
            ("arn:aws:iam::111122223333", None),
            ("arn:aws:s3:::bucket", None),
            ("", None),
        ];
        for (input, want) in cases {
            let got = role(input).map(|r| (r.path_name, r.name));
            assert_eq!(got, want, "{input:?}");
            assert_eq!(role_account(input), want.map(|_| A), "{input:?}");
        }
    }
}
