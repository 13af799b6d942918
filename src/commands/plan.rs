//! `plan` and `show`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use super::out;
use crate::calls::Calls;
use crate::cli::{ConnectArgs, PlanArgs, SelectArgs, ShowArgs, SweepArgs, TableFormat};
use crate::cloud::{ClientOptions, Endpoint};
use crate::error::{Error, ExitCode, Result, RunFacts, exit_code};
use crate::escape::{escape as e, escape_lines};
use crate::exec::events::EventSink;
use crate::plan::counts::{counts, datasets_only, per_kind};
use crate::plan::filter::Filter;
use crate::plan::validate::digested_members;
use crate::plan::{DatasetType, Item, Kind, Plan, Scope, Selection, Unreachable};
use crate::planner::{PlanRequest, make_plan, new_plan_id};
use crate::reach::{Reach, reach, record_reach};
use crate::report::progress;
use crate::service::Pace;

/// The targets (reached and identified, see `reach`), the recorded selection and the compiled filter of
/// `plan`'s and `sweep`'s selection flags.
/// Roles are assumed for the plan `plan_id` (the default RoleSessionName derives from it). An identity that
/// cannot be resolved is exit 6, its message ending with `not_done`.
pub(crate) async fn selected(
    select: &SelectArgs,
    connect: &ConnectArgs,
    client: ClientOptions,
    plan_id: &str,
    not_done: &str,
    pace: &Arc<Pace>,
) -> Result<(Reach, Selection, Filter)> {
    let (before, after) = (select.created_before, select.created_after);
    let dataset_type = select.dataset_type.dataset_type();
    let scope = select.scope.scope();
    if scope == Scope::All && dataset_type.is_some() {
        return Err(Error::Usage(
            "--dataset-type cannot be combined with --scope all, which deletes every dataset of a selected project"
                .into(),
        ));
    }
    let filter = Filter::new(&select.include, &select.exclude, dataset_type, before, after)?;
    let base = crate::identity::endpoints(&select.profiles, &select.regions, &connect.endpoint_url).await?;
    // Who each target's credentials belong to, before the first call to it (recorded per target).
    let reach = reach(&select.targets, base, client, plan_id, pace).await.map_err(|e| match e {
        Error::Unreachable(m) => Error::Unreachable(format!("{m}; {not_done}")),
        other => other,
    })?;
    for n in &reach.notes {
        eprintln!("note: {}", escape_lines(n));
    }
    let selection = Selection {
        regions: select.regions.clone(),
        profiles: select.profiles.clone(),
        endpoint_url: connect.endpoint_url.clone(),
        include: select.include.clone(),
        exclude: select.exclude.clone(),
        scope,
        dataset_type: dataset_type.into(),
        created_before: before,
        created_after: after,
    };
    Ok((reach, selection, filter))
}

/// Exit 6 naming every unreachable target (printed on stderr), `what` saying what was not done.
pub(crate) fn refuse_unreachable(reach: &Reach, what: &str) -> Error {
    for u in &reach.unreachable {
        eprintln!("unreachable: {}", escape_lines(&unreachable_line(u)));
    }
    Error::Unreachable(format!(
        "{} targets cannot be reached; {what} (pass --allow-unreachable to go on without them, listed under \
         unreachable)",
        reach.unreachable.len()
    ))
}

/// The planner's request for `plan` and `sweep`: the selection, paced by `--rate`, `--concurrency`,
/// `--max-in-flight` and `--max-attempts`, at the command's `pace`.
pub(crate) fn plan_request(
    endpoints: Vec<Endpoint>,
    selection: Selection,
    filter: Filter,
    flags: &SweepArgs,
    calls: Calls,
    pace: Arc<Pace>,
) -> PlanRequest {
    PlanRequest {
        endpoints,
        selection,
        filter,
        concurrency: flags.concurrency,
        max_in_flight: flags.max_in_flight,
        client: calls.client,
        pace,
    }
}

