//! Who asks for a use case: a signed-in agent of a tenant, or an integration holding the
//! tenant's API key (a website, a chatbot). What each may do differs: integrations write as
//! customers or bots, publicly, and never see internal notes.

use domain::TenantId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Agent {
        /// The agent's username: what tickets are assigned to and events name.
        id: String,
        tenant: TenantId,
    },
    Integration {
        tenant: TenantId,
    },
}

impl Actor {
    pub fn tenant(&self) -> &TenantId {
        match self {
            Self::Agent { tenant, .. } | Self::Integration { tenant } => tenant,
        }
    }

    /// The agent's username, when an agent asks.
    pub fn agent(&self) -> Option<&str> {
        match self {
            Self::Agent { id, .. } => Some(id),
            Self::Integration { .. } => None,
        }
    }
}
