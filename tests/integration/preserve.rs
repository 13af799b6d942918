//! `cloud::models` calls and `preserve` against the emulator with the real SDK: the crate's types carry exactly
//! what the service answered, `project.json` holds every model's DescribeModel answer, and each call is counted.
//!
//! Not here yet: packaging jobs and the seedable model fields (output config, evaluation objects, KMS key,
//! inference units, model tags) need the emulator's support for them; until then those paths are covered by
//! unit tests on hand-built SDK answers (`cloud::models::tests`) and by `report::leftovers` tables.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use lfv_emulator::RunningEmulator;
use lfv_sunset::cloud::{CallError, Client, ClientOptions, Endpoint, ErrorKind, ModelStatus, Tag};
use lfv_sunset::preserve::{self, Caller, Collected, OneAttempt};
use serde_json::Value;

use crate::emulator_helpers::{AUTH, config, eventually, model, project, raw, seed_of, start};

const ACCOUNT: &str = "123456789012";

fn ours(emu: &RunningEmulator) -> Client {
    let endpoint = Endpoint {
        region: "us-east-1".into(),
        profile: None,
        endpoint_url: Some(emu.endpoint().to_string()),
        role: None,
    };
    Client::with_fixed_credentials(&endpoint, ClientOptions::default(), "AKIDTEST", "secret")
}

