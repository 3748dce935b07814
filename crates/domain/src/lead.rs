//! Leads: people a chatbot or website captured, and the conversations they had with it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::email::Email;
use crate::text::{IdentifierError, parse_identifier};
use crate::wire::wire_enum;

wire_enum!(
    /// How likely a lead is to buy, as seed 001 scores it (upper-case on the wire).
    LeadIntent, "intent" {
        Hot => "HOT",
        Warm => "WARM",
        Cold => "COLD",
        Neutral => "NEUTRAL",
    }
);

wire_enum!(
    /// Where a lead is in the sales pipeline (seed 002).
    LeadStatus, "lead status" {
        New => "new",
        Contacted => "contacted",
        Qualified => "qualified",
        Converted => "converted",
    }
);

wire_enum!(
    /// Where a lead came from: seed 001's channels, seed 002's widget (`chatbot`) and seed 000's
    /// lead form (`form`).
    LeadSource, "source" {
        Website => "website",
        Whatsapp => "whatsapp",
        Instagram => "instagram",
        Messenger => "messenger",
        Chatbot => "chatbot",
        Form => "form",
    }
);

const MAX_USER_ID_CHARS: usize = 128;
const MAX_CONVERSATION_ID_CHARS: usize = 256;
/// Extra lead fields a client may attach (country, program, …), and their bounds. The caps
/// keep a lead item far below DynamoDB's 400 KB item limit whatever a client sends.
pub const MAX_EXTRA_FIELDS: usize = 30;
pub const MAX_FIELD_NAME_CHARS: usize = 64;
pub const MAX_FIELD_VALUE_CHARS: usize = 2_000;

/// Field names a lead response already uses; an extra field by one of these names would shadow it.
const RESERVED_FIELD_NAMES: &[&str] = &[
    "leadId",
    "tenantId",
    "conversationId",
    "conversationIds",
    "email",
    "name",
    "phone",
    "school",
    "major",
    "userId",
    "timestamp",
];

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A lead's id, `lead_<epoch ms>_<7 base-36 characters>` as seed 000's clients know it.
    LeadId
);
string_id!(
    /// The id a chatbot client gives the person it talks to (stable across their conversations).
    UserId
);
string_id!(
    /// The id of one chatbot conversation.
    ConversationId
);

impl LeadId {
    /// A new lead id from the creation time and 64 bits of randomness supplied by the caller.
    pub fn generate(now_ms: u64, entropy: u64) -> Self {
        Self(format!("lead_{now_ms}_{}", base36_suffix(entropy)))
    }

    /// Takes a stored id back without re-checking it.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }
}

impl UserId {
    pub fn parse(raw: &str) -> Result<Self, IdentifierError> {
        parse_identifier(raw, MAX_USER_ID_CHARS).map(Self)
    }

    /// A user id for a lead captured without one, in the form seed 000's client mints them.
    pub fn generate(now_ms: u64, entropy: u64) -> Self {
        Self(format!("user_{now_ms}_{}", base36_suffix(entropy)))
    }

    /// The address a lead gets when it is known only by its user id (seed 000's contract).
    pub fn placeholder_email(&self) -> String {
        format!("unknown_{}@placeholder.com", self.0)
    }
}

impl ConversationId {
    pub fn parse(raw: &str) -> Result<Self, IdentifierError> {
        parse_identifier(raw, MAX_CONVERSATION_ID_CHARS).map(Self)
    }
}

fn base36_suffix(mut entropy: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..7)
        .map(|_| {
            let digit = DIGITS[(entropy % 36) as usize] as char;
            entropy /= 36;
            digit
        })
        .collect()
}

/// A scalar value a client attached to a lead under a name of its choosing.
pub type ExtraFields = BTreeMap<String, Value>;

