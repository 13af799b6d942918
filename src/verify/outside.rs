//! What remains in the targets outside a verify's scope, measured by this run's own calls: projects
//! (ListProjects), model versions and which are hosted (ListModels of each project), and the inference units
//! the hosted ones run on (DescribeModel of each). Printed after every verify, so that "nothing left" is never
//! read as "nothing left at all"; it never changes the exit code, which keeps its meaning for the scope. A
//! census that fails says so (`not_measured`) instead of a count.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Serialize;

use crate::cloud::{CallError, ModelSummary};
use crate::exec::retry::{AttemptStats, Retried};
use crate::plan::{Item, Kind, Scope};
use crate::planner::teardown::needs_stop;
use crate::service::{LimitKey, Op, PagesError, Service};

/// What is left outside the scope (see the module docs). Serialised as `outside_scope` in `verify --format
/// json`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, JsonSchema)]
pub struct Outside {
    /// The scope it is outside of: `--scope datasets`, `--scope all` or `the plan`.
    pub of: String,
    /// Projects that exist and are not in the scope.
    pub projects: usize,
    /// Model versions that exist and are not in the scope.
    pub model_versions: usize,
    /// Of those, hosted or starting to be (they bill by the hour).
    pub hosted: usize,
    /// The inference units of the hosted ones (DescribeModel's MinInferenceUnits), where the service gave one.
    pub inference_units: u64,
    /// Why nothing above was measured (a call of the census failed), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_measured: Option<String>,
}

impl Outside {
    /// One line for people: `outside --scope datasets: 20 projects, 9 model versions (4 hosted, 4 inference
    /// units)`, `nothing outside --scope all`, or why it was not measured.
    pub fn line(&self) -> String {
        if let Some(why) = &self.not_measured {
            return format!("outside {}: not measured ({why})", self.of);
        }
        if self.projects + self.model_versions == 0 {
            return format!("nothing outside {}", self.of);
        }
        format!(
            "outside {}: {} projects, {} model versions ({} hosted, {} inference units)",
            self.of, self.projects, self.model_versions, self.hosted, self.inference_units
        )
    }
}

/// Every project of each target, with its model versions: `(target, project) -> versions`.
pub(crate) type Census = BTreeMap<(usize, String), Vec<ModelSummary>>;

/// The census of `targets` through `svc`: ListProjects (every page), then ListModels of each project (a
/// project gone meanwhile is left out). Targets concurrently, each project in turn; `Err` names the call that
/// failed after retries.
pub(crate) async fn census(svc: &Arc<Service>, targets: &[usize]) -> Result<Census, String> {
    let mut tasks = tokio::task::JoinSet::new();
    for &target in targets {
        let svc = svc.clone();
        tasks.spawn(async move { census_of(&svc, target).await });
    }
    let mut all = Census::new();
    while let Some(joined) = tasks.join_next().await {
        all.extend(joined.map_err(|e| format!("census task: {e}"))??);
    }
    Ok(all)
}

async fn census_of(svc: &Service, target: usize) -> Result<Census, String> {
    let client = svc.client(target).map_err(|e| e.to_string())?;
    let mut names = Vec::new();
    let key = LimitKey { target, op: Op::ListProjects };
    let fetch = |token| client.list_projects(token);
    let each = |page: Vec<crate::cloud::ProjectSummary>| {
        names.extend(page.into_iter().map(|p| p.name));
        Ok::<_, std::convert::Infallible>(())
    };
    svc.pages(None, key, &mut AttemptStats::default(), |_| {}, fetch, each)
        .await
        .map_err(|e| failed("ListProjects", e))?;
    let mut found = Census::new();
    for name in names {
        match svc.list_models(target, &name, |_| {}).await {
            Ok(Some(models)) => {
                found.insert((target, name), models);
            }
            Ok(None) => {}
            Err(e) => return Err(failed(&format!("ListModels {name}"), e)),
        }
    }
    Ok(found)
}

fn failed(what: &str, e: PagesError<std::convert::Infallible>) -> String {
    match e {
        PagesError::Call(e) => format!("{what} failed after retries: {e}"),
        other => format!("{what}: {other:?}"),
    }
}

/// The sum of the inference units of `hosted` (target, project, version), by DescribeModel of each; `Err`
/// names the call that failed.
pub(crate) async fn inference_units(svc: &Service, hosted: &[(usize, String, String)]) -> Result<u64, String> {
    let mut units = 0;
    for (target, project, version) in hosted {
        match svc.describe_model(*target, project, version, |_| {}).await {
            Retried::Ok(Some(m)) => units += m.min_inference_units.map_or(0, |u| u64::try_from(u).unwrap_or(0)),
            Retried::Ok(None) => {}
            Retried::Failed(e) => return Err(describe_failed(project, version, &e)),
            Retried::Cancelled => return Err("cancelled".into()),
        }
    }
    Ok(units)
}

fn describe_failed(project: &str, version: &str, e: &CallError) -> String {
    format!("DescribeModel {project} {version} failed after retries: {e}")
}

