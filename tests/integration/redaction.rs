//! `--log trace` shows what the SDK sends, but never a credential: the access key id, the secret key and the
//! session token are redacted from every line, and the run still works.

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, KEY, fast};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET";
const TOKEN: &str = "FwoGZXIvYXdzEJr//////////wEaDSESSIONTOKENxyz+abc=";

#[tokio::test(flavor = "multi_thread")]
async fn trace_logs_never_show_credentials() {
    let env = Env::new(fast(one_region(vec![project("alpha", vec![dataset("train", 1_672_531_200.0)])]))).await;
    let endpoint = env.emu.endpoint();
    let runs: [&[&str]; 3] = [
        &["--log", "trace", "plan", "--out", "plan.json", "--endpoint-url", &endpoint, "--force"],
        &["--log", "trace", "apply", "plan.json", "--yes", "--no-backup", "--endpoint-url", &endpoint],
        &["--log", "trace", "verify", "plan.json", "--endpoint-url", &endpoint],
    ];
    for args in runs {
        let mut cmd = env.command(args);
        cmd.env("AWS_SECRET_ACCESS_KEY", SECRET).env("AWS_SESSION_TOKEN", TOKEN);
        let run = env.run_cmd(cmd, args).await;
        run.ok();
        // The trace really shows the signed request, with its credential headers' values hidden.
        run.stderr_has("x-amz-security-token").stderr_has("authorization").stderr_has("[redacted]");
        for (what, value) in [("access key id", KEY), ("secret key", SECRET), ("session token", TOKEN)] {
            for (stream, text) in [("stderr", &run.stderr), ("stdout", &run.stdout)] {
                assert!(!text.contains(value), "{what} in the {stream} of {}", args.join(" "));
            }
        }
        // Nor a recognisable part of one (the secret and token are long; the SDK might print a prefix).
        for part in ["wJalrXUtnFEMI", "SESSIONTOKENxyz"] {
            assert!(!run.stderr.contains(part), "{part} in the stderr of {}", args.join(" "));
        }
    }
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 1, "the run with trace logging still deleted");
}
