//! Flags of the commands that are not steps of a decommission: `demo`, `emulator`, `convert`, `completions`
//! and `man`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use clap::builder::RangedU64ValueParser;

use super::{
    ConnectArgs, EmulatorRate, concurrency, max_attempts, millis, parse_emulator_rate, parse_rate, parse_region,
};

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the demo writes its plan, journal, report, summary and backups; a rerun first removes what an
    /// earlier demo wrote there (plan.json, plan.*, summary.json) and leaves anything else.
    #[arg(long, value_name = "DIR", default_value = "lfv-sunset-demo")]
    pub dir: PathBuf,
    /// Projects in the emulated account, split over two regions (default 40; 2 to 10,000: one per region at
    /// least).
    #[arg(long, value_name = "N", default_value_t = 40, value_parser = RangedU64ValueParser::<usize>::new().range(2..=10_000))]
    pub projects: usize,
}

/// `emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on (loopback only is sensible).
    #[arg(long, env = "LFV_EMULATOR_LISTEN", value_name = "ADDR", default_value = "127.0.0.1:4566")]
    pub listen: SocketAddr,
    /// Seed file (JSON; see the README's "Emulator seed format").
    #[arg(long, value_name = "FILE", conflicts_with = "seed_projects")]
    pub seed: Option<PathBuf>,
    /// Generate a realistic account with N projects instead of a seed file (default 20; 0 to 100,000).
    #[arg(long, value_name = "N", value_parser = RangedU64ValueParser::<usize>::new().range(0..=100_000))]
    pub seed_projects: Option<usize>,
    /// Generate an organisation instead: the default access key's management account plus N ACTIVE member
    /// accounts, each with --seed-projects projects per --seed-regions region and the role
    /// OrganizationAccountAccessRole that the management account may assume (1 to 1,000).
    #[arg(long, value_name = "N", conflicts_with = "seed", value_parser = RangedU64ValueParser::<usize>::new().range(1..=1_000))]
    pub seed_accounts: Option<usize>,
    /// Regions that get generated projects, comma-separated (default us-east-1).
    #[arg(long, value_name = "R1,R2,...", value_delimiter = ',', default_value = "us-east-1", conflicts_with = "seed", value_parser = parse_region)]
    pub seed_regions: Vec<String>,
    /// Lifetime of STS sessions when AssumeRole names no DurationSeconds, in seconds (default 3600; 1 to
    /// 43,200; role chaining caps it at 3600).
    #[arg(long, env = "LFV_EMULATOR_SESSION_TTL", value_name = "SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=43_200))]
    pub session_ttl: u64,
    /// Seed of the fault injection and generator (default 0).
    #[arg(long, env = "LFV_EMULATOR_RNG_SEED", value_name = "S", default_value_t = 0)]
    pub rng_seed: u64,
    /// Quota per (account, region, operation) in requests/s, or `unlimited` (default 5; 0.1 to 1,000,000).
    #[arg(long, env = "LFV_EMULATOR_RATE", value_name = "TPS|unlimited", default_value = "5", value_parser = parse_emulator_rate)]
    pub rate: EmulatorRate,
    /// Token-bucket capacity per (account, region, operation) (default 0: one second of --rate; 0 to 1,000,000).
    #[arg(long, env = "LFV_EMULATOR_BURST", value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub burst: u32,
    /// Faults to inject, e.g. `internal=0.05,unavailable=0.01,reset=0.01,slow=0.01,latency=0.1` (default none).
    #[arg(long, env = "LFV_EMULATOR_FAULTS", value_name = "SPEC", default_value = "")]
    pub faults: String,
    /// Latency added to every response in milliseconds (default 0; 0 to 600,000).
    #[arg(long, env = "LFV_EMULATOR_LATENCY_MS", value_name = "MS", default_value_t = 0, value_parser = millis())]
    pub latency_ms: u64,
    /// How long a deleted dataset shows DELETE_IN_PROGRESS, in milliseconds (default 0; 0 to 600,000).
    #[arg(long, env = "LFV_EMULATOR_DELETE_DELAY_MS", value_name = "MS", default_value_t = 0, value_parser = millis())]
    pub delete_delay_ms: u64,
    /// Persist state in this file (loaded at start, rewritten atomically after each mutation).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// S3 quota per (account, region, operation) in requests/s, or `unlimited` (default 5500, S3's GET rate
    /// per prefix; 0.1 to 1,000,000); over it S3 answers 503 SlowDown.
    #[arg(long, env = "LFV_EMULATOR_S3_RATE", value_name = "TPS|unlimited", default_value = "5500", value_parser = parse_emulator_rate)]
    pub s3_rate: EmulatorRate,
}

/// `convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The backup tree that `apply`/`export` wrote (`<account>/<region>/<project>/<type>.manifest.jsonl`);
    /// only read.
    #[arg(long, value_name = "BACKUP_DIR")]
    pub from: PathBuf,
    /// Output directory (created `0700` if missing; a second run resumes in it).
    #[arg(long, value_name = "OUT_DIR")]
    pub to: PathBuf,
    /// Output layout.
    #[arg(long, value_enum, value_name = "LAYOUT")]
    pub layout: crate::convert::Layout,
    /// Only projects whose name matches this glob; repeat for several (default: all).
    #[arg(long = "project", value_name = "GLOB")]
    pub projects: Vec<String>,
    /// GetObject requests per second per (account, region), 0.1 to 10,000 (default 100: S3 allows 5,500
    /// GETs/s per prefix, so this is a courtesy to the bucket's other users, not a quota). Lowered
    /// automatically on SlowDown and recovered towards this value.
    #[arg(long, env = "LFV_CONVERT_RATE", value_name = "TPS", default_value_t = 100.0, value_parser = parse_rate)]
    pub rate: f64,
    /// Images fetched and written at once, 1 to 1,024 (default 16).
    #[arg(long, env = "LFV_CONVERT_CONCURRENCY", value_name = "N", default_value_t = 16, value_parser = concurrency())]
    pub concurrency: usize,
    /// Attempts per GetObject, including the first (1 to 100).
    #[arg(long, env = "LFV_MAX_ATTEMPTS", value_name = "N", default_value_t = crate::service::retry::DEFAULT_MAX_ATTEMPTS, value_parser = max_attempts())]
    pub max_attempts: u32,
    /// Named AWS profile (default: the default credential chain).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// S3 region for every call (default: each project's region in the backup tree).
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,
    /// Connection options.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for; the script goes to stdout, e.g. `lfv-sunset completions bash >
    /// /etc/bash_completion.d/lfv-sunset`, or `source <(lfv-sunset completions zsh)`.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `lfv-sunset.1` and one page per command (`lfv-sunset-plan.1`, ...) into DIR (created if missing)
    /// instead of `lfv-sunset.1` to stdout.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}
