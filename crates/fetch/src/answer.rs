//! What a lookup answers: the messages found and how complete the list is
//! (brokers asked and answered, caps reached, refusals with the broker's
//! own text, notes on how the input was read), and the merge of several
//! queues' messages into the newest N by store time.

use std::fmt;

use crate::denied::Denied;
use crate::stored::Stored;

/// How complete an answer is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completeness {
    /// Brokers asked, by name.
    pub asked: Vec<String>,
    /// Brokers that answered (found something or said "nothing").
    pub answered: Vec<String>,
    /// Brokers whose answer reached their per-query cap: there may be more.
    pub capped: Vec<(String, usize)>,
    /// Brokers that failed or refused, with the reason (the broker's text).
    pub refused: Vec<(String, String)>,
    /// How the input was read, and windows widened.
    pub notes: Vec<String>,
    /// Refusals for want of rights (code 16), said plainly once: whose
    /// credential, which topic, the broker's words.
    pub denied: Option<Denied>,
}

impl Completeness {
    pub fn ask(&mut self, broker: &str) {
        if !self.asked.iter().any(|b| b == broker) {
            self.asked.push(broker.to_string());
        }
    }

    pub fn answer(&mut self, broker: &str) {
        if !self.answered.iter().any(|b| b == broker) {
            self.answered.push(broker.to_string());
        }
    }

    pub fn refuse(&mut self, broker: &str, reason: impl Into<String>) {
        self.refused.push((broker.to_string(), reason.into()));
    }

    pub fn cap(&mut self, broker: &str, cap: usize) {
        self.capped.push((broker.to_string(), cap));
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// A broker did not answer, or an answer may have been cut short.
    pub fn is_partial(&self) -> bool {
        !self.refused.is_empty() || !self.capped.is_empty()
    }

    pub fn merge(&mut self, other: Completeness) {
        for b in other.asked {
            self.ask(&b);
        }
        for b in other.answered {
            self.answer(&b);
        }
        self.capped.extend(other.capped);
        self.refused.extend(other.refused);
        self.notes.extend(other.notes);
        if self.denied.is_none() {
            self.denied = other.denied;
        }
    }
}

impl fmt::Display for Completeness {
    /// `asked 2 brokers, answered 1; cap 64 reached on broker-a (narrow the
    /// range); broker-b: <its text>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.asked.len();
        write!(
            f,
            "asked {n} broker{}, answered {}",
            if n == 1 { "" } else { "s" },
            self.answered.len()
        )?;
        for (b, cap) in &self.capped {
            write!(f, "; cap {cap} reached on {b} (narrow the range)")?;
        }
        for (b, why) in &self.refused {
            write!(f, "; {b}: {why}")?;
        }
        Ok(())
    }
}

/// Messages found, and how complete the list is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub messages: Vec<Stored>,
    pub completeness: Completeness,
}

impl Answer {
    pub fn merge(&mut self, other: Answer) {
        self.messages.extend(other.messages);
        self.completeness.merge(other.completeness);
    }

    /// `found 3; asked 2 brokers, answered 2` (the headless summary line).
    pub fn summary(&self) -> String {
        format!("found {}; {}", self.messages.len(), self.completeness)
    }

    /// Drops copies of the same stored message (several locators, or
    /// several queries, can find one twice), keeping the first.
    pub fn dedup(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.messages
            .retain(|m| seen.insert((m.broker.clone(), m.commit_log_offset)));
    }
}

/// Store-time order, oldest first; ties by broker, queue and offset, so
/// that the order does not depend on which queue answered first.
pub fn by_store_time(a: &Stored, b: &Stored) -> std::cmp::Ordering {
    (a.store_ms, &a.broker, a.queue_id, a.queue_offset).cmp(&(
        b.store_ms,
        &b.broker,
        b.queue_id,
        b.queue_offset,
    ))
}

/// The newest `n` of `messages` (gathered from several queues), oldest
/// first.
pub fn newest(mut messages: Vec<Stored>, n: usize) -> Vec<Stored> {
    messages.sort_by(by_store_time);
    let skip = messages.len().saturating_sub(n);
    messages.split_off(skip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stored::sample;

    #[test]
    fn the_newest_n_across_queues_come_out_in_store_time_order() {
        // Four queues, each in its own order; store times interleave.
        let msgs = vec![
            sample("t", 0, 0, 100),
            sample("t", 0, 1, 140),
            sample("t", 1, 0, 110),
            sample("t", 1, 1, 150),
            sample("t", 2, 0, 120),
            sample("t", 3, 0, 130),
            sample("t", 3, 1, 130),
        ];
        let got: Vec<(i32, i64)> = newest(msgs.clone(), 4)
            .iter()
            .map(|m| (m.queue_id, m.queue_offset))
            .collect();
        assert_eq!(got, [(3, 0), (3, 1), (0, 1), (1, 1)]);
        assert_eq!(newest(msgs.clone(), 100).len(), 7);
        assert!(newest(msgs, 0).is_empty());
    }

    #[test]
    fn the_summary_says_what_was_asked_capped_and_refused() {
        let mut c = Completeness::default();
        c.ask("broker-a");
        c.ask("broker-b");
        c.ask("broker-a");
        c.answer("broker-a");
        assert!(!c.is_partial());
        assert_eq!(c.to_string(), "asked 2 brokers, answered 1");
        c.cap("broker-a", 64);
        c.refuse("broker-b", "index query is unsafe, rebuild in progress");
        assert!(c.is_partial());
        assert_eq!(
            c.to_string(),
            "asked 2 brokers, answered 1; cap 64 reached on broker-a (narrow the range); broker-b: index query is unsafe, rebuild in progress"
        );
        let a = Answer {
            messages: vec![sample("t", 0, 0, 1)],
            completeness: c,
        };
        assert!(a.summary().starts_with("found 1; asked 2 brokers"));
    }

    #[test]
    fn the_same_stored_message_found_twice_is_listed_once() {
        let mut a = Answer {
            messages: vec![
                sample("t", 0, 0, 1),
                sample("t", 0, 0, 1),
                sample("t", 0, 1, 2),
            ],
            ..Default::default()
        };
        a.dedup();
        assert_eq!(a.messages.len(), 2);
    }
}
