//! The `lex-code-hook` function: the Amazon Lex V2 code hook of seed 003's book-store bot.
//! `RegisterUserIntent` (slots `Username`, `Email`) registers a user and `EditUserIntent` (slots
//! `Username`, `NewEmail`) changes a user's email, in the tenant the calling bot belongs to.
//!
//! On dialog turns it validates what Lex heard (a malformed email is asked for again, saying
//! why); on fulfilment it writes with a condition, so an existing user is never registered twice
//! and a missing one is never created by an edit. Either outcome is said as Lex should say it:
//! `Fulfilled` or `Failed`, never a success that did nothing.

pub mod lex;

use std::collections::BTreeMap;

use domain::bot_user::Username;
use domain::settings::Settings;
use domain::{Email, TenantId};
use lambda_runtime::{LambdaEvent, service_fn};
use store::bot_users::BotUserStore;

use crate::lex::{
    Bot, DialogAction, DialogActionType, Intent, IntentState, InvocationSource, LexEvent,
    LexResponse, Message, SessionState,
};

/// Which tenant each bot (or bot alias) belongs to, from `LEX_BOT_TENANTS`:
/// `<botId>[:<aliasId>]=<tenant>`, comma-separated. An alias's own entry wins over its bot's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BotTenants(BTreeMap<(String, Option<String>), TenantId>);

impl BotTenants {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut map = BTreeMap::new();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (bot, tenant) = entry
                .split_once('=')
                .ok_or_else(|| format!("'{entry}' is not <botId>[:<aliasId>]=<tenant>"))?;
            let tenant =
                TenantId::parse(tenant.trim()).map_err(|error| format!("'{entry}': {error}"))?;
            let (bot, alias) = match bot.trim().split_once(':') {
                Some((bot, alias)) => (bot.to_owned(), Some(alias.to_owned())),
                None => (bot.trim().to_owned(), None),
            };
            map.insert((bot, alias), tenant);
        }
        Ok(Self(map))
    }

    pub fn tenant_of(&self, bot: &Bot) -> Option<&TenantId> {
        self.0
            .get(&(bot.id.clone(), bot.alias_id.clone()))
            .or_else(|| self.0.get(&(bot.id.clone(), None)))
    }
}

/// The two intents, and what each needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserIntent {
    Register,
    Edit,
}

impl UserIntent {
    fn of(name: &str) -> Option<Self> {
        match name {
            "RegisterUserIntent" => Some(Self::Register),
            "EditUserIntent" => Some(Self::Edit),
            _ => None,
        }
    }

    fn email_slot(self) -> &'static str {
        match self {
            Self::Register => "Email",
            Self::Edit => "NewEmail",
        }
    }

    fn email_prompt(self) -> &'static str {
        match self {
            Self::Register => "What is the email address?",
            Self::Edit => "What is the new email address?",
        }
    }
}

const USERNAME_SLOT: &str = "Username";
const USERNAME_PROMPT: &str = "What is the username?";

/// The hook, with its clients built once per execution environment.
#[derive(Clone)]
pub struct CodeHook {
    pub users: BotUserStore,
    pub tenants: BotTenants,
}

/// Reads the configuration (every missing variable reported at once) and serves Lex's calls.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    let (backend, tenants) = store::Backend::from_env_with(|settings: &mut Settings<_>| {
        settings.parsed_or("LEX_BOT_TENANTS", BotTenants::default(), BotTenants::parse)
    })
    .await?;
    if tenants == BotTenants::default() {
        tracing::warn!("LEX_BOT_TENANTS is empty: every request will be refused");
    }
    let hook = CodeHook {
        users: backend.bot_users(),
        tenants,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<LexEvent>| {
        let hook = hook.clone();
        async move {
            let invocation = telemetry::Invocation::begin();
            let answer = hook.handle(event.payload).await;
            let failed = answer
                .session_state
                .intent
                .as_ref()
                .is_some_and(|intent| intent.state == Some(IntentState::Failed));
            let context = telemetry::BatchContext {
                request_id: &event.context.request_id,
                trace_id: event.context.xray_trace_id.as_deref(),
                source: "lex",
            };
            telemetry::finish_batch(invocation, &context, 1, usize::from(failed));
            Ok::<LexResponse, lambda_runtime::Error>(answer)
        }
    }))
    .await
}

