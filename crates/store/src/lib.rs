//! Frontdesk's DynamoDB adapter: the table definitions, the mapping between domain values and
//! items, and every conditional write that keeps the data rules. The one crate that sees
//! `AttributeValue`.

pub mod analytics;
pub mod api_keys;
mod backend;
pub mod bot_users;
pub mod channel_accounts;
pub mod conversations;
pub mod cursor;
pub mod deliveries;
mod error;
pub mod https;
pub mod leads;
pub mod recent;
pub mod replay;
pub mod secrets;
pub mod stream;
pub mod tables;
pub mod tenants;
pub mod tickets;
mod transact;

pub use aws_sdk_dynamodb::Client as DynamoDbClient;
pub use aws_sdk_dynamodb::types::AttributeValue;
pub use backend::Backend;
pub use error::StoreError;
pub(crate) use error::condition_held;
pub use tables::TableNames;
