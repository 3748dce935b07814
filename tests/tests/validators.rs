//! Validators and errors as a client relies on them: a GET answered with an `ETag` is answered
//! `304` when the client has it already, a lead changes under `If-Match` only while it is the
//! version the client saw, and every error a route answers is one its OpenAPI operation lists.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_kit::catalogue::ANY_ROUTE;
use serde_json::{Value, json};
use tests::KEY_A;
use tests::desk::Desk;
use tower::ServiceExt;

/// Sends a request and returns its status, headers and body (JSON, or `null` when empty).
async fn send(
    desk: &Desk,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = match body {
        Some(body) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    let response = desk
        .app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    (status, headers, body)
}

fn etag(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(header::ETAG)
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_get_the_client_has_already_is_answered_304_without_a_body() {
    let desk = Desk::new().await;
    desk.open_ticket("447700900502", json!({})).await;
    let bearer = format!("Bearer {}", desk.ana);
    let (status, headers, body) = send(
        &desk,
        Method::GET,
        "/api/tickets/",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tag = etag(&headers);

    let (status, headers, body) = send(
        &desk,
        Method::GET,
        "/api/tickets/",
        &[("authorization", &bearer), ("if-none-match", &tag)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert_eq!(body, Value::Null, "no body with a 304");
    assert_eq!(etag(&headers), tag);

    // A change makes the list another representation: the old tag no longer matches.
    desk.open_ticket("447700900503", json!({})).await;
    let (status, headers, _) = send(
        &desk,
        Method::GET,
        "/api/tickets/",
        &[("authorization", &bearer), ("if-none-match", &tag)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(etag(&headers), tag);
}

#[tokio::test]
async fn a_lead_moves_under_if_match_only_at_the_version_the_agent_saw() {
    let desk = Desk::new().await;
    let (status, _, created) = send(
        &desk,
        Method::POST,
        "/api/v1/lead/",
        &[("x-api-key", KEY_A)],
        Some(json!({"name": "Bo", "source": "website"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/v1/lead/{}", created["id"].as_str().unwrap());
    let bearer = format!("Bearer {}", desk.ana);
    let (_, headers, _) = send(
        &desk,
        Method::GET,
        &path,
        &[("authorization", &bearer)],
        None,
    )
    .await;
    let seen = etag(&headers);

    let (status, _, _) = send(
        &desk,
        Method::GET,
        &path,
        &[("authorization", &bearer), ("if-none-match", &seen)],
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_MODIFIED,
        "the lead's version is its validator"
    );

    // Another agent moves the lead first.
    let (status, headers, moved) = send(
        &desk,
        Method::PATCH,
        &path,
        &[("authorization", &bearer), ("if-match", &seen)],
        Some(json!({"status": "contacted"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let now = etag(&headers);
    assert_ne!(now, seen);

    // The second agent acts on what their screen showed: refused, nothing written.
    let (status, _, refused) = send(
        &desk,
        Method::PATCH,
        &path,
        &[("authorization", &bearer), ("if-match", &seen)],
        Some(json!({"status": "converted"})),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{refused}");
    assert_eq!(refused["code"], "precondition_failed");
    let (_, _, lead) = send(
        &desk,
        Method::GET,
        &path,
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(lead["status"], "contacted");

    // With the current version (or none) the move is made.
    let (status, _, lead) = send(
        &desk,
        Method::PATCH,
        &path,
        &[("authorization", &bearer), ("if-match", &now)],
        Some(json!({"status": "converted"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    assert_eq!(lead["status"], "converted");
}

/// The OpenAPI path template `template` matches `path`.
fn matches(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap();
    let (left, right): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.split('/').collect());
    left.len() == right.len()
        && left
            .iter()
            .zip(&right)
            .all(|(part, given)| (part.starts_with('{') && !given.is_empty()) || part == given)
}

/// The codes the document lists for `method path`, with those any route may answer.
fn documented_codes(document: &Value, method: &Method, path: &str) -> Vec<String> {
    let method = method.as_str().to_lowercase();
    let operations: Vec<&Value> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(template, _)| matches(template, path))
        .filter_map(|(_, item)| item.get(&method))
        .collect();
    assert_eq!(operations.len(), 1, "one operation serves {method} {path}");
    let mut codes: Vec<String> = operations[0]["x-error-codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap().to_owned())
        .collect();
    codes.extend(ANY_ROUTE.iter().map(|code| code.as_str().to_owned()));
    codes
}

/// A request: its method, path, headers and body.
type Case<'a> = (Method, String, &'a [(&'a str, &'a str)], Option<Value>);

#[tokio::test]
async fn every_error_a_route_answers_is_one_its_operation_lists() {
    let desk = Desk::new().await;
    let document = api_docs::document();
    let ticket = desk.open_ticket("447700900501", json!({})).await;
    let (status, _) = desk
        .set_status(&ticket, domain::ticket::TicketStatus::Closed)
        .await;
    assert_eq!(status, StatusCode::OK);
    let ana = format!("Bearer {}", desk.ana);
    let key: &[(&str, &str)] = &[("x-api-key", KEY_A)];
    let agent: &[(&str, &str)] = &[("authorization", ana.as_str())];
    let cases: Vec<Case> = vec![
        (
            Method::POST,
            "/api/v1/lead/".into(),
            key,
            Some(json!({"name": "", "source": "website"})),
        ),
        (
            Method::POST,
            "/api/v1/lead/".into(),
            key,
            Some(json!({"name": "Bo", "source": "fax"})),
        ),
        (
            Method::POST,
            "/api/v1/lead/".into(),
            key,
            Some(json!({"name": "Bo", "source": "website", "phone": "call me"})),
        ),
        (
            Method::POST,
            "/api/v1/lead/".into(),
            &[],
            Some(json!({"name": "Bo", "source": "website"})),
        ),
        (Method::GET, "/api/v1/lead/lead_missing".into(), agent, None),
        (
            Method::PATCH,
            "/api/v1/lead/lead_missing".into(),
            agent,
            Some(json!({"status": "bogus"})),
        ),
        (
            Method::PATCH,
            "/api/v1/lead/lead_missing".into(),
            agent,
            Some(json!({"status": "new"})),
        ),
        (
            Method::POST,
            "/api/v1/chat/respond".into(),
            key,
            Some(json!({"message": "hi", "user_id": "u1", "source": "fax"})),
        ),
        (
            Method::POST,
            "/api/chatbot/chat".into(),
            key,
            Some(json!({"message": "hi", "sessionId": "nope"})),
        ),
        (
            Method::POST,
            "/api/chatbot/chat".into(),
            key,
            Some(json!({"message": " ", "sessionId": "nope"})),
        ),
        (
            Method::POST,
            "/api/chatbot/session".into(),
            key,
            Some(json!({"sessionId": 7})),
        ),
        (Method::POST, "/leads".into(), key, Some(json!({}))),
        (
            Method::POST,
            "/leads".into(),
            key,
            Some(json!({"leadData": {"email": "nope"}})),
        ),
        (
            Method::POST,
            "/leads/update-conversation".into(),
            key,
            Some(json!({})),
        ),
        (Method::GET, "/users/%20/conversations".into(), key, None),
        (Method::GET, "/users/nobody/conversations".into(), key, None),
        (
            Method::GET,
            "/api/tickets/?status=bogus".into(),
            agent,
            None,
        ),
        (
            Method::GET,
            "/api/tickets/?cursor=bogus".into(),
            agent,
            None,
        ),
        (Method::GET, "/api/tickets/tkt_missing".into(), agent, None),
        (
            Method::PUT,
            format!("/api/tickets/{ticket}"),
            agent,
            Some(json!({})),
        ),
        (
            Method::PUT,
            format!("/api/tickets/{ticket}"),
            agent,
            Some(json!({"status": "new"})),
        ),
        (
            Method::PUT,
            format!("/api/tickets/{ticket}/assign"),
            agent,
            None,
        ),
        (
            Method::POST,
            format!("/api/tickets/{ticket}/message"),
            agent,
            Some(json!({"content": "too late"})),
        ),
        (
            Method::POST,
            format!("/api/tickets/{ticket}/message"),
            key,
            Some(json!({"content": "hi", "sender_type": "agent"})),
        ),
        (
            Method::GET,
            "/api/customers/cust_missing".into(),
            agent,
            None,
        ),
        (
            Method::POST,
            "/api/webhooks/chatbot".into(),
            key,
            Some(json!({"session_id": ""})),
        ),
        (
            Method::POST,
            "/api/webhooks/whatsapp".into(),
            &[],
            Some(json!({"object": "whatsapp_business_account"})),
        ),
        (
            Method::GET,
            "/api/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"
                .into(),
            &[],
            None,
        ),
        (Method::GET, "/api/webhooks/twitter".into(), &[], None),
        (
            Method::GET,
            "/api/webhooks/twitter?crc_token=abc".into(),
            &[],
            None,
        ),
        (
            Method::GET,
            "/api/webhooks/twitter?crc_token=abc&account=999".into(),
            &[],
            None,
        ),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (method, path, headers, body) in cases {
        let (status, _, answer) = send(&desk, method.clone(), &path, headers, body).await;
        assert!(
            status.is_client_error(),
            "{method} {path}: {status} {answer}"
        );
        let code = answer["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path}: {answer}"));
        let documented = documented_codes(&document, &method, &path);
        assert!(
            documented.iter().any(|listed| listed == code),
            "{method} {path} answered {code}, which its operation does not list: {documented:?}"
        );
        seen.insert(code.to_owned());
    }
    // The cases reach far into the catalogue, not one code over and over.
    assert!(seen.len() >= 20, "{seen:?}");
}