impl CodeHook {
    /// The answer to one call from Lex. Never an error: whatever goes wrong is said to the user
    /// as a failed intent, and logged.
    pub async fn handle(&self, event: LexEvent) -> LexResponse {
        let attributes = event.session_state.session_attributes.clone();
        let Some(intent) = event.session_state.intent.clone() else {
            return close(
                attributes,
                None,
                IntentState::Failed,
                "Sorry, I couldn't understand the request.",
            );
        };
        let Some(kind) = UserIntent::of(&intent.name) else {
            let text = format!(
                "Sorry, I can't help with that request ({}).",
                echo(&intent.name)
            );
            return close(attributes, Some(intent), IntentState::Failed, &text);
        };
        let Some(tenant) = self.tenants.tenant_of(&event.bot) else {
            tracing::error!(bot = %event.bot.id, alias = ?event.bot.alias_id, "a bot no tenant is configured for (LEX_BOT_TENANTS)");
            return close(
                attributes,
                Some(intent),
                IntentState::Failed,
                "This bot is not connected to a Frontdesk tenant yet.",
            );
        };

        let email_slot = kind.email_slot();
        let username = intent
            .slot_text(USERNAME_SLOT)
            .map(|raw| (raw.to_owned(), Username::parse(raw)));
        let email = intent
            .slot_text(email_slot)
            .map(|raw| (raw.to_owned(), Email::parse(raw)));
        if let Some((raw, Err(why))) = &username {
            let text = format!(
                "\"{}\" cannot be a username: {why}. {USERNAME_PROMPT}",
                echo(raw)
            );
            return elicit(attributes, intent, USERNAME_SLOT, &text);
        }
        if let Some((raw, Err(_))) = &email {
            let text = format!(
                "\"{}\" is not a valid email address. {}",
                echo(raw),
                kind.email_prompt()
            );
            return elicit(attributes, intent, email_slot, &text);
        }
        let (Some((_, Ok(username))), Some((_, Ok(email)))) = (username, email) else {
            return match event.invocation_source {
                // Lex asks for what is missing with the bot's own prompts.
                InvocationSource::DialogCodeHook => delegate(attributes, intent),
                InvocationSource::FulfillmentCodeHook => {
                    let (slot, prompt) = if intent.slot_text(USERNAME_SLOT).is_none() {
                        (USERNAME_SLOT, USERNAME_PROMPT)
                    } else {
                        (email_slot, kind.email_prompt())
                    };
                    elicit(attributes, intent, slot, prompt)
                }
            };
        };
        if event.invocation_source == InvocationSource::DialogCodeHook {
            return delegate(attributes, intent);
        }

        let now = usecases::clock::now_ms();
        let outcome = match kind {
            UserIntent::Register => self.users.register(tenant, &username, &email, now).await,
            UserIntent::Edit => {
                self.users
                    .change_email(tenant, &username, &email, now)
                    .await
            }
        };
        let (state, text) = match (kind, outcome) {
            (UserIntent::Register, Ok(true)) => (
                IntentState::Fulfilled,
                format!("User {username} has been registered with email {email}."),
            ),
            (UserIntent::Register, Ok(false)) => (
                IntentState::Failed,
                format!("User {username} is already registered."),
            ),
            (UserIntent::Edit, Ok(true)) => (
                IntentState::Fulfilled,
                format!("User {username} has been updated with new email {email}."),
            ),
            (UserIntent::Edit, Ok(false)) => (
                IntentState::Failed,
                format!("User {username} does not exist."),
            ),
            (_, Err(error)) => {
                tracing::error!(%error, intent = %intent.name, "could not write the bot's user");
                (
                    IntentState::Failed,
                    "Sorry, something went wrong on our side. Please try again in a moment."
                        .to_owned(),
                )
            }
        };
        close(attributes, Some(intent), state, &text)
    }
}

