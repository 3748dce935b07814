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
    Expectation {
        file: "ticket-create/create-ticket.json",
        status: StatusCode::CREATED,
        check: |body| {
            body["status"] == "new"
                && body["customer"]["channel_identity"] == "+34600111222"
                && body["timeline"][0]["sender_type"] == "customer"
        },
    },
    Expectation {
        file: "ticket-create/unknown-channel.json",
        status: StatusCode::BAD_REQUEST,
        check: |body| {
            body["detail"]
                .as_str()
                .is_some_and(|detail| detail.starts_with("source.channel: unknown variant"))
        },
    },
    Expectation {
        file: "ticket-get/get-ticket.json",
        status: StatusCode::OK,
        check: |body| body["subject"] == "Order #1042 never arrived" && body["priority"] == "high",
    },
    Expectation {
        file: "ticket-get/other-tenant.json",
        status: StatusCode::NOT_FOUND,
        check: |body| body["detail"] == "Ticket not found",
    },
    Expectation {
        file: "ticket-add-message/agent-reply.json",
        status: StatusCode::OK,
        check: |body| body["status"] == "open" && body["last_agent_message"]["agent_id"] == "ana",
    },
    Expectation {
        file: "ticket-add-message/missing-ticket.json",
        status: StatusCode::NOT_FOUND,
        check: |body| body["detail"] == "Ticket not found",
    },
    Expectation {
        file: "ticket-status/poll-status.json",
        status: StatusCode::OK,
        check: |body| body["has_agent_reply"] == true && body["status"] == "open",
    },
    Expectation {
        file: "ticket-counts/counts.json",
        status: StatusCode::OK,
        // The sample ticket, opened and answered: open.
        check: |body| body["open"] == 1 && body["new"] == 0 && body["total"] == 1,
    },
    Expectation {
        file: "agent-list/list-agents.json",
        status: StatusCode::OK,
        // acme's agents, never globex's gina.
        check: |body| {
            let ids: Vec<&str> = body["agents"]
                .as_array()
                .map(|agents| {
                    agents
                        .iter()
                        .filter_map(|agent| agent["id"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            ids.contains(&"ana") && ids.contains(&"adam") && !ids.contains(&"gina")
        },
    },
    Expectation {
        file: "ticket-assign/assign-to-ana.json",
        status: StatusCode::OK,
        check: |body| body["success"] == true && body["ticket"]["assigned_agent_id"] == "ana",
    },
    Expectation {
        file: "ticket-assign/agent-of-another-tenant.json",
        status: StatusCode::UNPROCESSABLE_ENTITY,
        check: |body| body["code"] == "unknown_agent",
    },
    Expectation {
        file: "ticket-update/resolve.json",
        status: StatusCode::OK,
        check: |body| body["status"] == "resolved" && body["priority"] == "medium",
    },
    Expectation {
        file: "ticket-update/impossible-transition.json",
        status: StatusCode::CONFLICT,
        check: |body| body["detail"] == "a ticket cannot go from 'resolved' to 'new'",
    },
    Expectation {
        file: "ticket-list/resolved-tickets.json",
        status: StatusCode::OK,
        check: |body| {
            body["tickets"]
                .as_array()
                .is_some_and(|tickets| tickets.len() == 1)
        },
    },
    Expectation {
        file: "ticket-list/forged-token.json",
        status: StatusCode::UNAUTHORIZED,
        check: |body| body["detail"] == "Invalid authentication token",
    },
    Expectation {
        file: "customer-get/get-customer.json",
        status: StatusCode::OK,
        check: |body| {
            body["name"] == "Ana Cliente" && body["identities"][0]["channel"] == "whatsapp"
        },
    },
    Expectation {
        file: "customer-tickets/customer-tickets.json",
        status: StatusCode::OK,
        check: |body| body.as_array().is_some_and(|tickets| tickets.len() == 1),
    },
    Expectation {
        file: "webhook-whatsapp/handshake.json",
        status: StatusCode::OK,
        // The raw challenge echoed back (it happens to read as a JSON number).
        check: |body| body == 1158201444,
    },
    Expectation {
        file: "webhook-whatsapp/text-message.json",
        status: StatusCode::OK,
        check: |body| body["messages"] == 1,
    },
    Expectation {
        file: "webhook-whatsapp/statuses-base64-encoded.json",
        status: StatusCode::OK,
        check: |body| body["statuses"] == 4 && body["messages"] == 0,
    },
    Expectation {
        file: "webhook-whatsapp/wrong-signature.json",
        status: StatusCode::UNAUTHORIZED,
        check: |body| body["code"] == "unauthorized",
    },
    Expectation {
        file: "webhook-facebook/handshake.json",
        status: StatusCode::OK,
        check: |body| body == 42,
    },
    Expectation {
        file: "webhook-facebook/message.json",
        status: StatusCode::OK,
        check: |body| body["messages"] == 1,
    },
    Expectation {
        file: "webhook-instagram/message.json",
        status: StatusCode::OK,
        // Seed 001's path: the assistant answers the sender on their lead.
        check: |body| body["messages"] == 1 && body["replies"][0]["response"].is_string(),
    },
    Expectation {
        file: "webhook-twitter/crc.json",
        status: StatusCode::OK,
        check: |body| {
            body["response_token"]
                .as_str()
                .is_some_and(|token| token.starts_with("sha256="))
        },
    },
    Expectation {
        file: "webhook-twitter/direct-message.json",
        status: StatusCode::OK,
        check: |body| body["messages"] == 1,
    },
    Expectation {
        file: "webhook-chatbot/handoff.json",
        status: StatusCode::OK,
        check: |body| {
            body["message"]
                .as_str()
                .is_some_and(|text| text.ends_with("created. An agent will respond shortly."))
        },
    },
    Expectation {
        file: "chat-respond/hot-visitor.json",
        status: StatusCode::OK,
        check: |body| body["intent"] == "HOT" && body["response"].is_string(),
    },
    Expectation {
        file: "chat-respond/unknown-source.json",
        status: StatusCode::BAD_REQUEST,
        check: |body| {
            body["detail"]
                == "unknown source 'fax'; expected one of: website, whatsapp, instagram, messenger"
        },
    },
    Expectation {
        file: "lead-create/create-lead.json",
        status: StatusCode::CREATED,
        check: |body| {
            body["intent"] == "WARM"
                && body["name"] == "Test Lead"
                && body["messages"] == serde_json::json!([])
        },
    },
    Expectation {
        file: "lead-create/invalid-email.json",
        status: StatusCode::BAD_REQUEST,
        check: |body| body["code"] == "invalid_email",
    },
    Expectation {
        file: "lead-get/get-lead.json",
        status: StatusCode::OK,
        check: |body| body["email"] == "test@example.com" && body["source"] == "website",
    },
    Expectation {
        file: "lead-get/missing-lead.json",
        status: StatusCode::NOT_FOUND,
        check: |body| body["detail"] == "Lead not found",
    },
    Expectation {
        file: "lead-update/mark-contacted.json",
        status: StatusCode::OK,
        check: |body| body["status"] == "contacted",
    },
    Expectation {
        file: "lead-update/unknown-status.json",
        status: StatusCode::BAD_REQUEST,
        check: |body| body["code"] == "invalid_status",
    },
    Expectation {
        file: "lead-list/contacted-leads.json",
        status: StatusCode::OK,
        check: |body| {
            body["leads"][0]["status"] == "contacted"
                && body["leads"][0]["etag"]
                    .as_str()
                    .is_some_and(|tag| tag.starts_with("\"v"))
                && body["leads"].as_array().map(Vec::len) == Some(1)
        },
    },
    Expectation {
        file: "analytics-summary/summary.json",
        status: StatusCode::OK,
        // Every lead so far: three from seed 000's routes, the Instagram sender's, the chat
        // visitor's (HOT) and the created one (WARM).
        check: |body| {
            body["leads_captured"] == 6 && body["hot_leads"] == 1 && body["warm_leads"] == 1
        },
    },
    Expectation {
        file: "chatbot-session/new-session.json",
        status: StatusCode::OK,
        check: |body| {
            body["sessionId"].is_string()
                && body["messages"] == serde_json::json!([])
                && body["realtor"]["domain"] == "acme.example"
        },
    },
    Expectation {
        file: "chatbot-session/missing-api-key.json",
        status: StatusCode::UNAUTHORIZED,
        check: |body| body["code"] == "unauthorized" && body["error"].is_string(),
    },
    Expectation {
        file: "chatbot-session-internal/new-session.json",
        status: StatusCode::OK,
        check: |body| body["realtor"]["email"] == "sales@acme.example",
    },
    Expectation {
        file: "chatbot-chat/message.json",
        status: StatusCode::OK,
        check: |body| body["message"].is_string() && body["sessionId"].is_string(),
    },
    Expectation {
        file: "chatbot-chat/invalid-session.json",
        status: StatusCode::FORBIDDEN,
        check: |body| body["error"] == "Invalid session",
    },
    Expectation {
        file: "chatbot-chat-internal/message.json",
        status: StatusCode::OK,
        check: |body| body["message"].is_string(),
    },
    Expectation {
        file: "widget-script/get-widget.json",
        status: StatusCode::OK,
        // JavaScript, not JSON.
        check: Value::is_null,
    },
    Expectation {
        file: "console/get-page.json",
        status: StatusCode::OK,
        // The page, not JSON.
        check: Value::is_null,
    },
    Expectation {
        file: "console/get-config.json",
        status: StatusCode::OK,
        check: |body| {
            body["userPoolId"]
                .as_str()
                .is_some_and(|pool| pool.starts_with("us-east-1_"))
                && body["clientId"].as_str().is_some_and(|id| !id.is_empty())
                && body["cognitoEndpoint"]
                    .as_str()
                    .is_some_and(|url| url.starts_with("http://127.0.0.1:"))
        },
    },
    Expectation {
        file: "console/get-script.json",
        status: StatusCode::OK,
        // JavaScript, not JSON.
        check: Value::is_null,
    },
];

fn function_app(stack: &Stack, function: &str) -> Router {
    let chat = stack.chat(usecases::conversations::ChatLimits::default());
    match function {
        "lead-capture" => lead_capture::app(&stack.backend),
        "lead-update-conversation" => lead_update_conversation::app(&stack.backend),
        "user-conversations" => user_conversations::app(&stack.backend),
        "health" => health::app(&stack.backend),
        "api-docs" => api_docs::app(),
        "ticket-create" => ticket_create::app(&stack.backend, &stack.agents),
        "ticket-get" => ticket_get::app(&stack.backend, &stack.agents),
        "ticket-update" => ticket_update::app(&stack.backend, &stack.agents),
        "ticket-add-message" => ticket_add_message::app(&stack.backend, &stack.agents),
        "ticket-status" => ticket_status::app(&stack.backend, &stack.agents),
        "ticket-assign" => ticket_assign::app(&stack.backend, &stack.agents),
        "ticket-list" => ticket_list::app(&stack.backend, &stack.agents),
        "customer-get" => customer_get::app(&stack.backend, &stack.agents),
        "customer-tickets" => customer_tickets::app(&stack.backend, &stack.agents),
        "ticket-counts" => ticket_counts::app(&stack.backend, &stack.agents),
        "agent-list" => agent_list::app(&stack.backend, &stack.agents),
        "webhook-whatsapp" => webhook_whatsapp::app(&stack.backend, chat.clone()),
        "webhook-facebook" => webhook_facebook::app(&stack.backend, chat.clone()),
        "webhook-instagram" => webhook_instagram::app(&stack.backend, chat.clone()),
        "webhook-twitter" => webhook_twitter::app(&stack.backend, chat.clone()),
        "webhook-chatbot" => webhook_chatbot::app(&stack.backend),
        "chat-respond" => chat_respond::app(&stack.backend, &stack.agents, chat.clone()),
        "lead-create" => lead_create::app(&stack.backend, &stack.agents, chat.clone()),
        "lead-get" => lead_get::app(&stack.backend, &stack.agents, chat.clone()),
        "lead-update" => lead_update::app(&stack.backend, &stack.agents, chat.clone()),
        "lead-list" => lead_list::app(&stack.backend, &stack.agents, chat.clone()),
        "analytics-summary" => analytics_summary::app(&stack.backend, &stack.agents, chat.clone()),
        "chatbot-session" => chatbot_session::app(&stack.backend, &stack.agents, chat.clone()),
        "chatbot-session-internal" => {
            chatbot_session_internal::app(&stack.backend, &stack.agents, chat.clone())
        }
        "chatbot-chat" => chatbot_chat::app(&stack.backend, &stack.agents, chat.clone()),
        "chatbot-chat-internal" => {
            chatbot_chat_internal::app(&stack.backend, &stack.agents, chat.clone())
        }
        "widget-script" => widget_script::app(),
        "console" => console::app(&devserver::cognito::console_config(stack.agents.settings())),
        other => panic!("events/{other}/ has no function to replay it through"),
    }
}

#[tokio::test]
async fn every_sample_event_replays_with_its_documented_answer() {
    let events = repo_root().join("events");
    let mut on_disk = BTreeSet::new();
    for function in std::fs::read_dir(&events).unwrap() {
        let function = function.unwrap();
        // Not API Gateway requests: `stream_fixtures.rs`, `lex.rs` and `outbound.rs` replay these.
        let elsewhere = ["stream-relay", "lex-code-hook", "outbound-delivery"];
        if elsewhere.contains(&function.file_name().to_str().unwrap()) {
            continue;
        }
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
    // Placeholders a person replaces before `sam local invoke`: an agent's fresh token, and the
    // ids earlier events produced (a ticket, a lead, widget sessions).
    let mut placeholders: Vec<(String, String)> = Vec::new();
    for agent in ["ana", "adam", "gina"] {
        placeholders.push((
            format!("{{{{agent-token:{agent}}}}}"),
            stack.token(agent).await,
        ));
    }
    for expectation in EXPECTATIONS {
        let mut text = std::fs::read_to_string(events.join(expectation.file)).unwrap();
        for (placeholder, value) in &placeholders {
            text = text.replace(placeholder.as_str(), value);
        }
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
        let produced: &[(&str, &Value)] = match expectation.file {
            "ticket-create/create-ticket.json" => &[
                ("{{ticket_id}}", &body["ticket_id"]),
                ("{{customer_id}}", &body["customer"]["internal_id"]),
            ],
            "lead-create/create-lead.json" => &[("{{lead_id}}", &body["id"])],
            "chatbot-session/new-session.json" => &[("{{session_id}}", &body["sessionId"])],
            "chatbot-session-internal/new-session.json" => {
                &[("{{internal_session_id}}", &body["sessionId"])]
            }
            _ => &[],
        };
        for (placeholder, value) in produced {
            placeholders.push((
                (*placeholder).to_owned(),
                value.as_str().unwrap().to_owned(),
            ));
        }
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
