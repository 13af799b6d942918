//! The digest of a plan under its format's rule (see `format.rs` for the rules).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::format::{FORMAT_V1, Item, Plan, Target, Unreachable, sha256_json};
use super::v1;

#[derive(Serialize)]
struct DigestInput<'a> {
    format: &'a str,
    plan_id: &'a str,
    created_at: &'a DateTime<Utc>,
    targets: &'a [Target],
    unreachable: &'a [Unreachable],
    items: &'a [Item],
}

/// The `sha256:<hex>` of a plan under its format's rule: format 2 over format, plan id, created_at, targets,
/// unreachable and items; format 1 over plan id, targets and items in their format 1 shape.
pub fn digest(plan: &Plan) -> String {
    if plan.format == FORMAT_V1 {
        return v1::digest(plan);
    }
    let input = DigestInput {
        format: &plan.format,
        plan_id: &plan.plan_id,
        created_at: &plan.created_at,
        targets: &plan.targets,
        unreachable: &plan.unreachable,
        items: &plan.items,
    };
    sha256_json(&input)
}
