//! Seed 000's lead capture routes, end to end against moto: the contract its clients rely on,
//! the defects of the original fixed, and every kind of bad request refused without a write.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tests::{KEY_A, KEY_B, Stack, call, send};
use tokio::task::JoinSet;

async fn post(stack: &Stack, path: &str, key: Option<&str>, body: &str) -> (StatusCode, Value) {
    call(&stack.app(), Method::POST, path, key, Some(body)).await
}

async fn conversations(stack: &Stack, user: &str, key: &str) -> (StatusCode, Value) {
    let path = format!("/users/{user}/conversations");
    call(&stack.app(), Method::GET, &path, Some(key), None).await
}

#[tokio::test]
async fn captures_a_lead_with_the_fields_real_clients_send() {
    let stack = Stack::new().await;
    let body = json!({
        "leadData": {
            "name": "Ana", "email": "ana@example.com", "phone": "+34600111222",
            "country": "ES", "state": "", "city": "Madrid", "program": "MBA",
            "timestamp": 1_700_000_000_000u64, "userId": "user_1700000000000_k3j5h2a"
        },
        "conversationId": "conv-1"
    });
    let (status, answer) = post(&stack, "/leads", Some(KEY_A), &body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["message"], "Lead captured successfully");
    assert_eq!(answer["userId"], "user_1700000000000_k3j5h2a");
    assert_eq!(answer["conversationId"], "conv-1");
    let lead_id = answer["leadId"].as_str().unwrap();
    let parts: Vec<&str> = lead_id.split('_').collect();
    assert_eq!(parts.len(), 3, "{lead_id}");
    assert_eq!(parts[0], "lead");
    assert!(
        parts[1].parse::<u64>().is_ok() && parts[2].len() == 7,
        "{lead_id}"
    );

    let (status, found) = conversations(&stack, "user_1700000000000_k3j5h2a", KEY_A).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["userId"], "user_1700000000000_k3j5h2a");
    assert_eq!(found["allConversationIds"], json!(["conv-1"]));
    let lead = &found["leads"][0];
    assert_eq!(lead["leadId"], lead_id);
    assert_eq!(lead["email"], "ana@example.com");
    assert_eq!(lead["name"], "Ana");
    assert_eq!(lead["phone"], "+34600111222");
    assert_eq!(lead["program"], "MBA");
    assert_eq!(lead["city"], "Madrid");
    assert_eq!(lead["timestamp"], 1_700_000_000_000u64);
    assert_eq!(lead["conversationId"], "conv-1");
    assert!(
        lead.get("state").is_none(),
        "blank fields are not stored: {lead}"
    );
    assert!(
        lead.get("tenantId").is_none(),
        "internal attributes stay internal: {lead}"
    );
}

