//! `GET /api/agents`: the tenant's team, for assigning work.

use serde::{Deserialize, Serialize};
use usecases::agents::{TeamMember, TeamRole};
use utoipa::ToSchema;

/// One agent of the tenant.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgentView {
    /// The username tickets are assigned to (`agent_id`).
    #[schema(example = "ana")]
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// `agent` or `admin`.
    #[schema(example = "agent")]
    pub role: String,
    /// A disabled agent keeps their tickets but cannot be given more.
    pub enabled: bool,
}

/// `GET /api/agents` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgentList {
    /// By id.
    pub agents: Vec<AgentView>,
}

impl From<Vec<TeamMember>> for AgentList {
    fn from(team: Vec<TeamMember>) -> Self {
        Self {
            agents: team
                .into_iter()
                .map(|member| AgentView {
                    id: member.id,
                    name: member.name,
                    email: member.email,
                    role: match member.role {
                        TeamRole::Agent => "agent",
                        TeamRole::Admin => "admin",
                    }
                    .to_owned(),
                    enabled: member.enabled,
                })
                .collect(),
        }
    }
}
