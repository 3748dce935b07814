//! Outbound delivery against the local stack and a local stand-in for the providers: an agent's
//! reply on a WhatsApp ticket becomes exactly one correctly-formed Cloud API request and shows
//! `sent`; transient refusals are retried, permanent ones recorded; an event delivered again
//! sends nothing again; a lead becoming ready is one email in the local SES; and the whole way
//! from the API through the stream, the relay and Kafka to the provider works.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use channels::signature::{META_SIGNATURE_HEADER, sign_meta};
use domain::TenantId;
use domain::ticket::{TicketId, TimelineEntry};
use outbound::{Handled, Outbound, OutboundSettings, ProviderUrls, ReceivedEvent, RetryLater};
use relay::{RelaySettings, Topics};
use serde_json::{Value, json};
use tests::desk::Desk;
use tests::kafka::{self, Feed};
use tests::{Auth, KEY_A, call_as, send};

const WHATSAPP_ACCOUNT: &str = "106540352242922";
const CUSTOMER: &str = "16505551234";

/// One request the stand-in provider received.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    authorization: String,
    body: Value,
    at: Instant,
}

/// A scripted answer: status, body and an optional `Retry-After`.
type Scripted = (StatusCode, Value, Option<&'static str>);

/// A stand-in for the providers' send APIs: answers from a script (then 200s), records requests.
#[derive(Clone, Default)]
struct Provider {
    script: Arc<Mutex<Vec<Scripted>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Provider {
    async fn start(script: Vec<Scripted>) -> (Self, String) {
        let provider = Self {
            script: Arc::new(Mutex::new(script)),
            seen: Arc::default(),
        };
        let app = Router::new().fallback(answer).with_state(provider.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (provider, format!("http://{address}"))
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn answer(
    State(provider): State<Provider>,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let n = {
        let mut seen = provider.seen.lock().unwrap();
        seen.push(Seen {
            path: uri.path().to_owned(),
            authorization: headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default(),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            at: Instant::now(),
        });
        seen.len()
    };
    let scripted = {
        let mut script = provider.script.lock().unwrap();
        (!script.is_empty()).then(|| script.remove(0))
    };
    match scripted {
        Some((status, body, retry_after)) => {
            let mut response = (status, body.to_string()).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", seconds.parse().unwrap());
            }
            response
        }
        None => axum::Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": CUSTOMER, "wa_id": CUSTOMER}],
            "messages": [{"id": format!("wamid.test-{n}")}],
        }))
        .into_response(),
    }
}

fn settings(provider: &str) -> OutboundSettings {
    OutboundSettings {
        urls: ProviderUrls {
            meta_graph: format!("{provider}/meta"),
            x: format!("{provider}/x"),
        },
        alerts_from: Some("alerts@acme.example".into()),
        api_url: Some("https://api.acme.example".into()),
        attempts: 3,
        request_timeout: Duration::from_secs(2),
    }
}

/// A WhatsApp Cloud API delivery to the demo number: a text from `from`, or statuses.
fn whatsapp_delivery(value: Value) -> String {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] =
        json!({"display_phone_number": "15550783881", "phone_number_id": WHATSAPP_ACCOUNT});
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]
    })
    .to_string()
}

fn whatsapp_text(from: &str, id: &str, text: &str) -> String {
    whatsapp_delivery(json!({
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": from}],
        "messages": [{"from": from, "id": id, "timestamp": "1749416383", "type": "text", "text": {"body": text}}]
    }))
}

/// Posts a delivery signed with the demo WhatsApp account's app secret.
async fn post_signed(desk: &Desk, path: &str, delivery: String) -> (StatusCode, Value) {
    let secret = devserver::demo::CHANNEL_ACCOUNTS[0].signing_secret;
    let request = Request::post(path)
        .header(
            META_SIGNATURE_HEADER,
            sign_meta(secret, delivery.as_bytes()),
        )
        .body(Body::from(delivery))
        .unwrap();
    send(&desk.app, request).await
}

