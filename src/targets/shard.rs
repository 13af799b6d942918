//! `--shard K/N`: a deterministic partition of accounts, so N copies of a job (Kubernetes Indexed Job, AWS Batch
//! array job: both number copies from 0) cover an organisation exactly once. An account belongs to shard
//! `u64(first 8 bytes of SHA-256(account id), big-endian) mod N`: the same on every machine and release, and
//! independent of the order or number of accounts listed. Every region of an account is in the same shard.

use sha2::{Digest, Sha256};

/// One shard of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This copy's index, 0 to `count - 1`.
    pub index: u32,
    /// Number of copies, 1 to 10,000.
    pub count: u32,
}

/// Most copies `--shard` accepts: 10,000.
pub const MAX_SHARDS: u32 = 10_000;

impl Shard {
    /// Parse `K/N` (K from 0 to N-1, N from 1 to [`MAX_SHARDS`]).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (k, n) = s.trim().split_once('/').ok_or("expected K/N, e.g. 0/4")?;
        let n: u32 = n.trim().parse().map_err(|_| format!("N in K/N must be a number from 1 to {MAX_SHARDS}"))?;
        if !(1..=MAX_SHARDS).contains(&n) {
            return Err(format!("N in K/N must be a number from 1 to {MAX_SHARDS}"));
        }
        let k: u32 = k.trim().parse().map_err(|_| format!("K in K/N must be a number from 0 to {}", n - 1))?;
        if k >= n {
            return Err(format!("K in K/N must be from 0 to {} (copies are numbered from 0)", n - 1));
        }
        Ok(Shard { index: k, count: n })
    }

    /// Whether `account` belongs to this shard.
    pub fn contains(&self, account: &str) -> bool {
        shard_of(account, self.count) == self.index
    }
}

/// The shard (0 to `count - 1`) of an account id.
pub fn shard_of(account: &str, count: u32) -> u32 {
    let h = Sha256::digest(account.as_bytes());
    let v = u64::from_be_bytes(h[..8].try_into().expect("8 bytes"));
    (v % u64::from(count.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let ok = |k, n| Ok(Shard { index: k, count: n });
        for (s, want) in [
            ("0/1", ok(0, 1)),
            ("3/4", ok(3, 4)),
            (" 0/10000 ", ok(0, 10_000)),
            ("4/4", Err("K in K/N must be from 0 to 3 (copies are numbered from 0)".to_string())),
            ("0/0", Err("N in K/N must be a number from 1 to 10000".into())),
            ("0/10001", Err("N in K/N must be a number from 1 to 10000".into())),
            ("-1/4", Err("K in K/N must be a number from 0 to 3".into())),
            ("1", Err("expected K/N, e.g. 0/4".into())),
            ("a/b", Err("N in K/N must be a number from 1 to 10000".into())),
        ] {
            assert_eq!(Shard::parse(s), want, "{s:?}");
        }
    }

    #[test]
    fn fixed_assignments() {
        // Pinned: a change of the hash would move accounts between shards of running jobs.
        let got: Vec<u32> =
            ["111122223333", "444455556666", "123456789012", "000000000001"].iter().map(|a| shard_of(a, 4)).collect();
        assert_eq!(got, PINNED);
    }

    /// Computed independently: `int.from_bytes(hashlib.sha256(id).digest()[:8], "big") % 4` in Python.
    const PINNED: [u32; 4] = [0, 3, 2, 2];

    #[test]
    fn shards_are_disjoint_and_complete() {
        let accounts: Vec<String> = (0..1000u64).map(|i| format!("{:012}", 100_000_000_000 + i * 7919)).collect();
        for n in [1u32, 2, 3, 7, 16] {
            let mut counts = vec![0usize; n as usize];
            for a in &accounts {
                let owners: Vec<u32> = (0..n).filter(|&k| Shard { index: k, count: n }.contains(a)).collect();
                assert_eq!(owners.len(), 1, "{a} in shards {owners:?} of {n}");
                counts[owners[0] as usize] += 1;
            }
            // Balanced within a wide margin: no shard empty or holding over twice its share.
            for c in counts {
                assert!(c > 0 && c <= 2 * accounts.len() / n as usize, "{n} shards: {c}");
            }
        }
    }
}
