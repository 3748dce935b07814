//! Listing a tenant's tickets: the index that narrows the listing most, the remaining filters as
//! a FilterExpression (applied before a ticket counts towards the page), and the pages read
//! through the SDK's paginator until the listing's page is full.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::TenantId;
use usecases::tickets::{TicketOrder, TicketPage, TicketQuery};
use usecases::{InvalidCursor, ListError};

use super::TicketStore;
use super::items::{TicketItem, status_timestamp, tenant_assignee, tenant_status};
use crate::StoreError;
use crate::cursor;

/// Items read per Query round while filling a page that a filter may thin out.
const FILTERED_BATCH: usize = 200;
/// Bounds of an open created-time range: below and above every RFC 3339 timestamp (an empty
/// string cannot be a key value).
const LOWEST: &str = "0";
const HIGHEST: &str = "~";

/// The index a listing reads and how: its name, its partition, and the key condition on its
/// sort key.
struct ListingPlan {
    index: &'static str,
    partition: (&'static str, String),
    sort: (&'static str, Option<(String, String)>),
    filters: Vec<&'static str>,
    /// Whether a filter may drop tickets (the tenant check on customer indexes never does).
    thinned: bool,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl TicketStore {
    /// A page of the tenant's tickets matching `query`, newest first.
    pub(super) async fn list(
        &self,
        tenant: &TenantId,
        query: &TicketQuery,
    ) -> Result<TicketPage, ListError> {
        let plan = ListingPlan::new(tenant, query);
        let key_attributes = ["ticket_id", "entry_key", plan.partition.0, plan.sort.0];
        let start = query
            .cursor
            .as_deref()
            .map(|cursor| {
                cursor::decode(
                    cursor,
                    plan.index,
                    &key_attributes,
                    (plan.partition.0, &plan.partition.1),
                )
                .map_err(|_| InvalidCursor)
            })
            .transpose()?;
        let wanted = query.limit + query.skip;
        let batch = if plan.thinned {
            wanted.max(FILTERED_BATCH)
        } else {
            wanted
        };
        let mut to_skip = query.skip;
        let mut tickets = Vec::with_capacity(query.limit);
        let mut pages = plan
            .query(&self.client, &self.tickets_table, start, batch)
            .into_paginator()
            .send();
        while let Some(page) = pages.try_next().await.map_err(StoreError::from)? {
            let exhausted = page.last_evaluated_key.is_none();
            let items = page.items.unwrap_or_default();
            let count = items.len();
            for (position, item) in items.into_iter().enumerate() {
                if to_skip > 0 {
                    to_skip -= 1;
                    continue;
                }
                let stored: TicketItem =
                    serde_dynamo::from_item(item.clone()).map_err(StoreError::from)?;
                tickets.push(stored.ticket);
                if tickets.len() == query.limit {
                    let more = !exhausted || position + 1 < count;
                    let next_cursor =
                        more.then(|| cursor::encode(plan.index, &item, &key_attributes));
                    return Ok(TicketPage {
                        tickets,
                        next_cursor,
                    });
                }
            }
        }
        Ok(TicketPage {
            tickets,
            next_cursor: None,
        })
    }
}

impl ListingPlan {
    /// Picks the index that narrows the listing most; the remaining filters become a
    /// FilterExpression.
    fn new(tenant: &TenantId, query: &TicketQuery) -> Self {
        let mut plan = Self {
            index: "",
            partition: ("", String::new()),
            sort: ("created_at", None),
            filters: Vec::new(),
            thinned: false,
            names: HashMap::new(),
            values: HashMap::new(),
        };
        let range = match (&query.created_from, &query.created_to) {
            (None, None) => None,
            (from, to) => Some((
                from.clone().unwrap_or_else(|| LOWEST.to_owned()),
                to.clone().unwrap_or_else(|| HIGHEST.to_owned()),
            )),
        };
        let mut status_in_key = false;
        let mut assignee_in_key = false;
        if query.order == TicketOrder::Activity {
            // Ordered by the last change: every other filter reads the tenant's index.
            plan.index = "TenantActivityIndex";
            plan.partition = ("tenant_id", tenant.to_string());
            plan.sort = ("updated_at", None);
            if let Some(customer) = &query.customer {
                plan.filter("customer_id = :customer", ":customer", customer.to_string());
            }
            if let Some((from, to)) = range {
                plan.filter("created_at >= :created_from", ":created_from", from);
                plan.filter("created_at <= :created_to", ":created_to", to);
            }
        } else if let Some(customer) = &query.customer {
            plan.partition = ("customer_id", customer.to_string());
            plan.filter("tenant_id = :tenant", ":tenant", tenant.to_string());
            plan.thinned = false;
            if let Some(status) = query.status {
                status_in_key = true;
                plan.index = "CustomerIndex";
                let (from, to) = range
                    .clone()
                    .unwrap_or_else(|| (LOWEST.to_owned(), HIGHEST.to_owned()));
                plan.sort = (
                    "status_timestamp",
                    Some((
                        status_timestamp(status, &from),
                        status_timestamp(status, &to),
                    )),
                );
            } else {
                plan.index = "CustomerCreatedIndex";
                plan.sort = ("created_at", range);
            }
        } else if let Some(agent) = &query.assigned_agent_id {
            assignee_in_key = true;
            plan.index = "TenantAssigneeIndex";
            plan.partition = ("tenant_assignee", tenant_assignee(tenant, agent));
            plan.sort = ("created_at", range);
        } else if let Some(status) = query.status {
            status_in_key = true;
            plan.index = "TenantStatusIndex";
            plan.partition = ("tenant_status", tenant_status(tenant, status));
            plan.sort = ("created_at", range);
        } else {
            plan.index = "TenantCreatedIndex";
            plan.partition = ("tenant_id", tenant.to_string());
            plan.sort = ("created_at", range);
        }
        if let (Some(status), false) = (query.status, status_in_key) {
            plan.names.insert("#status".into(), "status".into());
            plan.filter("#status = :status", ":status", status.to_string());
        }
        if let (Some(agent), false) = (&query.assigned_agent_id, assignee_in_key) {
            plan.filter("assigned_agent_id = :agent", ":agent", agent.clone());
        }
        if let Some(priority) = query.priority {
            plan.names.insert("#priority".into(), "priority".into());
            plan.filter("#priority = :priority", ":priority", priority.to_string());
        }
        if let Some(tag) = &query.tag {
            plan.filter("contains(tags, :tag)", ":tag", tag.clone());
        }
        if let Some(channel) = query.channel {
            plan.names.insert("#source".into(), "source".into());
            plan.names.insert("#channel".into(), "channel".into());
            plan.filter(
                "#source.#channel = :channel",
                ":channel",
                channel.to_string(),
            );
        }
        plan
    }

    fn filter(&mut self, expression: &'static str, placeholder: &str, value: String) {
        self.filters.push(expression);
        self.thinned = true;
        self.values
            .insert(placeholder.to_owned(), AttributeValue::S(value));
    }

    fn query(
        &self,
        client: &aws_sdk_dynamodb::Client,
        table: &str,
        start: Option<HashMap<String, AttributeValue>>,
        batch: usize,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let mut names = self.names.clone();
        let mut values = self.values.clone();
        names.insert("#pk".into(), self.partition.0.to_owned());
        values.insert(":pk".into(), AttributeValue::S(self.partition.1.clone()));
        let mut key_condition = "#pk = :pk".to_owned();
        if let Some((from, to)) = &self.sort.1 {
            names.insert("#sk".into(), self.sort.0.to_owned());
            values.insert(":from".into(), AttributeValue::S(from.clone()));
            values.insert(":to".into(), AttributeValue::S(to.clone()));
            key_condition.push_str(" AND #sk BETWEEN :from AND :to");
        }
        let filter = (!self.filters.is_empty()).then(|| self.filters.join(" AND "));
        client
            .query()
            .table_name(table)
            .index_name(self.index)
            .key_condition_expression(key_condition)
            .set_filter_expression(filter)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(false)
            // One more than wanted, so a full page knows whether anything follows it.
            .limit(i32::try_from(batch + 1).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
    }
}
