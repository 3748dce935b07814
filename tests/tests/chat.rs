//! The website chat and its leads (seeds 001 and 002) against the local stack: sessions, one lead
//! per session or visitor with every message stored, intent and readiness from the whole
//! conversation, exact analytics, idempotent retries, abuse limits and clear refusals.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use domain::analytics::Tally;
use domain::conversation::RateLimit;
use domain::lead::{LeadIntent, LeadStatus};
use serde_json::{Value, json};
use store::AttributeValue;
use tests::{Auth, KEY_A, KEY_B, Stack, call_as, send};
use tower::ServiceExt;
use usecases::conversations::ChatLimits;

/// A request with a tenant key as `Authorization: Bearer` (as seed 002's widget sends it) and any
/// extra headers.
async fn widget(
    app: &Router,
    key: &str,
    path: &str,
    body: Value,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let mut request = Request::post(path)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {key}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    )
}

async fn new_session(app: &Router, key: &str) -> Value {
    let (status, body, _) = widget(app, key, "/api/chatbot/session", json!({}), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Resumes (or replaces) a widget session.
async fn resume(app: &Router, key: &str, session: &str) -> (StatusCode, Value) {
    let (status, body, _) = widget(
        app,
        key,
        "/api/chatbot/session",
        json!({"sessionId": session}),
        &[],
    )
    .await;
    (status, body)
}

/// A message in a widget session, with any extra headers.
async fn chat_in(
    app: &Router,
    key: &str,
    session: &str,
    message: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, axum::http::HeaderMap) {
    widget(
        app,
        key,
        "/api/chatbot/chat",
        json!({"message": message, "sessionId": session}),
        headers,
    )
    .await
}

async fn say(app: &Router, key: &str, session: &str, message: &str) -> Value {
    let (status, body, _) = chat_in(app, key, session, message, &[]).await;
    assert_eq!(status, StatusCode::OK, "{message}: {body}");
    body
}

async fn respond(app: &Router, user: &str, message: &str) -> Value {
    let body = json!({"message": message, "user_id": user, "source": "website"}).to_string();
    let (status, body) = call_as(
        app,
        Method::POST,
        "/api/v1/chat/respond",
        Auth::Key(KEY_A),
        Some(&body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{message}: {body}");
    body
}

async fn lead(app: &Router, lead_id: &str) -> Value {
    let (status, body) = call_as(
        app,
        Method::GET,
        &format!("/api/v1/lead/{lead_id}"),
        Auth::Key(KEY_A),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn summary(app: &Router) -> Value {
    let (status, body) = call_as(
        app,
        Method::GET,
        "/api/v1/analytics/summary",
        Auth::Key(KEY_A),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn text(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> String {
    match item.get(name) {
        Some(AttributeValue::S(value)) => value.clone(),
        _ => String::new(),
    }
}

#[tokio::test]
async fn a_scripted_conversation_makes_a_hot_ready_qualified_lead() {
    let stack = Stack::new().await;
    let app = stack.app();
    let session = new_session(&app, KEY_A).await;
    let id = session["sessionId"].as_str().unwrap();
    assert_eq!(session["profile"], Value::Null);
    assert_eq!(session["realtor"]["name"], "Acme Outdoor");

    let first = say(&app, KEY_A, id, "hi").await;
    assert_eq!(first["isLeadReady"], false);
    let second = say(
        &app,
        KEY_A,
        id,
        "I want to buy 3 units this week, I'm Ana, ana@example.com",
    )
    .await;
    assert_eq!(second["isLeadReady"], true, "{second}");

    let lead = lead(&app, session["leadId"].as_str().unwrap()).await;
    assert_eq!(lead["intent"], "HOT", "{lead}");
    assert_eq!(lead["status"], "qualified");
    assert_eq!(lead["is_lead_ready"], true);
    assert_eq!(lead["name"], "Ana");
    assert_eq!(lead["email"], "ana@example.com");
    assert_eq!(lead["source"], "chatbot");
    let summary = lead["ai_summary"].as_str().unwrap();
    assert!(
        summary.contains("ana@example.com") && summary.contains("HOT"),
        "{summary}"
    );

    let resumed = resume(&app, KEY_A, id).await.1;
    assert_eq!(resumed["sessionId"], id, "a live session resumes");
    let history: Vec<&str> = resumed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message["content"].as_str().unwrap())
        .collect();
    assert_eq!(history.len(), 4);
    assert_eq!(history[0], "hi");
    assert_eq!(resumed["messages"][1]["role"], "assistant");
    assert_eq!(
        resumed["profile"]["contactInfo"]["email"],
        "ana@example.com"
    );
    assert_eq!(resumed["profile"]["isQualified"], true);
}

#[tokio::test]
async fn a_tenant_without_a_profile_is_never_named_by_its_id() {
    let stack = Stack::new().await;
    let app = stack.app();
    let tenant = "unnamed-co-7";
    let issued = auth::IssuedKey::generate(domain::TenantId::parse(tenant).unwrap(), "site", 0);
    assert!(
        stack
            .backend
            .api_keys()
            .insert(&issued.record)
            .await
            .unwrap()
    );

    let session = new_session(&app, &issued.key).await;
    assert_eq!(session["realtor"]["name"], "", "{session}");
    let id = session["sessionId"].as_str().unwrap();
    let mut said = Vec::new();
    for message in ["hi", "I'm Ana", "ana@example.com"] {
        said.push(say(&app, &issued.key, id, message).await["message"].clone());
    }
    let last = said.last().unwrap().as_str().unwrap();
    assert!(last.contains("Someone from our team"), "{last}");
    for reply in &said {
        assert!(!reply.as_str().unwrap().contains(tenant), "{reply}");
    }
}

#[tokio::test]
async fn negation_and_words_that_merely_contain_a_keyword_are_not_hot() {
    let stack = Stack::new().await;
    let app = stack.app();
    for (user, message) in [
        ("browsing", "I don't want to buy, just browsing"),
        ("knowing", "I know"),
        ("uninterested", "not interested in buying anything"),
    ] {
        let answer = respond(&app, user, message).await;
        assert_ne!(answer["intent"], "HOT", "{message}: {answer}");
    }
    let hot = respond(&app, "buyer", "I want to buy two today, what's the price?").await;
    assert_eq!(hot["intent"], "HOT", "{hot}");
}

#[tokio::test]
async fn two_browsers_get_two_sessions_and_ten_messages_make_one_lead_of_twenty_messages() {
    let stack = Stack::new().await;
    let app = stack.app();
    let one = new_session(&app, KEY_A).await;
    let two = new_session(&app, KEY_A).await;
    assert_ne!(one["sessionId"], two["sessionId"]);
    assert_ne!(one["leadId"], two["leadId"]);

    let id = one["sessionId"].as_str().unwrap();
    for n in 0..10 {
        say(&app, KEY_A, id, &format!("question number {n} about tents")).await;
    }
    let lead_id = one["leadId"].as_str().unwrap();
    let lead = lead(&app, lead_id).await;
    assert_eq!(lead["message_count"], 20);
    let messages = lead["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 20);
    for (n, pair) in messages.chunks(2).enumerate() {
        assert_eq!(pair[0]["role"], "user");
        assert_eq!(
            pair[0]["content"],
            format!("question number {n} about tents")
        );
        assert_eq!(pair[1]["role"], "assistant");
    }

    let items = stack.items(&stack.backend.tables.leads).await;
    let of_lead: Vec<_> = items
        .iter()
        .filter(|item| text(item, "leadId") == lead_id)
        .collect();
    assert_eq!(
        of_lead
            .iter()
            .filter(|i| text(i, "entryKey") == "lead")
            .count(),
        1
    );
    assert_eq!(
        of_lead
            .iter()
            .filter(|i| text(i, "entryKey").starts_with("chat#"))
            .count(),
        20,
        "every message of both sides is its own item"
    );
    let leads = items
        .iter()
        .filter(|i| text(i, "entryKey") == "lead")
        .count();
    assert_eq!(leads, 2, "two browsers, two leads; no lead per message");
}

#[tokio::test]
async fn a_visitor_of_chat_respond_keeps_one_lead_across_messages() {
    let stack = Stack::new().await;
    let app = stack.app();
    let first = respond(&app, "web_user_1", "hello there").await;
    let second = respond(&app, "web_user_1", "tell me more about your tents").await;
    let other = respond(&app, "web_user_2", "hello").await;
    assert_eq!(first["lead_id"], second["lead_id"]);
    assert_ne!(first["lead_id"], other["lead_id"]);
    assert_eq!(first["follow_up"], true);
    let lead = lead(&app, first["lead_id"].as_str().unwrap()).await;
    assert_eq!(lead["message_count"], 4);
    assert_eq!(
        lead["messages"][2]["content"],
        "tell me more about your tents"
    );
}

#[tokio::test]
async fn expired_and_foreign_sessions_are_not_resumed() {
    let stack = Stack::new().await;
    let app = stack.app();
    let session = new_session(&app, KEY_A).await;
    let id = session["sessionId"].as_str().unwrap();

    let (status, body, _) = chat_in(&app, KEY_B, id, "hi", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "Invalid session");
    let (status, body) = resume(&app, KEY_B, id).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "Session does not belong to this tenant");

    // Seven days pass.
    stack
        .backend
        .dynamodb
        .update_item()
        .table_name(&stack.backend.tables.leads)
        .key(
            "leadId",
            AttributeValue::S(session["leadId"].as_str().unwrap().into()),
        )
        .key("entryKey", AttributeValue::S("lead".into()))
        .update_expression("SET sessionExpiresAt = :past")
        .expression_attribute_values(":past", AttributeValue::N("1000".into()))
        .send()
        .await
        .unwrap();
    let (status, body, _) = chat_in(&app, KEY_A, id, "hi", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "session_expired", "{body}");
    let renewed = resume(&app, KEY_A, id).await.1;
    assert_ne!(
        renewed["sessionId"], id,
        "an expired session gives way to a new one"
    );
    assert_ne!(renewed["leadId"], session["leadId"]);
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_stores_the_exchange_once() {
    let stack = Stack::new().await;
    let app = stack.app();
    let session = new_session(&app, KEY_A).await;
    let id = session["sessionId"].as_str().unwrap();
    let send_once = || {
        chat_in(
            &app,
            KEY_A,
            id,
            "do you have two-person tents?",
            &[("idempotency-key", "message-1")],
        )
    };
    let concurrent = futures_join(send_once(), send_once(), send_once()).await;
    let first = &concurrent[0];
    for (status, body, _) in &concurrent {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_eq!(body, &first.1, "every copy gets the same answer");
    }
    let (status, again, _) = send_once().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, first.1);
    let lead = lead(&app, session["leadId"].as_str().unwrap()).await;
    assert_eq!(lead["message_count"], 2, "{lead}");
    assert_eq!(summary(&app).await["total_conversations"], 1);
}

#[tokio::test]
async fn an_idempotency_key_is_scoped_to_its_conversation_and_bound_to_its_request() {
    let stack = Stack::new().await;
    let app = stack.app();
    let key = [("idempotency-key", "msg-1")];
    let first_session = new_session(&app, KEY_A).await;
    let second_session = new_session(&app, KEY_A).await;
    let (first_id, second_id) = (
        first_session["sessionId"].as_str().unwrap(),
        second_session["sessionId"].as_str().unwrap(),
    );
    let (status, first, _) = chat_in(&app, KEY_A, first_id, "I'm Ana, ana@example.com", &key).await;
    assert_eq!(status, StatusCode::OK, "{first}");

    // Another visitor who copied the same key gets their own answer, and their message is kept.
    let (status, second, _) = chat_in(&app, KEY_A, second_id, "hello", &key).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["sessionId"], second_id);
    assert!(
        !second["message"].as_str().unwrap().contains("Ana"),
        "{second}"
    );
    let stored = lead(&app, second_session["leadId"].as_str().unwrap()).await;
    assert_eq!(stored["message_count"], 2, "{stored}");

    // The same key in the same session with another message is refused, and nothing is written.
    let before = stack.items(&stack.backend.tables.leads).await.len();
    let (status, refused, _) = chat_in(&app, KEY_A, first_id, "something else", &key).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["code"], "idempotency_key_reused");
    assert!(refused["error"].is_string(), "seed 002's key: {refused}");
    assert_eq!(stack.items(&stack.backend.tables.leads).await.len(), before);

    // seed 001's chat/respond: the same key from two users is two conversations.
    let respond = |user: &'static str, message: &'static str| {
        let app = app.clone();
        async move {
            let body = json!({"message": message, "user_id": user, "source": "website"});
            widget(
                &app,
                KEY_A,
                "/api/v1/chat/respond",
                body,
                &[("idempotency-key", "k-1")],
            )
            .await
        }
    };
    let (status, ana, _) = respond("user-ana", "I'm Ana, ana@example.com").await;
    assert_eq!(status, StatusCode::OK, "{ana}");
    let (status, bob, _) = respond("user-bob", "hello").await;
    assert_eq!(status, StatusCode::OK, "{bob}");
    assert_ne!(bob["lead_id"], ana["lead_id"]);
    assert_eq!(
        lead(&app, bob["lead_id"].as_str().unwrap()).await["message_count"],
        2
    );
    let (status, refused, _) = respond("user-ana", "a different question").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["code"], "idempotency_key_reused");
    assert!(refused["detail"].is_string(), "seed 001's key: {refused}");
}

async fn futures_join<F: std::future::Future>(a: F, b: F, c: F) -> Vec<F::Output> {
    let (a, b, c) = tokio::join!(a, b, c);
    vec![a, b, c]
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let stack = Stack::new().await;
    let app = stack.app_with(stack.chat(ChatLimits {
        messages_per_conversation: RateLimit::per_minute(3),
        new_conversations_per_caller: RateLimit::per_minute(2),
    }));
    let session = new_session(&app, KEY_A).await;
    new_session(&app, KEY_A).await;
    let (status, body, headers) = widget(&app, KEY_A, "/api/chatbot/session", json!({}), &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "rate_limited");
    let wait: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));

    let id = session["sessionId"].as_str().unwrap();
    for n in 0..3 {
        say(&app, KEY_A, id, &format!("message {n}")).await;
    }
    let (status, body, headers) = chat_in(&app, KEY_A, id, "one too many", &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(headers.contains_key(header::RETRY_AFTER));
    let lead = lead(&app, session["leadId"].as_str().unwrap()).await;
    assert_eq!(
        lead["message_count"], 6,
        "the refused message is not stored"
    );
    let leads = stack.items(&stack.backend.tables.leads).await;
    assert_eq!(
        leads
            .iter()
            .filter(|i| text(i, "entryKey") == "lead")
            .count(),
        2,
        "the refused session made no lead"
    );
}

#[tokio::test]
async fn a_key_limited_to_origins_refuses_other_websites() {
    let stack = Stack::new().await;
    let app = stack.app();
    let mut issued =
        auth::IssuedKey::generate(domain::TenantId::parse("acme").unwrap(), "shop widget", 0);
    issued.record.allowed_origins = vec!["https://shop.example".into()];
    assert!(
        stack
            .backend
            .api_keys()
            .insert(&issued.record)
            .await
            .unwrap()
    );

    let from = |origin: &'static str| {
        let key = issued.key.clone();
        let app = app.clone();
        async move {
            let headers: Vec<(&str, &str)> = if origin.is_empty() {
                vec![]
            } else {
                vec![("origin", origin)]
            };
            widget(&app, &key, "/api/chatbot/session", json!({}), &headers).await
        }
    };
    let (status, body, _) = from("https://evil.example").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["error"],
        "Origin https://evil.example is not allowed to use this API key"
    );
    assert_eq!(from("https://shop.example").await.0, StatusCode::OK);
    assert_eq!(from("").await.0, StatusCode::OK, "servers send no Origin");
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_writes_nothing() {
    let stack = Stack::new().await;
    let app = stack.app();
    let session = new_session(&app, KEY_A).await;
    let id = session["sessionId"].as_str().unwrap();
    let long = "a".repeat(4_001);
    let chat_cases = [
        ("{\"message\": \"hi\", ", "invalid_json"),
        (r#"{"message": 5, "sessionId": "x"}"#, "invalid_json"),
        (
            r#"{"message": "   ", "sessionId": "SESSION"}"#,
            "invalid_message",
        ),
    ];
    for (body, code) in chat_cases {
        let request = Request::post("/api/chatbot/chat")
            .header("authorization", format!("Bearer {KEY_A}"))
            .body(Body::from(body.replace("SESSION", id)))
            .unwrap();
        let (status, answer) = send(&app, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["code"], code, "{body}: {answer}");
        assert!(answer["error"].is_string());
    }
    let (status, answer, _) = chat_in(&app, KEY_A, id, &long, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"], "message must be at most 4000 characters");

    for (body, text) in [
        (
            json!({"name": "A", "source": "website", "intent": "SCORCHING"}),
            "unknown intent 'SCORCHING'; expected one of: HOT, WARM, COLD, NEUTRAL",
        ),
        (
            json!({"name": "A", "source": "carrier pigeon"}),
            "unknown source 'carrier pigeon'; expected one of: website, whatsapp, instagram, messenger, chatbot, form",
        ),
        (
            json!({"name": "A", "source": "website", "phone": "call me"}),
            "phone must be a phone number such as +1234567890",
        ),
        (
            json!({"name": "", "source": "website"}),
            "name must not be empty",
        ),
    ] {
        let (status, answer) = call_as(
            &app,
            Method::POST,
            "/api/v1/lead/",
            Auth::Key(KEY_A),
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["detail"], text);
    }
    let (status, answer) = call_as(
        &app,
        Method::GET,
        "/api/v1/lead/lead_0_nothing",
        Auth::Key(KEY_A),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a missing lead is 404, never 500"
    );
    assert_eq!(answer["detail"], "Lead not found");

    let items = stack.items(&stack.backend.tables.leads).await;
    assert_eq!(items.len(), 1, "only the session's lead exists: {items:?}");
    assert_eq!(summary(&app).await["leads_captured"], 1);
}

#[tokio::test]
async fn agents_move_leads_along_the_pipeline_within_their_tenant() {
    let stack = Stack::new().await;
    let app = stack.app();
    let created = call_as(
        &app,
        Method::POST,
        "/api/v1/lead",
        Auth::Key(KEY_A),
        Some(r#"{"name": "Bo", "email": "bo@example.com", "source": "website", "intent": "warm"}"#),
    )
    .await
    .1;
    assert_eq!(created["intent"], "WARM", "any case in, upper case out");
    let path = format!("/api/v1/lead/{}", created["id"].as_str().unwrap());
    let body = Some(r#"{"status": "converted"}"#);
    let (status, _) = call_as(&app, Method::PATCH, &path, Auth::Key(KEY_A), body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "keys cannot move leads");
    let gina = stack.token("gina").await;
    let (status, _) = call_as(&app, Method::PATCH, &path, Auth::Bearer(&gina), body).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another tenant's lead does not exist"
    );
    let ana = stack.token("ana").await;
    let (status, lead) = call_as(&app, Method::PATCH, &path, Auth::Bearer(&ana), body).await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    assert_eq!(lead["status"], "converted");
    let summary = summary(&app).await;
    assert_eq!(summary["conversion_rate"], 100.0);
    assert_eq!(summary["warm_leads"], 1);
}

#[tokio::test]
async fn off_topic_questions_get_a_polite_refusal() {
    let stack = Stack::new().await;
    let app = stack.app();
    // Globex keeps its assistant to property topics.
    let session = new_session(&app, KEY_B).await;
    let id = session["sessionId"].as_str().unwrap();
    let refused = say(&app, KEY_B, id, "can you write my history essay?").await;
    let refusal = refused["message"].as_str().unwrap();
    assert!(
        refusal.starts_with("Sorry, I can only help with"),
        "{refusal}"
    );
    let answered = say(&app, KEY_B, id, "I'd like to rent an apartment").await;
    assert!(
        !answered["message"].as_str().unwrap().starts_with("Sorry"),
        "{answered}"
    );
}

/// What the stored leads add up to, recounted item by item.
async fn recount(stack: &Stack) -> Tally {
    let items = stack.items(&stack.backend.tables.leads).await;
    let mut tally = Tally::default();
    for item in &items {
        if text(item, "entryKey") == "lead" {
            let number = |name: &str| match item.get(name) {
                Some(AttributeValue::N(n)) => n.parse::<u64>().unwrap(),
                _ => 0,
            };
            let intent = item.get("intent").map(|_| text(item, "intent"));
            tally = tally
                + Tally {
                    leads: 1,
                    conversations: i64::from(number("messageCount") > 0),
                    hot: i64::from(intent.as_deref() == Some(LeadIntent::Hot.as_str())),
                    warm: i64::from(intent.as_deref() == Some(LeadIntent::Warm.as_str())),
                    cold: i64::from(intent.as_deref() == Some(LeadIntent::Cold.as_str())),
                    converted: i64::from(text(item, "status") == LeadStatus::Converted.as_str()),
                    ..Tally::default()
                };
        } else if let Some(AttributeValue::N(ms)) = item.get("respondedInMs") {
            tally = tally + Tally::reply(ms.parse().unwrap());
        }
    }
    tally
}

#[tokio::test]
async fn analytics_match_a_recount_after_two_hundred_mixed_operations_with_retries() {
    let stack = Stack::new().await;
    let app = stack.app_with(stack.chat(ChatLimits {
        messages_per_conversation: RateLimit::per_minute(1_000),
        new_conversations_per_caller: RateLimit::per_minute(1_000),
    }));
    let ana = stack.token("ana").await;
    let lines = [
        "hi",
        "I want to buy three of these today",
        "not interested, thanks",
        "tell me more about the price",
        "I'm Ana, ana@example.com",
        "maybe later",
    ];
    let mut sessions: Vec<String> = Vec::new();
    let mut leads: Vec<String> = Vec::new();
    // A fixed pseudo-random sequence: the same operations every run.
    let mut seed: u64 = 0x5eed;
    let mut next = move |below: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        ((seed >> 33) as usize) % below
    };
    let mut done = 0;
    while done < 200 {
        // Eight operations at a time, so some collide on the same lead and on the counters.
        let mut batch = Vec::new();
        for _ in 0..8 {
            let op = next(7);
            let line = lines[next(lines.len())];
            let pick = next(1_000);
            let app = app.clone();
            let ana = ana.clone();
            let session = (!sessions.is_empty()).then(|| sessions[pick % sessions.len()].clone());
            let lead = (!leads.is_empty()).then(|| leads[pick % leads.len()].clone());
            let retry_key = format!("op-{}", pick % 20);
            let retry_lines = lines;
            batch.push(tokio::spawn(async move {
                match (op, session, lead) {
                    (0, _, _) | (1, None, _) => {
                        let body = new_session(&app, KEY_A).await;
                        (Some(body["sessionId"].as_str().unwrap().to_owned()), Some(body["leadId"].as_str().unwrap().to_owned()))
                    }
                    (1, Some(session), _) => {
                        say(&app, KEY_A, &session, line).await;
                        (None, None)
                    }
                    (2, Some(session), _) => {
                        // A retried send: the same key may have been used before, always with
                        // the same message (another message under a used key is refused).
                        let line = retry_lines[pick % 20 % retry_lines.len()];
                        let (status, body, _) = chat_in(&app, KEY_A, &session, line, &[("idempotency-key", &retry_key)])
                        .await;
                        assert_eq!(status, StatusCode::OK, "{body}");
                        (None, None)
                    }
                    (3, _, _) => {
                        respond(&app, &format!("visitor-{}", pick % 12), line).await;
                        (None, None)
                    }
                    (4, _, _) => {
                        let intent = ["HOT", "WARM", "COLD"][pick % 3];
                        let body = json!({"name": "Form lead", "source": "website", "intent": intent});
                        let request = Request::post("/api/v1/lead/")
                            .header("x-api-key", KEY_A)
                            .header("idempotency-key", format!("lead-{}", pick % 15))
                            .body(Body::from(body.to_string()))
                            .unwrap();
                        let (status, body) = send(&app, request).await;
                        assert_eq!(status, StatusCode::CREATED, "{body}");
                        (None, Some(body["id"].as_str().unwrap().to_owned()))
                    }
                    (5, _, Some(lead)) => {
                        let status = ["contacted", "qualified", "converted", "new"][pick % 4];
                        let (code, body) = call_as(
                            &app,
                            Method::PATCH,
                            &format!("/api/v1/lead/{lead}"),
                            Auth::Bearer(&ana),
                            Some(&json!({"status": status}).to_string()),
                        )
                        .await;
                        assert_eq!(code, StatusCode::OK, "{body}");
                        (None, None)
                    }
                    _ => {
                        let request = Request::post("/leads")
                            .header("x-api-key", KEY_A)
                            .body(Body::from(json!({"leadData": {"email": format!("form{}@example.com", pick % 10), "userId": format!("form-user-{}", pick % 10)}}).to_string()))
                            .unwrap();
                        let (status, body) = send(&app, request).await;
                        assert_eq!(status, StatusCode::OK, "{body}");
                        (None, None)
                    }
                }
            }));
        }
        for outcome in batch {
            let (session, lead) = outcome.await.expect("operations do not panic");
            sessions.extend(session);
            leads.extend(lead);
            done += 1;
        }
    }
    let expected = recount(&stack).await;
    assert!(
        expected.leads > 20 && expected.replies > 20,
        "the mix did something: {expected:?}"
    );
    let summary = summary(&app).await;
    let counts: BTreeMap<&str, i64> = [
        ("total_conversations", expected.conversations),
        ("leads_captured", expected.leads),
        ("hot_leads", expected.hot),
        ("warm_leads", expected.warm),
        ("cold_leads", expected.cold),
    ]
    .into_iter()
    .collect();
    for (field, value) in counts {
        assert_eq!(summary[field], value, "{field}: {summary}");
    }
    assert_eq!(
        summary["conversion_rate"],
        expected.conversion_rate(),
        "{summary}"
    );
    assert_eq!(
        summary["avg_response_time"],
        expected.avg_response_secs(),
        "{summary}"
    );
}

#[tokio::test]
async fn a_model_provider_answers_and_a_failing_one_falls_back_to_the_built_in_engine() {
    let stack = Stack::new().await;
    let (model, broken) = tokio::join!(fake_model(true), fake_model(false));
    let engine = |base_url: String| {
        Arc::new(assistant::OpenAiCompatible::new(assistant::LlmConfig {
            provider: assistant::Provider::OpenAiCompatible,
            base_url,
            api_key: None,
            model: "local-model".into(),
            timeout: std::time::Duration::from_secs(2),
        }))
    };
    let with = |base_url: String| {
        stack.app_with(wiring::chat::chat_service(
            &stack.backend,
            engine(base_url),
            ChatLimits::default(),
        ))
    };
    let answer = respond(&with(model), "llm-user", "tell me about your tents").await;
    assert_eq!(
        answer["response"],
        "Our tents sleep two to six people. Which size suits you?"
    );
    assert_eq!(answer["intent"], "WARM");

    let fallback = respond(&with(broken), "llm-user-2", "tell me about your tents").await;
    let reply = fallback["response"].as_str().unwrap();
    assert!(!reply.is_empty() && !reply.contains("Our tents"), "{reply}");
    let lead = lead(&stack.app(), fallback["lead_id"].as_str().unwrap()).await;
    assert_eq!(
        lead["messages"][1]["content"], reply,
        "the fallback reply is what is stored"
    );
}

/// A local OpenAI-compatible endpoint: a structured answer, or 500 for every request.
async fn fake_model(healthy: bool) -> String {
    let app = Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move || async move {
            if !healthy {
                return (StatusCode::INTERNAL_SERVER_ERROR, "model overloaded".to_owned());
            }
            let content = json!({
                "reply": "Our tents sleep two to six people. Which size suits you?",
                "intent": "WARM",
            });
            let completion = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content.to_string()}}]});
            (StatusCode::OK, completion.to_string())
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/v1")
}
