//! The operations the tool calls, one type for journal records, limiter keys and counters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An operation the tool calls; each has its own limiter per target (Lookout for Vision, STS, Organizations)
/// or per (account, region) (S3). Journal records and limiter keys name it by this type, serialised as the service spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Op {
    /// ListProjects (planning, verify --all).
    ListProjects,
    /// DescribeProject (planning, drift checks, confirmation, verify).
    DescribeProject,
    /// DescribeDataset (the image count a backup is checked against).
    DescribeDataset,
    /// ListDatasetEntries (backups).
    ListDatasetEntries,
    /// DeleteDataset.
    DeleteDataset,
    /// ListModels (planning `--scope all`, drift checks before DeleteProject, preservation).
    ListModels,
    /// DescribeModel (model items' state checks and waits, preservation).
    DescribeModel,
    /// StopModel.
    StopModel,
    /// DeleteModel.
    DeleteModel,
    /// DeleteProject.
    DeleteProject,
    /// ListTagsForResource (preservation).
    ListTagsForResource,
    /// ListModelPackagingJobs (preservation).
    ListModelPackagingJobs,
    /// DescribeModelPackagingJob (preservation).
    DescribeModelPackagingJob,
    /// S3 GetObject (`convert`: images and masks).
    GetObject,
    /// STS GetCallerIdentity (who a target's credentials belong to, before its first call).
    GetCallerIdentity,
    /// STS AssumeRole (a target reached through a role).
    AssumeRole,
    /// Organizations ListAccounts (`--organization`).
    ListAccounts,
}

impl Op {
    /// The operation's name as the service spells it, e.g. `DescribeProject`.
    pub fn name(self) -> &'static str {
        match self {
            Op::ListProjects => "ListProjects",
            Op::DescribeProject => "DescribeProject",
            Op::DescribeDataset => "DescribeDataset",
            Op::ListDatasetEntries => "ListDatasetEntries",
            Op::DeleteDataset => "DeleteDataset",
            Op::ListModels => "ListModels",
            Op::DescribeModel => "DescribeModel",
            Op::StopModel => "StopModel",
            Op::DeleteModel => "DeleteModel",
            Op::DeleteProject => "DeleteProject",
            Op::ListTagsForResource => "ListTagsForResource",
            Op::ListModelPackagingJobs => "ListModelPackagingJobs",
            Op::DescribeModelPackagingJob => "DescribeModelPackagingJob",
            Op::GetObject => "GetObject",
            Op::GetCallerIdentity => "GetCallerIdentity",
            Op::AssumeRole => "AssumeRole",
            Op::ListAccounts => "ListAccounts",
        }
    }

    /// Every operation, in declaration order.
    pub const ALL: [Op; 17] = [
        Op::ListProjects,
        Op::DescribeProject,
        Op::DescribeDataset,
        Op::ListDatasetEntries,
        Op::DeleteDataset,
        Op::ListModels,
        Op::DescribeModel,
        Op::StopModel,
        Op::DeleteModel,
        Op::DeleteProject,
        Op::ListTagsForResource,
        Op::ListModelPackagingJobs,
        Op::DescribeModelPackagingJob,
        Op::GetObject,
        Op::GetCallerIdentity,
        Op::AssumeRole,
        Op::ListAccounts,
    ];
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The attempts of one operation in one invocation, and how many of them the service answered 429.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallCount {
    /// Attempts sent (a retried call counts each attempt).
    pub attempts: u64,
    /// Attempts answered 429.
    pub throttled: u64,
}

/// Attempts per operation (serialised as a map keyed by the operation's name, in declaration order).
pub type CallCounts = BTreeMap<Op, CallCount>;

/// Add the counts of `more` to `into`, operation by operation.
pub fn add_calls(into: &mut CallCounts, more: &CallCounts) {
    for (op, c) in more {
        let to = into.entry(*op).or_default();
        to.attempts += c.attempts;
        to.throttled += c.throttled;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_serialises_as_the_service_spells_it_and_reads_back() {
        for op in Op::ALL {
            let json = serde_json::to_string(&op).unwrap();
            assert_eq!(json, format!("\"{}\"", op.name()));
            assert_eq!(serde_json::from_str::<Op>(&json).unwrap(), op);
            assert_eq!(op.to_string(), op.name());
        }
        let names: std::collections::BTreeSet<&str> = Op::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(names.len(), Op::ALL.len(), "no two operations share a name");
        let one = |attempts, throttled| CallCount { attempts, throttled };
        let mut into: CallCounts = [(Op::DescribeModel, one(2, 1))].into();
        add_calls(&mut into, &[(Op::DescribeModel, one(3, 0)), (Op::StopModel, one(1, 1))].into());
        assert_eq!(into, [(Op::DescribeModel, one(5, 1)), (Op::StopModel, one(1, 1))].into());
        assert_eq!(
            serde_json::to_string(&into).unwrap(),
            r#"{"DescribeModel":{"attempts":5,"throttled":1},"StopModel":{"attempts":1,"throttled":1}}"#
        );
        // A misspelt operation is refused, never read as another one.
        assert!(serde_json::from_str::<Op>("\"DeleteDataSet\"").is_err());
    }
}
