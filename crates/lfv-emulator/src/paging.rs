//! Opaque pagination tokens for ListProjects, ListModels and ListDatasetEntries.
//!
//! A token is standard base64 of `v1\n{check}\n{scope}\n{key}`, where `scope` names the operation, account,
//! region and parent resource (and filters), `key` is the last item returned (a project name or model version)
//! or the next entry index, and `check` is the first 8 bytes (hex) of SHA-256 over a fixed secret, the scope and
//! the key. A token that does not decode, fails the check or belongs to another scope is a ValidationException.
//! Because the key always moves forward, a token is never the one the client sent.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use super::validate::check_token_syntax;
use super::wire::ApiError;

const SECRET: &str = "lfv-sunset-emulator-paging-v1";

fn check(scope: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(SECRET.as_bytes());
    h.update(b"\n");
    h.update(scope.as_bytes());
    h.update(b"\n");
    h.update(key.as_bytes());
    hex::encode(&h.finalize()[..8])
}

/// Issue the token that resumes `scope` after `key`.
pub(crate) fn encode(scope: &str, key: &str) -> String {
    STANDARD.encode(format!("v1\n{}\n{scope}\n{key}", check(scope, key)))
}

/// The key of a token sent with `scope`; `None` for an absent or empty token (start from the beginning).
pub(crate) fn decode(scope: &str, token: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    check_token_syntax(token)?;
    let invalid = || ApiError::Validation("Invalid pagination token: it was not issued for this request.".into());
    let raw = STANDARD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(raw).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, '\n');
    let (Some("v1"), Some(sum), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let (s, key) = rest.rsplit_once('\n').ok_or_else(invalid)?;
    if s != scope || check(s, key) != sum {
        return Err(invalid());
    }
    Ok(Some(key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_rejects() {
        let t = encode("ListProjects/1/us-east-1", "abc");
        assert_eq!(decode("ListProjects/1/us-east-1", Some(&t)).unwrap().as_deref(), Some("abc"));
        assert!(decode("ListProjects/2/us-east-1", Some(&t)).is_err());
        assert!(decode("ListProjects/1/us-east-1", Some("aGVsbG8=")).is_err());
        assert!(decode("x", Some("not a token!")).is_err());
        assert_eq!(decode("x", Some("")).unwrap(), None);
    }
}
