//! What the fetch list sends: `l` loads a stored message into the composer
//! (a body that is not text as its bytes; through `rmq_fetch::load`: a dead-letter copy aimed at its original
//! topic with a banner, a type row to confirm, the journal source
//! `fetch:<offset msgId>` carried by the next send), and `R` resends the
//! chosen messages as they were, at a rate, through the session's
//! producer, after the protected-profile question. Nothing is deleted from
//! where it was fetched, so a cancel loses nothing.

use std::sync::Arc;

use rmq_fetch::Stored;
use rmq_fetch::load::load;
use rmq_model::message::Draft;

use super::{App, BinaryBody, Effects, Focus, Level, Overlay};
use crate::console::keymap::{Bind, Context};

/// A message loaded from the broker, until the composer's next send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedDraft {
    /// `fetch:<offset msgId>`: the next send's journal source.
    pub source: String,
    /// Where a dead-letter or retry copy came from: shown over the
    /// composer until the next send or Esc.
    pub banner: Option<String>,
}

impl App {
    /// `l`: the cursor's message into the composer.
    pub(super) fn load_fetched(&mut self) {
        let Overlay::Fetch(v) = &self.overlay else {
            return;
        };
        let Some(m) = v.current().cloned() else {
            return;
        };
        let loaded = load(&m);
        let d = &loaded.draft;
        let type_row = loaded.type_row.as_deref().unwrap_or("");
        match String::from_utf8(d.body.clone()) {
            Ok(body) => self.composer.fill(d, type_row, &body),
            Err(e) => {
                // Not text: kept as its bytes, which the text area would
                // change.
                self.composer.fill(d, type_row, "");
                self.composer.binary = Some(BinaryBody {
                    bytes: e.into_bytes(),
                    from: m.offset_msg_id.clone(),
                });
                self.composer.body_changed();
            }
        }
        self.composer.validate(self.max_message_bytes());
        self.composer
            .validate_kind(self.mode, self.max_message_bytes(), self.now);
        self.fetched_draft = Some(FetchedDraft {
            source: loaded.source.clone(),
            banner: loaded.banner.clone(),
        });
        self.overlay = Overlay::None;
        let mut text = format!("loaded {} into the composer", m.offset_msg_id);
        if let Some(b) = &loaded.banner {
            // In full here: the composer's title cuts long topic names.
            text.push_str(&format!(", {b}"));
        }
        if let Some(row) = &loaded.type_row {
            // A type is offered, not applied behind the operator's back:
            // the keyboard goes to the row to check it.
            text.push_str(&format!(
                "; type row `{row}` from the stored message: check it"
            ));
            self.focus = Focus::Type;
        } else {
            self.focus = Focus::Body;
        }
        if !loaded.refused.is_empty() {
            let names: Vec<&str> = loaded.refused.iter().map(|(k, _)| k.as_str()).collect();
            text.push_str(&format!(
                "; not copied (the composer refuses them): {}",
                names.join(", ")
            ));
        }
        self.notice(
            if loaded.refused.is_empty() {
                Level::Info
            } else {
                Level::Warn
            },
            text,
        );
    }

    /// `R` (and `yes` to confirm on a protected profile): the chosen
    /// messages as they were, each aimed where `load` aims it (a dead
    /// letter at its original topic). A message whose target the composer
    /// would refuse, or with a delay or transaction flag (which needs the
    /// operator's confirmation: `l`), is left out and said so.
    pub(super) fn resend_fetched(&mut self, confirmed: bool, fx: &mut Effects) {
        let (protected, name) = (self.profile().protected, self.profile().name.clone());
        let blocked = self.quitting.is_some() || !self.producer_alive || self.switching.is_some();
        let max = self.max_message_bytes();
        let (mode, now) = (self.mode, self.now);
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        let chosen: Vec<Stored> = v.chosen().into_iter().cloned().collect();
        if chosen.is_empty() || (confirmed && v.confirm != Some(chosen.len())) {
            return;
        }
        if blocked {
            self.notice(Level::Warn, "the producer is not ready; nothing resent");
            return;
        }
        let mut items = Vec::new();
        let mut left_out = Vec::new();
        for m in &chosen {
            match resend_draft(m, max, now) {
                Ok(d) => items.push((
                    Arc::new(d),
                    mode,
                    Some(format!("fetch:{}", m.offset_msg_id)),
                )),
                Err(why) => left_out.push(format!("{}: {why}", m.offset_msg_id)),
            }
        }
        if items.is_empty() {
            self.notice(
                Level::Warn,
                format!("nothing resent: {}", left_out.join("; ")),
            );
            return;
        }
        if protected && !confirmed {
            let targets: std::collections::BTreeSet<&str> =
                items.iter().map(|(d, _, _)| d.topic.as_str()).collect();
            v.confirm = Some(chosen.len());
            let answer = self
                .keymap
                .confirm_hint(Context::Fetch, Bind::Yes, Bind::Close);
            self.notice(
                Level::Warn,
                format!(
                    "resend {} message(s) to {} on PROTECTED profile {name}? {answer}",
                    items.len(),
                    targets.into_iter().collect::<Vec<_>>().join(", ")
                ),
            );
            return;
        }
        v.confirm = None;
        v.selected.clear();
        let rate = v.rate();
        for why in &left_out {
            self.push_note(format!("not resent: {why}"));
        }
        self.start_pacer(items, rate, fx);
        if !left_out.is_empty() {
            self.notice(
                Level::Warn,
                format!("{} not resent (see the results log)", left_out.len()),
            );
        }
    }

    /// The composer's send took the loaded message: its source goes with
    /// this send's journal record, and the banner has done its job.
    pub(super) fn fetched_draft_sent(&mut self, seq: rmq_model::message::Seq) {
        if let Some(f) = self.fetched_draft.take() {
            self.sources.insert(seq, f.source);
        }
    }

    /// Esc out of a composer field dismisses the banner (the draft keeps
    /// its source until it is sent).
    pub(super) fn dismiss_fetch_banner(&mut self) {
        if let Some(f) = self.fetched_draft.as_mut() {
            f.banner = None;
        }
    }
}

/// A stored message as it is resent: `load`'s draft, with a sharding key
/// kept as FIFO. A delay or transaction flag is not resent blind.
fn resend_draft(
    m: &Stored,
    max: usize,
    now: chrono::DateTime<chrono::Local>,
) -> Result<Draft, String> {
    let loaded = load(m);
    let mut d = loaded.draft;
    if let Some(row) = &loaded.type_row {
        if !row.starts_with("fifo ") {
            return Err(format!(
                "has a `{row}` type: load it (l) to confirm the type"
            ));
        }
        d.kind = rmq_model::types::parse_spec(row, now)?;
    }
    rmq_model::validate::draft(&d, max)?;
    // A FIFO key goes sync whatever the mode (the pacer sends it so).
    rmq_model::validate::kind(&d.kind, &d, max, now.to_utc())?;
    Ok(d)
}
