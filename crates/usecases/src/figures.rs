//! The figures the business reads on the dashboard, counted where they happen through the
//! `metrics` facade: whatever records metrics in the process (the EMF recorder of a deployed
//! function) receives them; with none installed the counts cost nothing.

/// A business figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    TicketsOpened,
    /// Messages from customers and visitors, on any channel.
    MessagesIn,
    /// Messages to customers and visitors: agents' public replies and the assistant's answers.
    MessagesOut,
    LeadsCaptured,
    /// Leads that turned HOT.
    HotLeads,
    WebhookDeliveriesAccepted,
    WebhookDeliveriesDuplicate,
    WebhookSignatureRefused,
    OutboundSent,
    OutboundFailed,
    EventsPublished,
    EventsFailed,
}

impl Figure {
    pub const ALL: [Self; 12] = [
        Self::TicketsOpened,
        Self::MessagesIn,
        Self::MessagesOut,
        Self::LeadsCaptured,
        Self::HotLeads,
        Self::WebhookDeliveriesAccepted,
        Self::WebhookDeliveriesDuplicate,
        Self::WebhookSignatureRefused,
        Self::OutboundSent,
        Self::OutboundFailed,
        Self::EventsPublished,
        Self::EventsFailed,
    ];

    /// The metric's name, as the dashboard reads it.
    pub fn name(self) -> &'static str {
        match self {
            Self::TicketsOpened => "TicketsOpened",
            Self::MessagesIn => "MessagesIn",
            Self::MessagesOut => "MessagesOut",
            Self::LeadsCaptured => "LeadsCaptured",
            Self::HotLeads => "HotLeads",
            Self::WebhookDeliveriesAccepted => "WebhookDeliveriesAccepted",
            Self::WebhookDeliveriesDuplicate => "WebhookDeliveriesDuplicate",
            Self::WebhookSignatureRefused => "WebhookSignatureRefused",
            Self::OutboundSent => "OutboundSent",
            Self::OutboundFailed => "OutboundFailed",
            Self::EventsPublished => "EventsPublished",
            Self::EventsFailed => "EventsFailed",
        }
    }
}

/// Counts `n` of a figure in this invocation.
pub fn count(figure: Figure, n: u64) {
    if n > 0 {
        metrics::counter!(figure.name()).increment(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_have_distinct_names() {
        let names: std::collections::BTreeSet<_> = Figure::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), Figure::ALL.len());
    }
}