/// A customer's WhatsApp message opens a ticket; `ana` answers it (publicly unless `internal`).
/// Returns the ticket id and the answer as stored.
async fn agent_reply_on_whatsapp(
    desk: &Desk,
    text: &str,
    internal: bool,
) -> (String, TimelineEntry) {
    let id = format!("wamid.in-{}", usecases::clock::random_u64());
    let delivery = whatsapp_text(CUSTOMER, &id, "Where is my order?");
    let (status, outcome) = post_signed(desk, "/api/webhooks/whatsapp", delivery).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    let ticket = desk.tickets("channel=whatsapp").await[0]["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let visibility = if internal { "internal" } else { "public" };
    let body = json!({"content": text, "sender_type": "agent", "visibility": visibility, "agent_id": "ana"});
    let (status, read) = call_as(
        &desk.app,
        Method::POST,
        &format!("/api/tickets/{ticket}/message"),
        Auth::Bearer(&desk.ana),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    let entry = read["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|entry| entry["content"] == text)
        .cloned()
        .unwrap();
    (ticket, serde_json::from_value(entry).unwrap())
}

/// The event the relay publishes for a timeline entry, as the consumer receives it.
fn message_added(ticket: &str, entry: &TimelineEntry, record: &str) -> ReceivedEvent {
    let tenant = TenantId::parse("acme").unwrap();
    let event =
        domain::events::timeline_entry_added(&tenant, &TicketId::parse(ticket).unwrap(), entry)
            .expect("a message is an event");
    let envelope = relay::CloudEvent::wrap(event, record, "2026-11-22T10:00:00Z".into());
    serde_json::from_value(serde_json::to_value(envelope).unwrap()).unwrap()
}

async fn delivery_of(desk: &Desk, ticket: &str, message_id: &str) -> Value {
    desk.timeline(ticket)
        .await
        .into_iter()
        .find(|entry| entry["message_id"] == message_id)
        .map(|entry| entry["delivery"].clone())
        .unwrap()
}

#[tokio::test]
async fn an_agent_reply_on_a_whatsapp_ticket_is_one_cloud_api_request_and_shows_sent() {
    let desk = Desk::new().await;
    let (provider, url) = Provider::start(Vec::new()).await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));
    let (ticket, entry) = agent_reply_on_whatsapp(&desk, "It ships today.", false).await;
    let event = message_added(&ticket, &entry, "rec-1");

    let first = outbound.handle(&event).await.unwrap();
    assert!(
        matches!(first, Handled::Sent(ref id) if id == "wamid.test-1"),
        "{first:?}"
    );
    for _ in 0..2 {
        assert_eq!(outbound.handle(&event).await.unwrap(), Handled::AlreadyDone);
    }
    let seen = provider.seen();
    assert_eq!(
        seen.len(),
        1,
        "one event, one message, however often it comes: {seen:?}"
    );
    assert_eq!(seen[0].path, format!("/meta/{WHATSAPP_ACCOUNT}/messages"));
    assert_eq!(seen[0].authorization, "Bearer local-whatsapp-access-token");
    assert_eq!(
        seen[0].body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": CUSTOMER,
            "type": "text",
            "text": {"preview_url": false, "body": "It ships today."},
        })
    );
    let message = entry.message_id.to_string();
    assert_eq!(delivery_of(&desk, &ticket, &message).await["state"], "sent");

    // WhatsApp's status webhook finds the message by the id the send returned.
    let statuses = whatsapp_delivery(json!({
        "statuses": [{"id": "wamid.test-1", "status": "delivered", "timestamp": "1749416999", "recipient_id": CUSTOMER}]
    }));
    let (status, _) = post_signed(&desk, "/api/webhooks/whatsapp", statuses).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        delivery_of(&desk, &ticket, &message).await["state"],
        "delivered"
    );
}

#[tokio::test]
async fn the_same_event_delivered_concurrently_sends_once() {
    let desk = Desk::new().await;
    let (provider, url) = Provider::start(Vec::new()).await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));
    let (ticket, entry) = agent_reply_on_whatsapp(&desk, "On its way.", false).await;
    let event = message_added(&ticket, &entry, "rec-2");
    let (a, b, c) = tokio::join!(
        outbound.handle(&event),
        outbound.handle(&event),
        outbound.handle(&event)
    );
    let sent = [&a, &b, &c]
        .iter()
        .filter(|outcome| matches!(outcome, Ok(Handled::Sent(_))))
        .count();
    assert_eq!(sent, 1, "{a:?} {b:?} {c:?}");
    for outcome in [a, b, c] {
        // A copy that found the delivery in progress is retried by the event source later.
        assert!(
            matches!(
                outcome,
                Ok(Handled::Sent(_) | Handled::AlreadyDone) | Err(RetryLater::InProgress)
            ),
            "{outcome:?}"
        );
    }
    assert_eq!(outbound.handle(&event).await.unwrap(), Handled::AlreadyDone);
    assert_eq!(provider.seen().len(), 1);
}

