//! The channels' send APIs: the WhatsApp Cloud API, the Messenger and Instagram Send API (all on
//! Meta's Graph API) and X's direct-message API. One attempt per call; the caller retries what
//! [`SendFailure::Transient`] says may succeed later.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use domain::ticket::Channel;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::{Value, json};
use store::channel_accounts::ChannelAccount;

/// Where the providers' APIs are; configuration, so tests and the local stack use local ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderUrls {
    /// Meta's Graph API with its version, e.g. `https://graph.facebook.com/v21.0`.
    pub meta_graph: String,
    /// X's API, e.g. `https://api.x.com`.
    pub x: String,
}

/// A message the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub provider_message_id: String,
}

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendFailure {
    /// Rate limits, the provider's own errors, timeouts: worth trying again, after `retry_after`
    /// when the provider said.
    #[error("{reason}")]
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The provider refused the message itself (an invalid recipient, an expired token…):
    /// trying again would be refused again.
    #[error("{reason}")]
    Permanent { reason: String },
}

/// Sends text messages on the channels.
#[derive(Clone)]
pub struct ChannelSender {
    /// Built on the first send, not at cold start: building it reads the system's trust store,
    /// and a batch of alerts alone never needs it (BENCHMARKS.md).
    http: Arc<OnceLock<reqwest::Client>>,
    timeout: Duration,
    urls: ProviderUrls,
}

impl ChannelSender {
    pub fn new(urls: ProviderUrls, timeout: Duration) -> Self {
        Self {
            http: Arc::default(),
            timeout,
            urls,
        }
    }

    fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(self.timeout)
                .build()
                .expect("the HTTP client's TLS configuration is built in")
        })
    }

    /// Sends `text` to `recipient` (a WhatsApp number, a page- or account-scoped id, an X user
    /// id) from `account`.
    pub async fn send(
        &self,
        channel: Channel,
        account: &ChannelAccount,
        recipient: &str,
        text: &str,
    ) -> Result<Sent, SendFailure> {
        let token = account
            .access_token
            .as_deref()
            .ok_or_else(|| SendFailure::Permanent {
                reason: format!(
                    "no access token is configured for {} account {}",
                    account.channel, account.account_id
                ),
            })?;
        let graph = self.urls.meta_graph.trim_end_matches('/');
        let (url, body, id_at): (String, Value, &[&str]) = match channel {
            Channel::Whatsapp => (
                format!("{graph}/{}/messages", account.account_id),
                json!({
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    "to": recipient,
                    "type": "text",
                    "text": {"preview_url": false, "body": text},
                }),
                &["messages", "0", "id"],
            ),
            Channel::Facebook | Channel::Instagram => (
                format!("{graph}/{}/messages", account.account_id),
                json!({
                    "recipient": {"id": recipient},
                    "messaging_type": "RESPONSE",
                    "message": {"text": text},
                }),
                &["message_id"],
            ),
            Channel::Twitter => (
                format!(
                    "{}/2/dm_conversations/with/{recipient}/messages",
                    self.urls.x.trim_end_matches('/')
                ),
                json!({"text": text}),
                &["data", "dm_event_id"],
            ),
            Channel::WebChat | Channel::Email => {
                return Err(SendFailure::Permanent {
                    reason: format!("{channel} has no channel to send on"),
                });
            }
        };
        let response = self
            .http()
            .post(&url)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|error| SendFailure::Transient {
                reason: format!("{channel} did not answer: {}", without_url(&error)),
                retry_after: None,
            })?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(failure(channel, status, &headers, &answer));
        }
        let id = id_at
            .iter()
            .try_fold(&answer, |value, step| match step.parse::<usize>() {
                Ok(index) => value.get(index),
                Err(_) => value.get(step),
            })
            .and_then(Value::as_str)
            .ok_or_else(|| SendFailure::Permanent {
                reason: format!("{channel} accepted the message but named no message id: {answer}"),
            })?;
        Ok(Sent {
            provider_message_id: id.to_owned(),
        })
    }
}

/// The error without the URL, which may carry ids that do not belong in logs and records.
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "<provider>");
    }
    if error.is_timeout() {
        text = format!("timed out ({text})");
    }
    text
}

/// What a refusal means: 429 and 5xx pass, the rest of 4xx stay.
fn failure(
    channel: Channel,
    status: StatusCode,
    headers: &HeaderMap,
    answer: &Value,
) -> SendFailure {
    let said = answer["error"]["message"]
        .as_str()
        .or_else(|| answer["detail"].as_str())
        .or_else(|| answer["errors"][0]["message"].as_str())
        .or_else(|| answer["title"].as_str())
        .unwrap_or("no reason given");
    let code = answer["error"]["code"]
        .as_i64()
        .map(|code| format!(" (code {code})"))
        .unwrap_or_default();
    let reason = format!("{channel} answered {}: {said}{code}", status.as_u16());
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        SendFailure::Transient {
            reason,
            retry_after,
        }
    } else {
        SendFailure::Permanent { reason }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn rate_limits_and_server_errors_pass_and_say_when() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        let answer = json!({"error": {"message": "Too many calls", "code": 4}});
        assert_eq!(
            failure(
                Channel::Whatsapp,
                StatusCode::TOO_MANY_REQUESTS,
                &headers,
                &answer
            ),
            SendFailure::Transient {
                reason: "whatsapp answered 429: Too many calls (code 4)".into(),
                retry_after: Some(Duration::from_secs(7)),
            }
        );
        assert!(matches!(
            failure(
                Channel::Twitter,
                StatusCode::BAD_GATEWAY,
                &HeaderMap::new(),
                &Value::Null
            ),
            SendFailure::Transient {
                retry_after: None,
                ..
            }
        ));
    }

    #[test]
    fn other_refusals_are_permanent_with_the_providers_reason() {
        let answer = json!({"error": {"message": "(#131030) Recipient phone number not in allowed list", "code": 131030}});
        assert_eq!(
            failure(Channel::Whatsapp, StatusCode::BAD_REQUEST, &HeaderMap::new(), &answer),
            SendFailure::Permanent {
                reason: "whatsapp answered 400: (#131030) Recipient phone number not in allowed list (code 131030)".into()
            }
        );
        let x = json!({"detail": "You cannot send messages to this user."});
        assert!(matches!(
            failure(Channel::Twitter, StatusCode::FORBIDDEN, &HeaderMap::new(), &x),
            SendFailure::Permanent { reason } if reason.ends_with("You cannot send messages to this user.")
        ));
    }
}
