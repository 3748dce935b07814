//! Tenant profiles in memory, behind the port the assistant's brief is read through.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::{TenantId, TenantProfile};

use super::lock;
use crate::StoreError;
use crate::conversations::TenantProfiles;

/// Tenant profiles in memory; clones share them.
#[derive(Clone, Default)]
pub struct MemoryTenants {
    profiles: Arc<Mutex<HashMap<TenantId, TenantProfile>>>,
}

impl MemoryTenants {
    /// Stores a tenant's profile, replacing the one it had.
    pub fn save(&self, profile: TenantProfile) {
        lock(&self.profiles).insert(profile.tenant_id.clone(), profile);
    }
}

impl TenantProfiles for MemoryTenants {
    async fn profile(&self, tenant: &TenantId) -> Result<TenantProfile, StoreError> {
        Ok(lock(&self.profiles)
            .get(tenant)
            .cloned()
            .unwrap_or_else(|| TenantProfile::unnamed(tenant.clone())))
    }
}
