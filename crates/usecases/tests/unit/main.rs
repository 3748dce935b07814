//! The use cases on the in-memory ports (`usecases::memory`): what a user of each would notice,
//! in milliseconds and without any service. One test binary for the whole layer (one link, not
//! one per aggregate), written against the crate's public API as its callers use it; the
//! adapters keep their own tests against the real local services.

mod bot_users;
mod channels;
mod conversations;
mod leads;
mod support;
mod tickets;
