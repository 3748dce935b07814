//! Validators: every JSON answer to a GET carries an `ETag`, and a client that sends it back in
//! `If-None-Match` gets `304 Not Modified` without the body (the console polls its lists and
//! counts); a resource whose stored version is its validator (a lead) sets its own `ETag`, and a
//! change sent with `If-Match` is made only while the resource is still that version.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::{ApiError, ErrorCode};

/// The largest answer given a validator from its bytes; larger ones (none today) go without.
const HASHED_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The `ETag` of a resource at a stored version.
pub fn version_tag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("a quoted number is a header value")
}

/// The versions `If-Match` accepts: `None` without the header or with `*` (any version);
/// otherwise the versions of the tags this service issued (a tag it never issued matches no
/// version, so the change is refused as stale).
pub fn if_match_versions(headers: &HeaderMap) -> Result<Option<Vec<u64>>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| {
        ApiError::new(
            ErrorCode::BadRequest,
            "If-Match must be a list of entity tags",
        )
    })?;
    let tags: Vec<&str> = value.split(',').map(str::trim).collect();
    if tags.contains(&"*") {
        return Ok(None);
    }
    Ok(Some(
        tags.iter()
            .filter_map(|tag| tag.strip_prefix("\"v")?.strip_suffix('"')?.parse().ok())
            .collect(),
    ))
}

/// A strong validator of `content`: the first 128 bits of its SHA-256, quoted. It changes exactly
/// when the content does, and every instance of a function agrees on it.
pub fn content_etag(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// Whether the request's `If-None-Match` names `etag`, with the weak comparison RFC 9110
/// §13.1.2 prescribes for it: a `W/` prefix is ignored, the header may list several tags (or
/// come several times), and `*` matches anything.
pub fn holds_current(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| {
            value.split(',').map(str::trim).any(|candidate| {
                candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
            })
        })
}

/// A file served as it was built (a script, a page, a stylesheet): its `ETag` and caching policy
/// on every answer, and `304` without the body when the client holds this `etag` already.
pub fn fixed_content(
    headers: &HeaderMap,
    etag: &str,
    cache_control: &'static str,
    content_type: &'static str,
    body: impl IntoResponse,
) -> Response {
    let validators = [
        (
            header::ETAG,
            HeaderValue::from_str(etag).expect("a quoted hex digest is a valid header value"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        ),
    ];
    if holds_current(headers, etag) {
        return (StatusCode::NOT_MODIFIED, validators).into_response();
    }
    (
        validators,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

/// The layer: a validator on every successful JSON answer to a GET, and `304` when the client
/// has it already.
pub async fn validate(request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let asked = request.headers().clone();
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if response.status() != StatusCode::OK || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let (tag, body) = match parts.headers.get(header::ETAG) {
        Some(tag) => (tag.to_str().unwrap_or_default().to_owned(), body),
        None => {
            let Ok(bytes) = to_bytes(body, HASHED_BODY_BYTES).await else {
                return ApiError::internal("An answer could not be read", &"body over the limit")
                    .into_response();
            };
            let tag = content_etag(&bytes);
            if let Ok(value) = HeaderValue::from_str(&tag) {
                parts.headers.insert(header::ETAG, value);
            }
            (tag, Body::from(bytes))
        }
    };
    if holds_current(&asked, &tag) {
        return not_modified(parts.headers);
    }
    Response::from_parts(parts, body)
}

fn not_modified(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
        if let Some(value) = headers.get(&name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn if_match_reads_the_versions_this_service_issued() {
        assert_eq!(if_match_versions(&HeaderMap::new()).unwrap(), None);
        assert_eq!(
            if_match_versions(&headers(header::IF_MATCH, "*")).unwrap(),
            None
        );
        assert_eq!(
            if_match_versions(&headers(header::IF_MATCH, "\"v7\", \"v9\"")).unwrap(),
            Some(vec![7, 9])
        );
        assert_eq!(
            if_match_versions(&headers(header::IF_MATCH, "\"abc\"")).unwrap(),
            Some(vec![]),
            "a tag never issued matches nothing"
        );
        assert_eq!(version_tag(7), "\"v7\"");
    }

    #[test]
    fn the_tag_follows_the_content() {
        let tag = content_etag(b"one");
        assert_eq!(tag.len(), 34);
        assert!(tag.starts_with('"') && tag.ends_with('"'));
        assert_eq!(tag, content_etag(b"one"));
        assert_ne!(tag, content_etag(b"two"));
    }

    #[test]
    fn if_none_match_is_compared_weakly_across_lists_and_headers() {
        let tag = content_etag(b"one");
        let with = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
            }
            headers
        };
        for held in [
            vec![tag.clone()],
            vec![format!("W/{tag}")],
            vec![format!("\"older\", {tag}")],
            vec!["\"older\"".to_owned(), tag.clone()],
            vec!["*".to_owned()],
        ] {
            let held: Vec<&str> = held.iter().map(String::as_str).collect();
            assert!(holds_current(&with(&held), &tag), "{held:?}");
        }
        assert!(!holds_current(&with(&[]), &tag));
        assert!(!holds_current(&with(&["\"older\""]), &tag));
        assert!(!holds_current(&with(&[&content_etag(b"two")]), &tag));
    }
}
