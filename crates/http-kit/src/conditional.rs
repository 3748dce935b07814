//! Conditional GETs of content served from the binary: a strong `ETag` derived from the bytes,
//! and whether a request's `If-None-Match` already holds them (then the answer is a 304 without
//! a body).

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
        }
        headers
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
