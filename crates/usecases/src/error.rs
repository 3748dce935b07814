//! What can go wrong in a port, reduced to what a use case can act on: the adapters translate
//! their service's failures into these.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The store could not be reached or refused the request; the cause is for the logs only.
    #[error("store request failed: {0}")]
    Unavailable(String),
    /// Stored data does not have the shape this code writes.
    #[error("stored item is malformed: {0}")]
    Malformed(String),
    /// Concurrent writers kept winning; the caller may retry the whole request.
    #[error("gave up after repeated write conflicts")]
    Contended,
}

/// A paging cursor that is not one this service handed out for this listing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("cursor is not valid for this listing")]
pub struct InvalidCursor;

/// Why a page of a listing could not be read.
#[derive(Debug, Error)]
pub enum ListError {
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A listing's failure where no cursor was given (the first page a change answers with): an
/// invalid cursor then can only come from data this code did not write.
impl From<ListError> for StoreError {
    fn from(error: ListError) -> Self {
        match error {
            ListError::Store(error) => error,
            ListError::InvalidCursor(invalid) => Self::Malformed(invalid.to_string()),
        }
    }
}
