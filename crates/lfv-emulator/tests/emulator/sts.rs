//! The emulator's STS through the real `aws-sdk-sts` client and aws-config's `AssumeRoleProvider`: caller
//! identities, AssumeRole's trust, external ids and durations, session expiry on the emulator clock refused by
//! every service with AWS's codes and statuses, unknown session keys, disabled regions, and credentials that
//! refresh when the emulator clock passes their expiry.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_lookoutvision::config::retry::RetryConfig;
use aws_sdk_lookoutvision::config::timeout::TimeoutConfig;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use lfv_emulator::org_seed::{ORG_ROLE, generate_org, member_id};
use lfv_emulator::seed::AccessKey;
use lfv_emulator::seed::SeedRole;
use lfv_emulator::{FaultSpec, GenSpec, Mix, RunningEmulator, Seed};

use super::{config, start};

/// The management account (the default account: long-term keys not in the seed belong to it).
pub const MGMT: &str = "123456789012";

/// An organisation of 3 members with 2 projects in us-east-1 each: member 1 has ap-east-1 disabled and a
/// long-term key `AKIAMEMBER1`; member 2's `Audit` role wants external id `ext-42`; member 3 is SUSPENDED;
/// member 2's `Chain` role (MaxSessionDuration 7,200 s) trusts member 1; `AKIAOUTSIDE` belongs to an account
/// outside the organisation.
pub fn org_seed() -> Seed {
    let spec = GenSpec { projects: 2, mix: Mix::TrainTest, entries: (2, 2), ..GenSpec::default() };
    let mut seed = generate_org(3, &spec);
    seed.roles.push(SeedRole {
        account: member_id(2),
        name: "Audit".into(),
        trusted_accounts: vec![MGMT.into()],
        external_id: Some("ext-42".into()),
        ..SeedRole::default()
    });
    seed.roles.push(SeedRole {
        account: member_id(2),
        name: "Chain".into(),
        trusted_accounts: vec![member_id(1)],
        max_session_secs: Some(7200),
        ..SeedRole::default()
    });
    seed.organization.as_mut().unwrap().accounts[3].status = "SUSPENDED".into();
    seed.disabled_regions.insert(member_id(1), vec!["ap-east-1".into()]);
    for (k, a) in [("AKIAMEMBER1", member_id(1)), ("AKIAOUTSIDE", "210987654321".to_string())] {
        seed.access_keys.insert(k.into(), AccessKey { account: a, deny: vec![] });
    }
    seed
}

/// A time source reading the emulator clock, so the SDK judges expiry as the emulator does.
#[derive(Clone)]
pub struct EmuTime(pub Arc<dyn Fn() -> SystemTime + Send + Sync>);

impl std::fmt::Debug for EmuTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmuTime")
    }
}

impl aws_smithy_async::time::TimeSource for EmuTime {
    fn now(&self) -> SystemTime {
        (self.0)()
    }
}

/// Shared SDK config for the emulator: retries off, bounded timeouts, `creds` as the credentials.
pub async fn sdk(emu: &RunningEmulator, creds: Credentials, region: &str) -> SdkConfig {
    sdk_at(&emu.endpoint(), creds, region).await
}

