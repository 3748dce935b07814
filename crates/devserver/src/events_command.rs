//! `devserver events` (what `make events` runs): tails the event topics of the running `make dev`
//! from their first event on and prints one line per event (topic, key, type, id, subject, time),
//! so a person sees what an API call published.
//!
//! The broker's address and the topic names come from the `.env.local` that `make dev` wrote.

use std::time::Duration;

use relay::rdkafka::config::ClientConfig;
use relay::rdkafka::consumer::{Consumer, StreamConsumer};
use relay::rdkafka::{Message, Offset, TopicPartitionList};
use serde_json::Value;

use crate::token_command::parse_dotenv;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The topic variables `make dev` writes, with the relay's defaults.
const TOPICS: [(&str, &str); 3] = [
    ("KAFKA_TOPIC_TICKETS", "support-tickets"),
    ("KAFKA_TOPIC_MESSAGES", "support-messages"),
    ("KAFKA_TOPIC_LEADS", "leads"),
];

pub async fn run(env_file: &str) -> Result<(), Error> {
    let text = std::fs::read_to_string(env_file).map_err(|error| {
        format!("cannot read {env_file} ({error}): start the local stack with `make dev` first")
    })?;
    let vars = parse_dotenv(&text);
    let bootstrap = vars.get("KAFKA_BOOTSTRAP_SERVERS").ok_or_else(|| {
        format!("{env_file} has no KAFKA_BOOTSTRAP_SERVERS: restart `make dev` to rewrite it")
    })?;
    let topics: Vec<String> = TOPICS
        .iter()
        .map(|(name, default)| vars.get(*name).map_or(*default, String::as_str).to_owned())
        .collect();

    // No consumer group: every partition is assigned from its beginning, so each run shows the
    // whole history and never disturbs (or waits for) another reader.
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set(
            "group.id",
            format!("frontdesk-events-{}", std::process::id()),
        )
        .set("enable.auto.commit", "false")
        .create()?;
    let mut assignment = TopicPartitionList::new();
    for topic in &topics {
        let metadata = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .map_err(|error| {
                format!("cannot reach the broker at {bootstrap} ({error}): is `make dev` running?")
            })?;
        for partition in metadata
            .topics()
            .iter()
            .flat_map(|topic| topic.partitions())
        {
            assignment.add_partition_offset(topic, partition.id(), Offset::Beginning)?;
        }
    }
    if assignment.count() == 0 {
        return Err(format!("the broker at {bootstrap} has none of the topics {topics:?}").into());
    }
    consumer.assign(&assignment)?;
    eprintln!(
        "events on {bootstrap} ({}), oldest first; Ctrl-C stops",
        topics.join(", ")
    );

    loop {
        tokio::select! {
            received = consumer.recv() => {
                let message = received?;
                println!(
                    "{}",
                    describe(message.topic(), message.key(), message.payload())
                );
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// One readable line for a published event: `topic  key  type  id=…  subject=…  time`.
fn describe(topic: &str, key: Option<&[u8]>, payload: Option<&[u8]>) -> String {
    let key = key.map_or_else(
        || "-".to_owned(),
        |key| String::from_utf8_lossy(key).into_owned(),
    );
    let event: Option<Value> = payload.and_then(|payload| serde_json::from_slice(payload).ok());
    let Some(event) = event else {
        let size = payload.map_or(0, <[u8]>::len);
        return format!("{topic:<16}  {key}  (not a JSON event, {size} bytes)");
    };
    let field = |name: &str| event[name].as_str().unwrap_or("-").to_owned();
    format!(
        "{topic:<16}  {key}  {}  id={}  subject={}  {}",
        field("type"),
        field("id"),
        field("subject"),
        field("time")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_event() {
        let event = serde_json::json!({
            "specversion": "1.0",
            "type": "com.frontdesk.ticket.created",
            "id": "abc:ticket.created",
            "subject": "tk_1",
            "time": "2026-11-22T10:00:00.000Z",
            "data": {"ticket_id": "tk_1"},
        })
        .to_string();
        assert_eq!(
            describe("support-tickets", Some(b"tk_1"), Some(event.as_bytes())),
            "support-tickets   tk_1  com.frontdesk.ticket.created  id=abc:ticket.created  \
             subject=tk_1  2026-11-22T10:00:00.000Z"
        );
        assert_eq!(
            describe("leads", None, Some(b"\x00\x01")),
            "leads             -  (not a JSON event, 2 bytes)"
        );
    }
}
