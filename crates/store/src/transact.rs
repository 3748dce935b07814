//! `TransactWriteItems` with DynamoDB's transaction conflicts retried, and the positions of the
//! writes whose condition failed reported to the caller, whose rule it is to decide what a failed
//! condition means.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

use crate::StoreError;
use usecases::retry::Retries;

pub(crate) enum Transacted {
    Done,
    /// The positions of the writes whose condition failed.
    ConditionFailed {
        writes: Vec<usize>,
    },
}

/// Runs a transaction, retrying DynamoDB's transaction conflicts (another transaction on the
/// same item in flight) within the caller's `retries`; a failed condition is the caller's to
/// handle.
pub(crate) async fn transact(
    client: &Client,
    writes: Vec<TransactWriteItem>,
    retries: &mut Retries,
) -> Result<Transacted, StoreError> {
    loop {
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
            retries.pause().await?;
            continue;
        }
        return Err(error.into());
    }
}
