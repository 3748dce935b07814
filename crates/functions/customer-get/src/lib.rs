//! `GET /api/customers/{id}`: a customer's profile with every channel identity they are known by
//! (seed 004's original answered a stub).

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use contracts::tickets::CustomerView;
use domain::ticket::CustomerId;
use http_kit::ApiError;
use http_kit::outcomes::customer_not_found;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new().routes(routes!(get_customer))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
}

/// Get a customer
#[utoipa::path(
    get,
    path = "/api/customers/{id}",
    tag = "Customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The customer", body = CustomerView),
        (status = 401, description = "No valid agent token"),
        (status = 404, description = "Customer not found"),
    ),
    security(("cognito" = []))
)]
async fn get_customer(
    State(state): State<SupportState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<Json<CustomerView>, ApiError> {
    let id = CustomerId::parse(&id).map_err(|_| customer_not_found())?;
    let customer = usecases::tickets::customer(&state.service, &agent.tenant, &id).await?;
    Ok(Json(CustomerView {
        customer_id: customer.internal_id.to_string(),
        status: "active",
        customer,
    }))
}
