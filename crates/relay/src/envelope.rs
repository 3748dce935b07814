//! The CloudEvents 1.0 envelope (JSON, structured mode) every published event travels in.

use domain::events::DomainEvent;
use serde::Serialize;
use serde_json::Value;

/// The `type` prefix of every Frontdesk event.
pub const TYPE_PREFIX: &str = "com.frontdesk.";
/// The content type of a structured-mode CloudEvent, sent as the Kafka `content-type` header.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloudEvent {
    pub specversion: &'static str,
    /// Stable for the same change: a redelivered stream record yields the same ids, so
    /// consumers de-duplicate by it.
    pub id: String,
    pub source: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The aggregate (ticket, customer, lead) the event is about; also the Kafka key.
    pub subject: String,
    pub time: String,
    pub datacontenttype: &'static str,
    /// Extension attribute: the tenant, so consumers can route without reading `data`.
    pub tenantid: String,
    pub data: Value,
}

impl CloudEvent {
    /// The envelope of `event`, the `position`-th event of the stream record `record_id`, which
    /// was committed at `time` (RFC 3339).
    pub fn wrap(event: DomainEvent, record_id: &str, time: String) -> Self {
        Self {
            specversion: "1.0",
            id: format!("{record_id}:{}", event.kind.name()),
            source: format!("/frontdesk/tenants/{}", event.tenant),
            kind: format!("{TYPE_PREFIX}{}", event.kind.name()),
            subject: event.aggregate_id,
            time,
            datacontenttype: "application/json",
            tenantid: event.tenant.to_string(),
            data: event.data,
        }
    }
}

#[cfg(test)]
mod tests {
    use domain::TenantId;
    use domain::events::EventKind;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_envelope_has_every_required_attribute() {
        let event = DomainEvent {
            kind: EventKind::TicketStatusChanged,
            tenant: TenantId::parse("acme").unwrap(),
            aggregate_id: "tkt_1".into(),
            data: json!({"from": "new", "to": "open"}),
        };
        let wrapped = CloudEvent::wrap(event, "4f2a", "2026-11-22T10:00:00Z".into());
        assert_eq!(
            serde_json::to_value(&wrapped).unwrap(),
            json!({
                "specversion": "1.0",
                "id": "4f2a:ticket.status_changed",
                "source": "/frontdesk/tenants/acme",
                "type": "com.frontdesk.ticket.status_changed",
                "subject": "tkt_1",
                "time": "2026-11-22T10:00:00Z",
                "datacontenttype": "application/json",
                "tenantid": "acme",
                "data": {"from": "new", "to": "open"}
            })
        );
    }
}
