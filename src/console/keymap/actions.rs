//! What a key can be bound to and where: the focus contexts (`Context`,
//! with the defaults file's section name and the help's label) and the
//! actions (`Bind`, with the `[keys]` name, the help text and the footer's
//! short hint), each in one table so the names cannot drift apart.

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
    /// Typing the results log's `/` filter.
    ResultsFilter,
    /// The message log overlay.
    Messages,
    /// Typing the fetch form (locator, topic, window, max).
    FetchForm,
    /// The fetched messages' list.
    Fetch,
    /// Typing the fetch list's `/` filter.
    FetchFilter,
    /// Typing the group lens's consumer group.
    GroupForm,
    /// The group lens: a consumer group's queues, retry and DLQ rows.
    Group,
    /// The saved messages' list.
    Saved,
    /// Typing the saved messages' `/` filter.
    SavedFilter,
    /// Typing a saved message's name (save as, rename).
    SavedName,
    /// The command palette: typing its filter, choosing a line.
    Palette,
    /// A guided tour is on (the narration panel): steps, again, leave.
    Tour,
}

/// Every context: its section in `defaults.toml` (and in `[hints]` there)
/// and how the help overlay and error messages name it. Rows are in
/// `Context` declaration order.
const CONTEXTS: [(Context, &str, &str); 29] = [
    (Context::Global, "global", "everywhere"),
    (Context::Edit, "edit", "text field"),
    (Context::ModeBar, "mode_bar", "mode bar"),
    (Context::Log, "log", "results log"),
    (Context::Detail, "detail", "detail view"),
    (Context::Help, "help", "help"),
    (Context::Repeat, "repeat", "repeat form"),
    (Context::Confirm, "confirm", "confirm send"),
    (Context::ConfirmTopic, "confirm_topic", "confirm burst"),
    (Context::Picker, "picker", "profile picker"),
    (Context::Quitting, "quitting", "quitting"),
    (Context::History, "history", "history"),
    (Context::HistoryFilter, "history_filter", "history filter"),
    (Context::Import, "import", "import"),
    (Context::ImportPath, "import_path", "import path"),
    (Context::CompareForm, "compare_form", "compare form"),
    (Context::Compare, "compare", "compare view"),
    (Context::ResultsFilter, "results_filter", "results filter"),
    (Context::Messages, "messages", "message log"),
    (Context::FetchForm, "fetch_form", "fetch form"),
    (Context::Fetch, "fetch", "fetched messages"),
    (Context::FetchFilter, "fetch_filter", "fetch filter"),
    (Context::GroupForm, "group_form", "group prompt"),
    (Context::Group, "group", "group lens"),
    (Context::Saved, "saved", "saved messages"),
    (
        Context::SavedFilter,
        "saved_filter",
        "saved messages filter",
    ),
    (Context::SavedName, "saved_name", "saved message name"),
    (Context::Palette, "palette", "command palette"),
    (Context::Tour, "tour", "guided tour"),
];

impl Context {
    pub const ALL: [Context; 29] = {
        let mut all = [Context::Global; 29];
        let mut i = 0;
        while i < CONTEXTS.len() {
            all[i] = CONTEXTS[i].0;
            i += 1;
        }
        all
    };

    /// The section of `defaults.toml` that binds keys in this context.
    pub fn name(self) -> &'static str {
        CONTEXTS[self as usize].1
    }

    /// How the help overlay and error messages name the context.
    pub fn label(self) -> &'static str {
        CONTEXTS[self as usize].2
    }

    pub fn from_name(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
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
    OpenRecord,
    Timeline,
    Messages,
    FilterResults,
    ScrollBottom,
    ToggleWide,
    SwitchPane,
    PickSync,
    PickAsync,
    PickOneway,
    ClearField,
    ResetCounters,
    SaveChart,
    Fetch,
    BodyView,
    Tail,
    Follow,
    OlderRecords,
    GroupLens,
    ConsumedBy,
    Refresh,
    SaveMessage,
    SavedMessages,
    Rename,
    Delete,
    Palette,
    Tour,
    TourNext,
    TourPrev,
    TourAgain,
    FormatBody,
    EditBody,
    EditDraft,
    LoadBody,
}

