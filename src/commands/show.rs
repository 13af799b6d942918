//! `show`: a plan, validated, for a reviewer. Every figure is recomputed from the plan's items and skipped
//! entries ([`Facts`]), then written as text or JSON.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::out;
use crate::cli::{ShowArgs, TextFormat};
use crate::error::{ExitCode, Result};
use crate::escape::escape as e;
use crate::plan::counts::{Counts, counts, datasets_only, per_kind};
use crate::plan::validate::digested_members;
use crate::plan::{DatasetType, Item, Kind, Plan, Target};
use crate::reach::unreachable_line;
use crate::report::about::{self, About};

/// Run `show`.
pub(crate) fn show(args: ShowArgs) -> Result<ExitCode> {
    let plan = Plan::load(&args.plan)?;
    let started = chrono::Utc::now();
    let facts = Facts::of(&plan);
    match args.format {
        TextFormat::Json => {
            let doc = json_of(&facts, args.items, About::new(about::SHOW, started));
            super::out_json(&format!("{}\n", serde_json::to_string_pretty(&doc).expect("json")))
        }
        TextFormat::Text => out(&text_of(&facts, args.items)),
    }
    Ok(ExitCode::Ok)
}

/// What `show` says of a plan, counted from its items.
struct Facts<'a> {
    plan: &'a Plan,
    counts: Counts,
    /// Only `delete_dataset` items: counts speak of datasets and their types, not kinds.
    datasets: bool,
    /// Per target: items by what they act on ([`what`]).
    by_target: BTreeMap<usize, BTreeMap<&'a str, usize>>,
    /// Per target: items by kind.
    kinds_by_target: BTreeMap<usize, BTreeMap<Kind, usize>>,
    /// Items by status at planning; a project has none (its delete_project item's is empty) and is not counted.
    by_status: BTreeMap<&'a str, usize>,
    /// Oldest and newest dataset: of the delete_dataset items (a model's or project's date is not a dataset's).
    oldest: Option<&'a Item>,
    newest: Option<&'a Item>,
}

impl<'a> Facts<'a> {
    fn of(plan: &'a Plan) -> Self {
        let counts = counts(plan);
        let datasets = datasets_only(&counts.items_by_kind);
        let (mut by_target, mut kinds_by_target, mut by_status) = (
            BTreeMap::<usize, BTreeMap<&str, usize>>::new(),
            BTreeMap::<usize, BTreeMap<Kind, usize>>::new(),
            BTreeMap::new(),
        );
        for i in &plan.items {
            *by_target.entry(i.target).or_default().entry(what(i)).or_default() += 1;
            *kinds_by_target.entry(i.target).or_default().entry(i.kind).or_default() += 1;
            if !i.status.is_empty() {
                *by_status.entry(i.status.as_str()).or_default() += 1;
            }
        }
        let dated = plan.items.iter().filter(|i| i.created.is_some() && i.kind == Kind::DeleteDataset);
        let oldest = dated.clone().min_by_key(|i| i.created);
        let newest = dated.max_by_key(|i| i.created);
        Facts { plan, counts, datasets, by_target, kinds_by_target, by_status, oldest, newest }
    }
}

/// `show --format json`.
/// `show --format json`: `about` (the document's own format and build), then the plan's facts (the plan's
/// format and build as `plan_format` and `plan_tool_version`).
fn json_of(f: &Facts<'_>, first: usize, about: About) -> Value {
    let (plan, counts) = (f.plan, &f.counts);
    let (covered, not_covered) = digested_members(plan);
    let targets: Vec<_> = plan
        .targets
        .iter()
        .enumerate()
        .map(|(n, t)| {
            json!({"account": t.account, "region": t.region, "profile": t.profile,
                   "role_arn": t.role_arn, "external_id": t.external_id, "identity": t.identity,
                   "endpoint_url": t.endpoint_url, "items_by_type": f.by_target.get(&n).cloned().unwrap_or_default()})
        })
        .collect();
    let dated = |i: &Item| json!({"seq": i.seq, "created": i.created, "project": i.project, "kind": i.kind, "resource": i.resource});
    json!({
        "format": about.format, "tool_version": about.tool_version, "started_at": about.started_at,
        "finished_at": about.finished_at, "exit_code": 0,
        "plan_id": plan.plan_id, "plan_format": plan.format, "created_at": plan.created_at,
        "plan_tool_version": plan.tool_version, "digest": plan.digest, "valid": true,
        "digest_covers": covered, "not_digested": not_covered, "unreachable": plan.unreachable,
        "items": counts.items, "projects": counts.projects_planned,
        "projects_seen": plan.summary.projects_seen,
        "targets": targets, "items_by_kind": counts.items_by_kind,
        "items_by_type": counts.items_by_type, "items_by_status": f.by_status,
        "oldest": f.oldest.map(dated),
        "newest": f.newest.map(dated),
        "skipped_by_reason": counts.skipped_by_reason,
        "first_items": plan.items.iter().take(first).collect::<Vec<_>>(),
    })
}

