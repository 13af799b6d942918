//! Model and project items in the one loop (`exec::engine`): what a look at each reads (DescribeModel, or
//! DescribeProject + ListModels) and which decision of `exec::kinds` it asks, and the call each sends. A
//! `stop_model` keeps the version's `MinInferenceUnits` from the look that saw it hosted.

use std::collections::HashMap;

use super::action::Action;
use super::ctx::Ctx;
use super::engine::{Look, Subject, drive};
use super::journal::{Mode, Outcome};
use super::kinds;
use super::queue::Pending;
use super::resume::Resume;
use super::retry::Retried;
use super::step::{Step, outcome};
use crate::cloud::{CallError, Client, Done};
use crate::error::Result;
use crate::plan::{Item, Kind};
use crate::service::PagesError;

/// A `stop_model`, `delete_model` or `delete_project` item as the loop sees it.
struct ModelOrProject<'a> {
    item: &'a Item,
    /// `delete_project`: every item of the plan for its project.
    planned: Vec<&'a Item>,
    /// `stop_model`: the hosted version's `MinInferenceUnits`, once a look saw it hosted.
    units: Option<u32>,
}

impl Subject for ModelOrProject<'_> {
    async fn look(&mut self, ctx: &Ctx, _how: &Look, called: bool) -> Retried<Action> {
        let (item, mode) = (self.item, ctx.opts.mode);
        let (target, project, version) = (item.target, item.project.as_str(), item.resource.as_str());
        if item.kind == Kind::DeleteProject {
            return look_project(ctx, item, &self.planned, called).await;
        }
        let m = match ctx.svc.describe_model(target, project, version, |a| ctx.on_other_attempt(a)).await {
            Retried::Ok(m) => m,
            Retried::Failed(e) => return Retried::Failed(e),
            Retried::Cancelled => return Retried::Cancelled,
        };
        let summary = m.as_ref().map(|m| &m.summary);
        Retried::Ok(match item.kind {
            Kind::StopModel => {
                if let Some(m) = &m
                    && m.summary.status.is_hosted()
                {
                    self.units = m.min_inference_units.and_then(|u| u32::try_from(u).ok());
                }
                kinds::stop_model(summary, item.created, mode)
            }
            _ => kinds::delete_model(summary, item.created, mode, called, !item.after.is_empty()),
        })
    }

    fn look_name(&self, _how: &Look) -> String {
        format!("{} check", self.item.kind.op())
    }

    async fn call(&self, client: &Client) -> std::result::Result<Done, CallError> {
        let (item, token) = (self.item, self.item.client_token.as_str());
        match item.kind {
            Kind::StopModel => client.stop_model(&item.project, &item.resource, token).await,
            Kind::DeleteModel => client.delete_model(&item.project, &item.resource, token).await,
            _ => client.delete_project(&item.project, token).await,
        }
    }
}

/// Carry out a `stop_model`, `delete_model` or `delete_project` item.
pub(super) async fn process(ctx: &Ctx, client: &Client, pending: &Pending) -> Result<Step> {
    let (item, resend) = (&pending.item, pending.resume == Resume::Resend);
    if ctx.opts.mode == Mode::Export {
        return Ok(Step::Done(outcome(item, Outcome::Exported, "project.json written and verified").into()));
    }
    let mine = match item.kind {
        Kind::DeleteDataset => return Err(crate::error::Error::Internal("delete_dataset in kind_io".into())),
        Kind::DeleteProject => ctx.project_items(item.target, &item.project),
        Kind::StopModel | Kind::DeleteModel => Vec::new(),
    };
    if item.kind == Kind::DeleteProject {
        let items: HashMap<u64, &Item> = mine.iter().map(|i| (i.seq, i)).collect();
        if let Err(why) = kinds::dependencies(item, &items, &ctx.outcomes(), ctx.opts.mode) {
            return Ok(Step::Done(outcome(item, Outcome::SkippedDependency, why).into()));
        }
    }
    let mut subject = ModelOrProject { item, planned: mine.iter().collect(), units: None };
    Ok(match drive(ctx, client, item, resend, &mut subject).await? {
        Step::Done(mut ended) if ended.rec.outcome == Outcome::Stopped => {
            ended.rec.inference_units = subject.units;
            Step::Done(ended)
        }
        s => s,
    })
}

async fn look_project(ctx: &Ctx, item: &Item, planned: &[&Item], called: bool) -> Retried<Action> {
    let info = match ctx.describe(item).await {
        Retried::Ok(i) => i,
        Retried::Failed(e) => return Retried::Failed(e),
        Retried::Cancelled => return Retried::Cancelled,
    };
    let models = match &info {
        None => None,
        Some(_) => match ctx.svc.list_models(item.target, &item.project, |a| ctx.on_other_attempt(a)).await {
            Ok(m) => m,
            Err(PagesError::Call(e)) => return Retried::Failed(e),
            Err(PagesError::Cancelled) => return Retried::Cancelled,
            Err(_) => return Retried::Failed(CallError::malformed("ListModels did not end")),
        },
    };
    Retried::Ok(kinds::delete_project(item, info.as_ref(), models.as_deref(), planned, ctx.opts.mode, called))
}
