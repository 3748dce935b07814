//! `TransactWriteItems`, with the positions of the writes whose condition failed reported to the
//! caller, whose rule it is to decide what a failed condition means, and DynamoDB's transaction
//! conflicts (another transaction on the same item in flight) told apart.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use usecases::retry::Retries;

use crate::StoreError;

pub(crate) enum Transacted {
    Done,
    /// The positions of the writes whose condition failed.
    ConditionFailed {
        writes: Vec<usize>,
    },
    /// Another transaction on the same items was in flight: nothing was written.
    Conflict,
}

/// Runs a transaction once.
pub(crate) async fn transact_once(
    client: &Client,
    writes: Vec<TransactWriteItem>,
) -> Result<Transacted, StoreError> {
    let error = match client
        .transact_write_items()
        .set_transact_items(Some(writes))
        .send()
        .await
    {
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
        return Ok(Transacted::Conflict);
    }
    Err(error.into())
}

/// Runs a transaction, retrying conflicts within the caller's `retries` (for writes whose
/// decision a conflict does not change); a failed condition is the caller's to handle.
pub(crate) async fn transact(
    client: &Client,
    writes: Vec<TransactWriteItem>,
    retries: &mut Retries,
) -> Result<Transacted, StoreError> {
    loop {
        match transact_once(client, writes.clone()).await? {
            Transacted::Conflict => retries.pause().await?,
            outcome => return Ok(outcome),
        }
    }
}
