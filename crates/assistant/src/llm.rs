//! A language model behind any OpenAI-compatible `chat/completions` endpoint (OpenAI,
//! OpenRouter, Gemini's OpenAI-compatible endpoint, a local server), asked for a JSON reply and
//! intent, and falling back to the built-in engine on any failure.
//!
//! The model only writes the words. What the lead is made of stays deterministic: the profile
//! comes from [`crate::extract`] and the score from [`crate::intent`], which the model's intent
//! may move by at most [`crate::intent::MODEL_SHIFT`] points ([`crate::intent::blend`]), so a
//! model cannot invent an email or make a lead ready on its own.

use std::time::Duration;

use domain::lead::LeadIntent;
use domain::settings::Secret;
use serde::Deserialize;
use serde_json::json;
use thiserror::Error;

use crate::builtin::{self, BuiltIn};
use crate::config::LlmConfig;
use crate::intent;
use usecases::conversations::{Engine, Profile, Reply, ReplyFuture, Role, TenantBrief, Turn};

pub const ENGINE_NAME: &str = "llm";

/// A chat-completions client. Build it once per cold start: it holds the connection pool.
#[derive(Debug)]
pub struct OpenAiCompatible {
    config: LlmConfig,
    http: reqwest::Client,
    fallback: BuiltIn,
}

/// Why the model's answer was not used. Never carries the key or the response body, which
/// could echo the prompt back into the logs.
#[derive(Debug, Error)]
pub enum LlmError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("request failed: {0}")]
    Transport(String),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("malformed answer: {0}")]
    Malformed(String),
    #[error("unknown intent {0:?}")]
    UnknownIntent(String),
    #[error("empty reply")]
    EmptyReply,
}

/// The JSON object the model is asked to answer with.
#[derive(Debug, Deserialize)]
struct ModelAnswer {
    reply: String,
    intent: String,
    #[serde(default)]
    off_topic: bool,
}

#[derive(Debug, Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Debug, Deserialize)]
struct ChoiceMessage {
    content: Option<String>,
}

impl OpenAiCompatible {
    pub fn new(config: LlmConfig) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeout)
            .build()
            .expect("the HTTP client's TLS configuration is built in");
        Self {
            config,
            http,
            fallback: BuiltIn,
        }
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    async fn answer(&self, brief: &TenantBrief, history: &[Turn], message: &str) -> Reply {
        let profile = builtin::known_profile(history, Some(message));
        match self.ask(brief, history, message, &profile).await {
            Ok(answer) => {
                let rules = builtin::conversation_score(history, message);
                let blended = intent::blend(rules, answer.intent);
                Reply {
                    follow_up: answer.reply.contains('?'),
                    text: answer.reply,
                    intent: blended.intent,
                    score: blended.score,
                    profile,
                    off_topic: answer.off_topic,
                    engine: ENGINE_NAME,
                }
            }
            Err(error) => {
                tracing::warn!(
                    provider = self.config.provider.as_str(),
                    model = %self.config.model,
                    %error,
                    "assistant model failed; answering with the built-in engine"
                );
                self.fallback.answer(brief, history, message)
            }
        }
    }

    async fn ask(
        &self,
        brief: &TenantBrief,
        history: &[Turn],
        message: &str,
        profile: &Profile,
    ) -> Result<Answer, LlmError> {
        let body = serde_json::to_vec(&request_body(
            &self.config.model,
            brief,
            history,
            message,
            profile,
        ))
        .expect("a JSON value always serialises");
        let url = format!("{}/chat/completions", self.config.base_url);
        let mut request = self
            .http
            .post(url)
            .timeout(self.config.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(key) = self.config.api_key.as_ref().and_then(Secret::value) {
            request = request.bearer_auth(key);
        }
        let timeout = |error: reqwest::Error| {
            if error.is_timeout() {
                LlmError::Timeout(self.config.timeout)
            } else {
                // Without the URL: a local server's address is fine to log, but a proxy URL
                // could carry credentials.
                LlmError::Transport(error.without_url().to_string())
            }
        };
        let response = request.send().await.map_err(timeout)?;
        if !response.status().is_success() {
            return Err(LlmError::Status(response.status().as_u16()));
        }
        let bytes = response.bytes().await.map_err(timeout)?;
        parse_answer(&bytes)
    }
}

impl Engine for OpenAiCompatible {
    fn reply<'a>(
        &'a self,
        brief: &'a TenantBrief,
        history: &'a [Turn],
        message: &'a str,
    ) -> ReplyFuture<'a> {
        Box::pin(self.answer(brief, history, message))
    }

    fn longest_reply(&self) -> Duration {
        self.config.timeout
    }
}

/// A model answer that passed every check.
#[derive(Debug)]
struct Answer {
    reply: String,
    intent: LeadIntent,
    off_topic: bool,
}

