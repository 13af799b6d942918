//! Gather what `project.json` preserves for one project, every call made through the caller's [`Caller`]
//! (the executor's limiter, retry and cancellation; [`OneAttempt`] in tests). No file I/O here.
//!
//! Calls, in order, for a project with `m` model versions and `j` packaging jobs: DescribeProject (1),
//! ListModels (`ceil(m / 100)` pages, at least 1), then per version DescribeModel and ListTagsForResource
//! (`2m`), ListModelPackagingJobs (`ceil(j / 100)`, at least 1), DescribeModelPackagingJob (`j`). A project
//! with 3 versions and no jobs costs 8 calls. Calls run one after another: projects run concurrently, so
//! one project's collection need not. A project that is gone (DescribeProject 404) gives `None`; a model
//! version or job that vanished between its list call and its describe call (404) is left out.

use lfv_model::op::Op;
use std::future::Future;

use super::document::{Collected, PreservedModel};
use crate::cloud::{CallError, Client, ErrorKind, MAX_PAGES, PackagingJobInfo, Page, PageFault, Pager};

/// Makes one logical call: runs `attempt` as often as the caller's retry policy says, under the limiter of
/// operation `op` (DescribeProject, ListModels, DescribeModel, ListTagsForResource, ListModelPackagingJobs,
/// DescribeModelPackagingJob).
pub trait Caller {
    /// A call that finally failed (after retries), or was cancelled. `From<CallError>` lets [`collect`] report a
    /// list call that repeats its page token.
    type Error: From<CallError>;

    /// Make the call `op` (see the trait docs).
    fn call<T, F, Fut>(&self, op: Op, attempt: F) -> impl Future<Output = Result<T, Self::Error>> + Send
    where
        T: Send,
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Result<T, CallError>> + Send;
}

/// A [`Caller`] that makes exactly one attempt, no limiter: for tests and one-off tools.
#[derive(Debug, Clone, Copy, Default)]
pub struct OneAttempt;

impl Caller for OneAttempt {
    type Error = CallError;

    async fn call<T, F, Fut>(&self, _op: Op, mut attempt: F) -> Result<T, CallError>
    where
        T: Send,
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Result<T, CallError>> + Send,
    {
        attempt().await
    }
}

/// `Ok(None)` for the service's 404 (`ResourceNotFoundException`), the answer otherwise.
fn absent_is_none<T>(r: Result<T, CallError>) -> Result<Option<T>, CallError> {
    match r {
        Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
        r => r.map(Some),
    }
}

/// Every item of a paged list call ([`Pager`]: at most [`MAX_PAGES`] pages; a repeated page token is an
/// error).
async fn all_pages<C, T, F, Fut>(caller: &C, op: Op, page: F) -> Result<Vec<T>, C::Error>
where
    C: Caller,
    T: Send,
    F: Fn(Option<String>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Page<T>, CallError>> + Send,
{
    let fault = |f: PageFault| -> C::Error {
        let what = match f {
            PageFault::RepeatedToken => "repeated its page token".to_string(),
            PageFault::TooManyPages => format!("gave more than {MAX_PAGES} pages"),
        };
        CallError::foreign(&format!("{op} {what}")).into()
    };
    let (mut items, mut pager) = (Vec::new(), Pager::default());
    while let Some(token) = pager.ask().map_err(fault)? {
        let got = caller.call(op, || page(token.clone())).await?;
        items.extend(got.items);
        pager.answered(got.next).map_err(fault)?;
    }
    Ok(items)
}

/// Every model version of `project` still present: its DescribeModel answer and its ListTagsForResource tags
/// (`ceil(m / 100)` ListModels pages, then `2m` calls).
pub async fn collect_models<C: Caller>(
    caller: &C,
    client: &Client,
    project: &str,
) -> Result<Vec<PreservedModel>, C::Error> {
    let summaries = all_pages(caller, Op::ListModels, |next| client.list_models(project, next)).await?;
    let mut models = Vec::with_capacity(summaries.len());
    for s in &summaries {
        let version = s.model_version.as_str();
        let described = caller
            .call(Op::DescribeModel, || async { absent_is_none(client.describe_model(project, version).await) })
            .await?;
        let Some(model) = described else { continue };
        let arn = model.summary.model_arn.clone();
        let tags =
            caller.call(Op::ListTagsForResource, || async { absent_is_none(client.list_tags(&arn).await) }).await?;
        let Some(tags) = tags else { continue };
        models.push(PreservedModel { info: model, tags });
    }
    Ok(models)
}

/// Every model packaging job of `project` still present, as DescribeModelPackagingJob answers it
/// (`ceil(j / 100)` ListModelPackagingJobs pages, then `j` calls).
pub async fn collect_packaging_jobs<C: Caller>(
    caller: &C,
    client: &Client,
    project: &str,
) -> Result<Vec<PackagingJobInfo>, C::Error> {
    let jobs = all_pages(caller, Op::ListModelPackagingJobs, |next| client.list_packaging_jobs(project, next)).await?;
    let mut described_jobs = Vec::with_capacity(jobs.len());
    for j in &jobs {
        let name = j.job_name.as_str();
        let described = caller
            .call(Op::DescribeModelPackagingJob, || async {
                absent_is_none(client.describe_packaging_job(project, name).await)
            })
            .await?;
        described_jobs.extend(described);
    }
    Ok(described_jobs)
}

/// Collect DescribeProject, then [`collect_models`], then [`collect_packaging_jobs`] for `project` (see the
/// module docs for the calls). `None` if the project is gone.
pub async fn collect<C: Caller>(caller: &C, client: &Client, project: &str) -> Result<Option<Collected>, C::Error> {
    let described =
        caller.call(Op::DescribeProject, || async { absent_is_none(client.describe_project(project).await) }).await?;
    let Some(info) = described else { return Ok(None) };
    let models = collect_models(caller, client, project).await?;
    let packaging_jobs = collect_packaging_jobs(caller, client, project).await?;
    Ok(Some(Collected { project: info, models, packaging_jobs }))
}
