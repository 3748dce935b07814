//! Which engine answers, read once from `AI_*` settings.
//!
//! | variable        | meaning                                                                 |
//! |-----------------|-------------------------------------------------------------------------|
//! | `AI_PROVIDER`   | `builtin` (default), `openai`, `openrouter`, `gemini`, `openai-compatible` |
//! | `AI_MODEL`      | the model name; required for every provider but `builtin`              |
//! | `AI_BASE_URL`   | defaults per provider; required for `openai-compatible`                |
//! | `AI_API_KEY_SECRET_ARN` | the Secrets Manager secret holding the key (deployed); read at cold start |
//! | `AI_API_KEY`    | the key itself, for local runs; one of the two is required for the hosted providers |
//! | `AI_TIMEOUT_MS` | per-request limit before falling back, default 8000                    |
//!
//! The timeout stays well under API Gateway's 29-second limit so a slow model still leaves time
//! for the built-in answer.

use std::fmt;
use std::time::Duration;

use domain::settings::{Secret, Settings};

use crate::builtin::BuiltIn;
use crate::engine::Engine;
use crate::llm::OpenAiCompatible;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(8000);

/// Where the model is hosted; decides the default base URL and whether a key is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    BuiltIn,
    OpenAi,
    OpenRouter,
    Gemini,
    OpenAiCompatible,
}

impl Provider {
    const ALL: [Self; 5] = [
        Self::BuiltIn,
        Self::OpenAi,
        Self::OpenRouter,
        Self::Gemini,
        Self::OpenAiCompatible,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BuiltIn => "builtin",
            Self::OpenAi => "openai",
            Self::OpenRouter => "openrouter",
            Self::Gemini => "gemini",
            Self::OpenAiCompatible => "openai-compatible",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|provider| provider.as_str() == raw)
            .ok_or_else(|| {
                let accepted: Vec<&str> = Self::ALL.iter().map(|p| p.as_str()).collect();
                format!(
                    "unknown provider {raw:?}, expected one of {}",
                    accepted.join(", ")
                )
            })
    }

    /// The provider's documented OpenAI-compatible base URL.
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            Self::OpenAi => Some("https://api.openai.com/v1"),
            Self::OpenRouter => Some("https://openrouter.ai/api/v1"),
            Self::Gemini => Some("https://generativelanguage.googleapis.com/v1beta/openai"),
            Self::BuiltIn | Self::OpenAiCompatible => None,
        }
    }

    /// Hosted providers refuse requests without a key; a local server usually takes none.
    fn needs_key(self) -> bool {
        matches!(self, Self::OpenAi | Self::OpenRouter | Self::Gemini)
    }
}

/// How to reach a model.
#[derive(Clone, PartialEq, Eq)]
pub struct LlmConfig {
    pub provider: Provider,
    /// Without a trailing slash; `/chat/completions` is appended.
    pub base_url: String,
    /// Deployed, a Secrets Manager secret (`AI_API_KEY_SECRET_ARN`) the function reads at cold
    /// start ([`EngineConfig::secret_mut`]); locally, `AI_API_KEY`.
    pub api_key: Option<Secret>,
    pub model: String,
    pub timeout: Duration,
}

/// Written by hand so the key never reaches a log through `{:?}`.
impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The engine settings chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineConfig {
    BuiltIn,
    Llm(LlmConfig),
}

impl EngineConfig {
    /// Reads the `AI_*` variables, noting every problem in `settings` (the caller's
    /// `settings.finish()` reports them with the rest of its configuration).
    pub fn from_settings<F: Fn(&str) -> Option<String>>(settings: &mut Settings<F>) -> Self {
        let provider = settings.parsed_or("AI_PROVIDER", Provider::BuiltIn, Provider::parse);
        if provider == Provider::BuiltIn {
            return Self::BuiltIn;
        }
        let model = settings.required("AI_MODEL");
        let base_url = match provider.default_base_url() {
            Some(default) => settings.parsed_or("AI_BASE_URL", default.to_owned(), parse_base_url),
            None => {
                let raw = settings.required("AI_BASE_URL");
                settings.parsed_or("AI_BASE_URL", raw, parse_base_url)
            }
        };
        let api_key = if provider.needs_key() {
            Some(settings.required_secret("AI_API_KEY"))
        } else {
            settings.secret("AI_API_KEY")
        };
        let timeout = settings.parsed_or("AI_TIMEOUT_MS", DEFAULT_TIMEOUT, parse_timeout);
        Self::Llm(LlmConfig {
            provider,
            base_url,
            api_key,
            model,
            timeout,
        })
    }

    /// The provider's key where it still has to be read from Secrets Manager (before `build`).
    pub fn secret_mut(&mut self) -> Option<&mut Secret> {
        match self {
            Self::Llm(config) => config.api_key.as_mut(),
            Self::BuiltIn => None,
        }
    }

