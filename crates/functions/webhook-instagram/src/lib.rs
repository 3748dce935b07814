//! `/api/v1/webhook/instagram` (seed 001) and `/api/webhooks/instagram`: the Instagram messaging
//! webhook. Seed 001's path has the assistant answer each sender on their lead; the other feeds
//! support tickets like seed 004's channels.

use axum::Router;
use http_kit::ErrorKey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webhooks::WebhookState;

webhooks::meta_webhook!(
    instagram_leads,
    webhooks::Provider::Instagram,
    webhooks::Handling::Leads,
    "/api/v1/webhook/instagram",
    "An Instagram messaging delivery (`object: instagram`)"
);
webhooks::meta_webhook!(
    instagram_tickets,
    webhooks::Provider::Instagram,
    webhooks::Handling::Tickets,
    "/api/webhooks/instagram",
    "An Instagram messaging delivery (`object: instagram`)"
);

pub fn routes() -> OpenApiRouter<WebhookState> {
    OpenApiRouter::new()
        .routes(routes!(
            instagram_leads::handshake,
            instagram_leads::deliver
        ))
        .routes(routes!(
            instagram_tickets::handshake,
            instagram_tickets::deliver
        ))
        .layer(webhooks::delivery_body_limit())
}

pub fn app(backend: &store::Backend, chat: wiring::chat::ChatService) -> Router {
    http_kit::finish(routes(), WebhookState::new(backend, chat), ErrorKey::Detail)
}