/// `show` as text: the header, the targets, the counts, the first `first` items.
fn text_of(f: &Facts<'_>, first: usize) -> String {
    let (plan, counts) = (f.plan, &f.counts);
    let mut s = format!(
        "plan {} ({}), created {} by lfv-sunset {}\n",
        e(&plan.plan_id),
        e(&plan.format),
        plan.created_at.to_rfc3339(),
        e(&plan.tool_version),
    );
    if !plan.unreachable.is_empty() {
        s.push_str(&format!(
            "UNREACHABLE: {} targets could not be reached and are NOT in this plan:\n",
            plan.unreachable.len()
        ));
        for u in &plan.unreachable {
            s.push_str(&format!("  {}\n", e(&unreachable_line(u))));
        }
    }
    s.push_str(&coverage_lines(plan));
    let headline = if f.datasets {
        format!("{} datasets", counts.items)
    } else {
        format!("{} items ({})", counts.items, per_kind(&counts.items_by_kind, |_| None))
    };
    s.push_str(&format!(
        "{headline} in {} projects; {} projects seen\n\ntargets:\n",
        counts.projects_planned, plan.summary.projects_seen
    ));
    for (n, t) in plan.targets.iter().enumerate() {
        s.push_str(&target_line(f, n, t));
    }
    s.push_str(&count_lines(f));
    if !plan.items.is_empty() {
        s.push_str(&first_items(plan, first));
    }
    s
}

/// A target's line: who and where, and what the plan holds there.
fn target_line(f: &Facts<'_>, n: usize, t: &Target) -> String {
    let c: Vec<String> = if f.datasets {
        let counts = f.by_target.get(&n).cloned().unwrap_or_default();
        counts.iter().map(|(k, v)| format!("{v} {}", e(k))).collect()
    } else {
        f.kinds_by_target.get(&n).map(|k| per_kind(k, |_| None)).into_iter().collect()
    };
    format!(
        "  account {} region {}{}{}{}: {}\n",
        e(t.account.as_deref().or(t.identity.as_ref().map(|i| i.account.as_str())).unwrap_or("(no projects)")),
        e(&t.region),
        t.role_arn.as_ref().map(|r| format!(" via role {}", e(r))).unwrap_or_default(),
        t.profile.as_ref().map(|p| format!(" profile {}", e(p))).unwrap_or_default(),
        t.endpoint_url.as_ref().map(|u| format!(" endpoint {}", e(u))).unwrap_or_default(),
        if c.is_empty() { "nothing".into() } else { c.join(", ") }
    )
}

/// By kind, by dataset type, by status, the oldest and newest dataset, what was skipped.
fn count_lines(f: &Facts<'_>) -> String {
    fn kv<K: std::fmt::Display>(m: &BTreeMap<K, usize>) -> String {
        m.iter().map(|(k, v)| format!("{} {v}", e(&k.to_string()))).collect::<Vec<_>>().join(", ")
    }
    let counts = &f.counts;
    // DatasetType sorts as its spelling does (test before train).
    let types = &counts.items_by_type;
    let mut s = format!("\nby kind: {}\n", per_kind(&counts.items_by_kind, |_| None));
    s.push_str(&format!("by dataset type: {}\n", if types.is_empty() { "none".into() } else { kv(types) }));
    let st: Vec<String> = f.by_status.iter().map(|(k, v)| format!("{} {v}", e(k))).collect();
    s.push_str(&format!("by status at planning: {}\n", st.join(", ")));
    if let (Some(o), Some(n)) = (f.oldest, f.newest) {
        s.push_str(&format!("oldest dataset: {}\nnewest dataset: {}\n", dated(o), dated(n)));
    }
    s.push_str(&format!(
        "skipped: {}\n",
        if f.plan.skipped.is_empty() { "none".into() } else { kv(&counts.skipped_by_reason) }
    ));
    s
}

/// A dated item for the oldest/newest lines.
fn dated(i: &Item) -> String {
    format!(
        "{} {}/{}/{}",
        i.created.map(|t| t.to_rfc3339()).unwrap_or_default(),
        e(&i.region),
        e(&i.project),
        e(&i.resource)
    )
}

/// The table of the first `first` items.
fn first_items(plan: &Plan, first: usize) -> String {
    let row = |seq: &dyn std::fmt::Display, cols: [&str; 6]| {
        format!(
            "  {:>5}  {:<12}  {:<14}  {:<40}  {:<5}  {:<20}  {}\n",
            seq, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]
        )
    };
    let mut s = format!("\nfirst {} items:\n", first.min(plan.items.len()));
    s.push_str(&row(&"seq", ["account", "region", "project", "type", "status", "client_token"]));
    for i in plan.items.iter().take(first) {
        let (account, region, project) = (e(&i.account), e(&i.region), e(&i.project));
        let (status, token) = (e(&i.status), e(&i.client_token));
        s.push_str(&row(&i.seq, [&account, &region, &project, what(i), &status, &token]));
    }
    s
}

/// The digest line and the plain statement of what it does not cover.
fn coverage_lines(plan: &Plan) -> String {
    let (covered, not_covered) = digested_members(plan);
    let format = if crate::plan::v1::is_v1(plan) { "format 1" } else { "format 2" };
    format!(
        "digest {} (verified): covers {}\nnot covered by the digest ({format}): {}; checked instead: summary agrees \
         with the items and skipped entries, created_at is not in the future\nevery count below is recomputed from \
         the items and skipped entries, except projects seen (summary.projects_seen)\n",
        e(&plan.digest),
        covered.join(", "),
        not_covered.join(", ")
    )
}

/// What an item acts on, in one word: its dataset type for `delete_dataset`, else its kind.
fn what(i: &Item) -> &'static str {
    i.dataset_type().map_or(i.kind.as_str(), DatasetType::as_str)
}
