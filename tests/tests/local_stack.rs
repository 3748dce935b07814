//! The local stack's set-up is repeatable: a second `make dev` against the same moto server finds
//! the tables and demo keys in place and carries on.

use axum::http::{Method, StatusCode};
use store::tables;
use tests::{KEY_A, Stack, call};

#[tokio::test]
async fn setting_up_twice_keeps_tables_data_and_keys() {
    let stack = Stack::new().await;
    let body = r#"{"userId":"u1","conversationId":"c1"}"#;
    let (status, _) = call(
        &stack.app(),
        Method::POST,
        "/leads/update-conversation",
        Some(KEY_A),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    tables::ensure_tables(&stack.backend.dynamodb, &stack.backend.tables)
        .await
        .expect("existing tables are left alone");
    devserver::demo::seed(&stack.backend.api_keys(), 0)
        .await
        .expect("existing demo keys are left alone");

    let (status, found) = call(
        &stack.app(),
        Method::GET,
        "/users/u1/conversations",
        Some(KEY_A),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["allConversationIds"], serde_json::json!(["c1"]));
}
