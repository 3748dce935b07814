//! The relay's delivery rule against a real broker: the first record whose events cannot be
//! published is the one reported for retry, nothing after it is published first, and retrying
//! from it delivers the rest in order, each event once.

use std::time::Duration;

use aws_lambda_events::dynamodb::{Event, EventRecord};
use relay::rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use relay::rdkafka::client::DefaultClientContext;
use relay::rdkafka::config::ClientConfig;
use relay::{Relay, RelaySettings, Topics};
use store::{Backend, TableNames};
use tests::kafka::{EventReader, bootstrap_servers};
use tests::repo_root;

fn sample_records(file: &str) -> Vec<EventRecord> {
    let text = std::fs::read_to_string(repo_root().join("events/stream-relay").join(file)).unwrap();
    serde_json::from_str::<Event>(&text).unwrap().records
}

fn batch(records: &[EventRecord]) -> Event {
    let mut event = Event::default();
    event.records = records.to_vec();
    event
}

async fn create_topics(servers: &str, names: &[&str]) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", servers)
        .create()
        .unwrap();
    let topics: Vec<NewTopic> = names
        .iter()
        .map(|name| NewTopic::new(name, 3, TopicReplication::Fixed(1)))
        .collect();
    for result in admin
        .create_topics(&topics, &AdminOptions::new())
        .await
        .unwrap()
    {
        result.unwrap_or_else(|(topic, code)| panic!("creating {topic}: {code}"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_mid_batch_retries_from_the_failed_record_and_order_holds() {
    let servers = bootstrap_servers();
    let run = usecases::clock::random_u64() % 1_000_000;
    let topics = Topics {
        tickets: format!("delivery-{run}-tickets"),
        messages: format!("delivery-{run}-messages"),
        leads: format!("delivery-{run}-leads"),
    };
    // The leads topic does not exist yet: publishing a lead event fails until it does.
    create_topics(&servers, &[&topics.tickets, &topics.messages]).await;
    let mut settings = RelaySettings::local(&servers);
    settings.topics = topics.clone();
    settings.delivery_timeout = Duration::from_secs(3);
    let backend = Backend::connect(TableNames::with_prefix("unused-")).await;
    let relay = Relay::connect(settings, backend.sdk_config())
        .await
        .unwrap();

    let tickets = sample_records("tickets-stream.json");
    let leads = sample_records("leads-stream.json");
    // Ticket created, two messages, then a lead, then the ticket's status changes.
    let mut records = tickets[..3].to_vec();
    records.push(leads[0].clone());
    records.extend_from_slice(&tickets[4..]);
    let failed_sequence = leads[0].change.sequence_number.clone();

    let response = relay.handle(batch(&records)).await;
    let failures: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|failure| failure.item_identifier.clone())
        .collect();
    assert_eq!(
        failures,
        std::slice::from_ref(&failed_sequence),
        "only the lead's record is reported"
    );

    create_topics(&servers, &[&topics.leads]).await;
    let reader = EventReader::new(&servers, &topics);
    let ticket = "tkt_0a1b2c3d4e5f";
    let lead = "lead_1795381200000_k3j5h2a";
    let before_retry = reader
        .about(&[ticket, lead], 3, Duration::from_secs(10))
        .await;
    // Two topics are read, so only each topic's own order is defined: compare as a set.
    let mut kinds: Vec<&str> = before_retry.iter().map(|event| event.kind()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "com.frontdesk.message.added",
            "com.frontdesk.message.added",
            "com.frontdesk.ticket.created"
        ],
        "nothing after the failed record was published"
    );

    // Lambda retries from the reported record.
    let retry_from = records
        .iter()
        .position(|record| record.change.sequence_number == failed_sequence)
        .unwrap();
    let response = relay.handle(batch(&records[retry_from..])).await;
    assert!(response.batch_item_failures.is_empty());

    // The reader goes on from where it stopped: together, everything published.
    let mut everything = before_retry;
    everything.extend(
        reader
            .about(&[ticket, lead], 8, Duration::from_secs(15))
            .await,
    );
    let ticket_kinds: Vec<&str> = everything
        .iter()
        .filter(|event| event.key == ticket && event.topic == topics.tickets)
        .map(|event| event.kind())
        .collect();
    assert_eq!(
        ticket_kinds,
        [
            "com.frontdesk.ticket.created",
            "com.frontdesk.ticket.updated",
            "com.frontdesk.ticket.status_changed",
            "com.frontdesk.ticket.updated",
            "com.frontdesk.ticket.assigned",
            "com.frontdesk.ticket.updated",
            "com.frontdesk.ticket.status_changed",
            "com.frontdesk.ticket.resolved",
        ],
        "the ticket's lifecycle in order"
    );
    let lead_kinds: Vec<&str> = everything
        .iter()
        .filter(|event| event.key == lead)
        .map(|event| event.kind())
        .collect();
    assert_eq!(lead_kinds, ["com.frontdesk.lead.created"]);
    let mut ids: Vec<&str> = everything.iter().map(|event| event.id()).collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "no event twice");
    assert_eq!(total, 11);
}