/// Why a `leadData` object was refused; each names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LeadDataError {
    #[error("Missing required lead data")]
    MissingEmail,
    #[error("leadData.email {0}")]
    InvalidEmail(crate::email::InvalidEmail),
    #[error("leadData.{field} must be {expected}")]
    WrongType {
        field: String,
        expected: &'static str,
    },
    #[error("leadData.userId {0}")]
    InvalidUserId(IdentifierError),
    #[error("leadData may hold at most {MAX_EXTRA_FIELDS} extra fields")]
    TooManyFields,
    #[error(
        "leadData field names are 1-{MAX_FIELD_NAME_CHARS} characters of letters, digits, '_' and '-'; {0:?} is not"
    )]
    InvalidFieldName(String),
    #[error("leadData.{0} is a reserved name")]
    ReservedFieldName(String),
    #[error("leadData.{0} must be at most {MAX_FIELD_VALUE_CHARS} characters")]
    ValueTooLong(String),
}

/// The validated contents of a `leadData` object.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadDetails {
    pub email: Email,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub school: Option<String>,
    pub major: Option<String>,
    pub user_id: Option<UserId>,
    /// When the client captured the lead, epoch milliseconds.
    pub timestamp: Option<u64>,
    pub extra: ExtraFields,
}

impl LeadDetails {
    /// Validates a client's `leadData`: `email` is required and must be an address; the named
    /// fields must be strings (`timestamp` a number of milliseconds); every other field is kept
    /// as an extra field within the caps. Empty strings and nulls count as absent, since form
    /// clients send them for fields the person left blank.
    pub fn from_fields(fields: Map<String, Value>) -> Result<Self, LeadDataError> {
        let mut email = None;
        let mut details = LeadDetailsBuilder::default();
        for (name, value) in fields {
            if is_blank(&value) {
                continue;
            }
            match name.as_str() {
                "email" => email = Some(string_field(&name, value)?),
                "name" => details.name = Some(bounded_string(&name, value)?),
                "phone" => details.phone = Some(bounded_string(&name, value)?),
                "school" => details.school = Some(bounded_string(&name, value)?),
                "major" => details.major = Some(bounded_string(&name, value)?),
                "userId" => {
                    let raw = string_field(&name, value)?;
                    details.user_id =
                        Some(UserId::parse(&raw).map_err(LeadDataError::InvalidUserId)?);
                }
                "timestamp" => details.timestamp = Some(epoch_millis(&name, &value)?),
                _ => {
                    let value = extra_value(&name, value)?;
                    details.extra.insert(name, value);
                }
            }
        }
        if details.extra.len() > MAX_EXTRA_FIELDS {
            return Err(LeadDataError::TooManyFields);
        }
        let email = email.ok_or(LeadDataError::MissingEmail)?;
        Ok(Self {
            email: Email::parse(&email).map_err(LeadDataError::InvalidEmail)?,
            name: details.name,
            phone: details.phone,
            school: details.school,
            major: details.major,
            user_id: details.user_id,
            timestamp: details.timestamp,
            extra: details.extra,
        })
    }
}

