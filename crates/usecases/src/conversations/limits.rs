//! Abuse limits on conversations: how fast one conversation may go, and how many new
//! conversations one caller (an API key, an agent) may start.

use domain::conversation::RateLimit;
use domain::settings::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatLimits {
    pub messages_per_conversation: RateLimit,
    pub new_conversations_per_caller: RateLimit,
}

impl Default for ChatLimits {
    fn default() -> Self {
        Self {
            messages_per_conversation: RateLimit::per_minute(20),
            new_conversations_per_caller: RateLimit::per_minute(60),
        }
    }
}

impl ChatLimits {
    /// No limits: for conversations whose messages a provider delivers signed (a WhatsApp
    /// number), where refusing one would only make the provider send it again.
    pub fn unlimited() -> Self {
        Self {
            messages_per_conversation: RateLimit::per_minute(u32::MAX),
            new_conversations_per_caller: RateLimit::per_minute(u32::MAX),
        }
    }

    /// Reads `CHAT_MESSAGES_PER_MINUTE` and `CHAT_NEW_CONVERSATIONS_PER_MINUTE`, defaults when
    /// unset.
    pub fn read<F: Fn(&str) -> Option<String>>(settings: &mut Settings<F>) -> Self {
        let defaults = Self::default();
        let per_minute = |raw: &str| {
            raw.parse::<u32>()
                .ok()
                .filter(|max| *max > 0)
                .map(RateLimit::per_minute)
                .ok_or_else(|| "must be a whole number above 0".to_owned())
        };
        Self {
            messages_per_conversation: settings.parsed_or(
                "CHAT_MESSAGES_PER_MINUTE",
                defaults.messages_per_conversation,
                per_minute,
            ),
            new_conversations_per_caller: settings.parsed_or(
                "CHAT_NEW_CONVERSATIONS_PER_MINUTE",
                defaults.new_conversations_per_caller,
                per_minute,
            ),
        }
    }
}
