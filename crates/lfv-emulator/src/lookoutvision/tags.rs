//! Tagging: ListTagsForResource, TagResource and UntagResource on project and model ARNs (`/tags/{arn}`, the ARN
//! one percent-encoded path segment).
//!
//! Validation as the service model says: ResourceArn 1-1011 and a Lookout for Vision project or model ARN;
//! TagResource's `Tags` required, at most 200, keys 1-128 and values 0-256 of `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`;
//! UntagResource's `tagKeys` (repeated query parameter) at most 200 keys of the same pattern. CHOICES: a key may
//! appear once per TagResource call, and keys starting `aws:` are reserved (both ValidationException); more than
//! [`MAX_TAGS`] (50) tags on one resource after the call is ServiceQuotaExceededException (402, QuotaCode
//! `L-LFV-TAGS`); project ARNs are taggable like model ARNs; an ARN of another account or region, a missing
//! project or model: ResourceNotFoundException with the ARN as ResourceId. TagResource and UntagResource answer
//! 200 `{}`; untagging a key that is not there is no error.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::models::resolve_version;
use super::mutate::{live, mutate};
use super::queries::{self, with_region};
use crate::request::{ApiRequest, label};
use crate::seed::model::{MAX_TAGS, tag_ok};
use crate::shared::Shared;
use crate::state::RegionState;
use crate::validate;
use crate::wire::{self, ApiError, Reply, ResourceType};

/// Most tags or tag keys in one TagResource or UntagResource request: 200.
const MAX_PER_REQUEST: usize = 200;

/// A parsed tag ARN: project name and, for a model, its version label.
struct Target<'a> {
    arn: &'a str,
    name: &'a str,
    version: Option<&'a str>,
}

impl Target<'_> {
    fn not_found(&self) -> ApiError {
        let rt = if self.version.is_some() { ResourceType::Model } else { ResourceType::Project };
        ApiError::not_found(rt, self.arn)
    }

    /// The tags of the target in a region, or 404.
    fn tags_mut<'r>(&self, rg: &'r mut RegionState) -> Result<&'r mut BTreeMap<String, String>, ApiError> {
        let p = live(rg, self.name).map_err(|_| self.not_found())?;
        match self.version {
            None => Ok(&mut p.tags),
            Some(v) => {
                let v = resolve_version(p, v).ok_or_else(|| self.not_found())?;
                p.models.get_mut(&v).map(|m| &mut m.info.tags).ok_or_else(|| self.not_found())
            }
        }
    }
}

/// Parse and check the ARN label: 400 if it is not a project or model ARN, 404 if it names another account or
/// region.
fn target(r: &ApiRequest) -> Result<Target<'_>, ApiError> {
    let arn = label(r, 0);
    let invalid = || ApiError::Validation(format!("The ARN {arn} is not a Lookout for Vision project or model ARN."));
    if arn.is_empty() || arn.len() > 1011 {
        return Err(invalid());
    }
    let rest = arn.strip_prefix("arn:aws:lookoutvision:").ok_or_else(invalid)?;
    let mut parts = rest.splitn(3, ':');
    let (Some(region), Some(account), Some(resource)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let (name, version) = if let Some(n) = resource.strip_prefix("project/") {
        (n, None)
    } else if let Some(m) = resource.strip_prefix("model/") {
        let (n, v) = m.rsplit_once('/').ok_or_else(invalid)?;
        validate::check_model_version(v, false).map_err(|_| invalid())?;
        (n, Some(v))
    } else {
        return Err(invalid());
    };
    if !validate::valid_project_name(name) {
        return Err(invalid());
    }
    let t = Target { arn, name, version };
    if account != r.account || region != r.region {
        return Err(t.not_found());
    }
    Ok(t)
}

fn bad_tag(what: &str, v: &str, want: &str) -> ApiError {
    ApiError::Validation(format!(
        "1 validation error detected: Value '{v}' at '{what}' failed to satisfy constraint: {want}"
    ))
}

const TAG_PATTERN: &str = r"Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$";

