//! Key bindings: which key means which `Bind` in which focus context, the
//! defaults, rebinding by name from config, and the help/footer text, all
//! generated from the one table so they can never disagree.

use std::collections::BTreeMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the keyboard focus is; each context has its own bindings, and
/// `Global` bindings apply in every context after the context's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    /// Typing into a composer or form field.
    Edit,
    ModeBar,
    Log,
    Detail,
    Help,
    Repeat,
    Confirm,
    /// Confirming a protected burst: the topic is typed back first.
    ConfirmTopic,
    Picker,
    Quitting,
    /// The history pane (journal records).
    History,
    /// Typing the history pane's filter.
    HistoryFilter,
    /// The import dialog's message list.
    Import,
    /// Typing the import dialog's path.
    ImportPath,
    /// The compare form (count, body size, topic, one-way pacing).
    CompareForm,
    /// The compare view: progress, table, histograms.
    Compare,
}

impl Context {
    pub fn label(self) -> &'static str {
        match self {
            Context::Global => "everywhere",
            Context::Edit => "text field",
            Context::ModeBar => "mode bar",
            Context::Log => "results log",
            Context::Detail => "detail view",
            Context::Help => "help",
            Context::Repeat => "repeat form",
            Context::Confirm => "confirm send",
            Context::ConfirmTopic => "confirm burst",
            Context::Picker => "profile picker",
            Context::Quitting => "quitting",
            Context::History => "history",
            Context::HistoryFilter => "history filter",
            Context::Import => "import",
            Context::ImportPath => "import path",
            Context::CompareForm => "compare form",
            Context::Compare => "compare view",
        }
    }
}

/// Everything a key can be bound to. Names (`send`, `scroll_down`, ...) are
/// what the config file uses to rebind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bind {
    Send,
    QuitNow,
    FocusNext,
    FocusPrev,
    RestartProducer,
    LeaveField,
    ModeSync,
    ModeAsync,
    ModeOneway,
    ModePrev,
    ModeNext,
    QuickSend,
    Repeat,
    ScrollDown,
    ScrollUp,
    PageDown,
    PageUp,
    ScrollTop,
    OpenDetail,
    CopyMsgId,
    Help,
    Quit,
    EditComposer,
    Close,
    Submit,
    CancelBurst,
    Yes,
    No,
    SwitchProfile,
    ToggleRaw,
    History,
    FilterHistory,
    ToggleSelect,
    LoadDraft,
    Resend,
    ExportResults,
    Import,
    RateUp,
    RateDown,
    Compare,
    CopyTable,
    TxCommit,
    TxRollback,
    TxUnknown,
    RestoreDraft,
}

