//! The only module that sees `aws_sdk_lookoutvision` and `aws_config`.
//!
//! [`connect`] builds a client from the standard AWS chain (profile, SSO, environment, `AWS_ENDPOINT_URL`)
//! with the flags' overrides, **SDK retries disabled** (every attempt is made, counted and rate-limited by
//! `exec::retry`) and timeouts set: connect 3 s, each attempt `attempt_timeout` (10 s by default), because
//! the SDK has no read timeout and a silent server would otherwise hang the run. Calls return the crate's own
//! types; SDK errors become a [`CallError`] here and nowhere else. This module never retries and never sleeps.
//! An answer that is not the service's (HTML, a 404 without `ResourceNotFoundException`, a 2xx that does not
//! parse) is [`ErrorKind::Foreign`], never "absent" (`convert`, `shape`).

mod connect;
mod convert;
mod dataset_status;
mod fixed;
pub mod identity;
mod model_types;
mod models;
pub mod orgs;
mod renew;
mod s3;
mod shape;

use std::time::Duration;

use aws_sdk_lookoutvision::operation::RequestId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use connect::{check_endpoint_url, connect, default_region};
use connect::{retry_and_timeouts, sdk_config};
pub use convert::{CallError, ErrorKind};
use convert::{classify, timestamp};
pub use dataset_status::DatasetStatus;
pub use model_types::{
    Done, GreengrassConfig, GreengrassOutput, ModelInfo, ModelStatus, ModelSummary, PackagingJobInfo,
    PackagingJobStatus, PackagingJobSummary, Performance, S3Location, S3ObjectRef, Tag, TargetPlatform,
};
pub use renew::{BoxFuture, Gate, Renewing, Role, SessionKey, Sessions};
pub use s3::{S3Client, S3Object, S3Page, connect_s3};

/// Connect timeout for every call.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default per-attempt timeout.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// [`DEFAULT_ATTEMPT_TIMEOUT`] as `--attempt-timeout` spells its default (a test holds the two equal).
pub const DEFAULT_ATTEMPT_TIMEOUT_FLAG: &str = "10s";

/// How to reach one (profile, region), with the role assumed there, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Endpoint {
    /// Region, e.g. `us-east-1`.
    pub region: String,
    /// Named profile; `None` uses the default chain.
    pub profile: Option<String>,
    /// Endpoint override (`--endpoint-url`); `None` uses the chain's (`AWS_ENDPOINT_URL`) or AWS's.
    pub endpoint_url: Option<String>,
    /// Role assumed with the source credentials (profile or chain); `None`: the source credentials themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// Client options that are not part of the target.
#[derive(Debug, Clone, Copy)]
pub struct ClientOptions {
    /// Per-attempt timeout.
    pub attempt_timeout: Duration,
    /// Let the SDK retry on its own (standard mode, 3 attempts). Only for the naive comparison run of the
    /// benchmark: the tool itself always owns its retries.
    pub sdk_retries: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self { attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT, sdk_retries: false }
    }
}

/// A Lookout for Vision client for one (profile, region).
#[derive(Debug, Clone)]
pub struct Client {
    inner: aws_sdk_lookoutvision::Client,
    endpoint: Endpoint,
    url: String,
    /// The role session, when the endpoint assumes a role: dropped when a call answers ExpiredTokenException.
    renewing: Option<renew::Renewing>,
}

/// A project as ListProjects shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectSummary {
    /// Name.
    pub name: String,
    /// ARN (`arn:aws:lookoutvision:{region}:{account}:project/{name}`).
    pub arn: String,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
}

/// A project as DescribeProject shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectInfo {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// Its datasets (at most `train` and `test`).
    pub datasets: Vec<DatasetInfo>,
}

impl ProjectInfo {
    /// The dataset of one type, if present.
    pub fn dataset(&self, dataset_type: lfv_model::plan::DatasetType) -> Option<&DatasetInfo> {
        self.datasets.iter().find(|d| d.dataset_type == dataset_type.as_str())
    }
}

/// A dataset's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// `train` or `test`, as the service spelt it: kept a string because `project.json` preserves the
    /// service's own word and a type the tool does not know is reported (drift), never dropped; a plan's
    /// items name theirs as a [`lfv_model::plan::DatasetType`] and look it up with [`ProjectInfo::dataset`].
    pub dataset_type: String,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// Its status.
    pub status: DatasetStatus,
    /// StatusMessage.
    pub status_message: Option<String>,
}

impl DatasetInfo {
    /// True while the service will refuse a deletion because an operation is running
    /// (`CREATE_IN_PROGRESS`, `UPDATE_IN_PROGRESS`, `UPDATE_FAILED_ROLLBACK_IN_PROGRESS`).
    pub fn is_busy(&self) -> bool {
        self.status.is_busy()
    }
    /// True once a deletion is under way or done.
    pub fn is_deleting(&self) -> bool {
        self.status.is_deleting()
    }
}