    /// The engine, ready to answer. Build it once per cold start, its key revealed.
    pub fn build(self) -> Box<dyn Engine> {
        match self {
            Self::BuiltIn => Box::new(BuiltIn),
            Self::Llm(config) => Box::new(OpenAiCompatible::new(config)),
        }
    }
}

/// The engine the `AI_*` settings choose; problems are noted in `settings` for its `finish()`.
pub fn from_settings<F: Fn(&str) -> Option<String>>(settings: &mut Settings<F>) -> Box<dyn Engine> {
    EngineConfig::from_settings(settings).build()
}

fn parse_base_url(raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    if host.is_empty() {
        return Err("has no host".to_owned());
    }
    Ok(url.to_owned())
}

fn parse_timeout(raw: &str) -> Result<Duration, String> {
    match raw.trim().parse::<u64>() {
        Ok(0) | Err(_) => Err(format!("{raw:?} is not a positive number of milliseconds")),
        Ok(millis) => Ok(Duration::from_millis(millis)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> (EngineConfig, Result<(), Vec<String>>) {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut settings = Settings::new(move |name: &str| vars.get(name).cloned());
        let config = EngineConfig::from_settings(&mut settings);
        (config, settings.finish().map_err(|e| e.0))
    }

    fn llm(vars: &[(&str, &str)]) -> LlmConfig {
        match read(vars) {
            (EngineConfig::Llm(config), Ok(())) => config,
            other => panic!("expected a model configuration, got {other:?}"),
        }
    }

    #[test]
    fn builtin_is_the_default_and_needs_nothing() {
        assert_eq!(read(&[]), (EngineConfig::BuiltIn, Ok(())));
        assert_eq!(
            read(&[("AI_PROVIDER", "builtin"), ("AI_TIMEOUT_MS", "junk")]),
            (EngineConfig::BuiltIn, Ok(()))
        );
    }

    #[test]
    fn hosted_providers_default_their_base_url() {
        for (provider, url) in [
            ("openai", "https://api.openai.com/v1"),
            ("openrouter", "https://openrouter.ai/api/v1"),
            (
                "Gemini",
                "https://generativelanguage.googleapis.com/v1beta/openai",
            ),
        ] {
            let config = llm(&[
                ("AI_PROVIDER", provider),
                ("AI_MODEL", "m"),
                ("AI_API_KEY", "k"),
            ]);
            assert_eq!(config.base_url, url, "{provider}");
            assert_eq!(config.api_key.as_ref().and_then(Secret::value), Some("k"));
            assert_eq!(config.timeout, DEFAULT_TIMEOUT);
        }
    }

    #[test]
    fn an_explicit_base_url_and_timeout_win() {
        let config = llm(&[
            ("AI_PROVIDER", "openai"),
            ("AI_MODEL", "m"),
            ("AI_API_KEY", "k"),
            ("AI_BASE_URL", "https://proxy.example/v1/"),
            ("AI_TIMEOUT_MS", "2500"),
        ]);
        assert_eq!(config.base_url, "https://proxy.example/v1");
        assert_eq!(config.timeout, Duration::from_millis(2500));
    }

    #[test]
    fn a_local_server_needs_a_base_url_but_no_key() {
        let config = llm(&[
            ("AI_PROVIDER", "openai-compatible"),
            ("AI_MODEL", "llama"),
            ("AI_BASE_URL", "http://127.0.0.1:8080/v1"),
        ]);
        assert_eq!(config.api_key, None);
        let (_, problems) = read(&[("AI_PROVIDER", "openai-compatible"), ("AI_MODEL", "m")]);
        assert_eq!(problems, Err(vec!["AI_BASE_URL is not set".to_owned()]));
    }

    #[test]
    fn every_problem_is_reported_together() {
        let (_, problems) = read(&[("AI_PROVIDER", "gemini"), ("AI_TIMEOUT_MS", "0")]);
        let problems = problems.unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("AI_MODEL is not set"));
        assert!(problems[1].contains("AI_API_KEY_SECRET_ARN (or AI_API_KEY) is not set"));
        assert!(problems[2].starts_with("AI_TIMEOUT_MS"));

        let (_, problems) = read(&[("AI_PROVIDER", "claude-direct")]);
        assert!(problems.unwrap_err()[0].contains("unknown provider \"claude-direct\""));

        let (_, problems) = read(&[
            ("AI_PROVIDER", "openai"),
            ("AI_MODEL", "m"),
            ("AI_API_KEY", "k"),
            ("AI_BASE_URL", "ftp://x"),
        ]);
        assert!(problems.unwrap_err()[0].starts_with("AI_BASE_URL: must start with http"));
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let config = llm(&[
            ("AI_PROVIDER", "openai"),
            ("AI_MODEL", "m"),
            ("AI_API_KEY", "sk-very-secret"),
        ]);
        let shown = format!("{config:?}");
        assert!(!shown.contains("sk-very-secret"));
        assert!(shown.contains("<redacted>"));
    }
}
