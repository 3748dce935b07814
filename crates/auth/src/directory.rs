//! The user pool as a directory of agents: whether a username may be given work in a tenant
//! (a ticket assigned to them), asked of Cognito with `AdminGetUser` and
//! `AdminListGroupsForUser`.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserError;
use domain::TenantId;

use crate::token::Role;

pub use usecases::agents::{Assignability, DirectoryError};

/// Looks agents up in the pool. Cheap to clone.
#[derive(Clone)]
pub struct AgentDirectory {
    client: Client,
    user_pool_id: String,
    tenant_attribute: String,
}

impl AgentDirectory {
    /// `tenant_attribute` is the user attribute holding the tenant: the one ID tokens carry as
    /// the tenant claim.
    pub fn new(client: Client, user_pool_id: String, tenant_attribute: String) -> Self {
        Self {
            client,
            user_pool_id,
            tenant_attribute,
        }
    }

    pub async fn assignable(
        &self,
        agent_id: &str,
        tenant: &TenantId,
    ) -> Result<Assignability, DirectoryError> {
        let output = match self
            .client
            .admin_get_user()
            .user_pool_id(&self.user_pool_id)
            .username(agent_id)
            .send()
            .await
        {
            Ok(output) => output,
            Err(error)
                if matches!(
                    error.as_service_error(),
                    Some(AdminGetUserError::UserNotFoundException(_))
                ) =>
            {
                return Ok(Assignability::Unknown);
            }
            Err(error) => return Err(DirectoryError(DisplayErrorContext(&error).to_string())),
        };
        let user_tenant = output
            .user_attributes()
            .iter()
            .find(|attribute| attribute.name() == self.tenant_attribute)
            .and_then(|attribute| attribute.value());
        match assignability(user_tenant, output.enabled(), tenant) {
            Assignability::Yes => self.role_check(agent_id).await,
            refused => Ok(refused),
        }
    }

    /// Whether the user is in a group that works tickets.
    async fn role_check(&self, agent_id: &str) -> Result<Assignability, DirectoryError> {
        let output = self
            .client
            .admin_list_groups_for_user()
            .user_pool_id(&self.user_pool_id)
            .username(agent_id)
            .send()
            .await
            .map_err(|error| DirectoryError(DisplayErrorContext(&error).to_string()))?;
        let groups: Vec<&str> = output
            .groups()
            .iter()
            .filter_map(|group| group.group_name())
            .collect();
        Ok(match Role::from_groups(&groups) {
            Some(_) => Assignability::Yes,
            None => Assignability::NotAnAgent,
        })
    }
}

impl usecases::agents::Agents for AgentDirectory {
    async fn assignable(
        &self,
        agent_id: &str,
        tenant: &TenantId,
    ) -> Result<Assignability, DirectoryError> {
        // The inherent method of the same name: the use cases reach the directory through the
        // port.
        AgentDirectory::assignable(self, agent_id, tenant).await
    }
}

/// The decision for a user found in the pool. The tenant is checked first so a disabled agent
/// of another tenant reads as any other tenant's agent.
fn assignability(user_tenant: Option<&str>, enabled: bool, tenant: &TenantId) -> Assignability {
    if user_tenant != Some(tenant.as_str()) {
        Assignability::OtherTenant
    } else if !enabled {
        Assignability::Disabled
    } else {
        Assignability::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_first_then_enabled() {
        let acme = TenantId::parse("acme").unwrap();
        assert_eq!(assignability(Some("acme"), true, &acme), Assignability::Yes);
        assert_eq!(
            assignability(Some("acme"), false, &acme),
            Assignability::Disabled
        );
        assert_eq!(
            assignability(Some("globex"), false, &acme),
            Assignability::OtherTenant
        );
        assert_eq!(assignability(None, true, &acme), Assignability::OtherTenant);
    }
}
