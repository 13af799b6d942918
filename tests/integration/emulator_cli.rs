//! The tool's `emulator` subcommand, run as the binary: seed files and fault specs it is given exit 2 at once
//! naming the entry (before "listening"), and the organisation `--seed-accounts` generates, reached through the
//! real SDKs. (The emulator itself is tested in its own crate, `crates/lfv-emulator/tests/emulator/`.)

use std::process::Stdio;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_lookoutvision::config::retry::RetryConfig;
use aws_sdk_lookoutvision::config::timeout::TimeoutConfig;
use aws_sdk_organizations::types::AccountState;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use lfv_emulator::org_seed::{ORG_ROLE, member_id};
use tokio::io::AsyncBufReadExt;

use crate::support::{BIN, KEY, Scratch};

/// The default account (long-term keys not in the seed belong to it), the organisation's management account.
const ACCOUNT: &str = "123456789012";
/// The management account of a `--seed-accounts` organisation.
const MGMT: &str = ACCOUNT;

/// Long-term credentials.
fn key(akid: &str) -> Credentials {
    Credentials::new(akid, "secret", None, None, "test")
}

/// The error code and HTTP status of a failed call.
fn failure<T, E: ProvideErrorMetadata>(r: Result<T, SdkError<E, HttpResponse>>) -> (String, u16) {
    let Err(e) = r else { panic!("the call must fail") };
    let status = e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
    (e.code().unwrap_or("").to_string(), status)
}

/// Shared SDK config for an emulator at `endpoint`: retries off, bounded timeouts, `creds` as the credentials.
async fn sdk_at(endpoint: &str, creds: Credentials, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_string()))
        .credentials_provider(creds)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .load()
        .await
}

/// Run `lfv-sunset emulator ARGS` on port 0; it must exit within 20 s (a valid config would listen forever).
async fn emulator_exit(args: &[&str]) -> (Option<i32>, String, String) {
    let child = tokio::process::Command::new(BIN)
        .arg("emulator")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("emulator {args:?} still running after 20 s"))
        .expect("wait");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn seed_json(project: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"accounts": [{"account": ACCOUNT, "regions": [{"region": "us-east-1", "projects": [
        {"name": "first", "created": 1.6e9, "datasets": [{"type": "train", "created": 1.6e9}]},
        project
    ]}]}]})
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_seed_files_and_fault_specs_exit_2_naming_the_entry() {
    let dir = Scratch::new();
    let ds = |extra: serde_json::Value| {
        let mut d = serde_json::json!({"type": "train", "created": 1.6e9});
        d.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        serde_json::json!({"name": "second", "created": 1.6e9, "datasets": [d]})
    };
    let seeds = [
        (seed_json(serde_json::json!({"name": "first", "created": 1.6e9})), "projects[1] (first): duplicate project"),
        (seed_json(ds(serde_json::json!({"generate_entries": 10_000_000_000u64}))), "more than 100000"),
        (seed_json(ds(serde_json::json!({"status": "BOGUS"}))), "unknown status `BOGUS`"),
        (seed_json(ds(serde_json::json!({"type": "validation"}))), "datasets[0] (validation)"),
        (seed_json(ds(serde_json::json!({"created": -5}))), "created -5"),
        (seed_json(serde_json::json!({"name": "bad name", "created": 1.6e9})), "projects[1] (bad name)"),
        (
            serde_json::json!({"accounts": [{"account": "12", "regions": []}]}),
            "accounts[0] (12): expected a 12-digit account id",
        ),
        (
            serde_json::json!({"accounts": [{"account": ACCOUNT, "regions": [
                {"region": "us-east-1", "projects": []}, {"region": "us-east-1", "projects": []}]}]}),
            "regions[1] (us-east-1): duplicate region",
        ),
    ];
    for (i, (seed, fragment)) in seeds.iter().enumerate() {
        let path = dir.path().join(format!("seed-{i}.json"));
        std::fs::write(&path, seed.to_string()).unwrap();
        let start = Instant::now();
        let (code, stdout, stderr) = emulator_exit(&["--seed", path.to_str().unwrap()]).await;
        assert_eq!(code, Some(2), "seed {i}: {stderr}");
        assert!(stderr.contains(fragment) && stderr.contains(&format!("seed-{i}.json")), "seed {i}: {stderr}");
        assert!(!stdout.contains("listening") && !stderr.contains("panicked"), "seed {i}: {stdout}{stderr}");
        assert!(start.elapsed() < Duration::from_secs(10), "seed {i} took {:?}", start.elapsed());
    }
    let specs = [
        ("ops=NoSuchOp", "`NoSuchOp`"),
        ("internal=0.7,reset=0.7", "more than 1"),
        ("internal=0.1,internal=0.2", "given twice"),
        ("slow=1,slow_ms=99999999999", "`slow_ms`"),
    ];
    for (spec, fragment) in specs {
        let (code, stdout, stderr) = emulator_exit(&["--faults", spec]).await;
        assert_eq!(code, Some(2), "{spec}: {stderr}");
        assert!(stderr.contains("--faults") && stderr.contains(fragment), "{spec}: {stderr}");
        assert!(!stdout.contains("listening"), "{spec}: {stdout}");
    }
}

#[tokio::test]
async fn seed_accounts_generates_an_organisation_with_roles_and_projects_per_region() {
    let mut child = tokio::process::Command::new(BIN)
        .args(["emulator", "--listen", "127.0.0.1:0", "--rate", "unlimited", "--seed-accounts", "3"])
        .args(["--seed-projects", "2", "--seed-regions", "us-east-1,eu-west-1"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("emulator binary starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
    let endpoint = first.rsplit(' ').next().unwrap().to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{first}");
    let conf = sdk_at(&endpoint, key(KEY), "us-east-1").await;
    let accounts = aws_sdk_organizations::Client::new(&conf).list_accounts().send().await.unwrap();
    let ids: Vec<&str> = accounts.accounts().iter().map(|a| a.id().unwrap()).collect();
    assert_eq!(ids, [MGMT, &member_id(1), &member_id(2), &member_id(3)]);
    assert!(accounts.accounts().iter().all(|a| a.state() == Some(&AccountState::Active) && a.status().is_none()));
    // The management account holds no projects; every member 2 per region, reached through its role.
    let lfv = aws_sdk_lookoutvision::Client::new(&conf);
    assert_eq!(lfv.list_projects().send().await.unwrap().projects().len(), 0);
    let sts = aws_sdk_sts::Client::new(&conf);
    for i in 1..=3 {
        let out = sts
            .assume_role()
            .role_arn(format!("arn:aws:iam::{}:role/{ORG_ROLE}", member_id(i)))
            .role_session_name("gen")
            .send()
            .await
            .unwrap();
        let c = out.credentials().unwrap();
        let creds = aws_credential_types::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().into()),
            None,
            "sts",
        );
        for (region, want) in [("us-east-1", 2), ("eu-west-1", 2), ("us-west-2", 0)] {
            let c = aws_sdk_lookoutvision::Client::new(&sdk_at(&endpoint, creds.clone(), region).await);
            assert_eq!(c.list_projects().send().await.unwrap().projects().len(), want, "member {i} {region}");
        }
    }
    // A role that does not exist is AccessDenied, as a role whose trust policy does not name the caller.
    let m = aws_sdk_sts::Client::new(&sdk_at(&endpoint, key(KEY), "us-east-1").await);
    let nope = m.assume_role().role_arn(format!("arn:aws:iam::{}:role/Other", member_id(1))).role_session_name("xx");
    assert_eq!(failure(nope.send().await), ("AccessDenied".into(), 403));
    child.kill().await.ok();
}
