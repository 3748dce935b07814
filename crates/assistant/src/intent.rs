//! How ready a visitor is to buy, scored from everything they said with word-level rules.
//!
//! Seed 001 matched substrings of the latest message only, so "know" counted as HOT (it contains
//! "now") and "I don't want to buy" counted as HOT too. Here the text is split into words
//! ([`crate::words`]), signals are whole words or phrases, and a negator shortly before a signal
//! turns it around.
//!
//! The rules, in brief:
//! - every signal has a weight: commitment (buy, purchase, order, sign up…) 50; price questions
//!   (price, pricing, cost, quote, discount, deal, how much…) 30; urgency (today, this week,
//!   asap…) and quantities ("3 units", "two licenses") 25; interest (interested, considering,
//!   tell me more, info, information, details, want, demo…) 15; refusals (not interested, no
//!   thanks, just browsing, unsubscribe, too expensive…) −40;
//! - a negator (not, no, never, don't, won't, isn't, without…) up to four words before a signal,
//!   in the same clause, flips a positive signal to −30 ("I don't want to buy") and cancels a
//!   refusal ("I'm not just browsing");
//! - each kind of signal counts once per conversation, so repeating "price?" or asking "how
//!   much does it cost" (two price phrases) does not inflate the score: the same kind of
//!   message gets the same intent whatever words it uses; the score is the sum clamped to 0–100;
//! - intent is the score's band: ≥ 50 HOT, ≥ 15 WARM, below that COLD, and NEUTRAL when the
//!   conversation holds no signal at all ("hi").
//!
//! A price question alone is WARM, not HOT: "tell me more about pricing" scores 45, research
//! rather than a decision; it turns HOT with a commitment, a quantity or a deadline.

use std::collections::HashSet;

use domain::lead::LeadIntent;

use crate::words::{Kind, Token, tokens};

/// A conversation's intent and the 0–100 score it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntentScore {
    pub intent: LeadIntent,
    pub score: u8,
}

/// The score from which a conversation is HOT and, with a way to reach the visitor, a ready lead.
pub const HOT_SCORE: u8 = 50;
/// One interest signal on its own makes a conversation WARM.
pub const WARM_SCORE: u8 = 15;

/// What a phrase says about the visitor; each kind counts once per conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Signal {
    Commitment,
    Price,
    Urgency,
    Quantity,
    Interest,
    Refusal,
    /// Phrases matched only so their words are not read as signals or negators: "in order to"
    /// is not an order, "no problem" is not a refusal.
    Guard,
}

impl Signal {
    fn weight(self) -> i32 {
        match self {
            Self::Commitment => 50,
            Self::Price => 30,
            Self::Urgency | Self::Quantity => 25,
            Self::Interest => 15,
            Self::Refusal => -40,
            Self::Guard => 0,
        }
    }
}

use Signal::{Commitment, Guard, Interest, Price, Refusal, Urgency};

const NEGATED_POSITIVE: i32 = -30;

/// Signals as space-separated lower-case words, with what they say.
const SIGNALS: &[(&str, Signal)] = &[
    ("buy", Commitment),
    ("buying", Commitment),
    ("purchase", Commitment),
    ("purchasing", Commitment),
    ("order", Commitment),
    ("ordering", Commitment),
    ("sign up", Commitment),
    ("checkout", Commitment),
    ("place an order", Commitment),
    ("price", Price),
    ("prices", Price),
    ("pricing", Price),
    ("cost", Price),
    ("costs", Price),
    ("quote", Price),
    ("quotation", Price),
    ("deal", Price),
    ("discount", Price),
    ("discounts", Price),
    ("how much", Price),
    ("invoice", Price),
    ("today", Urgency),
    ("tomorrow", Urgency),
    ("this week", Urgency),
    ("this month", Urgency),
    ("asap", Urgency),
    ("as soon as possible", Urgency),
    ("right away", Urgency),
    ("right now", Urgency),
    ("immediately", Urgency),
    ("urgent", Urgency),
    ("urgently", Urgency),
    ("interested", Interest),
    ("considering", Interest),
    ("tell me more", Interest),
    ("more about", Interest),
    ("learn more", Interest),
    ("info", Interest),
    ("information", Interest),
    ("details", Interest),
    ("want", Interest),
    ("wanna", Interest),
    ("would like", Interest),
    ("i'd like", Interest),
    ("looking for", Interest),
    ("demo", Interest),
    ("trial", Interest),
    ("options", Interest),
    ("availability", Interest),
    ("maybe", Interest),
    ("not interested", Refusal),
    ("no interest", Refusal),
    ("no thanks", Refusal),
    ("no thank you", Refusal),
    ("just browsing", Refusal),
    ("just looking", Refusal),
    ("unsubscribe", Refusal),
    ("stop messaging", Refusal),
    ("not for me", Refusal),
    ("not now", Refusal),
    ("too expensive", Refusal),
    ("can't afford", Refusal),
    ("cannot afford", Refusal),
    ("waste of time", Refusal),
    ("leave me alone", Refusal),
    ("remove me", Refusal),
    ("spam", Refusal),
    ("in order to", Guard),
    ("no problem", Guard),
    ("no worries", Guard),
    ("never mind", Guard),
    ("no doubt", Guard),
];

