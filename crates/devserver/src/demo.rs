//! The local stack's demo tenants. Their keys are fixed so the README's examples work as
//! printed; they exist only in the local moto server and must never be used elsewhere.

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
