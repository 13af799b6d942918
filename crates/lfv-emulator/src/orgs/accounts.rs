//! Organizations' ListAccounts: only the management account may list (AccessDeniedException, 400); an account
//! in no organisation gets AWSOrganizationsNotInUseException (400); MaxResults outside 1-20 or a NextToken not
//! issued for this organisation is InvalidInputException (400). Pages hold MaxResults accounts (default 20,
//! CHOICE) in the seed's order; NextToken is absent on the last page.

use serde_json::{Value, json};

use super::protocol::{OrgError, invalid};
use crate::identity::Principal;
use crate::paging;
use crate::shared::Shared;
use crate::wire;

/// Accounts per ListAccounts page when MaxResults is absent: 20.
pub(crate) const DEFAULT_PAGE: usize = 20;
/// Organisation id in every account ARN.
const ORG_ID: &str = "o-lfvemulator";

/// ListAccounts' answer for `caller`, from the JSON request `body`.
pub(crate) fn list_accounts(shared: &Shared, caller: &Principal, body: &[u8]) -> Result<Value, OrgError> {
    let not_in_use = || {
        OrgError(
            400,
            "AWSOrganizationsNotInUseException",
            "Your account is not a member of an organization.".into(),
            None,
        )
    };
    let org = shared.identity.organization.as_ref().ok_or_else(not_in_use)?;
    if !org.accounts.iter().any(|a| a.id == caller.account()) {
        return Err(not_in_use());
    }
    if org.management_account != caller.account() {
        return Err(OrgError(
            400,
            "AccessDeniedException",
            "You don't have permissions to access this resource.".into(),
            None,
        ));
    }
    let input = wire::json_object(body).map_err(|_| invalid("The request body is not valid JSON.", None))?;
    let max = match input.get("MaxResults") {
        None | Some(Value::Null) => DEFAULT_PAGE,
        Some(v) => match v.as_i64() {
            Some(n) if (1..=20).contains(&n) => n as usize,
            Some(n) if n < 1 => return Err(invalid("MaxResults must be at least 1.", Some("MIN_VALUE_EXCEEDED"))),
            _ => return Err(invalid("MaxResults must be at most 20.", Some("MAX_VALUE_EXCEEDED"))),
        },
    };
    let scope = format!("ListAccounts/{}", org.management_account);
    let bad_token = || invalid("The NextToken was not issued for this request.", Some("INVALID_PAGINATION_TOKEN"));
    let token = input.get("NextToken").and_then(Value::as_str);
    let start = match paging::decode(&scope, token).map_err(|_| bad_token())? {
        None => 0,
        Some(k) => k.parse::<usize>().map_err(|_| bad_token())?,
    };
    let end = (start + max).min(org.accounts.len());
    let accounts: Vec<Value> = org.accounts[start.min(end)..end]
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({
                "Id": a.id,
                "Arn": format!("arn:aws:organizations::{}:account/{ORG_ID}/{}", org.management_account, a.id),
                "Email": a.email,
                "Name": a.name,
                // CHOICE: `State` only; Organizations retired `Status` on 2026-09-09 (the service model's note).
                "State": a.status,
                "JoinedMethod": if a.id == org.management_account { "CREATED" } else { "INVITED" },
                "JoinedTimestamp": 1_600_000_000 + 86_400 * (start + i) as i64,
            })
        })
        .collect();
    let mut v = json!({ "Accounts": accounts });
    if end < org.accounts.len() {
        v["NextToken"] = json!(paging::encode(&scope, &end.to_string()));
    }
    Ok(v)
}
