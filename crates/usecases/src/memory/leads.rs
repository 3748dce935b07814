//! Leads and their conversations in memory, behind the conversation and lead ports: a lead is
//! written whole with its messages, the change to the tenant's figures, the replay record and the
//! count of the caller's new conversations, only at the version it was read at; seed 000's leads
//! are one per user, and an update lands in one step when the domain says it applies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::TenantId;
use domain::analytics::Tally;
use domain::conversation::{ChatMessage, ChatRole, RateWindow, Session};
use domain::lead::{Lead, LeadId, LeadUpdate, UserId};
use domain::replay::{Replay, Replayed};
use domain::ticket::StatusCounts;

use super::{Races, contend, lock};
use crate::StoreError;
use crate::conversations::{
    Conversation, Conversations, LeadFigures, LeadWrite, Lookup, Saved, Updated, UserLeads,
};
use crate::replays::Replays;

/// Leads in memory; clones share them.
#[derive(Clone, Default)]
pub struct MemoryLeads {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    leads: HashMap<LeadId, StoredLead>,
    /// Seed 000's claim on each user's lead.
    users: HashMap<(TenantId, UserId), LeadId>,
    replays: HashMap<String, Replay>,
    /// How many conversations each caller started, by the start of the window they fell in.
    opened: HashMap<(String, u64), u32>,
    figures: HashMap<TenantId, Tally>,
    /// The tickets' counts this port reads beside the leads' figures, as a test sets them.
    ticket_counts: HashMap<TenantId, StatusCounts>,
    races: Races,
}

struct StoredLead {
    tenant: TenantId,
    lead: Lead,
    /// Moves on by one with every write; 0 for a lead only seed 000's routes wrote.
    version: u64,
    session: Option<Session>,
    window: RateWindow,
    /// Oldest first.
    messages: Vec<ChatMessage>,
}

impl MemoryLeads {
    /// The next `writes` saves of a conversation or creations of a user's lead find the lead
    /// changed: nothing is written and the use case is told to read again ([`Saved::Changed`],
    /// or `false` for a creation), as when DynamoDB cancels a transaction that conflicted.
    pub fn lose_next_writes(&self, writes: usize) {
        lock(&self.state).races.lose(writes);
    }

    /// The next `writes` saves or creations of a user's lead wait for one another before any of
    /// them runs, so each was decided on what the store held before the others were written;
    /// then they run one at a time. Every one of them must come, or the ones that came wait for
    /// ever.
    pub fn race_next_writes(&self, writes: usize) {
        lock(&self.state).races.race(writes);
    }
}

impl State {
    fn save(&mut self, tenant: &TenantId, read: &Conversation, write: &LeadWrite) -> Saved {
        let id = &write.lead.lead_id;
        let lead_holds = match read.version() {
            None => !self.leads.contains_key(id),
            Some(version) => self
                .leads
                .get(id)
                .is_some_and(|stored| stored.tenant == *tenant && stored.version == version),
        };
        let replay_holds = write
            .replay
            .as_ref()
            .is_none_or(|replay| !self.replays.contains_key(&replay.key));
        // Only a write that creates the lead starts a conversation.
        let opening = write
            .new_conversations
            .as_ref()
            .filter(|_| !read.is_stored())
            .map(|opening| {
                let window = (
                    opening.caller_scope.clone(),
                    opening.limit.window_start(opening.now_ms),
                );
                let admitted = self.opened.get(&window).copied().unwrap_or(0) < opening.limit.max;
                (opening, window, admitted)
            });
        if !replay_holds {
            return Saved::ReplayTaken;
        }
        if !lead_holds {
            return Saved::Changed;
        }
        if let Some((opening, _, false)) = &opening {
            return Saved::TooManyNewConversations {
                retry_after_secs: opening.limit.refused(opening.now_ms).retry_after_secs,
            };
        }

        let figures = self.figures.entry(tenant.clone()).or_default();
        *figures = *figures + figures_moved(read, write);
        if let Some(replay) = &write.replay {
            self.replays.insert(replay.key.clone(), replay.clone());
        }
        if let Some((_, window, _)) = opening {
            *self.opened.entry(window).or_default() += 1;
        }
        let mut messages = self
            .leads
            .remove(id)
            .map(|stored| stored.messages)
            .unwrap_or_default();
        messages.extend(write.messages.iter().cloned());
        self.leads.insert(
            id.clone(),
            StoredLead {
                tenant: tenant.clone(),
                lead: write.lead.clone(),
                version: read.written_version(),
                // A session is the one the lead was read (or started) with.
                session: read.session.clone(),
                window: write.window,
                messages,
            },
        );
        Saved::Done
    }