const NEGATORS: &[&str] = &[
    "not",
    "no",
    "never",
    "don't",
    "dont",
    "doesn't",
    "doesnt",
    "didn't",
    "didnt",
    "won't",
    "wont",
    "isn't",
    "isnt",
    "aren't",
    "arent",
    "wasn't",
    "wasnt",
    "wouldn't",
    "wouldnt",
    "shouldn't",
    "neither",
    "nor",
    "nobody",
    "nothing",
    "without",
];
/// How far back a negator reaches: "I do not really want to buy" still negates "want".
const NEGATION_WINDOW: usize = 4;
/// Words that start a new thought, which a negator does not reach across ("no idea but I'll buy").
const CONTRASTS: &[&str] = &["but", "however", "although", "though", "yet"];

const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "twenty", "fifty", "hundred", "dozen", "several",
];
const UNITS: &[&str] = &[
    "unit",
    "units",
    "piece",
    "pieces",
    "pcs",
    "item",
    "items",
    "box",
    "boxes",
    "pack",
    "packs",
    "pair",
    "pairs",
    "case",
    "cases",
    "bottle",
    "bottles",
    "pallet",
    "pallets",
    "kg",
    "kilos",
    "tons",
    "tonnes",
    "license",
    "licenses",
    "licence",
    "licences",
    "seat",
    "seats",
    "copy",
    "copies",
    "ticket",
    "tickets",
    "user",
    "users",
    "subscription",
    "subscriptions",
    "device",
    "devices",
    "room",
    "rooms",
    "night",
    "nights",
];

/// One signal found in the text.
struct Hit {
    signal: Signal,
    start: usize,
    len: usize,
}

/// Scores a whole conversation: pass every visitor turn, oldest first.
pub fn score<'a>(visitor_turns: impl IntoIterator<Item = &'a str>) -> IntentScore {
    let mut counted: HashSet<(Signal, bool)> = HashSet::new();
    let mut total = 0i32;
    let mut evidence = false;
    for turn in visitor_turns {
        let found = tokens(turn);
        let hits = hits(&found);
        let mut consumed = vec![false; found.len()];
        for hit in &hits {
            consumed[hit.start..hit.start + hit.len].fill(true);
        }
        for hit in hits.iter().filter(|hit| hit.signal != Guard) {
            let negated = negated(&found, &consumed, hit.start);
            let weight = match (negated, hit.signal.weight() > 0) {
                (false, _) => hit.signal.weight(),
                (true, true) => NEGATED_POSITIVE,
                (true, false) => 0,
            };
            if weight != 0 {
                evidence = true;
            }
            if counted.insert((hit.signal, negated)) {
                total += weight;
            }
        }
    }
    let score = u8::try_from(total.clamp(0, 100)).expect("clamped to 0..=100");
    IntentScore {
        intent: band(score, evidence),
        score,
    }
}

