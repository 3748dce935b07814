//! Tenant API keys: presented as `X-Api-Key: <key>` or `Authorization: Bearer <key>`, stored
//! only as their SHA-256, and cached briefly per execution environment.
//!
//! Keys carry 256 random bits, so a fast hash is the right tool: there is nothing to brute-force,
//! and a slow password hash would only add latency to every request.

use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use domain::TenantId;
use http_kit::ApiError;
use http_kit::catalogue::ErrorCode;
use sha2::{Digest, Sha256};
use store::api_keys::{ApiKeyRecord, ApiKeyStore};
use store::recent::Recent;

/// Every key starts with this, so secret scanners and people can recognise one.
pub const KEY_PREFIX: &str = "fdk_";
/// How long a verified key is trusted without asking DynamoDB again; also how long a revoked key
/// may keep working in an execution environment that saw it.
const CACHE_TTL: Duration = Duration::from_secs(60);
/// Bounds the cache so a flood of distinct keys cannot grow memory.
const CACHE_CAPACITY: usize = 1_024;

/// The lower-case hex SHA-256 of a key: what the table stores and is keyed by.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A newly made key. The plain key is shown once to whoever made it and then only its hash exists.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    pub key: String,
    pub record: ApiKeyRecord,
}

impl IssuedKey {
    /// Makes a random key for `tenant`.
    pub fn generate(tenant: TenantId, label: &str, now_ms: u64) -> Self {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system's random source is available");
        Self::from_key(
            format!("{KEY_PREFIX}{}", hex::encode(secret)),
            tenant,
            label,
            now_ms,
        )
    }

    /// The record for a key chosen elsewhere (the local stack's fixed demo keys).
    pub fn from_key(key: String, tenant: TenantId, label: &str, now_ms: u64) -> Self {
        let record = ApiKeyRecord {
            key_hash: hash_key(&key),
            tenant_id: tenant,
            key_prefix: key.chars().take(12).collect(),
            label: label.to_owned(),
            created_at_ms: now_ms,
            allowed_origins: Vec::new(),
        };
        Self { key, record }
    }
}

/// The key a request presents, if any: `X-Api-Key` first, then a Bearer token.
pub fn presented_key(headers: &HeaderMap) -> Option<&str> {
    let from_header = headers
        .get("x-api-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    from_header
        .or_else(|| bearer_credential(headers))
        .filter(|key| !key.is_empty())
}

/// The credential of an `Authorization: Bearer …` header (the scheme in any case), possibly
/// blank.
fn bearer_credential(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
}

/// The non-blank credential of an `Authorization: Bearer …` header: an API key or a token.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    bearer_credential(headers).filter(|token| !token.is_empty())
}

/// What a verified key allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyGrant {
    pub tenant: TenantId,
    /// A short, stable, non-secret name of the key (the start of its hash), for per-key limits.
    pub key_id: String,
    pub allowed_origins: Vec<String>,
}

impl KeyGrant {
    fn of(record: &ApiKeyRecord) -> Self {
        Self {
            tenant: record.tenant_id.clone(),
            key_id: record.key_hash.chars().take(16).collect(),
            allowed_origins: record.allowed_origins.clone(),
        }
    }

    /// The key as a caller, for what is counted or remembered per caller: `key#<key id>`.
    pub fn scope(&self) -> String {
        format!("key#{}", self.key_id)
    }

    /// Whether a browser request from `origin` may use the key.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.is_empty()
            || self
                .allowed_origins
                .iter()
                .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }
}

/// Verifies keys against the table, remembering recent answers.
#[derive(Clone)]
pub struct ApiKeys {
    store: ApiKeyStore,
    recent: Recent<String, KeyGrant>,
}

impl ApiKeys {
    pub fn new(store: ApiKeyStore) -> Self {
        Self {
            store,
            recent: Recent::new(CACHE_TTL, CACHE_CAPACITY),
        }
    }

    /// The tenant a key belongs to; `Ok(None)` for a key that does not exist.
    pub async fn tenant_of(&self, key: &str) -> Result<Option<TenantId>, store::StoreError> {
        Ok(self.grant_of(key).await?.map(|grant| grant.tenant))
    }

    /// What a key allows; `Ok(None)` for a key that does not exist.
    pub async fn grant_of(&self, key: &str) -> Result<Option<KeyGrant>, store::StoreError> {
        let hash = hash_key(key);
        if let Some(grant) = self.recent.get(&hash) {
            return Ok(Some(grant));
        }
        let Some(record) = self.store.find(&hash).await? else {
            return Ok(None);
        };
        let grant = KeyGrant::of(&record);
        self.recent.insert(hash, grant.clone());
        Ok(Some(grant))
    }
}

