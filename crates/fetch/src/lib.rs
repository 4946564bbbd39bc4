//! rmq-console's fetch layer: finding what the broker stored and turning it
//! back into something the console can resend.
//!
//! - `locator`: the one-word grammar (`id`, `key:K`, `tag:T`,
//!   `TOPIC@BROKER:QUEUE:OFFSET`, `QUEUE@OFFSET`, `dlq:G`, `retry:G`);
//! - `id`: offset msgId or unique key, told apart before any network call,
//!   and the window a unique key is searched in;
//! - `window`: `--since/--until`;
//! - `stored`: a stored message as plain data, and its replay-format line;
//! - `load`: a stored message as a composer draft (type row to confirm,
//!   banner for dead-letter copies, system properties as provenance);
//! - `answer`: messages plus how complete the list is, the tail merge;
//! - `group`: a consumer group's lag per queue, retry and dead-letter
//!   depth (the group lens), and which groups consumed a message;
//! - `denied`: a broker's "no permission" said plainly (whose credential,
//!   which topic, not accepted or publish-only);
//! - `fetcher`: the one piece that talks to the broker (`Fetcher`).
//!
//! Use: build a `Request` (`check` it: bad input is refused before any
//! network call, and its `Ok` text is the live classification to show),
//! start a `Fetcher` once (when the first lookup needs it), `fetch`,
//! `tail`/`follow` as often as needed (each call is async, bounded by the
//! timeout, and may be dropped to cancel: nothing is written), and `stop`
//! it at the end. An `Answer` holds the messages and its `Completeness`;
//! `Stored::replay_line` exports one, `load::load` puts one in the composer.

pub mod answer;
pub mod denied;
pub mod fetcher;
pub mod group;
pub mod id;
pub mod load;
pub mod locator;
pub mod stored;
pub mod window;

pub use answer::{Answer, Completeness};
pub use denied::{Asker, Denial, Denied};
pub use fetcher::{Cursor, FetchSettings, Fetcher, Request, Unusable};
pub use group::{ConsumedBy, GroupLens};
pub use locator::{IdKind, Locator};
pub use stored::Stored;

impl Request {
    /// What the request was taken to be, or why it cannot be looked up
    /// (bad input), without the network.
    pub fn check(&self) -> Result<String, String> {
        let needs_topic = |what: &str| {
            if self.topic.is_none() {
                Err(format!(
                    "{what} is looked up in one topic's index: give --topic"
                ))
            } else {
                Ok(())
            }
        };
        match &self.locator {
            Locator::Id { hex, forced } => {
                let c = id::classify(hex, *forced, chrono::Local::now())?;
                if c.kind() == IdKind::Unique {
                    needs_topic("a unique key")?;
                }
                Ok(c.to_string())
            }
            Locator::Key(_) => needs_topic("a key").map(|_| self.locator.to_string()),
            Locator::Tag(_) => needs_topic("a tag").map(|_| self.locator.to_string()),
            Locator::Position { topic: None, .. } if self.topic.is_none() => {
                Err("QUEUE@OFFSET needs --topic (or write TOPIC@BROKER:QUEUE:OFFSET)".into())
            }
            _ => Ok(self.locator.to_string()),
        }
    }
}
