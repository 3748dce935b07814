//! `POST /api/v1/lead/`: creates a lead from a form or an integration (seed 001). Intents are
//! accepted in any case and answered upper-case, so clients of both the document (`WARM`) and
//! the original code (`warm`) work.

use auth::{AgentAuth, Caller};
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Json, Router};
use contracts::lead_chat::{CreateLeadRequest, LeadResponse};
use domain::Email;
use domain::lead::{LeadIntent, LeadSource, MAX_NAME_CHARS, phone_number};
use domain::ticket::TicketFieldError;
use http_kit::catalogue::ErrorCode;
use http_kit::params::present;
use http_kit::{ApiError, ErrorKey, IdempotentJson};
use serde_json::{Value, json};
use usecases::leads::{self, NewLead};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::chat::{ChatService, ChatState};

pub fn routes() -> OpenApiRouter<ChatState> {
    OpenApiRouter::new()
        .routes(routes!(create_lead))
        // API Gateway HTTP API routes cannot end in `/`; both spellings reach the function.
        .route("/api/v1/lead", axum::routing::post(create_lead))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    wiring::chat::app(routes(), ErrorKey::Detail, backend, agents, service)
}
/// Create a lead
#[utoipa::path(
    post,
    path = "/api/v1/lead/",
    tag = "Leads",
    request_body = CreateLeadRequest,
    params(http_kit::idempotency::IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Lead created", body = LeadResponse),
        (status = 400, description = "A field is missing or invalid"),
        (status = 401, description = "No valid API key or agent token"),
        (status = 422, description = "The Idempotency-Key was used for a different request"),
    ),
    security(("api_key" = []), ("bearer" = []), ("cognito" = []))
)]
async fn create_lead(
    State(state): State<ChatState>,
    caller: Caller,
    IdempotentJson { body, key }: IdempotentJson<CreateLeadRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let new = NewLead {
        source: LeadSource::parse(body.source.trim())
            .map_err(|error| ApiError::new(ErrorCode::InvalidSource, error.to_string()))?,
        name: domain::ticket::bounded_text("name", &body.name, MAX_NAME_CHARS).map_err(
            |error| match error {
                TicketFieldError::Empty { .. } => {
                    ApiError::new(ErrorCode::MissingField, error.to_string())
                }
                _ => ApiError::new(ErrorCode::FieldTooLong, error.to_string()),
            },
        )?,
        email: present(body.email.as_deref())
            .map(|raw| {
                Email::parse(raw).map_err(|error| {
                    ApiError::new(ErrorCode::InvalidEmail, format!("email {error}"))
                })
            })
            .transpose()?,
        phone: present(body.phone.as_deref())
            .map(|raw| {
                phone_number(raw)
                    .map_err(|error| ApiError::new(ErrorCode::InvalidPhone, error.to_string()))
            })
            .transpose()?,
        intent: present(body.intent.as_deref())
            .map(|raw| {
                LeadIntent::parse(&raw.to_ascii_uppercase())
                    .map_err(|error| ApiError::new(ErrorCode::InvalidIntent, error.to_string()))
            })
            .transpose()?,
    };
    let tenant = caller.tenant();
    // A new lead belongs to no conversation yet: the key is the caller's own.
    let replay = key.map(|given| given.replay_key(tenant, "lead-create", &caller.scope()));
    let answer = leads::create_lead(
        &state.service.conversations,
        tenant,
        new,
        replay.as_ref(),
        |lead| json!(LeadResponse::of(lead.clone(), &[])),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(answer.body)))
}
