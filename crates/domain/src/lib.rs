//! Frontdesk's domain: entities, value types parsed at the edge, and the rules that hold whatever
//! stores or transports them. Nothing here knows of AWS, HTTP or Kafka.

pub mod analytics;
pub mod bot_user;
pub mod conversation;
pub mod customer;
pub mod email;
pub mod events;
pub mod lead;
pub mod outbound;
pub mod replay;
pub mod settings;
pub mod tenant;
pub mod text;
pub mod ticket;
pub mod wire;

pub use email::Email;
pub use tenant::{TenantId, TenantProfile};
