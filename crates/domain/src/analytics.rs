//! Lead analytics as running tallies: each lead contributes to counters according to its state,
//! and every change of a lead moves the counters by the difference, in the same write as the
//! change. The summary is then a read of a few counters, never a scan, and it stays exact because
//! a change and its difference are committed together or not at all.

use std::ops::{Add, Sub};

use crate::lead::{Lead, LeadIntent, LeadStatus};

/// Counters over a tenant's leads (or a difference of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Every lead.
    pub leads: i64,
    /// Leads that held a conversation (at least one message).
    pub conversations: i64,
    pub hot: i64,
    pub warm: i64,
    pub cold: i64,
    /// Leads at each stage of the sales pipeline.
    pub stage_new: i64,
    pub contacted: i64,
    pub qualified: i64,
    pub converted: i64,
    /// Replies to a visitor's message, and the milliseconds they took in total.
    pub replies: i64,
    pub reply_ms: i64,
}

impl Tally {
    /// Every counter, by the name it is stored under.
    pub const FIELDS: [&'static str; 11] = [
        "leads",
        "conversations",
        "hot",
        "warm",
        "cold",
        "stageNew",
        "contacted",
        "qualified",
        "converted",
        "replies",
        "replyMs",
    ];

    /// What a lead in this state contributes.
    pub fn of(lead: &Lead) -> Self {
        let flag = |yes: bool| i64::from(yes);
        Self {
            leads: 1,
            conversations: flag(lead.message_count > 0),
            hot: flag(lead.intent == Some(LeadIntent::Hot)),
            warm: flag(lead.intent == Some(LeadIntent::Warm)),
            cold: flag(lead.intent == Some(LeadIntent::Cold)),
            stage_new: flag(lead.status == LeadStatus::New),
            contacted: flag(lead.status == LeadStatus::Contacted),
            qualified: flag(lead.status == LeadStatus::Qualified),
            converted: flag(lead.status == LeadStatus::Converted),
            replies: 0,
            reply_ms: 0,
        }
    }

    /// How the counters move when a lead goes from `before` (`None`: it did not exist) to `after`.
    pub fn change(before: Option<&Lead>, after: &Lead) -> Self {
        Self::of(after) - before.map(Self::of).unwrap_or_default()
    }

    /// One reply that took `ms` milliseconds after the visitor's message.
    pub fn reply(ms: u64) -> Self {
        Self {
            replies: 1,
            reply_ms: i64::try_from(ms).unwrap_or(i64::MAX),
            ..Self::default()
        }
    }

    pub fn values(&self) -> [i64; 11] {
        [
            self.leads,
            self.conversations,
            self.hot,
            self.warm,
            self.cold,
            self.stage_new,
            self.contacted,
            self.qualified,
            self.converted,
            self.replies,
            self.reply_ms,
        ]
    }

    pub fn from_values(values: [i64; 11]) -> Self {
        let [
            leads,
            conversations,
            hot,
            warm,
            cold,
            stage_new,
            contacted,
            qualified,
            converted,
            replies,
            reply_ms,
        ] = values;
        Self {
            leads,
            conversations,
            hot,
            warm,
            cold,
            stage_new,
            contacted,
            qualified,
            converted,
            replies,
            reply_ms,
        }
    }

    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// Average seconds from a visitor's message to its reply, to the millisecond; 0 before any.
    pub fn avg_response_secs(&self) -> f64 {
        if self.replies <= 0 {
            return 0.0;
        }
        (self.reply_ms as f64 / self.replies as f64).round() / 1000.0
    }

    /// Converted leads as a percentage of all leads, to two decimals; 0 without leads.
    pub fn conversion_rate(&self) -> f64 {
        if self.leads <= 0 {
            return 0.0;
        }
        (self.converted as f64 * 10_000.0 / self.leads as f64).round() / 100.0
    }
}

impl Tally {
    /// Every counter of `self` and `other` combined by `f`.
    fn zip_with(self, other: Self, f: fn(i64, i64) -> i64) -> Self {
        let (a, b) = (self.values(), other.values());
        Self::from_values(std::array::from_fn(|i| f(a[i], b[i])))
    }
}

impl Add for Tally {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        self.zip_with(other, |a, b| a + b)
    }
}

impl Sub for Tally {
    type Output = Self;

    fn sub(self, other: Self) -> Self {
        self.zip_with(other, |a, b| a - b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::{LeadId, LeadSource};

    fn lead() -> Lead {
        Lead::new(LeadId::from_stored("lead_1".into()), LeadSource::Website, 0)
    }

    #[test]
    fn a_new_lead_counts_once_and_changes_move_it_between_counters() {
        let created = lead();
        assert_eq!(
            Tally::change(None, &created),
            Tally {
                leads: 1,
                stage_new: 1,
                ..Tally::default()
            }
        );
        let mut warm = created.clone();
        warm.intent = Some(LeadIntent::Warm);
        warm.message_count = 2;
        assert_eq!(
            Tally::change(Some(&created), &warm),
            Tally {
                conversations: 1,
                warm: 1,
                ..Tally::default()
            }
        );
        let mut hot = warm.clone();
        hot.intent = Some(LeadIntent::Hot);
        hot.status = LeadStatus::Converted;
        hot.message_count = 4;
        assert_eq!(
            Tally::change(Some(&warm), &hot),
            Tally {
                hot: 1,
                warm: -1,
                stage_new: -1,
                converted: 1,
                ..Tally::default()
            }
        );
        assert!(Tally::change(Some(&hot), &hot).is_zero());
    }

    #[test]
    fn a_sum_of_changes_equals_the_recount() {
        let mut states = vec![lead()];
        for intent in [LeadIntent::Cold, LeadIntent::Neutral, LeadIntent::Hot] {
            let mut next = states.last().unwrap().clone();
            next.intent = Some(intent);
            states.push(next);
        }
        let mut running = Tally::change(None, &states[0]);
        for pair in states.windows(2) {
            running = running + Tally::change(Some(&pair[0]), &pair[1]);
        }
        assert_eq!(running, Tally::of(states.last().unwrap()));
    }

    #[test]
    fn averages_and_rates_are_zero_until_there_is_something_to_divide() {
        assert_eq!(Tally::default().avg_response_secs(), 0.0);
        assert_eq!(Tally::default().conversion_rate(), 0.0);
        let tally = Tally {
            leads: 3,
            converted: 1,
            ..Tally::default()
        } + Tally::reply(1_500)
            + Tally::reply(2_000);
        assert_eq!(tally.avg_response_secs(), 1.75);
        assert_eq!(tally.conversion_rate(), 33.33);
    }
}
