//! Error responses: every 4xx and 5xx leaves as JSON with the seed family's key (`message` for
//! seed 000, `detail` for 001/004, `error` for 002) plus a machine-readable `code`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::catalogue::ErrorCode;

/// The key under which a seed family's clients expect the error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKey {
    Message,
    Detail,
    Error,
}

impl ErrorKey {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Detail => "detail",
            Self::Error => "error",
        }
    }
}

/// An expected failure, answered to the caller with a code of the catalogue. Bugs and outages
/// become [`ApiError::internal`], whose cause is logged and never sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub text: String,
    /// Seconds after which a refused request may be tried again (`Retry-After`).
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, text: impl Into<String>) -> Self {
        Self {
            code,
            text: text.into(),
            retry_after_secs: None,
        }
    }

    /// The status the code comes with.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// 429 with `Retry-After`: the caller is over a rate limit until then.
    pub fn too_many_requests(text: impl Into<String>, retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(ErrorCode::RateLimited, text)
        }
    }

    /// A failure that is ours, not the caller's: logs `cause` and answers 500 with `text` only.
    pub fn internal(text: impl Into<String>, cause: &dyn std::fmt::Display) -> Self {
        let text = text.into();
        tracing::error!(%cause, "{text}");
        Self::new(ErrorCode::Internal, text)
    }
}

/// Carried from the handler to [`render`], which knows the router's key.
#[derive(Debug, Clone)]
struct PendingError {
    code: ErrorCode,
    text: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let Some(seconds) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(PendingError {
            code: self.code,
            text: self.text,
        });
        response
    }
}

/// Writes the JSON body of an error response with `key`. Errors that did not come from an
/// [`ApiError`] (an extractor's rejection, an unknown method, a layer's refusal) get a body with
/// their own short text or their status's name, so no client ever sees an empty or plain-text
/// error.
pub async fn render(key: ErrorKey, response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let pending = response.extensions().get::<PendingError>().cloned();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if pending.is_none() && is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let (code, text) = match pending {
        Some(PendingError { code, text }) => (code, text),
        None => generic(status, rejection_text(body).await),
    };
    // The JSON body brings its own type and length; the old ones described the old body.
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    // Rendered once: an outer router (the devserver's) must not render it again with its key.
    parts.extensions.remove::<PendingError>();
    let body = Json(json!({ key.as_str(): text, "code": code.as_str() }));
    (parts, body).into_response()
}

/// The longest plain-text rejection kept as an error's text; axum's are a line.
const REJECTION_TEXT_BYTES: usize = 1024;

/// The text an extractor's rejection came with ("Failed to deserialize query string: duplicate
/// field `status`"), when it is a short line.
async fn rejection_text(body: axum::body::Body) -> Option<String> {
    let bytes = axum::body::to_bytes(body, REJECTION_TEXT_BYTES)
        .await
        .ok()?;
    let text = std::str::from_utf8(&bytes).ok()?.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn generic(status: StatusCode, said: Option<String>) -> (ErrorCode, String) {
    let named = |default: &str| said.clone().unwrap_or_else(|| default.to_owned());
    match status {
        StatusCode::BAD_REQUEST => (ErrorCode::BadRequest, named("Bad request")),
        StatusCode::UNAUTHORIZED => (ErrorCode::Unauthorized, named("Not authenticated")),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "Not found".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => {
            (ErrorCode::MethodNotAllowed, "Method not allowed".to_owned())
        }
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::BodyTooLarge,
            format!(
                "Request body exceeds the {}-byte limit",
                crate::MAX_JSON_BODY_BYTES
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            named("Unsupported media type"),
        ),
        other if other.is_client_error() => (
            ErrorCode::BadRequest,
            named(other.canonical_reason().unwrap_or("Error")),
        ),
        // A server error's own text may describe our internals: say only what happened.
        other => (
            ErrorCode::Error,
            other.canonical_reason().unwrap_or("Error").to_owned(),
        ),
    }
}

/// The answer for a path no route of this function serves.
pub async fn route_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "Not found")
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    async fn body_of(response: Response) -> serde_json::Value {
        let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn api_errors_use_the_family_key() {
        let response =
            ApiError::new(ErrorCode::MissingLeadData, "Missing required lead data").into_response();
        let rendered = render(ErrorKey::Detail, response).await;
        assert_eq!(rendered.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            body_of(rendered).await,
            json!({"detail": "Missing required lead data", "code": "missing_lead_data"})
        );
    }

    #[tokio::test]
    async fn rate_limits_say_when_to_return() {
        let response = ApiError::too_many_requests("Too many messages", 17).into_response();
        let rendered = render(ErrorKey::Error, response).await;
        assert_eq!(rendered.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(rendered.headers()[header::RETRY_AFTER], "17");
        assert_eq!(
            body_of(rendered).await,
            json!({"error": "Too many messages", "code": "rate_limited"})
        );
    }

    #[tokio::test]
    async fn bare_errors_get_a_json_body() {
        let rendered = render(
            ErrorKey::Error,
            StatusCode::METHOD_NOT_ALLOWED.into_response(),
        )
        .await;
        assert_eq!(
            body_of(rendered).await,
            json!({"error": "Method not allowed", "code": "method_not_allowed"})
        );
    }

    #[tokio::test]
    async fn plain_text_rejections_become_json_with_their_text() {
        let rejection = (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Failed to deserialize query string: duplicate field `status`",
        )
            .into_response();
        let rendered = render(ErrorKey::Detail, rejection).await;
        assert_eq!(rendered.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(
            body_of(rendered).await,
            json!({
                "detail": "Failed to deserialize query string: duplicate field `status`",
                "code": "bad_request"
            })
        );
        let too_large = (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Failed to buffer the request body: length limit exceeded",
        )
            .into_response();
        let rendered = render(ErrorKey::Error, too_large).await;
        assert_eq!(rendered.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(body_of(rendered).await["code"], "body_too_large");
    }

    #[tokio::test]
    async fn rendered_errors_are_left_alone_by_an_outer_router() {
        let inner = render(
            ErrorKey::Detail,
            (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain")],
                "Invalid URL",
            )
                .into_response(),
        )
        .await;
        let outer = render(ErrorKey::Message, inner).await;
        assert_eq!(outer.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(
            body_of(outer).await,
            json!({"detail": "Invalid URL", "code": "bad_request"})
        );
    }

    #[tokio::test]
    async fn successes_pass_untouched() {
        let ok = (StatusCode::CREATED, "made").into_response();
        let rendered = render(ErrorKey::Message, ok).await;
        assert_eq!(rendered.status(), StatusCode::CREATED);
        let bytes = to_bytes(rendered.into_body(), 100).await.unwrap();
        assert_eq!(&bytes[..], b"made");
    }

    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let response =
            ApiError::internal("Error processing lead", &"socket closed").into_response();
        let body = body_of(render(ErrorKey::Message, response).await).await;
        assert_eq!(
            body,
            json!({"message": "Error processing lead", "code": "internal"})
        );
    }
}
