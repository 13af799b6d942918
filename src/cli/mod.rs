//! Command-line definitions (clap derive), and the value parsers that enforce every numeric, duration, time,
//! URL and region flag's range at parse time, the same in every command (a bad value is clap's exit 2, naming the
//! flag, before anything runs). Every tunable flag has an `env` twin, a value name and a doc comment with its
//! default, unit and range; the README's "Flag ranges" lists the same ranges.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::RangedU64ValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

mod select;
mod targets;
mod tools;
mod values;
pub use select::{SelectArgs, SweepCommandArgs};
pub use targets::{RoleArgs, TargetArgs};
pub use tools::{CompletionsArgs, ConvertArgs, DemoArgs, EmulatorArgs, ManArgs};
pub use values::{
    EmulatorRate, check_endpoint_url, is_region, parse_account_id, parse_attempt_timeout, parse_emulator_rate,
    parse_endpoint_url, parse_external_id, parse_max_plan_age, parse_rate, parse_region, parse_region_or_all,
    parse_role_arn_template, parse_role_name, parse_session_name, parse_shard, parse_time, parse_wait_timeout,
};
use values::{concurrency, max_attempts, max_in_flight, millis};

/// Decommission Amazon Lookout for Vision datasets in bulk, safely and provably: plan, review, back up,
/// delete, verify.
#[derive(Debug, Parser)]
#[command(name = "lfv-sunset", version = crate::version::TOOL_BUILD, propagate_version = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// Log filter for diagnostics on stderr (tracing syntax, e.g. `debug`, `lfv_sunset=trace`).
    #[arg(
        help_heading = "Output",
        long,
        global = true,
        env = "LFV_LOG",
        value_name = "FILTER",
        default_value = "warn"
    )]
    pub log: String,
    /// Escape sequences on stderr: `auto` (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces
    /// colour), `always` (colour even into a pipe) or `never` (plain log and progress lines, no bar).
    #[arg(help_heading = "Output", long, global = true, env = "LFV_COLOR", value_enum, value_name = "WHEN", default_value_t = crate::term::ColorChoice::Auto)]
    pub color: crate::term::ColorChoice,
    /// Also append the log lines (at --log's level, even with --quiet; never coloured; credentials redacted)
    /// to FILE, created owner-only (0600) if missing; a symlink is refused.
    #[arg(help_heading = "Output", long, global = true, env = "LFV_LOG_FILE", value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// No progress and no status lines on stderr, and logs at `error` only (overrides --log); results on
    /// stdout, warnings and errors are still printed. LFV_QUIET: any value but empty, 0, false, no, off.
    #[arg(help_heading = "Output", short, long, global = true, env = "LFV_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    pub quiet: bool,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Enumerate projects and datasets into a reviewed, versioned JSON plan (read-only).
    Plan(PlanArgs),
    /// Validate a plan and print what it holds.
    Show(ShowArgs),
    /// Execute a plan: back up, then delete each dataset, journalled and resumable.
    Apply(ApplyArgs),
    /// Plan, back up, delete and verify in one pipelined, resumable run (scheduled jobs); exit code as verify.
    Sweep(SweepCommandArgs),
    /// Export every planned dataset's entries (Ground Truth manifests) without deleting anything.
    Export(ExportArgs),
    /// Rebuild the CSV audit report from a checkpoint journal.
    Report(ReportArgs),
    /// Prove nothing is left: exit 0 if no planned (or, with --all, no) dataset exists, 3 if some do.
    Verify(VerifyArgs),
    /// Run the whole flow against an embedded emulator: plan, show, dry run, apply, verify.
    Demo(DemoArgs),
    /// Run the local Lookout for Vision emulator until Ctrl-C.
    Emulator(EmulatorArgs),
    /// Convert preserved datasets (a backup tree) into anomalib Folder or MVTec AD layouts, images and
    /// binary masks fetched from S3.
    Convert(ConvertArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to stdout.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout, or write every command's page into a directory.
    Man(ManArgs),
}

/// How to reach the service, shared by the commands that call it.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectArgs {
    /// Endpoint URL for every target: `http://` or `https://`, a host, an optional port and path (default: the
    /// AWS chain's, e.g. AWS_ENDPOINT_URL, else AWS's own).
    #[arg(long, env = "LFV_ENDPOINT_URL", value_name = "URL", value_parser = parse_endpoint_url)]
    pub endpoint_url: Option<String>,
    /// Per-attempt timeout of each API call (default 10s; e.g. 500ms, 30s; 100ms to 10m).
    #[arg(long, env = "LFV_ATTEMPT_TIMEOUT", value_name = "DURATION", default_value = crate::cloud::DEFAULT_ATTEMPT_TIMEOUT_FLAG, value_parser = parse_attempt_timeout)]
    pub attempt_timeout: Duration,
}

