//! The local stack's demo tenants, agents and channel accounts. Their keys and password are fixed so the README's
//! examples work as printed; they exist only in the local moto server and must never be used
//! elsewhere.

use auth::IssuedKey;
use domain::ticket::Channel;
use domain::{TenantId, TenantProfile};
use store::StoreError;
use store::api_keys::ApiKeyStore;
use store::channel_accounts::{ChannelAccount, ChannelAccountStore};
use store::tenants::TenantStore;

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

/// The demo tenants' profiles: what their widgets show and what their assistants keep to. Globex
/// limits its assistant to property topics, so topic refusals can be tried locally.
pub fn tenant_profiles() -> [TenantProfile; 2] {
    let tenant = |id: &str| TenantId::parse(id).expect("demo tenant ids are valid");
    [
        TenantProfile {
            name: "Acme Outdoor".to_owned(),
            domain: Some("acme.example".to_owned()),
            email: Some("sales@acme.example".to_owned()),
            notification_emails: vec!["sales@acme.example".to_owned()],
            ..TenantProfile::unnamed(tenant("acme"))
        },
        TenantProfile {
            name: "Globex Realty".to_owned(),
            domain: Some("globex.example".to_owned()),
            email: Some("agents@globex.example".to_owned()),
            allowed_topics: ["apartment", "house", "rent", "buy", "viewing", "mortgage"]
                .map(str::to_owned)
                .to_vec(),
            notification_emails: vec!["agents@globex.example".to_owned()],
            ..TenantProfile::unnamed(tenant("globex"))
        },
    ]
}

/// Stores the demo tenants' profiles (saving again replaces them).
pub async fn seed_tenant_profiles(tenants: &TenantStore) -> Result<(), StoreError> {
    for profile in tenant_profiles() {
        tenants.save(&profile).await?;
    }
    Ok(())
}

/// A channel account a demo tenant has connected: where the local webhook routes take
/// deliveries for, and the secrets to sign them with.
#[derive(Debug, Clone, Copy)]
pub struct DemoChannelAccount {
    pub tenant: &'static str,
    pub channel: Channel,
    pub account_id: &'static str,
    pub verify_token: &'static str,
    pub signing_secret: &'static str,
}

const META_SECRET_ACME: &str = "local-meta-app-secret-acme";

pub const CHANNEL_ACCOUNTS: [DemoChannelAccount; 6] = [
    DemoChannelAccount {
        tenant: "acme",
        channel: Channel::Whatsapp,
        account_id: "106540352242922",
        verify_token: "local-whatsapp-verify-token",
        signing_secret: META_SECRET_ACME,
    },
    // A second number of the same WhatsApp Business app (one delivery may carry both).
    DemoChannelAccount {
        tenant: "acme",
        channel: Channel::Whatsapp,
        account_id: "113355779911224",
        verify_token: "local-whatsapp-verify-token-2",
        signing_secret: META_SECRET_ACME,
    },
    DemoChannelAccount {
        tenant: "acme",
        channel: Channel::Facebook,
        account_id: "104328875843917",
        verify_token: "local-facebook-verify-token",
        signing_secret: META_SECRET_ACME,
    },
    DemoChannelAccount {
        tenant: "acme",
        channel: Channel::Instagram,
        account_id: "17841405793187218",
        verify_token: "local-instagram-verify-token",
        signing_secret: META_SECRET_ACME,
    },
    DemoChannelAccount {
        tenant: "acme",
        channel: Channel::Twitter,
        account_id: "4337869213",
        verify_token: "local-x-unused",
        signing_secret: "local-x-consumer-secret-acme",
    },
    DemoChannelAccount {
        tenant: "globex",
        channel: Channel::Whatsapp,
        account_id: "100000000000002",
        verify_token: "local-whatsapp-verify-token-globex",
        signing_secret: "local-meta-app-secret-globex",
    },
];

/// Connects the demo channel accounts (saving again replaces them).
pub async fn seed_channel_accounts(accounts: &ChannelAccountStore) -> Result<(), StoreError> {
    for demo in CHANNEL_ACCOUNTS {
        accounts
            .save(&ChannelAccount {
                tenant_id: TenantId::parse(demo.tenant).expect("demo tenant ids are valid"),
                channel: demo.channel,
                account_id: demo.account_id.to_owned(),
                verify_token: demo.verify_token.to_owned(),
                signing_secret: demo.signing_secret.to_owned(),
                access_token: Some(format!("local-{}-access-token", demo.channel)),
                label: "local demo".to_owned(),
            })
            .await?;
    }
    Ok(())
}

/// A demo support agent of the local user pool.
#[derive(Debug, Clone, Copy)]
pub struct DemoAgent {
    pub username: &'static str,
    /// The name and email the console shows beside the username (Cognito's standard attributes).
    pub name: &'static str,
    pub email: &'static str,
    pub tenant: &'static str,
    /// The Cognito group that gives the agent a role; `None` signs in but may do nothing.
    pub group: Option<&'static str>,
}

/// Every demo agent's password. It meets Cognito's default password policy.
pub const AGENT_PASSWORD: &str = "Frontdesk-local-1";

pub const AGENTS: [DemoAgent; 4] = [
    DemoAgent {
        username: "ana",
        name: "Ana Alves",
        email: "ana@acme.example",
        tenant: "acme",
        group: Some(auth::token::AGENTS_GROUP),
    },
    DemoAgent {
        username: "adam",
        name: "Adam Berg",
        email: "adam@acme.example",
        tenant: "acme",
        group: Some(auth::token::ADMINS_GROUP),
    },
    DemoAgent {
        username: "gina",
        name: "Gina Moretti",
        email: "gina@globex.example",
        tenant: "globex",
        group: Some(auth::token::AGENTS_GROUP),
    },
    // In no group: her token is genuine, and every agent route answers it 403.
    DemoAgent {
        username: "olga",
        name: "Olga Nowak",
        email: "olga@acme.example",
        tenant: "acme",
        group: None,
    },
];

/// The demo agent of that username.
pub fn agent(username: &str) -> Option<DemoAgent> {
    AGENTS.into_iter().find(|agent| agent.username == username)
}