#[derive(Default)]
struct LeadDetailsBuilder {
    name: Option<String>,
    phone: Option<String>,
    school: Option<String>,
    major: Option<String>,
    user_id: Option<UserId>,
    timestamp: Option<u64>,
    extra: ExtraFields,
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

fn string_field(name: &str, value: Value) -> Result<String, LeadDataError> {
    match value {
        Value::String(text) => Ok(text.trim().to_owned()),
        _ => Err(LeadDataError::WrongType {
            field: name.to_owned(),
            expected: "a string",
        }),
    }
}

fn bounded_string(name: &str, value: Value) -> Result<String, LeadDataError> {
    let text = string_field(name, value)?;
    if text.chars().count() > MAX_FIELD_VALUE_CHARS {
        return Err(LeadDataError::ValueTooLong(name.to_owned()));
    }
    Ok(text)
}

fn epoch_millis(name: &str, value: &Value) -> Result<u64, LeadDataError> {
    value.as_u64().ok_or_else(|| LeadDataError::WrongType {
        field: name.to_owned(),
        expected: "a whole number of milliseconds since the epoch",
    })
}

fn extra_value(name: &str, value: Value) -> Result<Value, LeadDataError> {
    let name_ok = !name.is_empty()
        && name.chars().count() <= MAX_FIELD_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !name_ok {
        return Err(LeadDataError::InvalidFieldName(name.to_owned()));
    }
    if RESERVED_FIELD_NAMES.contains(&name) {
        return Err(LeadDataError::ReservedFieldName(name.to_owned()));
    }
    match value {
        Value::String(_) => bounded_string(name, value).map(Value::String),
        Value::Number(_) | Value::Bool(_) => Ok(value),
        _ => Err(LeadDataError::WrongType {
            field: name.to_owned(),
            expected: "a string, number or boolean",
        }),
    }
}

/// A lead, whichever route captured it: seed 000's form fields and conversation ids, seed 001's
/// source and intent, seed 002's pipeline status and readiness. Messages are not part of it: a
/// conversation of any length is stored message by message beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    pub lead_id: LeadId,
    pub source: LeadSource,
    /// The id a client gave the person (seed 000's `userId`, seed 001's `user_id`).
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub school: Option<String>,
    pub major: Option<String>,
    /// When the lead was captured, epoch milliseconds.
    pub timestamp: u64,
    /// When the lead last changed, epoch milliseconds.
    pub updated_at: u64,
    /// The most recently added conversation.
    pub conversation_id: Option<ConversationId>,
    /// Every conversation of this lead, in order of first arrival, without repeats.
    pub conversation_ids: Vec<ConversationId>,
    pub extra: ExtraFields,
    /// How likely the lead is to buy; `None` until something scored it.
    pub intent: Option<LeadIntent>,
    /// The score behind `intent`, 0–100.
    pub score: u8,
    pub status: LeadStatus,
    /// Whether the lead scored high enough and left a way to reach them (seed 002's `isLeadReady`).
    pub is_lead_ready: bool,
    /// A summary for the salesperson, written when the lead became ready.
    pub ai_summary: Option<String>,
    /// The visitor's first message (seed 002's `message`).
    pub first_message: Option<String>,
    /// How many messages the conversation with the lead holds, both sides.
    pub message_count: u64,
    /// The tenant's channel account a channel conversation came through (a WhatsApp
    /// `phone_number_id`…): where the assistant's replies are sent from.
    pub channel_account: Option<String>,
}

impl Lead {
    /// A lead with nothing known yet but where it came from.
    pub fn new(lead_id: LeadId, source: LeadSource, now_ms: u64) -> Self {
        Self {
            lead_id,
            source,
            user_id: None,
            email: None,
            name: None,
            phone: None,
            school: None,
            major: None,
            timestamp: now_ms,
            updated_at: now_ms,
            conversation_id: None,
            conversation_ids: Vec::new(),
            extra: ExtraFields::new(),
            intent: None,
            score: 0,
            status: LeadStatus::New,
            is_lead_ready: false,
            ai_summary: None,
            first_message: None,
            message_count: 0,
            channel_account: None,
        }
    }

    pub fn tracks(&self, conversation: &ConversationId) -> bool {
        self.conversation_ids.contains(conversation)
    }

    /// Whether someone can be reached about this lead.
    pub fn has_contact(&self) -> bool {
        self.email.is_some() || self.phone.is_some()
    }

    /// The lead of a visitor met on a channel, known by the id the channel gives them: on
    /// WhatsApp that id is their phone number.
    pub fn visitor(lead_id: LeadId, source: LeadSource, user_id: UserId, now_ms: u64) -> Self {
        let mut lead = Self::new(lead_id, source, now_ms);
        if source == LeadSource::Whatsapp {
            lead.phone = Some(user_id.to_string());
        }
        lead.user_id = Some(user_id);
        lead
    }

