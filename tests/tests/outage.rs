//! When DynamoDB does not answer, callers get a JSON error that hides the cause, and readiness
//! says so; nothing answers with a stack trace or a Debug dump.

use axum::http::{Method, StatusCode};
use store::{Backend, TableNames};
use tests::{Auth, KEY_A, Stack, call, call_as};

/// A backend whose tables do not exist: every DynamoDB call fails as it would in an outage.
async fn broken_backend() -> Backend {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL").is_some(),
        "run through `make test`"
    );
    Backend::connect(TableNames::with_prefix("missing-")).await
}

#[tokio::test]
async fn failures_of_dynamodb_are_clean_json_errors() {
    // A working Cognito pool, so agents' tokens verify and only DynamoDB is down.
    let stack = Stack::new().await;
    let broken = broken_backend().await;
    let chat = wiring::chat::chat_service(
        &broken,
        std::sync::Arc::new(assistant::BuiltIn),
        usecases::conversations::ChatLimits::default(),
    );
    let app = devserver::app(&broken, &stack.agents, chat);
    let (status, body) = call(
        &app,
        Method::POST,
        "/leads",
        Some(KEY_A),
        Some(r#"{"leadData":{"email":"a@b.co"}}"#),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["code"], "internal", "{body}");
    let text = body["message"].as_str().unwrap();
    assert_eq!(text, "Could not verify the API key");
    assert!(
        !body.to_string().contains("ResourceNotFound"),
        "the cause stays in the logs: {body}"
    );

    let token = stack.token("ana").await;
    let (status, body) = call_as(
        &app,
        Method::GET,
        "/api/tickets/",
        Auth::Bearer(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body,
        serde_json::json!({"detail": "Could not reach the ticket store", "code": "internal"})
    );

    let (status, body) = call(&app, Method::GET, "/api/ready", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["ready"], false);
    assert_eq!(body["checks"]["dynamodb"], "unavailable");

    let (status, body) = call(&app, Method::GET, "/api/health", None, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "liveness does not depend on DynamoDB: {body}"
    );
}
