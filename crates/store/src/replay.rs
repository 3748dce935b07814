//! Answers remembered under an idempotency key (a client's `Idempotency-Key`, a provider's
//! message id), written in the same transaction as the change they answer: a repeat of the
//! request fails that write's condition and gets the first answer, and a key brought back with
//! another request is told apart by the fingerprint stored with it.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use domain::TenantId;
pub use domain::replay::{Replay, Replayed};

use crate::StoreError;

fn claim(key: &str) -> String {
    format!("replay#{key}")
}

/// The replay record's write, refused when the key was used before.
pub(crate) fn put(
    claims_table: &str,
    tenant: &TenantId,
    replay: &Replay,
) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(claims_table)
        .item("claim", AttributeValue::S(claim(&replay.key)))
        .item("tenantId", AttributeValue::S(tenant.to_string()))
        .item("fingerprint", AttributeValue::S(replay.fingerprint.clone()))
        .item("response", AttributeValue::S(replay.response.clone()))
        .item(
            "expiresAt",
            AttributeValue::N(replay.until_secs.to_string()),
        )
        .condition_expression("attribute_not_exists(claim)")
        .build()
        .map_err(|error| StoreError::Malformed(error.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// What the earlier use of `replay`'s key left, read consistently; `None` when the record is
/// gone (it expired between the refused write and this read).
pub(crate) async fn earlier(
    client: &Client,
    claims_table: &str,
    replay: &Replay,
) -> Result<Option<Replayed>, StoreError> {
    let output = client
        .get_item()
        .table_name(claims_table)
        .key("claim", AttributeValue::S(claim(&replay.key)))
        .consistent_read(true)
        .send()
        .await?;
    let Some(mut item) = output.item else {
        return Ok(None);
    };
    let text = |value: Option<AttributeValue>| match value {
        Some(AttributeValue::S(text)) => Some(text),
        _ => None,
    };
    let fingerprint = text(item.remove("fingerprint"));
    Ok(Some(match text(item.remove("response")) {
        Some(response) if fingerprint.as_deref() == Some(replay.fingerprint.as_str()) => {
            Replayed::Same(response)
        }
        _ => Replayed::Different,
    }))
}
