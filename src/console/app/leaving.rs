//! Leaving the console without losing work by a keystroke: what a quit
//! would lose now (a burst not yet sent, transactions not settled at the
//! broker, an import still being paced out), the y/n question `q` asks
//! when there is any, Ctrl-C clearing a text field instead of quitting from
//! it, and the session's tally for the line printed after the terminal is
//! restored.

use super::{App, Confirm, Effects, Focus, Level, Overlay};
use crate::console::keymap::{Bind, Context};
use rmq_engine::ledger::Ledger;
use rmq_model::message::Mode;

/// Sends of a whole session, across profile switches and counter resets
/// (the ledger describes one producer since its last reset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub sent: u64,
    pub ok: u64,
    pub failed: u64,
    pub dispatched: u64,
    pub unresolved: u64,
}

impl Tally {
    /// Folds in what `ledger` counted (its sends that ended; those still
    /// open are counted where they end).
    pub fn add(&mut self, ledger: &Ledger) {
        for mode in Mode::ALL {
            let c = ledger.counts(mode);
            self.sent += c.ended();
            self.ok += c.acknowledged();
            self.failed += c.failed;
            self.dispatched += c.dispatched;
            self.unresolved += c.unresolved;
        }
    }
}

impl App {
    /// What quitting now would lose, one line each; empty when nothing.
    pub fn at_stake(&self) -> Vec<String> {
        let mut lost = Vec::new();
        if let Some(b) = &self.burst {
            lost.push(format!(
                "burst #{}: {} of {} not sent yet would not be sent",
                b.id,
                b.total.saturating_sub(b.submitted),
                b.total
            ));
        }
        if self.compare_running() {
            lost.push("the running comparison would stop unfinished".into());
        }
        if let Some(p) = self.pacer.as_ref().filter(|p| !p.queue.is_empty()) {
            lost.push(format!(
                "import: {} of {} not sent yet would not be sent",
                p.queue.len(),
                p.total
            ));
        }
        let mut open: Vec<String> = self
            .typed
            .tx
            .iter()
            .filter(|(_, t)| t.unsettled())
            .map(|(seq, t)| format!("#{seq} {}", t.label().0))
            .collect();
        if !open.is_empty() {
            open.sort();
            let n = open.len();
            open.truncate(5);
            lost.push(format!(
                "{n} transaction(s) not settled at the broker ({}{}): after you quit nobody \
                 answers its check-backs, and it discards them",
                open.join(", "),
                if n > 5 { ", …" } else { "" }
            ));
        }
        lost
    }

    /// `q`: quits as before when nothing would be lost; otherwise asks,
    /// saying what would be.
    pub(super) fn ask_quit(&mut self, fx: &mut Effects) {
        if self.quitting.is_some() || !self.producer_alive {
            self.quit(fx);
            return;
        }
        let lost = self.at_stake();
        if lost.is_empty() {
            self.quit(fx);
        } else {
            self.overlay = Overlay::ConfirmQuit;
        }
    }

    /// A key while the quit question is open.
    pub(super) fn quit_question_key(&mut self, bind: Bind, fx: &mut Effects) {
        match bind {
            Bind::Yes => {
                self.overlay = Overlay::None;
                self.quit(fx);
            }
            Bind::No | Bind::Close => {
                self.overlay = Overlay::None;
                self.notice(Level::Info, "not quitting");
            }
            _ => {}
        }
    }

    /// Ctrl-C in a text field: the field is emptied (undo brings it back),
    /// never the console quit.
    pub(super) fn clear_field(&mut self) {
        fn clear(ta: &mut ratatui_textarea::TextArea<'static>) -> bool {
            let had = ta.lines().iter().any(|l| !l.is_empty());
            ta.select_all();
            ta.cut();
            had
        }
        let max_body = self.max_message_bytes();
        let cleared = match &mut self.overlay {
            Overlay::History(h) if h.filtering => {
                let had = !h.filter.is_empty();
                h.set_filter(String::new());
                had
            }
            Overlay::Import(v) if v.parsed.is_none() => {
                let had = !v.path.is_empty();
                v.path.clear();
                v.reading = false;
                had
            }
            Overlay::Confirm(Confirm {
                typed: Some(typed), ..
            }) => {
                let had = !typed.is_empty();
                typed.clear();
                had
            }
            Overlay::CompareForm(form) => {
                let had = clear(form.focused_mut());
                form.validate(max_body);
                had
            }
            Overlay::Repeat(form) => {
                let had = clear(form.focused_mut());
                form.validate();
                had
            }
            Overlay::SaveAs(_) | Overlay::Saved(_) | Overlay::Palette(_) => {
                return self.clear_saved_text();
            }
            Overlay::BodyFile(v) => {
                let had = !v.path.is_empty();
                v.path.clear();
                v.choices.clear();
                v.error = None;
                v.reading = false;
                had
            }
            Overlay::None if self.focus == Focus::Body && self.composer.binary.is_some() => {
                // The bytes go; the text the body held before comes back.
                self.composer.binary = None;
                self.composer.body_changed();
                self.composer.validate(max_body);
                self.composer.validate_kind(self.mode, max_body, self.now);
                true
            }
            Overlay::None => {
                let focus = self.focus;
                let had = self.composer.field_mut(focus).is_some_and(clear);
                self.composer.validate(max_body);
                self.composer.validate_kind(self.mode, max_body, self.now);
                had
            }
            _ => false,
        };
        if !cleared {
            let leave = self
                .keymap
                .key_for(self.context(), Bind::LeaveField)
                .or_else(|| self.keymap.key_for(self.context(), Bind::Close))
                .unwrap_or_else(|| "Esc".into());
            let quit = self
                .keymap
                .key_for(Context::ModeBar, Bind::Quit)
                .unwrap_or_else(|| Bind::Quit.name().into());
            self.notice(
                Level::Info,
                format!("the field is empty; {leave} leaves it, then {quit} quits"),
            );
        }
    }

    /// Everything this session sent, across switches and resets.
    pub fn session_tally(&self) -> Tally {
        let mut t = self.earlier;
        t.add(&self.ledger);
        t.add(&self.compare_ledger);
        t
    }

    /// The line printed once the terminal is restored: what the session
    /// sent and how it ended, what is not settled, and where the journal is.
    pub fn exit_summary(&self, journal: Option<&std::path::Path>) -> String {
        let t = self.session_tally();
        // Sends the producer never reported on count as unresolved too.
        let unresolved = t.unresolved
            + match &self.unresolved {
                Some(_) => 0,
                None => self.in_flight_total(),
            };
        let mut line = format!(
            "rmq-console: sent {}: {} ok, {} failed, {} dispatched (one-way), {unresolved} unresolved",
            t.sent + self.in_flight_total(),
            t.ok,
            t.failed,
            t.dispatched
        );
        // A rolled-back transaction's half message was stored ("ok"), but
        // its message will never be delivered: said apart.
        let rolled_back = self
            .typed
            .tx
            .values()
            .filter(|tx| tx.settled() == Some(rmq_model::types::TxChoice::Rollback))
            .count();
        if rolled_back > 0 {
            line.push_str(&format!(
                " ({rolled_back} of them transaction(s) rolled back)"
            ));
        }
        let open = self.open_transactions();
        if open > 0 {
            line.push_str(&format!(
                "; {open} transaction(s) not settled at the broker"
            ));
        }
        if let Some(j) = journal {
            line.push_str(&format!("; journal {}", j.display()));
        }
        line
    }
}
