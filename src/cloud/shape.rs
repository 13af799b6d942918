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

use aws_sdk_lookoutvision::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_lookoutvision::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

use super::convert::is_json_object;

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
}
