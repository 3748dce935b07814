//! Leads: created by a form or an integration (seed 001), read and moved along the sales
//! pipeline by agents (seed 002), captured from a chatbot's lead form with the conversations of
//! each user (seed 000), listed for the agents who work them, and the running figures of them
//! all.

mod capture;
mod listing;
mod pipeline;

pub use capture::{capture_lead, leads_of_user, track_conversation};
pub use listing::{
    DEFAULT_LEAD_PAGE, LeadListing, LeadPage, LeadQuery, ListedLead, MAX_LEAD_PAGE, list_leads,
};
pub use pipeline::{Figures, LeadError, NewLead, create_lead, figures, move_lead, read_lead};