    /// Seed 000's lead of a user, from their first lead form.
    pub fn captured(
        lead_id: LeadId,
        user: UserId,
        details: &LeadDetails,
        conversation: Option<&ConversationId>,
        now_ms: u64,
    ) -> Self {
        Self {
            user_id: Some(user),
            email: Some(details.email.to_string()),
            name: details.name.clone(),
            phone: details.phone.clone(),
            school: details.school.clone(),
            major: details.major.clone(),
            extra: details.extra.clone(),
            conversation_id: conversation.cloned(),
            conversation_ids: conversation.into_iter().cloned().collect(),
            ..Self::new(lead_id, LeadSource::Form, now_ms)
        }
        .captured_at(details.timestamp.unwrap_or(now_ms))
    }

    /// Seed 000's placeholder lead of a user whose conversation arrived before any lead form:
    /// an address made from the user id stands in for the email the form will bring.
    pub fn placeholder(
        lead_id: LeadId,
        user: UserId,
        conversation: &ConversationId,
        now_ms: u64,
    ) -> Self {
        Self {
            email: Some(user.placeholder_email()),
            user_id: Some(user),
            conversation_id: Some(conversation.clone()),
            conversation_ids: vec![conversation.clone()],
            ..Self::new(lead_id, LeadSource::Form, now_ms)
        }
    }

    fn captured_at(mut self, timestamp: u64) -> Self {
        self.timestamp = timestamp;
        self
    }

    /// Seed 002's readiness: the score reached [`READY_SCORE`] and the visitor left a way to
    /// reach them.
    pub fn meets_readiness(&self) -> bool {
        is_ready(self.score, self.email.is_some(), self.phone.is_some())
    }

    /// What a salesperson reads first about a lead that became ready.
    pub fn ready_summary(&self, latest: &str) -> String {
        let who = self.name.as_deref().unwrap_or("A visitor");
        let reach: Vec<&str> = [self.email.as_deref(), self.phone.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let intent = self.intent.map_or("NEUTRAL", |intent| intent.as_str());
        let first = self.first_message.as_deref().unwrap_or(latest);
        format!(
            "{who} ({}) is a {intent} lead (score {}) from {}. First message: \"{first}\". Latest: \"{latest}\".",
            reach.join(", "),
            self.score,
            self.source,
        )
    }

    /// Moves the lead along the sales pipeline (any stage to any other: agents correct
    /// mistakes); `false` when it is at `status` already and nothing changed.
    pub fn move_to(&mut self, status: LeadStatus, now_ms: u64) -> bool {
        if self.status == status {
            return false;
        }
        self.status = status;
        self.updated_at = now_ms.max(self.updated_at);
        true
    }
}

/// The longest name a lead is created with through the API.
pub const MAX_NAME_CHARS: usize = 200;

/// The longest phone number accepted as written, separators included.
const PHONE_CHARS: usize = 32;

/// A phone number that is not one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("phone must be a phone number such as +1234567890")]
pub struct InvalidPhone;

/// A phone number as people write them: digits with an optional leading `+`, spaces, dots,
/// dashes and brackets; at least 6 digits.
pub fn phone_number(raw: &str) -> Result<String, InvalidPhone> {
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let shaped = raw.chars().count() <= PHONE_CHARS
        && raw
            .chars()
            .enumerate()
            .all(|(at, c)| c.is_ascii_digit() || " .-()".contains(c) || (c == '+' && at == 0));
    if shaped && digits >= 6 {
        Ok(raw.to_owned())
    } else {
        Err(InvalidPhone)
    }
}

/// Seed 002's readiness threshold, the same as the assistant's HOT on purpose: a ready lead is a
/// HOT one.
pub const READY_SCORE: u8 = 50;

/// Seed 002's rule: a lead is ready when its score reaches the threshold and it can be reached.
pub fn is_ready(score: u8, has_email: bool, has_phone: bool) -> bool {
    score >= READY_SCORE && (has_email || has_phone)
}

/// What a later lead form or conversation changes on a user's existing lead (seed 000): the
/// latest form's fields win where it gives them, its extra fields replace the earlier ones as a
/// whole (merging field by field could grow a lead past the caps one submission is held to),
/// and a conversation is added once, becoming the latest.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadUpdate {
    pub email: Option<Email>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub school: Option<String>,
    pub major: Option<String>,
    pub extra: Option<ExtraFields>,
    /// Added when the lead does not hold it yet; a lead that does refuses the whole update.
    pub conversation: Option<ConversationId>,
    pub now_ms: u64,
}

