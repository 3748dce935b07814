//! Reading a ticket with a page of its timeline: the ticket item sorts before its entries, so the
//! ticket and its first page are one Query; a later page is a Query from the cursor beside a
//! GetItem of the ticket.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::TenantId;
use domain::ticket::{Ticket, TicketId};
use usecases::tickets::{TicketWithTimeline, TimelinePage};
use usecases::{InvalidCursor, ListError};

use super::TicketStore;
use super::items::{EntryItem, TICKET_ENTRY, TicketItem, is_ticket};
use crate::StoreError;
use crate::cursor;

/// The key attributes a timeline cursor holds.
const CURSOR_KEY: [&str; 2] = ["ticket_id", "entry_key"];

impl TicketStore {
    /// The ticket with the first `limit` timeline entries, or the page after the cursor.
    pub(super) async fn read_page(
        &self,
        tenant: &TenantId,
        id: &TicketId,
        page: TimelinePage<'_>,
    ) -> Result<Option<TicketWithTimeline>, ListError> {
        let Some(cursor) = page.cursor else {
            // The ticket item sorts first, so one Query returns it with the first page.
            let (items, more) = self.timeline_query(id, None, page.limit + 1).await?;
            let mut items = items.into_iter();
            let Some(first) = items.next() else {
                return Ok(None);
            };
            let Some(ticket) = owned_ticket(tenant, first)? else {
                return Ok(None);
            };
            return Ok(Some(self.with_timeline(ticket, items.collect(), more)?));
        };
        let start = cursor::decode(cursor, "timeline", &CURSOR_KEY, ("ticket_id", id.as_str()))
            .map_err(|_| InvalidCursor)?;
        let (ticket, entries) = tokio::join!(
            self.ticket_item(id),
            self.timeline_query(id, Some(start), page.limit)
        );
        let Some(ticket) = ticket? else {
            return Ok(None);
        };
        let Some(ticket) = owned_ticket(tenant, ticket)? else {
            return Ok(None);
        };
        let (entries, more) = entries?;
        Ok(Some(self.with_timeline(ticket, entries, more)?))
    }

    /// The tenant's ticket item alone, read consistently.
    pub(super) async fn owned(
        &self,
        tenant: &TenantId,
        id: &TicketId,
    ) -> Result<Option<Ticket>, StoreError> {
        match self.ticket_item(id).await? {
            Some(item) => owned_ticket(tenant, item),
            None => Ok(None),
        }
    }

    /// The cursor continuing a timeline after the entry stored under `entry_key`.
    pub(super) fn cursor_after(ticket: &TicketId, entry_key: &str) -> String {
        let key = HashMap::from([
            (
                "ticket_id".to_owned(),
                AttributeValue::S(ticket.to_string()),
            ),
            (
                "entry_key".to_owned(),
                AttributeValue::S(entry_key.to_owned()),
            ),
        ]);
        cursor::encode("timeline", &key, &CURSOR_KEY)
    }

    async fn ticket_item(
        &self,
        id: &TicketId,
    ) -> Result<Option<HashMap<String, AttributeValue>>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.tickets_table)
            .key("ticket_id", AttributeValue::S(id.to_string()))
            .key("entry_key", AttributeValue::S(TICKET_ENTRY.to_owned()))
            .consistent_read(true)
            .send()
            .await?;
        Ok(output.item)
    }

    /// Up to `limit` items of a ticket's partition in key order (the ticket first, then its
    /// timeline), and whether more follow.
    async fn timeline_query(
        &self,
        id: &TicketId,
        start: Option<HashMap<String, AttributeValue>>,
        limit: usize,
    ) -> Result<(Vec<HashMap<String, AttributeValue>>, bool), StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.tickets_table)
            .key_condition_expression("ticket_id = :id")
            .expression_attribute_values(":id", AttributeValue::S(id.to_string()))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await?;
        let more = output.last_evaluated_key.is_some();
        Ok((output.items.unwrap_or_default(), more))
    }

    fn with_timeline(
        &self,
        ticket: Ticket,
        items: Vec<HashMap<String, AttributeValue>>,
        more: bool,
    ) -> Result<TicketWithTimeline, StoreError> {
        let next_cursor = if more {
            items
                .last()
                .map(|last| cursor::encode("timeline", last, &CURSOR_KEY))
        } else {
            None
        };
        let (entry_keys, timeline) = items
            .into_iter()
            .map(|item| {
                serde_dynamo::from_item::<_, EntryItem>(item)
                    .map(|stored| (stored.entry_key, stored.entry))
            })
            .collect::<Result<(Vec<_>, Vec<_>), _>>()?;
        Ok(TicketWithTimeline {
            ticket,
            timeline,
            timeline_next_cursor: next_cursor,
            entry_keys,
        })
    }
}

/// The ticket an item holds, when it is a ticket of `tenant`.
pub(super) fn owned_ticket(
    tenant: &TenantId,
    item: HashMap<String, AttributeValue>,
) -> Result<Option<Ticket>, StoreError> {
    if !is_ticket(&item) {
        return Ok(None);
    }
    let stored: TicketItem = serde_dynamo::from_item(item)?;
    Ok((stored.tenant_id == tenant.as_str()).then_some(stored.ticket))
}
