//! The selection flags `plan` and `sweep` share (one struct, flattened into both, with the accounts, roles,
//! `--shard` and `--allow-unreachable` of [`TargetArgs`]), and `sweep`'s own flags.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Args;

use super::values::{parse_region_or_all, parse_time, parse_wait_timeout};
use super::{ConnectArgs, DatasetTypeArg, ScopeArg, SweepArgs, TargetArgs, TextFormat};

/// What `plan` and `sweep` select: targets (regions x profiles) and, within them, projects and datasets.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Selection")]
pub struct SelectArgs {
    /// Region to enumerate, e.g. `us-east-1`, or `all` for the 7 where Lookout for Vision was offered
    /// (us-east-1, us-east-2, us-west-2, eu-west-1, eu-central-1, ap-northeast-1, ap-northeast-2); repeat for
    /// several (default: the AWS chain's region). A region outside those 7 is enumerated with a warning.
    #[arg(long = "region", value_name = "REGION", value_parser = parse_region_or_all)]
    pub regions: Vec<String>,
    /// Named AWS profile; repeat for several accounts (default: the default credential chain).
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Only projects whose name matches this glob; repeat to allow several (default: all).
    #[arg(long = "include", value_name = "GLOB")]
    pub include: Vec<String>,
    /// Leave out projects whose name matches this glob; repeat for several. Wins over --include.
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// What to plan: `datasets` (only the datasets, the default) or `all` (a full teardown: every model
    /// version stopped and deleted, every dataset, then the project itself).
    #[arg(long, env = "LFV_SCOPE", value_enum, default_value_t = ScopeArg::Datasets, value_name = "SCOPE")]
    pub scope: ScopeArg,
    /// Which datasets to plan (`--scope datasets` only).
    #[arg(long, value_enum, default_value_t = DatasetTypeArg::Both, value_name = "TYPE")]
    pub dataset_type: DatasetTypeArg,
    /// Only datasets (`--scope all`: projects) created strictly before TIME (RFC 3339 like 2024-03-01T00:00:00Z,
    /// or a date 2024-03-01).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub created_before: Option<DateTime<Utc>>,
    /// Only datasets (`--scope all`: projects) created at or after TIME (RFC 3339 or a date).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub created_after: Option<DateTime<Utc>>,
    /// Accounts, roles, shard, unreachable targets.
    #[command(flatten)]
    pub targets: TargetArgs,
}

/// `sweep`.
#[derive(Debug, Args)]
pub struct SweepCommandArgs {
    /// The sweep's directory (created 0700; a symlink is refused): `sweep.json`, the sealed `plan.json`,
    /// `journal.jsonl`, `audit.csv`, `summary.json`, `leftovers.csv`, `backup/`. A rerun with the same DIR and
    /// flags resumes.
    #[arg(help_heading = "Output", long, value_name = "DIR")]
    pub dir: PathBuf,
    /// What to sweep.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Connection options.
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Pace: the same limiters serve the enumeration and the deletions.
    #[command(flatten)]
    pub sweep: SweepArgs,
    /// Where backups go (default: DIR/backup).
    #[arg(help_heading = "Output", long, env = "LFV_BACKUP_DIR", value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Bound on waiting for a dataset in progress, a conflict to clear, or a deletion to be confirmed
    /// (default 10m; 1s to 24h).
    #[arg(help_heading = "Pacing", long, env = "LFV_WAIT_TIMEOUT", value_name = "DURATION", default_value = "10m", value_parser = parse_wait_timeout)]
    pub wait_timeout: Duration,
    /// Do not ask for confirmation (scheduled jobs); without a terminal, sweep refuses without it, before
    /// creating DIR or writing anything.
    #[arg(help_heading = None, long)]
    pub yes: bool,
    /// Stop once the sweep has found more than N items that delete something (0 to 10,000,000; every kind but
    /// stop_model, as apply's --max-delete): the project that crosses N is not started, what was already
    /// queued finishes, and the sweep exits 5. A resumed sweep counts the items of its earlier runs.
    #[arg(help_heading = None, long, env = "LFV_MAX_DELETE", value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=10_000_000))]
    pub max_delete: Option<usize>,
    /// Read-only rehearsal: plan into DIR/dry-run.plan.json, then check every item as `apply --dry-run`
    /// does (no mutating call, no backup) into DIR/dry-run.journal.jsonl, dry-run.audit.csv (the would-do
    /// report) and dry-run.summary.json. A later real sweep in the same DIR starts afresh. No confirmation.
    #[arg(help_heading = None, long)]
    pub dry_run: bool,
    /// Summary format on stdout.
    #[arg(help_heading = "Output", long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
    /// Metrics for scheduled jobs.
    #[command(flatten)]
    pub metrics: super::MetricsArgs,
}
