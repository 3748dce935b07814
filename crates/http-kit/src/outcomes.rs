//! How each use case's errors are answered over HTTP: the code of the catalogue and the text,
//! in one place for every route (each seed family's key is applied when the answer is rendered).

use usecases::StoreError;
use usecases::tickets::{
    AddMessageError, CustomerTicketsError, HandOffError, OpenTicketError, ReadTicketError,
    ReceiveError, UpdateTicketError,
};
use usecases::{InvalidCursor, ListError};

use crate::{ApiError, ErrorCode};

/// A store failure: ours, logged, answered 500; 503 when writers kept colliding on `what`.
pub fn store_failure(error: StoreError, what: &str) -> ApiError {
    match error {
        StoreError::Contended => ApiError::new(
            ErrorCode::Contended,
            format!("The {what} is changing too fast; retry shortly"),
        ),
        other => ApiError::internal(format!("Could not reach the {what} store"), &other),
    }
}

fn invalid_cursor(_: InvalidCursor) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCursor,
        "cursor is not valid for this listing; start again without it",
    )
}

pub fn ticket_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "Ticket not found")
}

pub fn customer_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "Customer not found")
}

impl From<ListError> for ApiError {
    fn from(error: ListError) -> Self {
        match error {
            ListError::InvalidCursor(invalid) => invalid_cursor(invalid),
            ListError::Store(error) => store_failure(error, "ticket"),
        }
    }
}

impl From<OpenTicketError> for ApiError {
    fn from(error: OpenTicketError) -> Self {
        match error {
            OpenTicketError::Store(error) => store_failure(error, "ticket"),
        }
    }
}

impl From<ReadTicketError> for ApiError {
    fn from(error: ReadTicketError) -> Self {
        match error {
            ReadTicketError::NotFound => ticket_not_found(),
            ReadTicketError::InvalidCursor(invalid) => invalid_cursor(invalid),
            ReadTicketError::Store(error) => store_failure(error, "ticket"),
        }
    }
}

impl From<CustomerTicketsError> for ApiError {
    fn from(error: CustomerTicketsError) -> Self {
        match error {
            CustomerTicketsError::NotFound => customer_not_found(),
            CustomerTicketsError::InvalidCursor(invalid) => invalid_cursor(invalid),
            CustomerTicketsError::Store(error) => store_failure(error, "ticket"),
        }
    }
}

impl From<UpdateTicketError> for ApiError {
    fn from(error: UpdateTicketError) -> Self {
        match error {
            UpdateTicketError::NoUpdates => ApiError::new(ErrorCode::NoUpdates, error.to_string()),
            UpdateTicketError::NotFound => ticket_not_found(),
            UpdateTicketError::Refused(refused) => {
                ApiError::new(ErrorCode::InvalidTransition, refused.to_string())
            }
            UpdateTicketError::NotAssignable { .. } => {
                ApiError::new(ErrorCode::UnknownAgent, error.to_string())
            }
            UpdateTicketError::Directory(cause) => {
                ApiError::internal("Could not look the agent up", &cause)
            }
            UpdateTicketError::Store(error) => store_failure(error, "ticket"),
        }
    }
}

impl From<AddMessageError> for ApiError {
    fn from(error: AddMessageError) -> Self {
        match error {
            AddMessageError::NotFound => ticket_not_found(),
            AddMessageError::NotAnAgent => ApiError::new(ErrorCode::Forbidden, error.to_string()),
            AddMessageError::SystemReserved => {
                ApiError::new(ErrorCode::InvalidField, error.to_string())
            }
            AddMessageError::Closed(closed) => {
                ApiError::new(ErrorCode::TicketClosed, closed.to_string())
            }
            AddMessageError::Store(error) => store_failure(error, "ticket"),
        }
    }
}

impl From<HandOffError> for ApiError {
    fn from(error: HandOffError) -> Self {
        match error {
            HandOffError::InvalidTags(invalid) => {
                ApiError::new(ErrorCode::InvalidField, invalid.to_string())
            }
            HandOffError::KeyReused => crate::idempotency::key_reused(),
            HandOffError::Store(error) => ApiError::internal("Could not create the ticket", &error),
        }
    }
}

impl From<ReceiveError> for ApiError {
    fn from(error: ReceiveError) -> Self {
        match error {
            ReceiveError::InvalidSender(_) => {
                ApiError::new(ErrorCode::InvalidDelivery, error.to_string())
            }
            ReceiveError::Store(error) => ApiError::internal("Could not store the message", &error),
        }
    }
}
