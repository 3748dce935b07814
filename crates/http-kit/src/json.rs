//! JSON request bodies: parsed with the path of the offending field in the error, and refused
//! with a 4xx for every way a body can be wrong.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::{ApiError, ErrorCode, MAX_JSON_BODY_BYTES};

/// A JSON body of type `T`. Any content type is read as JSON: widgets often post `text/plain`
/// to avoid a CORS preflight, and refusing them would break working clients.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(request, state).await?;
        parse(&bytes).map(JsonBody)
    }
}

/// The whole body, within the router's body limit.
pub(crate) async fn body_bytes<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    ErrorCode::BodyTooLarge,
                    format!("Request body exceeds the {MAX_JSON_BODY_BYTES}-byte limit"),
                )
            } else {
                ApiError::new(ErrorCode::UnreadableBody, rejection.body_text())
            }
        })
}

/// Parses `bytes` as `T`, naming the failing field (`leadData.email: invalid type …`).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            ErrorCode::InvalidJson,
            "Request body must be a JSON object",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let text = if inner.is_data() && path != "." {
            format!("{path}: {inner}")
        } else if inner.is_data() {
            format!("Request body has the wrong shape: {inner}")
        } else {
            format!("Request body is not valid JSON: {inner}")
        };
        ApiError::new(ErrorCode::InvalidJson, text)
    })?;
    // A body is one JSON value: text after it (`{…} xyz`) means the client sent something else
    // than it thinks, and taking the first half would store a request nobody made.
    deserializer.end().map_err(|error| {
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("Request body is not valid JSON: {error}"),
        )
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn names_the_field_with_the_wrong_type() {
        let error = parse::<Outer>(br#"{"inner": {"count": "three"}}"#).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidJson);
        assert!(
            error.text.starts_with("inner.count: invalid type"),
            "{}",
            error.text
        );
    }

    #[test]
    fn text_after_the_value_is_refused() {
        for body in [
            &br#"{"inner": {"count": 1}} xyz"#[..],
            br#"{"inner": {"count": 1}}{}"#,
        ] {
            let error = parse::<Outer>(body).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidJson);
            assert!(error.text.contains("trailing characters"), "{}", error.text);
        }
        assert!(parse::<Outer>(b"{\"inner\": {\"count\": 1}}  \n").is_ok());
    }

    #[test]
    fn syntax_errors_and_empty_bodies_are_bad_requests() {
        for body in [&b"{not json"[..], b"", b"  "] {
            let error = parse::<Outer>(body).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        }
        let error = parse::<Outer>(b"\"a string\"").unwrap_err();
        assert!(error.text.contains("wrong shape"), "{}", error.text);
    }
}