pub(crate) async fn plan(args: PlanArgs) -> Result<ExitCode> {
    let calls = Calls::of_pace(&args.sweep, &args.connect);
    if !args.force && args.out.exists() {
        return Err(Error::Usage(format!("{} already exists; pass --force to replace it", args.out.display())));
    }
    lfv_fs::probe_file(&args.out)
        .map_err(|e| Error::Usage(format!("--out {}: cannot write there ({e})", args.out.display())))?;
    // The plan id first: roles are assumed under a session named after it.
    let plan_id = new_plan_id();
    let pace = calls.pace();
    let (reach, selection, filter) =
        selected(&args.select, &args.connect, calls.client, &plan_id, "no plan was written", &pace).await?;
    if !reach.unreachable.is_empty() && !args.select.targets.allow_unreachable {
        return Err(refuse_unreachable(&reach, "no plan was written"));
    }
    let req = plan_request(reach.endpoints.clone(), selection, filter, &args.sweep, calls, pace);
    let (events, rx) = EventSink::channel();
    let display = progress::spawn(rx);
    let result = make_plan(plan_id, req, events).await;
    let _ = display.await;
    let mut plan = result?;
    record_reach(&mut plan, &reach);
    plan.save(&args.out, args.force)?;
    let s = &plan.summary;
    let by_type: Vec<String> = s.items_by_type.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let skipped: Vec<String> = s.skipped_by_reason.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let what = if datasets_only(&s.items_by_kind) {
        format!("{} datasets ({})", s.items, if by_type.is_empty() { "none".into() } else { by_type.join(", ") })
    } else {
        format!("{} items ({})", s.items, per_kind(&s.items_by_kind, |_| None))
    };
    out(&escape_lines(&format!(
        "{}\nplan {}: {what} in {} projects, {} targets; {} projects seen; skipped: {}\n",
        args.out.display(),
        plan.plan_id,
        s.projects_planned,
        s.targets,
        s.projects_seen,
        if skipped.is_empty() { "none".into() } else { skipped.join(", ") }
    )));
    if !plan.unreachable.is_empty() {
        for u in &plan.unreachable {
            eprintln!("unreachable: {}", escape_lines(&unreachable_line(u)));
        }
        eprintln!("{} targets could not be reached; the plan lists them under unreachable", plan.unreachable.len());
    }
    Ok(exit_code(&RunFacts { unreachable: !plan.unreachable.is_empty(), ..RunFacts::default() }))
}

/// One unreachable target on one line: `account A region R (role ARN): ERROR: MESSAGE`.
fn unreachable_line(u: &Unreachable) -> String {
    format!(
        "account {} region {}{}: {}: {}",
        u.account,
        u.region,
        u.role_arn.as_ref().map(|r| format!(" (role {r})")).unwrap_or_default(),
        u.error,
        u.message
    )
}

/// The digest line and the plain statement of what it does not cover, for `show`.
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

