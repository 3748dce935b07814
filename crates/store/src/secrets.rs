//! Secret settings kept in AWS Secrets Manager (the AI provider's key, the Kafka SCRAM
//! credentials), read once per cold start with the function's role, so no secret is ever in a
//! template parameter or a function's environment.

use aws_config::SdkConfig;
use domain::settings::Secret;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SecretError {
    /// Secrets Manager refused or could not be reached; the cause names the secret, not its value.
    #[error("secret {arn} could not be read: {cause}")]
    Unreadable { arn: String, cause: String },
    #[error("secret {arn} holds no text")]
    NotText { arn: String },
}

/// The text of a Secrets Manager secret (its current version).
pub async fn secret_text(config: &SdkConfig, arn: &str) -> Result<String, SecretError> {
    let client = aws_sdk_secretsmanager::Client::new(config);
    let output = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|error| SecretError::Unreadable {
            arn: arn.to_owned(),
            cause: aws_sdk_secretsmanager::error::DisplayErrorContext(&error).to_string(),
        })?;
    output
        .secret_string()
        .map(str::to_owned)
        .ok_or_else(|| SecretError::NotText {
            arn: arn.to_owned(),
        })
}

/// Makes `secret` known: a stored one is read and becomes its value.
pub async fn reveal(config: &SdkConfig, secret: &mut Secret) -> Result<(), SecretError> {
    if let Secret::Stored { arn } = secret {
        *secret = Secret::Given(secret_text(config, arn).await?);
    }
    Ok(())
}
