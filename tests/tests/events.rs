//! Replays every sample event in `events/` through its function, as the Lambda runtime would
//! hand it over, against the local stack. The same files serve `sam local invoke -e`.

use std::collections::BTreeSet;

use axum::Router;
use axum::http::StatusCode;
use serde_json::Value;
use tests::{Stack, repo_root, send};

/// One sample event: its file under `events/`, the status it must get, and a check of the body.
struct Expectation {
    file: &'static str,
    status: StatusCode,
    check: fn(&Value) -> bool,
}

/// In replay order: later events rely on what earlier ones wrote.
const EXPECTATIONS: &[Expectation] = &[
    Expectation {
        file: "lead-capture/capture-lead.json",
        status: StatusCode::OK,
        check: |body| {
            body["message"] == "Lead captured successfully"
                && body["userId"] == "user_1795381200000_k3j5h2a"
        },
    },
    Expectation {
        file: "lead-capture/base64-encoded-body.json",
        status: StatusCode::OK,
        check: |body| body["userId"] == "user_base64",
    },
    Expectation {
        file: "lead-capture/missing-email.json",
        status: StatusCode::BAD_REQUEST,
        check: |body| body["message"] == "Missing required lead data",
    },
    Expectation {
        file: "lead-update-conversation/new-user.json",
        status: StatusCode::CREATED,
        check: |body| body["lead"]["email"] == "unknown_user_1795381200001_q8w7e6r@placeholder.com",
    },
    Expectation {
        file: "lead-update-conversation/second-conversation.json",
        status: StatusCode::OK,
        check: |body| {
            body["lead"]["conversationIds"] == serde_json::json!(["conv_first", "conv_second"])
        },
    },
    Expectation {
        file: "lead-update-conversation/missing-api-key.json",
        status: StatusCode::UNAUTHORIZED,
        check: |body| body["code"] == "unauthorized",
    },
    Expectation {
        file: "user-conversations/known-user.json",
        status: StatusCode::OK,
        check: |body| {
            body["allConversationIds"] == serde_json::json!(["conv_first", "conv_second"])
        },
    },
    Expectation {
        file: "user-conversations/unknown-user.json",
        status: StatusCode::NOT_FOUND,
        check: |body| body["message"] == "No leads found for this userId",
    },
    Expectation {
        file: "health/root.json",
        status: StatusCode::OK,
        check: |body| body["message"] == "AI Lead Capture & Automation System is running!",
    },
    Expectation {
        file: "health/health.json",
        status: StatusCode::OK,
        check: |body| body == &serde_json::json!({"status": "healthy"}),
    },
    Expectation {
        file: "health/api-health.json",
        status: StatusCode::OK,
        check: |body| body["service"] == "omnichannel-support-api" && body["timestamp"].is_string(),
    },
    Expectation {
        file: "health/api-ready.json",
        status: StatusCode::OK,
        check: |body| body["ready"] == true && body["checks"]["dynamodb"] == "ok",
    },
    Expectation {
        file: "api-docs/openapi-json.json",
        status: StatusCode::OK,
        check: |body| {
            body["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3."))
        },
    },
    Expectation {
        file: "api-docs/swagger-ui.json",
        status: StatusCode::OK,
        // An HTML page, not JSON.
        check: Value::is_null,
    },
];

fn function_app(stack: &Stack, function: &str) -> Router {
    match function {
        "lead-capture" => lead_capture::app(&stack.backend),
        "lead-update-conversation" => lead_update_conversation::app(&stack.backend),
        "user-conversations" => user_conversations::app(&stack.backend),
        "health" => health::app(&stack.backend),
        "api-docs" => api_docs::app(),
        other => panic!("events/{other}/ has no function to replay it through"),
    }
}

#[tokio::test]
async fn every_sample_event_replays_with_its_documented_answer() {
    let events = repo_root().join("events");
    let mut on_disk = BTreeSet::new();
    for function in std::fs::read_dir(&events).unwrap() {
        let function = function.unwrap();
        for file in std::fs::read_dir(function.path()).unwrap() {
            let name = file.unwrap().file_name().into_string().unwrap();
            on_disk.insert(format!("{}/{name}", function.file_name().to_string_lossy()));
        }
    }
    let expected: BTreeSet<String> = EXPECTATIONS.iter().map(|e| e.file.to_owned()).collect();
    assert_eq!(
        on_disk, expected,
        "every file in events/ needs an expectation here, and only those"
    );

    let stack = Stack::new().await;
    for expectation in EXPECTATIONS {
        let text = std::fs::read_to_string(events.join(expectation.file)).unwrap();
        let request = lambda_http::request::from_str(&text).unwrap_or_else(|error| {
            panic!("{} is not an API Gateway event: {error}", expectation.file)
        });
        let function = expectation.file.split('/').next().unwrap();
        let (status, body) = send(
            &function_app(&stack, function),
            request.map(axum::body::Body::new),
        )
        .await;
        assert_eq!(status, expectation.status, "{}: {body}", expectation.file);
        assert!(
            (expectation.check)(&body),
            "{}: unexpected body {body}",
            expectation.file
        );
    }
}

#[tokio::test]
async fn an_unrouted_path_answers_json_404_from_any_function() {
    let stack = Stack::new().await;
    let request = axum::http::Request::get("/nowhere")
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, body) = send(&lead_capture::app(&stack.backend), request).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found", "{body}");
}
