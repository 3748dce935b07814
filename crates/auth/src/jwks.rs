//! The user pool's signing keys, fetched on first use and kept per execution environment.
//!
//! Cognito rotates keys rarely and announces a new one in the JWKS before signing with it, so a
//! token naming a `kid` we do not hold means either a rotation we have not seen or a forgery.
//! Both are answered by refetching, at most once per `min_refetch_interval`, so a stream of
//! forged `kid`s costs us nothing but a map lookup.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use serde::Deserialize;

/// How long one JWKS request may take. A verifier waiting longer than this holds up every
/// request of a cold start; Cognito answers in milliseconds.
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
/// After a failed fetch, requests within this window fail at once instead of each waiting for
/// their own timeout against an endpoint that is down.
const FAILURE_BACKOFF: Duration = Duration::from_secs(5);
/// The default pause between refetches triggered by unknown `kid`s.
pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// Why no key could be found for a `kid`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The pool does not publish this key (or did not when we last looked, moments ago).
    #[error("the user pool has no signing key with this kid")]
    Unknown,
    /// The JWKS could not be fetched or read: nothing can be verified until it can.
    #[error("the user pool's signing keys are unavailable: {0}")]
    Unavailable(String),
}

/// The keys of one JWKS URL and when they were last asked for.
pub struct KeySet {
    url: String,
    /// Built on the first fetch, not with the key set: building it reads the system's trust
    /// store, a few milliseconds of every cold start, and a function whose first requests carry
    /// API keys never needs it (BENCHMARKS.md).
    http: OnceLock<reqwest::Client>,
    min_refetch_interval: Duration,
    /// Read on every request; written only after a fetch.
    keys: RwLock<Arc<HashMap<String, DecodingKey>>>,
    /// Held while fetching, so concurrent requests share one fetch, and remembering the last
    /// attempt, which the rate limit counts from.
    last_fetch: tokio::sync::Mutex<Option<Attempt>>,
}

#[derive(Debug, Clone, Copy)]
struct Attempt {
    at: Instant,
    succeeded: bool,
}

impl KeySet {
    pub fn new(url: String, min_refetch_interval: Duration) -> Self {
        Self {
            url,
            http: OnceLock::new(),
            min_refetch_interval,
            keys: RwLock::default(),
            last_fetch: tokio::sync::Mutex::new(None),
        }
    }

    /// The key named `kid`, fetching the JWKS if it was never fetched or (rate-limited) when the
    /// key is not among those we hold.
    pub async fn key(&self, kid: &str) -> Result<DecodingKey, KeyError> {
        if let Some(key) = self.held(kid) {
            return Ok(key);
        }
        let mut last = self.last_fetch.lock().await;
        // Another request may have fetched while this one waited for the lock.
        if let Some(key) = self.held(kid) {
            return Ok(key);
        }
        match *last {
            Some(attempt) if !attempt.succeeded && attempt.at.elapsed() < FAILURE_BACKOFF => {
                return Err(KeyError::Unavailable(
                    "the last fetch failed moments ago".to_owned(),
                ));
            }
            Some(attempt)
                if attempt.succeeded && attempt.at.elapsed() < self.min_refetch_interval =>
            {
                return Err(KeyError::Unknown);
            }
            _ => {}
        }
        let fetched = self.fetch().await;
        *last = Some(Attempt {
            at: Instant::now(),
            succeeded: fetched.is_ok(),
        });
        let fetched = fetched.map_err(KeyError::Unavailable)?;
        tracing::info!(url = %self.url, keys = fetched.len(), "fetched the user pool's signing keys");
        let key = fetched.get(kid).cloned();
        *self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(fetched);
        key.ok_or(KeyError::Unknown)
    }

    fn held(&self, kid: &str) -> Option<DecodingKey> {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        keys.get(kid).cloned()
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, String> {
        let http = self.http.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(FETCH_TIMEOUT)
                .connect_timeout(FETCH_TIMEOUT)
                .build()
                .expect("the HTTP client's TLS configuration is built in")
        });
        let response = http
            .get(&self.url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|error| format!("GET {}: {error}", self.url))?;
        let body = response
            .bytes()
            .await
            .map_err(|error| format!("GET {}: {error}", self.url))?;
        parse_jwks(&body).map_err(|error| format!("{}: {error}", self.url))
    }
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

/// The members of a JWK this verifier uses; others (`use`, `x5c`…) are ignored.
#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// The RSA signing keys of a JWKS document, by `kid`. Keys of other types or algorithms are
/// skipped rather than refused, so a pool that someday publishes one still works.
pub fn parse_jwks(body: &[u8]) -> Result<HashMap<String, DecodingKey>, String> {
    let jwks: Jwks =
        serde_json::from_slice(body).map_err(|error| format!("not a JWKS document: {error}"))?;
    let mut keys = HashMap::new();
    for jwk in jwks.keys {
        let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else {
            continue;
        };
        if jwk.kty != "RSA" || jwk.alg.as_deref().is_some_and(|alg| alg != "RS256") {
            continue;
        }
        match DecodingKey::from_rsa_components(&n, &e) {
            Ok(key) => {
                keys.insert(kid, key);
            }
            Err(error) => tracing::warn!(%kid, %error, "skipping an unreadable JWKS key"),
        }
    }
    if keys.is_empty() {
        return Err("the JWKS holds no RS256 key".to_owned());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_rsa_signing_keys_by_kid() {
        let body = br#"{"keys":[
            {"kid":"a","kty":"RSA","alg":"RS256","use":"sig","n":"AQAB","e":"AQAB"},
            {"kid":"b","kty":"EC","crv":"P-256","x":"AQAB","y":"AQAB"},
            {"kid":"c","kty":"RSA","alg":"RS512","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","n":"AQAB","e":"AQAB"}
        ]}"#;
        let keys = parse_jwks(body).unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn refuses_documents_without_a_usable_key() {
        assert!(parse_jwks(b"<html>").is_err());
        assert!(parse_jwks(br#"{"keys":[]}"#).is_err());
    }
}