#[tokio::test]
async fn a_provider_500_then_200_sends_once_after_a_retry() {
    let desk = Desk::new().await;
    let (provider, url) = Provider::start(vec![(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"error": {"message": "Service unavailable"}}),
        None,
    )])
    .await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));
    let (ticket, entry) = agent_reply_on_whatsapp(&desk, "Retry me.", false).await;
    let handled = outbound
        .handle(&message_added(&ticket, &entry, "rec-3"))
        .await
        .unwrap();
    assert!(matches!(handled, Handled::Sent(_)), "{handled:?}");
    assert_eq!(
        provider.seen().len(),
        2,
        "one failed attempt, one that went through"
    );
    assert_eq!(
        delivery_of(&desk, &ticket, &entry.message_id.to_string()).await["state"],
        "sent"
    );
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_as_the_provider_asks() {
    let desk = Desk::new().await;
    let (provider, url) = Provider::start(vec![(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"error": {"message": "Rate limit hit", "code": 130429}}),
        Some("1"),
    )])
    .await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));
    let (ticket, entry) = agent_reply_on_whatsapp(&desk, "Patience.", false).await;
    let handled = outbound
        .handle(&message_added(&ticket, &entry, "rec-4"))
        .await
        .unwrap();
    assert!(matches!(handled, Handled::Sent(_)), "{handled:?}");
    let seen = provider.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1].at.duration_since(seen[0].at) >= Duration::from_millis(900),
        "Retry-After: 1 was honoured"
    );
}

#[tokio::test]
async fn a_400_records_failed_with_the_reason_and_is_not_retried() {
    let desk = Desk::new().await;
    let refusal = json!({"error": {"message": "(#131030) Recipient phone number not in allowed list", "code": 131030}});
    let (provider, url) = Provider::start(vec![(StatusCode::BAD_REQUEST, refusal, None)]).await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));
    let (ticket, entry) = agent_reply_on_whatsapp(&desk, "Hello?", false).await;
    let event = message_added(&ticket, &entry, "rec-5");
    let handled = outbound.handle(&event).await.unwrap();
    assert!(
        matches!(handled, Handled::Failed(ref reason) if reason.contains("131030")),
        "{handled:?}"
    );
    assert_eq!(outbound.handle(&event).await.unwrap(), Handled::AlreadyDone);
    assert_eq!(
        provider.seen().len(),
        1,
        "a permanent refusal is not retried"
    );
    let delivery = delivery_of(&desk, &ticket, &entry.message_id.to_string()).await;
    assert_eq!(delivery["state"], "failed");
    assert!(
        delivery["error"]
            .as_str()
            .unwrap()
            .contains("Recipient phone number not in allowed list"),
        "{delivery}"
    );
}

#[tokio::test]
async fn a_provider_that_stays_down_is_left_to_the_event_source_and_sent_when_it_recovers() {
    let desk = Desk::new().await;
    let down = (
        StatusCode::SERVICE_UNAVAILABLE,
        json!({"error": {"message": "down"}}),
        None,
    );
    let (provider, url) = Provider::start(vec![down.clone(), down.clone(), down]).await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));
    let (ticket, entry) = agent_reply_on_whatsapp(&desk, "Eventually.", false).await;
    let event = message_added(&ticket, &entry, "rec-6");
    let outcome = outbound.handle(&event).await;
    assert!(
        matches!(outcome, Err(RetryLater::Provider(_))),
        "{outcome:?}"
    );
    assert_eq!(provider.seen().len(), 3);
    // The event source delivers the event again; the provider is back.
    assert!(matches!(
        outbound.handle(&event).await.unwrap(),
        Handled::Sent(_)
    ));
    assert_eq!(provider.seen().len(), 4);
}

