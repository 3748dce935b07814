//! The users a team's Lex bot registers and edits (seed 003's book-store bot): a username and an
//! email address, unique per tenant and username.

use std::fmt;

use thiserror::Error;

const MAX_USERNAME_CHARS: usize = 64;

/// A username as the bot heard it: 1–64 letters, digits, spaces, `.`, `_`, `-` or `'`. Compared
/// without regard to case, so "Ana" and "ana" are one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidUsername {
    #[error("a username must not be empty")]
    Empty,
    #[error("a username is at most {MAX_USERNAME_CHARS} characters")]
    TooLong,
    #[error("a username has letters, digits, spaces, '.', '_', '-' and '\\'' only")]
    Character,
}

impl Username {
    pub fn parse(raw: &str) -> Result<Self, InvalidUsername> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(InvalidUsername::Empty);
        }
        if name.chars().count() > MAX_USERNAME_CHARS {
            return Err(InvalidUsername::TooLong);
        }
        let allowed = |c: char| c.is_alphanumeric() || " ._-'".contains(c);
        if !name.chars().all(allowed) {
            return Err(InvalidUsername::Character);
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two spellings of one username share.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_compared_without_case() {
        let ana = Username::parse("  Ana   Lopez ").unwrap();
        assert_eq!(ana.as_str(), "Ana Lopez");
        assert_eq!(ana.key(), Username::parse("ana lopez").unwrap().key());
        assert_eq!(
            Username::parse("o'neil_2.x-y").unwrap().as_str(),
            "o'neil_2.x-y"
        );
    }

    #[test]
    fn refuses_empty_long_and_odd_names() {
        assert_eq!(Username::parse("  "), Err(InvalidUsername::Empty));
        assert_eq!(
            Username::parse(&"a".repeat(65)),
            Err(InvalidUsername::TooLong)
        );
        assert_eq!(Username::parse("ana#1"), Err(InvalidUsername::Character));
    }
}
