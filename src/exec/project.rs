//! One project's work in a run: the drift check (DescribeProject, refusing a target whose project answers
//! with another account's or region's ARN), each item through the one loop (`exec::engine`), then the confirmation of what
//! was deleted. The scheduler (`service::schedule`) runs one of these per project, per target's turn.

use std::sync::Arc;

use super::ctx::{Ctx, Unit};
use super::drift::description_fresh;
use super::item::{confirm, process_item};
use super::journal::{Outcome, Record, VerifiedRec};
use super::queue::Pending;
use super::retry::Retried;
use super::step::{Step, from_error, outcome};
use super::{kind_io, preserved};
use crate::cloud::{Client, ErrorKind, ProjectInfo};
use crate::error::Result;
use crate::plan::{Item, Kind};
use lfv_model::arn;

/// One project's work, as the scheduler runs it: a drift check, each item's steps, then a confirmation of
/// what was deleted (see the module docs of `exec::run`).
pub(super) async fn project_task(ctx: Arc<Ctx>, unit: Unit) -> Result<()> {
    let Unit { work: (items, confirm_only), described } = unit;
    let Some(first) = items.first().map(|p| &p.item).or(confirm_only.first()).cloned() else {
        return Ok(());
    };
    let client = ctx.svc.client(first.target)?;
    let mut deleted: Vec<Item> = confirm_only;
    if !items.is_empty() && !ctx.stopped(first.target) {
        // A description made seconds ago (by `sweep`'s planning) is the drift check; an older one is not.
        let fresh =
            described.filter(|(_, at)| description_fresh(at.elapsed())).map(|(info, _)| Retried::Ok(Some(info)));
        let looked = match fresh {
            Some(r) => r,
            None => ctx.describe(&first).await,
        };
        let Some(mut info) = drift_checked(&ctx, client, &first, &items, looked).await? else { return Ok(()) };
        if !preserved_first(&ctx, client, &first, &items).await? {
            return Ok(());
        }
        run_items(&ctx, client, &items, &mut info, &mut deleted).await?;
    }
    if !deleted.is_empty() && !*ctx.stop.borrow() {
        confirm(&ctx, client, &deleted).await;
    }
    Ok(())
}

/// The drift check's DescribeProject answer as the items' starting point: the project's description (`None`:
/// it is gone), or nothing more to do here (`Ok(None)`: cancelled; the endpoint is not the service's; the
/// target refused the credentials (it stops, the items stay pending); the call failed, or the project answers
/// with another target's ARN, and every item is finished `failed`).
async fn drift_checked(
    ctx: &Ctx,
    client: &Client,
    first: &Item,
    items: &[Pending],
    looked: Retried<Option<ProjectInfo>>,
) -> Result<Option<Option<ProjectInfo>>> {
    let info = match looked {
        Retried::Ok(i) => i,
        Retried::Cancelled => return Ok(None),
        Retried::Failed(e) if e.kind == ErrorKind::Foreign => {
            ctx.not_the_service(client, &format!("DescribeProject {}", first.project), &e);
            return Ok(None);
        }
        Retried::Failed(e) if e.refuses_target() => {
            ctx.target_unreachable(first, &format!("drift check DescribeProject {}", first.project), &e);
            return Ok(None);
        }
        Retried::Failed(e) => {
            for Pending { item, .. } in items {
                ctx.finish(item, from_error(item, Outcome::Failed, "drift check DescribeProject", &e)).await?;
            }
            return Ok(None);
        }
    };
    if let Some(i) = &info
        && arn::lookoutvision_account_region(&i.arn) != Some((first.account.as_str(), first.region.as_str()))
    {
        let why = format!(
            "project {} answers with ARN {} but the plan's target is account {} region {}; target refused",
            first.project, i.arn, first.account, first.region
        );
        ctx.guard_stop(Some(first.target), why.clone());
        for Pending { item, .. } in items {
            ctx.finish(item, outcome(item, Outcome::Failed, why.clone()).into()).await?;
        }
        return Ok(None);
    }
    Ok(Some(info))
}

/// The project's `project.json` first, when the run must make sure of it (`preserved::needs`): `false` when
/// nothing more is to be done here (cancelled, not the service, the target refused the credentials, or it
/// could not be written: every item finished `failed`, nothing of the project touched).
async fn preserved_first(ctx: &Arc<Ctx>, client: &Client, first: &Item, items: &[Pending]) -> Result<bool> {
    let Some(p) = preserved::needs(ctx, items) else { return Ok(true) };
    match preserved::ensure(ctx, client, &p.item, &p.state).await? {
        None => Ok(true),
        Some(preserved::PreserveError::Cancelled) => Ok(false),
        Some(preserved::PreserveError::Call(e)) if preserved::is_foreign_call(&e) => {
            ctx.not_the_service(client, &format!("project.json of {}", first.project), &e);
            Ok(false)
        }
        Some(preserved::PreserveError::Call(e)) if e.refuses_target() => {
            ctx.target_unreachable(first, &format!("project.json of {}", first.project), &e);
            Ok(false)
        }
        Some(e) => {
            let why = format!("project.json not written: {e}; nothing of the project was touched");
            for Pending { item, .. } in items {
                ctx.finish(item, outcome(item, Outcome::Failed, why.clone()).into()).await?;
            }
            Ok(false)
        }
    }
}

/// Each item through its kind's steps, in plan order, until the target stops or the run is cancelled; a
/// deleted dataset joins `deleted` (confirmed after), a deleted model or project is confirmed already.
async fn run_items(
    ctx: &Ctx,
    client: &Client,
    items: &[Pending],
    info: &mut Option<ProjectInfo>,
    deleted: &mut Vec<Item>,
) -> Result<()> {
    for p in items {
        let item = &p.item;
        if ctx.stopped(item.target) {
            break;
        }
        let step = match item.kind {
            Kind::DeleteDataset => process_item(ctx, client, p, info).await?,
            _ => kind_io::process(ctx, client, p).await?,
        };
        let ended = match step {
            Step::Cancelled => break,
            Step::Done(ended) => ended,
        };
        let was_deleted = ended.rec.outcome == Outcome::Deleted;
        ctx.finish(item, ended).await?;
        match item.kind {
            Kind::DeleteDataset if was_deleted => deleted.push(item.clone()),
            // Model and project items end `deleted` only once DescribeModel/DescribeProject answered 404:
            // that is their confirmation.
            _ if was_deleted => ctx.out.record(Record::Verified(VerifiedRec {
                seq: item.seq,
                verified: true,
                status: None,
                at: chrono::Utc::now(),
            })),
            _ => {}
        }
    }
    Ok(())
}
