//! The deterministic pieces generated values are derived from: a string hash, a mixer, and the default
//! bucket name. Generated entries (`generate.rs`), model fields (`generate_models.rs`) and S3 objects
//! (`s3/store.rs`) all use them, so the same inputs give the same bytes everywhere.

/// FNV-1a 64 of the parts, each followed by a 0xff byte.
pub(crate) fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// SplitMix64's output function.
pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Default bucket of generated entries: `lookoutvision-{region}-{account}`.
pub(crate) fn default_bucket(account: &str, region: &str) -> String {
    format!("lookoutvision-{region}-{account}")
}
