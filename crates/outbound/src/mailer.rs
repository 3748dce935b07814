//! Lead alerts by email through Amazon SES (v2 API).

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::providers::SendFailure;

/// Sends alert emails from one verified address.
#[derive(Clone)]
pub struct AlertMailer {
    client: Client,
    /// `None`: alerts are not configured, and each is recorded as not sent.
    from: Option<String>,
}

impl AlertMailer {
    pub fn new(client: Client, from: Option<String>) -> Self {
        Self { client, from }
    }

    /// Sends a plain-text email; the SES message id on success.
    pub async fn send(
        &self,
        to: &[String],
        subject: &str,
        text: &str,
    ) -> Result<String, SendFailure> {
        let from = self.from.as_deref().ok_or_else(|| SendFailure::Permanent {
            reason: "ALERTS_FROM_EMAIL is not set: lead alerts are off".to_owned(),
        })?;
        let content = |text: &str| {
            Content::builder()
                .data(text)
                .charset("UTF-8")
                .build()
                .map_err(|error| SendFailure::Permanent {
                    reason: error.to_string(),
                })
        };
        let message = Message::builder()
            .subject(content(subject)?)
            .body(Body::builder().text(content(text)?).build())
            .build();
        let result = self
            .client
            .send_email()
            .from_email_address(from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(to.to_vec()))
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.message_id.unwrap_or_default()),
            Err(SdkError::ServiceError(error)) => {
                let reason = format!("SES refused the email: {}", error.err());
                Err(match error.err() {
                    SendEmailError::TooManyRequestsException(_)
                    | SendEmailError::LimitExceededException(_) => SendFailure::Transient {
                        reason,
                        retry_after: None,
                    },
                    _ => SendFailure::Permanent { reason },
                })
            }
            Err(error) => Err(SendFailure::Transient {
                reason: format!("SES did not answer: {error}"),
                retry_after: None,
            }),
        }
    }
}
