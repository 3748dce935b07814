//! What the channel webhook functions share: the providers' subscription handshakes, the
//! signature check over the raw body, and the handling of every message of a delivery, once: on
//! seed 004's paths it joins its customer's ticket, on seed 001's the assistant answers it on the
//! sender's lead. Each function crate only mounts these on its seed's paths.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use channels::{InboundMessage, SignatureError};
use chat_kit::conversation::{Answer, Converse};
use chat_kit::{ChatError, ChatLimits, ChatService, converse};
use domain::conversation::{ConversationKey, MAX_CHAT_MESSAGE_CHARS};
use domain::lead::{LeadSource, UserId};
use domain::replay::ReplayKey;
use domain::ticket::{Attachment, Channel, Delivery, DeliveryState};
use http_kit::ApiError;
use http_kit::catalogue::ErrorCode;
use http_kit::observe::{CallerKind, RequestFacts};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::channel_accounts::{ChannelAccount, ChannelAccountStore};
use store::tickets::TicketStore;
use usecases::tickets::{ChannelMessage, Received, receive_channel_message};
use utoipa::ToSchema;

/// Providers batch many updates in one delivery; this is far above what they send and still
/// bounds memory.
pub const MAX_DELIVERY_BYTES: usize = 1024 * 1024;

/// The state of a webhook function: the connected accounts, the tickets they feed, and the
/// assistant conversations of seed 001's lead flow.
#[derive(Clone)]
pub struct WebhookState {
    pub accounts: ChannelAccountStore,
    pub tickets: TicketStore,
    pub chat: ChatService,
}

impl WebhookState {
    pub fn new(backend: &store::Backend, mut chat: ChatService) -> Self {
        // Deliveries come signed by the provider: refusing a message over a rate limit would only
        // make the provider deliver it again.
        chat.limits = ChatLimits::unlimited();
        Self {
            accounts: backend.channel_accounts(),
            tickets: backend.tickets(),
            chat,
        }
    }
}

/// A webhook function's router from its configuration.
pub type AppFn = fn(&store::Backend, ChatService) -> axum::Router;

/// A webhook function's Lambda entry point: the tables and the assistant's settings read once
/// (every missing variable reported together), clients built once.
pub async fn run(app: AppFn) -> Result<(), http_kit::lambda::Error> {
    let (backend, engine) =
        store::Backend::from_env_with(assistant::EngineConfig::from_settings).await?;
    let chat = ChatService::start(&backend, engine, ChatLimits::unlimited()).await?;
    http_kit::lambda::run(app(&backend, chat)).await
}

/// What a delivery's messages become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// Seed 004: each message joins its customer's active ticket, for agents to answer.
    Tickets,
    /// Seed 001: the assistant answers each message on the sender's lead (one per phone or
    /// handle), whose intent follows the conversation.
    Leads,
}

impl FromRef<WebhookState> for TicketStore {
    fn from_ref(state: &WebhookState) -> Self {
        state.tickets.clone()
    }
}

/// The body limit of delivery routes, as a layer.
pub fn delivery_body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(MAX_DELIVERY_BYTES)
}

/// A provider that calls our webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    WhatsApp,
    Messenger,
    Instagram,
    X,
}

impl Provider {
    pub fn channel(self) -> Channel {
        match self {
            Self::WhatsApp => Channel::Whatsapp,
            Self::Messenger => Channel::Facebook,
            Self::Instagram => Channel::Instagram,
            Self::X => Channel::Twitter,
        }
    }

    /// Where a lead met on this provider comes from; `None` for providers without a lead flow.
    fn lead_source(self) -> Option<LeadSource> {
        match self {
            Self::WhatsApp => Some(LeadSource::Whatsapp),
            Self::Messenger => Some(LeadSource::Messenger),
            Self::Instagram => Some(LeadSource::Instagram),
            Self::X => None,
        }
    }

