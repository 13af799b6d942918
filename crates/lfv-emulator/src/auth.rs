//! The credentials check every service shares ([`credentials`]: the SigV4 credential scope for the service,
//! then the principal behind its access key), used by the pipeline; each service renders refusals in its own
//! shape.
//!
//! Status codes (README, emulator CHOICES): Lookout for Vision and Organizations answer ExpiredTokenException
//! and UnrecognizedClientException with 403 (AWS's common errors); STS answers `ExpiredToken` and
//! `InvalidClientTokenId` with 403; S3 answers `ExpiredToken` with 400 and `InvalidAccessKeyId` with 403 (S3's
//! error code list). A region the caller's account has not enabled is answered as an unknown key.

use hyper::header::HeaderMap;

use super::identity::{AuthError, Identity, Principal};
use super::wire::{self, ApiError};

/// The session token header of SigV4 requests made with temporary credentials.
pub(crate) const TOKEN_HEADER: &str = "x-amz-security-token";

/// The session token a request carries, if any.
pub(crate) fn token(headers: &HeaderMap) -> Option<&str> {
    headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok())
}

/// A readable credential scope and what its key is.
#[derive(Debug)]
pub(crate) struct Credentials {
    pub(crate) akid: String,
    pub(crate) region: String,
    pub(crate) principal: Result<Principal, AuthError>,
}

/// Read the SigV4 credential scope for `service` (`Err`: missing or unreadable, in the restJson1 form) and
/// authenticate its key at emulator time `now_ms`; `regional` also refuses a region the account has not
/// enabled.
pub(crate) fn credentials(
    identity: &Identity,
    headers: &HeaderMap,
    service: &str,
    regional: bool,
    now_ms: u64,
) -> Result<Credentials, ApiError> {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    let (akid, region) = wire::parse_sigv4_scope(auth, service)?;
    let principal = identity.authenticate(&akid, token(headers), regional.then_some(region.as_str()), now_ms);
    Ok(Credentials { akid, region, principal })
}
