//! What can go wrong talking to DynamoDB, reduced to what callers can act on.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// DynamoDB could not be reached or refused the request; the cause is for the logs only.
    #[error("DynamoDB request failed: {0}")]
    Unavailable(String),
    /// An item in the table does not have the shape this code writes.
    #[error("stored item is malformed: {0}")]
    Malformed(String),
    /// Concurrent writers kept winning; the caller may retry the whole request.
    #[error("gave up after repeated write conflicts")]
    Contended,
}

impl<E, R> From<SdkError<E, R>> for StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    fn from(error: SdkError<E, R>) -> Self {
        Self::Unavailable(DisplayErrorContext(&error).to_string())
    }
}

impl From<serde_dynamo::Error> for StoreError {
    fn from(error: serde_dynamo::Error) -> Self {
        Self::Malformed(error.to_string())
    }
}

/// The outcome of a conditional write: `Ok(true)` when it was applied, `Ok(false)` when its
/// condition refused it (an expected answer, not an error), any other failure as an error.
pub(crate) fn condition_held<T, E, R>(result: Result<T, SdkError<E, R>>) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(SdkError::ServiceError(error))
            if error.err().code() == Some("ConditionalCheckFailedException") =>
        {
            Ok(false)
        }
        Err(error) => Err(error.into()),
    }
}

/// At the ports, a DynamoDB failure becomes the application layer's.
impl From<StoreError> for usecases::StoreError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(cause) => Self::Unavailable(cause),
            StoreError::Malformed(cause) => Self::Malformed(cause),
            StoreError::Contended => Self::Contended,
        }
    }
}

impl From<usecases::StoreError> for StoreError {
    fn from(error: usecases::StoreError) -> Self {
        match error {
            usecases::StoreError::Unavailable(cause) => Self::Unavailable(cause),
            usecases::StoreError::Malformed(cause) => Self::Malformed(cause),
            usecases::StoreError::Contended => Self::Contended,
        }
    }
}

impl From<StoreError> for usecases::ListError {
    fn from(error: StoreError) -> Self {
        Self::Store(error.into())
    }
}
