//! Fault injection: parsing of the `--faults` syntax into a [`FaultSpec`], and the seeded draw.
//!
//! Exactly one uniform number in [0, 1) is drawn from a `StdRng` seeded with `rng_seed` per API request (never for
//! `/_emulator/` or unknown paths), whether or not the operation is in `ops`, so the same seed and request order
//! give the same faults. The number picks a fault by cumulative probability in the order internal,
//! unavailable, reset, slow, latency; the rest is no fault.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::FaultSpec;
use super::wire::Op;

/// Default delay of a `slow` fault: 30,000 ms.
pub(crate) const DEFAULT_SLOW_MS: u64 = 30_000;
/// Default delay of a `latency` fault: 200 ms.
pub(crate) const DEFAULT_LATENCY_MS: u64 = 200;

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Internal,
    Unavailable,
    Reset,
    Slow(u64),
    Latency(u64),
}

impl Fault {
    /// The stats key.
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Fault::Internal => "internal",
            Fault::Unavailable => "unavailable",
            Fault::Reset => "reset",
            Fault::Slow(_) => "slow",
            Fault::Latency(_) => "latency",
        }
    }
}

/// Largest `slow_ms` and `latency_ms`: 600,000 ms (10 minutes, like `--latency-ms`).
pub(crate) const MAX_DELAY_MS: u64 = 600_000;

/// Parse `internal=0.05,unavailable=0.01,reset=0.01,slow=0.01,latency=0.1,slow_ms=5000,latency_ms=50,
/// ops=DeleteDataset+ListProjects`. Unset delays take their defaults (30,000 and 200 ms). Refused, with a
/// message naming the kind or value: an unknown kind, a kind given twice, a probability outside 0 to 1 or
/// probabilities summing above 1, a delay over [`MAX_DELAY_MS`], an operation name the API does not have.
pub(crate) fn parse(s: &str) -> Result<FaultSpec, String> {
    let mut f = FaultSpec { slow_ms: DEFAULT_SLOW_MS, latency_ms: DEFAULT_LATENCY_MS, ..FaultSpec::default() };
    let mut seen: Vec<&str> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| format!("invalid fault `{part}`: expected kind=value"))?;
        let (k, v) = (k.trim(), v.trim());
        if seen.contains(&k) {
            return Err(format!("fault `{k}` is given twice"));
        }
        seen.push(k);
        let prob = || -> Result<f64, String> {
            match v.parse::<f64>() {
                Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
                _ => Err(format!("invalid value `{v}` for fault `{k}`: expected a probability from 0 to 1")),
            }
        };
        let ms = || -> Result<u64, String> {
            match v.parse::<u64>() {
                Ok(ms) if ms <= MAX_DELAY_MS => Ok(ms),
                _ => Err(format!("invalid value `{v}` for `{k}`: expected milliseconds from 0 to {MAX_DELAY_MS}")),
            }
        };
        match k {
            "internal" => f.internal = prob()?,
            "unavailable" => f.unavailable = prob()?,
            "reset" => f.reset = prob()?,
            "slow" => f.slow = prob()?,
            "latency" => f.latency = prob()?,
            "slow_ms" => f.slow_ms = ms()?,
            "latency_ms" => f.latency_ms = ms()?,
            "ops" => {
                f.ops = v.split('+').map(str::trim).filter(|o| !o.is_empty()).map(String::from).collect();
                if f.ops.is_empty() {
                    return Err(format!("invalid value `{v}` for `ops`: expected operation names joined by `+`"));
                }
                if let Some(bad) = f.ops.iter().find(|o| !Op::is_api_name(o)) {
                    return Err(format!("unknown operation `{bad}` in `ops`: expected {}", Op::api_names(", ")));
                }
            }
            _ => {
                return Err(format!(
                    "unknown fault kind `{k}`: expected internal, unavailable, reset, slow, latency, slow_ms, \
                     latency_ms or ops"
                ));
            }
        }
    }
    let sum = f.internal + f.unavailable + f.reset + f.slow + f.latency;
    if sum > 1.0 + 1e-9 {
        return Err(format!("the fault probabilities sum to {sum}, more than 1"));
    }
    Ok(f)
}

/// The live fault spec and its generator.
#[derive(Debug)]
pub(crate) struct Faults {
    inner: Mutex<(FaultSpec, StdRng)>,
}