/// The intent for `score`; NEUTRAL when nothing was said that tells either way.
fn band(score: u8, evidence: bool) -> LeadIntent {
    if !evidence {
        LeadIntent::Neutral
    } else if score >= HOT_SCORE {
        LeadIntent::Hot
    } else if score >= WARM_SCORE {
        LeadIntent::Warm
    } else {
        LeadIntent::Cold
    }
}

/// How far a model's opinion may move the rule score, in points.
pub const MODEL_SHIFT: u8 = 20;

/// Combines the rule score with a language model's judgement: the score moves toward the
/// model's band (HOT 80, WARM 35, COLD 0) by at most [`MODEL_SHIFT`] points, NEUTRAL leaves it
/// alone, and the intent is the band of the moved score.
///
/// The bound keeps the visitor's own words in charge: a model can tip a borderline conversation
/// one band either way, but it cannot make "hi" a HOT (and so ready) lead, nor drop an explicit
/// "I want to buy 3 units" below HOT.
pub fn blend(rules: IntentScore, model: LeadIntent) -> IntentScore {
    let target: i32 = match model {
        LeadIntent::Neutral => return rules,
        LeadIntent::Hot => 80,
        LeadIntent::Warm => 35,
        LeadIntent::Cold => 0,
    };
    let current = i32::from(rules.score);
    let shift = i32::from(MODEL_SHIFT);
    let moved = current + (target - current).clamp(-shift, shift);
    let score = u8::try_from(moved.clamp(0, 100)).expect("clamped to 0..=100");
    IntentScore {
        intent: band(score, true),
        score,
    }
}

/// Every signal in `found`, left to right, the longest phrase winning at each position.
fn hits(found: &[Token<'_>]) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < found.len() {
        let best = SIGNALS
            .iter()
            .filter(|(phrase, _)| phrase_at(found, i, phrase))
            .max_by_key(|(phrase, _)| phrase.split(' ').count())
            .map(|&(phrase, signal)| Hit {
                signal,
                start: i,
                len: phrase.split(' ').count(),
            })
            .or_else(|| quantity_at(found, i));
        match best {
            Some(hit) => {
                i += hit.len;
                out.push(hit);
            }
            None => i += 1,
        }
    }
    out
}