/// [`sdk`] for an emulator at `endpoint`.
pub async fn sdk_at(endpoint: &str, creds: Credentials, region: &str) -> SdkConfig {
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

/// Long-term credentials.
pub fn key(akid: &str) -> Credentials {
    Credentials::new(akid, "secret", None, None, "test")
}

/// The error code and HTTP status of a failed call.
pub fn failure<T, E: ProvideErrorMetadata>(r: Result<T, SdkError<E, HttpResponse>>) -> (String, u16) {
    let Err(e) = r else { panic!("the call must fail") };
    let status = e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
    (e.code().unwrap_or("").to_string(), status)
}

/// Assume `role` in `account` with `creds`; the session's credentials.
pub async fn assume(
    emu: &RunningEmulator,
    creds: Credentials,
    account: &str,
    role: &str,
    secs: Option<i32>,
) -> Credentials {
    let sts = aws_sdk_sts::Client::new(&sdk(emu, creds, "us-east-1").await);
    let out = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/{role}"))
        .role_session_name("lfv-test")
        .set_duration_seconds(secs)
        .send()
        .await
        .expect("assume role");
    let c = out.credentials().expect("credentials");
    assert!(c.access_key_id().starts_with("ASIA"), "{}", c.access_key_id());
    Credentials::new(c.access_key_id(), c.secret_access_key(), Some(c.session_token().into()), None, "sts")
}

#[tokio::test]
async fn caller_identity_of_a_long_term_key_and_of_an_assumed_role() {
    let emu = start(config(org_seed())).await;
    let sts = aws_sdk_sts::Client::new(&sdk(&emu, key("AKIDTEST"), "us-east-1").await);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!((me.account(), me.arn()), (Some(MGMT), Some("arn:aws:iam::123456789012:user/emulator")));
    assert_eq!(me.user_id(), Some("AKIDTEST"));
    let member = aws_sdk_sts::Client::new(&sdk(&emu, key("AKIAMEMBER1"), "us-east-1").await);
    assert_eq!(member.get_caller_identity().send().await.unwrap().account(), Some(member_id(1).as_str()));
    let session = assume(&emu, key("AKIDTEST"), &member_id(2), ORG_ROLE, None).await;
    let sts2 = aws_sdk_sts::Client::new(&sdk(&emu, session, "eu-west-1").await);
    let who = sts2.get_caller_identity().send().await.unwrap();
    let arn = format!("arn:aws:sts::{}:assumed-role/{ORG_ROLE}/lfv-test", member_id(2));
    assert_eq!((who.account(), who.arn()), (Some(member_id(2).as_str()), Some(arn.as_str())));
    assert!(who.user_id().unwrap().starts_with("AROA") && who.user_id().unwrap().ends_with(":lfv-test"));
    // Counted per operation and account like every other call.
    let log = emu.log();
    let calls = |op: &str, account: &str| log.iter().filter(|e| e.op == op && e.account == account).count();
    assert_eq!((calls("GetCallerIdentity", MGMT), calls("GetCallerIdentity", &member_id(2))), (1, 1));
    assert_eq!((calls("AssumeRole", MGMT), emu.stats().calls_with_status("AssumeRole", "200")), (1, 1));
}

#[tokio::test]
async fn assume_role_trust_external_id_and_durations() {
    let emu = start(config(org_seed())).await;
    let mgmt = aws_sdk_sts::Client::new(&sdk(&emu, key("AKIDTEST"), "us-east-1").await);
    let outside = aws_sdk_sts::Client::new(&sdk(&emu, key("AKIAOUTSIDE"), "us-east-1").await);
    let arn = |a: &str, r: &str| format!("arn:aws:iam::{a}:role/{r}");
    let ask = |c: &aws_sdk_sts::Client, role: String| c.assume_role().role_arn(role).role_session_name("s1");
    // Allowed, with the requested duration on the emulator clock.
    let before = emu.now();
    let ok = ask(&mgmt, arn(&member_id(1), ORG_ROLE)).duration_seconds(1800).send().await.unwrap();
    let exp = SystemTime::try_from(*ok.credentials().unwrap().expiration()).unwrap();
    let secs = exp.duration_since(before).unwrap().as_secs();
    assert!((1798..=1801).contains(&secs), "expiry {secs} s after the request");
    // Denied: untrusted caller, unknown role, suspended account.
    let denied = [
        failure(ask(&outside, arn(&member_id(1), ORG_ROLE)).send().await),
        failure(ask(&mgmt, arn(&member_id(1), "NoSuchRole")).send().await),
        failure(ask(&mgmt, arn(&member_id(3), ORG_ROLE)).send().await),
    ];
    assert_eq!(denied, [("AccessDenied".to_string(), 403), ("AccessDenied".into(), 403), ("AccessDenied".into(), 403)]);
    // External id: required and missing, wrong, then right.
    let audit = arn(&member_id(2), "Audit");
    assert_eq!(failure(ask(&mgmt, audit.clone()).send().await), ("AccessDenied".into(), 403));
    assert_eq!(failure(ask(&mgmt, audit.clone()).external_id("ext-41").send().await), ("AccessDenied".into(), 403));
    assert!(ask(&mgmt, audit).external_id("ext-42").send().await.is_ok());
    // Durations: out of 900..=43200, over the role's MaxSessionDuration, and chained over one hour.
    let invalid = ("ValidationError".to_string(), 400);
    assert_eq!(failure(ask(&mgmt, arn(&member_id(1), ORG_ROLE)).duration_seconds(899).send().await), invalid);
    assert_eq!(failure(ask(&mgmt, arn(&member_id(1), ORG_ROLE)).duration_seconds(3601).send().await), invalid);
    let m1 = aws_sdk_sts::Client::new(&sdk(&emu, key("AKIAMEMBER1"), "us-east-1").await);
    assert!(ask(&m1, arn(&member_id(2), "Chain")).duration_seconds(7200).send().await.is_ok());
    let first = assume(&emu, key("AKIDTEST"), &member_id(1), ORG_ROLE, None).await;
    let chained = aws_sdk_sts::Client::new(&sdk(&emu, first, "us-east-1").await);
    assert_eq!(failure(ask(&chained, arn(&member_id(2), "Chain")).duration_seconds(3601).send().await), invalid);
    let c = ask(&chained, arn(&member_id(2), "Chain")).duration_seconds(3600).send().await.unwrap();
    assert!(c.assumed_role_user().unwrap().arn().ends_with(":assumed-role/Chain/s1"));
}

#[tokio::test]
async fn an_expired_session_is_refused_by_every_service() {
    let emu = start(config(org_seed())).await;
    let session = assume(&emu, key("AKIDTEST"), &member_id(1), ORG_ROLE, Some(900)).await;
    let conf = sdk(&emu, session, "us-east-1").await;
    let lfv = aws_sdk_lookoutvision::Client::new(&conf);
    let sts = aws_sdk_sts::Client::new(&conf);
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
    let orgs = aws_sdk_organizations::Client::new(&conf);
    let bucket = format!("lookoutvision-us-east-1-{}", member_id(1));
    assert_eq!(lfv.list_projects().send().await.unwrap().projects().len(), 2);
    assert!(sts.get_caller_identity().send().await.is_ok());
    assert!(s3.list_objects_v2().bucket(&bucket).send().await.is_ok());
    emu.advance_clock(Duration::from_secs(899));
    assert!(lfv.list_projects().send().await.is_ok(), "still valid 1 s before expiry");
    emu.advance_clock(Duration::from_secs(2));
    assert_eq!(failure(lfv.list_projects().send().await), ("ExpiredTokenException".into(), 403));
    assert_eq!(failure(sts.get_caller_identity().send().await), ("ExpiredToken".into(), 403));
    assert_eq!(failure(s3.list_objects_v2().bucket(&bucket).send().await), ("ExpiredToken".into(), 400));
    assert_eq!(failure(orgs.list_accounts().send().await), ("ExpiredTokenException".into(), 403));
    let stats = emu.stats();
    assert_eq!(stats.calls_with_status("ListProjects", "403"), 1);
    assert_eq!(stats.calls_with_status("ListObjectsV2", "400"), 1);
}

#[tokio::test]
async fn a_session_key_never_issued_is_an_unrecognized_client() {
    let emu = start(config(org_seed())).await;
    let real = assume(&emu, key("AKIDTEST"), &member_id(1), ORG_ROLE, None).await;
    let forged = [
        Credentials::new("ASIAFORGED0000000000", "secret", Some("token".into()), None, "test"),
        // An issued key with another session token.
        Credentials::new(real.access_key_id(), real.secret_access_key(), Some("other".into()), None, "test"),
    ];
    for creds in forged {
        let conf = sdk(&emu, creds, "us-east-1").await;
        let lfv = aws_sdk_lookoutvision::Client::new(&conf);
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
        assert_eq!(failure(lfv.list_projects().send().await), ("UnrecognizedClientException".into(), 403));
        let sts = aws_sdk_sts::Client::new(&conf);
        assert_eq!(failure(sts.get_caller_identity().send().await), ("InvalidClientTokenId".into(), 403));
        assert_eq!(failure(s3.list_objects_v2().bucket("b").send().await), ("InvalidAccessKeyId".into(), 403));
        let orgs = aws_sdk_organizations::Client::new(&conf);
        assert_eq!(failure(orgs.list_accounts().send().await), ("UnrecognizedClientException".into(), 403));
    }
    // The real session still works: the refusals were about the forged credentials.
    let lfv = aws_sdk_lookoutvision::Client::new(&sdk(&emu, real, "us-east-1").await);
    assert!(lfv.list_projects().send().await.is_ok());
}

#[tokio::test]
async fn a_region_the_account_has_not_enabled_is_an_unrecognized_client() {
    let emu = start(config(org_seed())).await;
    let session = assume(&emu, key("AKIDTEST"), &member_id(1), ORG_ROLE, None).await;
    let off = aws_sdk_lookoutvision::Client::new(&sdk(&emu, session.clone(), "ap-east-1").await);
    assert_eq!(failure(off.list_projects().send().await), ("UnrecognizedClientException".into(), 403));
    let on = aws_sdk_lookoutvision::Client::new(&sdk(&emu, session, "eu-west-1").await);
    assert!(on.list_projects().send().await.is_ok());
    // Only member 1 disabled it.
    let other = assume(&emu, key("AKIDTEST"), &member_id(2), ORG_ROLE, None).await;
    let fine = aws_sdk_lookoutvision::Client::new(&sdk(&emu, other, "ap-east-1").await);
    assert!(fine.list_projects().send().await.is_ok());
    let log = emu.log();
    assert!(log.iter().any(|e| e.region == "ap-east-1" && e.account == member_id(1) && e.status == 403));
}

#[tokio::test]
async fn assume_role_provider_refreshes_when_the_emulator_clock_passes_expiry() {
    let mut cfg = config(org_seed());
    cfg.session_ttl = Duration::from_secs(900);
    let emu = Arc::new(start(cfg).await);
    let e2 = emu.clone();
    let time = EmuTime(Arc::new(move || e2.now()));
    let base = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emu.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(key("AKIDTEST"))
        .retry_config(RetryConfig::disabled())
        .time_source(time.clone())
        .load()
        .await;
    let role = format!("arn:aws:iam::{}:role/{ORG_ROLE}", member_id(1));
    let provider =
        aws_config::sts::AssumeRoleProvider::builder(role).session_name("refresh").configure(&base).build().await;
    let conf = base
        .into_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
        .build();
    let lfv = aws_sdk_lookoutvision::Client::new(&conf);
    let sts = aws_sdk_sts::Client::new(&conf);
    let who = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(who.account(), Some(member_id(1).as_str()));
    // Three session lifetimes on the emulator clock, a call in each: every one succeeds on fresh credentials.
    for _ in 0..3 {
        assert_eq!(lfv.list_projects().send().await.unwrap().projects().len(), 2);
        emu.advance_clock(Duration::from_secs(901));
    }
    assert_eq!(lfv.list_projects().send().await.unwrap().projects().len(), 2);
    let stats = emu.stats();
    assert_eq!(stats.calls("AssumeRole"), 4, "one session per lifetime");
    assert_eq!(stats.calls_with_status("ListProjects", "403"), 0);
    // Without the emulator clock the SDK keeps the expired session: the emulator refuses it.
    let stale = aws_sdk_lookoutvision::Client::new(
        &sdk(&emu, assume(&emu, key("AKIDTEST"), &member_id(1), ORG_ROLE, None).await, "us-east-1").await,
    );
    emu.advance_clock(Duration::from_secs(901));
    assert_eq!(failure(stale.list_projects().send().await), ("ExpiredTokenException".into(), 403));
}

#[tokio::test]
async fn sts_and_organizations_draw_faults_like_every_operation() {
    let emu = start(config(org_seed())).await;
    let conf = sdk(&emu, key("AKIDTEST"), "us-east-1").await;
    let sts = aws_sdk_sts::Client::new(&conf);
    let orgs = aws_sdk_organizations::Client::new(&conf);
    emu.set_faults(FaultSpec { internal: 1.0, ..FaultSpec::default() });
    assert_eq!(failure(sts.get_caller_identity().send().await), ("InternalFailure".into(), 500));
    assert_eq!(failure(orgs.list_accounts().send().await), ("ServiceException".into(), 500));
    emu.set_faults(FaultSpec { unavailable: 1.0, ..FaultSpec::default() });
    assert_eq!(failure(sts.get_caller_identity().send().await).1, 503);
    assert_eq!(failure(orgs.list_accounts().send().await).1, 503);
    emu.set_faults(FaultSpec::default());
    assert!(sts.get_caller_identity().send().await.is_ok());
    let stats = emu.stats();
    let statuses = |op: &str| ["200", "500", "503"].map(|s| stats.calls_with_status(op, s));
    assert_eq!((statuses("GetCallerIdentity"), statuses("ListAccounts")), ([1, 1, 1], [0, 1, 1]));
    assert_eq!((stats.faults.get("internal"), stats.faults.get("unavailable")), (Some(&2), Some(&2)));
}
