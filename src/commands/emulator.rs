//! `emulator`: run the local Lookout for Vision service standalone.

use std::time::Duration;

use crate::cli::EmulatorArgs;
use crate::error::{Error, ExitCode, Result};
use lfv_emulator::{self as emulator, EmulatorConfig, FaultSpec, GenSpec, Seed};

pub(crate) async fn emulator(args: EmulatorArgs) -> Result<ExitCode> {
    let spec = GenSpec {
        projects: args.seed_projects.unwrap_or(20),
        rng_seed: args.rng_seed,
        regions: args.seed_regions.clone(),
        ..GenSpec::default()
    };
    let seed = match (&args.seed, args.seed_accounts) {
        (Some(path), _) => emulator::load_seed(path).map_err(Error::Usage)?,
        (None, Some(n)) => emulator::org_seed::generate_org(n, &spec),
        (None, None) => Seed::generate(&spec),
    };
    let faults: FaultSpec = args.faults.parse().map_err(|e| Error::Usage(format!("--faults: {e}")))?;
    let config = EmulatorConfig {
        seed,
        rng_seed: args.rng_seed,
        rate: args.rate.0,
        burst: args.burst,
        faults,
        latency: Duration::from_millis(args.latency_ms),
        delete_delay: Duration::from_millis(args.delete_delay_ms),
        state_file: args.state.clone(),
        s3_rate: args.s3_rate.0,
        session_ttl: Duration::from_secs(args.session_ttl),
        ..EmulatorConfig::default()
    };
    emulator::run_standalone(args.listen, config)
        .await
        .map_err(|e| Error::Usage(format!("emulator on {}: {e}", args.listen)))?;
    Ok(ExitCode::Ok)
}
