//! `/api/webhooks/whatsapp` (seed 004) and `/api/v1/webhook/whatsapp` (seed 001): the WhatsApp
//! Cloud API webhook. Seed 004's path feeds support tickets; seed 001's has the assistant answer
//! each sender on their lead. Point the number's webhook at the one the tenant wants.

use axum::Router;
use http_kit::ErrorKey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webhooks::WebhookState;

webhooks::meta_webhook!(
    whatsapp_tickets,
    webhooks::Provider::WhatsApp,
    webhooks::Handling::Tickets,
    "/api/webhooks/whatsapp",
    "A WhatsApp Cloud API delivery (`object: whatsapp_business_account`): messages and statuses"
);
webhooks::meta_webhook!(
    whatsapp_leads,
    webhooks::Provider::WhatsApp,
    webhooks::Handling::Leads,
    "/api/v1/webhook/whatsapp",
    "A WhatsApp Cloud API delivery (`object: whatsapp_business_account`): messages and statuses"
);

pub fn routes() -> OpenApiRouter<WebhookState> {
    OpenApiRouter::new()
        .routes(routes!(
            whatsapp_tickets::handshake,
            whatsapp_tickets::deliver
        ))
        .routes(routes!(whatsapp_leads::handshake, whatsapp_leads::deliver))
        .layer(webhooks::delivery_body_limit())
}

pub fn app(backend: &store::Backend, chat: wiring::chat::ChatService) -> Router {
    http_kit::finish(routes(), WebhookState::new(backend, chat), ErrorKey::Detail)
}
