//! Who is calling: tenant API keys for websites, widgets and integrations, and support agents
//! signed in with Cognito.

pub mod agents;
pub mod api_key;
pub mod directory;
pub mod jwks;
pub mod settings;
pub mod token;

pub use agents::{AgentAuth, Caller, WithAgents};
pub use api_key::{ApiKeys, IssuedKey, KeyCaller, KeyGrant, Tenant, WithApiKeys};
pub use directory::{AgentDirectory, Assignability, DirectoryError};
pub use settings::CognitoSettings;
pub use token::{Agent, Role, TokenError};