/// How `plan` and `verify` pace their enumeration (ListProjects, DescribeProject).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Pacing")]
pub struct SweepArgs {
    /// Requests per second per (target, operation) (default 5, the service's documented quota; 0.1 to 10,000).
    #[arg(long, env = "LFV_RATE", value_name = "TPS", default_value_t = 5.0, value_parser = parse_rate)]
    pub rate: f64,
    /// DescribeProject calls in flight per target; every target is enumerated at once (default 8; 1 to 1,024).
    #[arg(long, env = "LFV_CONCURRENCY", value_name = "N", default_value_t = 8, value_parser = concurrency())]
    pub concurrency: usize,
    /// Calls in flight across every target, shared fairly (default 256; 1 to 65,536).
    #[arg(long, env = "LFV_MAX_IN_FLIGHT", value_name = "N", default_value_t = crate::service::schedule::DEFAULT_MAX_IN_FLIGHT, value_parser = max_in_flight())]
    pub max_in_flight: usize,
    /// Attempts per call, including the first (1 to 100).
    #[arg(long, env = "LFV_MAX_ATTEMPTS", value_name = "N", default_value_t = crate::service::retry::DEFAULT_MAX_ATTEMPTS, value_parser = max_attempts())]
    pub max_attempts: u32,
}

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Where to write the plan (JSON). Refuses to replace an existing file without --force.
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub out: PathBuf,
    /// What to plan.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Connection options.
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Pace of the enumeration.
    #[command(flatten)]
    pub sweep: SweepArgs,
    /// Replace an existing --out file.
    #[arg(help_heading = "Output", long)]
    pub force: bool,
    /// What stdout says of the plan written: text, or one JSON document (`lfv-sunset-planned/1`).
    #[arg(help_heading = "Output", long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
}

/// `--scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// Datasets only.
    Datasets,
    /// Model versions, datasets and the projects themselves.
    All,
}

impl ScopeArg {
    /// As the plan's type.
    pub fn scope(self) -> crate::plan::Scope {
        match self {
            ScopeArg::Datasets => crate::plan::Scope::Datasets,
            ScopeArg::All => crate::plan::Scope::All,
        }
    }
}

/// `--dataset-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DatasetTypeArg {
    /// Training datasets only.
    Train,
    /// Test datasets only.
    Test,
    /// Both.
    Both,
}

impl DatasetTypeArg {
    /// The dataset type selected, `None` for both.
    pub fn dataset_type(self) -> Option<crate::plan::DatasetType> {
        match self {
            DatasetTypeArg::Train => Some(crate::plan::DatasetType::Train),
            DatasetTypeArg::Test => Some(crate::plan::DatasetType::Test),
            DatasetTypeArg::Both => None,
        }
    }
}

/// What every command prints on stdout (`--format`): the same two words everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    /// Text for people (`table`, the word `show` and `verify` used before, is accepted for one release).
    #[value(alias = "table")]
    Text,
    /// One JSON document (see the README's "Machine-readable outputs").
    Json,
}

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The plan file.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
    /// How many items to list (default 10; 0 to 1,000,000).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = RangedU64ValueParser::<usize>::new().range(0..=1_000_000))]
    pub items: usize,
}

/// `--metrics-file`, for `apply`, `export`, `verify` and `sweep`.
#[derive(Debug, Clone, Args)]
pub struct MetricsArgs {
    /// Also write the run's figures to FILE in Prometheus's text format, atomically, for node_exporter's
    /// textfile collector (e.g. /var/lib/node_exporter/textfile/lfv-sunset.prom); also when the command fails.
    #[arg(help_heading = "Output", long, env = "LFV_METRICS_FILE", value_name = "FILE")]
    pub metrics_file: Option<PathBuf>,
}

