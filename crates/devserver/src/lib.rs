//! The whole product on one port: every function's router merged, as API Gateway would route
//! them (the agent console at `/console` among them), plus the local stack's demo tenants and a
//! demo shop page that embeds the chat widget.
//! `make dev` runs it; the end-to-end tests drive it.

pub mod cognito;
pub mod demo;
pub mod demo_activity;
pub mod demo_page;
pub mod outbound_feed;
pub mod sandbox;
pub mod stream_feed;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method};
use http_kit::ErrorKey;
use tower_http::cors::{AllowOrigin, CorsLayer};
use wiring::chat::ChatService;

/// Every route of every function, on one router. `chat` is the chat and lead functions' service
/// (its assistant engine and limits come from configuration).
pub fn app(backend: &store::Backend, agents: &auth::AgentAuth, chat: ChatService) -> Router {
    Router::new()
        .merge(lead_capture::app(backend))
        .merge(lead_update_conversation::app(backend))
        .merge(user_conversations::app(backend))
        .merge(health::app(backend))
        .merge(api_docs::app())
        .merge(ticket_create::app(backend, agents))
        .merge(ticket_get::app(backend, agents))
        .merge(ticket_update::app(backend, agents))
        .merge(ticket_add_message::app(backend, agents))
        .merge(ticket_status::app(backend, agents))
        .merge(ticket_assign::app(backend, agents))
        .merge(ticket_list::app(backend, agents))
        .merge(customer_get::app(backend, agents))
        .merge(customer_tickets::app(backend, agents))
        .merge(ticket_counts::app(backend, agents))
        .merge(agent_list::app(backend, agents))
        .merge(webhook_whatsapp::app(backend, chat.clone()))
        .merge(webhook_facebook::app(backend, chat.clone()))
        .merge(webhook_instagram::app(backend, chat.clone()))
        .merge(webhook_twitter::app(backend, chat.clone()))
        .merge(webhook_chatbot::app(backend))
        .merge(chat_respond::app(backend, agents, chat.clone()))
        .merge(lead_create::app(backend, agents, chat.clone()))
        .merge(lead_get::app(backend, agents, chat.clone()))
        .merge(lead_update::app(backend, agents, chat.clone()))
        .merge(lead_list::app(backend, agents, chat.clone()))
        .merge(analytics_summary::app(backend, agents, chat.clone()))
        .merge(chatbot_session::app(backend, agents, chat.clone()))
        .merge(chatbot_session_internal::app(backend, agents, chat.clone()))
        .merge(chatbot_chat::app(backend, agents, chat.clone()))
        .merge(chatbot_chat_internal::app(backend, agents, chat))
        .merge(widget_script::app())
        .merge(console::app(&cognito::console_config(agents.settings())))
        .merge(demo_page::routes())
        .fallback(http_kit::errors::route_not_found)
        .layer(axum::middleware::map_response(|response| {
            http_kit::errors::render(ErrorKey::Message, response)
        }))
}

/// The request headers a browser on another origin may send: seed 000's, and the validators a
/// client polls and changes leads with (`If-None-Match`, `If-Match`). `template.yaml`'s
/// `CorsConfiguration` lists the same (`tests/tests/deployment.rs`).
pub const CORS_ALLOWED_HEADERS: [&str; 7] = [
    "content-type",
    "authorization",
    "x-amz-date",
    "x-api-key",
    "idempotency-key",
    "if-match",
    "if-none-match",
];

/// The answer headers a browser on another origin may read: the next page's cursor, how long to
/// wait after a 429, and the validator to send back.
pub const CORS_EXPOSED_HEADERS: [&str; 3] = ["x-next-cursor", "retry-after", "etag"];

/// CORS as the deployed HTTP API answers it (`template.yaml`'s `CorsConfiguration`): the origins
/// in `ALLOWED_ORIGINS` (comma-separated; `*` or unset for any) and the headers above.
pub fn cors(allowed_origins: Option<&str>) -> CorsLayer {
    let origins: Vec<HeaderValue> = allowed_origins
        .unwrap_or("*")
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty() && *origin != "*")
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    let allow_origin = if origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins)
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::OPTIONS,
        ])
        .allow_headers(CORS_ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers(CORS_EXPOSED_HEADERS.map(HeaderName::from_static))
}
