//! The HMAC-SHA256 signatures providers put on every webhook POST, checked over the raw body in
//! constant time, and made for tests and local tools.
//!
//! Meta (WhatsApp, Messenger, Instagram) signs with the app secret and sends
//! `X-Hub-Signature-256: sha256=<hex>`; X signs with the consumer secret and sends
//! `x-twitter-webhooks-signature: sha256=<base64>`. Both sign the exact bytes they sent, so the
//! caller must hash the body before any JSON parsing or re-encoding.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

/// The header Meta signs its webhook POSTs with.
pub const META_SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// The header X signs its Account Activity webhook POSTs with.
pub const X_SIGNATURE_HEADER: &str = "x-twitter-webhooks-signature";

const PREFIX: &str = "sha256=";
const DIGEST_LEN: usize = 32;

/// Why a POST's signature was refused. Every variant answers 401; the texts are safe to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("missing signature header ({META_SIGNATURE_HEADER} or {X_SIGNATURE_HEADER})")]
    Missing,
    #[error("malformed signature header: expected sha256= and a SHA-256 digest")]
    Malformed,
    #[error("signature does not match the request body")]
    Mismatch,
}

/// Checks Meta's `X-Hub-Signature-256: sha256=<hex>` over the raw body with the app secret.
pub fn verify_meta(
    app_secret: &str,
    raw_body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let digest = hex::decode(digest_text(header)?).map_err(|_| SignatureError::Malformed)?;
    verify(app_secret, raw_body, &digest)
}

/// Checks X's `x-twitter-webhooks-signature: sha256=<base64>` over the raw body with the
/// consumer secret.
pub fn verify_x(
    consumer_secret: &str,
    raw_body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let digest = BASE64
        .decode(digest_text(header)?)
        .map_err(|_| SignatureError::Malformed)?;
    verify(consumer_secret, raw_body, &digest)
}

/// The `X-Hub-Signature-256` value Meta would send with `raw_body`.
pub fn sign_meta(app_secret: &str, raw_body: &[u8]) -> String {
    format!("{PREFIX}{}", hex::encode(hmac_sha256(app_secret, raw_body)))
}

/// The `x-twitter-webhooks-signature` value X would send with `raw_body`.
pub fn sign_x(consumer_secret: &str, raw_body: &[u8]) -> String {
    format!(
        "{PREFIX}{}",
        BASE64.encode(hmac_sha256(consumer_secret, raw_body))
    )
}

/// Equality of secrets (verify tokens, keys) in time that does not depend on where they differ,
/// so a caller cannot find a secret one byte at a time by timing refusals. Only the length leaks.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

pub(crate) fn hmac_sha256(secret: &str, data: &[u8]) -> [u8; DIGEST_LEN] {
    let mut mac = keyed(secret);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The digest part of a `sha256=…` header. The prefix is compared without regard to case, which
/// costs nothing and survives proxies that rewrite it.
fn digest_text(header: Option<&str>) -> Result<&str, SignatureError> {
    let header = header.map(str::trim).ok_or(SignatureError::Missing)?;
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    match header.get(..PREFIX.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(PREFIX) => Ok(&header[PREFIX.len()..]),
        _ => Err(SignatureError::Malformed),
    }
}

fn verify(secret: &str, raw_body: &[u8], digest: &[u8]) -> Result<(), SignatureError> {
    // A digest of the wrong length is a garbled header, not a forgery worth timing-protecting.
    if digest.len() != DIGEST_LEN {
        return Err(SignatureError::Malformed);
    }
    // With an empty secret anyone could sign; an unset secret must never let a POST through.
    if secret.is_empty() {
        return Err(SignatureError::Mismatch);
    }
    let mut mac = keyed(secret);
    mac.update(raw_body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(digest)
        .map_err(|_| SignatureError::Mismatch)
}

fn keyed(secret: &str) -> HmacSha256 {
    // HMAC accepts keys of any length (long ones are hashed first), so this cannot fail.
    HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"verify-me", b"verify-me"));
        assert!(!constant_time_eq(b"verify-me", b"verify-mE"));
        assert!(!constant_time_eq(b"verify-me", b"Verify-me"));
        assert!(!constant_time_eq(b"verify-me", b"verify-me-too"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn the_prefix_is_required_but_its_case_is_not() {
        assert_eq!(digest_text(Some("sha256=abc")), Ok("abc"));
        assert_eq!(digest_text(Some(" SHA256=abc ")), Ok("abc"));
        assert_eq!(
            digest_text(Some("sha1=abc")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(digest_text(Some("abc")), Err(SignatureError::Malformed));
        assert_eq!(digest_text(Some("  ")), Err(SignatureError::Missing));
        assert_eq!(digest_text(None), Err(SignatureError::Missing));
    }
}