fn phrase_at(found: &[Token<'_>], at: usize, phrase: &str) -> bool {
    phrase
        .split(' ')
        .enumerate()
        .all(|(k, word)| found.get(at + k).is_some_and(|t| t.is_word(word)))
}

/// "3 units", "two licenses", "12 boxes": an amount of something is an order taking shape.
fn quantity_at(found: &[Token<'_>], at: usize) -> Option<Hit> {
    let amount = found.get(at)?;
    let is_amount = amount.kind == Kind::Number
        || (amount.kind == Kind::Word && NUMBER_WORDS.contains(&amount.norm.as_str()));
    let unit = found.get(at + 1)?;
    (is_amount && unit.kind == Kind::Word && UNITS.contains(&unit.norm.as_str())).then_some(Hit {
        signal: Signal::Quantity,
        start: at,
        len: 2,
    })
}

/// Whether a negator stands within [`NEGATION_WINDOW`] words before `start` in the same clause.
/// Words that belong to another matched phrase ("no thanks") are not negators.
fn negated(found: &[Token<'_>], consumed: &[bool], start: usize) -> bool {
    for j in (start.saturating_sub(NEGATION_WINDOW)..start).rev() {
        let token = &found[j];
        if token.kind == Kind::Break || CONTRASTS.contains(&token.norm.as_str()) {
            return false;
        }
        if !consumed[j] && token.kind == Kind::Word && NEGATORS.contains(&token.norm.as_str()) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> IntentScore {
        score([text])
    }

    #[test]
    fn bands_follow_the_documented_weights() {
        let cases = [
            ("hi", LeadIntent::Neutral, 0),
            ("I know", LeadIntent::Neutral, 0),
            ("I'm interested", LeadIntent::Warm, 15),
            ("information please", LeadIntent::Warm, 15),
            ("what's the price?", LeadIntent::Warm, 30),
            ("tell me more about pricing", LeadIntent::Warm, 45),
            ("I want to buy", LeadIntent::Hot, 65),
            ("price for 10 units", LeadIntent::Hot, 55),
            ("not interested", LeadIntent::Cold, 0),
        ];
        for (text, intent, points) in cases {
            assert_eq!(
                of(text),
                IntentScore {
                    intent,
                    score: points
                },
                "{text}"
            );
        }
    }

    #[test]
    fn substrings_are_not_signals() {
        // Each hides a signal inside a longer word: know/now, reorder/order, priceless/price.
        for text in [
            "I know",
            "known issue",
            "reordering shelves",
            "priceless",
            "buyer's guide",
        ] {
            assert_eq!(of(text).intent, LeadIntent::Neutral, "{text}");
        }
    }

    #[test]
    fn negators_flip_or_cancel_signals_within_the_clause() {
        assert_eq!(of("I don't want to buy").intent, LeadIntent::Cold);
        assert_eq!(of("I do not really want to buy").intent, LeadIntent::Cold);
        assert_eq!(of("never going to order").intent, LeadIntent::Cold);
        // Across a clause break or a contrast, the negator no longer applies.
        assert_eq!(of("No, I want to buy").intent, LeadIntent::Hot);
        assert_eq!(of("no idea yet but I will buy").intent, LeadIntent::Hot);
        // A negated refusal is not a refusal.
        assert_eq!(of("I'm not just browsing").intent, LeadIntent::Neutral);
        // Words of a matched phrase do not negate what follows.
        assert_eq!(of("no problem, buy it").intent, LeadIntent::Hot);
        assert_eq!(of("never mind the colour I'll buy").intent, LeadIntent::Hot);
    }

    #[test]
    fn guards_keep_common_phrases_from_counting() {
        assert_eq!(of("in order to compare").intent, LeadIntent::Neutral);
    }

    #[test]
    fn quantities_count_only_with_a_unit() {
        assert_eq!(of("3 units").score, 25);
        assert_eq!(of("two licenses").score, 25);
        assert_eq!(of("3 questions").intent, LeadIntent::Neutral);
    }

    #[test]
    fn the_same_kind_of_question_gets_the_same_intent_whatever_its_words() {
        let price_questions = [
            "How much does the Ridgeline tent cost?",
            "What's the price of the Summit 45 backpack?",
            "What does the Ridgeline tent cost?",
            "how much is it",
            "Can I get a quote and pricing?",
            "Any discount on the deal?",
        ];
        for text in price_questions {
            assert_eq!(
                of(text),
                IntentScore {
                    intent: LeadIntent::Warm,
                    score: 30
                },
                "{text}"
            );
        }
        for text in ["I want to buy", "I'd like to purchase and order it"] {
            assert_eq!(of(text).score, 65, "{text}");
        }
    }

    #[test]
    fn a_signal_repeated_counts_once_and_the_whole_conversation_counts() {
        assert_eq!(score(["price?", "price?", "price?"]).score, 30);
        let turns = ["hi", "how much is it?", "I'd like to order 2 boxes today"];
        assert_eq!(score(turns).intent, LeadIntent::Hot);
        // A later refusal pulls an earlier interest down.
        assert_eq!(
            score(["tell me more", "actually no thanks"]).intent,
            LeadIntent::Cold
        );
    }

    #[test]
    fn a_ready_lead_is_a_hot_one() {
        assert_eq!(HOT_SCORE, domain::lead::READY_SCORE);
    }

    #[test]
    fn the_model_moves_the_score_a_bounded_amount() {
        let hi = of("hi");
        assert_eq!(blend(hi, LeadIntent::Neutral), hi);
        assert_eq!(
            blend(hi, LeadIntent::Hot),
            IntentScore {
                intent: LeadIntent::Warm,
                score: 20
            }
        );
        let pricing = of("tell me more about pricing");
        assert_eq!(blend(pricing, LeadIntent::Hot).intent, LeadIntent::Hot);
        assert_eq!(blend(pricing, LeadIntent::Cold).score, 25);
        let buying = of("I want to buy 3 units this week");
        assert_eq!(blend(buying, LeadIntent::Cold).intent, LeadIntent::Hot);
        assert_eq!(blend(buying, LeadIntent::Cold).score, 80);
    }
}
