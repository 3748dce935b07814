//! Tenant profiles in DynamoDB, remembered for a minute in each execution environment: every chat
//! message needs its tenant's topics and name, and they change rarely.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::{TenantId, TenantProfile};

use crate::{StoreError, TableNames};

/// How long a profile read is reused; an edited profile reaches every function within it.
const CACHE_TTL: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct TenantStore {
    client: Client,
    table: String,
    cache: Arc<Mutex<HashMap<TenantId, (TenantProfile, Instant)>>>,
}

impl TenantStore {
    pub fn new(client: Client, tables: &TableNames) -> Self {
        Self {
            client,
            table: tables.tenants.clone(),
            cache: Arc::default(),
        }
    }

    /// The tenant's profile; a tenant without one gets [`TenantProfile::unnamed`].
    pub async fn profile(&self, tenant: &TenantId) -> Result<TenantProfile, StoreError> {
        if let Some(profile) = self.cached(tenant) {
            return Ok(profile);
        }
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("tenantId", AttributeValue::S(tenant.to_string()))
            .send()
            .await?;
        let profile = match output.item {
            Some(item) => serde_dynamo::from_item(item)?,
            None => TenantProfile::unnamed(tenant.clone()),
        };
        self.lock()
            .insert(tenant.clone(), (profile.clone(), Instant::now()));
        Ok(profile)
    }

    /// Stores a tenant's profile, replacing the one it had.
    pub async fn save(&self, profile: &TenantProfile) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(serde_dynamo::to_item(profile)?))
            .send()
            .await?;
        self.lock().remove(&profile.tenant_id);
        Ok(())
    }

    fn cached(&self, tenant: &TenantId) -> Option<TenantProfile> {
        self.lock()
            .get(tenant)
            .filter(|(_, read)| read.elapsed() < CACHE_TTL)
            .map(|(profile, _)| profile.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, (TenantProfile, Instant)>> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
