//! Which keymap context the keyboard is in (from the overlay, the focus
//! and what runs), which bound keys act now (the footer offers only those),
//! and whether unbound keys are typed into a field.

use super::*;

impl App {
    /// The keymap context the keyboard is in right now.
    pub fn context(&self) -> Context {
        match &self.overlay {
            Overlay::Help => Context::Help,
            Overlay::Detail { .. } => Context::Detail,
            Overlay::Repeat(_) => Context::Repeat,
            Overlay::Confirm(c) if c.typed.is_some() => Context::ConfirmTopic,
            Overlay::Confirm(_) | Overlay::ConfirmQuit => Context::Confirm,
            Overlay::Picker { .. } => Context::Picker,
            Overlay::History(h) if h.filtering => Context::HistoryFilter,
            Overlay::History(_) => Context::History,
            Overlay::Import(v) if v.parsed.is_none() => Context::ImportPath,
            // A path prompt like the import's: the same keys.
            Overlay::BodyFile(_) => Context::ImportPath,
            Overlay::Import(_) => Context::Import,
            Overlay::CompareForm(f) if f.confirming.is_some() => Context::Confirm,
            Overlay::CompareForm(_) => Context::CompareForm,
            Overlay::Compare => Context::Compare,
            Overlay::Messages { .. } => Context::Messages,
            Overlay::Fetch(v) if v.lens_prompting() => Context::GroupForm,
            Overlay::Fetch(v) if v.lens_showing() => Context::Group,
            Overlay::Fetch(v) if v.filtering => Context::FetchFilter,
            Overlay::Fetch(v) if v.editing => Context::FetchForm,
            Overlay::Fetch(_) => Context::Fetch,
            Overlay::SaveAs(_) => Context::SavedName,
            Overlay::Saved(v) if v.naming.is_some() => Context::SavedName,
            Overlay::Saved(v) if v.filtering => Context::SavedFilter,
            Overlay::Saved(_) => Context::Saved,
            Overlay::Palette(_) => Context::Palette,
            Overlay::None if self.quitting.is_none() && self.view.filtering => {
                Context::ResultsFilter
            }
            Overlay::None if self.quitting.is_some() => Context::Quitting,
            Overlay::None if self.tour.is_some() && !self.focus.is_text() => Context::Tour,
            Overlay::None if self.focus.is_text() => Context::Edit,
            Overlay::None if self.focus == Focus::ModeBar => Context::ModeBar,
            Overlay::None => Context::Log,
        }
    }

    /// Whether `bind` would do something in the current context, for the
    /// hints: the footer and an overlay's border leave out the rest.
    pub fn bind_live(&self, bind: Bind) -> bool {
        match (self.context(), bind) {
            (Context::Compare, _) => self.compare_bind_live(bind),
            // The log and the mode bar reach the burst (in a text field the
            // key is typed; the overlays bind it to their own runs).
            (Context::Log | Context::ModeBar | Context::Tour, Bind::CancelBurst) => {
                self.burst.is_some()
            }
            // Older records are offered when the pane left some unread.
            (Context::History, Bind::OlderRecords) => {
                matches!(&self.overlay, Overlay::History(h) if h.older_unread)
                    && self.history_limit < history::HISTORY_MAX
            }
            // The body's keys are offered in the body; the format key when
            // it looks like JSON.
            (Context::Edit, Bind::FormatBody) => {
                self.focus == Focus::Body && self.composer.json.is_some()
            }
            (Context::Edit, Bind::EditBody) => self.focus == Focus::Body,
            // The body prompt keeps no recent list.
            (Context::ImportPath, Bind::ScrollUp | Bind::ScrollDown) => {
                !matches!(self.overlay, Overlay::BodyFile(_))
            }
            // Follow is offered on a tail only.
            (Context::Fetch, Bind::Follow) => {
                matches!(&self.overlay, Overlay::Fetch(v) if v.tail.is_some())
            }
            // The import's cancel stops what is still queued to be paced out.
            (Context::Import, Bind::CancelBurst) => {
                self.pacer.as_ref().is_some_and(|p| !p.queue.is_empty())
            }
            _ => true,
        }
    }

    /// Whether keys that no binding claims should be typed into a field.
    pub fn takes_text(&self) -> bool {
        matches!(
            self.context(),
            Context::Edit
                | Context::Repeat
                | Context::ConfirmTopic
                | Context::HistoryFilter
                | Context::ImportPath
                | Context::CompareForm
                | Context::ResultsFilter
                | Context::FetchForm
                | Context::FetchFilter
                | Context::GroupForm
                | Context::SavedName
                | Context::SavedFilter
                | Context::Palette
        )
    }
}
