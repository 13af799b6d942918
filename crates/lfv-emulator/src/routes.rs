//! The API operations the emulator answers ([`Op`]) and the routing of `/2020-11-20/` methods and paths to them
//! ([`route`]), with the still percent-encoded path labels. Pure.

use hyper::Method;

/// An API operation the emulator answers, or `Unknown` for paths and methods that match none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    ListProjects,
    CreateProject,
    DescribeProject,
    DeleteProject,
    CreateDataset,
    DescribeDataset,
    DeleteDataset,
    ListDatasetEntries,
    ListModels,
    DescribeModel,
    StopModel,
    DeleteModel,
    ListTagsForResource,
    TagResource,
    UntagResource,
    ListModelPackagingJobs,
    DescribeModelPackagingJob,
    Unknown,
}

impl Op {
    /// Every API operation (not [`Op::Unknown`]).
    pub(crate) const API: [Op; 17] = [
        Op::ListProjects,
        Op::CreateProject,
        Op::DescribeProject,
        Op::DeleteProject,
        Op::CreateDataset,
        Op::DescribeDataset,
        Op::DeleteDataset,
        Op::ListDatasetEntries,
        Op::ListModels,
        Op::DescribeModel,
        Op::StopModel,
        Op::DeleteModel,
        Op::ListTagsForResource,
        Op::TagResource,
        Op::UntagResource,
        Op::ListModelPackagingJobs,
        Op::DescribeModelPackagingJob,
    ];

    /// Whether `name` is an API operation's name (as `deny` lists and fault `ops` give them).
    pub(crate) fn is_api_name(name: &str) -> bool {
        Op::API.iter().any(|op| op.name() == name)
    }

    /// The API operation names, joined by `sep`, for error messages.
    pub(crate) fn api_names(sep: &str) -> String {
        Op::API.map(Op::name).join(sep)
    }

    /// The operation's API name, as used in stats, the log, `deny` lists and fault `ops`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::ListProjects => "ListProjects",
            Op::CreateProject => "CreateProject",
            Op::DescribeProject => "DescribeProject",
            Op::DeleteProject => "DeleteProject",
            Op::CreateDataset => "CreateDataset",
            Op::DescribeDataset => "DescribeDataset",
            Op::DeleteDataset => "DeleteDataset",
            Op::ListDatasetEntries => "ListDatasetEntries",
            Op::ListModels => "ListModels",
            Op::DescribeModel => "DescribeModel",
            Op::StopModel => "StopModel",
            Op::DeleteModel => "DeleteModel",
            Op::ListTagsForResource => "ListTagsForResource",
            Op::TagResource => "TagResource",
            Op::UntagResource => "UntagResource",
            Op::ListModelPackagingJobs => "ListModelPackagingJobs",
            Op::DescribeModelPackagingJob => "DescribeModelPackagingJob",
            Op::Unknown => "Unknown",
        }
    }
}

/// A matched route: the operation and its still percent-encoded path labels.
#[derive(Debug, Clone)]
pub(crate) struct Route<'a> {
    pub(crate) op: Op,
    /// Raw labels in path order (project, then dataset type or model version; or the tag ARN).
    pub(crate) labels: Vec<&'a str>,
}

/// Match a method and raw path against the 17 emulated operations.
pub(crate) fn route<'a>(method: &Method, path: &'a str) -> Route<'a> {
    let unknown = Route { op: Op::Unknown, labels: Vec::new() };
    let Some(rest) = path.strip_prefix("/2020-11-20/") else {
        return unknown;
    };
    let segs: Vec<&str> = rest.split('/').collect();
    let m = method.as_str();
    let op = match (m, segs.as_slice()) {
        ("GET", ["projects"]) => Op::ListProjects,
        ("POST", ["projects"]) => Op::CreateProject,
        ("GET", ["projects", _]) => Op::DescribeProject,
        ("DELETE", ["projects", _]) => Op::DeleteProject,
        ("POST", ["projects", _, "datasets"]) => Op::CreateDataset,
        ("GET", ["projects", _, "datasets", _]) => Op::DescribeDataset,
        ("DELETE", ["projects", _, "datasets", _]) => Op::DeleteDataset,
        ("GET", ["projects", _, "datasets", _, "entries"]) => Op::ListDatasetEntries,
        ("GET", ["projects", _, "models"]) => Op::ListModels,
        ("GET", ["projects", _, "models", _]) => Op::DescribeModel,
        ("DELETE", ["projects", _, "models", _]) => Op::DeleteModel,
        ("POST", ["projects", _, "models", _, "stop"]) => Op::StopModel,
        ("GET", ["projects", _, "modelpackagingjobs"]) => Op::ListModelPackagingJobs,
        ("GET", ["projects", _, "modelpackagingjobs", _]) => Op::DescribeModelPackagingJob,
        ("GET", ["tags", _]) => Op::ListTagsForResource,
        ("POST", ["tags", _]) => Op::TagResource,
        ("DELETE", ["tags", _]) => Op::UntagResource,
        _ => return unknown,
    };
    let labels = match segs.as_slice() {
        ["tags", arn] => vec![*arn],
        ["projects"] => vec![],
        ["projects", p] | ["projects", p, _] => vec![*p],
        ["projects", p, _, x] | ["projects", p, _, x, _] => vec![*p, *x],
        _ => vec![],
    };
    Route { op, labels }
}
