//! Only the service's own `ResourceNotFoundException` means "gone": endpoints that answer something else
//! (a static web server's 404, HTML, a 200 that does not parse, a 400 without the service's error shape) are
//! "unreachable or wrong endpoint" (exit 6) for verify, apply and plan, and leave nothing in the journal.
//! Also: a 404 after this tool's own lost DeleteDataset is never recorded as `already_absent`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lfv_sunset::exec::journal::{self, Journal, Mode, Record};
use lfv_sunset::plan::Plan;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::plan::{dataset, one_region, project};
use crate::support::{Env, fast, read_csv, sdk};

/// One canned answer: status, content type, body.
type Reply = (u16, &'static str, String);
type Handler = Arc<dyn Fn(&str, &str) -> Reply + Send + Sync>;

/// A tiny HTTP/1.1 server on 127.0.0.1:0 that answers STS GetCallerIdentity (`POST /`) as STS does for account
/// 123456789012 (a proxy that passes STS through), and every other request with `handler(method, path)`, and
/// closes the connection. Stopped when dropped.
struct Foreign {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

/// GetCallerIdentity's answer for the default account, as STS sends it.
fn caller_identity() -> Reply {
    let xml = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>\
        <Arn>arn:aws:iam::123456789012:user/emulator</Arn><UserId>AKIDTEST</UserId><Account>123456789012</Account>\
        </GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>\
        </GetCallerIdentityResponse>";
    (200, "text/xml", xml.to_string())
}

impl Foreign {
    /// Answers STS right and everything else with `handler`.
    async fn start(handler: Handler) -> Foreign {
        Foreign::serve(Arc::new(move |method: &str, path: &str| {
            if method == "POST" && path == "/" { caller_identity() } else { handler(method, path) }
        }))
        .await
    }

    /// Answers every request, STS's too, with `handler`.
    async fn serve(handler: Handler) -> Foreign {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            // At most 10,000 connections: every test here makes far fewer.
            for _ in 0..10_000 {
                let Ok((mut sock, _)) = listener.accept().await else { return };
                let handler = handler.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(10), async {
                        let mut buf = Vec::new();
                        let mut chunk = [0u8; 4096];
                        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 1 << 20 {
                            let n = sock.read(&mut chunk).await?;
                            if n == 0 {
                                return Ok::<_, std::io::Error>(());
                            }
                            buf.extend_from_slice(&chunk[..n]);
                        }
                        let head = String::from_utf8_lossy(&buf).into_owned();
                        let mut words = head.split_whitespace();
                        let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                        let (status, ctype, body) = handler(method, path);
                        let response = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        sock.write_all(response.as_bytes()).await?;
                        sock.shutdown().await
                    })
                    .await;
                });
            }
        });
        Foreign { addr, task }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn html(status: u16) -> Reply {
    (status, "text/html", format!("<html><body><h1>{status}</h1><p>nginx</p></body></html>"))
}

