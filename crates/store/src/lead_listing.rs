//! Listing a tenant's leads, latest activity first: through `TenantStageIndex` when the listing
//! wants one pipeline stage, else `TenantActivityIndex`; intent and readiness as a
//! FilterExpression applied before a lead counts towards the page, pages read through the SDK's
//! paginator until the listing's page is full.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::TenantId;
use usecases::leads::{LeadListing, LeadPage, LeadQuery, ListedLead};
use usecases::{InvalidCursor, ListError};

use crate::StoreError;
use crate::cursor;
use crate::leads::{LeadItem, LeadStore, s, tenant_key};

/// Items read per Query round while filling a page that a filter may thin out.
const FILTERED_BATCH: usize = 200;

impl LeadListing for LeadStore {
    async fn leads(&self, tenant: &TenantId, query: &LeadQuery) -> Result<LeadPage, ListError> {
        let (index, partition) = match query.status {
            Some(status) => (
                "TenantStageIndex",
                ("tenantStage", tenant_key(tenant, status.as_str())),
            ),
            None => ("TenantActivityIndex", ("leadTenant", tenant.to_string())),
        };
        let key_attributes = ["leadId", "entryKey", partition.0, "leadActivity"];
        let start = query
            .cursor
            .as_deref()
            .map(|cursor| {
                cursor::decode(cursor, index, &key_attributes, (partition.0, &partition.1))
                    .map_err(|_| InvalidCursor)
            })
            .transpose()?;

        let mut filters = Vec::new();
        let mut values = HashMap::from([(":pk".to_owned(), s(partition.1.clone()))]);
        if let Some(intent) = query.intent {
            filters.push("intent = :intent");
            values.insert(":intent".to_owned(), s(intent.as_str()));
        }
        if let Some(ready) = query.ready {
            filters.push("isLeadReady = :ready");
            values.insert(":ready".to_owned(), AttributeValue::Bool(ready));
        }
        let batch = if filters.is_empty() {
            query.limit
        } else {
            query.limit.max(FILTERED_BATCH)
        };
        let mut pages = self
            .client
            .query()
            .table_name(&self.leads_table)
            .index_name(index)
            .key_condition_expression("#pk = :pk")
            .set_filter_expression((!filters.is_empty()).then(|| filters.join(" AND ")))
            .expression_attribute_names("#pk", partition.0)
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(false)
            // One more than wanted, so a full page knows whether anything follows it.
            .limit(i32::try_from(batch + 1).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
            .into_paginator()
            .send();
        let mut leads = Vec::with_capacity(query.limit);
        while let Some(page) = pages.try_next().await.map_err(StoreError::from)? {
            let exhausted = page.last_evaluated_key.is_none();
            let items = page.items.unwrap_or_default();
            let count = items.len();
            for (position, item) in items.into_iter().enumerate() {
                let stored: LeadItem =
                    serde_dynamo::from_item(item.clone()).map_err(StoreError::from)?;
                leads.push(ListedLead {
                    version: stored.version,
                    lead: stored.to_lead()?,
                });
                if leads.len() == query.limit {
                    let more = !exhausted || position + 1 < count;
                    let next_cursor = more.then(|| cursor::encode(index, &item, &key_attributes));
                    return Ok(LeadPage { leads, next_cursor });
                }
            }
        }
        Ok(LeadPage {
            leads,
            next_cursor: None,
        })
    }
}