    fn account_ids(self, body: &[u8]) -> Result<Vec<String>, channels::ParseError> {
        match self {
            Self::X => channels::x::account_id(body).map(|id| vec![id]),
            _ => channels::meta::account_ids(body),
        }
    }

    /// The signature header this provider signs its deliveries with.
    fn signature(self, headers: &HeaderMap) -> Option<&str> {
        let name = match self {
            Self::X => channels::signature::X_SIGNATURE_HEADER,
            _ => channels::signature::META_SIGNATURE_HEADER,
        };
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.trim().is_empty())
    }

    fn verify(self, secret: &str, body: &[u8], signature: &str) -> Result<(), SignatureError> {
        match self {
            Self::X => channels::signature::verify_x(secret, body, Some(signature)),
            _ => channels::signature::verify_meta(secret, body, Some(signature)),
        }
    }

    fn parse(self, body: &[u8]) -> Result<channels::Delivery, channels::ParseError> {
        match self {
            Self::WhatsApp => channels::meta::parse_whatsapp(body),
            Self::Messenger => channels::meta::parse_messenger(body),
            Self::Instagram => channels::meta::parse_instagram(body),
            Self::X => channels::x::parse_x(body),
        }
    }
}

/// Meta's subscription handshake (`GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`):
/// the raw challenge as the body when the token is one a tenant configured for this channel,
/// else 403.
pub async fn meta_handshake(provider: Provider, state: &WebhookState, query: &str) -> Response {
    let query = channels::meta::subscription_from_query(query);
    let refused = || {
        (
            StatusCode::FORBIDDEN,
            Json(json!({"detail": "Verification failed", "code": "verification_failed"})),
        )
            .into_response()
    };
    let Some(token_given) = query.verify_token.as_deref() else {
        return refused();
    };
    let account = match state
        .accounts
        .find_by_verify_token(provider.channel(), token_given)
        .await
    {
        Ok(Some(account)) => account,
        Ok(None) => return refused(),
        Err(error) => {
            return ApiError::internal("Could not look the verify token up", &error)
                .into_response();
        }
    };
    match channels::meta::verify_subscription(&query.as_subscription(), &account.verify_token) {
        Ok(challenge) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            challenge,
        )
            .into_response(),
        Err(_) => refused(),
    }
}

/// X's challenge-response check (`GET ?crc_token=…&account=<for_user_id>`): `{"response_token":
/// "sha256=…"}` signed with that account's consumer secret. X names no account in the check, so
/// the webhook URL registered with X carries it.
pub async fn x_crc(
    state: &WebhookState,
    query: &HashMap<String, String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = query
        .get("crc_token")
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::new(ErrorCode::MissingCrcToken, "crc_token is required"))?;
    let account_id = query
        .get("account")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::MissingAccount,
                "account (the X user id the webhook is registered for) is required",
            )
        })?;
    let account = state
        .accounts
        .find(Channel::Twitter, account_id)
        .await
        .map_err(|error| ApiError::internal("Could not look the account up", &error))?
        .ok_or_else(|| ApiError::new(ErrorCode::UnknownAccount, "Verification failed"))?;
    Ok(Json(json!({
        "response_token": channels::x::crc_response(&account.signing_secret, token)
    })))
}

/// What a delivery did.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOutcome {
    /// Always `ok`: the provider must not retry a delivery we have taken.
    pub status: &'static str,
    /// Messages added to tickets.
    pub messages: usize,
    /// Messages seen before, skipped.
    pub duplicates: usize,
    /// Delivery states of our outbound messages.
    pub statuses: usize,
    /// Events acknowledged without being handled.
    pub ignored: usize,
    /// On seed 001's paths: the assistant's reply to each new message (seed 001's
    /// `{recipient_id, response}`), stored on the lead for outbound delivery.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<LeadReply>,
}

/// The assistant's reply to a channel message.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeadReply {
    pub recipient_id: String,
    pub response: String,
}

