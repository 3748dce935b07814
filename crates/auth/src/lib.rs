//! Who is calling: tenant API keys for websites, widgets and integrations.

pub mod api_key;

pub use api_key::{ApiKeys, IssuedKey, Tenant, WithApiKeys};
