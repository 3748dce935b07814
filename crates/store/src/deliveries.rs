//! Delivery records: one per thing sent to a person (a channel message, an alert email), keyed by
//! the event that asked for it, so an event delivered again sends nothing again. A sender first
//! takes a short lease on the record, sends, then writes the outcome; a lease left behind by a
//! sender that died expires, and the next delivery of the event sends.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use crate::{StoreError, TableNames, condition_held};

/// How long a finished record is kept: longer than Kafka keeps the events that could repeat it.
const KEEP_SECS: u64 = 8 * 24 * 60 * 60;

/// What a finished delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub sent: bool,
    /// The provider's message id when sent, its reason when not.
    pub detail: String,
}

/// The answer to taking a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody has sent this yet: send it, then [`DeliveryRecords::finish`].
    Send,
    /// It was delivered (or refused for good) before.
    Finished(Finished),
    /// Another sender holds a live lease on it.
    InProgress,
}

#[derive(Clone)]
pub struct DeliveryRecords {
    client: Client,
    table: String,
}

fn record_key(key: &str) -> AttributeValue {
    AttributeValue::S(format!("delivery#{key}"))
}

impl DeliveryRecords {
    pub fn new(client: Client, tables: &TableNames) -> Self {
        Self {
            client,
            table: tables.claims.clone(),
        }
    }

    /// Takes the record `key` for `lease_ms` unless it is finished or leased.
    pub async fn claim(&self, key: &str, now_ms: u64, lease_ms: u64) -> Result<Claim, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("claim", record_key(key))
            .update_expression(
                "SET deliveryState = :sending, leaseUntil = :until, expiresAt = :expires, \
                 attempts = if_not_exists(attempts, :zero) + :one",
            )
            .condition_expression(
                "attribute_not_exists(claim) OR (deliveryState = :sending AND leaseUntil < :now)",
            )
            .expression_attribute_values(":sending", AttributeValue::S("sending".into()))
            .expression_attribute_values(
                ":until",
                AttributeValue::N((now_ms + lease_ms).to_string()),
            )
            .expression_attribute_values(":now", AttributeValue::N(now_ms.to_string()))
            .expression_attribute_values(
                ":expires",
                AttributeValue::N((now_ms / 1000 + KEEP_SECS).to_string()),
            )
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let old = match result {
            Ok(_) => return Ok(Claim::Send),
            Err(SdkError::ServiceError(error)) => match error.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => failed.item,
                other => return Err(StoreError::Unavailable(other.to_string())),
            },
            Err(error) => return Err(error.into()),
        };
        let old = match old {
            Some(item) => item,
            // Servers that do not return the item on a failed condition: read it.
            None => self
                .client
                .get_item()
                .table_name(&self.table)
                .key("claim", record_key(key))
                .consistent_read(true)
                .send()
                .await?
                .item
                .unwrap_or_default(),
        };
        let text = |name: &str| match old.get(name) {
            Some(AttributeValue::S(value)) => value.clone(),
            _ => String::new(),
        };
        Ok(match text("deliveryState").as_str() {
            "sent" | "failed" => Claim::Finished(Finished {
                sent: text("deliveryState") == "sent",
                detail: text("detail"),
            }),
            _ => Claim::InProgress,
        })
    }

    /// Writes what a claimed delivery came to.
    pub async fn finish(
        &self,
        key: &str,
        outcome: &Finished,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("claim", record_key(key))
            .update_expression(
                "SET deliveryState = :state, detail = :detail, finishedAt = :now REMOVE leaseUntil",
            )
            .expression_attribute_values(
                ":state",
                AttributeValue::S(if outcome.sent { "sent" } else { "failed" }.into()),
            )
            .expression_attribute_values(":detail", AttributeValue::S(outcome.detail.clone()))
            .expression_attribute_values(":now", AttributeValue::N(now_ms.to_string()))
            .send()
            .await?;
        Ok(())
    }

    /// Gives a claimed delivery back (a transient failure): the next delivery of the event sends.
    pub async fn release(&self, key: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("claim", record_key(key))
            .update_expression("SET leaseUntil = :zero")
            .condition_expression("deliveryState = :sending")
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":sending", AttributeValue::S("sending".into()))
            .send()
            .await;
        // A record finished meanwhile is not handed back.
        condition_held(result).map(|_| ())
    }
}
