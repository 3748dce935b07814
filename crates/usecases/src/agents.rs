//! The tenant's agents, as the directory they sign in with (Cognito) knows them: who may be
//! given work.

use std::future::Future;

use domain::TenantId;

/// Whether an agent can take work in a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignability {
    Yes,
    /// No user of that name.
    Unknown,
    /// The user belongs to another tenant (or to none); answered as [`Assignability::Unknown`],
    /// so one tenant cannot learn another's agents.
    OtherTenant,
    /// The user is in this tenant but disabled.
    Disabled,
    /// The user is in this tenant but in neither the agents nor the admins group.
    NotAnAgent,
}

/// The directory could not be asked (an outage, a missing permission).
#[derive(Debug, Clone, thiserror::Error)]
#[error("could not look the agent up: {0}")]
pub struct DirectoryError(pub String);

pub trait Agents: Sync {
    fn assignable(
        &self,
        agent_id: &str,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Assignability, DirectoryError>> + Send;
}
