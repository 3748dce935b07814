//! The tenant: the organisation (a team running Frontdesk) that owns every lead, ticket and key.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A tenant's id: 1–64 characters of lower-case ASCII letters, digits, `-` and `_`.
///
/// Tenant ids become part of storage keys (`<tenant>#<userId>`), so they may never contain `#`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a tenant id is 1-64 characters of a-z, 0-9, '-' and '_'")]
pub struct InvalidTenantId;

impl TenantId {
    pub fn parse(raw: &str) -> Result<Self, InvalidTenantId> {
        let valid = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidTenantId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TenantId {
    type Error = InvalidTenantId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TenantId> for String {
    fn from(value: TenantId) -> Self {
        value.0
    }
}

/// What a tenant tells its visitors and its assistant about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantProfile {
    pub tenant_id: TenantId,
    /// The business's name, shown in the widget (seed 002's `realtor.name`).
    pub name: String,
    /// The business's website domain (seed 002's `realtor.domain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Where the team can be written to (seed 002's `realtor.email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The subjects the assistant may discuss; empty means anything.
    #[serde(default)]
    pub allowed_topics: Vec<String>,
    /// Who hears about leads that became ready.
    #[serde(default)]
    pub notification_emails: Vec<String>,
}

impl TenantProfile {
    /// The profile of a tenant that has not set one. Its name stays empty: the tenant id is an
    /// internal handle, never said to visitors, so whoever shows the name falls back to a
    /// neutral phrase ("our team").
    pub fn unnamed(tenant_id: TenantId) -> Self {
        Self {
            name: String::new(),
            tenant_id,
            domain: None,
            email: None,
            allowed_topics: Vec::new(),
            notification_emails: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slug_like_ids() {
        assert_eq!(TenantId::parse("acme-2").unwrap().as_str(), "acme-2");
    }

    #[test]
    fn refuses_separators_case_and_length() {
        for bad in ["", "Acme", "a#b", "a b", &"x".repeat(65)] {
            assert!(TenantId::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