/// A caller that makes one attempt and counts calls per operation.
#[derive(Default)]
struct Counting(Mutex<BTreeMap<&'static str, u64>>);

impl Caller for Counting {
    type Error = CallError;

    fn call<T, F, Fut>(
        &self,
        op: lfv_sunset::service::Op,
        attempt: F,
    ) -> impl std::future::Future<Output = Result<T, CallError>> + Send
    where
        T: Send,
        F: FnMut() -> Fut + Send,
        Fut: std::future::Future<Output = Result<T, CallError>> + Send,
    {
        *self.0.lock().unwrap().entry(op.name()).or_default() += 1;
        OneAttempt.call(op, attempt)
    }
}

/// The emulator's own DescribeModel answer, as raw JSON.
pub(crate) async fn raw_model(emu: &RunningEmulator, project: &str, version: &str) -> Value {
    let r =
        raw(emu, "GET", &format!("/2020-11-20/projects/{project}/models/{version}"), &[("Authorization", AUTH)], b"")
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_str::<Value>(&r.body).unwrap()["ModelDescription"].clone()
}

/// `a` and `b` hold the same data: same keys, strings and integers equal, floats within 1e-6 (the SDK's
/// members are f32), timestamps equal whether epoch seconds (the wire) or RFC 3339 (project.json).
pub(crate) fn same(a: &Value, b: &Value, at: &str) {
    let epoch = |v: &Value| -> Option<f64> {
        v.as_f64().or_else(|| {
            let t = chrono::DateTime::parse_from_rfc3339(v.as_str()?).ok()?;
            Some(t.timestamp_millis() as f64 / 1000.0)
        })
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let (kx, ky): (Vec<_>, Vec<_>) = (x.keys().collect(), y.keys().collect());
            assert_eq!(kx, ky, "keys at {at}");
            for (k, v) in x {
                same(v, &y[k], &format!("{at}/{k}"));
            }
        }
        _ if at.ends_with("Timestamp") => assert_eq!(epoch(a), epoch(b), "{at}"),
        (Value::Number(x), Value::Number(y)) => {
            assert!((x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-6, "{at}: {x} vs {y}")
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn model_calls_return_the_services_answers() {
    let mut p = project("p", vec![], vec![model("1", "TRAINED"), model("2", "HOSTED"), model("3", "TRAINING")]);
    p.tags.insert("team".into(), "qa".into());
    let emu = start(config(seed_of(vec![p, project("empty", vec![], vec![])]))).await;
    let c = ours(&emu);

    let page = c.list_models("p", None).await.unwrap();
    let statuses: Vec<(&str, &ModelStatus)> =
        page.items.iter().map(|m| (m.model_version.as_str(), &m.status)).collect();
    assert_eq!(statuses, [("1", &ModelStatus::Trained), ("2", &ModelStatus::Hosted), ("3", &ModelStatus::Training)]);
    assert_eq!(page.next, None);
    for v in ["1", "2", "3"] {
        let info = c.describe_model("p", v).await.unwrap();
        same(&serde_json::to_value(&info).unwrap(), &raw_model(&emu, "p", v).await, &format!("model {v}"));
    }
    assert_eq!(c.describe_model("p", "9").await.unwrap_err().kind, ErrorKind::NotFound);
    let project_arn = format!("arn:aws:lookoutvision:us-east-1:{ACCOUNT}:project/p");
    assert_eq!(c.list_tags(&project_arn).await.unwrap(), vec![Tag { key: "team".into(), value: "qa".into() }]);
    let model_arn = format!("arn:aws:lookoutvision:us-east-1:{ACCOUNT}:model/p/1");
    assert_eq!(c.list_tags(&model_arn).await.unwrap(), vec![]);

    // StopModel: accepted, STOPPING_HOSTING, then TRAINED.
    let stopped = c.stop_model("p", "2", "tok-stop-2").await.unwrap();
    assert_eq!((stopped.status, stopped.answer.as_deref()), (202, Some("STOPPING_HOSTING")));
    assert!(stopped.request_id.is_some());
    let trained = eventually(Duration::from_secs(5), || async {
        c.describe_model("p", "2").await.is_ok_and(|m| m.summary.status == ModelStatus::Trained)
    })
    .await;
    assert!(trained, "model 2 reaches TRAINED after StopModel");
    assert_eq!(c.stop_model("p", "1", "tok-stop-1").await.unwrap_err().kind, ErrorKind::Conflict);

    // DeleteModel refuses a training model, deletes a trained one; DeleteProject refuses while models remain.
    assert_eq!(c.delete_model("p", "3", "tok-del-3").await.unwrap_err().kind, ErrorKind::Conflict);
    let deleted = c.delete_model("p", "1", "tok-del-1").await.unwrap();
    assert_eq!((deleted.status, deleted.answer.as_deref()), (202, Some(model_arn.as_str())));
    assert_eq!(c.delete_project("p", "tok-proj-p").await.unwrap_err().kind, ErrorKind::Conflict);

    let gone = c.delete_project("empty", "tok-proj-empty").await.unwrap();
    let empty_arn = format!("arn:aws:lookoutvision:us-east-1:{ACCOUNT}:project/empty");
    assert_eq!((gone.status, gone.answer.as_deref()), (200, Some(empty_arn.as_str())));
    assert_eq!(c.describe_project("empty").await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn project_json_holds_every_models_describe_model_answer() {
    // 205 versions: ListModels answers in pages of 100, so three pages.
    let models = (1..=205).map(|v| model(&v.to_string(), if v % 7 == 0 { "HOSTED" } else { "TRAINED" })).collect();
    let emu = start(config(seed_of(vec![project("big", vec![], models)]))).await;
    let c = ours(&emu);
    let caller = Counting::default();

    let info = c.describe_project("big").await.unwrap();
    let models = preserve::collect_models(&caller, &c, "big").await.unwrap();
    let counts = caller.0.lock().unwrap().clone();
    assert_eq!(counts, BTreeMap::from([("DescribeModel", 205), ("ListModels", 3), ("ListTagsForResource", 205)]));
    let collected = Collected { project: info, models, packaging_jobs: vec![] };
    let doc = preserve::build(ACCOUNT, "us-east-1", chrono::Utc::now(), &collected);

    let backups = tempfile::tempdir().unwrap();
    let rec = preserve::write(backups.path(), ACCOUNT, "us-east-1", "big", &doc).unwrap();
    assert_eq!(rec.path, backups.path().join(ACCOUNT).join("us-east-1").join("big").join("project.json"));
    assert_eq!(rec.models, 205);
    assert!(preserve::still_valid(&rec));
    let back = preserve::read(&rec).unwrap();
    assert_eq!(back["project"]["ProjectArn"], format!("arn:aws:lookoutvision:us-east-1:{ACCOUNT}:project/big"));
    let preserved = back["models"].as_array().unwrap();
    assert_eq!(preserved.len(), 205);
    for (i, m) in preserved.iter().enumerate() {
        let v = (i + 1).to_string();
        same(&m["ModelDescription"], &raw_model(&emu, "big", &v).await, &format!("model {v}"));
        assert_eq!(m["Tags"], serde_json::json!([]));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_project_that_is_gone_collects_nothing_after_one_call() {
    let emu = start(config(seed_of(vec![project("here", vec![], vec![])]))).await;
    let c = ours(&emu);
    let caller = Counting::default();
    assert_eq!(preserve::collect(&caller, &c, "gone").await.unwrap(), None);
    assert_eq!(caller.0.lock().unwrap().clone(), BTreeMap::from([("DescribeProject", 1)]));
}
