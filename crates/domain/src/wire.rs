//! Closed sets of wire values (statuses, channels, intents…): each spelt once, parsed with an
//! error that lists the accepted values.

use thiserror::Error;

/// A value outside an enum's accepted set.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown {what} '{value}'; expected one of: {}", accepted.join(", "))]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub accepted: &'static [&'static str],
}

/// Defines an enum of wire values with `parse`, `as_str`, `Display`, serde and `ALL`.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        // Written out rather than derived: the derive cannot read the wire spellings through
        // this macro and would describe the variants' Rust names, which the server refuses.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// The value for `text`, or an error listing the accepted values.
            pub fn parse(text: &str) -> Result<Self, $crate::wire::UnknownValue> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    _ => Err($crate::wire::UnknownValue {
                        what: $what,
                        value: text.to_owned(),
                        accepted: &[$($text),+],
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use wire_enum;
