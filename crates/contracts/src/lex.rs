//! Amazon Lex V2's code hook event and response (`aws_lambda_events` only has Lex V1's): the
//! fields this hook reads and writes, with the slots and session attributes kept as Lex sent them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What Lex sends the code hook.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LexEvent {
    pub message_version: String,
    pub invocation_source: InvocationSource,
    #[serde(default)]
    pub input_mode: Option<String>,
    pub session_id: String,
    #[serde(default)]
    pub input_transcript: Option<String>,
    pub bot: Bot,
    pub session_state: SessionState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_attributes: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum InvocationSource {
    /// Each turn while slots are being collected: validate what was heard.
    DialogCodeHook,
    /// Every slot is filled: do the work.
    FulfillmentCodeHook,
}

/// The bot and alias that called.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bot {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub alias_id: Option<String>,
    #[serde(default)]
    pub alias_name: Option<String>,
    #[serde(default)]
    pub locale_id: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

/// The conversation's state, as Lex sends it and as the hook answers it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionState {
    /// Whatever the client and the bot keep across turns; passed back untouched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_attributes: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_contexts: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialog_action: Option<DialogAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Intent {
    pub name: String,
    /// Every slot of the intent; `null` until filled.
    #[serde(default)]
    pub slots: BTreeMap<String, Option<Slot>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<IntentState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_state: Option<String>,
}

impl Intent {
    /// What a slot was heard as: Lex's interpretation, else the words themselves.
    pub fn slot_text(&self, name: &str) -> Option<&str> {
        let value = self.slots.get(name)?.as_ref()?.value.as_ref()?;
        value
            .interpreted_value
            .as_deref()
            .or(value.original_value.as_deref())
            .map(str::trim)
            .filter(|text| !text.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum IntentState {
    Failed,
    Fulfilled,
    FulfillmentInProgress,
    InProgress,
    ReadyForFulfillment,
    Waiting,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<SlotValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Slot>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreted_value: Option<String>,
    #[serde(default)]
    pub resolved_values: Vec<String>,
}

/// What Lex does next.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DialogAction {
    #[serde(rename = "type")]
    pub kind: DialogActionType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_to_elicit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum DialogActionType {
    Close,
    ConfirmIntent,
    Delegate,
    ElicitIntent,
    ElicitSlot,
}

/// The hook's answer.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LexResponse {
    pub session_state: SessionState,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Always `PlainText` here.
    pub content_type: String,
    pub content: String,
}

/// The most characters Lex V2 takes in one message; it rejects the whole response otherwise.
pub const MAX_MESSAGE_CHARS: usize = 1_000;

impl Message {
    /// A plain-text message, cut to [`MAX_MESSAGE_CHARS`] (ending in `…`) so Lex never rejects
    /// the response.
    pub fn plain(content: impl Into<String>) -> Self {
        let mut content = content.into();
        if content.chars().count() > MAX_MESSAGE_CHARS {
            content = content.chars().take(MAX_MESSAGE_CHARS - 1).collect();
            content.push('…');
        }
        Self {
            content_type: "PlainText".to_owned(),
            content,
        }
    }
}

impl LexResponse {
    fn with(
        session_attributes: Option<BTreeMap<String, String>>,
        intent: Option<Intent>,
        action: DialogAction,
        text: Option<&str>,
    ) -> Self {
        Self {
            session_state: SessionState {
                session_attributes,
                active_contexts: None,
                dialog_action: Some(action),
                intent,
            },
            messages: text.map(Message::plain).into_iter().collect(),
        }
    }

    /// Ends the intent in `state` with a message.
    pub fn close(
        attributes: Option<BTreeMap<String, String>>,
        intent: Option<Intent>,
        state: IntentState,
        text: &str,
    ) -> Self {
        let intent = intent.map(|intent| Intent {
            state: Some(state),
            ..intent
        });
        let action = DialogAction {
            kind: DialogActionType::Close,
            slot_to_elicit: None,
        };
        Self::with(attributes, intent, action, Some(text))
    }

    /// Asks for `slot` again, with `text` saying why; what was heard for it is cleared.
    pub fn elicit(
        attributes: Option<BTreeMap<String, String>>,
        mut intent: Intent,
        slot: &str,
        text: &str,
    ) -> Self {
        intent.slots.insert(slot.to_owned(), None);
        intent.state = Some(IntentState::InProgress);
        let action = DialogAction {
            kind: DialogActionType::ElicitSlot,
            slot_to_elicit: Some(slot.to_owned()),
        };
        Self::with(attributes, Some(intent), action, Some(text))
    }

    /// Lets Lex go on as the bot is configured.
    pub fn delegate(attributes: Option<BTreeMap<String, String>>, intent: Intent) -> Self {
        let action = DialogAction {
            kind: DialogActionType::Delegate,
            slot_to_elicit: None,
        };
        Self::with(attributes, Some(intent), action, None)
    }
}
