//! `emulator`: run the local Lookout for Vision service standalone.

use std::time::Duration;

use crate::cli::EmulatorArgs;
use crate::emulator::{self, EmulatorConfig, FaultSpec, GenSpec, Seed};
use crate::error::{Error, ExitCode, Result};

/// Parse `--rate`: a positive number or `unlimited`.
pub(crate) fn parse_rate(s: &str) -> Result<Option<f64>> {
    if s.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(Some(r)),
        _ => Err(Error::Usage(format!("--rate must be a positive number or `unlimited`, not {s:?}"))),
    }
}

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
        rate: parse_rate(&args.rate)?,
        burst: args.burst,
        faults,
        latency: Duration::from_millis(args.latency_ms),
        delete_delay: Duration::from_millis(args.delete_delay_ms),
        state_file: args.state.clone(),
        s3_rate: parse_rate(&args.s3_rate).map_err(|_| {
            Error::Usage(format!("--s3-rate must be a positive number or `unlimited`, not {:?}", args.s3_rate))
        })?,
        session_ttl: Duration::from_secs(args.session_ttl),
        ..EmulatorConfig::default()
    };
    emulator::run_standalone(args.listen, config)
        .await
        .map_err(|e| Error::Usage(format!("emulator on {}: {e}", args.listen)))?;
    Ok(ExitCode::Ok)
}