#[tokio::test]
async fn retries_stop_before_the_invocations_deadline_whatever_the_provider_asks() {
    let desk = Desk::new().await;
    // The provider asks for a 5 s pause each time; the invocation has about 2 s left.
    let busy = (
        StatusCode::TOO_MANY_REQUESTS,
        json!({"error": {"message": "slow down"}}),
        Some("5"),
    );
    let (provider, url) = Provider::start(vec![busy.clone(), busy.clone(), busy]).await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));
    let (ticket, entry) = agent_reply_on_whatsapp(&desk, "Soon.", false).await;
    let event = message_added(&ticket, &entry, "rec-deadline");
    let started = Instant::now();
    let outcome = outbound
        .handle_by(&event, started + Duration::from_secs(2))
        .await;
    assert!(
        matches!(outcome, Err(RetryLater::Provider(_))),
        "{outcome:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "gave up in {:?}, before the deadline",
        started.elapsed()
    );
    assert_eq!(
        provider.seen().len(),
        1,
        "no try that could not finish in time"
    );
}

#[tokio::test]
async fn internal_notes_never_leave_the_help_desk() {
    let desk = Desk::new().await;
    let (provider, url) = Provider::start(Vec::new()).await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));
    let (ticket, entry) = agent_reply_on_whatsapp(&desk, "Customer seems upset", true).await;
    assert_eq!(
        outbound
            .handle(&message_added(&ticket, &entry, "rec-7"))
            .await
            .unwrap(),
        Handled::Nothing
    );
    assert!(provider.seen().is_empty());
}

/// The emails moto's SES holds whose body mentions `needle` (moto's model dump lists them).
async fn sent_emails(needle: &str) -> Vec<Value> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let bytes = reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let data: Value = serde_json::from_slice(&bytes).unwrap();
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|message| {
            message["body"]
                .as_str()
                .unwrap_or_default()
                .contains(needle)
        })
        .collect()
}

#[tokio::test]
async fn a_lead_becoming_ready_is_one_email_through_ses() {
    let desk = Desk::new().await;
    let ses = aws_sdk_sesv2::Client::new(desk.stack.backend.sdk_config());
    // Verified once per moto server; a second creation answers that it exists.
    let _ = ses
        .create_email_identity()
        .email_identity("alerts@acme.example")
        .send()
        .await;
    let (_, url) = Provider::start(Vec::new()).await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));

    let visitor = format!("visitor-{}", usecases::clock::random_u64());
    let body = json!({"message": "I want to buy 3 units this week, I'm Ana, ana@example.com", "user_id": visitor, "source": "website"});
    let (status, answer) = call_as(
        &desk.app,
        Method::POST,
        "/api/v1/chat/respond",
        Auth::Key(KEY_A),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let lead_id = answer["lead_id"].as_str().unwrap().to_owned();
    let became_ready = |record: &str| ReceivedEvent {
        id: format!("{record}:lead.became_ready"),
        kind: "com.frontdesk.lead.became_ready".into(),
        tenantid: "acme".into(),
        data: json!({"lead": {"lead_id": lead_id, "is_lead_ready": true}}),
    };
    assert!(matches!(
        outbound.handle(&became_ready("rec-8")).await.unwrap(),
        Handled::Sent(_)
    ));
    // Redelivered, and announced again by another change of the same lead: still one email.
    assert_eq!(
        outbound.handle(&became_ready("rec-8")).await.unwrap(),
        Handled::AlreadyDone
    );
    assert_eq!(
        outbound.handle(&became_ready("rec-9")).await.unwrap(),
        Handled::AlreadyDone
    );

    let emails = sent_emails(&lead_id).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    let email = &emails[0];
    assert_eq!(email["source"], "alerts@acme.example");
    assert_eq!(email["subject"], "Lead ready: Ana (HOT)");
    assert_eq!(
        email["destinations"]["ToAddresses"],
        json!(["sales@acme.example"])
    );
    let text = email["body"].as_str().unwrap();
    assert!(text.contains("Email: ana@example.com"), "{text}");
    assert!(
        text.contains(&format!("https://api.acme.example/api/v1/lead/{lead_id}")),
        "{text}"
    );
}

/// The whole event pipeline of `make dev` for one test: the table streams fed to the relay, the
/// relay publishing to topics of the test's own on the broker, and outbound delivery consuming
/// them, sending to the stand-in provider at `url` and alerting through moto's SES.
struct Pipeline {
    _feed: Feed,
    topics: Topics,
    servers: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    consumer: Option<tokio::task::JoinHandle<()>>,
}