pub(crate) fn show(args: ShowArgs) -> Result<ExitCode> {
    let plan = Plan::load(&args.plan)?;
    let counts = counts(&plan);
    let datasets = datasets_only(&counts.items_by_kind);
    let mut by_target: BTreeMap<usize, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut kinds_by_target: BTreeMap<usize, BTreeMap<Kind, usize>> = BTreeMap::new();
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &plan.items {
        *by_target.entry(i.target).or_default().entry(what(i)).or_default() += 1;
        *kinds_by_target.entry(i.target).or_default().entry(i.kind).or_default() += 1;
        // A project has no status at planning (its delete_project item's is empty): not counted.
        if !i.status.is_empty() {
            *by_status.entry(i.status.as_str()).or_default() += 1;
        }
    }
    // Oldest and newest dataset: of the delete_dataset items (a model's or project's date is not a dataset's).
    let dated = plan.items.iter().filter(|i| i.created.is_some() && i.kind == Kind::DeleteDataset);
    let oldest = dated.clone().min_by_key(|i| i.created);
    let newest = dated.max_by_key(|i| i.created);
    let label = |i: &Item| {
        format!(
            "{} {}/{}/{}",
            i.created.map(|t| t.to_rfc3339()).unwrap_or_default(),
            e(&i.region),
            e(&i.project),
            e(&i.resource)
        )
    };
    let (covered, not_covered) = digested_members(&plan);
    match args.format {
        TableFormat::Json => {
            let targets: Vec<_> = plan
                .targets
                .iter()
                .enumerate()
                .map(|(n, t)| {
                    json!({"account": t.account, "region": t.region, "profile": t.profile,
                           "role_arn": t.role_arn, "external_id": t.external_id, "identity": t.identity,
                           "endpoint_url": t.endpoint_url, "items_by_type": by_target.get(&n).cloned().unwrap_or_default()})
                })
                .collect();
            let v = json!({
                "plan_id": plan.plan_id, "format": plan.format, "created_at": plan.created_at,
                "tool_version": plan.tool_version, "digest": plan.digest, "valid": true,
                "digest_covers": covered, "not_digested": not_covered, "unreachable": plan.unreachable,
                "items": counts.items, "projects": counts.projects_planned,
                "projects_seen": plan.summary.projects_seen,
                "targets": targets, "items_by_kind": counts.items_by_kind,
                "items_by_type": counts.items_by_type, "items_by_status": by_status,
                "oldest": oldest.map(|i| json!({"seq": i.seq, "created": i.created, "project": i.project, "kind": i.kind, "resource": i.resource})),
                "newest": newest.map(|i| json!({"seq": i.seq, "created": i.created, "project": i.project, "kind": i.kind, "resource": i.resource})),
                "skipped_by_reason": counts.skipped_by_reason,
                "first_items": plan.items.iter().take(args.items).collect::<Vec<_>>(),
            });
            out(&format!("{}\n", serde_json::to_string_pretty(&v).expect("json")));
        }
        TableFormat::Table => {
            let mut s = String::new();
            s.push_str(&format!(
                "plan {} ({}), created {} by lfv-sunset {}\n",
                e(&plan.plan_id),
                e(&plan.format),
                plan.created_at.to_rfc3339(),
                e(&plan.tool_version),
            ));
            if !plan.unreachable.is_empty() {
                s.push_str(&format!(
                    "UNREACHABLE: {} targets could not be reached and are NOT in this plan:\n",
                    plan.unreachable.len()
                ));
                for u in &plan.unreachable {
                    s.push_str(&format!("  {}\n", e(&unreachable_line(u))));
                }
            }
            s.push_str(&coverage_lines(&plan));
            let headline = if datasets {
                format!("{} datasets", counts.items)
            } else {
                format!("{} items ({})", counts.items, per_kind(&counts.items_by_kind, |_| None))
            };
            s.push_str(&format!(
                "{headline} in {} projects; {} projects seen\n\ntargets:\n",
                counts.projects_planned, plan.summary.projects_seen
            ));
            for (n, t) in plan.targets.iter().enumerate() {
                let c: Vec<String> = if datasets {
                    let counts = by_target.get(&n).cloned().unwrap_or_default();
                    counts.iter().map(|(k, v)| format!("{v} {}", e(k))).collect()
                } else {
                    kinds_by_target.get(&n).map(|k| per_kind(k, |_| None)).into_iter().collect()
                };
                s.push_str(&format!(
                    "  account {} region {}{}{}{}: {}\n",
                    e(t.account
                        .as_deref()
                        .or(t.identity.as_ref().map(|i| i.account.as_str()))
                        .unwrap_or("(no projects)")),
                    e(&t.region),
                    t.role_arn.as_ref().map(|r| format!(" via role {}", e(r))).unwrap_or_default(),
                    t.profile.as_ref().map(|p| format!(" profile {}", e(p))).unwrap_or_default(),
                    t.endpoint_url.as_ref().map(|u| format!(" endpoint {}", e(u))).unwrap_or_default(),
                    if c.is_empty() { "nothing".into() } else { c.join(", ") }
                ));
            }
            fn kv<K: std::fmt::Display>(m: &BTreeMap<K, usize>) -> String {
                m.iter().map(|(k, v)| format!("{} {v}", e(&k.to_string()))).collect::<Vec<_>>().join(", ")
            }
            // DatasetType sorts as its spelling does (test before train).
            let types = &counts.items_by_type;
            s.push_str(&format!("\nby kind: {}\n", per_kind(&counts.items_by_kind, |_| None)));
            s.push_str(&format!("by dataset type: {}\n", if types.is_empty() { "none".into() } else { kv(types) }));
            let st: Vec<String> = by_status.iter().map(|(k, v)| format!("{} {v}", e(k))).collect();
            s.push_str(&format!("by status at planning: {}\n", st.join(", ")));
            if let (Some(o), Some(n)) = (oldest, newest) {
                s.push_str(&format!("oldest dataset: {}\nnewest dataset: {}\n", label(o), label(n)));
            }
            s.push_str(&format!(
                "skipped: {}\n",
                if plan.skipped.is_empty() { "none".into() } else { kv(&counts.skipped_by_reason) }
            ));
            if !plan.items.is_empty() {
                s.push_str(&format!("\nfirst {} items:\n", args.items.min(plan.items.len())));
                s.push_str(&format!(
                    "  {:>5}  {:<12}  {:<14}  {:<40}  {:<5}  {:<20}  {}\n",
                    "seq", "account", "region", "project", "type", "status", "client_token"
                ));
                for i in plan.items.iter().take(args.items) {
                    s.push_str(&format!(
                        "  {:>5}  {:<12}  {:<14}  {:<40}  {:<5}  {:<20}  {}\n",
                        i.seq,
                        e(&i.account),
                        e(&i.region),
                        e(&i.project),
                        what(i),
                        e(&i.status),
                        e(&i.client_token)
                    ));
                }
            }
            out(&s);
        }
    }
    Ok(ExitCode::Ok)
}
