//! The agents' directory in memory: who may be given work in which tenant, decided as the
//! Cognito directory decides it (the tenant first, then whether the account is enabled, then the
//! groups).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::TenantId;

use super::lock;
use crate::agents::{Agents, Assignability, DirectoryError, TeamMember, TeamRole};

/// Users of the directory; clones share them.
#[derive(Clone, Default)]
pub struct MemoryAgents {
    users: Arc<Mutex<HashMap<String, DirectoryUser>>>,
}

#[derive(Debug, Clone)]
struct DirectoryUser {
    tenant: Option<TenantId>,
    enabled: bool,
    works_tickets: bool,
}

impl MemoryAgents {
    /// An enabled agent of `tenant`.
    pub fn agent(&self, username: &str, tenant: &TenantId) {
        self.user(username, Some(tenant), true, true);
    }

    /// A user of the directory: of a tenant or of none, enabled or not, in the agents' or
    /// admins' group (`works_tickets`) or in neither.
    pub fn user(
        &self,
        username: &str,
        tenant: Option<&TenantId>,
        enabled: bool,
        works_tickets: bool,
    ) {
        lock(&self.users).insert(
            username.to_owned(),
            DirectoryUser {
                tenant: tenant.cloned(),
                enabled,
                works_tickets,
            },
        );
    }
}

impl Agents for MemoryAgents {
    async fn assignable(
        &self,
        agent_id: &str,
        tenant: &TenantId,
    ) -> Result<Assignability, DirectoryError> {
        let users = lock(&self.users);
        Ok(match users.get(agent_id) {
            None => Assignability::Unknown,
            Some(user) if user.tenant.as_ref() != Some(tenant) => Assignability::OtherTenant,
            Some(user) if !user.enabled => Assignability::Disabled,
            Some(user) if !user.works_tickets => Assignability::NotAnAgent,
            Some(_) => Assignability::Yes,
        })
    }

    async fn team(&self, tenant: &TenantId) -> Result<Vec<TeamMember>, DirectoryError> {
        Ok(lock(&self.users)
            .iter()
            .filter(|(_, user)| user.tenant.as_ref() == Some(tenant) && user.works_tickets)
            .map(|(id, user)| TeamMember {
                id: id.clone(),
                name: None,
                email: None,
                role: TeamRole::Agent,
                enabled: user.enabled,
            })
            .collect())
    }
}
