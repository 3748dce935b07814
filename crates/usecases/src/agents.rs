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

/// What an agent may do: `admin`s also manage the tenant's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamRole {
    Agent,
    Admin,
}

/// One of the tenant's agents, as the people they work with see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// The username tickets are assigned to.
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: TeamRole,
    /// A disabled agent keeps their tickets but cannot sign in nor be given more.
    pub enabled: bool,
}

pub trait Agents: Sync {
    fn assignable(
        &self,
        agent_id: &str,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Assignability, DirectoryError>> + Send;

    /// Every agent and admin of the tenant.
    fn team(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<TeamMember>, DirectoryError>> + Send;
}

/// The tenant's agents and admins, by id: who a ticket can be assigned to (the enabled ones).
pub async fn team(
    directory: &impl Agents,
    tenant: &TenantId,
) -> Result<Vec<TeamMember>, DirectoryError> {
    let mut members = directory.team(tenant).await?;
    members.sort_by(|a, b| a.id.cmp(&b.id));
    members.dedup_by(|a, b| a.id == b.id);
    Ok(members)
}
