//! Typed settings read once at start-up, with every missing or malformed one reported together.

use std::fmt;

/// Reads settings from a lookup (the process environment in production, a map in tests) and
/// remembers every problem, so an operator fixes a deployment in one round instead of one
/// variable per cold start.
pub struct Settings<F> {
    lookup: F,
    problems: Vec<String>,
}

/// Everything wrong with a configuration, one variable per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError(pub Vec<String>);

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.0.join("; "))
    }
}

impl std::error::Error for SettingsError {}

/// A secret setting: its value, or where to read it from once per cold start.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Given(String),
    /// A Secrets Manager secret, read with the function's role.
    Stored {
        arn: String,
    },
}

impl Secret {
    /// The value, once it is known (a stored secret is read by the AWS adapter at start-up).
    pub fn value(&self) -> Option<&str> {
        match self {
            Self::Given(value) => Some(value),
            Self::Stored { .. } => None,
        }
    }
}

// Written by hand so a value never reaches a log through `{:?}`; where it is stored may.
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Given(_) => f.write_str("Secret(<redacted>)"),
            Self::Stored { arn } => write!(f, "Secret(stored at {arn})"),
        }
    }
}

impl Settings<fn(&str) -> Option<String>> {
    /// Settings from the process environment.
    pub fn from_env() -> Self {
        Self::new(|name| std::env::var(name).ok())
    }
}

impl<F: Fn(&str) -> Option<String>> Settings<F> {
    pub fn new(lookup: F) -> Self {
        Self {
            lookup,
            problems: Vec::new(),
        }
    }

    /// A variable that must be set to a non-empty value. Returns an empty string when it is not,
    /// after noting the problem; `finish` then fails.
    pub fn required(&mut self, name: &str) -> String {
        match self.optional(name) {
            Some(value) => value,
            None => {
                self.problems.push(format!("{name} is not set"));
                String::new()
            }
        }
    }

    /// A secret, given as `<NAME>_SECRET_ARN` (a Secrets Manager secret: what deployments use,
    /// so the value is never in the function's configuration) or, for local runs, as `<NAME>`
    /// itself. `None` when neither is set.
    pub fn secret(&mut self, name: &str) -> Option<Secret> {
        match self.optional(&format!("{name}_SECRET_ARN")) {
            Some(arn) => Some(Secret::Stored { arn }),
            None => self.optional(name).map(Secret::Given),
        }
    }

    /// A secret that must be set one way or the other; see [`Settings::secret`].
    pub fn required_secret(&mut self, name: &str) -> Secret {
        self.secret(name).unwrap_or_else(|| {
            self.problems
                .push(format!("{name}_SECRET_ARN (or {name}) is not set"));
            Secret::Given(String::new())
        })
    }

    /// A variable that may be absent; blank counts as absent.
    pub fn optional(&mut self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|value| !value.trim().is_empty())
    }

    /// A variable parsed by `parse`, or `default` when absent.
    pub fn parsed_or<T, E: fmt::Display>(
        &mut self,
        name: &str,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> T {
        match self.optional(name) {
            None => default,
            Some(raw) => parse(&raw).unwrap_or_else(|error| {
                self.problems.push(format!("{name}: {error}"));
                default
            }),
        }
    }

    pub fn finish(self) -> Result<(), SettingsError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(SettingsError(self.problems))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_problem_at_once() {
        let mut settings = Settings::new(|name| match name {
            "PORT" => Some("eighty".to_owned()),
            "BLANK" => Some("  ".to_owned()),
            _ => None,
        });
        settings.required("TABLE_A");
        settings.required("BLANK");
        let port: u16 = settings.parsed_or("PORT", 3000, str::parse);
        assert_eq!(port, 3000);
        let error = settings.finish().unwrap_err();
        assert_eq!(error.0.len(), 3);
        assert!(error.to_string().contains("TABLE_A is not set"));
        assert!(error.to_string().contains("BLANK is not set"));
        assert!(error.to_string().contains("PORT: invalid digit"));
    }

    #[test]
    fn secrets_come_from_secrets_manager_first_and_never_show_in_debug() {
        let lookup = |given: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                given
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        let mut both = Settings::new(lookup(&[
            ("AI_API_KEY", "sk-local"),
            (
                "AI_API_KEY_SECRET_ARN",
                "arn:aws:secretsmanager:eu-west-1:1:secret:ai",
            ),
        ]));
        assert_eq!(
            both.secret("AI_API_KEY"),
            Some(Secret::Stored {
                arn: "arn:aws:secretsmanager:eu-west-1:1:secret:ai".to_owned()
            })
        );
        let mut local = Settings::new(lookup(&[("AI_API_KEY", "sk-local")]));
        let secret = local.secret("AI_API_KEY").unwrap();
        assert_eq!(secret.value(), Some("sk-local"));
        assert!(!format!("{secret:?}").contains("sk-local"));
        let mut none = Settings::new(lookup(&[]));
        none.required_secret("KAFKA_SASL");
        assert!(
            none.finish()
                .unwrap_err()
                .to_string()
                .contains("KAFKA_SASL_SECRET_ARN (or KAFKA_SASL) is not set")
        );
    }

    #[test]
    fn passes_when_everything_is_there() {
        let mut settings = Settings::new(|_| Some("x".to_owned()));
        assert_eq!(settings.required("A"), "x");
        assert!(settings.finish().is_ok());
    }
}
