//! Every error code the API answers: one catalogue, with the status each code comes with and what
//! it means. Errors leave as `{"<family key>": "<text>", "code": "<code>"}`; the OpenAPI document
//! lists the whole catalogue and, per route, the codes that route answers.

use axum::http::StatusCode;

macro_rules! catalogue {
    ($($(#[doc = $doc:literal])+ $variant:ident => ($status:ident, $code:literal),)+) => {
        /// An error code of the API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl ErrorCode {
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The code as it is sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            /// The HTTP status the code comes with.
            pub fn status(self) -> StatusCode {
                match self {
                    $(Self::$variant => StatusCode::$status,)+
                }
            }

            /// What the code means, for the catalogue in the OpenAPI document.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!($($doc),+).trim_ascii(),)+
                }
            }
        }
    };
}

catalogue! {
    /// The request cannot be read: a path or query parameter the route cannot parse.
    BadRequest => (BAD_REQUEST, "bad_request"),
    /// The body is not valid JSON, has the wrong shape, or has text after its JSON value.
    InvalidJson => (BAD_REQUEST, "invalid_json"),
    /// The body could not be read at all.
    UnreadableBody => (BAD_REQUEST, "unreadable_body"),
    /// A field is missing, empty, too long or not of the accepted form; the text names it.
    InvalidField => (BAD_REQUEST, "invalid_field"),
    /// A query parameter is not of the accepted form; the text names it.
    InvalidQuery => (BAD_REQUEST, "invalid_query"),
    /// A paging cursor is not one this listing handed out; start again without it.
    InvalidCursor => (BAD_REQUEST, "invalid_cursor"),
    /// The update names nothing to change.
    NoUpdates => (BAD_REQUEST, "no_updates"),
    /// A lead capture carries no lead data.
    MissingLeadData => (BAD_REQUEST, "missing_lead_data"),
    /// A lead capture's data is invalid; the text names the field.
    InvalidLeadData => (BAD_REQUEST, "invalid_lead_data"),
    /// A user id is missing.
    MissingUserId => (BAD_REQUEST, "missing_user_id"),
    /// A user id is not of the accepted form.
    InvalidUserId => (BAD_REQUEST, "invalid_user_id"),
    /// A conversation id is not of the accepted form.
    InvalidConversationId => (BAD_REQUEST, "invalid_conversation_id"),
    /// Required fields are missing; the text names them.
    MissingFields => (BAD_REQUEST, "missing_fields"),
    /// A required field is missing or empty.
    MissingField => (BAD_REQUEST, "missing_field"),
    /// A field is longer than allowed.
    FieldTooLong => (BAD_REQUEST, "field_too_long"),
    /// A lead source is not one of the accepted values.
    InvalidSource => (BAD_REQUEST, "invalid_source"),
    /// A chat message is missing, empty or too long.
    InvalidMessage => (BAD_REQUEST, "invalid_message"),
    /// An intent is not one of HOT, WARM, COLD, NEUTRAL.
    InvalidIntent => (BAD_REQUEST, "invalid_intent"),
    /// An email address is not valid.
    InvalidEmail => (BAD_REQUEST, "invalid_email"),
    /// A phone number is not valid.
    InvalidPhone => (BAD_REQUEST, "invalid_phone"),
    /// A lead status is not one of the pipeline's.
    InvalidStatus => (BAD_REQUEST, "invalid_status"),
    /// A verified webhook body is not a delivery of its provider.
    InvalidDelivery => (BAD_REQUEST, "invalid_delivery"),
    /// An `Idempotency-Key` is not 1-128 visible ASCII characters.
    InvalidIdempotencyKey => (BAD_REQUEST, "invalid_idempotency_key"),
    /// X's challenge-response check came without `crc_token`.
    MissingCrcToken => (BAD_REQUEST, "missing_crc_token"),
    /// X's challenge-response check came without the account it is for.
    MissingAccount => (BAD_REQUEST, "missing_account"),
    /// No valid credentials: no or a bad API key, or no or a bad agent token; or a webhook
    /// delivery whose signature could not be verified.
    Unauthorized => (UNAUTHORIZED, "unauthorized"),
    /// The agent token is not valid (signature, issuer, client, claims).
    InvalidToken => (UNAUTHORIZED, "invalid_token"),
    /// The agent token has expired; sign in again.
    TokenExpired => (UNAUTHORIZED, "token_expired"),
    /// Signed in, but not allowed: an agent in no group, or an API key writing as an agent.
    Forbidden => (FORBIDDEN, "forbidden"),
    /// A browser page on an origin the API key does not allow.
    OriginNotAllowed => (FORBIDDEN, "origin_not_allowed"),
    /// The widget session does not exist or is another tenant's.
    InvalidSession => (FORBIDDEN, "invalid_session"),
    /// The widget session has expired; start a new one.
    SessionExpired => (FORBIDDEN, "session_expired"),
    /// The session named belongs to another tenant.
    SessionOfAnotherTenant => (FORBIDDEN, "session_of_another_tenant"),
    /// A webhook check names an account no tenant connected.
    UnknownAccount => (FORBIDDEN, "unknown_account"),
    /// A webhook subscription handshake did not verify.
    VerificationFailed => (FORBIDDEN, "verification_failed"),
    /// Nothing there (or another tenant's, which is answered the same way).
    NotFound => (NOT_FOUND, "not_found"),
    /// The route does not take this method.
    MethodNotAllowed => (METHOD_NOT_ALLOWED, "method_not_allowed"),
    /// The ticket's state machine does not allow this status change.
    InvalidTransition => (CONFLICT, "invalid_transition"),
    /// The ticket is closed; only internal notes can be added.
    TicketClosed => (CONFLICT, "ticket_closed"),
    /// The resource changed since the `If-Match` validator was read.
    PreconditionFailed => (PRECONDITION_FAILED, "precondition_failed"),
    /// The body is larger than the route takes.
    BodyTooLarge => (PAYLOAD_TOO_LARGE, "body_too_large"),
    /// The body's media type is not one the route takes.
    UnsupportedMediaType => (UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
    /// The assignee is not an enabled agent of this tenant.
    UnknownAgent => (UNPROCESSABLE_ENTITY, "unknown_agent"),
    /// The assignment names no agent.
    MissingAgentId => (UNPROCESSABLE_ENTITY, "missing_agent_id"),
    /// The `Idempotency-Key` was used for a different request; send a new key.
    IdempotencyKeyReused => (UNPROCESSABLE_ENTITY, "idempotency_key_reused"),
    /// Over a rate limit; `Retry-After` says when to come back.
    RateLimited => (TOO_MANY_REQUESTS, "rate_limited"),
    /// Something failed on our side; it is logged.
    Internal => (INTERNAL_SERVER_ERROR, "internal"),
    /// An error of the platform's with no more specific code.
    Error => (INTERNAL_SERVER_ERROR, "error"),
    /// Writers kept colliding on the same item; retry shortly.
    Contended => (SERVICE_UNAVAILABLE, "contended"),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_spelt_once_and_means_something() {
        let spelt: std::collections::BTreeSet<_> =
            ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(spelt.len(), ErrorCode::ALL.len());
        for code in ErrorCode::ALL {
            assert!(code.status().is_client_error() || code.status().is_server_error());
            assert!(!code.meaning().is_empty(), "{code:?}");
        }
        assert_eq!(ErrorCode::TicketClosed.status(), StatusCode::CONFLICT);
        assert_eq!(
            ErrorCode::IdempotencyKeyReused.meaning(),
            "The `Idempotency-Key` was used for a different request; send a new key."
        );
    }
}
