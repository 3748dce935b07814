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

/// A tenant's counters of each set, each field summed over its shards, in one `BatchGetItem`
/// (consistent reads: a read right after a change includes it).
async fn read_counters<const N: usize>(
    client: &Client,
    table: &str,
    tenant: &TenantId,
    sets: [(Counters, &[&str]); N],
) -> Result<[Vec<i64>; N], StoreError> {
    let mut set_of_key = HashMap::new();
    let mut keys = Vec::new();
    for (at, (counters, _)) in sets.iter().enumerate() {
        for shard in 0..SHARDS {
            let key = counters.key(tenant, shard);
            if let AttributeValue::S(text) = &key {
                set_of_key.insert(text.clone(), at);
            }
            keys.push(HashMap::from([("shard".to_owned(), key)]));
        }
    }
    let mut request = Some(
        KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(|error| StoreError::Malformed(error.to_string()))?,
    );
    let mut totals = sets.map(|(_, fields)| vec![0i64; fields.len()]);
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
            let Some(&at) = item
                .get("shard")
                .and_then(|key| key.as_s().ok())
                .and_then(|key| set_of_key.get(key))
            else {
                return Err(StoreError::Malformed(
                    "a counter came back under a key not asked for".to_owned(),
                ));
            };
            for (total, field) in totals[at].iter_mut().zip(sets[at].1) {
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

/// The fields of the ticket counters: one per status.
fn status_fields() -> Vec<&'static str> {
    TicketStatus::ALL
        .iter()
        .map(|status| status.as_str())
        .collect()
}

fn status_counts_of(totals: Vec<i64>) -> StatusCounts {
    let mut counts = StatusCounts::default();
    for (status, total) in TicketStatus::ALL.iter().zip(totals) {
        counts.set(*status, total);
    }
    counts
}

/// A tenant's ticket counts, from the analytics `table`.
pub(crate) async fn status_counts(
    client: &Client,
    table: &str,
    tenant: &TenantId,
) -> Result<StatusCounts, StoreError> {
    let fields = status_fields();
    let [totals] = read_counters(client, table, tenant, [(Counters::Tickets, &fields)]).await?;
    Ok(status_counts_of(totals))
}

impl LeadFigures for LeadStore {
    async fn figures(
        &self,
        tenant: &TenantId,
    ) -> Result<(Tally, StatusCounts), usecases::StoreError> {
        let fields = status_fields();
        let [leads, tickets] = read_counters(
            &self.client,
            &self.analytics_table,
            tenant,
            [
                (Counters::Leads, &Tally::FIELDS),
                (Counters::Tickets, &fields),
            ],
        )
        .await?;
        let mut values = [0i64; Tally::FIELDS.len()];
        values.copy_from_slice(&leads);
        Ok((Tally::from_values(values), status_counts_of(tickets)))
    }
}