/// One page of a list call.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// Token of the next page; `None` at the end.
    pub next: Option<String>,
}

/// Most pages read of one listing: 100,000 (10 million items at 100 a page).
pub const MAX_PAGES: usize = 100_000;

/// Why a listing stopped before its last page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFault {
    /// The service handed back the token it was sent (it would loop forever).
    RepeatedToken,
    /// More than [`MAX_PAGES`] pages.
    TooManyPages,
}

/// The rules of every paging loop, in one place: the first page is asked with no token, each next one with
/// the token the last answer gave, until an answer has none; at most [`MAX_PAGES`] pages, and an answer that
/// hands back the token it was asked with is a [`PageFault::RepeatedToken`].
///
/// ```text
/// let mut pager = Pager::default();
/// while let Some(token) = pager.ask()? {
///     let page = fetch(token).await?;
///     consume(page.items);
///     pager.answered(page.next)?;
/// }
/// ```
#[derive(Debug, Default)]
pub struct Pager {
    asked: Option<String>,
    pages: usize,
    done: bool,
}

impl Pager {
    /// The pager of a listing whose first page (asked with no token) was read elsewhere and answered
    /// `next`: it asks from the second page on.
    pub fn after_first(next: Option<String>) -> Pager {
        Pager { done: next.is_none(), asked: next, pages: 1 }
    }

    /// The token to ask the next page with (`Some(None)`: the first page), `None` once the last page has
    /// been answered, or [`PageFault::TooManyPages`].
    pub fn ask(&mut self) -> Result<Option<Option<String>>, PageFault> {
        if self.done {
            return Ok(None);
        }
        if self.pages >= MAX_PAGES {
            return Err(PageFault::TooManyPages);
        }
        self.pages += 1;
        Ok(Some(self.asked.clone()))
    }

    /// The answer's next token.
    pub fn answered(&mut self, next: Option<String>) -> Result<(), PageFault> {
        match next {
            Some(t) if Some(&t) == self.asked.as_ref() => return Err(PageFault::RepeatedToken),
            Some(t) => self.asked = Some(t),
            None => self.done = true,
        }
        Ok(())
    }
}

impl Client {
    /// A failed call: an expired role session is dropped here so that the retry re-assumes the role.
    fn failed(&self, e: CallError) -> CallError {
        if e.kind == ErrorKind::ExpiredCredentials
            && let Some(r) = &self.renewing
        {
            r.invalidate();
        }
        e
    }

    /// The endpoint this client was built for.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The URL calls go to: `--endpoint-url`, `AWS_ENDPOINT_URL`, or `https://lookoutvision.{region}.amazonaws.com`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The message for an answer to `what` that is not the service's ([`ErrorKind::Foreign`]), naming the
    /// endpoint: `{url} (region R) answered WHAT with something that is not Lookout for Vision's answer: ...`.
    pub fn not_the_service(&self, what: &str, e: &CallError) -> String {
        format!(
            "{} (region {}) answered {what} with something that is not Lookout for Vision's answer ({e}); is the \
             endpoint right (--endpoint-url, AWS_ENDPOINT_URL)? nothing was concluded from it",
            self.url, self.endpoint.region
        )
    }

    /// One page of ListProjects (at most 100 projects).
    pub async fn list_projects(&self, next: Option<String>) -> Result<Page<ProjectSummary>, CallError> {
        let out = self
            .inner
            .list_projects()
            .set_next_token(next)
            .max_results(100)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        let items: Vec<ProjectSummary> = out
            .projects()
            .iter()
            .map(|p| ProjectSummary {
                name: p.project_name().unwrap_or_default().to_string(),
                arn: p.project_arn().unwrap_or_default().to_string(),
                created: p.creation_timestamp().map(timestamp),
            })
            .collect();
        if let Some(why) = items.iter().find_map(|p| shape::bad_project(&p.name, &p.arn)) {
            return Err(CallError::foreign(&format!("ListProjects listed {why}")));
        }
        Ok(Page { items, next: out.next_token().filter(|t| !t.is_empty()).map(str::to_string) })
    }

