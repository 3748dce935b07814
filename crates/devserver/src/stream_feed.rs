//! The local stand-in for Lambda's DynamoDB event source mapping: reads the streamed tables'
//! DynamoDB Streams (moto's, under `make dev` and the tests) and hands their records to a batch
//! handler (the relay) as the Lambda `DynamoDBEvent` it gets when deployed.
//!
//! It keeps the mapping's delivery rules, with `ReportBatchItemFailures` on: a shard's records go
//! out in order, at most [`BATCH_SIZE`] at a time; when the handler reports failed items, reading
//! starts again at the first failed record (the records after it in the batch come again too)
//! after a growing pause, so no record is ever skipped and per-key order holds. Unlike the
//! deployed mapping it retries for ever: there is no record age limit or on-failure destination
//! locally, so a broker that stays down shows up as repeated warnings, not as lost events.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use aws_lambda_events::dynamodb::Event;
use aws_lambda_events::streams::DynamoDbEventResponse;
use aws_sdk_dynamodbstreams::Client as StreamsClient;
use aws_sdk_dynamodbstreams::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodbstreams::operation::get_records::GetRecordsError;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use store::{Backend, DynamoDbClient};
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

/// The event source mapping's default batch size for DynamoDB streams.
pub const BATCH_SIZE: i32 = 100;
/// How long a shard with nothing new waits before polling again (the mapping polls about four
/// times a second; moto keeps every iterator it hands out, so a slower pace keeps it lean).
const IDLE_POLL: Duration = Duration::from_millis(500);
/// How often the shard list of a stream is read again, to pick up shards opened since.
const SHARD_REFRESH: Duration = Duration::from_secs(10);
/// The pause before the first retry of a failed batch; it doubles with every failure in a row.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Whatever the mapping invokes with a batch: the relay, or a test's stand-in.
pub trait BatchHandler: Clone + Send + Sync + 'static {
    /// Handles one batch and reports the records that failed (by sequence number).
    fn handle(&self, event: Event) -> impl Future<Output = DynamoDbEventResponse> + Send;
}

impl BatchHandler for relay::Relay {
    fn handle(&self, event: Event) -> impl Future<Output = DynamoDbEventResponse> + Send {
        relay::Relay::handle(self, event)
    }
}

/// Feeds every streamed table of `backend` to `handler` until `shutdown` completes. Records
/// already in a stream when it starts are delivered too (`TRIM_HORIZON`), as a new mapping does.
pub async fn run<H: BatchHandler>(
    backend: Backend,
    handler: H,
    shutdown: impl Future<Output = ()>,
) {
    let streams = StreamsClient::new(backend.sdk_config());
    let region = backend
        .sdk_config()
        .region()
        .map_or_else(|| "us-east-1".to_owned(), ToString::to_string);
    let mut feeds = JoinSet::new();
    for (spec, table) in backend.tables.specs() {
        if spec.stream {
            let table = TableFeed {
                table: table.to_owned(),
                dynamodb: backend.dynamodb.clone(),
                streams: streams.clone(),
                region: region.clone(),
            };
            feeds.spawn(table.run(handler.clone()));
        }
    }
    // Dropping the set when shutdown wins aborts every table's and shard's task.
    tokio::select! {
        () = shutdown => {}
        _ = async { while feeds.join_next().await.is_some() {} } => {}
    }
}

/// The feed of one table's stream.
#[derive(Clone)]
struct TableFeed {
    table: String,
    dynamodb: DynamoDbClient,
    streams: StreamsClient,
    region: String,
}

