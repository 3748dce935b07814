//! The `Idempotency-Key` header with the request it came with: a JSON body extractor that also
//! reads the key and fingerprints the body, so a use case can store its answer under a key bound
//! to both (the IETF Idempotency-Key draft: the same key with another body is refused with 422).

use axum::extract::{FromRequest, Request};
use domain::TenantId;
use domain::replay::{CLIENT_KEY_SECS, ReplayKey};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::{ApiError, ErrorCode, json};

/// The longest key accepted, as the README documents it.
pub const MAX_KEY_CHARS: usize = 128;

/// A client's `Idempotency-Key` and the fingerprint of the body it was sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The key as the client sent it: 1–128 visible ASCII characters.
    pub key: String,
    /// SHA-256 of the body, hex: a retry sends the same bytes, another request does not.
    pub fingerprint: String,
}

impl IdempotencyKey {
    /// Reads the header; `None` without one, 400 when it is not a usable key.
    pub fn from_header(
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Result<Option<Self>, ApiError> {
        let Some(value) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|key| {
                !key.is_empty()
                    && key.len() <= MAX_KEY_CHARS
                    && key.bytes().all(|byte| byte.is_ascii_graphic())
            })
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidIdempotencyKey,
                    format!("Idempotency-Key must be 1-{MAX_KEY_CHARS} visible ASCII characters"),
                )
            })?;
        Ok(Some(Self {
            key: key.to_owned(),
            fingerprint: hex::encode(Sha256::digest(body)),
        }))
    }

    /// The key as remembered: scoped to the tenant, the route and whose request it is (a
    /// conversation, a caller), so two visitors who happen to pick the same key never meet, and
    /// bound to the request's body.
    pub fn replay_key(&self, tenant: &TenantId, route: &str, scope: &str) -> ReplayKey {
        ReplayKey {
            key: format!("{tenant}#{route}#{scope}#{}", self.key),
            fingerprint: self.fingerprint.clone(),
            keep_secs: CLIENT_KEY_SECS,
        }
    }
}

/// The header as the OpenAPI document describes it, for every route that honours it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// Makes a retry return the first answer and change nothing. Scoped to the conversation (or
    /// the caller) it is used for; the same key with a different body answers 422
    /// `idempotency_key_reused`. Remembered for 24 hours.
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 128,
        pattern = "^[!-~]+$"
    )]
    #[allow(dead_code)]
    idempotency_key: Option<String>,
}

/// The answer when a key comes back with another request than the one it was first used for.
pub fn key_reused() -> ApiError {
    ApiError::new(
        ErrorCode::IdempotencyKeyReused,
        "This Idempotency-Key was already used for a different request; send a new key with a new request",
    )
}

/// A JSON body of type `T` and the request's `Idempotency-Key`, if it has one.
#[derive(Debug, Clone)]
pub struct IdempotentJson<T> {
    pub body: T,
    pub key: Option<IdempotencyKey>,
}

impl<S, T> FromRequest<S> for IdempotentJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers().clone();
        let bytes = json::body_bytes(request, state).await?;
        let key = IdempotencyKey::from_header(&headers, &bytes)?;
        Ok(Self {
            body: json::parse(&bytes)?,
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::*;

    fn headers(key: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("idempotency-key", HeaderValue::from_str(key).unwrap());
        headers
    }

    #[test]
    fn keys_are_bound_to_the_body_and_scoped_to_their_conversation() {
        let first = IdempotencyKey::from_header(&headers("msg-1"), b"{\"message\":\"hi\"}")
            .unwrap()
            .unwrap();
        let again = IdempotencyKey::from_header(&headers("msg-1"), b"{\"message\":\"hi\"}")
            .unwrap()
            .unwrap();
        let other = IdempotencyKey::from_header(&headers("msg-1"), b"{\"message\":\"hello\"}")
            .unwrap()
            .unwrap();
        assert_eq!(first, again);
        assert_ne!(first.fingerprint, other.fingerprint);
        let acme = TenantId::parse("acme").unwrap();
        assert_ne!(
            first.replay_key(&acme, "chatbot-chat", "lead_s_1").key,
            first.replay_key(&acme, "chatbot-chat", "lead_s_2").key
        );
    }

    #[test]
    fn unusable_keys_are_refused_and_no_key_is_none() {
        assert_eq!(
            IdempotencyKey::from_header(&HeaderMap::new(), b"{}").unwrap(),
            None
        );
        for bad in ["", "   ", "with space", &"k".repeat(129)] {
            let error = IdempotencyKey::from_header(&headers(bad), b"{}").unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidIdempotencyKey, "{bad:?}");
        }
        assert!(
            IdempotencyKey::from_header(&headers(&"k".repeat(128)), b"{}")
                .unwrap()
                .is_some()
        );
    }
}