impl LeadUpdate {
    /// A repeated lead form.
    pub fn capture(
        details: &LeadDetails,
        conversation: Option<&ConversationId>,
        now_ms: u64,
    ) -> Self {
        Self {
            email: Some(details.email.clone()),
            name: details.name.clone(),
            phone: details.phone.clone(),
            school: details.school.clone(),
            major: details.major.clone(),
            extra: (!details.extra.is_empty()).then(|| details.extra.clone()),
            conversation: conversation.cloned(),
            now_ms,
        }
    }

    /// A conversation to add.
    pub fn track(conversation: &ConversationId, now_ms: u64) -> Self {
        Self {
            email: None,
            name: None,
            phone: None,
            school: None,
            major: None,
            extra: None,
            conversation: Some(conversation.clone()),
            now_ms,
        }
    }

    /// The same update for a lead that holds the conversation already.
    pub fn without_conversation(&self) -> Self {
        Self {
            conversation: None,
            ..self.clone()
        }
    }

    /// Whether `lead` takes the update: it does unless it holds the conversation already.
    pub fn applies_to(&self, lead: &Lead) -> bool {
        self.conversation
            .as_ref()
            .is_none_or(|conversation| !lead.tracks(conversation))
    }

    /// The update applied to `lead` (which it [`applies_to`](Self::applies_to)).
    pub fn apply_to(&self, lead: &mut Lead) {
        if let Some(email) = &self.email {
            lead.email = Some(email.to_string());
        }
        for (field, value) in [
            (&mut lead.name, &self.name),
            (&mut lead.phone, &self.phone),
            (&mut lead.school, &self.school),
            (&mut lead.major, &self.major),
        ] {
            if value.is_some() {
                field.clone_from(value);
            }
        }
        if let Some(extra) = &self.extra {
            lead.extra = extra.clone();
        }
        if let Some(conversation) = &self.conversation {
            lead.conversation_ids.push(conversation.clone());
            lead.conversation_id = Some(conversation.clone());
        }
        lead.updated_at = self.now_ms;
    }
}

/// What tracking a conversation did to a lead (seed 000's three success answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationTracking {
    /// No lead existed for the user: one was created holding this conversation.
    CreatedLead,
    /// The conversation was appended and became the lead's latest.
    Added,
    /// The lead already held the conversation; nothing changed.
    AlreadyTracked,
}

