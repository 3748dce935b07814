//! `GET /api/openapi.json`, `/api/docs` (Swagger UI) and `/api/redoc`: the OpenAPI 3 document,
//! built from the routes every function actually serves, and two pages that render it.
//!
//! The pages load their viewers from a CDN in the reader's browser (`DOCS_ASSETS_BASE` to point
//! elsewhere), so building and serving them needs no network.

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use http_kit::ErrorKey;
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Where the pages load `swagger-ui-dist` and `redoc` from.
const DEFAULT_ASSETS_BASE: &str = "https://cdn.jsdelivr.net/npm";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Frontdesk API",
        description = "Lead capture and omnichannel customer support. Tenant routes take an API key \
                       as `X-Api-Key` or `Authorization: Bearer`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes)
)]
struct FrontdeskApi;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cognito",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An agent's Amazon Cognito token (ID token, or access token carrying the tenant claim)",
                    ))
                    .build(),
            ),
        );
    }
}

fn docs_routes() -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(openapi_json))
        .routes(routes!(swagger_ui))
        .routes(routes!(redoc))
}

/// The whole API: every function's documented routes, merged.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = FrontdeskApi::openapi();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    for part in [
        lead_capture::routes().into_openapi(),
        lead_update_conversation::routes().into_openapi(),
        user_conversations::routes().into_openapi(),
        health::routes().into_openapi(),
        ticket_create::routes().into_openapi(),
        ticket_get::routes().into_openapi(),
        ticket_update::routes().into_openapi(),
        ticket_add_message::routes().into_openapi(),
        ticket_status::routes().into_openapi(),
        ticket_assign::routes().into_openapi(),
        ticket_list::routes().into_openapi(),
        customer_get::routes().into_openapi(),
        customer_tickets::routes().into_openapi(),
        webhook_whatsapp::routes().into_openapi(),
        webhook_facebook::routes().into_openapi(),
        webhook_instagram::routes().into_openapi(),
        webhook_twitter::routes().into_openapi(),
        webhook_chatbot::routes().into_openapi(),
        chat_respond::routes().into_openapi(),
        lead_create::routes().into_openapi(),
        lead_get::routes().into_openapi(),
        lead_update::routes().into_openapi(),
        analytics_summary::routes().into_openapi(),
        chatbot_session::routes().into_openapi(),
        chatbot_session_internal::routes().into_openapi(),
        chatbot_chat::routes().into_openapi(),
        chatbot_chat_internal::routes().into_openapi(),
        widget_script::routes().into_openapi(),
        console::routes().into_openapi(),
        docs_routes().into_openapi(),
    ] {
        document.merge(part);
    }
    document
}

/// The document serialised once per execution environment; every request sends the same bytes.
fn document_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        serde_json::to_string(&document()).expect("the OpenAPI document serialises")
    })
}

/// The function's router.
pub fn app() -> Router {
    http_kit::finish(docs_routes(), (), ErrorKey::Detail)
}

/// The OpenAPI 3 document
#[utoipa::path(get, path = "/api/openapi.json", tag = "Documentation",
    responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
}

/// Swagger UI
#[utoipa::path(get, path = "/api/docs", tag = "Documentation",
    responses((status = 200, description = "Swagger UI page", content_type = "text/html")))]
async fn swagger_ui() -> Html<String> {
    let base = assets_base();
    Html(format!(
        r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Frontdesk API</title>
<link rel="stylesheet" href="{base}/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{base}/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{ url: "/api/openapi.json", dom_id: "#swagger-ui" }});</script>
</body></html>"##
    ))
}

/// ReDoc
#[utoipa::path(get, path = "/api/redoc", tag = "Documentation",
    responses((status = 200, description = "ReDoc page", content_type = "text/html")))]
async fn redoc() -> Html<String> {
    let base = assets_base();
    Html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Frontdesk API</title></head>
<body><redoc spec-url="/api/openapi.json"></redoc>
<script src="{base}/redoc@2/bundles/redoc.standalone.js"></script>
</body></html>"#
    ))
}

fn assets_base() -> String {
    std::env::var("DOCS_ASSETS_BASE")
        .ok()
        .filter(|base| !base.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_ASSETS_BASE.to_owned())
}