/// Check one tag key: 1-128 of the pattern, not `aws:`-prefixed.
fn check_key(k: &str) -> Result<(), ApiError> {
    if !tag_ok(k, 1, 128) {
        return Err(bad_tag("tags.member.key", k, &format!("length 1-128; {TAG_PATTERN}")));
    }
    if k.to_ascii_lowercase().starts_with("aws:") {
        return Err(ApiError::Validation(format!("Tag keys starting with aws: are reserved: {k}.")));
    }
    Ok(())
}

pub(crate) fn list_tags(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let t = target(r)?;
    with_region(s, r, |rg| {
        let p = queries::live(rg, t.name).map_err(|_| t.not_found())?;
        let tags = match t.version {
            None => &p.tags,
            Some(v) => {
                let v = resolve_version(p, v).ok_or_else(|| t.not_found())?;
                &p.models.get(&v).ok_or_else(|| t.not_found())?.info.tags
            }
        };
        let tags: Vec<Value> = tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect();
        Ok(Reply::json(200, &json!({ "Tags": tags })))
    })
}

/// The `Tags` member of a TagResource body, checked.
fn tags_member(body: &[u8]) -> Result<BTreeMap<String, String>, ApiError> {
    let body = wire::json_object(body)?;
    let list = match body.get("Tags") {
        Some(Value::Array(l)) => l,
        Some(_) => return Err(ApiError::Validation("Tags must be a list of {Key, Value}.".into())),
        None => return Err(ApiError::Validation("1 validation error detected: Tags is required.".into())),
    };
    if list.len() > MAX_PER_REQUEST {
        return Err(ApiError::Validation(format!(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length \
             less than or equal to {MAX_PER_REQUEST}"
        )));
    }
    let mut out = BTreeMap::new();
    for t in list {
        let (Some(k), Some(v)) = (t.get("Key").and_then(Value::as_str), t.get("Value").and_then(Value::as_str)) else {
            return Err(ApiError::Validation("Each tag needs a string Key and a string Value.".into()));
        };
        check_key(k)?;
        if !tag_ok(v, 0, 256) {
            return Err(bad_tag("tags.member.value", v, &format!("length 0-256; {TAG_PATTERN}")));
        }
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(ApiError::Validation(format!("The tag key {k} appears more than once.")));
        }
    }
    Ok(out)
}

pub(crate) fn tag_resource(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let t = target(r)?;
    let new = tags_member(&r.body)?;
    let rt = if t.version.is_some() { ResourceType::Model } else { ResourceType::Project };
    let fingerprint = serde_json::to_string(&new).unwrap_or_default();
    mutate(s, r, (rt, t.arn), fingerprint, |m| {
        let tags = t.tags_mut(m.region)?;
        let total = tags.keys().chain(new.keys().filter(|k| !tags.contains_key(*k))).count();
        if total > MAX_TAGS {
            return Err(ApiError::QuotaExceeded(
                format!("The resource {} would have {total} tags; at most {MAX_TAGS} are allowed.", t.arn),
                wire::TAGS_QUOTA_CODE,
                t.arn.to_string(),
                rt,
            ));
        }
        tags.extend(new.clone());
        m.stats.mutations.tags_added += new.len() as u64;
        Ok(Reply::json(200, &json!({})))
    })
}

pub(crate) fn untag_resource(s: &Shared, r: &ApiRequest) -> Result<Reply, ApiError> {
    let t = target(r)?;
    let keys: Vec<&str> = r.query.iter().filter(|(k, _)| k == "tagKeys").map(|(_, v)| v.as_str()).collect();
    if keys.len() > MAX_PER_REQUEST {
        return Err(ApiError::Validation(format!(
            "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length \
             less than or equal to {MAX_PER_REQUEST}"
        )));
    }
    if let Some(k) = keys.iter().find(|k| !tag_ok(k, 1, 128)) {
        return Err(bad_tag("tagKeys", k, &format!("length 1-128; {TAG_PATTERN}")));
    }
    let rt = if t.version.is_some() { ResourceType::Model } else { ResourceType::Project };
    mutate(s, r, (rt, t.arn), keys.join("\n"), |m| {
        let tags = t.tags_mut(m.region)?;
        let removed = keys.iter().filter(|k| tags.remove(**k).is_some()).count();
        m.stats.mutations.tags_removed += removed as u64;
        Ok(Reply::json(200, &json!({})))
    })
}
