//! Webhook protocols of the messaging channels customers write from — WhatsApp Cloud API,
//! Messenger, Instagram and X — reduced to one normalised shape, with the signature and
//! verification checks each provider requires.
//!
//! Pure functions over bytes and strings: the HTTP layer hands in the raw body (base64-decoded if
//! the gateway encoded it) and the headers, and decides the status codes.

pub mod inbound;
mod json;
pub mod meta;
pub mod signature;
pub mod x;

pub use inbound::{
    Delivery, DeliveryState, DeliveryStatus, InboundMessage, Media, MediaKind, ParseError,
};
pub use signature::SignatureError;
