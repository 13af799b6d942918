//! The check that a successful answer is the service's own, before the tool believes it.
//!
//! The SDK treats any 2xx as success and ignores the body of operations with no output members, so a static
//! web server answering `200 <html>` to a DELETE would look like an accepted DeleteDataset. [`ServiceShape`]
//! runs after deserialization on every 2xx response and turns it into an error (a `ResponseError` that
//! `convert` classifies as [`super::ErrorKind::Foreign`]) unless:
//! - DeleteDataset answered exactly 202 with an empty body or a JSON object (the model's `responseCode`);
//! - any other operation answered with a body that is one JSON object (the service always sends one).
//!
//! Error responses are left to `convert::kind_of`, which sees their status, code and body.
//!
//! Then the values: a project name, project ARN, dataset type or model version that breaks the service's own
//! constraints (its model's patterns; [`bad_project`], [`bad_dataset_type`], [`bad_model_version`]) is not
//! the service's answer either, and the call is [`super::ErrorKind::Foreign`] naming the value: believed, it
//! would become a path, a plan item or a call that the service itself would refuse.

use aws_sdk_lookoutvision::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_lookoutvision::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

use super::convert::is_json_object;
use lfv_fs::names::{is_account, is_dataset_type, is_project, is_region};
use lfv_model::arn;
use lfv_model::plan::types::is_model_version;

/// Why a project the service listed or described as `name` with `arn` cannot be the service's: the name
/// breaks ProjectName's pattern (`[a-zA-Z0-9][a-zA-Z0-9_\-]*`, 1 to 255), or the ARN is not that project's
/// (`arn:aws...:lookoutvision:REGION:ACCOUNT:project/NAME` with a region name and a 12-digit account).
pub(crate) fn bad_project(name: &str, arn: &str) -> Option<String> {
    if !is_project(name) {
        return Some(format!(
            "a project name {name:?}, which breaks the service's own ProjectName pattern \
             [a-zA-Z0-9][a-zA-Z0-9_-]* (1 to 255 characters)"
        ));
    }
    match arn::project(arn) {
        Some(a) if a.name == name && is_account(a.account) && is_region(a.region) => None,
        _ => Some(format!(
            "project {name:?} with the ARN {arn:?}, which is not arn:aws:lookoutvision:REGION:ACCOUNT:project/{name}"
        )),
    }
}

/// Why a dataset type the service answered cannot be its own (DatasetType: `train` or `test`).
pub(crate) fn bad_dataset_type(t: &str) -> Option<String> {
    (!is_dataset_type(t)).then(|| format!("a dataset type {t:?}, which is neither train nor test"))
}

/// Why a model version the service answered cannot be its own (a number from 1, as the service numbers them).
pub(crate) fn bad_model_version(v: &str) -> Option<String> {
    (!is_model_version(v)).then(|| format!("a model version {v:?}, which is not a number from 1"))
}

/// Rejects 2xx responses that do not have the service's shape (see the module docs).
#[derive(Debug)]
pub(crate) struct ServiceShape;

/// Why a 2xx answer to `operation` is not the service's, or `None` if it is.
pub(crate) fn unlike_service(operation: &str, status: u16, body: &[u8]) -> Option<String> {
    if !(200..300).contains(&status) {
        return None;
    }
    let empty = body.iter().all(u8::is_ascii_whitespace);
    match operation {
        "DeleteDataset" if status != 202 => Some(format!("DeleteDataset answered {status}, not the service's 202")),
        "DeleteDataset" if empty || is_json_object(body) => None,
        _ if is_json_object(body) => None,
        _ => Some(format!("{operation} answered {status} with a body that is not a JSON object")),
    }
}

impl Intercept for ServiceShape {
    fn name(&self) -> &'static str {
        "ServiceShape"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let operation = cfg.load::<Metadata>().map(|m| m.name().to_string()).unwrap_or_default();
        let body = response.body().bytes().unwrap_or_default();
        match unlike_service(&operation, response.status().as_u16(), body) {
            Some(why) => Err(why.into()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_success_answers_are_the_services() {
        let cases: &[(&str, u16, &str, bool)] = &[
            ("DeleteDataset", 202, "", true),
            ("DeleteDataset", 202, "{}", true),
            ("DeleteDataset", 200, "", false),
            ("DeleteDataset", 200, "{}", false),
            ("DeleteDataset", 202, "<html>ok</html>", false),
            ("DescribeProject", 200, r#"{"ProjectDescription":{}}"#, true),
            ("DescribeProject", 200, "", false),
            ("ListProjects", 200, "<html><body>It works!</body></html>", false),
            ("ListProjects", 200, "[]", false),
            ("ListProjects", 200, "null", false),
            ("ListProjects", 200, " {\"Projects\":[]}\n", true),
            // Errors are convert's business.
            ("ListProjects", 404, "<html>", true),
        ];
        for &(op, status, body, ok) in cases {
            assert_eq!(unlike_service(op, status, body.as_bytes()).is_none(), ok, "{op} {status} {body:?}");
        }
    }

    #[test]
    fn values_that_break_the_services_own_constraints() {
        let arn = |name: &str| format!("arn:aws:lookoutvision:us-east-1:123456789012:project/{name}");
        let long = "p".repeat(256);
        let cases: Vec<(&str, String, bool)> = vec![
            ("pcb", arn("pcb"), true),
            ("a-b_C9", arn("a-b_C9"), true),
            ("-dash-first", arn("-dash-first"), false),
            ("_under", arn("_under"), false),
            ("sp ace", arn("sp ace"), false),
            ("", arn(""), false),
            (&long, arn(&long), false),
            ("pcb", "not-an-arn".into(), false),
            ("pcb", arn("other"), false),
            ("pcb", "arn:aws:lookoutvision:us-east-1:1234:project/pcb".into(), false),
            ("pcb", "arn:aws:lookoutvision:US East:123456789012:project/pcb".into(), false),
            ("pcb", "arn:aws:s3:us-east-1:123456789012:project/pcb".into(), false),
            ("pcb", "arn:aws-cn:lookoutvision:cn-north-1:123456789012:project/pcb".into(), true),
        ];
        for (name, a, ok) in &cases {
            let why = bad_project(name, a);
            assert_eq!(why.is_none(), *ok, "{name:?} {a:?}: {why:?}");
            if let Some(why) = why {
                assert!(why.contains(&format!("{name:?}")), "names the value: {why}");
            }
        }
        for (t, ok) in [("train", true), ("test", true), ("validation", false), ("", false), ("Train", false)] {
            assert_eq!(bad_dataset_type(t).is_none(), ok, "{t:?}");
        }
        for (v, ok) in [("1", true), ("42", true), ("0", false), ("01", false), ("v1", false), ("", false)] {
            assert_eq!(bad_model_version(v).is_none(), ok, "{v:?}");
        }
    }
}
