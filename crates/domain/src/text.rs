//! Bounded, printable identifiers: the shape every client-chosen id (user, conversation) must have.

use thiserror::Error;

/// Why a client-supplied identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentifierError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// Checks an identifier chosen by a client: trimmed, non-empty, at most `max` characters and free
/// of control characters (they would corrupt logs and keys built from it).
pub fn parse_identifier(raw: &str, max: usize) -> Result<String, IdentifierError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(IdentifierError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(IdentifierError::TooLong { max });
    }
    if trimmed.chars().any(char::is_control) {
        return Err(IdentifierError::ControlCharacter);
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_ordinary_ids() {
        assert_eq!(parse_identifier("  user_1 ", 10).unwrap(), "user_1");
    }

    #[test]
    fn refuses_empty_long_and_control_characters() {
        assert_eq!(parse_identifier("   ", 10), Err(IdentifierError::Empty));
        assert_eq!(
            parse_identifier("abcdefghijk", 10),
            Err(IdentifierError::TooLong { max: 10 })
        );
        assert_eq!(
            parse_identifier("a\nb", 10),
            Err(IdentifierError::ControlCharacter)
        );
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(parse_identifier("ñññññ", 5).is_ok());
    }
}
