//! What the tests share: tenants, agents and the requests they start from.

use domain::TenantId;
use domain::customer::ChannelIdentity;
use domain::ticket::{Channel, Priority, Source, TimelineEntry};
use serde_json::Map;
use usecases::Actor;
use usecases::conversations::{Chat, ChatLimits};
use usecases::memory::{MemoryLeads, MemoryTenants, ScriptedEngine};
use usecases::tickets::{ChannelMessage, TicketRequest};

pub fn acme() -> TenantId {
    TenantId::parse("acme").unwrap()
}

pub fn globex() -> TenantId {
    TenantId::parse("globex").unwrap()
}

pub fn agent(id: &str) -> Actor {
    Actor::Agent {
        id: id.to_owned(),
        tenant: acme(),
    }
}

pub fn website() -> Actor {
    Actor::Integration { tenant: acme() }
}

pub fn identity(channel: Channel, handle: &str) -> ChannelIdentity {
    ChannelIdentity::parse(channel, handle).unwrap()
}

/// A ticket a website opens for `identity`, at medium priority without tags.
pub fn request(identity: ChannelIdentity, subject: &str) -> TicketRequest {
    TicketRequest {
        source: Source {
            channel: identity.channel,
            origin_platform_id: None,
            is_bot_handoff: false,
            account_id: None,
        },
        identity,
        name: None,
        primary_email: None,
        subject: subject.to_owned(),
        first_message: format!("About {subject}"),
        priority: None,
        tags: Vec::new(),
    }
}

pub fn with(mut request: TicketRequest, priority: Priority, tags: &[&str]) -> TicketRequest {
    request.priority = Some(priority);
    request.tags = tags.iter().map(|tag| (*tag).to_owned()).collect();
    request
}

/// What a timeline says, entry by entry.
pub fn contents(timeline: &[TimelineEntry]) -> Vec<&str> {
    timeline
        .iter()
        .map(|entry| entry.content.as_str())
        .collect()
}

/// The WhatsApp number the channel tests' customer writes from.
pub const SENDER: &str = "+34600111222";

/// A WhatsApp message from `sender` (Sheena), through the tenant's account `acct-1`.
pub fn whatsapp(sender: &str, provider_message_id: &str, text: &str) -> ChannelMessage {
    ChannelMessage {
        channel: Channel::Whatsapp,
        account_id: "acct-1".into(),
        sender: sender.to_owned(),
        sender_name: Some("Sheena".into()),
        provider_message_id: provider_message_id.to_owned(),
        content: text.to_owned(),
        attachments: Vec::new(),
        channel_data: Map::new(),
    }
}

/// The conversation use cases on memory, with the scripted assistant they ask.
pub fn chat(
    limits: ChatLimits,
) -> (
    Chat<MemoryLeads, MemoryTenants>,
    std::sync::Arc<ScriptedEngine>,
) {
    let engine = std::sync::Arc::new(ScriptedEngine::default());
    let chat = Chat {
        conversations: MemoryLeads::default(),
        tenants: MemoryTenants::default(),
        engine: engine.clone(),
        limits,
    };
    (chat, engine)
}
