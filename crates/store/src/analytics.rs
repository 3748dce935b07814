//! A tenant's running counters, kept in the analytics table: its leads' [`Tally`] and its
//! tickets' [`StatusCounts`]. Each write of a lead or a ticket carries the counters' change as one
//! more write in its transaction ([`tally_write`], [`status_counts_write`]), on one of a few
//! shards; reading them adds the shards up in one `BatchGetItem`.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, TransactWriteItem, Update};
use domain::TenantId;
use domain::analytics::Tally;
use domain::ticket::{StatusCounts, TicketStatus};
use usecases::conversations::LeadFigures;

use crate::StoreError;
use crate::leads::LeadStore;

/// How many items each set of a tenant's counters is spread over. More shards make concurrent
/// writes of one tenant collide less (DynamoDB cancels concurrent transactions on one item); the
/// read stays one request whatever the number, up to BatchGetItem's 100 keys.
pub const SHARDS: u64 = 8;

/// Which of a tenant's counters: its leads' (keys `<tenant>#<shard>`) or its tickets' (keys
/// `<tenant>#tickets#<shard>`; a tenant id has no `#`, so the two never meet).
#[derive(Debug, Clone, Copy)]
enum Counters {
    Leads,
    Tickets,
}

impl Counters {
    fn key(self, tenant: &TenantId, shard: u64) -> AttributeValue {
        AttributeValue::S(match self {
            Self::Leads => format!("{tenant}#{shard}"),
            Self::Tickets => format!("{tenant}#tickets#{shard}"),
        })
    }
}

/// The write that moves a tenant's lead counters by `change`; `None` when nothing moves.
pub(crate) fn tally_write(
    table: &str,
    tenant: &TenantId,
    change: &Tally,
) -> Result<Option<TransactWriteItem>, StoreError> {
    let moves = Tally::FIELDS.iter().copied().zip(change.values());
    counter_write(table, Counters::Leads, tenant, moves)
}

/// The write that moves a tenant's ticket counts by `change`; `None` when nothing moves.
pub(crate) fn status_counts_write(
    table: &str,
    tenant: &TenantId,
    change: &StatusCounts,
) -> Result<Option<TransactWriteItem>, StoreError> {
    let moves = change
        .by_status()
        .map(|(status, count)| (status.as_str(), count));
    counter_write(table, Counters::Tickets, tenant, moves)
}

/// Adds each non-zero `(field, value)` on a shard picked by the clock's low bits.
fn counter_write<'a>(
    table: &str,
    counters: Counters,
    tenant: &TenantId,
    moves: impl Iterator<Item = (&'a str, i64)>,
) -> Result<Option<TransactWriteItem>, StoreError> {
    let mut adds = Vec::new();
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    for (at, (field, value)) in moves.enumerate() {
        if value != 0 {
            adds.push(format!("#f{at} :v{at}"));
            names.insert(format!("#f{at}"), field.to_owned());
            values.insert(format!(":v{at}"), AttributeValue::N(value.to_string()));
        }
    }
    if adds.is_empty() {
        return Ok(None);
    }
    let shard = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |now| u64::from(now.subsec_nanos()) / 1000)
        % SHARDS;
    let update = Update::builder()
        .table_name(table)
        .key("shard", counters.key(tenant, shard))
        .update_expression(format!("ADD {}", adds.join(", ")))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(|error| StoreError::Malformed(error.to_string()))?;
    Ok(Some(TransactWriteItem::builder().update(update).build()))
}

/// A tenant's counters of one set, each field summed over its shards (consistent reads: a read
/// right after a change includes it).
async fn read_counters(
    client: &Client,
    table: &str,
    counters: Counters,
    tenant: &TenantId,
    fields: &[&str],
) -> Result<Vec<i64>, StoreError> {
    let keys = (0..SHARDS)
        .map(|shard| HashMap::from([("shard".to_owned(), counters.key(tenant, shard))]))
        .collect();
    let mut request = Some(
        KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(|error| StoreError::Malformed(error.to_string()))?,
    );
    let mut totals = vec![0i64; fields.len()];
    while let Some(pending) = request.take() {
        let output = client
            .batch_get_item()
            .request_items(table, pending)
            .send()
            .await?;
        for item in output
            .responses
            .and_then(|mut tables| tables.remove(table))
            .unwrap_or_default()
        {
            for (total, field) in totals.iter_mut().zip(fields) {
                *total += counter(&item, field)?;
            }
        }
        request = output
            .unprocessed_keys
            .and_then(|mut tables| tables.remove(table));
    }
    Ok(totals)
}

fn counter(item: &HashMap<String, AttributeValue>, field: &str) -> Result<i64, StoreError> {
    match item.get(field) {
        None => Ok(0),
        Some(AttributeValue::N(number)) => number
            .parse()
            .map_err(|_| StoreError::Malformed(format!("counter {field} is {number}"))),
        Some(other) => Err(StoreError::Malformed(format!(
            "counter {field} is {other:?}"
        ))),
    }
}

/// A tenant's ticket counts, from the analytics `table`.
pub(crate) async fn status_counts(
    client: &Client,
    table: &str,
    tenant: &TenantId,
) -> Result<StatusCounts, StoreError> {
    let fields: Vec<&str> = TicketStatus::ALL
        .iter()
        .map(|status| status.as_str())
        .collect();
    let totals = read_counters(client, table, Counters::Tickets, tenant, &fields).await?;
    let mut counts = StatusCounts::default();
    for (status, total) in TicketStatus::ALL.iter().zip(totals) {
        counts.set(*status, total);
    }
    Ok(counts)
}

impl LeadFigures for LeadStore {
    async fn tally(&self, tenant: &TenantId) -> Result<Tally, usecases::StoreError> {
        let totals = read_counters(
            &self.client,
            &self.analytics_table,
            Counters::Leads,
            tenant,
            &Tally::FIELDS,
        )
        .await?;
        let mut values = [0i64; Tally::FIELDS.len()];
        values.copy_from_slice(&totals);
        Ok(Tally::from_values(values))
    }

    async fn ticket_counts(&self, tenant: &TenantId) -> Result<StatusCounts, usecases::StoreError> {
        Ok(status_counts(&self.client, &self.analytics_table, tenant).await?)
    }
}