/// Options shared by `apply` and `export`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The plan file.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Requests per second per (account, region, operation) (default 5, the documented quota; 0.1 to 10,000).
    /// Lowered automatically on throttling and recovered towards this value.
    #[arg(help_heading = "Pacing", long, env = "LFV_RATE", value_name = "TPS", default_value_t = 5.0, value_parser = parse_rate)]
    pub rate: f64,
    /// Projects worked on at once per target; each has at most one call in flight (default 32; 1 to 1,024).
    #[arg(help_heading = "Pacing", long, env = "LFV_CONCURRENCY", value_name = "N", default_value_t = 32, value_parser = concurrency())]
    pub concurrency: usize,
    /// Calls in flight across every target, shared fairly so that no target holds another back (default 256;
    /// 1 to 65,536).
    #[arg(help_heading = "Pacing", long, env = "LFV_MAX_IN_FLIGHT", value_name = "N", default_value_t = crate::service::schedule::DEFAULT_MAX_IN_FLIGHT, value_parser = max_in_flight())]
    pub max_in_flight: usize,
    /// Attempts per call, including the first (1 to 100).
    #[arg(help_heading = "Pacing", long, env = "LFV_MAX_ATTEMPTS", value_name = "N", default_value_t = crate::service::retry::DEFAULT_MAX_ATTEMPTS, value_parser = max_attempts())]
    pub max_attempts: u32,
    /// Checkpoint journal (default: PLAN.journal.jsonl beside the plan; PLAN.dry-run.journal.jsonl for
    /// --dry-run; PLAN.export.journal.jsonl for export).
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// CSV audit report (default: PLAN.audit.csv; PLAN.dry-run.audit.csv; PLAN.export.csv).
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The run's JSON summary, written on every path that reaches the journal, also when the run stops early
    /// (default: PLAN.summary.json; PLAN.dry-run.summary.json; PLAN.export.summary.json).
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Refuse plans older than this (default 7d; e.g. 12h, 30d; 1m to 3650d).
    #[arg(long, env = "LFV_MAX_PLAN_AGE", value_name = "DURATION", default_value = "7d", value_parser = parse_max_plan_age)]
    pub max_plan_age: Duration,
    /// Summary format on stdout.
    #[arg(help_heading = "Output", long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
    /// Profile for every target (default: the profile recorded in the plan).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Connection options.
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Role assumption options (for plans that reach accounts through roles).
    #[command(flatten)]
    pub role: RoleArgs,
    /// Where backups go (default: PLAN.backup/ beside the plan, PLAN being its path without .json).
    #[arg(help_heading = "Output", long, env = "LFV_BACKUP_DIR", value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Bound on waiting for a dataset in progress, a conflict to clear, or a deletion to be confirmed
    /// (default 10m; 1s to 24h).
    #[arg(help_heading = "Pacing", long, env = "LFV_WAIT_TIMEOUT", value_name = "DURATION", default_value = "10m", value_parser = parse_wait_timeout)]
    pub wait_timeout: Duration,
    /// Attempt again the items a previous run recorded as failed.
    #[arg(help_heading = None, long)]
    pub retry_failed: bool,
    /// Metrics for scheduled jobs.
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

/// `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Common options.
    #[command(flatten)]
    pub run: RunArgs,
    /// Check every item (read-only) and report `would_delete`; no mutating call, no backup.
    #[arg(help_heading = None, long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (for scheduled jobs).
    #[arg(help_heading = None, long)]
    pub yes: bool,
    /// Refuse a plan with more than N items (0 to 10,000,000; 0 refuses every plan that has an item).
    #[arg(help_heading = None, long, env = "LFV_MAX_DELETE", value_name = "N", value_parser = RangedU64ValueParser::<usize>::new().range(0..=10_000_000))]
    pub max_delete: Option<usize>,
    /// Skip the backup of each dataset's entries before deleting it (recorded in every report row).
    #[arg(help_heading = None, long)]
    pub no_backup: bool,
    /// Benchmark only: SDK default retries and no limiter, the naive approach.
    #[arg(help_heading = None, long, hide = true)]
    pub naive: bool,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Common options.
    #[command(flatten)]
    pub run: RunArgs,
}

/// `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The checkpoint journal.
    #[arg(value_name = "CHECKPOINT")]
    pub checkpoint: PathBuf,
    /// Where to write the CSV (replaced atomically), or `-` for stdout (the row counts then go to stderr).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// What stdout says of the report written: text, or one JSON document (`lfv-sunset-report/1`; not with
    /// `--out -`, where stdout is the CSV).
    #[arg(help_heading = "Output", long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The plan whose datasets must be gone (omit with --all).
    #[arg(value_name = "PLAN", required_unless_present = "all", conflicts_with = "all")]
    pub plan: Option<PathBuf>,
    /// Sweep whole targets and list every dataset that exists at all.
    #[arg(long)]
    pub all: bool,
    /// With --all: region to sweep, e.g. `us-east-1`, or `all` for the 7 Lookout for Vision regions; repeat
    /// for several (default: the AWS chain's region).
    #[arg(help_heading = "Selection", long = "region", value_name = "REGION", requires = "all", value_parser = parse_region_or_all)]
    pub regions: Vec<String>,
    /// With --all: `datasets` (default) lists every dataset that exists; `all` lists every project too, so the
    /// command exits 3 while any project exists in the targets.
    #[arg(help_heading = "Selection", long, value_name = "SCOPE", default_value = "datasets", value_parser = |s: &str| s.parse::<crate::plan::Scope>())]
    pub scope: crate::plan::Scope,
    /// With --all: profile to sweep; repeat for several. With a plan: profile for every target.
    #[arg(help_heading = "Selection", long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Connection options.
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Output format.
    #[arg(help_heading = "Output", long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
    /// Pace of the enumeration.
    #[command(flatten)]
    pub sweep: SweepArgs,
    /// Role assumption options (with a plan that reaches accounts through roles).
    #[command(flatten)]
    pub role: RoleArgs,
    /// Metrics for scheduled jobs.
    #[command(flatten)]
    pub metrics: MetricsArgs,
}