/// Every action in one table: its `[keys]` name (the config file's API, so
/// names never change), the help overlay's description, and the footer's
/// short hint. Rows are in `Bind` declaration order.
const TABLE: [(Bind, &str, &str, &str); 45] = [
    (Bind::Send, "send", "send in the selected mode", "send"),
    (Bind::QuitNow, "quit_now", "quit", "quit"),
    (Bind::FocusNext, "focus_next", "next field/pane", "next"),
    (
        Bind::FocusPrev,
        "focus_prev",
        "previous field/pane",
        "previous",
    ),
    (
        Bind::RestartProducer,
        "restart_producer",
        "restart the producer",
        "restart",
    ),
    (Bind::LeaveField, "leave_field", "leave the field", "leave"),
    (Bind::ModeSync, "mode_sync", "mode Sync", "sync"),
    (Bind::ModeAsync, "mode_async", "mode Async", "async"),
    (Bind::ModeOneway, "mode_oneway", "mode One-way", "oneway"),
    (Bind::ModePrev, "mode_prev", "previous mode", "mode_prev"),
    (Bind::ModeNext, "mode_next", "next mode", "mode_next"),
    (Bind::QuickSend, "quick_send", "send", "send"),
    (Bind::Repeat, "repeat", "repeat (burst) form", "repeat"),
    (Bind::ScrollDown, "scroll_down", "older entry", "scroll"),
    (Bind::ScrollUp, "scroll_up", "newer entry", "scroll_up"),
    (Bind::PageDown, "page_down", "page older", "page_down"),
    (Bind::PageUp, "page_up", "page newer", "page_up"),
    (Bind::ScrollTop, "scroll_top", "newest entry", "scroll_top"),
    (
        Bind::OpenDetail,
        "open_detail",
        "open entry detail",
        "detail",
    ),
    (
        Bind::CopyMsgId,
        "copy_msg_id",
        "copy msgId (OSC 52)",
        "copy id",
    ),
    (Bind::Help, "help", "help", "help"),
    (Bind::Quit, "quit", "quit", "quit"),
    (Bind::EditComposer, "edit", "edit the composer", "edit"),
    (Bind::Close, "close", "close", "close"),
    (Bind::Submit, "submit", "start", "start"),
    (
        Bind::CancelBurst,
        "cancel_burst",
        "cancel the running burst",
        "cancel burst",
    ),
    (Bind::Yes, "yes", "yes, send", "yes"),
    (Bind::No, "no", "no, keep editing", "no"),
    (
        Bind::SwitchProfile,
        "switch_profile",
        "switch profile (picker)",
        "profile",
    ),
    (
        Bind::ToggleRaw,
        "toggle_raw",
        "results: rows / every event",
        "raw",
    ),
    (
        Bind::History,
        "history",
        "history pane (journal)",
        "history",
    ),
    (
        Bind::FilterHistory,
        "filter_history",
        "filter history (topic, tag, key, outcome, body)",
        "filter",
    ),
    (
        Bind::ToggleSelect,
        "toggle_select",
        "select/unselect record",
        "select",
    ),
    (
        Bind::LoadDraft,
        "load_draft",
        "load record into the composer",
        "load",
    ),
    (
        Bind::Resend,
        "resend",
        "resend selected records as they were",
        "resend",
    ),
    (
        Bind::ExportResults,
        "export_results",
        "export results (JSONL + CSV)",
        "export",
    ),
    (Bind::Import, "import", "import a replay file", "import"),
    (
        Bind::RateUp,
        "rate_up",
        "faster (messages per second)",
        "faster",
    ),
    (
        Bind::RateDown,
        "rate_down",
        "slower (messages per second)",
        "slower",
    ),
    (
        Bind::Compare,
        "compare",
        "compare the three modes",
        "compare",
    ),
    (
        Bind::CopyTable,
        "copy_table",
        "copy the comparison table (OSC 52)",
        "copy table",
    ),
    (
        Bind::TxCommit,
        "tx_commit",
        "commit pending transaction",
        "commit",
    ),
    (
        Bind::TxRollback,
        "tx_rollback",
        "rollback pending transaction",
        "rollback",
    ),
    (
        Bind::TxUnknown,
        "tx_unknown",
        "leave transaction unknown",
        "unknown",
    ),
    (
        Bind::RestoreDraft,
        "restore_draft",
        "restore the last draft sent to this topic",
        "restore",
    ),
];

impl Bind {
    pub const ALL: [Bind; 45] = {
        let mut all = [Bind::Send; 45];
        let mut i = 0;
        while i < TABLE.len() {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static (Bind, &'static str, &'static str, &'static str) {
        &TABLE[self as usize]
    }

    /// The name `[keys]` in the config file rebinds.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// Short description for the help overlay.
    pub fn describe(self) -> &'static str {
        self.row().2
    }

    pub fn from_name(name: &str) -> Option<Bind> {
        Bind::ALL.into_iter().find(|b| b.name() == name)
    }

    /// Short label for the footer and the overlays' hint lines.
    pub fn hint(self) -> &'static str {
        self.row().3
    }
}