impl TableFeed {
    async fn run<H: BatchHandler>(self, handler: H) {
        let stream_arn = self.stream_arn().await;
        info!(table = %self.table, stream = %stream_arn, "feeding the stream to the relay");
        let mut started = HashSet::new();
        let mut finished = HashSet::new();
        let mut shards = JoinSet::new();
        loop {
            for (shard_id, parent) in self.shards(&stream_arn).await {
                // A child shard continues its parent's keys, so it waits for the parent to end
                // (unless the parent has aged out of the stream and is no longer listed).
                let parent_pending = parent
                    .as_ref()
                    .is_some_and(|parent| started.contains(parent) && !finished.contains(parent));
                if started.contains(&shard_id) || parent_pending {
                    continue;
                }
                started.insert(shard_id.clone());
                let feed = ShardFeed {
                    table: self.clone(),
                    stream_arn: stream_arn.clone(),
                    shard_id,
                };
                shards.spawn(feed.run(handler.clone()));
            }
            let refresh = tokio::time::sleep(SHARD_REFRESH);
            tokio::pin!(refresh);
            tokio::select! {
                () = &mut refresh => {}
                Some(Ok(shard_id)) = shards.join_next() => {
                    debug!(table = %self.table, shard = %shard_id, "shard closed and fully read");
                    finished.insert(shard_id);
                }
            }
        }
    }

    /// The table's current stream, waiting for the table (it may still be being created).
    async fn stream_arn(&self) -> String {
        let mut attempt = 0;
        loop {
            match self
                .dynamodb
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
            {
                Ok(output) => {
                    if let Some(arn) = output.table().and_then(|table| table.latest_stream_arn()) {
                        return arn.to_owned();
                    }
                    warn!(table = %self.table, "the table has no stream; waiting for one");
                }
                Err(error) => {
                    warn!(table = %self.table, error = %DisplayErrorContext(&error), "cannot describe the table");
                }
            }
            attempt += 1;
            tokio::time::sleep(backoff(attempt)).await;
        }
    }

    /// Every shard of the stream with its parent, oldest first; none when the stream cannot be
    /// read right now (the next refresh tries again).
    async fn shards(&self, stream_arn: &str) -> Vec<(String, Option<String>)> {
        let mut shards = Vec::new();
        let mut start = None;
        loop {
            let output = match self
                .streams
                .describe_stream()
                .stream_arn(stream_arn)
                .set_exclusive_start_shard_id(start.take())
                .send()
                .await
            {
                Ok(output) => output,
                Err(error) => {
                    warn!(table = %self.table, error = %DisplayErrorContext(&error), "cannot describe the stream");
                    return shards;
                }
            };
            let Some(description) = output.stream_description() else {
                return shards;
            };
            shards.extend(description.shards().iter().filter_map(|shard| {
                let id = shard.shard_id()?.to_owned();
                Some((id, shard.parent_shard_id().map(str::to_owned)))
            }));
            match description.last_evaluated_shard_id() {
                Some(last) => start = Some(last.to_owned()),
                None => return shards,
            }
        }
    }
}

/// Where a shard's reading resumes when it needs a new iterator.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Position {
    TrimHorizon,
    /// Redelivers this record: the first one the handler reported failed.
    At(String),
    /// Continues after the last record the handler took.
    After(String),
}

/// The feed of one shard: reads it in order and stops once it is closed and fully delivered.
struct ShardFeed {
    table: TableFeed,
    stream_arn: String,
    shard_id: String,
}

