//! `POST /api/v1/lead/`: creates a lead from a form or an integration (seed 001). Intents are
//! accepted in any case and answered upper-case, so clients of both the document (`WARM`) and
//! the original code (`warm`) work.

use auth::{AgentAuth, Caller};
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Json, Router};
use chat_kit::views::lead_response;
use chat_kit::{AppState, ChatService, store_failure};
use contracts::lead_chat::{CreateLeadRequest, LeadResponse};
use domain::Email;
use domain::lead::{Lead, LeadId, LeadIntent, LeadSource};
use http_kit::catalogue::ErrorCode;
use http_kit::idempotency::key_reused;
use http_kit::{ApiError, ErrorKey, IdempotentJson};
use store::conversations::{Conversation, LeadWrite, Saved};
use usecases::clock::{now_ms, random_u64};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const NAME_CHARS: usize = 200;
const PHONE_CHARS: usize = 32;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_lead))
        // API Gateway HTTP API routes cannot end in `/`; both spellings reach the function.
        .route("/api/v1/lead", axum::routing::post(create_lead))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    chat_kit::app(routes(), ErrorKey::Detail, backend, agents, service)
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
    State(state): State<AppState>,
    caller: Caller,
    IdempotentJson {
        body: request,
        key: idempotency,
    }: IdempotentJson<CreateLeadRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let tenant = caller.tenant().clone();
    let now = now_ms();
    let mut lead = Lead::new(
        LeadId::generate(now, random_u64()),
        source(&request.source)?,
        now,
    );
    lead.name = Some(bounded("name", &request.name, NAME_CHARS)?);
    lead.email = optional(request.email.as_deref())
        .map(|raw| {
            Email::parse(raw)
                .map(|email| email.to_string())
                .map_err(|error| ApiError::new(ErrorCode::InvalidEmail, format!("email {error}")))
        })
        .transpose()?;
    lead.phone = optional(request.phone.as_deref()).map(phone).transpose()?;
    lead.intent = Some(match optional(request.intent.as_deref()) {
        None => LeadIntent::Cold,
        Some(raw) => LeadIntent::parse(&raw.to_ascii_uppercase())
            .map_err(|error| ApiError::new(ErrorCode::InvalidIntent, error.to_string()))?,
    });
    let body = serde_json::json!(lead_response(lead.clone(), &[]));
    // A new lead belongs to no conversation yet: the key is the caller's own.
    let replay = idempotency.map(|given| {
        given
            .replay_key(&tenant, "lead-create", &caller.scope())
            .remember(body.to_string(), now)
    });
    let lead_intent = lead.intent;
    let fresh = Conversation::new(lead.clone(), None);
    let mut write = LeadWrite::lead(lead, &fresh);
    write.replay = replay;
    match state
        .service
        .leads
        .save(
            &tenant,
            &fresh,
            write,
            &mut usecases::retry::Retries::default(),
        )
        .await
        .map_err(store_failure)?
    {
        Saved::Done => {
            telemetry::count(telemetry::Figure::LeadsCaptured, 1);
            if lead_intent == Some(LeadIntent::Hot) {
                telemetry::count(telemetry::Figure::HotLeads, 1);
            }
            Ok((StatusCode::CREATED, Json(body)))
        }
        Saved::Repeated(stored) => serde_json::from_str(&stored)
            .map(|body| (StatusCode::CREATED, Json(body)))
            .map_err(|error| ApiError::internal("A stored response could not be read", &error)),
        Saved::KeyReused => Err(key_reused()),
        // A fresh random id cannot already exist, and lead creation has no opening limit.
        other => Err(ApiError::internal(
            "Could not create the lead",
            &format!("{other:?}"),
        )),
    }
}

fn optional(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|text| !text.is_empty())
}

fn source(raw: &str) -> Result<LeadSource, ApiError> {
    LeadSource::parse(raw.trim())
        .map_err(|error| ApiError::new(ErrorCode::InvalidSource, error.to_string()))
}

fn bounded(field: &str, raw: &str, max: usize) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ApiError::new(
            ErrorCode::MissingField,
            format!("{field} must not be empty"),
        ));
    }
    if text.chars().count() > max {
        return Err(ApiError::new(
            ErrorCode::FieldTooLong,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// A phone number as people write them: digits with an optional leading `+`, spaces, dots,
/// dashes and brackets; at least 6 digits.
fn phone(raw: &str) -> Result<String, ApiError> {
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let shaped = raw.chars().count() <= PHONE_CHARS
        && raw
            .chars()
            .enumerate()
            .all(|(at, c)| c.is_ascii_digit() || " .-()".contains(c) || (c == '+' && at == 0));
    if shaped && digits >= 6 {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidPhone,
            "phone must be a phone number such as +1234567890",
        ))
    }
}
