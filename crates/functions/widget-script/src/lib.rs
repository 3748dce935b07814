//! `GET /widget/frontdesk-widget.js`: the chat widget a tenant's website loads with one script
//! tag (source in `widget/frontdesk-widget.js`, embedded at build time), with an `ETag` so
//! browsers revalidate it for a 304 instead of downloading it again.

use std::sync::LazyLock;

use axum::Router;
use axum::http::HeaderMap;
use axum::response::Response;
use http_kit::ErrorKey;
use http_kit::etag::{content_etag, fixed_content};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The widget's source, as served.
pub const SCRIPT: &str = include_str!("../../../../widget/frontdesk-widget.js");

/// Short enough that a new widget reaches every website within minutes of a deployment; after
/// it a browser revalidates with `If-None-Match`, which costs a 304 and no body.
const CACHE_CONTROL: &str = "public, max-age=300";

const CONTENT_TYPE: &str = "application/javascript; charset=utf-8";

/// A strong validator derived from the content, so it changes exactly when the script does and
/// every instance of the function agrees on it.
static ETAG: LazyLock<String> = LazyLock::new(|| content_etag(SCRIPT.as_bytes()));

/// The `ETag` the script is served with.
pub fn etag() -> &'static str {
    ETAG.as_str()
}

/// The documented route of this function, for its router and the OpenAPI document.
pub fn routes() -> OpenApiRouter {
    OpenApiRouter::new().routes(routes!(widget_script))
}

/// The function's router.
pub fn app() -> Router {
    http_kit::finish(routes(), (), ErrorKey::Message)
}

/// The chat widget script
#[utoipa::path(get, path = "/widget/frontdesk-widget.js", tag = "Widget",
    params(("If-None-Match" = Option<String>, Header,
        description = "The `ETag` of a copy the browser holds")),
    responses(
        (status = 200, description = "The widget, to load with `<script src=… data-api-key=…>`",
            content_type = "application/javascript"),
        (status = 304, description = "The copy named by `If-None-Match` is current"),
    ))]
async fn widget_script(headers: HeaderMap) -> Response {
    fixed_content(&headers, etag(), CACHE_CONTROL, CONTENT_TYPE, SCRIPT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use axum::http::{StatusCode, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn get(if_none_match: Option<&str>) -> Response {
        let mut request = Request::get("/widget/frontdesk-widget.js");
        if let Some(value) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, value);
        }
        app()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response.headers()[name].to_str().unwrap()
    }

    #[tokio::test]
    async fn serves_the_script_with_its_validators() {
        let response = get(None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "application/javascript; charset=utf-8"
        );
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            "public, max-age=300"
        );
        let tag = header_of(&response, header::ETAG).to_owned();
        assert!(
            tag.len() == 34 && tag.starts_with('"') && tag.ends_with('"'),
            "{tag}"
        );
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, SCRIPT.as_bytes());
    }

    #[tokio::test]
    async fn a_current_copy_gets_304_without_a_body() {
        for if_none_match in [
            etag().to_owned(),
            format!("W/{}", etag()),
            format!("\"older\", {}", etag()),
            "*".to_owned(),
        ] {
            let response = get(Some(&if_none_match)).await;
            assert_eq!(
                response.status(),
                StatusCode::NOT_MODIFIED,
                "{if_none_match}"
            );
            assert_eq!(header_of(&response, header::ETAG), etag());
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert!(body.is_empty());
        }
    }

    #[tokio::test]
    async fn a_stale_copy_gets_the_script() {
        let response = get(Some("\"0123456789abcdef0123456789abcdef\"")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body.len(), SCRIPT.len());
    }

    /// Websites with a Content-Security-Policy can only run a widget that never evaluates
    /// strings as code or writes inline handlers.
    #[test]
    fn the_script_needs_no_unsafe_csp_allowances() {
        for forbidden in [
            "eval(",
            "new Function",
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "setAttribute('on",
            "setAttribute(\"on",
            "setAttribute('style",
        ] {
            assert!(!SCRIPT.contains(forbidden), "the widget uses {forbidden}");
        }
        assert!(SCRIPT.contains("attachShadow({ mode: 'open' })"));
    }
}
