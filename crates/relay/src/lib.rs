//! The relay: DynamoDB stream records in, domain events out to Kafka as CloudEvents. API
//! functions only write to DynamoDB; this turns each committed change into its events, so no API
//! call waits on the broker and no committed change loses its event.
//!
//! Records are published strictly in stream order, each awaited before the next, and the first
//! record that cannot be published is reported as the batch item failure: Lambda then retries
//! from it, so a record is never skipped and events of one aggregate never overtake each other.

pub mod envelope;
pub mod kafka;
pub mod settings;

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureRecord, Producer as _};
use rdkafka::types::RDKafkaErrorCode;
use thiserror::Error;
use tokio::sync::RwLock;

pub use envelope::CloudEvent;
pub use kafka::Producer;
pub use rdkafka;
pub use settings::{Bootstrap, KafkaAuth, RelaySettings, ScramCredentials, Topics};

#[derive(Debug, Error)]
pub enum RelayError {
    #[error("Kafka: {0}")]
    Kafka(String),
}

/// Why one record was not published.
#[derive(Debug, Error)]
enum PublishError {
    #[error("the record's images do not decode: {0}")]
    Undecodable(#[from] store::StoreError),
    #[error("publishing {event_id} failed: {reason}")]
    Delivery { event_id: String, reason: String },
}

/// Publishes the events of stream records. Cheap to clone: clones share one producer.
#[derive(Clone)]
pub struct Relay {
    producer: Arc<RwLock<Producer>>,
    topics: Topics,
    settings: Arc<RelaySettings>,
    config: SdkConfig,
}

impl Relay {
    /// Builds the producer (once per cold start).
    pub async fn connect(
        mut settings: RelaySettings,
        config: &SdkConfig,
    ) -> Result<Self, RelayError> {
        settings.reveal_credentials(config).await?;
        let producer = kafka::producer(&settings, config).await?;
        kafka::warm_up(&producer, &settings.topics, settings.delivery_timeout).await;
        Ok(Self {
            producer: Arc::new(RwLock::new(producer)),
            topics: settings.topics.clone(),
            settings: Arc::new(settings),
            config: config.clone(),
        })
    }

    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    /// Publishes the events of every record in order. Every delivery is confirmed before this
    /// returns; the first record that could not be published, if any, is the one failure
    /// reported, so only it and what follows it are retried.
    pub async fn handle(&self, event: Event) -> DynamoDbEventResponse {
        let mut response = DynamoDbEventResponse::default();
        let producer = self.producer.read().await.clone();
        for record in event.records {
            let sequence = record.change.sequence_number.clone();
            let published = self.publish(&producer, record).await;
            if let Ok(events) = published {
                telemetry::count(telemetry::Figure::EventsPublished, events as u64);
            }
            if let Err(error) = published {
                telemetry::count(telemetry::Figure::EventsFailed, 1);
                tracing::warn!(%error, sequence = ?sequence, "record not published; it will be retried");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = sequence;
                response.batch_item_failures.push(failure);
                if matches!(error, PublishError::Delivery { .. }) {
                    self.replace_producer(&producer).await;
                }
                break;
            }
        }
        response
    }

    /// After a failed delivery a new producer takes over for the retry. An idempotent producer
    /// whose messages timed out bumps its epoch, and a broker that lost its state in the
    /// meantime (restarted, or a partition moved) may refuse it forever without librdkafka
    /// calling it fatal; a new producer gets a new producer id. Failures are rare, so is this.
    async fn replace_producer(&self, failed: &Producer) {
        if let Some((code, reason)) = failed.client().fatal_error() {
            tracing::warn!(?code, %reason, "the producer failed fatally");
        }
        match kafka::producer(&self.settings, &self.config).await {
            Ok(fresh) => {
                tracing::info!("a new producer takes over after a failed delivery");
                *self.producer.write().await = fresh;
            }
            Err(error) => tracing::error!(%error, "could not build a new producer"),
        }
    }

    /// Publishes one record's events and waits for every delivery report; answers how many.
    async fn publish(
        &self,
        producer: &Producer,
        record: EventRecord,
    ) -> Result<usize, PublishError> {
        let EventRecord {
            event_id, change, ..
        } = record;
        let events =
            store::stream::record_events(&change.keys, change.old_image, change.new_image)?;
        let time = change.approximate_creation_date_time.to_rfc3339();
        let mut deliveries = Vec::with_capacity(events.len());
        for event in events {
            let topic = self.topics.of(event.kind.stream()).to_owned();
            let envelope = CloudEvent::wrap(event, &event_id, time.clone());
            let payload =
                serde_json::to_vec(&envelope).expect("a CloudEvent of JSON values serialises");
            let headers = OwnedHeaders::new().insert(Header {
                key: "content-type",
                value: Some(envelope::CONTENT_TYPE),
            });
            let record = FutureRecord::to(&topic)
                .key(&envelope.subject)
                .payload(&payload)
                .headers(headers);
            let delivery =
                producer
                    .send_result(record)
                    .map_err(|(error, _)| PublishError::Delivery {
                        event_id: envelope.id.clone(),
                        reason: error.to_string(),
                    })?;
            deliveries.push((envelope.id, delivery));
        }
        let published = deliveries.len();
        for (event_id, delivery) in deliveries {
            let failed = |reason: String| PublishError::Delivery {
                event_id: event_id.clone(),
                reason,
            };
            match delivery.await {
                Ok(Ok(_)) => {}
                Ok(Err((error, _))) => return Err(failed(error.to_string())),
                Err(_) => return Err(failed("the producer was dropped".to_owned())),
            }
        }
        Ok(published)
    }
}

/// Creates the topics if they do not exist (the local broker and tests; deployed topics belong to
/// the MSK cluster's owners).
pub async fn ensure_topics(bootstrap_servers: &str, topics: &Topics) -> Result<(), RelayError> {
    let admin: AdminClient<DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers)
        .create()
        .map_err(|error| RelayError::Kafka(error.to_string()))?;
    let wanted: Vec<NewTopic> = topics
        .all()
        .into_iter()
        .map(|name| NewTopic::new(name, 3, TopicReplication::Fixed(1)))
        .collect();
    let results = admin
        .create_topics(&wanted, &AdminOptions::new())
        .await
        .map_err(|error| RelayError::Kafka(error.to_string()))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(RelayError::Kafka(format!("creating topic {topic}: {code}")));
            }
        }
    }
    Ok(())
}
