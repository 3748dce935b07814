//! Every error is JSON, sent as `application/json`, with the key its seed family's clients read
//! (`message`, `detail` or `error`) and a `code`, wherever in the stack it is produced: a body
//! over the limit, a path or query the extractors refuse, text after a JSON body.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use tests::KEY_A;
use tests::desk::Desk;
use tower::ServiceExt;

/// Sends a request and returns its status, content type and JSON body.
async fn exchange(desk: &Desk, request: Request<Body>) -> (StatusCode, String, Value) {
    let response = desk.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{status} is not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, content_type, body)
}

fn assert_error(
    what: &str,
    (status, content_type, body): &(StatusCode, String, Value),
    expected: StatusCode,
    key: &str,
) {
    assert_eq!(*status, expected, "{what}: {body}");
    assert_eq!(content_type, "application/json", "{what}: {body}");
    assert!(body[key].is_string(), "{what}: `{key}` in {body}");
    assert!(body["code"].is_string(), "{what}: `code` in {body}");
}

#[tokio::test]
async fn oversized_bodies_answer_413_as_json_with_the_family_key() {
    let desk = Desk::new().await;
    let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(1_600_000));
    let cases = [
        ("/api/chatbot/session", format!("Bearer {KEY_A}"), "error"),
        (
            "/api/chatbot/session/internal",
            format!("Bearer {}", desk.ana),
            "error",
        ),
        ("/api/webhooks/whatsapp", String::new(), "detail"),
        ("/api/v1/webhook/whatsapp", String::new(), "detail"),
        ("/api/webhooks/facebook", String::new(), "detail"),
        ("/api/webhooks/instagram", String::new(), "detail"),
        ("/api/v1/webhook/instagram", String::new(), "detail"),
        ("/api/webhooks/twitter", String::new(), "detail"),
    ];
    for (path, authorization, key) in cases {
        let mut request = Request::post(path).header("content-type", "application/json");
        if !authorization.is_empty() {
            request = request.header("authorization", authorization);
        }
        let answer = exchange(&desk, request.body(Body::from(huge.clone())).unwrap()).await;
        assert_error(path, &answer, StatusCode::PAYLOAD_TOO_LARGE, key);
        assert_eq!(answer.2["code"], "body_too_large", "{path}");
    }
}

#[tokio::test]
async fn paths_and_queries_the_extractors_refuse_answer_400_as_json() {
    let desk = Desk::new().await;
    let bad = "%ff%fe";
    let cases = [
        (Method::GET, format!("/api/tickets/{bad}"), "detail"),
        (Method::PUT, format!("/api/tickets/{bad}"), "detail"),
        (
            Method::POST,
            format!("/api/tickets/{bad}/message"),
            "detail",
        ),
        (Method::GET, format!("/api/tickets/{bad}/status"), "detail"),
        (
            Method::PUT,
            format!("/api/tickets/{bad}/assign?agent_id=adam"),
            "detail",
        ),
        (Method::GET, format!("/api/customers/{bad}"), "detail"),
        (
            Method::GET,
            format!("/api/customers/{bad}/tickets"),
            "detail",
        ),
        (Method::GET, format!("/api/v1/lead/{bad}"), "detail"),
        (Method::PATCH, format!("/api/v1/lead/{bad}"), "detail"),
        (
            Method::GET,
            format!("/users/{bad}/conversations"),
            "message",
        ),
        (
            Method::GET,
            "/api/tickets/?status=open&status=closed".to_owned(),
            "detail",
        ),
    ];
    for (method, path, key) in cases {
        let body = if method == Method::GET {
            Body::empty()
        } else {
            Body::from(r#"{"status": "open", "content": "hi"}"#)
        };
        let request = Request::builder()
            .method(method.clone())
            .uri(&path)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", desk.ana))
            .header("x-api-key", KEY_A)
            .body(body)
            .unwrap();
        let answer = exchange(&desk, request).await;
        assert_error(
            &format!("{method} {path}"),
            &answer,
            StatusCode::BAD_REQUEST,
            key,
        );
    }
}

#[tokio::test]
async fn text_after_a_json_body_is_refused_and_nothing_is_stored() {
    let desk = Desk::new().await;
    let body = r#"{"source":{"channel":"web_chat"},"customer":{"channel_identity":"s-1"},"subject":"Late","initial_message":"Where?"} xyz"#;
    let request = Request::post("/api/tickets/create")
        .header("content-type", "application/json")
        .header("x-api-key", KEY_A)
        .body(Body::from(body))
        .unwrap();
    let answer = exchange(&desk, request).await;
    assert_error("trailing text", &answer, StatusCode::BAD_REQUEST, "detail");
    assert_eq!(answer.2["code"], "invalid_json");
    assert_eq!(desk.stored_items().await, 0);
}
