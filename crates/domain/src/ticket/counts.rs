//! How many of a tenant's tickets are in each status, as running counters: an opening adds one
//! to `new` and a status change moves one from the status it left to the one it entered, in the
//! same write as the change, so reading them costs the same for ten tickets as for ten million.

use std::ops::{Add, Sub};

use super::TicketStatus;

/// Tickets per status (or a difference of such counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts([i64; TicketStatus::ALL.len()]);

impl StatusCounts {
    fn slot(status: TicketStatus) -> usize {
        TicketStatus::ALL
            .iter()
            .position(|each| *each == status)
            .unwrap_or_default()
    }

    /// One ticket in `status`.
    pub fn one(status: TicketStatus) -> Self {
        let mut counts = Self::default();
        counts.0[Self::slot(status)] = 1;
        counts
    }

    /// How the counts move when a ticket goes from `from` (`None`: it is being opened) to `to`.
    pub fn moved(from: Option<TicketStatus>, to: TicketStatus) -> Self {
        Self::one(to) - from.map(Self::one).unwrap_or_default()
    }

    pub fn get(&self, status: TicketStatus) -> i64 {
        self.0[Self::slot(status)]
    }

    pub fn set(&mut self, status: TicketStatus, count: i64) {
        self.0[Self::slot(status)] = count;
    }

    /// Every ticket counted.
    pub fn total(&self) -> i64 {
        self.0.iter().sum()
    }

    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// Each status with its count, in the state machine's order.
    pub fn by_status(&self) -> impl Iterator<Item = (TicketStatus, i64)> + '_ {
        TicketStatus::ALL
            .iter()
            .map(|status| (*status, self.get(*status)))
    }
}

impl Add for StatusCounts {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self(std::array::from_fn(|at| self.0[at] + other.0[at]))
    }
}

impl Sub for StatusCounts {
    type Output = Self;

    fn sub(self, other: Self) -> Self {
        Self(std::array::from_fn(|at| self.0[at] - other.0[at]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opening_counts_one_new_ticket_and_a_change_moves_it() {
        let opened = StatusCounts::moved(None, TicketStatus::New);
        assert_eq!((opened.get(TicketStatus::New), opened.total()), (1, 1));
        let answered = StatusCounts::moved(Some(TicketStatus::New), TicketStatus::Open);
        assert_eq!(answered.get(TicketStatus::New), -1);
        assert_eq!(answered.get(TicketStatus::Open), 1);
        assert_eq!(
            answered.total(),
            0,
            "a change neither adds nor removes a ticket"
        );
        let running =
            opened + answered + StatusCounts::moved(Some(TicketStatus::Open), TicketStatus::Closed);
        assert_eq!(running, StatusCounts::one(TicketStatus::Closed));
        assert!(StatusCounts::moved(Some(TicketStatus::Open), TicketStatus::Open).is_zero());
    }
}
