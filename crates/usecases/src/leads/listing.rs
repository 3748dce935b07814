//! A tenant's leads for the people who work them: latest activity first, narrowed to a pipeline
//! stage, an intent or readiness, a page at a time.

use std::future::Future;

use domain::TenantId;
use domain::lead::{Lead, LeadIntent, LeadStatus};

use crate::ListError;

/// The most leads one page holds.
pub const MAX_LEAD_PAGE: usize = 100;
pub const DEFAULT_LEAD_PAGE: usize = 50;

/// Which leads a listing wants. Every filter applies before the page is cut.
#[derive(Debug, Clone, Default)]
pub struct LeadQuery {
    pub status: Option<LeadStatus>,
    pub intent: Option<LeadIntent>,
    pub ready: Option<bool>,
    pub limit: usize,
    /// Continues a previous page.
    pub cursor: Option<String>,
}

/// A lead as listed, with the version a change of it may be conditioned on.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedLead {
    pub lead: Lead,
    pub version: u64,
}

/// One page of a listing, latest activity first.
#[derive(Debug, Clone)]
pub struct LeadPage {
    pub leads: Vec<ListedLead>,
    pub next_cursor: Option<String>,
}

/// Listing leads.
pub trait LeadListing: Sync {
    fn leads(
        &self,
        tenant: &TenantId,
        query: &LeadQuery,
    ) -> impl Future<Output = Result<LeadPage, ListError>> + Send;
}

/// A page of the tenant's leads matching `query`.
pub async fn list_leads(
    leads: &impl LeadListing,
    tenant: &TenantId,
    query: &LeadQuery,
) -> Result<LeadPage, ListError> {
    leads.leads(tenant, query).await
}
