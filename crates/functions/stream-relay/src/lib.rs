//! The `stream-relay` function: the DynamoDB stream event source mapping of the tickets,
//! customers and leads tables invokes it with a batch of records; it publishes their events and
//! answers which record to retry from (`ReportBatchItemFailures`).

use aws_lambda_events::dynamodb::Event;
use aws_lambda_events::streams::DynamoDbEventResponse;
use domain::settings::Settings;
use lambda_runtime::{LambdaEvent, service_fn};
use relay::{Relay, RelaySettings};

/// Reads the configuration (every missing variable reported at once), builds the producer once,
/// and serves stream batches until the execution environment ends.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    let mut settings = Settings::from_env();
    let relay_settings = RelaySettings::read(&mut settings);
    settings.finish()?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let relay = Relay::connect(relay_settings, &config).await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Event>| {
        let relay = relay.clone();
        async move {
            let invocation = telemetry::Invocation::begin();
            let records = event.payload.records.len();
            let answer = relay.handle(event.payload).await;
            let context = telemetry::BatchContext {
                request_id: &event.context.request_id,
                trace_id: event.context.xray_trace_id.as_deref(),
                source: "dynamodb-stream",
            };
            telemetry::finish_batch(
                invocation,
                &context,
                records,
                answer.batch_item_failures.len(),
            );
            Ok::<DynamoDbEventResponse, lambda_runtime::Error>(answer)
        }
    }))
    .await
}
