//! Keys outside overlays: what each bound action does to the App.

use super::{App, Effect, Effects, Focus, Level, Overlay, RepeatForm};
use crate::console::keymap::{Bind, Context};
use rmq_engine::producer::ProducerCommand;
use rmq_model::message::Mode;
use rmq_model::types::TxChoice;

impl App {
    pub(super) fn on_key(&mut self, bind: Bind, fx: &mut Effects) {
        // Bound only in text fields, the composer's and the overlays' alike.
        if bind == Bind::ClearField {
            self.clear_field();
            return;
        }
        // Modal overlays first: they own the keyboard.
        if self.overlay_key(bind, fx) {
            return;
        }
        if self.context() == Context::Tour && self.tour_key(bind, fx) {
            return;
        }
        if self.view.filtering {
            if matches!(bind, Bind::Submit | Bind::Close) {
                return self.results_filter_key(bind);
            }
            // Any other key (a global one) leaves the filter as typed.
            self.view.filtering = false;
        }
        match bind {
            Bind::Send | Bind::QuickSend => self.start_send(None, fx),
            Bind::Quit => self.ask_quit(fx),
            // Ctrl-C outside a text field quits as it always did.
            Bind::QuitNow => self.quit(fx),
            Bind::ResetCounters => self.reset_counters(),
            Bind::FocusNext | Bind::FocusPrev => {
                let next = self.focus.step(bind == Bind::FocusNext);
                self.leave_text_to(next);
            }
            Bind::LeaveField => {
                self.dismiss_fetch_banner();
                self.leave_text_to(Focus::ModeBar);
            }
            Bind::EditComposer => self.focus = self.last_field,
            Bind::FormatBody => self.format_body(),
            Bind::EditBody => self.open_editor(super::EditTarget::Body, fx),
            Bind::EditDraft => self.open_editor(super::EditTarget::Draft, fx),
            Bind::LoadBody => self.open_body_file(),
            Bind::RestartProducer => {
                if self.producer_alive {
                    self.notice(Level::Info, "the producer is running");
                } else if self.quitting.is_none() {
                    fx.push_back(Effect::RestartProducer);
                }
            }
            Bind::ModeSync => self.set_mode(Mode::Sync),
            Bind::ModeAsync => self.set_mode(Mode::Async),
            Bind::ModeOneway => self.set_mode(Mode::Oneway),
            Bind::ModePrev => self.set_mode(Mode::ALL[(self.mode.index() + 2) % 3]),
            Bind::ModeNext => self.set_mode(Mode::ALL[(self.mode.index() + 1) % 3]),
            Bind::Repeat => {
                if self.quitting.is_none() {
                    let keys = self.composer.keys.lines()[0].clone();
                    let form = match &self.last_repeat {
                        Some(last) => RepeatForm::reopened(last, &keys, self.mode),
                        None => RepeatForm::new(&keys, self.mode),
                    }
                    .with_message(self.composer.draft().as_ref());
                    self.overlay = Overlay::Repeat(Box::new(form));
                }
            }
            Bind::CancelBurst if self.compare_running() => self.cancel_compare(fx),
            Bind::CancelBurst => match &self.burst {
                Some(b) => fx.push_back(Effect::Submit(ProducerCommand::CancelBurst { id: b.id })),
                None => self.notice(Level::Info, "no burst is running"),
            },
            Bind::ScrollDown => self.scroll(1),
            Bind::ScrollUp => self.scroll(-1),
            Bind::PageDown => self.scroll(10),
            Bind::PageUp => self.scroll(-10),
            Bind::ScrollTop => self.follow(),
            Bind::ScrollBottom => self.scroll_bottom(),
            Bind::OpenDetail => {
                if let Some(e) = self.selected_entry() {
                    let body_view = e
                        .draft
                        .as_ref()
                        .map_or_else(Default::default, |d| super::BodyView::for_body(&d.body));
                    self.overlay = Overlay::Detail {
                        entry: Box::new(e.clone()),
                        scroll: 0,
                        body_view,
                    };
                }
            }
            Bind::CopyMsgId => {
                let id = self.selected_entry().and_then(|e| {
                    // A raw submit line: copy the id its send got.
                    e.msg_id()
                        .or_else(|| self.log.msg_id_of(e.seq))
                        .map(str::to_string)
                });
                self.copy(id, fx)
            }
            Bind::ToggleRaw => self.toggle_raw(),
            Bind::Help => {
                self.help_scroll = 0;
                self.overlay = Overlay::Help;
            }
            Bind::SwitchProfile => {
                if self.quitting.is_none() {
                    self.overlay = Overlay::Picker {
                        cursor: self.current,
                    };
                }
            }
            Bind::History => self.open_history(fx),
            Bind::OpenRecord => self.open_record(fx),
            Bind::ExportResults => self.export_results(fx),
            Bind::Import => self.open_import(fx),
            Bind::Compare => self.open_compare(),
            Bind::TxCommit => self.decide(TxChoice::Commit, fx),
            Bind::TxRollback => self.decide(TxChoice::Rollback, fx),
            Bind::TxUnknown => self.decide(TxChoice::Unknown, fx),
            Bind::RestoreDraft => self.restore_draft(),
            Bind::Messages => self.open_messages(),
            Bind::FilterResults => self.open_results_filter(),
            Bind::ToggleWide => self.view.wide = !self.view.wide,
            Bind::Timeline => self.view.timeline = !self.view.timeline,
            Bind::SwitchPane => {
                if self.focus.is_text() {
                    self.leave_text_to(Focus::Log);
                } else {
                    self.focus = self.last_field;
                }
            }
            Bind::PickSync => self.set_mode(Mode::Sync),
            Bind::PickAsync => self.set_mode(Mode::Async),
            Bind::PickOneway => self.set_mode(Mode::Oneway),
            Bind::Fetch => self.open_fetch(),
            Bind::Tail => self.open_tail(fx),
            Bind::GroupLens => self.open_group_lens(),
            Bind::SaveMessage if self.quitting.is_none() => self.open_save_as(),
            Bind::SavedMessages if self.quitting.is_none() => self.open_saved(fx),
            Bind::Palette if self.quitting.is_none() => self.open_palette(fx),
            Bind::Tour => {
                let tour = self
                    .tour_source
                    .get_or_insert_with(|| std::sync::Arc::new(crate::tour::builtin()))
                    .clone();
                self.start_tour(tour, fx);
            }
            Bind::Close
            | Bind::ConsumedBy
            | Bind::Refresh
            | Bind::BodyView
            | Bind::Follow
            | Bind::Submit
            | Bind::Yes
            | Bind::No
            | Bind::FilterHistory
            | Bind::ToggleSelect
            | Bind::LoadDraft
            | Bind::Resend
            | Bind::RateUp
            | Bind::RateDown
            | Bind::CopyTable
            | Bind::SaveChart
            | Bind::OlderRecords
            | Bind::SaveMessage
            | Bind::SavedMessages
            | Bind::Palette
            | Bind::Rename
            | Bind::Delete
            | Bind::TourNext
            | Bind::TourPrev
            | Bind::TourAgain
            | Bind::ClearField => {}
        }
    }

    /// Moves the keyboard to `to`, remembering the text field it leaves.
    pub(super) fn leave_text_to(&mut self, to: Focus) {
        if self.focus.is_text() {
            self.last_field = self.focus;
        }
        self.focus = to;
    }

    pub(super) fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        // A type may not go in every mode (a transaction is sync).
        self.composer
            .validate_kind(mode, self.max_message_bytes(), self.now);
    }

    pub(super) fn copy(&mut self, id: Option<String>, fx: &mut Effects) {
        match id {
            Some(id) => {
                self.notice(Level::Info, format!("copied msgId {id}"));
                fx.push_back(Effect::Copy(id));
            }
            None => {
                self.notice(
                    Level::Warn,
                    "no msgId here (only acknowledged sends have one)",
                );
            }
        }
    }
}
