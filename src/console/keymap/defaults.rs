//! The default keymap: `defaults.toml`, embedded in the binary, read once
//! per process with the `[keys]` entry parser, one section per context,
//! plus its `[hints]`, and checked as an overridden keymap is. The unit
//! tests read the same text, so a malformed default fails `cargo test`
//! rather than an operator's start.

use std::sync::OnceLock;

use super::{Bind, Binding, Context, Keymap, Offer, parse_entry};
use crate::tomlspan::{ConfigError, Source, Table};

/// The file as shipped.
pub(super) const DEFAULTS: &str = include_str!("defaults.toml");

/// How errors name the file.
const ORIGIN: &str = "src/console/keymap/defaults.toml";

/// The parsed defaults, shared by every `Keymap::default()`.
pub(super) fn keymap() -> &'static Keymap {
    static KEYMAP: OnceLock<Keymap> = OnceLock::new();
    KEYMAP.get_or_init(|| {
        // The text is fixed at build time and `the_embedded_defaults_parse`
        // reads it on every test run: this fails in no build that passed.
        parse(DEFAULTS).unwrap_or_else(|e| panic!("the built-in key bindings: {e}"))
    })
}

/// Reads a defaults file: `[context]` sections of `action = "keys"` in
/// help order, and `[hints]` with each context's footer offers.
pub(super) fn parse(text: &str) -> Result<Keymap, ConfigError> {
    let src = Source {
        text,
        origin: ORIGIN,
    };
    let doc = src.parse()?;
    let top = Table::new(String::new(), doc.get_ref(), doc.span());
    let mut km = Keymap {
        bindings: Vec::new(),
        offers: Vec::new(),
    };
    let mut hints = None;
    for (section, span, value) in &top.entries {
        let Some(table) = value.get_ref().as_table() else {
            return Err(src.err(
                span.clone(),
                format!(
                    "`{section}` must be a table ([{section}]), found {}",
                    value.get_ref().type_str()
                ),
            ));
        };
        let table = Table::new(format!("[{section}]"), table, value.span());
        if *section == "hints" {
            hints = Some(table);
            continue;
        }
        let ctx = context(&src, section, span.clone())?;
        for (name, key_span, value) in &table.entries {
            let Some(keys) = value.get_ref().as_str() else {
                return Err(src.err(
                    value.span(),
                    table.about(name, "must be a string such as \"ctrl-s\""),
                ));
            };
            let (bind, keys) = parse_entry(name, keys)
                .map_err(|e| src.err(key_span.clone(), table.prefixed(&e)))?;
            km.bindings.push(Binding { ctx, bind, keys });
        }
    }
    if let Some(table) = hints {
        read_hints(&src, &table, &mut km)?;
    }
    km.check(&|_| None).map_err(|e| src.err_at(None, e))?;
    Ok(km)
}

fn context(
    src: &Source<'_>,
    name: &str,
    span: std::ops::Range<usize>,
) -> Result<Context, ConfigError> {
    Context::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
        src.err(
            span,
            format!(
                "unknown context `{name}` (expected hints or one of: {})",
                known.join(", ")
            ),
        )
    })
}

/// `[hints]`: `context = ["action", "action: label", ...]`. Each offered
/// action must be bound in that context or globally, once.
fn read_hints(src: &Source<'_>, table: &Table<'_>, km: &mut Keymap) -> Result<(), ConfigError> {
    for (name, span, value) in &table.entries {
        let ctx = context(src, name, span.clone())?;
        let Some(items) = value.get_ref().as_array() else {
            return Err(src.err(
                value.span(),
                table.about(name, "must be a list of actions such as [\"close\"]"),
            ));
        };
        for item in items.iter() {
            let Some(text) = item.get_ref().as_str() else {
                return Err(src.err(item.span(), table.about(name, "lists strings only")));
            };
            let (action, label) = match text.split_once(':') {
                Some((action, label)) => (action.trim(), Some(label.trim().to_string())),
                None => (text.trim(), None),
            };
            let problem = match Bind::from_name(action) {
                None => Some(format!("unknown action `{action}`")),
                Some(bind) if km.keys_of(ctx, bind).is_none() => Some(format!(
                    "`{action}` is not bound in {} nor globally",
                    ctx.label()
                )),
                Some(bind) if km.offers.iter().any(|o| o.ctx == ctx && o.bind == bind) => {
                    Some(format!("`{action}` is offered twice"))
                }
                Some(bind) => {
                    km.offers.push(Offer { ctx, bind, label });
                    None
                }
            };
            if let Some(problem) = problem {
                return Err(src.err(item.span(), table.about(name, &problem)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_defaults_parse() {
        let km = parse(DEFAULTS).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&km, keymap());
        // Every action has a default key somewhere, so every `[keys]` name
        // rebinds something.
        for bind in Bind::ALL {
            assert!(
                km.bindings.iter().any(|b| b.bind == bind),
                "{} has no default key",
                bind.name()
            );
        }
        // Every context but the global one offers something in its footer.
        for ctx in Context::ALL.into_iter().skip(1) {
            assert!(!km.hints(ctx).is_empty(), "{} offers nothing", ctx.label());
        }
    }

    #[test]
    fn a_malformed_default_names_its_line() {
        let err = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(
            err("[log]\nquit = \"q\"\nsend = \"ctrl-banana\"\n"),
            format!("{ORIGIN}:3: [log]: send = \"ctrl-banana\": unknown key `banana`")
        );
        assert_eq!(
            err("[log]\nteleport = \"t\"\n"),
            format!("{ORIGIN}:2: [log]: teleport = \"t\": unknown action `teleport`")
        );
        assert!(err("[logg]\nquit = \"q\"\n").contains(":1: unknown context `logg`"));
        assert_eq!(
            err("[global]\nsend = \"s\"\n"),
            format!(
                "{ORIGIN}: send: `s` would be typed into text fields; global actions need Ctrl, Alt or a special key"
            )
        );
        assert_eq!(
            err("[log]\nquit = \"q\"\nhelp = \"q\"\n"),
            format!("{ORIGIN}: help: `q` is already bound to `quit` in results log")
        );
        assert_eq!(
            err("[log]\nquit = \"q\"\n[hints]\nlog = [\"quit\", \"help\"]\n"),
            format!("{ORIGIN}:4: [hints]: `log` `help` is not bound in results log nor globally")
        );
        assert_eq!(
            err("[log]\nquit = \"q\"\n[hints]\nlog = [\"quit: leave\", \"quit\"]\n"),
            format!("{ORIGIN}:4: [hints]: `log` `quit` is offered twice")
        );
    }

    #[test]
    fn offers_keep_their_order_and_labels() {
        let km = parse(
            "[picker]\nclose = \"esc\"\nsubmit = \"enter\"\n\
             [hints]\npicker = [\"submit: switch\", \"close\"]\n",
        )
        .unwrap();
        assert_eq!(km.hint_line(Context::Picker), "Enter switch · Esc close");
    }
}