impl ShardFeed {
    /// Returns the shard id when the shard has ended.
    async fn run<H: BatchHandler>(self, handler: H) -> String {
        let table = self.table.table.as_str();
        let mut position = Position::TrimHorizon;
        let mut iterator: Option<String> = None;
        let mut failures: u32 = 0;
        loop {
            let current = match iterator.take() {
                Some(current) => current,
                None => match self.iterator(&position).await {
                    Ok(current) => current,
                    Err(error) => {
                        failures += 1;
                        warn!(table, shard = %self.shard_id, error, "cannot open a shard iterator; trying again");
                        tokio::time::sleep(backoff(failures)).await;
                        continue;
                    }
                },
            };
            let page = match self
                .table
                .streams
                .get_records()
                .shard_iterator(current)
                .limit(BATCH_SIZE)
                .send()
                .await
            {
                Ok(page) => page,
                Err(SdkError::ServiceError(error))
                    if matches!(error.err(), GetRecordsError::ExpiredIteratorException(_)) =>
                {
                    // Iterators last 15 minutes; a fresh one from the same position loses nothing.
                    continue;
                }
                Err(SdkError::ServiceError(error))
                    if matches!(error.err(), GetRecordsError::TrimmedDataAccessException(_)) =>
                {
                    warn!(table, shard = %self.shard_id, "records aged out of the stream before they were read; continuing from the oldest kept");
                    position = Position::TrimHorizon;
                    continue;
                }
                Err(error) => {
                    failures += 1;
                    warn!(table, shard = %self.shard_id, error = %DisplayErrorContext(&error), "cannot read the stream; trying again");
                    tokio::time::sleep(backoff(failures)).await;
                    continue;
                }
            };
            let next = page.next_shard_iterator().map(str::to_owned);
            let records = page.records();
            if records.is_empty() {
                match next {
                    Some(next) => iterator = Some(next),
                    None => return self.shard_id,
                }
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }

            let event = match lambda_event(records, &self.stream_arn, &self.table.region) {
                Ok(event) => event,
                Err(error) => {
                    // Never skipped: a record the relay cannot be given stops its shard, loudly.
                    failures += 1;
                    warn!(table, shard = %self.shard_id, %error, "cannot convert stream records; trying again");
                    position = Position::At(sequence_number(&records[0]).to_owned());
                    tokio::time::sleep(backoff(failures)).await;
                    continue;
                }
            };
            let response = handler.handle(event).await;
            match first_failed(records, &response) {
                None => {
                    failures = 0;
                    let last = sequence_number(&records[records.len() - 1]);
                    info!(
                        table,
                        shard = %self.shard_id,
                        records = records.len(),
                        first = sequence_number(&records[0]),
                        last,
                        "stream records delivered to the relay"
                    );
                    position = Position::After(last.to_owned());
                    match next {
                        Some(next) => iterator = Some(next),
                        None => return self.shard_id,
                    }
                }
                Some(index) => {
                    failures += 1;
                    let pause = backoff(failures);
                    let failed_at = sequence_number(&records[index]);
                    warn!(
                        table,
                        shard = %self.shard_id,
                        delivered = index,
                        failed_at,
                        attempt = failures,
                        retry_in_ms = pause.as_millis() as u64,
                        "the relay reported failed records; retrying from the first failed one"
                    );
                    position = Position::At(failed_at.to_owned());
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }

    async fn iterator(&self, position: &Position) -> Result<String, String> {
        let (kind, sequence) = match position {
            Position::TrimHorizon => (ShardIteratorType::TrimHorizon, None),
            Position::At(sequence) => (ShardIteratorType::AtSequenceNumber, Some(sequence)),
            Position::After(sequence) => (ShardIteratorType::AfterSequenceNumber, Some(sequence)),
        };
        let output = self
            .table
            .streams
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(&self.shard_id)
            .shard_iterator_type(kind)
            .set_sequence_number(sequence.cloned())
            .send()
            .await
            .map_err(|error| DisplayErrorContext(&error).to_string())?;
        output
            .shard_iterator()
            .map(str::to_owned)
            .ok_or_else(|| "GetShardIterator returned no iterator".to_owned())
    }
}

/// The pause before retry number `attempt` (1-based): doubling from [`FIRST_BACKOFF`], capped.
fn backoff(attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
    FIRST_BACKOFF.saturating_mul(factor).min(MAX_BACKOFF)
}

fn sequence_number(record: &Record) -> &str {
    record
        .dynamodb()
        .and_then(|change| change.sequence_number())
        .unwrap_or_default()
}

/// The position in `records` to deliver again from, if any. As with the real mapping, the lowest
/// reported record counts, and a report that names no record of the batch fails all of it.
fn first_failed(records: &[Record], response: &DynamoDbEventResponse) -> Option<usize> {
    if response.batch_item_failures.is_empty() {
        return None;
    }
    let failed: HashSet<&str> = response
        .batch_item_failures
        .iter()
        .filter_map(|failure| failure.item_identifier.as_deref())
        .collect();
    let named = records
        .iter()
        .position(|record| failed.contains(sequence_number(record)));
    Some(named.unwrap_or(0))
}

/// The Lambda `DynamoDBEvent` for a batch of stream records, built from its wire JSON so every
/// field has exactly the form the deployed relay receives.
fn lambda_event(records: &[Record], stream_arn: &str, region: &str) -> Result<Event, String> {
    let records = records
        .iter()
        .map(|record| lambda_record(record, stream_arn, region))
        .collect::<Result<Vec<_>, _>>()?;
    serde_json::from_value(json!({ "Records": records })).map_err(|error| error.to_string())
}

fn lambda_record(record: &Record, stream_arn: &str, region: &str) -> Result<Value, String> {
    let change = record
        .dynamodb()
        .ok_or("a stream record without its change")?;
    let mut body = Map::new();
    // Whole seconds, as DynamoDB Streams rounds them down and Lambda sends them (moto keeps the
    // fraction, which `aws_lambda_events` would misread as nanoseconds).
    if let Some(time) = change.approximate_creation_date_time() {
        body.insert("ApproximateCreationDateTime".to_owned(), json!(time.secs()));
    }
    for (name, image) in [
        ("Keys", change.keys()),
        ("NewImage", change.new_image()),
        ("OldImage", change.old_image()),
    ] {
        if let Some(image) = image {
            body.insert(name.to_owned(), item_json(image)?);
        }
    }
    if let Some(sequence) = change.sequence_number() {
        body.insert("SequenceNumber".to_owned(), json!(sequence));
    }
    body.insert(
        "SizeBytes".to_owned(),
        json!(change.size_bytes().unwrap_or(0)),
    );
    if let Some(view) = change.stream_view_type() {
        body.insert("StreamViewType".to_owned(), json!(view.as_str()));
    }
    Ok(json!({
        "eventID": record.event_id().unwrap_or_default(),
        "eventName": record.event_name().map(|name| name.as_str()).unwrap_or_default(),
        "eventVersion": record.event_version().unwrap_or("1.1"),
        "eventSource": record.event_source().unwrap_or("aws:dynamodb"),
        "awsRegion": record.aws_region().unwrap_or(region),
        "eventSourceARN": stream_arn,
        "dynamodb": body,
    }))
}

fn item_json(item: &HashMap<String, AttributeValue>) -> Result<Value, String> {
    item.iter()
        .map(|(name, value)| Ok((name.clone(), attribute_json(value)?)))
        .collect::<Result<Map<_, _>, String>>()
        .map(Value::Object)
}

/// One attribute in DynamoDB's JSON form (`{"S": "…"}`, binary as base64).
fn attribute_json(value: &AttributeValue) -> Result<Value, String> {
    let base64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(match value {
        AttributeValue::S(text) => json!({ "S": text }),
        AttributeValue::N(number) => json!({ "N": number }),
        AttributeValue::B(blob) => json!({ "B": base64(blob.as_ref()) }),
        AttributeValue::Bool(flag) => json!({ "BOOL": flag }),
        AttributeValue::Null(flag) => json!({ "NULL": flag }),
        AttributeValue::Ss(texts) => json!({ "SS": texts }),
        AttributeValue::Ns(numbers) => json!({ "NS": numbers }),
        AttributeValue::Bs(blobs) => {
            json!({ "BS": blobs.iter().map(|blob| base64(blob.as_ref())).collect::<Vec<_>>() })
        }
        AttributeValue::L(values) => json!({
            "L": values.iter().map(attribute_json).collect::<Result<Vec<_>, _>>()?
        }),
        AttributeValue::M(map) => json!({ "M": item_json(map)? }),
        other => {
            return Err(format!(
                "an attribute of a type this feed does not know: {other:?}"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use aws_lambda_events::streams::DynamoDbBatchItemFailure;
    use aws_sdk_dynamodbstreams::primitives::{Blob, DateTime};
    use aws_sdk_dynamodbstreams::types::{OperationType, StreamRecord, StreamViewType};

    use super::*;

    fn record(sequence: &str, name: OperationType) -> Record {
        let change = StreamRecord::builder()
            .approximate_creation_date_time(DateTime::from_secs_f64(1_795_381_200.75))
            .keys("ticket_id", AttributeValue::S("tk_1".into()))
            .keys("entry_key", AttributeValue::S("ticket".into()))
            .new_image("ticket_id", AttributeValue::S("tk_1".into()))
            .new_image("count", AttributeValue::N("3".into()))
            .new_image("open", AttributeValue::Bool(true))
            .new_image("gone", AttributeValue::Null(true))
            .new_image("raw", AttributeValue::B(Blob::new(b"hi".to_vec())))
            .new_image("tags", AttributeValue::Ss(vec!["a".into(), "b".into()]))
            .new_image(
                "nested",
                AttributeValue::M(HashMap::from([(
                    "list".to_owned(),
                    AttributeValue::L(vec![AttributeValue::N("1".into())]),
                )])),
            )
            .old_image("ticket_id", AttributeValue::S("tk_1".into()))
            .sequence_number(sequence)
            .size_bytes(120)
            .stream_view_type(StreamViewType::NewAndOldImages)
            .build();
        Record::builder()
            .event_id(format!("event-{sequence}"))
            .event_name(name)
            .event_version("1.1")
            .event_source("aws:dynamodb")
            .aws_region("eu-west-1")
            .dynamodb(change)
            .build()
    }

    fn response(failed: &[&str]) -> DynamoDbEventResponse {
        let mut response = DynamoDbEventResponse::default();
        for sequence in failed {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some((*sequence).to_owned());
            response.batch_item_failures.push(failure);
        }
        response
    }

    #[test]
    fn records_become_the_lambda_event_the_relay_gets_deployed() {
        let arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/T/stream/2026-01-01T00:00:00.000";
        let records = [
            record("100", OperationType::Insert),
            record("200", OperationType::Modify),
        ];
        let event = lambda_event(&records, arn, "us-east-1").expect("converts");
        let wire = serde_json::to_value(&event).expect("serialises");
        let first = &wire["Records"][0];
        assert_eq!(first["eventID"], "event-100");
        assert_eq!(first["eventName"], "INSERT");
        assert_eq!(wire["Records"][1]["eventName"], "MODIFY");
        assert_eq!(first["eventSourceARN"], arn);
        assert_eq!(first["awsRegion"], "eu-west-1");
        let change = &first["dynamodb"];
        assert_eq!(change["SequenceNumber"], "100");
        assert_eq!(change["StreamViewType"], "NEW_AND_OLD_IMAGES");
        assert_eq!(change["SizeBytes"], 120);
        assert_eq!(change["ApproximateCreationDateTime"], 1_795_381_200);
        let created = event.records[0].change.approximate_creation_date_time;
        assert_eq!(
            (created.timestamp(), created.timestamp_subsec_nanos()),
            (1_795_381_200, 0)
        );
        assert_eq!(change["Keys"]["entry_key"], json!({"S": "ticket"}));
        let image = &change["NewImage"];
        assert_eq!(image["count"], json!({"N": "3"}));
        assert_eq!(image["open"], json!({"BOOL": true}));
        assert_eq!(image["gone"], json!({"NULL": true}));
        assert_eq!(image["raw"], json!({"B": "aGk="}));
        assert_eq!(image["tags"], json!({"SS": ["a", "b"]}));
        assert_eq!(image["nested"], json!({"M": {"list": {"L": [{"N": "1"}]}}}));
        assert_eq!(change["OldImage"]["ticket_id"], json!({"S": "tk_1"}));
    }

    #[test]
    fn a_failure_redelivers_from_the_lowest_failed_record() {
        let records = [
            record("100", OperationType::Insert),
            record("200", OperationType::Insert),
            record("300", OperationType::Insert),
        ];
        assert_eq!(first_failed(&records, &response(&[])), None);
        assert_eq!(first_failed(&records, &response(&["300", "200"])), Some(1));
        assert_eq!(first_failed(&records, &response(&["300"])), Some(2));
        // A report naming no record of the batch fails all of it, as Lambda treats it.
        assert_eq!(first_failed(&records, &response(&["999"])), Some(0));
        assert_eq!(first_failed(&records, &response(&[""])), Some(0));
    }

    #[test]
    fn retries_back_off_up_to_a_cap() {
        assert_eq!(backoff(1), FIRST_BACKOFF);
        assert_eq!(backoff(2), FIRST_BACKOFF * 2);
        assert_eq!(backoff(3), FIRST_BACKOFF * 4);
        assert_eq!(backoff(20), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }
}
