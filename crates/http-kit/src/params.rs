//! Reading a request's parameters and free-text fields with errors that name them: trimmed
//! values (blank counts as absent), bounded numbers, enum values, time bounds, bounded texts
//! and tags.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{ApiError, ErrorCode};

/// A query value, trimmed; blank counts as absent.
pub fn present(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|raw| !raw.is_empty())
}

/// A whole number between 1 and `max` from a query parameter, `default` when absent.
pub fn bounded_number(
    name: &str,
    raw: Option<&str>,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let Some(raw) = present(raw) else {
        return Ok(default);
    };
    match raw.parse::<usize>() {
        Ok(value) if (1..=max).contains(&value) => Ok(value),
        _ => Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("{name} must be a whole number from 1 to {max}"),
        )),
    }
}

/// An enum value from a query parameter, refused with the accepted values.
pub fn enum_param<T, E: std::fmt::Display>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, ApiError> {
    present(raw)
        .map(|raw| {
            parse(raw).map_err(|error| ApiError::new(ErrorCode::InvalidQuery, error.to_string()))
        })
        .transpose()
}

/// A time bound from a query parameter in the stored form (RFC 3339 UTC, milliseconds). A bare
/// date means its first millisecond, or its last when `end_of_day`.
pub fn time_bound(
    name: &str,
    raw: Option<&str>,
    end_of_day: bool,
) -> Result<Option<String>, ApiError> {
    let Some(raw) = present(raw) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidQuery,
            format!(
                "{name} must be an RFC 3339 time (2026-11-22T10:00:00Z) or a date (2026-11-22)"
            ),
        )
    };
    let instant = if raw.len() == 10 {
        let clock = if end_of_day {
            "T23:59:59.999Z"
        } else {
            "T00:00:00Z"
        };
        OffsetDateTime::parse(&format!("{raw}{clock}"), &Rfc3339).map_err(|_| invalid())?
    } else {
        OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| invalid())?
    };
    Ok(Some(usecases::clock::rfc3339_millis(instant)))
}

/// A free-text field of a request, trimmed and bounded, or a 400 naming it.
pub fn text_field(field: &'static str, text: &str, max: usize) -> Result<String, ApiError> {
    domain::ticket::bounded_text(field, text, max)
        .map_err(|error| ApiError::new(ErrorCode::InvalidField, error.to_string()))
}

/// Tags from a request, normalised, or a 400 naming the problem.
pub fn tags(raw: &[String]) -> Result<Vec<String>, ApiError> {
    domain::ticket::normalise_tags(raw)
        .map_err(|error| ApiError::new(ErrorCode::InvalidField, error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds_are_normalised_to_the_stored_form() {
        assert_eq!(
            time_bound("created_from", Some("2026-11-22T10:00:00+02:00"), false).unwrap(),
            Some("2026-11-22T08:00:00.000Z".to_owned())
        );
        assert_eq!(
            time_bound("created_to", Some("2026-11-22"), true).unwrap(),
            Some("2026-11-22T23:59:59.999Z".to_owned())
        );
        assert_eq!(
            time_bound("created_from", Some("2026-11-22"), false).unwrap(),
            Some("2026-11-22T00:00:00.000Z".to_owned())
        );
        let error = time_bound("created_from", Some("yesterday"), false).unwrap_err();
        assert!(error.text.contains("created_from"), "{}", error.text);
        assert_eq!(time_bound("created_to", None, true).unwrap(), None);
    }

    #[test]
    fn numbers_are_bounded_and_named() {
        assert_eq!(bounded_number("limit", None, 20, 100).unwrap(), 20);
        assert_eq!(bounded_number("limit", Some("5"), 20, 100).unwrap(), 5);
        for bad in ["0", "101", "-1", "ten"] {
            let error = bounded_number("limit", Some(bad), 20, 100).unwrap_err();
            assert_eq!(error.text, "limit must be a whole number from 1 to 100");
        }
    }
}
