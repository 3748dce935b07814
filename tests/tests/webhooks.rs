//! The channel webhooks against the local stack: real-format provider deliveries, signed with the
//! demo accounts' secrets, land in tickets (seed 004's paths) or in assistant conversations on
//! leads (seed 001's paths) once; anything unsigned or mis-signed stores nothing; the subscription
//! handshakes answer as each provider expects.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use channels::signature::{META_SIGNATURE_HEADER, X_SIGNATURE_HEADER, sign_meta, sign_x};
use devserver::demo::CHANNEL_ACCOUNTS;
use domain::TenantId;
use domain::conversation::ConversationKey;
use domain::lead::{LeadSource, UserId};
use domain::ticket::Channel;
use serde_json::{Value, json};
use tests::desk::Desk;
use tests::{Auth, KEY_A, call_as, repo_root, send};

/// acme's WhatsApp number, and globex's.
const ACME_WHATSAPP: &str = "106540352242922";
const GLOBEX_WHATSAPP: &str = "100000000000002";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        repo_root()
            .join("crates/channels/tests/fixtures")
            .join(name),
    )
    .unwrap_or_else(|error| panic!("fixture {name}: {error}"))
}

fn secret(channel: Channel) -> &'static str {
    CHANNEL_ACCOUNTS
        .iter()
        .find(|account| account.channel == channel && account.tenant == "acme")
        .unwrap()
        .signing_secret
}

/// POSTs `body` with a signature header (or none).
async fn post(
    app: &Router,
    path: &str,
    header: Option<(&str, String)>,
    body: &str,
) -> (StatusCode, Value) {
    let mut request = Request::post(path).header("content-type", "application/json");
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    send(app, request.body(Body::from(body.to_owned())).unwrap()).await
}

async fn post_meta(app: &Router, path: &str, body: &str) -> (StatusCode, Value) {
    let signature = sign_meta(secret(Channel::Whatsapp), body.as_bytes());
    post(app, path, Some((META_SIGNATURE_HEADER, signature)), body).await
}

/// A WhatsApp text from `from` with message id `id`, to the demo number.
fn whatsapp_text(from: &str, id: &str, text: &str) -> String {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": from}],
            "messages": [{"from": from, "id": id, "timestamp": "1749416383", "type": "text", "text": {"body": text}}]
        }}]}]
    })
    .to_string()
}