    fn create_user_lead(&mut self, tenant: &TenantId, user: &UserId, lead: &Lead) -> bool {
        let claim = (tenant.clone(), user.clone());
        if self.users.contains_key(&claim) || self.leads.contains_key(&lead.lead_id) {
            return false;
        }
        self.users.insert(claim, lead.lead_id.clone());
        self.leads.insert(
            lead.lead_id.clone(),
            StoredLead {
                tenant: tenant.clone(),
                lead: lead.clone(),
                version: 0,
                session: None,
                window: RateWindow::default(),
                messages: Vec::new(),
            },
        );
        let figures = self.figures.entry(tenant.clone()).or_default();
        *figures = *figures + Tally::change(None, lead);
        true
    }
}

/// How a write moves the tenant's figures: the lead's own change, and each reply with how long
/// after the visitor's message it came.
fn figures_moved(read: &Conversation, write: &LeadWrite) -> Tally {
    let mut moved = Tally::change(read.is_stored().then_some(&read.lead), &write.lead);
    let mut previous = read.recent.last();
    for message in &write.messages {
        if let Some(asked) = previous
            && message.role == ChatRole::Assistant
            && asked.role == ChatRole::User
        {
            moved = moved + Tally::reply(message.timestamp.saturating_sub(asked.timestamp));
        }
        previous = Some(message);
    }
    moved
}

impl Conversations for MemoryLeads {
    async fn conversation(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
        recent: usize,
    ) -> Result<Lookup, StoreError> {
        Ok(match lock(&self.state).leads.get(lead_id) {
            None => Lookup::Missing,
            Some(stored) if stored.tenant != *tenant => Lookup::OtherTenant,
            Some(stored) => {
                let from = stored.messages.len().saturating_sub(recent);
                Lookup::Found(Box::new(Conversation::stored(
                    stored.lead.clone(),
                    stored.messages[from..].to_vec(),
                    stored.session.clone(),
                    stored.window,
                    stored.version,
                )))
            }
        })
    }

    async fn save(
        &self,
        tenant: &TenantId,
        read: &Conversation,
        write: &LeadWrite,
    ) -> Result<Saved, StoreError> {
        Ok(contend(
            &self.state,
            |state| &mut state.races,
            Saved::Changed,
            |state| state.save(tenant, read, write),
        )
        .await)
    }
}

impl Replays for MemoryLeads {
    async fn earlier(&self, replay: &Replay) -> Result<Option<Replayed>, StoreError> {
        Ok(lock(&self.state).replays.get(&replay.key).map(|stored| {
            if stored.fingerprint == replay.fingerprint {
                Replayed::Same(stored.response.clone())
            } else {
                Replayed::Different
            }
        }))
    }
}

impl UserLeads for MemoryLeads {
    async fn lead_of_user(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<LeadId>, StoreError> {
        Ok(lock(&self.state)
            .users
            .get(&(tenant.clone(), user.clone()))
            .cloned())
    }

    async fn create_user_lead(
        &self,
        tenant: &TenantId,
        user: &UserId,
        lead: &Lead,
    ) -> Result<bool, StoreError> {
        Ok(contend(
            &self.state,
            |state| &mut state.races,
            false,
            |state| state.create_user_lead(tenant, user, lead),
        )
        .await)
    }

    async fn update_lead(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
        update: &LeadUpdate,
    ) -> Result<Updated, StoreError> {
        let mut state = lock(&self.state);
        let Some(stored) = state.leads.get_mut(lead_id) else {
            return Err(StoreError::Malformed(format!(
                "claimed lead {lead_id} does not exist"
            )));
        };
        // Claims are per tenant: a claimed lead of another tenant means the data is inconsistent.
        if stored.tenant != *tenant {
            return Err(StoreError::Malformed(format!(
                "claim of tenant {tenant} points at lead {lead_id} of another tenant"
            )));
        }
        if !update.applies_to(&stored.lead) {
            return Ok(Updated::Refused(stored.lead.clone()));
        }
        update.apply_to(&mut stored.lead);
        stored.version += 1;
        Ok(Updated::Applied(stored.lead.clone()))
    }

    async fn leads_of_user(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<Lead>, StoreError> {
        let state = lock(&self.state);
        let mut found: Vec<Lead> = state
            .leads
            .values()
            .filter(|stored| stored.tenant == *tenant && stored.lead.user_id.as_ref() == Some(user))
            .map(|stored| stored.lead.clone())
            .collect();
        // The index has no order; memory answers one, so tests do not depend on chance.
        found.sort_by(|a, b| a.lead_id.cmp(&b.lead_id));
        Ok(found)
    }
}

impl MemoryLeads {
    /// The tenant's ticket counts as [`LeadFigures::figures`] reads them (the tickets
    /// themselves are [`super::MemoryTickets`]'s).
    pub fn set_ticket_counts(&self, tenant: &TenantId, counts: StatusCounts) {
        lock(&self.state)
            .ticket_counts
            .insert(tenant.clone(), counts);
    }
}

impl LeadFigures for MemoryLeads {
    async fn figures(&self, tenant: &TenantId) -> Result<(Tally, StatusCounts), StoreError> {
        let state = lock(&self.state);
        Ok((
            state.figures.get(tenant).copied().unwrap_or_default(),
            state.ticket_counts.get(tenant).copied().unwrap_or_default(),
        ))
    }
}