/// What remains outside `items` (a plan's) in their targets, measured through `svc` (see the module docs).
pub(crate) async fn of_plan(svc: &Arc<Service>, items: &[Item]) -> Outside {
    let targets: Vec<usize> = items.iter().map(|i| i.target).collect::<BTreeSet<_>>().into_iter().collect();
    let mut outside = Outside { of: "the plan".into(), ..Outside::default() };
    if targets.is_empty() {
        // Nothing was asked: "nothing outside" would be a count no call made.
        return Outside { not_measured: Some("no item left to verify, so no target was asked".into()), ..outside };
    }
    let census = match census(svc, &targets).await {
        Ok(c) => c,
        Err(why) => return Outside { not_measured: Some(why), ..outside },
    };
    let (projects, versions, hosted) = not_planned(&census, items);
    (outside.projects, outside.model_versions, outside.hosted) = (projects, versions, hosted.len());
    with_units(svc, outside, &hosted).await
}

/// What remains outside `scope` among `items`, a `--scope all` enumeration of whole targets (every project,
/// model version and dataset, as the teardown planner lists them): those not [`in_scope`], the inference
/// units of the hosted ones asked through `svc` (none with `--scope all`, which leaves nothing out).
pub(crate) async fn of_scope(svc: &Service, scope: Scope, items: &[Item]) -> Outside {
    let beyond: Vec<&Item> = items.iter().filter(|i| !in_scope(scope, i.kind)).collect();
    let count = |k: Kind| beyond.iter().filter(|i| i.kind == k).count();
    let hosted: Vec<(usize, String, String)> = beyond
        .iter()
        .filter(|i| i.kind == Kind::StopModel)
        .map(|i| (i.target, i.project.clone(), i.resource.clone()))
        .collect();
    let outside = Outside {
        of: format!("--scope {}", scope.as_str()),
        projects: count(Kind::DeleteProject),
        model_versions: count(Kind::DeleteModel),
        hosted: hosted.len(),
        ..Outside::default()
    };
    with_units(svc, outside, &hosted).await
}

/// `outside` with the inference units of `hosted` (DescribeModel of each), or why they were not measured.
async fn with_units(svc: &Service, mut outside: Outside, hosted: &[(usize, String, String)]) -> Outside {
    match inference_units(svc, hosted).await {
        Ok(units) => outside.inference_units = units,
        Err(why) => outside.not_measured = Some(why),
    }
    outside
}

/// Whether an item of a `--scope all` enumeration is within `scope`.
pub(crate) fn in_scope(scope: Scope, kind: Kind) -> bool {
    scope == Scope::All || kind == Kind::DeleteDataset
}

/// What of `census` a plan's `items` do not cover: projects without a `delete_project` item, model versions
/// without a `delete_model` item, hosted versions without a `stop_model` item. Pure.
pub(crate) fn not_planned(census: &Census, items: &[Item]) -> (usize, usize, Vec<(usize, String, String)>) {
    let planned: BTreeSet<(usize, &str, Kind, &str)> =
        items.iter().map(|i| (i.target, i.project.as_str(), i.kind, i.resource.as_str())).collect();
    let has = |t: usize, p: &str, k: Kind, r: &str| planned.contains(&(t, p, k, r));
    let (mut projects, mut versions, mut hosted) = (0, 0, Vec::new());
    for ((t, p), models) in census {
        projects += usize::from(!has(*t, p, Kind::DeleteProject, p));
        for m in models {
            versions += usize::from(!has(*t, p, Kind::DeleteModel, &m.model_version));
            if needs_stop(&m.status) && !has(*t, p, Kind::StopModel, &m.model_version) {
                hosted.push((*t, p.clone(), m.model_version.clone()));
            }
        }
    }
    (projects, versions, hosted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::ModelStatus;

    fn model(v: &str, status: ModelStatus) -> ModelSummary {
        ModelSummary::bare("p", v, status)
    }

    fn item(project: &str, kind: Kind, resource: &str) -> Item {
        lfv_model::testing::item(1, project, kind, resource)
    }

    #[test]
    fn what_a_plan_does_not_cover_is_outside_it() {
        let census: Census = [
            ((0, "a".to_string()), vec![model("1", ModelStatus::Hosted), model("2", ModelStatus::Trained)]),
            ((0, "b".to_string()), vec![model("1", ModelStatus::StartingHosting)]),
            ((1, "a".to_string()), vec![]),
        ]
        .into_iter()
        .collect();
        // A datasets plan covers no project and no model: all of them are outside.
        let datasets = vec![item("a", Kind::DeleteDataset, "train")];
        let (p, v, h) = not_planned(&census, &datasets);
        assert_eq!((p, v, h.len()), (3, 3, 2));
        // A teardown of project a of target 0: only b and target 1's a are outside.
        let teardown = vec![
            item("a", Kind::StopModel, "1"),
            item("a", Kind::DeleteModel, "1"),
            item("a", Kind::DeleteModel, "2"),
            item("a", Kind::DeleteProject, "a"),
        ];
        let (p, v, h) = not_planned(&census, &teardown);
        assert_eq!((p, v, h), (2, 1, vec![(0, "b".to_string(), "1".to_string())]));
    }

    #[test]
    fn the_line_says_what_was_measured_or_why_not() {
        let o = Outside {
            of: "--scope datasets".into(),
            projects: 20,
            model_versions: 9,
            hosted: 4,
            inference_units: 4,
            not_measured: None,
        };
        assert_eq!(o.line(), "outside --scope datasets: 20 projects, 9 model versions (4 hosted, 4 inference units)");
        let none = Outside { of: "--scope all".into(), ..Outside::default() };
        assert_eq!(none.line(), "nothing outside --scope all");
        let failed = Outside { not_measured: Some("ListProjects failed".into()), ..o };
        assert_eq!(failed.line(), "outside --scope datasets: not measured (ListProjects failed)");
    }
}
