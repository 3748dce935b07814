//! JSON decoding shared by the providers' parsers: errors that name the path into the body, and
//! the providers' habit of sending numbers as strings and ids as either.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::Value;

use crate::inbound::ParseError;

/// The body as a JSON tree, or an error saying where the syntax broke.
pub(crate) fn parse_body(body: &[u8]) -> Result<Value, ParseError> {
    serde_json::from_slice(body).map_err(|e| ParseError::new(format!("body is not JSON: {e}")))
}

/// Checks the `object` member Meta puts at the top of every delivery, so a Page delivery sent to
/// the WhatsApp route (or anything else) is refused before its shape is examined.
pub(crate) fn expect_object(body: &Value, expected: &str) -> Result<(), ParseError> {
    match body.get("object") {
        Some(Value::String(found)) if found == expected => Ok(()),
        Some(Value::String(found)) => Err(ParseError::new(format!(
            "object: expected \"{expected}\", found \"{found}\""
        ))),
        Some(_) => Err(ParseError::new("object: expected a string")),
        None if body.is_object() => Err(ParseError::new("missing field `object`")),
        None => Err(ParseError::new("body: expected a JSON object")),
    }
}

/// Deserialises `value`, which sits at path `at` in the body (`""` for the body itself), so an
/// error names the full path from the top of the body.
pub(crate) fn decode<T: DeserializeOwned>(value: Value, at: &str) -> Result<T, ParseError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = join_path(at, &error.path().to_string());
        let cause = error.inner();
        if path.is_empty() {
            ParseError::new(cause.to_string())
        } else {
            ParseError::new(format!("{path}: {cause}"))
        }
    })
}

/// `at` followed by the path serde_path_to_error found below it. Its root prints as `.` and a
/// path it could not follow as `?`; both add nothing.
pub(crate) fn join_path(at: &str, below: &str) -> String {
    if below == "." || below == "?" || below.is_empty() {
        at.to_owned()
    } else if at.is_empty() || below.starts_with('[') {
        format!("{at}{below}")
    } else {
        format!("{at}.{below}")
    }
}

/// Meta documents its messaging timestamps in milliseconds. A value too small to be
/// milliseconds of this era (below 10^11, i.e. before 1973 in ms but after 5000 AD in seconds) is
/// taken to be seconds already, so a payload in seconds does not land in 1970.
pub(crate) fn millis_to_seconds(value: u64) -> u64 {
    if value >= 100_000_000_000 {
        value / 1000
    } else {
        value
    }
}

/// An unsigned integer sent either as a JSON number or as a string of digits: WhatsApp and X
/// send their timestamps as strings, Meta's Messenger ones as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Integer(pub u64);

impl<'de> serde::Deserialize<'de> for Integer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IntegerVisitor;

        impl Visitor<'_> for IntegerVisitor {
            type Value = Integer;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer or a string of digits")
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Integer, E> {
                Ok(Integer(value))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Integer, E> {
                u64::try_from(value)
                    .map(Integer)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Integer, E> {
                value
                    .trim()
                    .parse()
                    .map(Integer)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(value), &self))
            }
        }

        deserializer.deserialize_any(IntegerVisitor)
    }
}

/// For `#[serde(deserialize_with)]` on ids: the providers document them as strings, but an id that
/// arrives as a JSON number is the same id and must not fail the whole delivery.
pub(crate) fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct IdVisitor;

    impl Visitor<'_> for IdVisitor {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an id (string or integer)")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
            Ok(value.to_owned())
        }

        fn visit_string<E: de::Error>(self, value: String) -> Result<String, E> {
            Ok(value)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<String, E> {
            Ok(value.to_string())
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<String, E> {
            Ok(value.to_string())
        }
    }

    deserializer.deserialize_any(IdVisitor)
}

/// The text of an id found while walking a body leniently (string or integer), else `None`.
pub(crate) fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) if number.is_u64() => Some(number.to_string()),
        _ => None,
    }
}

/// Trimmed text, or `None` when nothing is left: a blank caption is no caption.
pub(crate) fn non_blank(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Stamped {
        at: Integer,
        #[serde(deserialize_with = "id")]
        id: String,
    }

    #[test]
    fn integers_and_ids_arrive_as_strings_or_numbers() {
        let stamped: Stamped = decode(json!({"at": "1749416383", "id": 42}), "").unwrap();
        assert_eq!(stamped.at, Integer(1_749_416_383));
        assert_eq!(stamped.id, "42");
        let stamped: Stamped = decode(json!({"at": 1_749_416_383, "id": "x"}), "").unwrap();
        assert_eq!(stamped.at, Integer(1_749_416_383));
        assert_eq!(stamped.id, "x");
    }

    #[test]
    fn errors_name_the_path_from_the_top_of_the_body() {
        let error = decode::<Vec<Stamped>>(json!([{"at": "soon", "id": "x"}]), "entry[0].items")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("entry[0].items[0].at: invalid value: string \"soon\""),
            "{error}"
        );

        let error = decode::<Stamped>(json!({"id": "x"}), "entry[1]")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "entry[1]: missing field `at`");

        let error = decode::<Stamped>(json!({"id": "x"}), "")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "missing field `at`");
    }

    #[test]
    fn milliseconds_become_seconds_and_seconds_stay() {
        assert_eq!(millis_to_seconds(1_458_692_752_478), 1_458_692_752);
        assert_eq!(millis_to_seconds(1_458_692_752), 1_458_692_752);
    }

    #[test]
    fn the_object_member_must_be_the_expected_one() {
        assert!(expect_object(&json!({"object": "page"}), "page").is_ok());
        assert_eq!(
            expect_object(&json!({"object": "instagram"}), "page")
                .unwrap_err()
                .to_string(),
            "object: expected \"page\", found \"instagram\""
        );
        assert!(expect_object(&json!({"entry": []}), "page").is_err());
        assert!(expect_object(&json!([1]), "page").is_err());
    }
}
