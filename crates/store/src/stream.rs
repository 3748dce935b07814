//! Table stream records as domain events: which table a record came from, what its old and new
//! images hold, and the events that change means (the rules are the domain's).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::TenantId;
use domain::events::{self, DomainEvent};
use serde_dynamo::Item;

use crate::StoreError;
use crate::conversations::{LeadEntry, lead_entry};
use crate::leads::stream_state;
use crate::tables::{CUSTOMERS, LEADS, TICKETS, TableSpec};
use crate::tickets::{StoredItem, stream_customer_item, stream_ticket_item};

/// The events one stream record stands for; none for tables whose changes are not events
/// (claims, API keys) and for changes that mean nothing to the outside (a message count). The
/// record's key names its table, so the relay needs no table names of its own.
pub fn record_events(
    keys: &Item,
    old_image: Item,
    new_image: Item,
) -> Result<Vec<DomainEvent>, StoreError> {
    let old = image(old_image);
    let new = image(new_image);
    let keyed_by = |spec: &TableSpec| {
        keys.contains_key(spec.partition_key)
            && spec.sort_key.is_none_or(|sort| keys.contains_key(sort))
    };
    if keyed_by(&TICKETS) || keyed_by(&CUSTOMERS) {
        let decode = if keyed_by(&TICKETS) {
            stream_ticket_item
        } else {
            stream_customer_item
        };
        let old = old.map(decode).transpose()?;
        let new = new.map(decode).transpose()?;
        return Ok(match (old, new) {
            (old, Some(StoredItem::Ticket { tenant, ticket })) => {
                let before = match old {
                    Some(StoredItem::Ticket { ticket, .. }) => Some(*ticket),
                    _ => None,
                };
                events::ticket_changes(&tenant_id(&tenant)?, before.as_ref(), Some(&ticket))
            }
            (
                None,
                Some(StoredItem::Entry {
                    tenant,
                    ticket_id,
                    entry,
                }),
            ) => events::timeline_entry_added(&tenant_id(&tenant)?, &ticket_id, &entry)
                .into_iter()
                .collect(),
            (None, Some(StoredItem::Customer { tenant, customer })) => {
                vec![events::customer_created(&tenant_id(&tenant)?, &customer)]
            }
            _ => Vec::new(),
        });
    }
    if keyed_by(&LEADS) {
        let old = old.map(lead_entry).transpose()?;
        return Ok(match (old, new.map(lead_entry).transpose()?) {
            (old, Some(LeadEntry::Lead(after))) => {
                let before = match old {
                    Some(LeadEntry::Lead(before)) => Some(stream_state(&before)),
                    _ => None,
                };
                events::lead_changes(
                    &tenant_id(&after.tenant_id)?,
                    before.as_ref(),
                    Some(&stream_state(&after)),
                )
            }
            (None, Some(LeadEntry::Message(message))) => vec![events::lead_message_added(
                &tenant_id(&message.tenant_id)?,
                &message.lead_id,
                message.source,
                &message.to_message(),
            )],
            _ => Vec::new(),
        });
    }
    Ok(Vec::new())
}

/// A stream image as the SDK's attribute map; `None` when the record has no such image.
fn image(item: Item) -> Option<HashMap<String, AttributeValue>> {
    let map = item.into_inner();
    (!map.is_empty()).then(|| {
        map.into_iter()
            .map(|(name, value)| (name, value.into()))
            .collect()
    })
}

fn tenant_id(raw: &str) -> Result<TenantId, StoreError> {
    TenantId::parse(raw).map_err(|error| StoreError::Malformed(format!("tenant_id {error}")))
}