/// Why a delivery was not taken: it could not be verified, so it is answered 401 and nothing of
/// it is read further. Deliberately one answer for every reason, so the reply tells a prober
/// nothing about which accounts exist.
fn unverified(provider: Provider, why: &str) -> ApiError {
    tracing::warn!(provider = ?provider, why, "a delivery refused before anything in it was used");
    telemetry::count(telemetry::Figure::WebhookSignatureRefused, 1);
    ApiError::new(
        ErrorCode::Unauthorized,
        "The delivery's signature could not be verified",
    )
}

/// The accounts a delivery is for, each of which verified the raw body with its own secret.
/// Only what finds the secrets (the account ids) is read before the check; a body without a
/// signature, naming no connected account or not even JSON is refused the same way.
async fn verified_accounts(
    provider: Provider,
    state: &WebhookState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<HashMap<String, ChannelAccount>, ApiError> {
    let Some(signature) = provider.signature(headers) else {
        return Err(unverified(provider, "no signature header"));
    };
    let account_ids = provider
        .account_ids(body)
        .map_err(|_| unverified(provider, "no account id could be read"))?;
    if account_ids.is_empty() {
        // Account-level notices (template reviews, quality ratings…) name no phone number, so
        // no connected account can vouch for them.
        return Err(unverified(provider, "the delivery names no account"));
    }
    let mut accounts = HashMap::new();
    for id in account_ids {
        let account = state
            .accounts
            .find(provider.channel(), &id)
            .await
            .map_err(|error| ApiError::internal("Could not look the account up", &error))?
            .ok_or_else(|| unverified(provider, "an account no tenant connected"))?;
        // Every account of one delivery must verify: a body signed for one tenant's app cannot
        // carry messages for another's.
        provider
            .verify(&account.signing_secret, body, signature)
            .map_err(|_| unverified(provider, "the signature does not match"))?;
        accounts.insert(id, account);
    }
    Ok(accounts)
}

/// A provider's POST: the signature checked over the raw body with the secret of the account it
/// names (401 and nothing read further otherwise), then every message handled once as
/// `handling` says.
pub async fn receive_delivery(
    provider: Provider,
    handling: Handling,
    state: &WebhookState,
    request: (&axum::http::Extensions, &HeaderMap),
    body: &Bytes,
) -> Result<Json<DeliveryOutcome>, ApiError> {
    let (extensions, headers) = request;
    let accounts = verified_accounts(provider, state, headers, body).await?;
    if let Some(account) = accounts.values().next() {
        RequestFacts::record(extensions, &account.tenant_id, CallerKind::Signature);
    }
    let delivery = provider
        .parse(body)
        .map_err(|error| ApiError::new(ErrorCode::InvalidDelivery, error.to_string()))?;

    let mut outcome = DeliveryOutcome {
        status: "ok",
        messages: 0,
        duplicates: 0,
        statuses: delivery.statuses.len(),
        ignored: delivery.ignored.len(),
        replies: Vec::new(),
    };
    for ignored in &delivery.ignored {
        tracing::info!(provider = ?provider, %ignored, "acknowledged without handling");
    }
    for status in &delivery.statuses {
        // A status report only ever moves what its own account sent.
        let Some(account) = accounts.get(&status.account_id) else {
            tracing::warn!(provider = ?provider, "a status for an account the delivery did not name; ignored");
            continue;
        };
        let reported = Delivery {
            state: match status.state {
                channels::DeliveryState::Sent => DeliveryState::Sent,
                channels::DeliveryState::Delivered => DeliveryState::Delivered,
                channels::DeliveryState::Read => DeliveryState::Read,
                channels::DeliveryState::Failed => DeliveryState::Failed,
            },
            error: status.error.clone(),
            at: status.timestamp,
        };
        let recorded = state
            .tickets
            .record_delivery(
                &account.tenant_id,
                provider.channel(),
                &account.account_id,
                &status.message_id,
                &reported,
            )
            .await
            .map_err(|error| ApiError::internal("Could not record a delivery state", &error))?;
        tracing::info!(
            provider = ?provider,
            message = %status.message_id,
            state = status.state.as_str(),
            error = ?status.error,
            recorded,
            "delivery state of an outbound message"
        );
    }
    for message in delivery.messages {
        let Some(account) = accounts.get(&message.account_id) else {
            tracing::warn!(account = %message.account_id, "a message for an account the delivery did not name; skipped");
            continue;
        };
        let tenant = account.tenant_id.clone();
        if let (Handling::Leads, Some(source)) = (handling, provider.lead_source()) {
            let answer = lead_message(state, &tenant, source, &message).await?;
            if answer.repeated {
                outcome.duplicates += 1;
            } else {
                outcome.messages += 1;
                outcome
                    .replies
                    .extend(serde_json::from_value(answer.body).ok());
            }
            continue;
        }
        match receive_channel_message(&state.tickets, &tenant, channel_message(provider, &message))
            .await?
        {
            Received::Duplicate => outcome.duplicates += 1,
            Received::Joined(_) | Received::Opened(_) => outcome.messages += 1,
        }
    }
    telemetry::count(telemetry::Figure::WebhookDeliveriesAccepted, 1);
    telemetry::count(
        telemetry::Figure::WebhookDeliveriesDuplicate,
        outcome.duplicates as u64,
    );
    telemetry::count(telemetry::Figure::MessagesIn, outcome.messages as u64);
    Ok(Json(outcome))
}

/// Seed 001's lead flow for one message: the assistant answers it on the sender's lead, with the
/// provider's message id as the key that makes a repeated delivery change nothing.
async fn lead_message(
    state: &WebhookState,
    tenant: &domain::TenantId,
    source: LeadSource,
    message: &InboundMessage,
) -> Result<Answer, ApiError> {
    let user_id = UserId::parse(&message.sender)
        .map_err(|error| ApiError::new(ErrorCode::InvalidDelivery, format!("sender {error}")))?;
    let text: String = message
        .text
        .clone()
        .filter(|text| !text.trim().is_empty())
        .unwrap_or_else(|| format!("[{}]", message.raw_kind))
        .chars()
        .take(MAX_CHAT_MESSAGE_CHARS)
        .collect();
    // The provider's message id names the message once and for all: a repeat is the same
    // message, so the id is its own fingerprint.
    let replay = ReplayKey {
        key: format!("{tenant}#{source}-message#{}", message.message_id),
        fingerprint: message.message_id.clone(),
        keep_secs: usecases::tickets::DEDUPE_WINDOW_SECS,
    };
    let sender = message.sender.clone();
    let request = Converse {
        key: ConversationKey::Visitor { source, user_id },
        text,
        caller_scope: format!("channel#{}", message.account_id),
        replay: Some(replay),
        channel_account: Some(message.account_id.clone()),
    };
    converse(&state.chat, tenant, request, |_, reply| {
        json!(LeadReply {
            recipient_id: sender.clone(),
            response: reply.text.clone(),
        })
    })
    .await
    .map_err(ChatError::into_api_error)
}

/// An inbound message as the ticket use case takes it.
fn channel_message(provider: Provider, message: &InboundMessage) -> ChannelMessage {
    let channel = provider.channel();
    ChannelMessage {
        channel,
        account_id: message.account_id.clone(),
        sender: message.sender.clone(),
        sender_name: message.sender_name.clone(),
        provider_message_id: message.message_id.clone(),
        content: message
            .text
            .clone()
            .filter(|text| !text.trim().is_empty())
            .unwrap_or_else(|| format!("[{}]", message.raw_kind)),
        attachments: message
            .media
            .iter()
            .map(|media| Attachment {
                url: media.url.clone().unwrap_or_else(|| {
                    format!("{channel}-media:{}", media.id.clone().unwrap_or_default())
                }),
                file_type: media
                    .mime_type
                    .clone()
                    .unwrap_or_else(|| format!("{:?}", media.kind).to_lowercase()),
                file_name: None,
                size_bytes: None,
            })
            .collect(),
        channel_data: json!({
            "provider_message_id": message.message_id,
            "account_id": message.account_id,
            "kind": message.raw_kind,
            "sent_at": message.timestamp,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    }
}

/// Declares, in a module named `$module`, the two documented handlers of a Meta webhook on
/// `$path`: the subscription handshake (GET) and deliveries (POST), both served by this crate.
/// Mount them with `routes!($module::handshake, $module::deliver)`. Their operation ids are
/// `<module>_handshake` and `<module>_delivery`, so name the module for the provider and what
/// its messages become (`whatsapp_tickets`): ids are unique across the whole API.
#[macro_export]
macro_rules! meta_webhook {
    ($module:ident, $provider:expr, $handling:expr, $path:literal, $delivery:literal) => {
        pub mod $module {
            use axum::Json;
            use axum::body::Bytes;
            use axum::extract::{RawQuery, State};
            use axum::http::HeaderMap;
            use axum::response::Response;
            use http_kit::ApiError;
            use webhook_kit::{DeliveryOutcome, WebhookState};

            /// Subscription handshake
            ///
            /// Meta calls this when the webhook is configured: the raw `hub.challenge` comes back
            /// when `hub.verify_token` is one a tenant connected for this channel, else 403.
            #[utoipa::path(
                get,
                path = $path,
                operation_id = concat!(stringify!($module), "_handshake"),
                tag = "Webhooks",
                params(
                    ("hub.mode" = String, Query, description = "`subscribe`"),
                    ("hub.verify_token" = String, Query, description = "The verify token configured for the account"),
                    ("hub.challenge" = String, Query, description = "Echoed back on success"),
                ),
                responses(
                    (status = 200, description = "The challenge, as plain text", content_type = "text/plain", body = String),
                    (status = 403, description = "Verification failed"),
                )
            )]
            pub async fn handshake(
                State(state): State<WebhookState>,
                RawQuery(query): RawQuery,
            ) -> Response {
                webhook_kit::meta_handshake($provider, &state, query.as_deref().unwrap_or_default())
                    .await
            }

            /// Receive a delivery
            ///
            /// Checked against `X-Hub-Signature-256` over the raw body with the account's app
            /// secret; every message is handled once, whatever the retries: on seed 004's paths
            /// (`/api/webhooks/…`) it joins its customer's active ticket (or opens one), on seed
            /// 001's (`/api/v1/webhook/…`) the assistant answers it on the sender's lead.
            #[utoipa::path(
                post,
                path = $path,
                operation_id = concat!(stringify!($module), "_delivery"),
                tag = "Webhooks",
                request_body(content = Object, description = $delivery),
                params(("X-Hub-Signature-256" = String, Header, description = "`sha256=<hex HMAC-SHA256 of the body with the app secret>`")),
                responses(
                    (status = 200, description = "Taken (also when every message was a repeat)", body = DeliveryOutcome),
                    (status = 400, description = "A verified body that is not a delivery of this provider"),
                    (status = 401, description = "Not verified: no signature, a signature that does not match, or no connected account that could vouch for the body; nothing in it is used"),
                    (status = 413, description = "The body is larger than 1 MiB"),
                )
            )]
            pub async fn deliver(
                State(state): State<WebhookState>,
                extensions: axum::http::Extensions,
                headers: HeaderMap,
                body: Bytes,
            ) -> Result<Json<DeliveryOutcome>, ApiError> {
                webhook_kit::receive_delivery($provider, $handling, &state, (&extensions, &headers), &body)
                    .await
            }
        }
    };
}
