//! `TransactWriteItems` with DynamoDB's transaction conflicts retried, and the positions of the
//! writes whose condition failed reported to the caller, whose rule it is to decide what a failed
//! condition means.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

use crate::StoreError;

/// How often a transaction in conflict with another one in flight is tried again.
const MAX_CONFLICT_RETRIES: u32 = 8;

pub(crate) enum Transacted {
    Done,
    /// The positions of the writes whose condition failed.
    ConditionFailed {
        writes: Vec<usize>,
    },
}

/// Runs a transaction, retrying DynamoDB's transaction conflicts (another transaction on the
/// same item in flight) with backoff; a failed condition is the caller's to handle.
pub(crate) async fn transact(
    client: &Client,
    writes: Vec<TransactWriteItem>,
) -> Result<Transacted, StoreError> {
    for attempt in 0..MAX_CONFLICT_RETRIES {
        let result = client
            .transact_write_items()
            .set_transact_items(Some(writes.clone()))
            .send()
            .await;
        let error = match result {
            Ok(_) => return Ok(Transacted::Done),
            Err(error) => error,
        };
        // One reason per write, in order ("None" for the writes that were fine).
        let reasons = match &error {
            SdkError::ServiceError(service) => match service.err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => cancelled
                    .cancellation_reasons()
                    .iter()
                    .map(|reason| reason.code().unwrap_or_default().to_owned())
                    .collect::<Vec<_>>(),
                _ => return Err(error.into()),
            },
            _ => return Err(error.into()),
        };
        let failed: Vec<usize> = reasons
            .iter()
            .enumerate()
            .filter(|(_, code)| *code == "ConditionalCheckFailed")
            .map(|(index, _)| index)
            .collect();
        if !failed.is_empty() {
            return Ok(Transacted::ConditionFailed { writes: failed });
        }
        if reasons.iter().any(|code| code == "TransactionConflict") {
            backoff(attempt).await;
            continue;
        }
        return Err(error.into());
    }
    Err(StoreError::Contended)
}

/// Jittered exponential backoff: 10 ms, 20 ms, 40 ms… up to about a second.
pub(crate) async fn backoff(attempt: u32) {
    let base = 10u64 << attempt.min(6);
    let jitter = u64::from(std::process::id()) ^ u64::from(attempt).wrapping_mul(7919);
    tokio::time::sleep(Duration::from_millis(base + jitter % base.max(1))).await;
}
