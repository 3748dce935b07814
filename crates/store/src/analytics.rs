//! Lead analytics counters: each lead write carries the counters' change as one more write in its
//! transaction ([`tally_write`]); the lead store's figures add up a tenant's shards in one
//! `BatchGetItem`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, TransactWriteItem, Update};
use domain::TenantId;
use domain::analytics::Tally;

use usecases::conversations::LeadFigures;

use crate::StoreError;
use crate::leads::LeadStore;

/// How many items a tenant's counters are spread over. More shards make concurrent writes of one
/// tenant collide less (DynamoDB cancels concurrent transactions on one item); the read stays one
/// request whatever the number, up to BatchGetItem's 100 keys.
pub const SHARDS: u64 = 8;

fn shard_key(tenant: &TenantId, shard: u64) -> AttributeValue {
    AttributeValue::S(format!("{tenant}#{shard}"))
}

/// The write that moves a tenant's counters by `change`, on a shard picked by the clock's low
/// bits; `None` when nothing moves.
pub(crate) fn tally_write(
    table: &str,
    tenant: &TenantId,
    change: &Tally,
) -> Result<Option<TransactWriteItem>, StoreError> {
    if change.is_zero() {
        return Ok(None);
    }
    let shard = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |now| u64::from(now.subsec_nanos()) / 1000)
        % SHARDS;
    let mut adds = Vec::new();
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    for (at, (field, value)) in Tally::FIELDS.iter().zip(change.values()).enumerate() {
        if value != 0 {
            adds.push(format!("#f{at} :v{at}"));
            names.insert(format!("#f{at}"), (*field).to_owned());
            values.insert(format!(":v{at}"), AttributeValue::N(value.to_string()));
        }
    }
    let update = Update::builder()
        .table_name(table)
        .key("shard", shard_key(tenant, shard))
        .update_expression(format!("ADD {}", adds.join(", ")))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(|error| StoreError::Malformed(error.to_string()))?;
    Ok(Some(TransactWriteItem::builder().update(update).build()))
}

impl LeadStore {
    /// The tenant's counters, summed over its shards (consistent reads: a summary taken right
    /// after a change includes it).
    async fn tally(&self, tenant: &TenantId) -> Result<Tally, StoreError> {
        let keys = (0..SHARDS)
            .map(|shard| HashMap::from([("shard".to_owned(), shard_key(tenant, shard))]))
            .collect();
        let mut request = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(|error| StoreError::Malformed(error.to_string()))?,
        );
        let mut total = Tally::default();
        while let Some(pending) = request.take() {
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.analytics_table, pending)
                .send()
                .await?;
            for item in output
                .responses
                .and_then(|mut tables| tables.remove(&self.analytics_table))
                .unwrap_or_default()
            {
                total = total + shard_tally(&item)?;
            }
            request = output
                .unprocessed_keys
                .and_then(|mut tables| tables.remove(&self.analytics_table));
        }
        Ok(total)
    }
}

fn shard_tally(item: &HashMap<String, AttributeValue>) -> Result<Tally, StoreError> {
    let mut values = [0i64; 8];
    for (slot, field) in values.iter_mut().zip(Tally::FIELDS) {
        *slot = match item.get(field) {
            None => 0,
            Some(AttributeValue::N(number)) => number
                .parse()
                .map_err(|_| StoreError::Malformed(format!("counter {field} is {number}")))?,
            Some(other) => {
                return Err(StoreError::Malformed(format!(
                    "counter {field} is {other:?}"
                )));
            }
        };
    }
    Ok(Tally::from_values(values))
}

impl LeadFigures for LeadStore {
    async fn tally(&self, tenant: &TenantId) -> Result<Tally, usecases::StoreError> {
        Ok(LeadStore::tally(self, tenant).await?)
    }
}