impl Pipeline {
    async fn start(desk: &Desk, url: &str) -> Self {
        let servers = kafka::bootstrap_servers();
        let run = usecases::clock::random_u64() % 1_000_000;
        let topics = Topics {
            tickets: format!("outbound-{run}-tickets"),
            messages: format!("outbound-{run}-messages"),
            leads: format!("outbound-{run}-leads"),
        };
        let mut relay_settings = RelaySettings::local(&servers);
        relay_settings.topics = topics.clone();
        let relay = kafka::relay(&desk.stack.backend, relay_settings).await;
        let feed = Feed::start(&desk.stack.backend, relay);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let consumer = tokio::spawn(devserver::outbound_feed::run(
            Outbound::new(&desk.stack.backend, settings(url)),
            servers.clone(),
            vec![topics.messages.clone(), topics.leads.clone()],
            format!("outbound-test-{run}"),
            async {
                let _ = stopped.await;
            },
        ));
        Self {
            _feed: feed,
            topics,
            servers,
            stop: Some(stop),
            consumer: Some(consumer),
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(consumer) = self.consumer.take() {
            let _ = consumer.await;
        }
    }
}

/// Waits until `done` holds (or a minute has passed), then a little longer, so a duplicate
/// arriving late would show too.
async fn settle<F: std::future::Future<Output = bool>>(done: impl Fn() -> F) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done().await && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_reply_travels_the_stream_the_relay_and_kafka_to_whatsapp() {
    let desk = Desk::new().await;
    let (provider, url) = Provider::start(Vec::new()).await;
    let pipeline = Pipeline::start(&desk, &url).await;

    let (ticket, entry) =
        agent_reply_on_whatsapp(&desk, "Your parcel left the warehouse.", false).await;
    settle(|| std::future::ready(!provider.seen().is_empty())).await;
    let seen = provider.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].body["text"]["body"],
        "Your parcel left the warehouse."
    );
    assert_eq!(seen[0].body["to"], CUSTOMER);
    assert_eq!(
        delivery_of(&desk, &ticket, &entry.message_id.to_string()).await["state"],
        "sent"
    );
    pipeline.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_channel_delivery_reaches_the_sender_once_through_the_pipeline() {
    let desk = Desk::new().await;
    let (provider, url) = Provider::start(Vec::new()).await;
    let pipeline = Pipeline::start(&desk, &url).await;
    let sender = "34600555111";

    let first = whatsapp_text(sender, "wamid.repeat-1", "Do you have tents?");
    let (_, answered) = post_signed(&desk, "/api/v1/webhook/whatsapp", first.clone()).await;
    // The provider delivers the same message again, twice, one of them while the first answer
    // is still on its way.
    let (again, and_again) = tokio::join!(
        post_signed(&desk, "/api/v1/webhook/whatsapp", first.clone()),
        post_signed(&desk, "/api/v1/webhook/whatsapp", first),
    );
    for (status, outcome) in [&again, &and_again] {
        assert_eq!(
            (*status, &outcome["duplicates"]),
            (StatusCode::OK, &json!(1)),
            "{outcome}"
        );
    }
    let next = whatsapp_text(sender, "wamid.repeat-2", "And sleeping bags?");
    let (_, next_answered) = post_signed(&desk, "/api/v1/webhook/whatsapp", next).await;

    settle(|| std::future::ready(provider.seen().len() >= 2)).await;
    let sent: Vec<Value> = provider
        .seen()
        .iter()
        .map(|seen| seen.body["text"]["body"].clone())
        .collect();
    assert_eq!(
        sent,
        [
            answered["replies"][0]["response"].clone(),
            next_answered["replies"][0]["response"].clone()
        ],
        "one reply per message, in order"
    );
    assert!(provider.seen().iter().all(|seen| seen.body["to"] == sender));
    pipeline.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_turning_hot_before_leaving_a_contact_is_announced_once() {
    let desk = Desk::new().await;
    let ses = aws_sdk_sesv2::Client::new(desk.stack.backend.sdk_config());
    let _ = ses
        .create_email_identity()
        .email_identity("alerts@acme.example")
        .send()
        .await;
    let (_, url) = Provider::start(Vec::new()).await;
    let pipeline = Pipeline::start(&desk, &url).await;
    let reader = kafka::EventReader::new(&pipeline.servers, &pipeline.topics);

    // HOT from the first message, with no way to reach the visitor yet; then more HOT talk.
    let visitor = format!("visitor-{}", usecases::clock::random_u64());
    let mut lead_id = String::new();
    for message in ["I want to buy 3 units this week", "Can I order them today?"] {
        let body = json!({"message": message, "user_id": visitor, "source": "website"});
        let (status, answer) = call_as(
            &desk.app,
            Method::POST,
            "/api/v1/chat/respond",
            Auth::Key(KEY_A),
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["intent"], "HOT", "{answer}");
        lead_id = answer["lead_id"].as_str().unwrap().to_owned();
    }

    let events = reader.about(&[&lead_id], 1, Duration::from_secs(60)).await;
    let turned_hot: Vec<&Value> = events
        .iter()
        .filter(|event| event.kind() == "com.frontdesk.lead.intent_changed")
        .map(|event| &event.event["data"])
        .collect();
    assert_eq!(turned_hot.len(), 1, "{events:#?}");
    assert_eq!(turned_hot[0]["to"], "HOT");
    settle(|| async { !sent_emails(&lead_id).await.is_empty() }).await;
    let emails = sent_emails(&lead_id).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert_eq!(emails[0]["subject"], "Hot lead: A visitor (HOT)");
    pipeline.stop().await;
}

#[tokio::test]
async fn the_assistants_reply_on_a_whatsapp_lead_goes_to_the_sender() {
    let desk = Desk::new().await;
    let (provider, url) = Provider::start(Vec::new()).await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));
    let sender = "34600777888";
    let delivery = whatsapp_text(sender, "wamid.lead-in", "Do you have tents?");
    let (status, outcome) = post_signed(&desk, "/api/v1/webhook/whatsapp", delivery).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    let reply = outcome["replies"][0]["response"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = domain::conversation::ConversationKey::Visitor {
        source: domain::lead::LeadSource::Whatsapp,
        user_id: domain::lead::UserId::parse(sender).unwrap(),
    };
    let tenant = TenantId::parse("acme").unwrap();
    let message = domain::conversation::ChatMessage {
        role: domain::conversation::ChatRole::Assistant,
        content: reply.clone(),
        timestamp: 1,
    };
    let event = domain::events::lead_message_added(
        &tenant,
        key.lead_id(&tenant).as_str(),
        domain::lead::LeadSource::Whatsapp,
        &message,
    );
    let envelope = relay::CloudEvent::wrap(event, "rec-10", "2026-11-22T10:00:00Z".into());
    let received: ReceivedEvent =
        serde_json::from_value(serde_json::to_value(envelope).unwrap()).unwrap();
    assert!(matches!(
        outbound.handle(&received).await.unwrap(),
        Handled::Sent(_)
    ));
    let seen = provider.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, format!("/meta/{WHATSAPP_ACCOUNT}/messages"));
    assert_eq!(seen[0].body["to"], sender);
    assert_eq!(seen[0].body["text"]["body"], reply.as_str());
}

#[tokio::test]
async fn the_sample_kafka_batch_replays_through_the_function() {
    let desk = Desk::new().await;
    let (provider, url) = Provider::start(Vec::new()).await;
    let outbound = Outbound::new(&desk.stack.backend, settings(&url));
    let text = std::fs::read_to_string(
        tests::repo_root().join("events/outbound-delivery/kafka-batch.json"),
    )
    .unwrap();
    let batch: aws_lambda_events::kafka::KafkaEvent = serde_json::from_str(&text).unwrap();
    let deadline = std::time::Instant::now() + outbound::DELIVERY_BUDGET;
    let report = outbound_delivery::deliver_batch(&outbound, batch, deadline)
        .await
        .unwrap();
    // The sample's ticket and lead are not in this stack: the reply and the alert are recorded as
    // refused, the internal note asks for nothing, and nothing reaches a provider.
    assert_eq!(
        report,
        outbound_delivery::BatchReport {
            failed: 2,
            nothing_to_do: 1,
            ..Default::default()
        }
    );
    assert!(provider.seen().is_empty());
}
