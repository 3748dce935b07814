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
use http_kit::catalogue::ErrorCode;
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

/// The whole API as published: every function's documented routes, merged, with the error
/// catalogue and the codes each route answers.
pub fn document() -> serde_json::Value {
    let mut document = serde_json::to_value(routes_document()).expect("the document serialises");
    http_kit::catalogue::describe_errors(&mut document, &route_errors())
        .expect("every route names its error codes");
    document
}

/// The error codes each operation answers beyond those its credentials and `Idempotency-Key`
/// imply (and those any route may answer, `http_kit::catalogue::ANY_ROUTE`): what its handler's
/// input checks and use case can refuse with, as `http_kit::outcomes` maps them.
fn route_errors() -> Vec<(&'static str, Vec<ErrorCode>)> {
    use ErrorCode::*;
    let json_body = [InvalidJson, UnreadableBody, BodyTooLarge];
    let with_body = |codes: &[ErrorCode]| [&json_body[..], codes].concat();
    // A provider's delivery: refused unverified before anything in it is read.
    let delivery = vec![Unauthorized, InvalidDelivery, BodyTooLarge, Contended];
    vec![
        ("root", vec![]),
        ("service_health", vec![]),
        ("health", vec![]),
        ("ready", vec![]),
        ("openapi_json", vec![]),
        ("swagger_ui", vec![]),
        ("redoc", vec![]),
        ("widget_script", vec![]),
        ("console_page", vec![]),
        ("console_config", vec![]),
        ("console_asset", vec![NotFound]),
        // Seed 000
        (
            "capture_lead",
            with_body(&[MissingLeadData, InvalidLeadData, InvalidConversationId]),
        ),
        (
            "update_conversation",
            with_body(&[MissingFields, InvalidUserId, InvalidConversationId]),
        ),
        (
            "user_conversations",
            vec![MissingUserId, InvalidUserId, NotFound],
        ),
        // Seed 001
        (
            "respond",
            with_body(&[
                InvalidMessage,
                InvalidSource,
                InvalidUserId,
                RateLimited,
                Contended,
            ]),
        ),
        (
            "create_lead",
            with_body(&[
                InvalidSource,
                MissingField,
                FieldTooLong,
                InvalidEmail,
                InvalidPhone,
                InvalidIntent,
                Contended,
            ]),
        ),
        ("get_lead", vec![NotFound]),
        (
            "update_lead",
            with_body(&[InvalidStatus, NotFound, PreconditionFailed, Contended]),
        ),
        ("analytics_summary", vec![]),
        ("list_leads", vec![InvalidQuery, InvalidCursor]),
        // Seed 002
        (
            "open_session",
            vec![
                InvalidJson,
                BodyTooLarge,
                SessionOfAnotherTenant,
                RateLimited,
                Contended,
            ],
        ),
        (
            "open_internal_session",
            vec![
                InvalidJson,
                BodyTooLarge,
                SessionOfAnotherTenant,
                RateLimited,
                Contended,
            ],
        ),
        (
            "chat",
            with_body(&[
                InvalidMessage,
                InvalidSession,
                SessionExpired,
                RateLimited,
                Contended,
            ]),
        ),
        (
            "internal_chat",
            with_body(&[
                InvalidMessage,
                InvalidSession,
                SessionExpired,
                RateLimited,
                Contended,
            ]),
        ),
        // Seed 004
        ("create_ticket", with_body(&[InvalidField, Contended])),
        ("list_tickets", vec![InvalidQuery, InvalidCursor]),
        ("get_ticket", vec![InvalidQuery, InvalidCursor, NotFound]),
        ("ticket_status", vec![NotFound]),
        ("ticket_counts", vec![]),
        ("list_agents", vec![]),
        (
            "update_ticket",
            with_body(&[
                InvalidField,
                NoUpdates,
                NotFound,
                InvalidTransition,
                UnknownAgent,
                Contended,
            ]),
        ),
        (
            "assign_ticket",
            vec![MissingAgentId, UnknownAgent, NotFound, Contended],
        ),
        (
            "add_message",
            with_body(&[InvalidField, Forbidden, NotFound, TicketClosed, Contended]),
        ),
        ("get_customer", vec![NotFound]),
        (
            "customer_tickets",
            vec![InvalidQuery, InvalidCursor, NotFound],
        ),
        ("hand_off", with_body(&[InvalidField, Contended])),
        (
            "twitter_crc_check",
            vec![MissingCrcToken, MissingAccount, UnknownAccount],
        ),
        ("twitter_delivery", delivery.clone()),
        ("whatsapp_tickets_handshake", vec![VerificationFailed]),
        ("whatsapp_tickets_delivery", delivery.clone()),
        ("whatsapp_leads_handshake", vec![VerificationFailed]),
        ("whatsapp_leads_delivery", delivery.clone()),
        ("instagram_tickets_handshake", vec![VerificationFailed]),
        ("instagram_tickets_delivery", delivery.clone()),
        ("instagram_leads_handshake", vec![VerificationFailed]),
        ("instagram_leads_delivery", delivery.clone()),
        ("messenger_tickets_handshake", vec![VerificationFailed]),
        ("messenger_tickets_delivery", delivery),
    ]
}

/// Every function's documented routes, merged.
fn routes_document() -> utoipa::openapi::OpenApi {
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
        ticket_counts::routes().into_openapi(),
        agent_list::routes().into_openapi(),
        webhook_whatsapp::routes().into_openapi(),
        webhook_facebook::routes().into_openapi(),
        webhook_instagram::routes().into_openapi(),
        webhook_twitter::routes().into_openapi(),
        webhook_chatbot::routes().into_openapi(),
        chat_respond::routes().into_openapi(),
        lead_create::routes().into_openapi(),
        lead_get::routes().into_openapi(),
        lead_update::routes().into_openapi(),
        lead_list::routes().into_openapi(),
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
    DOCUMENT.get_or_init(|| document().to_string())
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