/// All conversation ids of a user's leads, in the leads' order, each once.
pub fn all_conversation_ids(leads: &[Lead]) -> Vec<ConversationId> {
    let mut seen = std::collections::HashSet::new();
    leads
        .iter()
        .flat_map(|lead| lead.conversation_ids.iter())
        .filter(|id| seen.insert(*id))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn conversation(raw: &str) -> ConversationId {
        ConversationId::parse(raw).unwrap()
    }

    fn details(value: Value) -> LeadDetails {
        LeadDetails::from_fields(fields(value)).unwrap()
    }

    #[test]
    fn a_later_form_wins_where_it_gives_fields_and_replaces_extras_whole() {
        let user = UserId::parse("u1").unwrap();
        let first = details(json!({
            "email": "ana@example.com", "name": "Ana", "school": "MIT",
            "country": "PT", "program": "MBA", "timestamp": 5
        }));
        let mut lead = Lead::captured(
            LeadId::from_stored("lead_1".into()),
            user,
            &first,
            Some(&conversation("c1")),
            10,
        );
        assert_eq!((lead.timestamp, lead.updated_at), (5, 10));
        assert_eq!(lead.conversation_ids, vec![conversation("c1")]);

        let later = details(json!({"email": "ana@work.example", "phone": "+351 900", "year": 2}));
        let update = LeadUpdate::capture(&later, Some(&conversation("c2")), 20);
        assert!(update.applies_to(&lead));
        update.apply_to(&mut lead);
        assert_eq!(lead.email.as_deref(), Some("ana@work.example"));
        assert_eq!(lead.name.as_deref(), Some("Ana"), "a field not given stays");
        assert_eq!(lead.phone.as_deref(), Some("+351 900"));
        assert_eq!(
            lead.extra.keys().collect::<Vec<_>>(),
            ["year"],
            "extras are replaced as a whole"
        );
        assert_eq!(
            lead.conversation_ids,
            [conversation("c1"), conversation("c2")]
        );
        assert_eq!(lead.conversation_id, Some(conversation("c2")));
        assert_eq!(lead.updated_at, 20);

        let again = LeadUpdate::track(&conversation("c1"), 30);
        assert!(!again.applies_to(&lead), "a conversation is held once");
        assert!(again.without_conversation().applies_to(&lead));
        let no_extras = LeadUpdate::capture(&details(json!({"email": "a@b.example"})), None, 40);
        no_extras.apply_to(&mut lead);
        assert_eq!(
            lead.extra.len(),
            1,
            "a form without extras keeps the earlier ones"
        );
    }

    #[test]
    fn a_placeholder_lead_holds_its_conversation_and_a_stand_in_email() {
        let lead = Lead::placeholder(
            LeadId::from_stored("lead_1".into()),
            UserId::parse("u9").unwrap(),
            &conversation("c1"),
            7,
        );
        assert_eq!(lead.email.as_deref(), Some("unknown_u9@placeholder.com"));
        assert_eq!(lead.source, LeadSource::Form);
        assert!(lead.tracks(&conversation("c1")));
    }

    #[test]
    fn a_whatsapp_visitor_is_reachable_at_their_id() {
        let id = LeadId::from_stored("lead_1".into());
        let user = UserId::parse("15550100").unwrap();
        let whatsapp = Lead::visitor(id.clone(), LeadSource::Whatsapp, user.clone(), 1);
        assert_eq!(whatsapp.phone.as_deref(), Some("15550100"));
        let website = Lead::visitor(id, LeadSource::Website, user, 1);
        assert_eq!(website.phone, None);
        assert_eq!(
            website.user_id.as_ref().map(UserId::as_str),
            Some("15550100")
        );
    }

    #[test]
    fn readiness_needs_the_score_and_a_way_to_reach_the_visitor() {
        assert!(is_ready(50, true, false));
        assert!(is_ready(80, false, true));
        assert!(!is_ready(49, true, true));
        assert!(!is_ready(100, false, false));
    }

    #[test]
    fn phone_numbers_are_taken_as_people_write_them() {
        for good in ["+1 (555) 010-0199", "555.0100", "+351900000000"] {
            assert_eq!(phone_number(good).as_deref(), Ok(good), "{good}");
        }
        for bad in ["12345", "call me", "1+5550100", &"1".repeat(33)] {
            assert_eq!(phone_number(bad), Err(InvalidPhone), "{bad}");
        }
    }

    #[test]
    fn a_pipeline_move_changes_only_what_moves() {
        let mut lead = Lead::new(
            LeadId::from_stored("lead_1".into()),
            LeadSource::Chatbot,
            10,
        );
        assert!(!lead.move_to(LeadStatus::New, 50), "already there");
        assert_eq!(lead.updated_at, 10);
        assert!(lead.move_to(LeadStatus::Converted, 50));
        assert!(
            lead.move_to(LeadStatus::Contacted, 5),
            "back, to correct a mistake"
        );
        assert_eq!((lead.status, lead.updated_at), (LeadStatus::Contacted, 50));
    }

    #[test]
    fn ids_have_the_seed_format() {
        let lead = LeadId::generate(1_678_901_234_567, 0x1234_5678_9abc);
        let suffix = lead.as_str().strip_prefix("lead_1678901234567_").unwrap();
        assert_eq!(suffix.len(), 7);
        assert!(
            suffix
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        );
        assert_ne!(
            LeadId::generate(1, 1).as_str(),
            LeadId::generate(1, 2).as_str()
        );
        assert!(UserId::generate(5, 9).as_str().starts_with("user_5_"));
    }

    #[test]
    fn placeholder_email_names_the_user() {
        let user = UserId::parse("user_1_abc").unwrap();
        assert_eq!(
            user.placeholder_email(),
            "unknown_user_1_abc@placeholder.com"
        );
    }

    #[test]
    fn keeps_known_and_extra_fields_of_the_real_client() {
        let details = LeadDetails::from_fields(fields(json!({
            "name": "Ana", "email": "ana@example.com", "phone": "+34600111222",
            "country": "ES", "state": "", "city": "Madrid", "program": "MBA",
            "timestamp": 1_700_000_000_000u64, "userId": "user_1_abc", "newsletter": true
        })))
        .unwrap();
        assert_eq!(details.email.as_str(), "ana@example.com");
        assert_eq!(details.name.as_deref(), Some("Ana"));
        assert_eq!(details.user_id.unwrap().as_str(), "user_1_abc");
        assert_eq!(details.timestamp, Some(1_700_000_000_000));
        assert_eq!(details.phone.as_deref(), Some("+34600111222"));
        assert_eq!(details.extra["city"], json!("Madrid"));
        assert_eq!(details.extra["newsletter"], json!(true));
        assert!(
            !details.extra.contains_key("state"),
            "blank fields are dropped"
        );
    }

    #[test]
    fn missing_or_blank_email_is_missing_lead_data() {
        for data in [json!({"name": "Ana"}), json!({"email": "  "})] {
            assert_eq!(
                LeadDetails::from_fields(fields(data)),
                Err(LeadDataError::MissingEmail)
            );
        }
    }

    #[test]
    fn refusals_name_the_field() {
        let cases = [
            (
                json!({"email": "nope"}),
                "leadData.email is not a valid email address",
            ),
            (json!({"email": 5}), "leadData.email must be a string"),
            (
                json!({"email": "a@b.co", "name": ["x"]}),
                "leadData.name must be a string",
            ),
            (
                json!({"email": "a@b.co", "timestamp": "yesterday"}),
                "leadData.timestamp must be a whole number of milliseconds since the epoch",
            ),
            (
                json!({"email": "a@b.co", "address": {"street": "x"}}),
                "leadData.address must be a string, number or boolean",
            ),
            (
                json!({"email": "a@b.co", "leadId": "lead_x"}),
                "leadData.leadId is a reserved name",
            ),
            (
                json!({"email": "a@b.co", "city": "x".repeat(MAX_FIELD_VALUE_CHARS + 1)}),
                "leadData.city must be at most 2000 characters",
            ),
        ];
        for (data, message) in cases {
            let error = LeadDetails::from_fields(fields(data)).unwrap_err();
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn caps_the_number_and_names_of_extra_fields() {
        let mut many = Map::new();
        many.insert("email".into(), json!("a@b.co"));
        for i in 0..=MAX_EXTRA_FIELDS {
            many.insert(format!("f{i}"), json!(i));
        }
        assert_eq!(
            LeadDetails::from_fields(many),
            Err(LeadDataError::TooManyFields)
        );
        let bad_name = fields(json!({"email": "a@b.co", "bad name": "x"}));
        assert!(matches!(
            LeadDetails::from_fields(bad_name),
            Err(LeadDataError::InvalidFieldName(_))
        ));
    }

    #[test]
    fn union_of_conversations_keeps_first_arrival_order() {
        let conv = |s: &str| ConversationId::parse(s).unwrap();
        let lead = |ids: &[&str]| Lead {
            conversation_id: ids.last().map(|id| conv(id)),
            conversation_ids: ids.iter().map(|id| conv(id)).collect(),
            ..Lead::new(LeadId::from_stored("lead_1".into()), LeadSource::Form, 0)
        };
        let all = all_conversation_ids(&[lead(&["c2", "c1"]), lead(&["c1", "c3"])]);
        assert_eq!(all, vec![conv("c2"), conv("c1"), conv("c3")]);
    }
}
