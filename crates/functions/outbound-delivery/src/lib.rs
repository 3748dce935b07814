//! The `outbound-delivery` function: an MSK (or self-managed Kafka) event source mapping on the
//! messages and leads topics invokes it with batches of the relay's CloudEvents; it delivers what
//! each asks for (see the `outbound` crate), partition by partition in order.
//!
//! A batch whose delivery must be retried fails as a whole and the event source delivers it again;
//! what was already sent is not sent again, because every delivery has its record.

use std::time::{Duration, Instant};

use aws_lambda_events::kafka::KafkaEvent;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lambda_runtime::{LambdaEvent, service_fn};
use outbound::{Handled, Outbound, OutboundSettings, ReceivedEvent, RetryLater};

/// What one batch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchReport {
    pub sent: usize,
    pub already_done: usize,
    pub failed: usize,
    pub nothing_to_do: usize,
    /// Records that are not events of ours; logged and skipped so they cannot block the topic.
    pub unreadable: usize,
}

/// Reads the configuration (every missing variable reported at once), builds the clients once,
/// and serves Kafka batches until the execution environment ends.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    let (backend, settings) = store::Backend::from_env_with(OutboundSettings::read).await?;
    let outbound = Outbound::new(&backend, settings);
    lambda_runtime::run(service_fn(|event: LambdaEvent<KafkaEvent>| {
        let outbound = outbound.clone();
        async move {
            let invocation = telemetry::Invocation::begin();
            let records: usize = event.payload.records.values().map(Vec::len).sum();
            let deadline = invocation_deadline(event.context.deadline);
            let outcome = deliver_batch(&outbound, event.payload, deadline).await;
            let context = telemetry::BatchContext {
                request_id: &event.context.request_id,
                trace_id: event.context.xray_trace_id.as_deref(),
                source: "kafka",
            };
            let failed = match &outcome {
                Ok(report) => report.failed,
                // The whole batch comes again.
                Err(_) => records,
            };
            telemetry::finish_batch(invocation, &context, records, failed);
            outcome?;
            Ok::<(), lambda_runtime::Error>(())
        }
    }))
    .await
}

/// What an invocation keeps back from its deadline to record outcomes and answer.
const ANSWER_MARGIN: Duration = Duration::from_secs(3);

/// The moment deliveries must be done by: the invocation's deadline (epoch ms, as the runtime
/// gives it) less the margin for recording what happened.
fn invocation_deadline(deadline_ms: u64) -> Instant {
    let left = Duration::from_millis(deadline_ms.saturating_sub(usecases::clock::now_ms()));
    Instant::now() + left.saturating_sub(ANSWER_MARGIN)
}

/// Delivers a batch: each partition's records in offset order, each retried only while it can
/// end before `deadline`; what is left then comes again with the batch.
pub async fn deliver_batch(
    outbound: &Outbound,
    batch: KafkaEvent,
    deadline: Instant,
) -> Result<BatchReport, RetryLater> {
    let mut partitions: Vec<_> = batch.records.into_iter().collect();
    partitions.sort_by(|a, b| a.0.cmp(&b.0));
    let mut report = BatchReport::default();
    for (_, mut records) in partitions {
        records.sort_by_key(|record| record.offset);
        for record in records {
            let Some(event) = decode(record.value.as_deref()) else {
                tracing::warn!(topic = ?record.topic, offset = record.offset, "a record that is not a Frontdesk event; skipped");
                report.unreadable += 1;
                continue;
            };
            match outbound.handle_by(&event, deadline).await? {
                Handled::Sent(_) => report.sent += 1,
                Handled::AlreadyDone => report.already_done += 1,
                Handled::Failed(_) => report.failed += 1,
                Handled::Nothing => report.nothing_to_do += 1,
            }
        }
    }
    Ok(report)
}

/// A record's value (base64, as Lambda hands it over) as the relay's event.
fn decode(value: Option<&str>) -> Option<ReceivedEvent> {
    let bytes = STANDARD.decode(value?).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_decode_from_base64_json_and_anything_else_is_refused() {
        let event = serde_json::json!({
            "specversion": "1.0", "id": "e1:message.added", "source": "/frontdesk/tenants/acme",
            "type": "com.frontdesk.message.added", "subject": "tkt_1", "time": "2026-11-22T10:00:00Z",
            "tenantid": "acme", "data": {"ticket_id": "tkt_1"}
        });
        let encoded = STANDARD.encode(event.to_string());
        let decoded = decode(Some(&encoded)).unwrap();
        assert_eq!(decoded.id, "e1:message.added");
        assert_eq!(decoded.tenantid, "acme");
        assert_eq!(decode(Some("not base64!")).map(|e| e.id), None);
        assert_eq!(decode(Some(&STANDARD.encode("{}"))).map(|e| e.id), None);
        assert_eq!(decode(None).map(|e| e.id), None);
    }
}
