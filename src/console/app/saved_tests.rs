//! Saved messages and the command palette, driven through the real keymap
//! and run loop (`Harness`, whose messages folder is a temp dir): saving
//! the draft, the picker's load / filter / rename / delete, `:` typed in a
//! field but opening the palette elsewhere, running an action and loading
//! a saved message from the palette, and the screens at 80x24 and 120x40.

use std::path::PathBuf;

use super::*;
use crate::collection::{Entry, Listing, Saved};
use crate::console::harness::Harness;
use crate::console::ui::tests::{draw, ready_app};
use rmq_model::message::Draft;

fn messages_dir(h: &Harness) -> PathBuf {
    h.exports.path().join("messages")
}

fn files(h: &Harness) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(messages_dir(h))
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The names the picker lists now.
fn shown(h: &Harness) -> Vec<String> {
    let (Overlay::Saved(v), Some(l)) = (&h.app().overlay, &h.app().saved) else {
        panic!("the picker is not open");
    };
    v.shown(l).iter().map(|e| e.name()).collect()
}

fn notice(h: &Harness) -> String {
    h.app()
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn body(app: &App) -> String {
    app.composer.body.lines().join("\n")
}

#[test]
fn alt_s_saves_the_draft_and_the_picker_loads_it_back() {
    let mut h = Harness::new(ready_app(), 80, 24);
    h.press("alt-s");
    assert_eq!(h.app().context(), Context::SavedName);
    h.type_text("Order created\n");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert_eq!(files(&h), ["order-created.toml"]);
    let text = std::fs::read_to_string(messages_dir(&h).join("order-created.toml")).unwrap();
    assert!(text.contains("name = \"Order created\""), "{text}");
    assert!(text.contains("body = \"\"\"\nhello\"\"\""), "{text}");
    assert!(
        notice(&h).starts_with("saved `Order created` as "),
        "{}",
        notice(&h)
    );

    // The draft changes; loading the saved one brings it back.
    for _ in 0..8 {
        if h.app().focus == Focus::Body {
            break;
        }
        h.press("tab");
    }
    assert_eq!(h.app().focus, Focus::Body);
    h.type_text("!!");
    assert_eq!(body(h.app()), "!!hello");
    h.press("alt-o");
    assert_eq!(h.app().context(), Context::Saved);
    assert!(draw(h.app(), 80, 24).contains("Order created"));
    h.press("enter");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert_eq!(body(h.app()), "hello");
    assert_eq!(notice(&h), "loaded saved message Order created");
    // Saving again offers the loaded name: Enter replaces that file.
    h.press("alt-s");
    assert!(matches!(&h.app().overlay, Overlay::SaveAs(n) if n.text == "Order created"));
    h.press("enter");
    assert_eq!(files(&h), ["order-created.toml"]);
}

#[test]
fn a_draft_with_errors_is_not_saved_and_stays() {
    let mut h = Harness::new(ready_app(), 80, 24);
    // The topic field emptied: the draft has an error.
    h.press("ctrl-c");
    h.press("alt-s");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert!(
        notice(&h).contains("fix them before saving"),
        "{}",
        notice(&h)
    );
    assert!(files(&h).is_empty());
    assert_eq!(body(h.app()), "hello");
}

#[test]
fn the_picker_filters_renames_and_deletes_after_a_y() {
    let mut h = Harness::new(ready_app(), 120, 40);
    for name in ["refund bad amount", "order created"] {
        h.press("alt-s");
        // The prompt offers the last saved name: clear it first.
        for _ in 0..30 {
            h.press("backspace");
        }
        h.type_text(&format!("{name}\n"));
    }
    assert_eq!(files(&h), ["order-created.toml", "refund-bad-amount.toml"]);
    h.press("alt-o");
    // `/` filters by the list's grammar; Enter keeps the filter.
    h.press("/").type_text("refund").press("enter");
    assert_eq!(shown(&h), ["refund bad amount"]);
    assert!(draw(h.app(), 120, 40).contains("▸ refund bad amount"));
    // Rename: `r`, the name edited, Enter.
    h.press("r");
    assert_eq!(h.app().context(), Context::SavedName);
    for _ in 0..6 {
        h.press("backspace");
    }
    h.type_text("total\n");
    assert_eq!(files(&h), ["order-created.toml", "refund-bad-total.toml"]);
    assert!(
        notice(&h).starts_with("renamed to `refund bad total`"),
        "{}",
        notice(&h)
    );
    // Delete asks first: Esc withdraws the question, `y` answers it.
    h.press("/").press("ctrl-c").press("esc");
    assert_eq!(shown(&h).len(), 2, "Ctrl-C emptied the filter");
    h.press("d").press("esc");
    assert_eq!(files(&h).len(), 2, "Esc withdrew the question");
    assert_eq!(h.app().context(), Context::Saved);
    h.press("d");
    assert!(draw(h.app(), 120, 40).contains("y confirms, Esc cancels"));
    h.press("y");
    assert_eq!(files(&h), ["refund-bad-total.toml"]);
}

#[test]
fn colon_types_in_a_field_and_opens_the_palette_elsewhere() {
    let mut h = Harness::new(ready_app(), 80, 24);
    assert!(h.app().focus.is_text());
    h.type_text("a:b");
    assert!(h.app().composer.topic.lines()[0].ends_with("a:b"));
    assert!(matches!(h.app().overlay, Overlay::None));
    // Out of the field, `:` opens the palette for the mode bar.
    h.press("esc").press(":");
    assert!(matches!(&h.app().overlay, Overlay::Palette(p) if p.origin == Context::ModeBar));
    // What is typed filters; `h` and `q` are typed, not run.
    h.type_text("hist");
    let first = h.app().palette_lines()[0].clone();
    assert_eq!(first.item, PaletteItem::Action(Bind::History));
    assert_eq!(first.keys, "H");
    h.press("enter");
    assert!(
        matches!(h.app().overlay, Overlay::History(_)),
        "ran as if H was pressed"
    );
}

#[test]
fn ctrl_p_opens_the_palette_from_a_field_and_only_its_actions_are_listed() {
    let mut h = Harness::new(ready_app(), 80, 24);
    h.press("ctrl-p");
    let Overlay::Palette(p) = &h.app().overlay else {
        panic!("no palette");
    };
    assert_eq!(p.origin, Context::Edit);
    let lines = h.app().palette_lines();
    let has = |b: Bind| lines.iter().any(|l| l.item == PaletteItem::Action(b));
    // In a text field: its own and the global actions, not the log's.
    assert!(has(Bind::LeaveField) && has(Bind::Send) && has(Bind::SaveMessage));
    assert!(!has(Bind::OpenDetail) && !has(Bind::Quit) && !has(Bind::Palette));
    // Profiles are there too; Esc closes and the draft is as it was.
    assert!(lines.iter().any(|l| l.name == "profile: production"));
    h.press("esc");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert_eq!(body(h.app()), "hello");
}

#[test]
fn the_palette_loads_a_saved_message() {
    let mut h = Harness::new(ready_app(), 80, 24);
    h.press("alt-s").type_text("Order created\n");
    h.press("esc").press(":").type_text("saved order");
    let first = h.app().palette_lines()[0].clone();
    assert_eq!(first.name, "saved: Order created");
    h.press("enter");
    assert_eq!(notice(&h), "loaded saved message Order created");
    assert_eq!(h.app().focus, Focus::Body);
}

fn fixed_listing() -> Listing {
    let saved = |name: &str, topic: &str, body: &[u8]| Saved {
        name: name.into(),
        draft: Draft {
            topic: topic.into(),
            tag: Some("created".into()),
            keys: vec!["o-1842".into()],
            properties: vec![],
            body: body.to_vec(),
            kind: Default::default(),
        },
        type_row: String::new(),
    };
    let dir = PathBuf::from("/home/op/.config/rmq-console/messages");
    Listing {
        entries: vec![
            Entry {
                file: dir.join("order-created.toml"),
                saved: Ok(saved(
                    "Order created",
                    "orders",
                    b"{\n  \"order\": \"o-1842\"\n}",
                )),
            },
            Entry {
                file: dir.join("raw-bytes.toml"),
                saved: Ok(saved("raw bytes", "bin", &[0, 1, 0xff])),
            },
            Entry {
                file: dir.join("broken.toml"),
                saved: Err(format!(
                    "{}/broken.toml:3: unknown key `colour`",
                    dir.display()
                )),
            },
        ],
        left_out: 0,
    }
}

#[test]
fn the_picker_and_the_palette_screens() {
    let mut app = ready_app();
    app.focus = Focus::Log;
    app.step(Action::Key(Bind::SavedMessages));
    app.step(Action::SavedDone {
        said: None,
        listing: Ok(fixed_listing()),
    });
    insta::assert_snapshot!("saved_picker_80x24", draw(&app, 80, 24));
    insta::assert_snapshot!("saved_picker_120x40", draw(&app, 120, 40));
    app.step(Action::Key(Bind::Delete));
    insta::assert_snapshot!("saved_picker_delete_80x24", draw(&app, 80, 24));
    app.step(Action::Key(Bind::Close));
    app.step(Action::Key(Bind::Close));
    app.step(Action::Key(Bind::Palette));
    insta::assert_snapshot!("palette_80x24", draw(&app, 80, 24));
    insta::assert_snapshot!("palette_120x40", draw(&app, 120, 40));
    for c in "sav".chars() {
        app.step(Action::Edit(ratatui_textarea::Input {
            key: ratatui_textarea::Key::Char(c),
            ..Default::default()
        }));
    }
    insta::assert_snapshot!("palette_filtered_80x24", draw(&app, 80, 24));
    app.step(Action::Key(Bind::Close));
    app.step(Action::Key(Bind::SaveMessage));
    insta::assert_snapshot!("save_as_80x24", draw(&app, 80, 24));
    insta::assert_snapshot!("save_as_120x40", draw(&app, 120, 40));
}

#[test]
fn a_folder_that_cannot_be_listed_is_said_and_the_picker_does_not_wait() {
    let mut app = ready_app();
    app.step(Action::Key(Bind::SavedMessages));
    app.step(Action::SavedDone {
        said: None,
        listing: Err("cannot list the messages folder /x: Not a directory".into()),
    });
    let screen = draw(&app, 120, 40);
    assert!(!screen.contains("reading the messages folder"), "{screen}");
    assert!(screen.contains("no saved messages yet"), "{screen}");
    let n = app.notice.clone().expect("a notice");
    assert_eq!(
        (n.level, n.text.as_str()),
        (
            Level::Error,
            "cannot list the messages folder /x: Not a directory"
        )
    );
}
