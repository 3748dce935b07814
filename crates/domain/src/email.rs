//! E-mail addresses as leads give them: checked for the shape mail systems accept.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A syntactically valid e-mail address (`local@domain.tld`), trimmed, domain lower-cased.
///
/// This is the pragmatic subset every mail provider accepts, not full RFC 5322: quoted local
/// parts and IP-literal domains are refused because no lead form produces them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("is not a valid email address")]
pub struct InvalidEmail;

const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let raw = raw.trim();
        if raw.len() > MAX_LEN {
            return Err(InvalidEmail);
        }
        let (local, domain) = raw.rsplit_once('@').ok_or(InvalidEmail)?;
        if !valid_local(local) || !valid_domain(domain) {
            return Err(InvalidEmail);
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(char::is_alphabetic) && tld.len() >= 2)
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidEmail;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_addresses_and_normalises_the_domain() {
        assert_eq!(
            Email::parse(" Ana.Perez+leads@Example.COM ")
                .unwrap()
                .as_str(),
            "Ana.Perez+leads@example.com"
        );
        assert!(Email::parse("unknown_user_1_abc@placeholder.com").is_ok());
        assert!(Email::parse("jo@mail.co.uk").is_ok());
    }

    #[test]
    fn refuses_what_no_mailbox_can_be() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "ana example@example.com",
            "ana@exa mple.com",
            ".ana@example.com",
            "ana..b@example.com",
            "ana@-example.com",
            "ana@example.c0m",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }
}