#[tokio::test]
async fn each_provider_delivery_lands_in_a_ticket_of_its_channel() {
    let desk = Desk::new().await;
    let cases = [
        (
            "/api/webhooks/whatsapp",
            "whatsapp_text.json",
            "whatsapp",
            "Hi! Does the blue jacket come in size M?",
        ),
        (
            "/api/webhooks/facebook",
            "messenger_text.json",
            "facebook",
            "",
        ),
        (
            "/api/webhooks/instagram",
            "instagram_text.json",
            "instagram",
            "",
        ),
    ];
    for (path, file, channel, text) in cases {
        let (status, outcome) = post_meta(&desk.app, path, &fixture(file)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {outcome}");
        assert_eq!(outcome["messages"], 1, "{path}: {outcome}");
        let tickets = desk.tickets(&format!("channel={channel}")).await;
        assert_eq!(tickets.len(), 1, "{channel}");
        assert_eq!(tickets[0]["source"]["channel"], channel);
        if !text.is_empty() {
            let timeline = desk
                .timeline(tickets[0]["ticket_id"].as_str().unwrap())
                .await;
            assert_eq!(timeline[0]["content"], text);
        }
    }
    let whatsapp = &desk.tickets("channel=whatsapp").await[0];
    assert_eq!(whatsapp["subject"], "WhatsApp message from 16505551234");
    assert_eq!(whatsapp["customer"]["name"], "Sheena Nelson");

    let body = fixture("x_dm.json");
    let signature = sign_x(secret(Channel::Twitter), body.as_bytes());
    let (status, outcome) = post(
        &desk.app,
        "/api/webhooks/twitter",
        Some((X_SIGNATURE_HEADER, signature)),
        &body,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["messages"], 1);
    let x = desk.tickets("channel=twitter").await;
    assert_eq!(x[0]["subject"], "Twitter DM from 3001969357");
}

#[tokio::test]
async fn media_batches_statuses_echoes_and_unknown_events_are_all_acknowledged() {
    let desk = Desk::new().await;
    let (status, outcome) = post_meta(
        &desk.app,
        "/api/webhooks/whatsapp",
        &fixture("whatsapp_image_caption.json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["messages"], 1);
    let ticket = desk.tickets("channel=whatsapp").await[0].clone();
    let first = &desk.timeline(ticket["ticket_id"].as_str().unwrap()).await[0];
    assert_eq!(first["attachments"].as_array().unwrap().len(), 1, "{first}");

    let (status, outcome) = post_meta(
        &desk.app,
        "/api/webhooks/whatsapp",
        &fixture("whatsapp_batch.json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert!(outcome["messages"].as_u64().unwrap() >= 2, "{outcome}");

    let before = desk.stored_items().await;
    for (path, file) in [
        ("/api/webhooks/whatsapp", "whatsapp_statuses.json"),
        ("/api/webhooks/facebook", "messenger_echo.json"),
        ("/api/webhooks/facebook", "messenger_delivery_read.json"),
        ("/api/v1/webhook/instagram", "instagram_echo.json"),
        ("/api/webhooks/instagram", "instagram_echo.json"),
    ] {
        let (status, outcome) = post_meta(&desk.app, path, &fixture(file)).await;
        assert_eq!(status, StatusCode::OK, "{file}: {outcome}");
        assert_eq!(outcome["messages"], 0, "{file}: {outcome}");
    }
    let (_, statuses) = post_meta(
        &desk.app,
        "/api/webhooks/whatsapp",
        &fixture("whatsapp_statuses.json"),
    )
    .await;
    assert_eq!(statuses["statuses"], 4, "{statuses}");
    for file in ["x_own_dm.json", "x_favorite.json"] {
        let body = fixture(file);
        let signature = sign_x(secret(Channel::Twitter), body.as_bytes());
        let (status, outcome) = post(
            &desk.app,
            "/api/webhooks/twitter",
            Some((X_SIGNATURE_HEADER, signature)),
            &body,
        )
        .await;
        assert_eq!(
            (status, &outcome["messages"]),
            (StatusCode::OK, &json!(0)),
            "{file}: {outcome}"
        );
    }
    assert_eq!(
        desk.stored_items().await,
        before,
        "acknowledged, nothing stored"
    );

    let (status, outcome) = post_meta(
        &desk.app,
        "/api/webhooks/whatsapp",
        &fixture("whatsapp_unknown.json"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "unknown kinds are acknowledged: {outcome}"
    );

    // An account-level notice names no phone number, so no connected account can vouch for
    // it: refused like any delivery that cannot be verified, signed or not.
    let notice = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [
        {"field": "message_template_status_update", "value": {"event": "APPROVED", "message_template_id": 1}}
    ]}]})
    .to_string();
    let before = desk.stored_items().await;
    let (status, outcome) = post(&desk.app, "/api/webhooks/whatsapp", None, &notice).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{outcome}");
    let (status, outcome) = post_meta(&desk.app, "/api/webhooks/whatsapp", &notice).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{outcome}");
    assert_eq!(desk.stored_items().await, before);
}

#[tokio::test]
async fn unsigned_and_mis_signed_deliveries_get_401_and_store_nothing() {
    let desk = Desk::new().await;
    let body = fixture("whatsapp_text.json");
    let other_secret = CHANNEL_ACCOUNTS
        .iter()
        .find(|account| account.tenant == "globex")
        .unwrap()
        .signing_secret;
    let cases = [
        None,
        Some("sha256=0000".to_owned()),
        Some("md5=abcd".to_owned()),
        Some(sign_meta("not-the-app-secret", body.as_bytes())),
        // The same body signed by another tenant's app.
        Some(sign_meta(other_secret, body.as_bytes())),
        // A signature of another body.
        Some(sign_meta(secret(Channel::Whatsapp), b"{}")),
    ];
    for signature in cases {
        let header = signature
            .clone()
            .map(|value| (META_SIGNATURE_HEADER, value));
        let (status, answer) = post(&desk.app, "/api/webhooks/whatsapp", header, &body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{signature:?}: {answer}");
        assert!(answer["detail"].is_string(), "{answer}");
    }
    let x = fixture("x_dm.json");
    let (status, _) = post(
        &desk.app,
        "/api/webhooks/twitter",
        Some((X_SIGNATURE_HEADER, sign_x("wrong", x.as_bytes()))),
        &x,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A delivery for an account nobody connected.
    let stranger = body.replace("106540352242922", "999999999999999");
    let (status, _) = post_meta(&desk.app, "/api/webhooks/whatsapp", &stranger).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(desk.stored_items().await, 0);
    // Nothing a signature could be checked against, on every delivery path: no signature, an
    // empty object, a body that is not JSON (signed or not). Each is refused before anything in
    // it is read, with the same answer.
    let paths = [
        "/api/webhooks/whatsapp",
        "/api/v1/webhook/whatsapp",
        "/api/webhooks/facebook",
        "/api/webhooks/instagram",
        "/api/v1/webhook/instagram",
        "/api/webhooks/twitter",
    ];
    for path in paths {
        for (body, signed) in [
            ("{}", false),
            ("{}", true),
            ("{oops", false),
            ("{oops", true),
        ] {
            let header = signed.then(|| {
                let name = if path.ends_with("twitter") {
                    X_SIGNATURE_HEADER
                } else {
                    META_SIGNATURE_HEADER
                };
                (name, sign_meta(secret(Channel::Whatsapp), body.as_bytes()))
            });
            let (status, answer) = post(&desk.app, path, header, body).await;
            assert_eq!(
                (status, &answer["detail"]),
                (
                    StatusCode::UNAUTHORIZED,
                    &json!("The delivery's signature could not be verified")
                ),
                "{path} {body} signed={signed}"
            );
        }
    }
    assert_eq!(desk.stored_items().await, 0);
}

#[tokio::test]
async fn a_delivery_repeated_concurrently_and_later_is_one_message() {
    let desk = Desk::new().await;
    let body = whatsapp_text("16505551111", "wamid.repeated", "Is anyone there?");
    let mut posts = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let app = desk.app.clone();
        let body = body.clone();
        posts.spawn(async move { post_meta(&app, "/api/webhooks/whatsapp", &body).await });
    }
    let outcomes = posts.join_all().await;
    assert!(
        outcomes.iter().all(|(status, _)| *status == StatusCode::OK),
        "{outcomes:?}"
    );
    let stored: u64 = outcomes
        .iter()
        .map(|(_, outcome)| outcome["messages"].as_u64().unwrap())
        .sum();
    assert_eq!(stored, 1, "{outcomes:?}");
    // An hour later (the provider retries within its window): still a repeat.
    let (_, later) = post_meta(&desk.app, "/api/webhooks/whatsapp", &body).await;
    assert_eq!(
        (later["messages"].clone(), later["duplicates"].clone()),
        (json!(0), json!(1))
    );
    let tickets = desk.tickets("channel=whatsapp").await;
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["message_count"], 1);
}

#[tokio::test]
async fn ten_follow_ups_from_one_number_make_one_customer_one_ticket_ten_messages_in_order() {
    let desk = Desk::new().await;
    for n in 0..10 {
        let (status, outcome) = post_meta(
            &desk.app,
            "/api/webhooks/whatsapp",
            &whatsapp_text(
                "34600111222",
                &format!("wamid.follow-up-{n}"),
                &format!("message {n}"),
            ),
        )
        .await;
        assert_eq!(
            (status, &outcome["messages"]),
            (StatusCode::OK, &json!(1)),
            "{outcome}"
        );
    }
    let tickets = desk.tickets("channel=whatsapp").await;
    assert_eq!(tickets.len(), 1, "one open ticket, not one per message");
    assert_eq!(tickets[0]["status"], "new");
    let contents: Vec<String> = desk
        .timeline(tickets[0]["ticket_id"].as_str().unwrap())
        .await
        .iter()
        .map(|entry| entry["content"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..10).map(|n| format!("message {n}")).collect();
    assert_eq!(contents, expected);
    assert_eq!(
        desk.stack
            .items(&desk.stack.backend.tables.customers)
            .await
            .len(),
        1
    );

    // Once that ticket is resolved, the next message opens a new one.
    let ticket = tickets[0]["ticket_id"].as_str().unwrap();
    let (status, _) = call_as(
        &desk.app,
        Method::PUT,
        &format!("/api/tickets/{ticket}"),
        Auth::Bearer(&desk.ana),
        Some(r#"{"status":"closed"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    post_meta(
        &desk.app,
        "/api/webhooks/whatsapp",
        &whatsapp_text("34600111222", "wamid.after-close", "me again"),
    )
    .await;
    assert_eq!(desk.tickets("channel=whatsapp").await.len(), 2);
    assert_eq!(
        desk.stack
            .items(&desk.stack.backend.tables.customers)
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn handshakes_answer_as_each_provider_expects() {
    let desk = Desk::new().await;
    let get = |path: String| {
        let app = desk.app.clone();
        async move {
            let response =
                tower::ServiceExt::oneshot(app, Request::get(path).body(Body::empty()).unwrap())
                    .await
                    .unwrap();
            let status = response.status();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            (status, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    for (path, token) in [
        ("/api/webhooks/whatsapp", "local-whatsapp-verify-token"),
        ("/api/v1/webhook/whatsapp", "local-whatsapp-verify-token"),
        ("/api/webhooks/facebook", "local-facebook-verify-token"),
        ("/api/v1/webhook/instagram", "local-instagram-verify-token"),
        ("/api/webhooks/instagram", "local-instagram-verify-token"),
    ] {
        let ok = get(format!(
            "{path}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
        ))
        .await;
        assert_eq!(ok, (StatusCode::OK, "1158201444".to_owned()), "{path}");
        let wrong = get(format!(
            "{path}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"
        ))
        .await;
        assert_eq!(wrong.0, StatusCode::FORBIDDEN, "{path}");
        // The original read `hub_verify_token`; Meta sends dotted names.
        let underscored = get(format!(
            "{path}?hub_mode=subscribe&hub_verify_token={token}&hub_challenge=1"
        ))
        .await;
        assert_eq!(underscored.0, StatusCode::FORBIDDEN, "{path}");
    }
    // Another channel's token does not verify this one.
    let crossed = get("/api/webhooks/facebook?hub.mode=subscribe&hub.verify_token=local-whatsapp-verify-token&hub.challenge=1".to_owned()).await;
    assert_eq!(crossed.0, StatusCode::FORBIDDEN);

    let (status, crc) =
        get("/api/webhooks/twitter?crc_token=challenge-123&account=4337869213".to_owned()).await;
    assert_eq!(status, StatusCode::OK, "{crc}");
    let crc: Value = serde_json::from_str(&crc).unwrap();
    assert_eq!(
        crc["response_token"],
        channels::x::crc_response(secret(Channel::Twitter), "challenge-123")
    );
    let (status, _) = get("/api/webhooks/twitter?crc_token=x&account=1".to_owned()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get("/api/webhooks/twitter?crc_token=x".to_owned()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_chatbot_hands_a_conversation_to_a_human_and_polls_for_the_reply() {
    let desk = Desk::new().await;
    let handoff = json!({
        "session_id": "session-42",
        "customer_email": "ana@example.com",
        "customer_name": "Ana",
        "initial_message": "I need a person",
        "tags": ["VIP"],
        "transcript": [{"role": "user", "content": "my order is late"}, {"role": "assistant", "content": "Let me get a human."}],
        "lead_id": "lead_1795381200000_k3j5h2a"
    });
    let (status, answer) = call_as(
        &desk.app,
        Method::POST,
        "/api/webhooks/chatbot",
        Auth::Key(KEY_A),
        Some(&handoff.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let ticket = answer["ticket_id"].as_str().unwrap();
    assert_eq!(answer["success"], true);
    assert_eq!(
        answer["message"],
        format!("Ticket #{ticket} created. An agent will respond shortly.")
    );

    let (_, read) = call_as(
        &desk.app,
        Method::GET,
        &format!("/api/tickets/{ticket}"),
        Auth::Bearer(&desk.ana),
        None,
    )
    .await;
    assert_eq!(read["tags"], json!(["chatbot_handoff", "vip"]));
    assert_eq!(read["source"]["is_bot_handoff"], true);
    assert_eq!(read["customer"]["primary_email"], "ana@example.com");
    let first = &read["timeline"][0];
    assert_eq!(first["content"], "I need a person");
    assert_eq!(
        first["channel_specific_data"]["lead_id"],
        "lead_1795381200000_k3j5h2a"
    );
    assert_eq!(
        first["channel_specific_data"]["transcript"][1]["content"],
        "Let me get a human."
    );

    let (_, poll) = call_as(
        &desk.app,
        Method::GET,
        &format!("/api/tickets/{ticket}/status"),
        Auth::Key(KEY_A),
        None,
    )
    .await;
    assert_eq!(poll["has_agent_reply"], false);
    call_as(
        &desk.app,
        Method::POST,
        &format!("/api/tickets/{ticket}/message"),
        Auth::Bearer(&desk.ana),
        Some(r#"{"content":"Hi Ana, I'm here."}"#),
    )
    .await;
    let (_, poll) = call_as(
        &desk.app,
        Method::GET,
        &format!("/api/tickets/{ticket}/status"),
        Auth::Key(KEY_A),
        None,
    )
    .await;
    assert_eq!(poll["last_agent_message"]["content"], "Hi Ana, I'm here.");

    for (body, named) in [
        (json!({}), "session_id"),
        (
            json!({"session_id": "s", "customer_email": "nope"}),
            "customer_email",
        ),
        (json!({"session_id": "s", "priority": "urgent"}), "priority"),
    ] {
        let (status, answer) = call_as(
            &desk.app,
            Method::POST,
            "/api/webhooks/chatbot",
            Auth::Key(KEY_A),
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["detail"].as_str().unwrap().contains(named),
            "{answer}"
        );
    }
    let (status, _) = call_as(
        &desk.app,
        Method::POST,
        "/api/webhooks/chatbot",
        Auth::None,
        Some(&handoff.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A handoff of `session` with an optional `Idempotency-Key`.
async fn hand_off(
    desk: &Desk,
    session: &str,
    message: &str,
    key: Option<&str>,
) -> (StatusCode, Value) {
    let body = json!({"session_id": session, "customer_name": "Ana", "initial_message": message});
    let mut request = Request::post("/api/webhooks/chatbot")
        .header("content-type", "application/json")
        .header("x-api-key", KEY_A);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    send(
        &desk.app,
        request.body(Body::from(body.to_string())).unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_session_has_one_handoff_ticket_at_a_time_and_its_key_makes_retries_safe() {
    let desk = Desk::new().await;
    let handoffs = || desk.tickets("tag=chatbot_handoff");

    // Three concurrent copies of one handoff with one key, then a late retry: one ticket, one
    // answer.
    let (a, b, c) = tokio::join!(
        hand_off(&desk, "session-7", "I need a person", Some("handoff-1")),
        hand_off(&desk, "session-7", "I need a person", Some("handoff-1")),
        hand_off(&desk, "session-7", "I need a person", Some("handoff-1")),
    );
    for (status, answer) in [&a, &b, &c] {
        assert_eq!(*status, StatusCode::OK, "{answer}");
        assert_eq!(answer, &a.1, "every copy gets the first answer");
    }
    let ticket = a.1["ticket_id"].as_str().unwrap().to_owned();
    assert_eq!(
        hand_off(&desk, "session-7", "I need a person", Some("handoff-1"))
            .await
            .1,
        a.1
    );
    assert_eq!(handoffs().await.len(), 1);

    // The same key with another request is refused and writes nothing.
    let before = desk.stored_items().await;
    let (status, answer) = hand_off(
        &desk,
        "session-7",
        "Something else entirely",
        Some("handoff-1"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "idempotency_key_reused");
    assert_eq!(desk.stored_items().await, before);

    // Without a key, the session's open handoff ticket is the answer: nothing new is opened.
    let (status, again) = hand_off(&desk, "session-7", "Hello? Anyone?", None).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["ticket_id"], ticket.as_str());
    assert_eq!(desk.stored_items().await, before);
    // Two concurrent handoffs of a new session without keys open one ticket.
    let (one, two) = tokio::join!(
        hand_off(&desk, "session-8", "help", None),
        hand_off(&desk, "session-8", "help", None),
    );
    assert_eq!(one.1["ticket_id"], two.1["ticket_id"]);
    assert_eq!(handoffs().await.len(), 2);

    // Once that ticket is closed, the next handoff of the session opens a new one.
    assert_eq!(
        desk.set_status(&ticket, domain::ticket::TicketStatus::Closed)
            .await
            .0,
        StatusCode::OK
    );
    let (status, later) = hand_off(&desk, "session-7", "Back again", None).await;
    assert_eq!(status, StatusCode::OK, "{later}");
    assert_ne!(later["ticket_id"], ticket.as_str());
    assert_eq!(handoffs().await.len(), 3);
}

#[tokio::test]
async fn messages_racing_from_a_known_customer_without_an_active_ticket_open_one_ticket() {
    let desk = Desk::new().await;
    let number = "447700900123";
    post_meta(
        &desk.app,
        "/api/webhooks/whatsapp",
        &whatsapp_text(number, "wamid.first", "hi"),
    )
    .await;
    let first = desk.tickets("channel=whatsapp").await[0]["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = call_as(
        &desk.app,
        Method::PUT,
        &format!("/api/tickets/{first}"),
        Auth::Bearer(&desk.ana),
        Some(r#"{"status":"closed"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The customer is known and has no active ticket: every racer would open one.
    let mut posts = tokio::task::JoinSet::new();
    for n in 0..6 {
        let app = desk.app.clone();
        let body = whatsapp_text(number, &format!("wamid.race-{n}"), &format!("hello {n}"));
        posts.spawn(async move { post_meta(&app, "/api/webhooks/whatsapp", &body).await });
    }
    for (status, outcome) in posts.join_all().await {
        assert_eq!(
            (status, &outcome["messages"]),
            (StatusCode::OK, &json!(1)),
            "{outcome}"
        );
    }
    let open: Vec<Value> = desk.tickets("channel=whatsapp&status=new").await;
    assert_eq!(open.len(), 1, "one new ticket: {open:#?}");
    assert_eq!(open[0]["message_count"], 6);
    assert_eq!(
        desk.stack
            .items(&desk.stack.backend.tables.customers)
            .await
            .len(),
        1
    );
}

/// A WhatsApp delivery report for one of our outbound messages.
fn whatsapp_status(id: &str, status: &str, timestamp: &str) -> String {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "statuses": [{"id": id, "status": status, "timestamp": timestamp, "recipient_id": "16505551234"}]
        }}]}]
    })
    .to_string()
}

#[tokio::test]
async fn whatsapp_statuses_move_our_outbound_message_forward_only() {
    let desk = Desk::new().await;
    post_meta(
        &desk.app,
        "/api/webhooks/whatsapp",
        &whatsapp_text("16505551234", "wamid.in-1", "hello"),
    )
    .await;
    let ticket = desk.tickets("channel=whatsapp").await[0]["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, replied) = call_as(
        &desk.app,
        Method::POST,
        &format!("/api/tickets/{ticket}/message"),
        Auth::Bearer(&desk.ana),
        Some(r#"{"content":"Hi! Yes, size M is in stock."}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replied}");
    let message = replied["last_agent_message"]["message_id"]
        .as_str()
        .unwrap();

    // The sender links WhatsApp's id for the reply once WhatsApp accepted it.
    let outbound = "wamid.OUTBOUND-1";
    let linked = desk
        .stack
        .backend
        .tickets()
        .link_outbound(
            &domain::TenantId::parse("acme").unwrap(),
            Channel::Whatsapp,
            ACME_WHATSAPP,
            outbound,
            &domain::ticket::TicketId::parse(&ticket).unwrap(),
            &domain::ticket::MessageId::parse(message).unwrap(),
            u64::from(u32::MAX),
        )
        .await
        .unwrap();
    assert!(linked);

    for (state, at) in [
        ("sent", "1749416400"),
        ("read", "1749416460"),
        ("delivered", "1749416430"),
    ] {
        let (status, outcome) = post_meta(
            &desk.app,
            "/api/webhooks/whatsapp",
            &whatsapp_status(outbound, state, at),
        )
        .await;
        assert_eq!(
            (status, &outcome["statuses"]),
            (StatusCode::OK, &json!(1)),
            "{outcome}"
        );
    }
    let reply = desk
        .timeline(&ticket)
        .await
        .into_iter()
        .find(|entry| entry["message_id"] == message)
        .unwrap();
    assert_eq!(
        reply["delivery"]["state"], "read",
        "a late `delivered` does not undo `read`: {reply}"
    );
    assert_eq!(reply["delivery"]["at"], 1749416460);

    // A report about a message that is not ours is acknowledged and changes nothing.
    let before = desk.stored_items().await;
    let (status, _) = post_meta(
        &desk.app,
        "/api/webhooks/whatsapp",
        &whatsapp_status("wamid.NOT-OURS", "failed", "1749416500"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(desk.stored_items().await, before);

    // Another tenant's number reporting on acme's message, validly signed with that tenant's
    // own secret: acknowledged, and acme's message keeps its state.
    let globex_secret = CHANNEL_ACCOUNTS
        .iter()
        .find(|account| account.account_id == GLOBEX_WHATSAPP)
        .unwrap()
        .signing_secret;
    let forged =
        whatsapp_status(outbound, "failed", "1749416999").replace(ACME_WHATSAPP, GLOBEX_WHATSAPP);
    let (status, outcome) = post(
        &desk.app,
        "/api/webhooks/whatsapp",
        Some((
            META_SIGNATURE_HEADER,
            sign_meta(globex_secret, forged.as_bytes()),
        )),
        &forged,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    let reply = desk
        .timeline(&ticket)
        .await
        .into_iter()
        .find(|entry| entry["message_id"] == message)
        .unwrap();
    assert_eq!(reply["delivery"]["state"], "read", "{reply}");
    assert_eq!(desk.stored_items().await, before);
}

/// The lead seed 001's paths keep for a sender of `acme`.
async fn lead_of(desk: &Desk, source: LeadSource, sender: &str) -> Value {
    let key = ConversationKey::Visitor {
        source,
        user_id: UserId::parse(sender).unwrap(),
    };
    let lead_id = key.lead_id(&TenantId::parse("acme").unwrap());
    let (status, lead) = call_as(
        &desk.app,
        Method::GET,
        &format!("/api/v1/lead/{lead_id}"),
        Auth::Key(KEY_A),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    lead
}

#[tokio::test]
async fn seed_001_paths_have_the_assistant_answer_each_sender_on_their_lead() {
    let desk = Desk::new().await;
    let (status, outcome) = post_meta(
        &desk.app,
        "/api/v1/webhook/whatsapp",
        &whatsapp_text(
            "16505550000",
            "wamid.v1path",
            "I want to buy two jackets today, I'm Sheena, sheena@example.com",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["messages"], 1, "{outcome}");
    assert_eq!(outcome["replies"][0]["recipient_id"], "16505550000");
    let reply = outcome["replies"][0]["response"].as_str().unwrap();
    assert!(!reply.is_empty());
    assert!(
        desk.tickets("channel=whatsapp").await.is_empty(),
        "seed 001's path feeds leads, not tickets"
    );
    let lead = lead_of(&desk, LeadSource::Whatsapp, "16505550000").await;
    assert_eq!(lead["source"], "whatsapp");
    assert_eq!(
        lead["phone"], "16505550000",
        "on WhatsApp the sender is the phone"
    );
    assert_eq!(lead["email"], "sheena@example.com");
    assert_eq!(lead["intent"], "HOT", "{lead}");
    assert_eq!(
        lead["messages"][1]["content"], reply,
        "the reply waits on the lead for sending"
    );

    let (status, outcome) = post_meta(
        &desk.app,
        "/api/v1/webhook/instagram",
        &fixture("instagram_text.json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    let sender = outcome["replies"][0]["recipient_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead = lead_of(&desk, LeadSource::Instagram, &sender).await;
    assert_eq!(lead["source"], "instagram");
    assert_eq!(lead["message_count"], 2);
}

#[tokio::test]
async fn a_lead_delivery_repeated_concurrently_and_later_is_one_exchange() {
    let desk = Desk::new().await;
    let body = whatsapp_text(
        "16505552222",
        "wamid.lead-repeated",
        "Do you ship to Spain?",
    );
    let mut posts = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let app = desk.app.clone();
        let body = body.clone();
        posts.spawn(async move { post_meta(&app, "/api/v1/webhook/whatsapp", &body).await });
    }
    let outcomes = posts.join_all().await;
    assert!(
        outcomes.iter().all(|(status, _)| *status == StatusCode::OK),
        "{outcomes:?}"
    );
    let (_, later) = post_meta(&desk.app, "/api/v1/webhook/whatsapp", &body).await;
    assert_eq!(
        (later["messages"].clone(), later["duplicates"].clone()),
        (json!(0), json!(1))
    );
    let taken: u64 = outcomes
        .iter()
        .map(|(_, outcome)| outcome["messages"].as_u64().unwrap())
        .sum();
    assert_eq!(taken, 1, "{outcomes:?}");
    let lead = lead_of(&desk, LeadSource::Whatsapp, "16505552222").await;
    assert_eq!(
        lead["message_count"], 2,
        "one message and one reply: {lead}"
    );
}

#[tokio::test]
async fn ten_follow_ups_on_seed_001s_path_make_one_lead_with_twenty_messages_in_order() {
    let desk = Desk::new().await;
    for n in 0..10 {
        let (status, outcome) = post_meta(
            &desk.app,
            "/api/v1/webhook/whatsapp",
            &whatsapp_text(
                "34600999888",
                &format!("wamid.lead-{n}"),
                &format!("question {n}"),
            ),
        )
        .await;
        assert_eq!(
            (status, &outcome["messages"]),
            (StatusCode::OK, &json!(1)),
            "{outcome}"
        );
    }
    let lead = lead_of(&desk, LeadSource::Whatsapp, "34600999888").await;
    assert_eq!(lead["message_count"], 20);
    let asked: Vec<&str> = lead["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|message| message["role"] == "user")
        .map(|message| message["content"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..10).map(|n| format!("question {n}")).collect();
    assert_eq!(asked, expected);
    let leads = desk.stack.items(&desk.stack.backend.tables.leads).await;
    let lead_items = leads
        .iter()
        .filter(|item| matches!(item.get("entryKey"), Some(store::AttributeValue::S(key)) if key == "lead"))
        .count();
    assert_eq!(lead_items, 1, "one lead for the number");
}