    /// DescribeProject.
    pub async fn describe_project(&self, name: &str) -> Result<ProjectInfo, CallError> {
        let out =
            self.inner.describe_project().project_name(name).send().await.map_err(|e| self.failed(classify(e)))?;
        let d = out
            .project_description()
            .ok_or_else(|| CallError::foreign("DescribeProject answered without a ProjectDescription"))?;
        let described = d.project_name().unwrap_or(name);
        if described != name {
            return Err(CallError::foreign(&format!("DescribeProject of {name:?} described project {described:?}")));
        }
        let broken = shape::bad_project(name, d.project_arn().unwrap_or_default()).or_else(|| {
            d.datasets().iter().find_map(|m| shape::bad_dataset_type(m.dataset_type().unwrap_or_default()))
        });
        if let Some(why) = broken {
            return Err(CallError::foreign(&format!("DescribeProject answered {why}")));
        }
        Ok(ProjectInfo {
            name: name.to_string(),
            arn: d.project_arn().unwrap_or_default().to_string(),
            created: d.creation_timestamp().map(timestamp),
            datasets: d
                .datasets()
                .iter()
                .map(|m| DatasetInfo {
                    dataset_type: m.dataset_type().unwrap_or_default().to_string(),
                    created: m.creation_timestamp().map(timestamp),
                    status: DatasetStatus::parse(m.status().map_or("", |s| s.as_str())),
                    status_message: m.status_message().map(str::to_string),
                })
                .collect(),
        })
    }

    /// DescribeDataset's `ImageStats.Total` (the number of entries the dataset holds).
    pub async fn dataset_image_total(&self, project: &str, dataset_type: &str) -> Result<Option<u64>, CallError> {
        let out = self
            .inner
            .describe_dataset()
            .project_name(project)
            .dataset_type(dataset_type)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        Ok(out.dataset_description().and_then(|d| d.image_stats()).and_then(|s| s.total()).map(|t| t.max(0) as u64))
    }

    /// One page of ListDatasetEntries (at most 100 entries, each one JSON Lines record, verbatim).
    pub async fn list_dataset_entries(
        &self,
        project: &str,
        dataset_type: &str,
        next: Option<String>,
    ) -> Result<Page<String>, CallError> {
        let out = self
            .inner
            .list_dataset_entries()
            .project_name(project)
            .dataset_type(dataset_type)
            .set_next_token(next)
            .max_results(100)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        Ok(Page {
            items: out.dataset_entries().to_vec(),
            next: out.next_token().filter(|t| !t.is_empty()).map(str::to_string),
        })
    }

    /// DeleteDataset with the given idempotency token.
    pub async fn delete_dataset(&self, project: &str, dataset_type: &str, token: &str) -> Result<Done, CallError> {
        let out = self
            .inner
            .delete_dataset()
            .project_name(project)
            .dataset_type(dataset_type)
            .client_token(token)
            .send()
            .await
            .map_err(|e| self.failed(classify(e)))?;
        Ok(Done { status: 202, answer: None, request_id: out.request_id().map(str::to_string) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Walked = (Vec<Option<String>>, Result<(), PageFault>);

    /// Walk a listing whose answers give `nexts` (then nothing more): the tokens asked with and how it ended.
    fn walk(nexts: &[Option<&str>]) -> Walked {
        let (mut pager, mut asked, mut answers) = (Pager::default(), Vec::new(), nexts.iter());
        loop {
            match pager.ask() {
                Ok(None) => return (asked, Ok(())),
                Err(f) => return (asked, Err(f)),
                Ok(Some(token)) => asked.push(token),
            }
            let next = answers.next().copied().flatten().map(str::to_string);
            if let Err(f) = pager.answered(next) {
                return (asked, Err(f));
            }
        }
    }

    #[test]
    fn pager_table() {
        let s = |t: &str| Some(t.to_string());
        // answers' next tokens -> tokens asked with, end
        let table: [(&[Option<&str>], Walked); 4] = [
            (&[None], (vec![None], Ok(()))),
            (&[Some("a"), Some("b"), None], (vec![None, s("a"), s("b")], Ok(()))),
            (&[Some("a"), Some("a")], (vec![None, s("a")], Err(PageFault::RepeatedToken))),
            (&[Some("a"), Some("b"), Some("a"), None], (vec![None, s("a"), s("b"), s("a")], Ok(()))),
        ];
        for (nexts, want) in table {
            assert_eq!(walk(nexts), want, "answers {nexts:?}");
        }
        // A listing whose first page was read elsewhere goes on from that page's next token, or is done.
        let mut pager = Pager::after_first(s("a"));
        assert_eq!(pager.ask(), Ok(Some(s("a"))));
        pager.answered(None).unwrap();
        assert_eq!(pager.ask(), Ok(None));
        assert_eq!(Pager::after_first(None).ask(), Ok(None));
        let mut pager = Pager::after_first(s("a"));
        pager.ask().unwrap();
        assert_eq!(pager.answered(s("a")), Err(PageFault::RepeatedToken));
        // A listing that never ends stops after MAX_PAGES pages.
        let mut pager = Pager::default();
        for n in 0..MAX_PAGES {
            assert!(pager.ask().unwrap().is_some());
            pager.answered(Some(format!("t{n}"))).unwrap();
        }
        assert_eq!(pager.ask(), Err(PageFault::TooManyPages));
    }
}