#[tokio::test]
async fn capturing_again_for_a_known_user_updates_the_same_lead() {
    let stack = Stack::new().await;
    let first = json!({"leadData": {"email": "old@example.com", "userId": "u1", "city": "Lima"}, "conversationId": "c1"});
    let second = json!({"leadData": {"email": "new@example.com", "userId": "u1", "name": "Bo"}, "conversationId": "c2"});
    let again =
        json!({"leadData": {"email": "new@example.com", "userId": "u1"}, "conversationId": "c1"});
    let (_, one) = post(&stack, "/leads", Some(KEY_A), &first.to_string()).await;
    let (_, two) = post(&stack, "/leads", Some(KEY_A), &second.to_string()).await;
    let (status, three) = post(&stack, "/leads", Some(KEY_A), &again.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{three}");
    assert_eq!(one["leadId"], two["leadId"], "{two}");
    assert_eq!(one["leadId"], three["leadId"], "{three}");

    let (_, found) = conversations(&stack, "u1", KEY_A).await;
    assert_eq!(found["leads"].as_array().unwrap().len(), 1);
    let lead = &found["leads"][0];
    assert_eq!(lead["email"], "new@example.com");
    assert_eq!(lead["name"], "Bo");
    assert_eq!(
        lead["city"], "Lima",
        "a capture without extra fields keeps the earlier ones"
    );
    assert_eq!(lead["conversationIds"], json!(["c1", "c2"]));
    assert_eq!(lead["conversationId"], "c2");
}

#[tokio::test]
async fn a_lead_without_user_id_gets_one_minted() {
    let stack = Stack::new().await;
    let (status, answer) = post(
        &stack,
        "/leads",
        Some(KEY_A),
        r#"{"leadData":{"email":"x@example.com"}}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let user = answer["userId"].as_str().unwrap();
    assert!(user.starts_with("user_"), "{user}");
    assert_eq!(answer["conversationId"], Value::Null);
    let (status, found) = conversations(&stack, user, KEY_A).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["leads"][0]["conversationIds"], json!([]));
}

#[tokio::test]
async fn update_conversation_creates_then_appends_then_recognises() {
    let stack = Stack::new().await;
    let path = "/leads/update-conversation";
    let (status, created) = post(
        &stack,
        path,
        Some(KEY_A),
        r#"{"userId":"u7","conversationId":"a"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["message"], "New lead created with conversation ID");
    assert_eq!(created["lead"]["email"], "unknown_u7@placeholder.com");
    assert_eq!(created["lead"]["conversationIds"], json!(["a"]));
    assert_eq!(created["lead"]["userId"], "u7");
    assert!(created["lead"]["timestamp"].as_u64().unwrap() > 1_600_000_000_000);

    let (status, added) = post(
        &stack,
        path,
        Some(KEY_A),
        r#"{"userId":"u7","conversationId":"b"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(added["message"], "Lead updated with new conversation ID");
    assert_eq!(added["lead"]["conversationIds"], json!(["a", "b"]));
    assert_eq!(added["lead"]["conversationId"], "b");
    assert_eq!(added["lead"]["leadId"], created["lead"]["leadId"]);

    let (status, again) = post(
        &stack,
        path,
        Some(KEY_A),
        r#"{"userId":"u7","conversationId":"a"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        again["message"],
        "Conversation already tracked for this lead"
    );
    assert_eq!(again["lead"]["conversationIds"], json!(["a", "b"]));

    let (_, found) = conversations(&stack, "u7", KEY_A).await;
    assert_eq!(found["allConversationIds"], json!(["a", "b"]));
}

#[tokio::test]
async fn fifty_concurrent_conversations_make_one_lead_holding_all() {
    let stack = Stack::new().await;
    let app = stack.app();
    let mut calls = JoinSet::new();
    for i in 0..50 {
        let app = app.clone();
        calls.spawn(async move {
            let body = json!({"userId": "racer", "conversationId": format!("conv-{i:02}")});
            call(
                &app,
                Method::POST,
                "/leads/update-conversation",
                Some(KEY_A),
                Some(&body.to_string()),
            )
            .await
        });
    }
    let mut created = 0;
    while let Some(result) = calls.join_next().await {
        let (status, body) = result.unwrap();
        assert!(
            status == StatusCode::OK || status == StatusCode::CREATED,
            "{status}: {body}"
        );
        if status == StatusCode::CREATED {
            created += 1;
        }
    }
    assert_eq!(created, 1, "exactly one call creates the lead");

    let (_, found) = conversations(&stack, "racer", KEY_A).await;
    assert_eq!(found["leads"].as_array().unwrap().len(), 1, "{found}");
    let mut ids: Vec<String> = found["leads"][0]["conversationIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 50, "every id once: {ids:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    assert_eq!(stack.items(&stack.backend.tables.leads).await.len(), 1);
}

#[tokio::test]
async fn bad_requests_get_a_json_error_and_write_nothing() {
    let stack = Stack::new().await;
    let huge = format!(
        r#"{{"leadData":{{"email":"a@b.co","notes":"{}"}}}}"#,
        "x".repeat(1 << 20)
    );
    let cases: Vec<(&str, Option<&str>, String, StatusCode, &str)> = vec![
        (
            "/leads",
            Some(KEY_A),
            "{not json".into(),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (
            "/leads",
            Some(KEY_A),
            "".into(),
            StatusCode::BAD_REQUEST,
            "must be a JSON object",
        ),
        (
            "/leads",
            Some(KEY_A),
            "{}".into(),
            StatusCode::BAD_REQUEST,
            "Missing required lead data",
        ),
        (
            "/leads",
            Some(KEY_A),
            r#"{"leadData":{"name":"Ana"}}"#.into(),
            StatusCode::BAD_REQUEST,
            "Missing required lead data",
        ),
        (
            "/leads",
            Some(KEY_A),
            r#"{"leadData":{"email":"ana-at-example"}}"#.into(),
            StatusCode::BAD_REQUEST,
            "leadData.email is not a valid email address",
        ),
        (
            "/leads",
            Some(KEY_A),
            r#"{"leadData":{"email":42}}"#.into(),
            StatusCode::BAD_REQUEST,
            "leadData.email must be a string",
        ),
        (
            "/leads",
            Some(KEY_A),
            r#"{"leadData":"ana@example.com"}"#.into(),
            StatusCode::BAD_REQUEST,
            "leadData: invalid type",
        ),
        (
            "/leads",
            Some(KEY_A),
            r#"{"leadData":{"email":"a@b.co"},"conversationId":7}"#.into(),
            StatusCode::BAD_REQUEST,
            "conversationId: invalid type",
        ),
        (
            "/leads",
            Some(KEY_A),
            huge,
            StatusCode::PAYLOAD_TOO_LARGE,
            "byte limit",
        ),
        (
            "/leads",
            None,
            r#"{"leadData":{"email":"a@b.co"}}"#.into(),
            StatusCode::UNAUTHORIZED,
            "Missing API key",
        ),
        (
            "/leads",
            Some("fdk_forged"),
            r#"{"leadData":{"email":"a@b.co"}}"#.into(),
            StatusCode::UNAUTHORIZED,
            "Invalid API key",
        ),
        (
            "/leads/update-conversation",
            Some(KEY_A),
            r#"{"userId":"u"}"#.into(),
            StatusCode::BAD_REQUEST,
            "Both userId and conversationId are required",
        ),
        (
            "/leads/update-conversation",
            Some(KEY_A),
            r#"{"userId":" ","conversationId":"c"}"#.into(),
            StatusCode::BAD_REQUEST,
            "Both userId and conversationId are required",
        ),
        (
            "/leads/update-conversation",
            Some(KEY_A),
            r#"{"userId":["u"],"conversationId":"c"}"#.into(),
            StatusCode::BAD_REQUEST,
            "userId: invalid type",
        ),
        (
            "/leads/update-conversation",
            None,
            r#"{"userId":"u","conversationId":"c"}"#.into(),
            StatusCode::UNAUTHORIZED,
            "Missing API key",
        ),
    ];
    for (path, key, body, expected, text) in cases {
        let (status, answer) = post(&stack, path, key, &body).await;
        assert_eq!(
            status,
            expected,
            "{path} {}: {answer}",
            &body[..body.len().min(80)]
        );
        let message = answer["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no message in {answer}"));
        assert!(
            message.contains(text),
            "{message:?} should mention {text:?}"
        );
        assert!(answer["code"].is_string(), "{answer}");
    }
    assert!(stack.items(&stack.backend.tables.leads).await.is_empty());
    assert!(stack.items(&stack.backend.tables.claims).await.is_empty());
}

#[tokio::test]
async fn reads_need_a_key_and_see_only_their_tenant() {
    let stack = Stack::new().await;
    post(
        &stack,
        "/leads/update-conversation",
        Some(KEY_A),
        r#"{"userId":"shared","conversationId":"a1"}"#,
    )
    .await;

    let (status, body) = conversations(&stack, "shared", KEY_B).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "No leads found for this userId");

    let (status, _) = call(
        &stack.app(),
        Method::GET,
        "/users/shared/conversations",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The same user id under tenant B is B's own lead, and A's is untouched.
    let (status, created) = post(
        &stack,
        "/leads/update-conversation",
        Some(KEY_B),
        r#"{"userId":"shared","conversationId":"b1"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, of_a) = conversations(&stack, "shared", KEY_A).await;
    assert_eq!(of_a["allConversationIds"], json!(["a1"]));
}

#[tokio::test]
async fn bearer_keys_work_like_x_api_key() {
    let stack = Stack::new().await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/leads")
        .header("authorization", format!("Bearer {KEY_A}"))
        .body(Body::from(
            r#"{"leadData":{"email":"b@example.com","userId":"bearer"}}"#,
        ))
        .unwrap();
    let (status, answer) = send(&stack.app(), request).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, _) = conversations(&stack, "nobody", KEY_A).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