impl Faults {
    /// Faults from `spec`, drawn from a generator seeded with `seed`.
    pub(crate) fn new(spec: FaultSpec, seed: u64) -> Faults {
        Faults { inner: Mutex::new((spec, StdRng::seed_from_u64(seed))) }
    }

    /// Replace the spec; the generator carries on.
    pub(crate) fn set(&self, spec: FaultSpec) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).0 = spec;
    }

    /// One draw for one API request of operation `op`.
    pub(crate) fn draw(&self, op: &str) -> Option<Fault> {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (spec, rng) = &mut *g;
        let u: f64 = rng.random();
        if !spec.ops.is_empty() && !spec.ops.iter().any(|o| o == op) {
            return None;
        }
        let slow_ms = if spec.slow_ms == 0 && spec.slow > 0.0 { DEFAULT_SLOW_MS } else { spec.slow_ms };
        let latency_ms = if spec.latency_ms == 0 && spec.latency > 0.0 { DEFAULT_LATENCY_MS } else { spec.latency_ms };
        let table = [
            (spec.internal, Fault::Internal),
            (spec.unavailable, Fault::Unavailable),
            (spec.reset, Fault::Reset),
            (spec.slow, Fault::Slow(slow_ms)),
            (spec.latency, Fault::Latency(latency_ms)),
        ];
        let mut acc = 0.0;
        for (p, f) in table {
            acc += p;
            if u < acc {
                return Some(f);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names_errors() {
        let f = parse("internal=0.05,unavailable=0.01,reset=0.01,slow=0.01,latency=0.1,slow_ms=5000,latency_ms=50,ops=DeleteDataset+ListProjects").unwrap();
        assert_eq!(f.internal, 0.05);
        assert_eq!(f.slow_ms, 5000);
        assert_eq!(f.ops, vec!["DeleteDataset", "ListProjects"]);
        assert_eq!(parse("").unwrap().slow_ms, DEFAULT_SLOW_MS);
        assert!(parse("bogus=1").unwrap_err().contains("bogus"));
        assert!(parse("internal=2").unwrap_err().contains("`2`"));
        assert!(parse("internal").unwrap_err().contains("internal"));
    }

    #[test]
    fn refuses_what_would_silently_change_the_faults() {
        // (spec, a fragment the error must contain); each was accepted before.
        let cases = [
            ("ops=NoSuchOp", "`NoSuchOp`"),
            ("internal=0.5,ops=DeleteDataset+deletedataset", "`deletedataset`"),
            ("internal=0.6,unavailable=0.5", "more than 1"),
            ("internal=0.2,reset=0.2,slow=0.2,latency=0.2,unavailable=0.3", "more than 1"),
            ("internal=0.1,internal=0.2", "`internal` is given twice"),
            ("ops=DeleteDataset,ops=ListProjects", "`ops` is given twice"),
            ("slow_ms=600001", "`slow_ms`"),
            ("latency_ms=18446744073709551615", "`latency_ms`"),
            ("internal=NaN", "`NaN`"),
            ("ops=", "`ops`"),
        ];
        for (spec, fragment) in cases {
            match parse(spec) {
                Ok(f) => panic!("{spec:?} accepted as {f:?}"),
                Err(e) => assert!(e.contains(fragment), "{spec:?}: {e}"),
            }
        }
        for ok in ["internal=1", "internal=0.5,unavailable=0.5", "slow_ms=600000,ops=ListTagsForResource", " "] {
            assert!(parse(ok).is_ok(), "{ok:?}: {:?}", parse(ok));
        }
    }

    #[test]
    fn draws_are_reproducible_and_filtered() {
        let spec = parse("internal=0.5,ops=DeleteDataset").unwrap();
        let a = Faults::new(spec.clone(), 7);
        let b = Faults::new(spec, 7);
        let xs: Vec<_> = (0..50).map(|_| a.draw("DeleteDataset")).collect();
        let ys: Vec<_> = (0..50).map(|_| b.draw("DeleteDataset")).collect();
        assert_eq!(xs, ys);
        assert!(xs.contains(&Some(Fault::Internal)) && xs.contains(&None));
        assert!((0..50).all(|_| a.draw("ListProjects").is_none()));
    }
}
