//! The keymap as the console uses it: lookups by context, rebinding from
//! `[keys]` and its errors, and the help and hint text that follow it.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

/// The footer's hints of `ctx` as key and label.
fn shown(km: &Keymap, ctx: Context) -> Vec<(String, &str)> {
    km.hints(ctx)
        .into_iter()
        .map(|h| (h.key, h.label))
        .collect()
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
/// them, so moving them to data cannot change a key or an order. Taken
/// from the bindings written in Rust (023365c) before they became data.
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
        C::Tour,
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
        "F10 close · y copy id · j/↓ scroll · b body"
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
        "send = \"ctrl-c\": `Ctrl-C` is already bound to `clear_field` in text field"
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
    assert!(shown(&km, Context::Log).contains(&("F1".to_string(), "help")));
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
    assert!(shown(&km, Context::Log).contains(&("F2".to_string(), "profile")));
    // The picker answers to the usual list keys.
    let j = key(KeyCode::Char('j'), KeyModifiers::NONE);
    assert_eq!(km.lookup(Context::Picker, &j), Some(Bind::ScrollDown));
    let enter = key(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(km.lookup(Context::Picker, &enter), Some(Bind::Submit));
    assert_eq!(km.lookup(Context::ConfirmTopic, &enter), Some(Bind::Submit));
    let y = key(KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(km.lookup(Context::ConfirmTopic, &y), None, "y is typed");
}

#[test]
fn an_overlay_border_leaves_hints_out_whole_and_keeps_the_way_out() {
    let km = Keymap::default();
    let full = km.hint_line(Context::Fetch);
    let n = full.chars().count();
    assert_eq!(km.hint_line_fit(Context::Fetch, |_| true, n), full);
    let fit = km.hint_line_fit(Context::Fetch, |_| true, 60);
    assert!(fit.chars().count() <= 60, "{fit}");
    assert!(fit.ends_with("Esc/q close"), "the way out stays: {fit}");
    // Every hint shown is one of the full line's hints, whole.
    let whole: Vec<&str> = full.split(" · ").collect();
    for h in fit.split(" · ") {
        assert!(whole.contains(&h), "{h:?} is cut");
    }
    assert!(fit.split(" · ").count() < whole.len());
}
