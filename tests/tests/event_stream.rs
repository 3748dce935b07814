//! Lifecycle events end to end: API calls only write DynamoDB; moto's table streams feed the relay
//! the way Lambda's event source mapping does (the devserver's stream feed), and a real consumer
//! reads the CloudEvents back from a real Kafka-protocol broker (tansu).
//!
//! Run under `make test` (moto and tansu): `infra/moto.sh -- infra/tansu.sh -- cargo test -p tests
//! --test event_stream --locked`.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{Method, StatusCode};
use relay::{RelaySettings, Topics};
use serde_json::{Value, json};
use tests::kafka::{self, Broker, EventReader, Feed, Published};
use tests::{Auth, KEY_A, Stack, call_as};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How long events may take to show up once they can be delivered: the feed polls every half
/// second, and after an outage the producer reconnects and the feed's backoff runs out first
/// (a few seconds when they work).
const WAIT: Duration = Duration::from_secs(60);

const TICKETS: &str = "support-tickets";
const MESSAGES: &str = "support-messages";

/// A website opens a ticket for a WhatsApp handle with the tenant's API key; returns the ticket's
/// and the customer's ids.
async fn open_ticket(app: &Router, handle: &str, first_message: &str) -> (String, String) {
    let body = json!({
        "source": {"channel": "whatsapp"},
        "customer": {"channel_identity": handle, "name": "Customer"},
        "subject": format!("Help for {handle}"),
        "initial_message": first_message,
    });
    let (status, created) = call_as(
        app,
        Method::POST,
        "/api/tickets/create",
        Auth::Key(KEY_A),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    (
        created["ticket_id"].as_str().unwrap().to_owned(),
        created["customer"]["internal_id"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

/// Adds a message to a ticket: as the agent whose token is given, else as the customer.
async fn add_message(app: &Router, ticket: &str, auth: Auth<'_>, content: &str) {
    let (status, body) = call_as(
        app,
        Method::POST,
        &format!("/api/tickets/{ticket}/message"),
        auth,
        Some(&json!({ "content": content }).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn event_type(name: &str) -> String {
    format!("com.frontdesk.{name}")
}

/// `(topic, key, type)` of each event, sorted, to compare as a multiset.
fn shapes(events: &[Published]) -> Vec<(String, String, String)> {
    let mut shapes: Vec<_> = events
        .iter()
        .map(|event| {
            (
                event.topic.clone(),
                event.key.clone(),
                event.kind().to_owned(),
            )
        })
        .collect();
    shapes.sort();
    shapes
}

fn expected(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut shapes: Vec<_> = list
        .iter()
        .map(|(topic, key, name)| ((*topic).to_owned(), (*key).to_owned(), event_type(name)))
        .collect();
    shapes.sort();
    shapes
}

/// The types of the events on `topic` about `key`, in the order a consumer got them.
fn sequence<'a>(events: &'a [Published], topic: &str, key: &str) -> Vec<&'a str> {
    events
        .iter()
        .filter(|event| event.topic == topic && event.key == key)
        .map(Published::kind)
        .collect()
}

fn contents<'a>(events: &'a [Published], key: &str) -> Vec<&'a str> {
    events
        .iter()
        .filter(|event| event.topic == MESSAGES && event.key == key)
        .map(|event| event.event["data"]["message"]["content"].as_str().unwrap())
        .collect()
}

/// Every event id once.
fn assert_no_duplicates(events: &[Published]) {
    let ids: HashSet<&str> = events.iter().map(Published::id).collect();
    assert_eq!(
        ids.len(),
        events.len(),
        "an event arrived twice: {:#?}",
        events.iter().map(Published::id).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ticket_and_a_reply_publish_exactly_their_cloud_events() {
    let stack = Stack::new().await;
    let bootstrap = kafka::bootstrap_servers();
    let relay = kafka::relay(&stack.backend, RelaySettings::local(&bootstrap)).await;
    let _feed = Feed::start(&stack.backend, relay);
    let reader = EventReader::new(&bootstrap, &Topics::default());
    let app = stack.app();
    let ana = stack.token("ana").await;

    let (ticket, customer) = open_ticket(&app, "+34600111222", "Where is my order?").await;
    add_message(&app, &ticket, Auth::Bearer(&ana), "It ships today.").await;

    let events = reader.about(&[&ticket, &customer], 6, WAIT).await;
    assert_eq!(
        shapes(&events),
        expected(&[
            (TICKETS, &customer, "customer.created"),
            (TICKETS, &ticket, "ticket.created"),
            // The agent's first public reply opens the ticket.
            (TICKETS, &ticket, "ticket.updated"),
            (TICKETS, &ticket, "ticket.status_changed"),
            (MESSAGES, &ticket, "message.added"),
            (MESSAGES, &ticket, "message.added"),
        ]),
        "{events:#?}"
    );
    assert_no_duplicates(&events);
    // One key, one partition: a ticket's events arrive in the order they happened.
    assert_eq!(
        sequence(&events, TICKETS, &ticket),
        [
            event_type("ticket.created"),
            event_type("ticket.updated"),
            event_type("ticket.status_changed")
        ]
    );
    assert_eq!(
        contents(&events, &ticket),
        ["Where is my order?", "It ships today."]
    );

    for published in &events {
        let event = &published.event;
        let kind = published.kind();
        assert_eq!(event["specversion"], "1.0", "{event}");
        assert_eq!(event["source"], "/frontdesk/tenants/acme", "{event}");
        assert_eq!(event["subject"], published.key.as_str(), "{event}");
        assert_eq!(event["datacontenttype"], "application/json", "{event}");
        let name = kind
            .strip_prefix("com.frontdesk.")
            .expect("a Frontdesk type");
        assert!(
            published.id().ends_with(&format!(":{name}")),
            "the id names the record and the kind: {event}"
        );
        let time = event["time"].as_str().expect("a time");
        assert!(
            OffsetDateTime::parse(time, &Rfc3339).is_ok(),
            "time is RFC 3339: {time}"
        );
        assert!(event["data"].is_object(), "{event}");
    }
    let of = |name: &str| -> Vec<&Value> {
        events
            .iter()
            .filter(|published| published.kind() == event_type(name))
            .map(|published| &published.event["data"])
            .collect()
    };
    assert_eq!(
        of("customer.created")[0]["customer"]["internal_id"],
        customer.as_str()
    );
    assert_eq!(
        of("ticket.created")[0]["ticket"]["ticket_id"],
        ticket.as_str()
    );
    assert_eq!(of("ticket.created")[0]["ticket"]["status"], "new");
    assert_eq!(of("ticket.updated")[0]["changed"], json!(["status"]));
    let status = of("ticket.status_changed")[0];
    assert_eq!(
        (&status["from"], &status["to"]),
        (&json!("new"), &json!("open"))
    );
    let directions: Vec<&Value> = of("message.added")
        .iter()
        .map(|data| &data["direction"])
        .collect();
    assert_eq!(directions, [&json!("inbound"), &json!("outbound")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_of_changes_made_while_the_broker_was_down_arrive_once_it_is_back() {
    let stack = Stack::new().await;
    let mut broker = Broker::start().await;
    // A short delivery timeout, so the relay reports failures (and the feed retries) while the
    // broker is down instead of holding one publish for the whole outage.
    let settings = RelaySettings {
        delivery_timeout: Duration::from_secs(2),
        ..RelaySettings::local(&broker.bootstrap_servers())
    };
    let relay = kafka::relay(&stack.backend, settings).await;
    let _feed = Feed::start(&stack.backend, relay);
    let app = stack.app();
    let ana = stack.token("ana").await;

    // Before the outage: a ticket, and all its events read back (the broker keeps them only in
    // memory, so they are read before it goes).
    let reader = EventReader::new(&broker.bootstrap_servers(), &Topics::default());
    let (first, first_customer) = open_ticket(&app, "+34600000001", "Hello").await;
    let mut events = reader.about(&[&first, &first_customer], 3, WAIT).await;
    assert_eq!(events.len(), 3, "{events:#?}");
    drop(reader);

    // The broker goes away; the API keeps answering as before.
    broker.stop();
    let outage = Instant::now();
    add_message(&app, &first, Auth::Bearer(&ana), "On it").await;
    let (second, second_customer) = open_ticket(&app, "+34600000002", "Anyone there?").await;
    for n in 1..=3 {
        add_message(&app, &second, Auth::Key(KEY_A), &format!("follow-up {n}")).await;
    }
    // Long enough for deliveries to time out and be retried more than once.
    tokio::time::sleep(Duration::from_secs(6)).await;
    broker.restart().await;
    eprintln!("broker down for {:?}", outage.elapsed());

    let reader = EventReader::new(&broker.bootstrap_servers(), &Topics::default());
    let back = Instant::now();
    events.extend(
        reader
            .about(
                &[&first, &first_customer, &second, &second_customer],
                9,
                WAIT,
            )
            .await,
    );
    eprintln!(
        "events of the outage arrived {:?} after the broker came back",
        back.elapsed()
    );

    assert_eq!(
        shapes(&events),
        expected(&[
            (TICKETS, &first_customer, "customer.created"),
            (TICKETS, &first, "ticket.created"),
            (MESSAGES, &first, "message.added"),
            // During the outage.
            (MESSAGES, &first, "message.added"),
            (TICKETS, &first, "ticket.updated"),
            (TICKETS, &first, "ticket.status_changed"),
            (TICKETS, &second_customer, "customer.created"),
            (TICKETS, &second, "ticket.created"),
            (MESSAGES, &second, "message.added"),
            (MESSAGES, &second, "message.added"),
            (MESSAGES, &second, "message.added"),
            (MESSAGES, &second, "message.added"),
        ]),
        "{events:#?}"
    );
    assert_no_duplicates(&events);
    assert_eq!(
        sequence(&events, TICKETS, &first),
        [
            event_type("ticket.created"),
            event_type("ticket.updated"),
            event_type("ticket.status_changed")
        ]
    );
    assert_eq!(contents(&events, &first), ["Hello", "On it"]);
    assert_eq!(
        contents(&events, &second),
        ["Anyone there?", "follow-up 1", "follow-up 2", "follow-up 3"]
    );
}

/// A WhatsApp text to acme's demo number, signed with its app secret.
async fn whatsapp_delivery(app: &Router, from: &str, id: &str, text: &str) -> Value {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": from}],
            "messages": [{"from": from, "id": id, "timestamp": "1749416383", "type": "text", "text": {"body": text}}]
        }}]}]
    })
    .to_string();
    let secret = devserver::demo::CHANNEL_ACCOUNTS[0].signing_secret;
    let request = axum::http::Request::post("/api/webhooks/whatsapp")
        .header("content-type", "application/json")
        .header(
            channels::signature::META_SIGNATURE_HEADER,
            channels::signature::sign_meta(secret, body.as_bytes()),
        )
        .body(axum::body::Body::from(body))
        .unwrap();
    let (status, outcome) = tests::send(app, request).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_transaction_does_not_stop_the_events_of_later_writes() {
    let stack = Stack::new().await;
    let bootstrap = kafka::bootstrap_servers();
    let relay = kafka::relay(&stack.backend, RelaySettings::local(&bootstrap)).await;
    let _feed = Feed::start(&stack.backend, relay);
    let reader = EventReader::new(&bootstrap, &Topics::default());
    let app = stack.app();

    let from = "34600777001";
    whatsapp_delivery(&app, from, "wamid.first", "Hello").await;
    // The provider repeats the delivery: its transaction on the Tickets table is refused.
    let repeated = whatsapp_delivery(&app, from, "wamid.first", "Hello").await;
    assert_eq!(repeated["duplicates"], 1, "{repeated}");
    // A write after the refusal still reaches the stream, the relay and the consumer.
    whatsapp_delivery(&app, from, "wamid.second", "Are you there?").await;

    let query = usecases::tickets::TicketQuery {
        limit: 10,
        ..Default::default()
    };
    let ticket = usecases::tickets::TicketReader::tickets(
        &stack.backend.tickets(),
        &domain::TenantId::parse("acme").unwrap(),
        &query,
    )
    .await
    .unwrap()
    .tickets[0]
        .ticket_id
        .to_string();
    let events = reader.about(&[&ticket], 3, WAIT).await;
    assert_eq!(
        contents(&events, &ticket),
        ["Hello", "Are you there?"],
        "{events:#?}"
    );
    assert_no_duplicates(&events);
}