/// One key with its modifiers, normalised so `?` typed with Shift matches `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Chord {
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        Self { code, mods }
    }

    const fn plain(c: char) -> Self {
        Self::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    const fn ctrl(c: char) -> Self {
        Self::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    const fn key(code: KeyCode) -> Self {
        Self::new(code, KeyModifiers::NONE)
    }

    /// Terminals report Shift with upper-case letters and symbols and with
    /// BackTab; the character itself already says it, so Shift is dropped.
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else {
                    c
                })
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Self { code, mods }
    }

    /// Parses `ctrl-s`, `ctrl+s`, `alt-x`, `shift-tab`, `enter`, `?`, `f2`...
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty key".into());
        }
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        // A lone `-` or `+` is a key, not a separator.
        while rest.len() > 1 {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") || lower.starts_with("ctrl+") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") || lower.starts_with("alt+") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") || lower.starts_with("shift+") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            f if f.len() > 1
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        if mods.contains(KeyModifiers::SHIFT) {
                            mods.remove(KeyModifiers::SHIFT);
                            KeyCode::Char(c.to_ascii_uppercase())
                        } else if mods.contains(KeyModifiers::CONTROL) {
                            KeyCode::Char(c.to_ascii_lowercase())
                        } else {
                            KeyCode::Char(c)
                        }
                    }
                    _ => return Err(format!("unknown key `{rest}`")),
                }
            }
        };
        Ok(Self { code, mods })
    }

    /// A key that types text into a field; such keys cannot be global.
    fn is_typing(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .mods
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub ctx: Context,
    pub bind: Bind,
    pub keys: Vec<Chord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

/// The contexts where the operator is not typing and navigates the screen.
const NAV: [Context; 2] = [Context::ModeBar, Context::Log];

impl Default for Keymap {
    fn default() -> Self {
        use Bind as B;
        use Context as C;
        use KeyCode as K;
        let mut b: Vec<Binding> = Vec::new();
        let mut add = |ctx: Context, bind: Bind, keys: &[Chord]| {
            b.push(Binding {
                ctx,
                bind,
                keys: keys.to_vec(),
            })
        };
        add(C::Global, B::Send, &[Chord::ctrl('s')]);
        add(C::Global, B::QuitNow, &[Chord::ctrl('c')]);
        add(C::Global, B::FocusNext, &[Chord::key(K::Tab)]);
        add(C::Global, B::FocusPrev, &[Chord::key(K::BackTab)]);
        add(C::Global, B::RestartProducer, &[Chord::ctrl('r')]);
        add(C::Global, B::RestoreDraft, &[Chord::ctrl('o')]);
        add(C::Edit, B::LeaveField, &[Chord::key(K::Esc)]);
        for ctx in NAV {
            add(ctx, B::ModeSync, &[Chord::plain('1')]);
            add(ctx, B::ModeAsync, &[Chord::plain('2')]);
            add(ctx, B::ModeOneway, &[Chord::plain('3')]);
            if ctx == C::ModeBar {
                add(
                    ctx,
                    B::QuickSend,
                    &[Chord::plain('s'), Chord::key(K::Enter)],
                );
                add(ctx, B::ModePrev, &[Chord::key(K::Left), Chord::plain('h')]);
                add(ctx, B::ModeNext, &[Chord::key(K::Right), Chord::plain('l')]);
            } else {
                add(ctx, B::QuickSend, &[Chord::plain('s')]);
                add(ctx, B::OpenDetail, &[Chord::key(K::Enter)]);
                add(ctx, B::TxCommit, &[Chord::plain('C')]);
                add(ctx, B::TxRollback, &[Chord::plain('X')]);
                add(ctx, B::TxUnknown, &[Chord::plain('U')]);
            }
            add(ctx, B::Repeat, &[Chord::plain('r')]);
            add(ctx, B::CancelBurst, &[Chord::plain('x')]);
            add(
                ctx,
                B::ScrollDown,
                &[Chord::plain('j'), Chord::key(K::Down)],
            );
            add(ctx, B::ScrollUp, &[Chord::plain('k'), Chord::key(K::Up)]);
            add(ctx, B::PageDown, &[Chord::key(K::PageDown)]);
            add(ctx, B::PageUp, &[Chord::key(K::PageUp)]);
            add(ctx, B::ScrollTop, &[Chord::key(K::Home), Chord::plain('g')]);
            add(ctx, B::CopyMsgId, &[Chord::plain('y')]);
            add(
                ctx,
                B::EditComposer,
                &[Chord::plain('i'), Chord::plain('e')],
            );
            add(ctx, B::SwitchProfile, &[Chord::plain('p')]);
            add(ctx, B::ToggleRaw, &[Chord::plain('v')]);
            add(ctx, B::History, &[Chord::plain('H')]);
            add(ctx, B::ExportResults, &[Chord::plain('E')]);
            add(ctx, B::Import, &[Chord::plain('I')]);
            add(ctx, B::Compare, &[Chord::plain('c')]);
            add(ctx, B::Help, &[Chord::plain('?')]);
            add(ctx, B::Quit, &[Chord::plain('q')]);
        }
        add(
            C::Detail,
            B::Close,
            &[Chord::key(K::Esc), Chord::plain('q'), Chord::key(K::Enter)],
        );
        add(C::Detail, B::CopyMsgId, &[Chord::plain('y')]);
        add(
            C::Detail,
            B::ScrollDown,
            &[Chord::plain('j'), Chord::key(K::Down)],
        );
        add(
            C::Detail,
            B::ScrollUp,
            &[Chord::plain('k'), Chord::key(K::Up)],
        );
        add(
            C::Help,
            B::Close,
            &[Chord::key(K::Esc), Chord::plain('?'), Chord::plain('q')],
        );
        add(C::Repeat, B::Submit, &[Chord::key(K::Enter)]);
        add(C::Repeat, B::Close, &[Chord::key(K::Esc)]);
        add(C::Confirm, B::Yes, &[Chord::plain('y')]);
        add(C::Confirm, B::No, &[Chord::plain('n'), Chord::key(K::Esc)]);
        add(C::ConfirmTopic, B::Submit, &[Chord::key(K::Enter)]);
        add(C::ConfirmTopic, B::Close, &[Chord::key(K::Esc)]);
        add(
            C::Picker,
            B::ScrollDown,
            &[Chord::plain('j'), Chord::key(K::Down)],
        );
        add(
            C::Picker,
            B::ScrollUp,
            &[Chord::plain('k'), Chord::key(K::Up)],
        );
        add(C::Picker, B::Submit, &[Chord::key(K::Enter)]);
        add(
            C::Picker,
            B::Close,
            &[Chord::key(K::Esc), Chord::plain('q')],
        );
        add(C::Quitting, B::Quit, &[Chord::plain('q')]);
        add(
            C::History,
            B::ScrollDown,
            &[Chord::plain('j'), Chord::key(K::Down)],
        );
        add(
            C::History,
            B::ScrollUp,
            &[Chord::plain('k'), Chord::key(K::Up)],
        );
        add(C::History, B::OpenDetail, &[Chord::key(K::Enter)]);
        add(C::History, B::FilterHistory, &[Chord::plain('/')]);
        add(C::History, B::ToggleSelect, &[Chord::plain(' ')]);
        add(C::History, B::LoadDraft, &[Chord::plain('l')]);
        add(C::History, B::Resend, &[Chord::plain('R')]);
        add(C::History, B::Yes, &[Chord::plain('y')]);
        add(C::History, B::RateUp, &[Chord::plain('+')]);
        add(C::History, B::RateDown, &[Chord::plain('-')]);
        add(C::History, B::CancelBurst, &[Chord::plain('x')]);
        add(
            C::History,
            B::Close,
            &[Chord::key(K::Esc), Chord::plain('q')],
        );
        add(
            C::HistoryFilter,
            B::Close,
            &[Chord::key(K::Esc), Chord::key(K::Enter)],
        );
        add(
            C::Import,
            B::ScrollDown,
            &[Chord::plain('j'), Chord::key(K::Down)],
        );
        add(
            C::Import,
            B::ScrollUp,
            &[Chord::plain('k'), Chord::key(K::Up)],
        );
        add(C::Import, B::ToggleSelect, &[Chord::plain(' ')]);
        add(C::Import, B::QuickSend, &[Chord::plain('s')]);
        add(C::Import, B::RateUp, &[Chord::plain('+')]);
        add(C::Import, B::RateDown, &[Chord::plain('-')]);
        add(C::Import, B::CancelBurst, &[Chord::plain('x')]);
        add(C::Import, B::Yes, &[Chord::plain('y')]);
        add(
            C::Import,
            B::Close,
            &[Chord::key(K::Esc), Chord::plain('q')],
        );
        add(C::ImportPath, B::Submit, &[Chord::key(K::Enter)]);
        add(C::ImportPath, B::Close, &[Chord::key(K::Esc)]);
        add(C::CompareForm, B::Submit, &[Chord::key(K::Enter)]);
        add(C::CompareForm, B::Close, &[Chord::key(K::Esc)]);
        add(C::Compare, B::CancelBurst, &[Chord::plain('x')]);
        add(C::Compare, B::CopyTable, &[Chord::plain('y')]);
        add(C::Compare, B::Compare, &[Chord::plain('c')]);
        add(
            C::Compare,
            B::Close,
            &[Chord::key(K::Esc), Chord::plain('q')],
        );
        Keymap { bindings: b }
    }
}

impl Keymap {
    /// What `key` means in `ctx`: the context's own bindings first, then the
    /// global ones.
    pub fn lookup(&self, ctx: Context, key: &KeyEvent) -> Option<Bind> {
        let chord = Chord::from_event(key);
        self.find(ctx, chord)
            .or_else(|| self.find(Context::Global, chord))
    }

    fn find(&self, ctx: Context, chord: Chord) -> Option<Bind> {
        self.bindings
            .iter()
            .find(|b| b.ctx == ctx && b.keys.contains(&chord))
            .map(|b| b.bind)
    }

    /// Every binding usable in `ctx` (its own, then global), for the help
    /// overlay.
    pub fn help(&self, ctx: Context) -> Vec<(String, &'static str)> {
        self.help_entries(ctx)
            .into_iter()
            .map(|(k, b)| (k, b.describe()))
            .collect()
    }

    /// Like `help`, with the action itself so its config name can be shown.
    pub fn help_entries(&self, ctx: Context) -> Vec<(String, Bind)> {
        let own = self.bindings.iter().filter(|b| b.ctx == ctx);
        let global = self.bindings.iter().filter(|b| b.ctx == Context::Global);
        own.chain(global)
            .filter(|b| !b.keys.is_empty())
            .map(|b| {
                let keys: Vec<String> = b.keys.iter().map(Chord::to_string).collect();
                (keys.join(" "), b.bind)
            })
            .collect()
    }

    /// The few most useful bindings of `ctx` for the footer, first key only.
    pub fn hints(&self, ctx: Context) -> Vec<(String, &'static str)> {
        self.hints_where(ctx, |_| true)
    }

    /// [`Keymap::hints`] of the actions `live` says do something now, so a
    /// footer never offers a key that would only answer "not now".
    pub fn hints_where(
        &self,
        ctx: Context,
        live: impl Fn(Bind) -> bool,
    ) -> Vec<(String, &'static str)> {
        self.hint_entries(ctx, &live)
            .into_iter()
            .filter_map(|(keys, label)| Some((keys.first()?.to_string(), label)))
            .collect()
    }

    /// The same hints with every key of each, for an overlay's border:
    /// `Enter start · Tab next · Esc close`.
    pub fn hint_line(&self, ctx: Context) -> String {
        self.hint_line_where(ctx, |_| true)
    }

    /// [`Keymap::hint_line`] of the actions `live` says do something now.
    pub fn hint_line_where(&self, ctx: Context, live: impl Fn(Bind) -> bool) -> String {
        self.hint_entries(ctx, &live)
            .into_iter()
            .filter(|(keys, _)| !keys.is_empty())
            .map(|(keys, label)| {
                let keys: Vec<String> = keys.iter().map(Chord::to_string).collect();
                format!("{} {label}", keys.join("/"))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The first key bound to `bind` in `ctx` (or globally), as shown.
    pub fn key_for(&self, ctx: Context, bind: Bind) -> Option<String> {
        self.keys_of(ctx, bind)
            .and_then(|k| k.first())
            .map(Chord::to_string)
    }

    fn keys_of(&self, ctx: Context, bind: Bind) -> Option<&[Chord]> {
        let find = |c: Context| {
            self.bindings
                .iter()
                .find(|b| b.ctx == c && b.bind == bind)
                .map(|b| b.keys.as_slice())
        };
        find(ctx).or_else(|| find(Context::Global))
    }

    fn hint_entries(
        &self,
        ctx: Context,
        live: &dyn Fn(Bind) -> bool,
    ) -> Vec<(Vec<Chord>, &'static str)> {
        let wanted: &[Bind] = match ctx {
            Context::Edit => &[Bind::Send, Bind::FocusNext, Bind::LeaveField],
            Context::ModeBar => &[
                Bind::QuickSend,
                Bind::ModeSync,
                Bind::ModeAsync,
                Bind::ModeOneway,
                Bind::Repeat,
                Bind::SwitchProfile,
                Bind::FocusNext,
                Bind::Help,
                Bind::Quit,
            ],
            Context::Log => &[
                Bind::ScrollDown,
                Bind::OpenDetail,
                Bind::CopyMsgId,
                Bind::ToggleRaw,
                Bind::QuickSend,
                Bind::Repeat,
                Bind::SwitchProfile,
                Bind::Help,
                Bind::Quit,
            ],
            Context::Detail => &[Bind::Close, Bind::CopyMsgId, Bind::ScrollDown],
            Context::Help => &[Bind::Close],
            Context::Repeat => &[Bind::Submit, Bind::FocusNext, Bind::Close],
            Context::Confirm => &[Bind::Yes, Bind::No],
            Context::ConfirmTopic => &[Bind::Submit, Bind::Close],
            Context::Picker => &[Bind::ScrollDown, Bind::Submit, Bind::Close],
            Context::Quitting => &[Bind::Quit],
            Context::History => &[
                Bind::FilterHistory,
                Bind::OpenDetail,
                Bind::ToggleSelect,
                Bind::LoadDraft,
                Bind::Resend,
                Bind::Close,
            ],
            Context::HistoryFilter => &[Bind::Close],
            Context::Import => &[
                Bind::QuickSend,
                Bind::ToggleSelect,
                Bind::RateUp,
                Bind::RateDown,
                Bind::CancelBurst,
                Bind::Close,
            ],
            Context::ImportPath => &[Bind::Submit, Bind::Close],
            Context::CompareForm => &[Bind::Submit, Bind::FocusNext, Bind::Close],
            Context::Compare => &[
                Bind::CancelBurst,
                Bind::CopyTable,
                Bind::Compare,
                Bind::Close,
            ],
            Context::Global => &[],
        };
        wanted
            .iter()
            .filter(|bind| live(**bind))
            .filter_map(|bind| {
                let keys = self.keys_of(ctx, *bind)?;
                // `submit` means different things in different boxes.
                let label = match (ctx, bind) {
                    (Context::Picker, Bind::Submit) => "switch",
                    (Context::Picker, Bind::ScrollDown) => "move",
                    (Context::ConfirmTopic, Bind::Submit) => "send burst",
                    (Context::ConfirmTopic, Bind::Close) => "cancel",
                    (Context::HistoryFilter, Bind::Close) => "done",
                    (Context::ImportPath, Bind::Submit) => "read",
                    (Context::Import, Bind::CancelBurst) => "cancel",
                    (Context::CompareForm, Bind::Submit) => "run",
                    (Context::Compare, Bind::CancelBurst) => "cancel",
                    (Context::Compare, Bind::Compare) => "again",
                    _ => bind.hint(),
                };
                Some((keys.to_vec(), label))
            })
            .collect()
    }

    /// Rebinds actions by name (`send = "ctrl-s"`, several keys separated by
    /// spaces or commas). The keys replace the action's keys in every context
    /// it is bound in. Errors quote the offending entry.
    pub fn apply_overrides(&mut self, overrides: &BTreeMap<String, String>) -> Result<(), String> {
        let mut next = self.clone();
        for (name, value) in overrides {
            let entry = || format!("{name} = \"{value}\"");
            let bind = Bind::from_name(name)
                .ok_or_else(|| format!("{}: unknown action `{name}`", entry()))?;
            let keys = value
                .split([' ', ','])
                .filter(|k| !k.is_empty())
                .map(Chord::parse)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{}: {e}", entry()))?;
            if keys.is_empty() {
                return Err(format!("{}: no key given", entry()));
            }
            let mut found = false;
            for b in next.bindings.iter_mut().filter(|b| b.bind == bind) {
                if b.ctx == Context::Global
                    && let Some(k) = keys.iter().find(|k| k.is_typing())
                {
                    return Err(format!(
                        "{}: `{k}` would be typed into text fields; global actions need Ctrl, Alt or a special key",
                        entry()
                    ));
                }
                b.keys = keys.clone();
                found = true;
            }
            if !found {
                return Err(format!("{}: action is not bindable", entry()));
            }
        }
        // A key may mean one thing per context; a context's own key also
        // shadows a global one, so those clash too.
        let mut seen: BTreeMap<(Context, String), Bind> = BTreeMap::new();
        let mut contexts: Vec<Context> = next.bindings.iter().map(|b| b.ctx).collect();
        contexts.sort();
        contexts.dedup();
        for ctx in contexts {
            seen.retain(|(c, _), _| *c != ctx);
            for b in next
                .bindings
                .iter()
                .filter(|b| b.ctx == ctx || (ctx != Context::Global && b.ctx == Context::Global))
            {
                for k in &b.keys {
                    if let Some(other) = seen.insert((ctx, k.to_string()), b.bind)
                        && other != b.bind
                    {
                        let culprit = [b.bind, other]
                            .into_iter()
                            .find(|x| overrides.contains_key(x.name()))
                            .unwrap_or(b.bind);
                        let shown = overrides
                            .get(culprit.name())
                            .map(|v| format!("{} = \"{v}\"", culprit.name()))
                            .unwrap_or_else(|| culprit.name().to_string());
                        let partner = if culprit == b.bind { other } else { b.bind };
                        return Err(format!(
                            "{shown}: `{k}` is already bound to `{}` in {}",
                            partner.name(),
                            ctx.label()
                        ));
                    }
                }
            }
        }
        *self = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    /// The names are the `[keys]` API of the config file: a change here
    /// breaks operators' configs, so it must be deliberate.
    #[test]
    fn action_names_are_the_config_api() {
        for (i, row) in TABLE.iter().enumerate() {
            assert_eq!(row.0 as usize, i, "{} out of order", row.1);
        }
        let names: Vec<String> = Bind::ALL
            .iter()
            .map(|b| format!("{:<17}{}", b.name(), b.describe()))
            .collect();
        insta::assert_snapshot!(names.join("\n"));
    }

    /// Every context's own bindings (in help order) and its border/footer
    /// hint line with every action live: the defaults as the operator sees
    /// them, so moving them to data cannot change a key or an order.
    #[test]
    fn default_bindings_by_context() {
        use Context as C;
        let contexts = [
            C::Global,
            C::Edit,
            C::ModeBar,
            C::Log,
            C::Detail,
            C::Help,
            C::Repeat,
            C::Confirm,
            C::ConfirmTopic,
            C::Picker,
            C::Quitting,
            C::History,
            C::HistoryFilter,
            C::Import,
            C::ImportPath,
            C::CompareForm,
            C::Compare,
        ];
        let km = Keymap::default();
        // A context's help lists its own bindings, then the global ones
        // (the global context's, twice).
        let globals = km.help_entries(C::Global).len() / 2;
        let mut out = Vec::new();
        for ctx in contexts {
            out.push(format!("[{}]", ctx.label()));
            let entries = km.help_entries(ctx);
            let own = entries.len() - globals;
            for (keys, bind) in &entries[..own] {
                out.push(format!("  {:<16} {keys}", bind.name()));
            }
            out.push(format!("  hints: {}", km.hint_line(ctx)));
        }
        insta::assert_snapshot!(out.join("\n"));
    }

    #[test]
    fn overlay_hints_follow_rebinding() {
        let mut km = Keymap::default();
        assert_eq!(
            km.hint_line(Context::Repeat),
            "Enter start · Tab next · Esc close"
        );
        let mut o = BTreeMap::new();
        o.insert("close".to_string(), "f10".to_string());
        o.insert("yes".to_string(), "Y".to_string());
        km.apply_overrides(&o).unwrap();
        assert_eq!(
            km.hint_line(Context::Repeat),
            "Enter start · Tab next · F10 close"
        );
        assert_eq!(km.hint_line(Context::Confirm), "Y yes · n/Esc no");
        assert_eq!(
            km.hint_line(Context::Detail),
            "F10 close · y copy id · j/↓ scroll"
        );
    }

    #[test]
    fn defaults_resolve_by_context() {
        let km = Keymap::default();
        let s = key(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(km.lookup(Context::Edit, &s), Some(Bind::Send));
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(km.lookup(Context::Edit, &q), None, "q types in a field");
        assert_eq!(km.lookup(Context::Log, &q), Some(Bind::Quit));
        let enter = key(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(km.lookup(Context::Log, &enter), Some(Bind::OpenDetail));
        assert_eq!(km.lookup(Context::ModeBar, &enter), Some(Bind::QuickSend));
        let help = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(km.lookup(Context::Log, &help), Some(Bind::Help));
        let back = key(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(km.lookup(Context::Edit, &back), Some(Bind::FocusPrev));
    }

    #[test]
    fn parses_and_displays_keys() {
        assert_eq!(Chord::parse("ctrl-s").unwrap(), Chord::ctrl('s'));
        assert_eq!(Chord::parse("Ctrl+S").unwrap(), Chord::ctrl('s'));
        assert_eq!(
            Chord::parse("shift-tab").unwrap(),
            Chord::key(KeyCode::BackTab)
        );
        assert_eq!(Chord::parse("f5").unwrap(), Chord::key(KeyCode::F(5)));
        assert_eq!(Chord::parse("-").unwrap(), Chord::plain('-'));
        assert!(Chord::parse("ctrl-banana").is_err());
        assert_eq!(Chord::ctrl('s').to_string(), "Ctrl-S");
    }

    #[test]
    fn overrides_rebind_and_reject_with_the_entry() {
        let mut km = Keymap::default();
        let mut o = BTreeMap::new();
        o.insert("send".to_string(), "ctrl-x".to_string());
        km.apply_overrides(&o).unwrap();
        let x = key(KeyCode::Char('x'), KeyModifiers::CONTROL);
        assert_eq!(km.lookup(Context::Log, &x), Some(Bind::Send));

        let mut bad = BTreeMap::new();
        bad.insert("send".to_string(), "ctrl-c".to_string());
        let err = Keymap::default().apply_overrides(&bad).unwrap_err();
        assert_eq!(
            err,
            "send = \"ctrl-c\": `Ctrl-C` is already bound to `quit_now` in everywhere"
        );

        let mut bad = BTreeMap::new();
        bad.insert("quick_send".to_string(), "q".to_string());
        let err = Keymap::default().apply_overrides(&bad).unwrap_err();
        assert!(
            err.starts_with("quick_send = \"q\": `q` is already bound to `quit`"),
            "{err}"
        );

        let mut bad = BTreeMap::new();
        bad.insert("send".to_string(), "ctrl-".to_string());
        let err = Keymap::default().apply_overrides(&bad).unwrap_err();
        assert!(err.starts_with("send = \"ctrl-\":"), "{err}");

        let mut bad = BTreeMap::new();
        bad.insert("teleport".to_string(), "t".to_string());
        assert_eq!(
            Keymap::default().apply_overrides(&bad).unwrap_err(),
            "teleport = \"t\": unknown action `teleport`"
        );

        let mut bad = BTreeMap::new();
        bad.insert("send".to_string(), "s".to_string());
        assert!(
            Keymap::default()
                .apply_overrides(&bad)
                .unwrap_err()
                .contains("typed into text fields")
        );
    }

    #[test]
    fn help_and_hints_come_from_the_table() {
        let mut km = Keymap::default();
        let mut o = BTreeMap::new();
        o.insert("help".to_string(), "f1".to_string());
        km.apply_overrides(&o).unwrap();
        assert!(km.help(Context::Log).contains(&("F1".to_string(), "help")));
        assert!(km.hints(Context::Log).contains(&("F1".to_string(), "help")));
    }

    #[test]
    fn switch_profile_is_rebindable_and_stays_out_of_text_fields() {
        let p = key(KeyCode::Char('p'), KeyModifiers::NONE);
        let km = Keymap::default();
        assert_eq!(km.lookup(Context::Log, &p), Some(Bind::SwitchProfile));
        assert_eq!(km.lookup(Context::ModeBar, &p), Some(Bind::SwitchProfile));
        assert_eq!(km.lookup(Context::Edit, &p), None, "p types in a field");
        assert_eq!(Bind::from_name("switch_profile"), Some(Bind::SwitchProfile));
        let mut km = Keymap::default();
        let mut o = BTreeMap::new();
        o.insert("switch_profile".to_string(), "f2".to_string());
        km.apply_overrides(&o).unwrap();
        let f2 = key(KeyCode::F(2), KeyModifiers::NONE);
        assert_eq!(km.lookup(Context::Log, &f2), Some(Bind::SwitchProfile));
        assert!(
            km.hints(Context::Log)
                .contains(&("F2".to_string(), "profile"))
        );
        // The picker answers to the usual list keys.
        let j = key(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(km.lookup(Context::Picker, &j), Some(Bind::ScrollDown));
        let enter = key(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(km.lookup(Context::Picker, &enter), Some(Bind::Submit));
        assert_eq!(km.lookup(Context::ConfirmTopic, &enter), Some(Bind::Submit));
        let y = key(KeyCode::Char('y'), KeyModifiers::NONE);
        assert_eq!(km.lookup(Context::ConfirmTopic, &y), None, "y is typed");
    }
}
