//! The local stack's set-up is repeatable: a second `make dev` against the same moto server finds
//! the tables, demo keys and demo activity in place and carries on.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use store::tables;
use tests::desk::Desk;
use tests::{Auth, KEY_A, Stack, call, call_as};

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

/// `make dev`'s first start gives the console something to work: tickets of acme on three
/// channels in different states (one handed over by the chatbot with its transcript), and leads
/// at every stage; a second start adds nothing, and globex sees none of it.
#[tokio::test]
async fn the_demo_activity_fills_the_console_once_and_only_for_acme() {
    let desk = Desk::new().await;
    assert!(
        devserver::demo_activity::seed(&desk.app, &desk.ana)
            .await
            .expect("the demo activity is made through the API"),
        "the first start creates it"
    );

    let (status, listed) = desk
        .as_ana(Method::GET, "/api/tickets/?limit=50", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let tickets = listed["tickets"].as_array().unwrap();
    let channels: BTreeSet<&str> = tickets
        .iter()
        .map(|ticket| ticket["source"]["channel"].as_str().unwrap())
        .collect();
    assert_eq!(
        channels,
        BTreeSet::from(["email", "web_chat", "whatsapp"]),
        "{listed}"
    );
    assert_eq!(tickets.len(), 4, "{listed}");
    let (_, counts) = desk.as_ana(Method::GET, "/api/tickets/counts", None).await;
    assert_eq!(counts["total"], 4, "{counts}");
    assert_eq!(counts["pending_customer"], 1, "{counts}");
    assert_eq!(
        counts["new"], 2,
        "the unanswered email and the handoff: {counts}"
    );
    assert_eq!(counts["open"], 1, "reopened by the customer: {counts}");

    let (_, summary) = call_as(
        &desk.app,
        Method::GET,
        "/api/v1/analytics/summary",
        Auth::Key(KEY_A),
        None,
    )
    .await;
    for stage in ["new", "contacted", "qualified", "converted"] {
        assert!(
            summary["leads_by_stage"][stage]
                .as_u64()
                .unwrap_or_default()
                >= 1,
            "a lead at {stage}: {summary}"
        );
    }

    assert!(
        !devserver::demo_activity::seed(&desk.app, &desk.ana)
            .await
            .unwrap(),
        "a second start finds the tickets and adds nothing"
    );
    let (_, again) = desk.as_ana(Method::GET, "/api/tickets/counts", None).await;
    assert_eq!(again["total"], 4, "{again}");
    let (_, globex) = call_as(
        &desk.app,
        Method::GET,
        "/api/tickets/counts",
        Auth::Bearer(&desk.gina),
        None,
    )
    .await;
    assert_eq!(globex["total"], 0, "{globex}");
}
