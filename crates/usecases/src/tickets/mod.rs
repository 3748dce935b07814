//! Support tickets (seed 004): opening one, reading and listing them, an agent's update and
//! assignment, a message, a customer writing from a channel, a chatbot handing a conversation
//! over, and the delivery states of what agents sent. Every change is read, decided by the
//! domain, and written on condition that the ticket is still as it was read.

mod channel;
mod handoff;
mod message;
mod open;
mod ports;
mod read;
mod update;

pub use channel::{
    ChannelMessage, DEDUPE_WINDOW_SECS, ReceiveError, Received, receive_channel_message,
};
pub use handoff::{HandOffError, HandedOff, Handoff, hand_off};
pub use message::{AddMessageError, NewMessage, add_message};
pub use open::{OpenTicketError, TicketRequest, open_ticket};
pub use ports::{
    Claim, CustomerWrite, KnownCustomer, NewTicketWrite, TicketOrder, TicketPage, TicketQuery,
    TicketReader, TicketWithTimeline, TicketWriter, TimelinePage, Written,
};
pub use read::{
    CustomerTicketsError, ReadTicketError, as_seen_by, customer, customer_tickets, list_tickets,
    read_ticket, status_counts, ticket_status,
};
pub use update::{UpdateTicketError, assign_ticket, update_ticket};

use domain::ticket::MessageId;

use crate::clock::random_u64;

/// How a page of a ticket's timeline is asked for.
pub const DEFAULT_TIMELINE_PAGE: usize = 100;
pub const MAX_TIMELINE_PAGE: usize = 500;

/// Mints the id of a timeline entry.
fn mint() -> MessageId {
    MessageId::generate(random_u64())
}
