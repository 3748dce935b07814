//! The local stack's demo tenants and agents. Their keys and password are fixed so the README's
//! examples work as printed; they exist only in the local moto server and must never be used
//! elsewhere.

use auth::IssuedKey;
use domain::TenantId;
use store::StoreError;
use store::api_keys::ApiKeyStore;

/// A demo tenant and its API key.
#[derive(Debug, Clone, Copy)]
pub struct DemoTenant {
    pub tenant: &'static str,
    pub api_key: &'static str,
}

pub const TENANTS: [DemoTenant; 2] = [
    DemoTenant {
        tenant: "acme",
        api_key: "fdk_local_acme_demo_key",
    },
    DemoTenant {
        tenant: "globex",
        api_key: "fdk_local_globex_demo_key",
    },
];

/// Stores the demo tenants' keys (hashed, like any key); already present keys are left alone.
pub async fn seed(keys: &ApiKeyStore, now_ms: u64) -> Result<(), StoreError> {
    for demo in TENANTS {
        let tenant = TenantId::parse(demo.tenant).expect("demo tenant ids are valid");
        let issued = IssuedKey::from_key(demo.api_key.to_owned(), tenant, "local demo", now_ms);
        keys.insert(&issued.record).await?;
    }
    Ok(())
}

/// A demo support agent of the local user pool.
#[derive(Debug, Clone, Copy)]
pub struct DemoAgent {
    pub username: &'static str,
    pub tenant: &'static str,
    /// The Cognito group that gives the agent a role; `None` signs in but may do nothing.
    pub group: Option<&'static str>,
}

/// Every demo agent's password. It meets Cognito's default password policy.
pub const AGENT_PASSWORD: &str = "Frontdesk-local-1";

pub const AGENTS: [DemoAgent; 4] = [
    DemoAgent {
        username: "ana",
        tenant: "acme",
        group: Some(auth::token::AGENTS_GROUP),
    },
    DemoAgent {
        username: "adam",
        tenant: "acme",
        group: Some(auth::token::ADMINS_GROUP),
    },
    DemoAgent {
        username: "gina",
        tenant: "globex",
        group: Some(auth::token::AGENTS_GROUP),
    },
    // In no group: her token is genuine, and every agent route answers it 403.
    DemoAgent {
        username: "olga",
        tenant: "acme",
        group: None,
    },
];

/// The demo agent of that username.
pub fn agent(username: &str) -> Option<DemoAgent> {
    AGENTS.into_iter().find(|agent| agent.username == username)
}