/// The state of a function whose routes take tenant API keys: its own service (a store) and the
/// key verifier the [`Tenant`] extractor uses.
#[derive(Clone)]
pub struct WithApiKeys<S> {
    pub service: S,
    pub keys: ApiKeys,
}

impl<S> WithApiKeys<S> {
    pub fn new(backend: &store::Backend, service: S) -> Self {
        Self {
            service,
            keys: ApiKeys::new(backend.api_keys()),
        }
    }
}

impl<S> FromRef<WithApiKeys<S>> for ApiKeys {
    fn from_ref(state: &WithApiKeys<S>) -> Self {
        state.keys.clone()
    }
}

/// The tenant whose valid API key the request carries; any handler taking it answers 401 to a
/// request without one, and 403 to a browser request from an origin the key does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant(pub TenantId);

impl<S> FromRequestParts<S> for Tenant
where
    S: Send + Sync,
    ApiKeys: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        KeyCaller::from_request_parts(parts, state)
            .await
            .map(|caller| Self(caller.0.tenant))
    }
}

/// Like [`Tenant`], with what else the key says (its id, for per-key limits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCaller(pub KeyGrant);

impl<S> FromRequestParts<S> for KeyCaller
where
    S: Send + Sync,
    ApiKeys: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let key = presented_key(&parts.headers).ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthorized,
                "Missing API key: send it as X-Api-Key or Authorization: Bearer",
            )
        })?;
        admit_key(
            &parts.extensions,
            &parts.headers,
            &ApiKeys::from_ref(state),
            key,
        )
        .await
        .map(Self)
    }
}

/// What a presented key allows, or the answer for a request that presented a bad one or comes
/// from a browser page on an origin the key does not allow.
pub(crate) async fn admit_key(
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    keys: &ApiKeys,
    key: &str,
) -> Result<KeyGrant, ApiError> {
    let grant = match keys.grant_of(key).await {
        Ok(Some(grant)) => grant,
        Ok(None) => return Err(ApiError::new(ErrorCode::Unauthorized, "Invalid API key")),
        Err(error) => return Err(ApiError::internal("Could not verify the API key", &error)),
    };
    if let Some(origin) = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        && !grant.allows_origin(origin)
    {
        return Err(ApiError::new(
            ErrorCode::OriginNotAllowed,
            format!("Origin {origin} is not allowed to use this API key"),
        ));
    }
    http_kit::observe::RequestFacts::record(
        extensions,
        &grant.tenant,
        http_kit::observe::CallerKind::ApiKey,
    );
    Ok(grant)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn reads_the_key_from_either_header() {
        assert_eq!(
            presented_key(&headers(&[("x-api-key", "fdk_a")])),
            Some("fdk_a")
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "Bearer fdk_b")])),
            Some("fdk_b")
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "bearer  fdk_c ")])),
            Some("fdk_c")
        );
        assert_eq!(
            presented_key(&headers(&[
                ("x-api-key", "fdk_a"),
                ("authorization", "Bearer fdk_b")
            ])),
            Some("fdk_a")
        );
    }

    #[test]
    fn other_schemes_and_blanks_are_no_key() {
        assert_eq!(
            presented_key(&headers(&[("authorization", "Basic Zm9vOmJhcg==")])),
            None
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "Bearer ")])),
            None
        );
        assert_eq!(presented_key(&headers(&[("x-api-key", " ")])), None);
        assert_eq!(presented_key(&HeaderMap::new()), None);
    }

    #[test]
    fn issued_keys_are_random_and_stored_only_as_a_hash() {
        let tenant = TenantId::parse("acme").unwrap();
        let one = IssuedKey::generate(tenant.clone(), "web", 1);
        let two = IssuedKey::generate(tenant, "web", 1);
        assert_ne!(one.key, two.key);
        assert!(one.key.starts_with(KEY_PREFIX));
        assert_eq!(one.key.len(), KEY_PREFIX.len() + 64);
        assert_eq!(one.record.key_hash, hash_key(&one.key));
        assert_eq!(one.record.key_hash.len(), 64);
        assert!(!one.record.key_hash.contains(&one.key[KEY_PREFIX.len()..]));
        assert_eq!(one.record.key_prefix, one.key[..12]);
    }

    #[test]
    fn origins_are_checked_only_when_the_key_names_some() {
        let mut grant = KeyGrant {
            tenant: TenantId::parse("acme").unwrap(),
            key_id: "abc".into(),
            allowed_origins: Vec::new(),
        };
        assert!(grant.allows_origin("https://anything.example"));
        grant.allowed_origins = vec!["https://shop.example/".into()];
        assert!(grant.allows_origin("https://shop.example"));
        assert!(grant.allows_origin("https://SHOP.example"));
        assert!(!grant.allows_origin("https://evil.example"));
        assert!(!grant.allows_origin("https://shop.example.evil.example"));
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
