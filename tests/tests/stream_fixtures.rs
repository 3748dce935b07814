//! The table-stream samples in `events/stream-relay/` decoded into domain events: every kind of
//! event, from the images the store really writes. (The relay's publishing is tested against a
//! real broker in `event_stream.rs`.)

use std::collections::BTreeSet;

use aws_lambda_events::dynamodb::Event;
use domain::events::{DomainEvent, EventKind};
use tests::repo_root;

use EventKind::*;

/// Each sample file, and the event kinds of each of its records, in order.
const SAMPLES: &[(&str, &[&[EventKind]])] = &[
    (
        "tickets-stream.json",
        &[
            &[TicketCreated],
            &[MessageAdded],
            &[MessageAdded],
            // A system event on the timeline: reported by the ticket's own events.
            &[],
            &[TicketUpdated, TicketStatusChanged],
            &[TicketUpdated, TicketAssigned],
            &[TicketUpdated, TicketStatusChanged, TicketResolved],
        ],
    ),
    (
        "customers-stream.json",
        // Filling in a known customer's email is not a lifecycle event.
        &[&[CustomerCreated], &[]],
    ),
    (
        "leads-stream.json",
        &[
            &[LeadCreated],
            &[LeadUpdated],
            &[LeadUpdated, LeadIntentChanged, LeadBecameReady],
            &[LeadUpdated, LeadConverted],
            &[LeadMessageAdded],
        ],
    ),
];

fn decode(file: &str) -> Vec<Vec<DomainEvent>> {
    let path = repo_root().join("events/stream-relay").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let event: Event = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{file} is not a DynamoDB stream event: {error}"));
    event
        .records
        .into_iter()
        .map(|record| {
            let change = record.change;
            store::stream::record_events(&change.keys, change.old_image, change.new_image)
                .unwrap_or_else(|error| panic!("{file}: {error}"))
        })
        .collect()
}

#[test]
fn every_sample_record_yields_its_events() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(repo_root().join("events/stream-relay"))
        .unwrap()
        .map(|file| file.unwrap().file_name().into_string().unwrap())
        .collect();
    let expected: BTreeSet<String> = SAMPLES.iter().map(|(file, _)| (*file).to_owned()).collect();
    assert_eq!(
        on_disk, expected,
        "every stream sample has its expectation here"
    );

    let mut seen = BTreeSet::new();
    for (file, records) in SAMPLES {
        let decoded = decode(file);
        assert_eq!(decoded.len(), records.len(), "{file}");
        for (index, (events, kinds)) in decoded.iter().zip(records.iter()).enumerate() {
            let got: Vec<EventKind> = events.iter().map(|event| event.kind).collect();
            assert_eq!(&got, kinds, "{file} record {index}");
            for event in events {
                assert_eq!(event.tenant.as_str(), "acme");
                seen.insert(event.kind);
            }
        }
    }
    let every: BTreeSet<EventKind> = EventKind::ALL.into_iter().collect();
    assert_eq!(seen, every, "the samples cover every kind of event");
}

#[test]
fn events_carry_their_aggregate_and_what_changed() {
    let tickets = decode("tickets-stream.json");
    for event in tickets.iter().flatten() {
        assert_eq!(event.aggregate_id, "tkt_0a1b2c3d4e5f", "{:?}", event.kind);
    }
    assert_eq!(tickets[1][0].data["direction"], "inbound");
    assert_eq!(tickets[2][0].data["direction"], "outbound");
    assert_eq!(tickets[2][0].data["message"]["agent_id"], "ana");
    assert_eq!(tickets[4][1].data["from"], "new");
    assert_eq!(tickets[4][1].data["to"], "open");
    assert_eq!(tickets[5][1].data["to"], "ana");
    assert_eq!(
        tickets[0][0].data["ticket"]["subject"],
        "Order #1042 never arrived"
    );

    let customers = decode("customers-stream.json");
    assert_eq!(customers[0][0].aggregate_id, "cust_00aa11bb22cc");

    let leads = decode("leads-stream.json");
    assert_eq!(leads[0][0].aggregate_id, "lead_1795381200000_k3j5h2a");
    assert_eq!(leads[2][1].data["to"], "HOT");
    assert_eq!(leads[2][1].data["from"], serde_json::Value::Null);
    assert_eq!(
        leads[4][0].aggregate_id,
        "lead_s_3f0c2a8e-4b1d-4c6e-9a7f-2d5b8e1c0a93"
    );
    assert_eq!(leads[4][0].data["role"], "user");
    assert_eq!(leads[4][0].data["content"], "Do you have two-person tents?");
}