/// The most characters of what the user said that a message repeats back: enough to recognise
/// it, and far below Lex's limit on a message whatever the rest of the text.
const ECHO_CHARS: usize = 80;

/// What the user said, as a message quotes it: cut to [`ECHO_CHARS`], ending in `…` when cut.
fn echo(heard: &str) -> String {
    if heard.chars().count() <= ECHO_CHARS {
        return heard.to_owned();
    }
    let mut cut: String = heard.chars().take(ECHO_CHARS - 1).collect();
    cut.push('…');
    cut
}

fn respond(
    session_attributes: Option<BTreeMap<String, String>>,
    intent: Option<Intent>,
    action: DialogAction,
    text: Option<&str>,
) -> LexResponse {
    LexResponse {
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
fn close(
    attributes: Option<BTreeMap<String, String>>,
    intent: Option<Intent>,
    state: IntentState,
    text: &str,
) -> LexResponse {
    let intent = intent.map(|intent| Intent {
        state: Some(state),
        ..intent
    });
    let action = DialogAction {
        kind: DialogActionType::Close,
        slot_to_elicit: None,
    };
    respond(attributes, intent, action, Some(text))
}

/// Asks for `slot` again, with `text` saying why; what was heard for it is cleared.
fn elicit(
    attributes: Option<BTreeMap<String, String>>,
    mut intent: Intent,
    slot: &str,
    text: &str,
) -> LexResponse {
    intent.slots.insert(slot.to_owned(), None);
    intent.state = Some(IntentState::InProgress);
    let action = DialogAction {
        kind: DialogActionType::ElicitSlot,
        slot_to_elicit: Some(slot.to_owned()),
    };
    respond(attributes, Some(intent), action, Some(text))
}

/// Lets Lex go on as the bot is configured.
fn delegate(attributes: Option<BTreeMap<String, String>>, intent: Intent) -> LexResponse {
    let action = DialogAction {
        kind: DialogActionType::Delegate,
        slot_to_elicit: None,
    };
    respond(attributes, Some(intent), action, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bot(id: &str, alias: Option<&str>) -> Bot {
        Bot {
            id: id.into(),
            name: None,
            alias_id: alias.map(Into::into),
            alias_name: None,
            locale_id: None,
            version: None,
        }
    }

    #[test]
    fn echoed_values_and_messages_stay_within_lex_limits() {
        let heard = "x".repeat(1_000);
        assert_eq!(echo(&heard).chars().count(), ECHO_CHARS);
        assert!(echo(&heard).ends_with('…'));
        assert_eq!(echo("Ana"), "Ana");
        let message = lex::Message::plain("é".repeat(1_500));
        assert_eq!(message.content.chars().count(), lex::MAX_MESSAGE_CHARS);
        assert!(message.content.ends_with('…'));
    }

    #[test]
    fn aliases_map_before_their_bot() {
        let tenants = BotTenants::parse("BOT1=acme, BOT1:ALIAS2=globex ,BOT3=initech").unwrap();
        assert_eq!(
            tenants
                .tenant_of(&bot("BOT1", Some("TSTALIASID")))
                .unwrap()
                .as_str(),
            "acme"
        );
        assert_eq!(
            tenants
                .tenant_of(&bot("BOT1", Some("ALIAS2")))
                .unwrap()
                .as_str(),
            "globex"
        );
        assert_eq!(tenants.tenant_of(&bot("BOT9", None)), None);
        assert!(BotTenants::parse("BOT1").is_err());
        assert!(BotTenants::parse("BOT1=Not A Tenant").is_err());
        assert_eq!(BotTenants::parse("").unwrap(), BotTenants::default());
    }
}
