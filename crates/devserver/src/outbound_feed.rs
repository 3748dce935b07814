//! The local stand-in for Lambda's Kafka event source mapping of `outbound-delivery`: consumes
//! the messages and leads topics with a consumer group and hands each record to the function's
//! batch handler as the `KafkaEvent` it gets when deployed. A record whose delivery must be
//! retried is handed over again after a growing pause, and its offset is committed only once it
//! is done, so nothing is skipped and each partition keeps its order.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use aws_lambda_events::kafka::{KafkaEvent, KafkaRecord};
use base64::Engine as _;
use outbound::Outbound;
use relay::rdkafka::Message;
use relay::rdkafka::config::ClientConfig;
use relay::rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use tracing::{info, warn};

const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Consumes `topics` as `group` and delivers their events until `shutdown` completes.
pub async fn run(
    outbound: Outbound,
    bootstrap_servers: String,
    topics: Vec<String>,
    group: String,
    shutdown: impl Future<Output = ()>,
) {
    let consumer: StreamConsumer = match ClientConfig::new()
        .set("bootstrap.servers", &bootstrap_servers)
        .set("group.id", &group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()
    {
        Ok(consumer) => consumer,
        Err(error) => {
            warn!(%error, "outbound delivery is off: no Kafka consumer");
            return;
        }
    };
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    if let Err(error) = consumer.subscribe(&names) {
        warn!(%error, "outbound delivery is off: cannot subscribe");
        return;
    }
    info!(topics = ?topics, %group, "delivering outbound messages and alerts from Kafka");
    tokio::pin!(shutdown);
    loop {
        let message = tokio::select! {
            () = &mut shutdown => return,
            received = consumer.recv() => match received {
                Ok(message) => message,
                Err(error) => {
                    warn!(%error, "reading the event topics");
                    tokio::time::sleep(FIRST_BACKOFF).await;
                    continue;
                }
            },
        };
        let mut record = KafkaRecord::default();
        record.topic = Some(message.topic().to_owned());
        record.partition = i64::from(message.partition());
        record.offset = message.offset();
        record.key = message
            .key()
            .map(|key| base64::engine::general_purpose::STANDARD.encode(key));
        record.value = message
            .payload()
            .map(|value| base64::engine::general_purpose::STANDARD.encode(value));
        let mut batch = KafkaEvent::default();
        batch.records = HashMap::from([(
            format!("{}-{}", message.topic(), message.partition()),
            vec![record],
        )]);
        let mut backoff = FIRST_BACKOFF;
        loop {
            let deadline = std::time::Instant::now() + outbound::DELIVERY_BUDGET;
            match outbound_delivery::deliver_batch(&outbound, batch.clone(), deadline).await {
                Ok(report) => {
                    if report.sent + report.failed > 0 {
                        info!(
                            ?report,
                            offset = message.offset(),
                            "outbound record delivered"
                        );
                    }
                    break;
                }
                Err(error) => {
                    warn!(%error, ?backoff, "outbound delivery will be retried");
                    tokio::select! {
                        () = &mut shutdown => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        if let Err(error) = consumer.commit_message(&message, CommitMode::Async) {
            warn!(%error, "committing an outbound offset");
        }
    }
}