/// Answers that are not the service's, to every request.
fn everywhere() -> Vec<(&'static str, Handler)> {
    vec![
        ("404 html", Arc::new(|_: &str, _: &str| html(404))),
        ("404 text", Arc::new(|_: &str, _: &str| (404, "text/plain", "404 page not found\n".into()))),
        (
            "404 json without a code",
            Arc::new(|_: &str, _: &str| (404, "application/json", r#"{"message":"Not Found"}"#.into())),
        ),
        ("404 empty", Arc::new(|_: &str, _: &str| (404, "text/plain", String::new()))),
        ("200 garbage", Arc::new(|_: &str, _: &str| html(200))),
        ("400 html", Arc::new(|_: &str, _: &str| html(400))),
    ]
}

fn secs(t: Option<chrono::DateTime<chrono::Utc>>) -> f64 {
    t.map(|t| t.timestamp_millis() as f64 / 1000.0).unwrap_or_default()
}

/// The plan's projects as ListProjects and DescribeProject would show them (what a proxy in front of the
/// real service would pass through).
fn listing(plan: &Plan) -> String {
    let projects: Vec<serde_json::Value> = plan
        .items
        .iter()
        .map(|i| serde_json::json!({"ProjectArn": i.project_arn, "ProjectName": i.project, "CreationTimestamp": 1.6e9}))
        .collect();
    serde_json::json!({ "Projects": projects }).to_string()
}

fn description(plan: &Plan) -> String {
    let first = &plan.items[0];
    let datasets: Vec<serde_json::Value> = plan
        .items
        .iter()
        .map(|i| serde_json::json!({"DatasetType": i.resource, "CreationTimestamp": secs(i.created), "Status": "CREATE_COMPLETE"}))
        .collect();
    serde_json::json!({"ProjectDescription": {"ProjectArn": first.project_arn, "ProjectName": first.project,
        "CreationTimestamp": 1.6e9, "Datasets": datasets}})
    .to_string()
}

/// A proxy-like endpoint: the project reads look right, but DeleteDataset gets `delete`.
fn reads_ok(plan: &Plan, delete: Reply) -> Handler {
    let (list, desc) = (listing(plan), description(plan));
    Arc::new(move |method: &str, path: &str| match method {
        "DELETE" => delete.clone(),
        _ if path.trim_end_matches('/').ends_with("/projects") || path.contains("/projects?") => {
            (200, "application/json", list.clone())
        }
        _ => (200, "application/json", desc.clone()),
    })
}

/// ListProjects answers, DescribeProject gets `describe` (a project "deleted between list and describe").
fn list_ok(plan: &Plan, describe: Reply) -> Handler {
    let list = listing(plan);
    Arc::new(move |_: &str, path: &str| {
        if path.contains("/projects?") || path.trim_end_matches('/').ends_with("/projects") {
            (200, "application/json", list.clone())
        } else {
            describe.clone()
        }
    })
}

async fn one_project() -> (Env, Plan) {
    let env = Env::new(fast(one_region(vec![project(
        "alpha",
        vec![dataset("train", 1_672_531_200.0), dataset("test", 1_672_531_260.5)],
    )])))
    .await;
    let plan = env.plan("plan.json", &[]).await;
    assert_eq!(plan.items.len(), 2);
    (env, plan)
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_never_says_nothing_left_because_of_a_foreign_answer() {
    let (env, plan) = one_project().await;
    let mut cases = everywhere();
    cases.push(("describe 404 html", list_ok(&plan, html(404))));
    for (name, handler) in cases {
        let server = Foreign::start(handler).await;
        let url = server.url();
        let run = env.run(&["verify", "plan.json", "--endpoint-url", &url]).await;
        run.code(6).stderr_has(&url);
        assert!(!run.stdout.contains("nothing left"), "{name}: {}", run.stdout);
        let run = env.run(&["verify", "--all", "--endpoint-url", &url]).await;
        run.code(6).stderr_has(&url);
        assert!(!run.stdout.contains("nothing left"), "{name}: {}", run.stdout);
    }
    // The real service's ResourceNotFoundException still means gone.
    let client = sdk(&env.emu.endpoint(), "AKIDTEST");
    for t in ["train", "test"] {
        client.delete_dataset().project_name("alpha").dataset_type(t).send().await.unwrap();
    }
    env.emu.advance_clock(Duration::from_secs(60));
    client.delete_project().project_name("alpha").send().await.unwrap();
    env.run(&["verify", "plan.json", "--endpoint-url", &env.emu.endpoint()]).await.ok().stdout_has("nothing left");
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_records_no_outcome_from_a_foreign_answer_and_a_rerun_deletes() {
    let (env, plan) = one_project().await;
    for (name, handler) in everywhere() {
        let server = Foreign::start(handler).await;
        let url = server.url();
        let run = env.run(&["export", "plan.json", "--backup-dir", "backups", "--endpoint-url", &url]).await;
        run.code(6).stderr_has(&url);
        assert!(!run.stdout.contains("exported"), "{name}: {}", run.stdout);
    }
    let mut cases = everywhere();
    cases.push(("delete 404 html", reads_ok(&plan, html(404))));
    cases.push(("delete 404 json without a code", reads_ok(&plan, (404, "application/json", "{}".into()))));
    cases.push(("delete 200 empty", reads_ok(&plan, (200, "text/plain", String::new()))));
    cases.push(("delete 400 html", reads_ok(&plan, html(400))));
    for (name, handler) in cases {
        let server = Foreign::start(handler).await;
        let url = server.url();
        let run = env.run(&["apply", "plan.json", "--yes", "--no-backup", "--endpoint-url", &url]).await;
        run.code(6).stderr_has(&url);
        let state = journal::read(&env.path("plan.journal.jsonl")).unwrap();
        let decided: Vec<_> = state.by_seq.values().filter_map(|s| s.outcome.as_ref()).collect();
        assert!(decided.is_empty(), "{name}: outcomes journalled from a foreign answer: {decided:?}");
        let rows = read_csv(&env.path("plan.audit.csv"));
        assert!(rows.iter().all(|r| r["outcome"] == "pending"), "{name}: {rows:?}");
    }
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 0);
    env.run(&["apply", "plan.json", "--yes", "--no-backup"]).await.ok();
    let rows = read_csv(&env.path("plan.audit.csv"));
    assert!(rows.iter().all(|r| r["outcome"] == "deleted"), "{rows:?}");
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 2);
}

/// An endpoint whose STS answer is foreign: the identity cannot be resolved, so plan, verify, export and apply
/// exit 6 naming the endpoint, before any Lookout for Vision call, and nothing is journalled.
#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_sts_answer_is_unreachable_for_every_command() {
    let (env, _plan) = one_project().await;
    for (name, handler) in everywhere() {
        let server = Foreign::serve(handler).await;
        let url = server.url();
        let out = env.p("foreign.json");
        let run = env.run(&["plan", "--out", &out, "--endpoint-url", &url, "--force"]).await;
        run.code(6).stderr_has(&url).stderr_has("not an STS answer");
        assert!(!env.path("foreign.json").exists(), "{name}: a plan was written");
        let run = env.run(&["verify", "plan.json", "--endpoint-url", &url]).await;
        run.code(6).stderr_has(&url).stderr_has("cannot prove");
        for args in [
            vec!["apply", "plan.json", "--yes", "--no-backup", "--endpoint-url", &url],
            vec!["export", "plan.json", "--backup-dir", "backups", "--endpoint-url", &url],
        ] {
            env.run(&args).await.code(6).stderr_has(&url);
        }
        let state = journal::read(&env.path("plan.journal.jsonl"));
        let decided = state.map(|s| s.by_seq.values().filter(|s| s.outcome.is_some()).count()).unwrap_or(0);
        assert_eq!(decided, 0, "{name}: outcomes journalled");
    }
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_exits_6_for_a_foreign_answer_and_writes_no_file() {
    let (env, plan) = one_project().await;
    let mut cases = everywhere();
    cases.push(("describe 404 html", list_ok(&plan, html(404))));
    cases.push(("describe 400 html", list_ok(&plan, html(400))));
    cases.push(("describe 200 garbage", list_ok(&plan, html(200))));
    cases.push(("describe 200 without a description", list_ok(&plan, (200, "application/json", "{}".into()))));
    for (name, handler) in cases {
        let server = Foreign::start(handler).await;
        let url = server.url();
        let out = env.p("foreign.json");
        let run = env.run(&["plan", "--out", &out, "--endpoint-url", &url, "--force"]).await;
        run.code(6).stderr_has(&url).stderr_has("not Lookout for Vision's answer");
        assert!(!env.path("foreign.json").exists(), "{name}: a plan was written");
    }
}

/// An endpoint whose answers have the service's shape but break its own constraints (a project name against
/// ProjectName's pattern, an ARN that is not the project's, a dataset type that is neither train nor test):
/// `plan` exits 6 naming the endpoint and the value, and writes nothing (it used to exit 1, "the plan just
/// made is invalid", or send DescribeProject for a name the service would refuse).
#[tokio::test(flavor = "multi_thread")]
async fn plan_exits_6_naming_a_value_that_breaks_the_services_own_constraints() {
    let (env, _) = one_project().await;
    let arn = |name: &str| format!("arn:aws:lookoutvision:us-east-1:123456789012:project/{name}");
    let listing = |name: &str, arn: &str| {
        serde_json::json!({"Projects": [{"ProjectArn": arn, "ProjectName": name, "CreationTimestamp": 1.6e9}]})
            .to_string()
    };
    let described = |name: &str, arn: &str, dataset_type: &str| {
        serde_json::json!({"ProjectDescription": {"ProjectArn": arn, "ProjectName": name, "CreationTimestamp": 1.6e9,
            "Datasets": [{"DatasetType": dataset_type, "CreationTimestamp": 1.6e9, "Status": "CREATE_COMPLETE"}]}})
        .to_string()
    };
    let cases: Vec<(&str, String, String)> = vec![
        (
            "\"-dash-first\"",
            listing("-dash-first", &arn("-dash-first")),
            described("-dash-first", &arn("-dash-first"), "train"),
        ),
        ("\"not-an-arn\"", listing("pcb", "not-an-arn"), described("pcb", "not-an-arn", "train")),
        ("project/other", listing("pcb", &arn("other")), described("pcb", &arn("other"), "train")),
        ("\"validation\"", listing("pcb", &arn("pcb")), described("pcb", &arn("pcb"), "validation")),
        ("\"other\"", listing("pcb", &arn("pcb")), described("other", &arn("other"), "train")),
    ];
    for (value, list, desc) in cases {
        let handler: Handler = Arc::new(move |_: &str, path: &str| {
            if path.contains("/projects?") || path.trim_end_matches('/').ends_with("/projects") {
                (200, "application/json", list.clone())
            } else {
                (200, "application/json", desc.clone())
            }
        });
        let server = Foreign::start(handler).await;
        let url = server.url();
        let out = env.p("hostile.json");
        let run = env.run(&["plan", "--out", &out, "--endpoint-url", &url, "--force"]).await;
        run.code(6).stderr_has(&url).stderr_has(value).stderr_has("not Lookout for Vision's answer");
        assert!(!env.path("hostile.json").exists(), "{value}: a plan was written");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_404_after_our_own_lost_delete_is_recorded_as_deleted_not_already_absent() {
    let (env, plan) = one_project().await;
    // An earlier run sent DeleteDataset for the first item and lost the answer: the journal has its durable
    // `start` and nothing else; the service deleted the dataset.
    let lost = &plan.items[0];
    {
        let (j, _) = Journal::open(&env.path("plan.journal.jsonl"), &plan, Mode::Apply).unwrap();
        j.append_durable(&Record::Start { seq: lost.seq, at: chrono::Utc::now() }).await.unwrap();
        j.flush().await.unwrap();
    }
    let client = sdk(&env.emu.endpoint(), "AKIDTEST");
    client
        .delete_dataset()
        .project_name(&lost.project)
        .dataset_type(&lost.resource)
        .client_token(&lost.client_token)
        .send()
        .await
        .unwrap();
    // Nine hours later the service no longer knows the token: the resent call gets a 404.
    env.emu.advance_clock(Duration::from_secs(9 * 3600));
    env.run(&["apply", "plan.json", "--yes", "--no-backup"]).await.ok();
    let rows = read_csv(&env.path("plan.audit.csv"));
    let row = rows.iter().find(|r| r["seq"] == lost.seq.to_string()).unwrap();
    assert_eq!(row["outcome"], "deleted", "{row:?}");
    assert!(row["message"].contains("answer was lost"), "{row:?}");
    assert_eq!(row["http_status"], "404", "{row:?}");
    let other = rows.iter().find(|r| r["seq"] != lost.seq.to_string()).unwrap();
    assert_eq!(other["outcome"], "deleted", "{other:?}");
    // The token really had expired: the resend reached the service and was answered 404.
    assert_eq!(env.emu.stats().calls_with_status("DeleteDataset", "404"), 1);
}

/// The same situation, the same answer: an endpoint that passes STS through but answers Lookout for Vision's
/// calls with something foreign makes `apply` and `sweep` alike exit 6 naming it, conclude nothing, and both
/// write their summary file with that exit code (`apply`: PLAN.summary.json; `sweep`: DIR/summary.json). Also
/// when the journal exists and STS itself answers foreign (the run stops before its first Lookout for Vision
/// call): the summary says so.
#[tokio::test(flavor = "multi_thread")]
async fn apply_and_sweep_agree_on_a_wrong_endpoint_and_both_write_their_summary() {
    let (env, _plan) = one_project().await;
    let mut checked = 0;
    let mut sts_passed = 0;
    for (sts_too, (name, handler)) in everywhere().into_iter().enumerate().map(|(i, c)| (i % 2 == 1, c)) {
        let server = if sts_too { Foreign::serve(handler).await } else { Foreign::start(handler).await };
        sts_passed += usize::from(!sts_too);
        let url = server.url();
        let apply = env.run(&["apply", "plan.json", "--yes", "--no-backup", "--endpoint-url", &url]).await;
        apply.code(6).stderr_has(&url);
        let dir = env.p(&format!("sweep-{name}"));
        // A sweep with a sealed plan (resumed) and a sweep that enumerates: both meet the foreign answer.
        let sweep = env.run(&["sweep", "--dir", &dir, "--yes", "--endpoint-url", &url]).await;
        sweep.code(6).stderr_has(&url);
        let summaries = [env.path("plan.summary.json"), env.path(&format!("sweep-{name}/summary.json"))];
        let journals = [env.path("plan.journal.jsonl"), env.path(&format!("sweep-{name}/journal.jsonl"))];
        for (summary, journal) in summaries.iter().zip(&journals) {
            if !journal.exists() {
                // Stopped before anything was journalled: no run, no summary.
                assert!(!summary.exists(), "{name}: {} without a journal", summary.display());
                continue;
            }
            let text = std::fs::read_to_string(summary)
                .unwrap_or_else(|e| panic!("{name} (sts foreign: {sts_too}): {}: {e}", summary.display()));
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["exit_code"], 6, "{name}: {}", summary.display());
            assert_eq!(v["outcomes"].get("deleted"), None, "{name}: nothing concluded: {v}");
            std::fs::remove_file(summary).unwrap();
            checked += 1;
        }
    }
    // Where STS passed through, both commands reached their journal: both summaries were read, not skipped.
    assert!(checked >= 2 * sts_passed, "{checked} summaries checked for {sts_passed} endpoints passing STS");
    assert_eq!(env.emu.stats().mutations.datasets_deleted, 0);
}