fn parse_answer(bytes: &[u8]) -> Result<Answer, LlmError> {
    let completion: Completion = serde_json::from_slice(bytes)
        .map_err(|e| LlmError::Malformed(format!("completion: {e}")))?;
    let content = completion
        .choices
        .into_iter()
        .next()
        .and_then(|choice| choice.message.content)
        .ok_or_else(|| LlmError::Malformed("no choices[0].message.content".to_owned()))?;
    let answer: ModelAnswer = serde_json::from_str(strip_code_fence(&content))
        .map_err(|e| LlmError::Malformed(format!("content: {e}")))?;
    let intent = LeadIntent::parse(&answer.intent.trim().to_ascii_uppercase())
        .map_err(|_| LlmError::UnknownIntent(answer.intent.clone()))?;
    let reply = answer.reply.trim();
    if reply.is_empty() {
        return Err(LlmError::EmptyReply);
    }
    Ok(Answer {
        reply: reply.to_owned(),
        intent,
        off_topic: answer.off_topic,
    })
}

/// Some models wrap JSON in a Markdown code fence even when asked for a bare object.
fn strip_code_fence(content: &str) -> &str {
    let trimmed = content.trim();
    trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .map_or(trimmed, str::trim)
}

fn request_body(
    model: &str,
    brief: &TenantBrief,
    history: &[Turn],
    message: &str,
    profile: &Profile,
) -> serde_json::Value {
    let mut messages = vec![json!({"role": "system", "content": system_prompt(brief, profile)})];
    messages.extend(history.iter().map(|turn| {
        let role = match turn.role {
            Role::Visitor => "user",
            Role::Assistant => "assistant",
        };
        json!({"role": role, "content": turn.content})
    }));
    messages.push(json!({"role": "user", "content": message}));
    json!({
        "model": model,
        "messages": messages,
        "response_format": {"type": "json_object"},
        "temperature": 0.3,
    })
}

fn system_prompt(brief: &TenantBrief, profile: &Profile) -> String {
    let business = match brief.business.trim() {
        "" => "a business".to_owned(),
        name => name.to_owned(),
    };
    let topics = if brief.allowed_topics.is_empty() {
        String::new()
    } else {
        format!(
            " Only discuss these topics: {}. If the visitor asks about anything else, politely decline, name these topics and set \"off_topic\" to true.",
            brief.allowed_topics.join(", ")
        )
    };
    let known = |value: &Option<String>| value.clone().unwrap_or_else(|| "unknown".to_owned());
    format!(
        "You are the website chat assistant for {business}. Be short, friendly and helpful, and \
         ask only one question at a time. Help the visitor, and collect their name and an email \
         address or phone number so the team can follow up; do not ask again for what is already \
         known.{topics}\n\
         Known about the visitor: name {}, email {}, phone {}.\n\
         Answer with one JSON object and nothing else: {{\"reply\": \"<your message to the \
         visitor>\", \"intent\": \"HOT|WARM|COLD|NEUTRAL\", \"off_topic\": false}}. intent: HOT = \
         ready to buy, WARM = interested, COLD = not interested, NEUTRAL = nothing to judge yet.",
        known(&profile.name),
        known(&profile.email),
        known(&profile.phone),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completion(content: &str) -> Vec<u8> {
        serde_json::to_vec(
            &json!({"choices": [{"message": {"role": "assistant", "content": content}}]}),
        )
        .unwrap()
    }

    #[test]
    fn answers_are_checked_field_by_field() {
        let good = parse_answer(&completion(r#"{"reply": " Hi! ", "intent": "warm"}"#)).unwrap();
        assert_eq!(good.reply, "Hi!");
        assert_eq!(good.intent, LeadIntent::Warm);
        assert!(!good.off_topic);
        let fenced = parse_answer(&completion(
            "```json\n{\"reply\": \"Hi\", \"intent\": \"HOT\", \"off_topic\": true}\n```",
        ))
        .unwrap();
        assert_eq!(fenced.intent, LeadIntent::Hot);
        assert!(fenced.off_topic);

        let failures = [
            (
                completion(r#"{"reply": "Hi", "intent": "EAGER"}"#),
                "unknown intent",
            ),
            (
                completion(r#"{"reply": "  ", "intent": "HOT"}"#),
                "empty reply",
            ),
            (completion("Sure! Here you go"), "malformed"),
            (completion(r#"{"intent": "HOT"}"#), "malformed"),
            (br#"{"choices": []}"#.to_vec(), "malformed"),
            (b"<html>".to_vec(), "malformed"),
        ];
        for (body, expected) in failures {
            let error = parse_answer(&body).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn the_prompt_carries_the_brief_topics_and_what_is_known() {
        let brief = TenantBrief {
            business: "Acme Solar".into(),
            allowed_topics: vec!["solar panels".into(), "financing".into()],
        };
        let profile = Profile {
            name: Some("Ana".into()),
            ..Profile::default()
        };
        let prompt = system_prompt(&brief, &profile);
        assert!(prompt.contains("Acme Solar"));
        assert!(prompt.contains("Only discuss these topics: solar panels, financing."));
        assert!(prompt.contains("name Ana, email unknown"));
        assert!(!system_prompt(&TenantBrief::default(), &profile).contains("Only discuss"));
    }
}
