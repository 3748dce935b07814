//! An assistant that answers as a test tells it: the same reply to the same message every time,
//! with the intent, score and visitor's details the test set, and a record of what it was asked.

use std::sync::Mutex;

use domain::lead::LeadIntent;

use super::lock;
use crate::conversations::{Engine, Profile, Reply, ReplyFuture, TenantBrief, Turn};

/// Answers `Reply to: <message>` with what [`ScriptedEngine::will_answer`] last set (at first
/// NEUTRAL, score 0, nothing known of the visitor).
#[derive(Debug)]
pub struct ScriptedEngine {
    script: Mutex<Script>,
    asked: Mutex<Vec<Asked>>,
}

#[derive(Debug, Clone)]
struct Script {
    intent: LeadIntent,
    score: u8,
    profile: Profile,
}

/// One question the engine was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub brief: TenantBrief,
    /// The conversation before the message, oldest first.
    pub history: Vec<Turn>,
    pub message: String,
}

impl Default for ScriptedEngine {
    fn default() -> Self {
        Self {
            script: Mutex::new(Script {
                intent: LeadIntent::Neutral,
                score: 0,
                profile: Profile::default(),
            }),
            asked: Mutex::new(Vec::new()),
        }
    }
}

impl ScriptedEngine {
    /// The reply text the engine gives to `message`.
    pub fn reply_to(message: &str) -> String {
        format!("Reply to: {message}")
    }

    /// From now on, every reply reads the conversation as `intent` with `score`, and knows
    /// `profile` of the visitor.
    pub fn will_answer(&self, intent: LeadIntent, score: u8, profile: Profile) {
        *lock(&self.script) = Script {
            intent,
            score,
            profile,
        };
    }

    /// What the engine was asked, oldest first.
    pub fn asked(&self) -> Vec<Asked> {
        lock(&self.asked).clone()
    }
}

impl Engine for ScriptedEngine {
    fn reply<'a>(
        &'a self,
        brief: &'a TenantBrief,
        history: &'a [Turn],
        message: &'a str,
    ) -> ReplyFuture<'a> {
        let script = lock(&self.script).clone();
        lock(&self.asked).push(Asked {
            brief: brief.clone(),
            history: history.to_vec(),
            message: message.to_owned(),
        });
        Box::pin(std::future::ready(Reply {
            text: Self::reply_to(message),
            intent: script.intent,
            score: script.score,
            profile: script.profile,
            follow_up: false,
            off_topic: false,
            engine: "scripted",
        }))
    }
}
