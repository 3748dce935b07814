//! Customers of a tenant: one profile per person, reachable from every channel handle they have
//! written from. A (channel, handle) pair belongs to exactly one customer.

use serde::{Deserialize, Serialize};

use crate::text::{IdentifierError, parse_identifier};
use crate::ticket::{Channel, CustomerId};

/// The longest handle a channel gives us (phone numbers, page-scoped ids, emails, session ids).
const MAX_HANDLE_CHARS: usize = 320;

/// A customer's handle on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelIdentity {
    pub channel: Channel,
    pub handle: String,
}

impl ChannelIdentity {
    /// A handle presented by a caller or a webhook: trimmed, non-empty, bounded. Email handles
    /// are case-insensitive, so they are kept lower-case and one address is one identity.
    pub fn parse(channel: Channel, handle: &str) -> Result<Self, IdentifierError> {
        let handle = parse_identifier(handle, MAX_HANDLE_CHARS)?;
        let handle = if channel == Channel::Email {
            handle.to_lowercase()
        } else {
            handle
        };
        Ok(Self { channel, handle })
    }
}

/// A customer's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub internal_id: CustomerId,
    pub name: Option<String>,
    pub primary_email: Option<String>,
    /// Every channel the customer has written from, in first-seen order.
    pub channels: Vec<Channel>,
    /// Every handle the customer is known by.
    pub identities: Vec<ChannelIdentity>,
    pub created_at: String,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_handles_are_case_insensitive_others_are_kept() {
        let email = ChannelIdentity::parse(Channel::Email, " Ana@Example.com ").unwrap();
        assert_eq!(email.handle, "ana@example.com");
        let twitter = ChannelIdentity::parse(Channel::Twitter, "AnaB").unwrap();
        assert_eq!(twitter.handle, "AnaB");
        assert!(ChannelIdentity::parse(Channel::Whatsapp, "  ").is_err());
    }
}