/// Every action in one table: its `[keys]` name (the config file's API, so
/// names never change), the help overlay's description, and the footer's
/// short hint. Rows are in `Bind` declaration order.
pub(super) const TABLE: [(Bind, &str, &str, &str); 79] = [
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
    (
        Bind::ScrollTop,
        "scroll_top",
        "newest entry (follow)",
        "scroll_top",
    ),
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
    (
        Bind::OpenRecord,
        "open_record",
        "open its journal record",
        "record",
    ),
    (
        Bind::Timeline,
        "timeline",
        "timeline of the sends",
        "timeline",
    ),
    (
        Bind::Messages,
        "messages",
        "message log (every notice)",
        "messages",
    ),
    (
        Bind::FilterResults,
        "filter_results",
        "filter: text or field:value",
        "filter",
    ),
    (
        Bind::ScrollBottom,
        "scroll_bottom",
        "oldest entry",
        "oldest",
    ),
    (
        Bind::ToggleWide,
        "toggle_wide",
        "results: every field (wide)",
        "wide",
    ),
    (
        Bind::SwitchPane,
        "switch_pane",
        "composer / results pane",
        "pane",
    ),
    (
        Bind::PickSync,
        "pick_sync",
        "mode Sync, from anywhere",
        "sync",
    ),
    (
        Bind::PickAsync,
        "pick_async",
        "mode Async, from anywhere",
        "async",
    ),
    (
        Bind::PickOneway,
        "pick_oneway",
        "mode One-way, from anywhere",
        "oneway",
    ),
    (
        Bind::ClearField,
        "clear_field",
        "clear the field (undoable)",
        "clear",
    ),
    (
        Bind::ResetCounters,
        "reset_counters",
        "reset the counters",
        "reset",
    ),
    (
        Bind::SaveChart,
        "save_chart",
        "save the comparison as an SVG (slides)",
        "save svg",
    ),
    (Bind::Fetch, "fetch", "fetch from the broker", "fetch"),
    (
        Bind::BodyView,
        "body_view",
        "body: text / JSON / hex",
        "body",
    ),
    (Bind::Tail, "tail", "tail the topic (newest 20)", "tail"),
    (
        Bind::Follow,
        "follow",
        "follow the tail (1 s polls)",
        "follow",
    ),
    (
        Bind::OlderRecords,
        "older_records",
        "read 10,000 older records",
        "older",
    ),
    (
        Bind::GroupLens,
        "group_lens",
        "group lens: lag, retry, DLQ",
        "group",
    ),
    (
        Bind::ConsumedBy,
        "consumed_by",
        "which groups consumed it",
        "groups",
    ),
    (Bind::Refresh, "refresh", "ask the brokers again", "refresh"),
    (
        Bind::SaveMessage,
        "save_message",
        "save the draft by name",
        "save",
    ),
    (
        Bind::SavedMessages,
        "saved_messages",
        "saved messages: load, rename",
        "saved",
    ),
    (Bind::Rename, "rename", "rename", "rename"),
    (Bind::Delete, "delete", "delete (asks first)", "delete"),
    (
        Bind::Palette,
        "palette",
        "command palette: any action",
        "palette",
    ),
    (Bind::Tour, "tour", "guided tour of the modes", "tour"),
    (Bind::TourNext, "tour_next", "next step (sends it)", "next"),
    (Bind::TourPrev, "tour_prev", "previous step", "back"),
    (
        Bind::TourAgain,
        "tour_again",
        "run the step's sends again",
        "again",
    ),
    (
        Bind::FormatBody,
        "format_body",
        "JSON body: pretty / compact",
        "pretty/compact",
    ),
    (
        Bind::EditBody,
        "edit_body",
        "edit the body in $EDITOR",
        "editor",
    ),
    (
        Bind::EditDraft,
        "edit_draft",
        "edit the draft as TOML",
        "draft in editor",
    ),
    (
        Bind::LoadBody,
        "load_body",
        "load the body from a file",
        "body from file",
    ),
];

impl Bind {
    pub const ALL: [Bind; 79] = {
        let mut all = [Bind::Send; 79];
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_are_in_declaration_order_and_named_once() {
        for (i, row) in CONTEXTS.iter().enumerate() {
            assert_eq!(row.0 as usize, i, "{} out of order", row.1);
            assert_eq!(Context::from_name(row.1), Some(row.0));
        }
    }
}
