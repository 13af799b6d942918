//! The field validators of the Lookout for Vision API (the Rust SDK validates nothing client-side, so the server
//! must): project names, dataset types, client tokens, model versions, page sizes and pagination tokens. Each
//! refusal is a ValidationException worded as the service words it. Pure functions.

use super::wire::{ApiError, query_get};

/// ProjectName: 1-255, `[a-zA-Z0-9][a-zA-Z0-9_\-]*` (whole string).
pub(crate) fn valid_project_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 255
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

/// Validate a project name label or member.
pub(crate) fn check_project_name(s: &str) -> Result<(), ApiError> {
    if valid_project_name(s) {
        Ok(())
    } else {
        Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{s}' at 'projectName' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: [a-zA-Z0-9][a-zA-Z0-9_\\-]* and length 1-255"
        )))
    }
}

/// DatasetType: `train` or `test`.
pub(crate) fn check_dataset_type(s: &str) -> Result<(), ApiError> {
    if s == "train" || s == "test" {
        Ok(())
    } else {
        Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{s}' at 'datasetType' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: train|test"
        )))
    }
}

/// ClientToken: 1-64 of `[a-zA-Z0-9-]`.
pub(crate) fn check_client_token(s: &str) -> Result<(), ApiError> {
    if !s.is_empty() && s.len() <= 64 && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
        Ok(())
    } else {
        Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{s}' at 'clientToken' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: ^[a-zA-Z0-9-]+$ and length 1-64"
        )))
    }
}

/// Model version: `[1-9][0-9]*` (max 10 chars), plus `latest` when `allow_latest`.
pub(crate) fn check_model_version(s: &str, allow_latest: bool) -> Result<(), ApiError> {
    let b = s.as_bytes();
    let digits = !b.is_empty() && b.len() <= 10 && b[0] != b'0' && b.iter().all(u8::is_ascii_digit);
    if digits || (allow_latest && s == "latest") {
        Ok(())
    } else {
        let pat = if allow_latest { "([1-9][0-9]*|latest)" } else { "([1-9][0-9]*)" };
        Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{s}' at 'modelVersion' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: {pat}"
        )))
    }
}

/// maxResults: integer 1-100; absent means 100.
pub(crate) fn max_results(q: &[(String, String)]) -> Result<usize, ApiError> {
    match query_get(q, "maxResults") {
        None => Ok(100),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => Ok(n as usize),
            _ => Err(ApiError::Validation(format!(
                "1 validation error detected: Value '{v}' at 'maxResults' failed to satisfy constraint: Member \
                 must have value between 1 and 100"
            ))),
        },
    }
}

/// nextToken syntax: 0-2048 chars of `[a-zA-Z0-9/+=]`.
pub(crate) fn check_token_syntax(s: &str) -> Result<(), ApiError> {
    if s.len() <= 2048 && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'/' || c == b'+' || c == b'=') {
        Ok(())
    } else {
        Err(ApiError::Validation(
            "1 validation error detected: Value at 'nextToken' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: ^[a-zA-Z0-9\\/\\+\\=]{0,2048}$"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators() {
        assert!(valid_project_name("pcb-solder_1"));
        assert!(!valid_project_name("-x"));
        assert!(!valid_project_name(&"a".repeat(256)));
        assert!(check_model_version("latest", true).is_ok());
        assert!(check_model_version("latest", false).is_err());
        assert!(check_model_version("01", false).is_err());
        assert!(check_client_token("abc-1").is_ok());
        assert!(check_client_token("a_b").is_err());
    }
}
