//! Tenant profiles in DynamoDB, remembered for a minute in each execution environment: every chat
//! message needs its tenant's topics and name, and they change rarely.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::{TenantId, TenantProfile};

use usecases::conversations::TenantProfiles;

use crate::recent::Recent;
use crate::{StoreError, TableNames};

/// How long a profile read is reused; an edited profile reaches every function within it.
const CACHE_TTL: Duration = Duration::from_secs(60);
/// More tenants than one deployment serves from one function instance at once.
const CACHE_CAPACITY: usize = 1_024;

#[derive(Clone)]
pub struct TenantStore {
    client: Client,
    table: String,
    recent: Recent<TenantId, TenantProfile>,
}

impl TenantStore {
    pub fn new(client: Client, tables: &TableNames) -> Self {
        Self {
            client,
            table: tables.tenants.clone(),
            recent: Recent::new(CACHE_TTL, CACHE_CAPACITY),
        }
    }

    /// The tenant's profile; a tenant without one gets [`TenantProfile::unnamed`].
    pub async fn profile(&self, tenant: &TenantId) -> Result<TenantProfile, StoreError> {
        if let Some(profile) = self.recent.get(tenant) {
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
        self.recent.insert(tenant.clone(), profile.clone());
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
        self.recent.forget(&profile.tenant_id);
        Ok(())
    }
}

impl TenantProfiles for TenantStore {
    async fn profile(&self, tenant: &TenantId) -> Result<TenantProfile, usecases::StoreError> {
        Ok(TenantStore::profile(self, tenant).await?)
    }
}
