//! The channel webhooks over HTTP: the providers' subscription handshakes, the signature check
//! over the raw body before anything in it is read, and the routes each webhook function mounts
//! on its seed's paths. What a verified delivery does is the `usecases::channels` use case's.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use channels::SignatureError;
use domain::ticket::Channel;
use http_kit::ApiError;
use http_kit::catalogue::ErrorCode;
use http_kit::observe::{CallerKind, RequestFacts};
use serde::Serialize;
use serde_json::json;
use store::channel_accounts::{ChannelAccount, ChannelAccountStore};
use store::tickets::TicketStore;
use usecases::channels::{LeadReply, StatusReport, VerifiedDelivery, take_delivery};
use usecases::conversations::ChatLimits;
use utoipa::ToSchema;
use wiring::chat::ChatService;

pub use usecases::channels::Handling;

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
    let refused =
        || ApiError::new(ErrorCode::VerificationFailed, "Verification failed").into_response();
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
    /// Messages added to tickets (or, on seed 001's paths, answered on leads).
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
    pub replies: Vec<ReplyView>,
}

/// The assistant's reply to a channel message.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyView {
    pub recipient_id: String,
    pub response: String,
}

impl From<usecases::channels::DeliveryOutcome> for DeliveryOutcome {
    fn from(outcome: usecases::channels::DeliveryOutcome) -> Self {
        Self {
            status: "ok",
            messages: outcome.messages,
            duplicates: outcome.duplicates,
            statuses: outcome.statuses,
            ignored: outcome.ignored,
            replies: outcome
                .replies
                .into_iter()
                .map(
                    |LeadReply {
                         recipient_id,
                         response,
                     }| ReplyView {
                        recipient_id,
                        response,
                    },
                )
                .collect(),
        }
    }
}

/// Why a delivery was not taken: it could not be verified, so it is answered 401 and nothing of
/// it is read further. Deliberately one answer for every reason, so the reply tells a prober
/// nothing about which accounts exist.
fn unverified(provider: Provider, why: &str) -> ApiError {
    tracing::warn!(provider = ?provider, why, "a delivery refused before anything in it was used");
    usecases::count(usecases::Figure::WebhookSignatureRefused, 1);
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
    let parsed = provider
        .parse(body)
        .map_err(|error| ApiError::new(ErrorCode::InvalidDelivery, error.to_string()))?;
    for ignored in &parsed.ignored {
        tracing::info!(provider = ?provider, %ignored, "acknowledged without handling");
    }
    let tenant_of = |account_id: &str, what: &str| {
        let account = accounts.get(account_id);
        if account.is_none() {
            // Only what the accounts that verified the body vouch for is used.
            tracing::warn!(provider = ?provider, "{what} for an account the delivery did not name; skipped");
        }
        account.map(|account| account.tenant_id.clone())
    };
    let delivery = VerifiedDelivery {
        statuses: parsed
            .statuses
            .iter()
            .filter_map(|status| {
                Some(StatusReport {
                    tenant: tenant_of(&status.account_id, "a status")?,
                    channel: provider.channel(),
                    account_id: status.account_id.clone(),
                    message_id: status.message_id.clone(),
                    delivery: status.to_delivery(),
                })
            })
            .collect(),
        messages: parsed
            .messages
            .iter()
            .filter_map(|message| {
                Some((
                    tenant_of(&message.account_id, "a message")?,
                    message.to_channel_message(),
                ))
            })
            .collect(),
        ignored: parsed.ignored.len(),
    };
    let outcome = take_delivery(&state.tickets, &state.chat, handling, delivery).await?;
    Ok(Json(outcome.into()))
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
            use $crate::{DeliveryOutcome, WebhookState};

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
                $crate::meta_handshake($provider, &state, query.as_deref().unwrap_or_default())
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
                $crate::receive_delivery($provider, $handling, &state, (&extensions, &headers), &body)
                    .await
            }
        }
    };
}
