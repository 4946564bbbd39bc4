//! Key bindings: which key means which `Bind` in which focus context, and
//! every text that names a key (help overlay, footer, overlay borders, the
//! answers to a question) generated from them, so a rebinding shows up
//! wherever the key is named. The defaults are data (`defaults.toml`), read
//! by the same parser as the config's `[keys]`.

mod actions;
mod chord;
mod defaults;
mod editing;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use ratatui::crossterm::event::KeyEvent;

#[cfg(test)]
use actions::TABLE;
pub use actions::{Bind, Context};
pub use chord::Chord;

/// The keys of one action in one context.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Binding {
    ctx: Context,
    bind: Bind,
    keys: Vec<Chord>,
}

/// An action a context's footer (or an overlay's border) offers, with the
/// label it goes by there when the action's own hint would mislead
/// (`submit` is "switch" in the profile picker, "read" for a path).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Offer {
    ctx: Context,
    bind: Bind,
    label: Option<String>,
}

/// One hint as the footer shows it: the action, its first key, its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint<'a> {
    pub bind: Bind,
    pub key: String,
    pub label: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    /// In `defaults.toml` order: contexts as listed, each context's
    /// bindings in help order.
    bindings: Vec<Binding>,
    /// Per context, in the order the footer shows them.
    offers: Vec<Offer>,
}

impl Default for Keymap {
    /// The embedded defaults, read once per process.
    fn default() -> Self {
        defaults::keymap().clone()
    }
}

/// Reads `name = "keys"` into the action and its keys: the one reading of
/// an entry, for the config's `[keys]` and `defaults.toml` alike. Errors
/// quote the entry.
fn parse_entry(name: &str, value: &str) -> Result<(Bind, Vec<Chord>), String> {
    let entry = || format!("{name} = \"{value}\"");
    let bind =
        Bind::from_name(name).ok_or_else(|| format!("{}: unknown action `{name}`", entry()))?;
    let keys = Chord::parse_list(value).map_err(|e| format!("{}: {e}", entry()))?;
    Ok((bind, keys))
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

    /// What `ctx` offers in the footer, first key only.
    pub fn hints(&self, ctx: Context) -> Vec<Hint<'_>> {
        self.hints_where(ctx, |_| true)
    }

    /// [`Keymap::hints`] of the actions `live` says do something now, so a
    /// footer never offers a key that would only answer "not now".
    pub fn hints_where(&self, ctx: Context, live: impl Fn(Bind) -> bool) -> Vec<Hint<'_>> {
        self.hint_entries(ctx, &live)
            .into_iter()
            .filter_map(|(bind, keys, label)| {
                Some(Hint {
                    bind,
                    key: keys.first()?.to_string(),
                    label,
                })
            })
            .collect()
    }

    /// The same hints with every key of each, for an overlay's border:
    /// `Enter start · Tab next · Esc close`.
    pub fn hint_line(&self, ctx: Context) -> String {
        self.hint_line_where(ctx, |_| true)
    }

    /// [`Keymap::hint_line`] of the actions `live` says do something now.
    pub fn hint_line_where(&self, ctx: Context, live: impl Fn(Bind) -> bool) -> String {
        self.hint_line_fit(ctx, live, usize::MAX)
    }

    /// [`Keymap::hint_line_where`] in at most `max` characters: hints that
    /// do not fit are left out whole, never cut, from the end but for the
    /// last one (the way out: `Esc close`), which stays.
    pub fn hint_line_fit(&self, ctx: Context, live: impl Fn(Bind) -> bool, max: usize) -> String {
        let hints: Vec<String> = self
            .hint_entries(ctx, &live)
            .into_iter()
            .filter(|(_, keys, _)| !keys.is_empty())
            .map(|(_, keys, label)| {
                let keys: Vec<String> = keys.iter().map(Chord::to_string).collect();
                format!("{} {label}", keys.join("/"))
            })
            .collect();
        const SEP: &str = " · ";
        let width = |h: &String| h.chars().count();
        let total =
            hints.iter().map(width).sum::<usize>() + SEP.len() * hints.len().saturating_sub(1);
        if total <= max {
            return hints.join(SEP);
        }
        let Some((last, rest)) = hints.split_last() else {
            return String::new();
        };
        let mut used = width(last);
        let mut kept: Vec<&str> = Vec::new();
        for h in rest {
            // " · " is three characters wide (the dot is one).
            if used + width(h) + 3 > max {
                break;
            }
            used += width(h) + 3;
            kept.push(h);
        }
        kept.push(last);
        kept.join(SEP)
    }

    /// How a question asked in `ctx` is answered, `y confirms, Esc
    /// cancels`, from the first key of `yes` and of `cancel` there, so the
    /// question names the keys that answer it even after a rebinding.
    pub fn confirm_hint(&self, ctx: Context, yes: Bind, cancel: Bind) -> String {
        let key = |b: Bind| self.key_for(ctx, b).unwrap_or_else(|| b.name().into());
        format!("{} confirms, {} cancels", key(yes), key(cancel))
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

    /// The offers of `ctx` that `live` keeps, with their keys and label.
    fn hint_entries(
        &self,
        ctx: Context,
        live: &dyn Fn(Bind) -> bool,
    ) -> Vec<(Bind, &[Chord], &str)> {
        self.offers
            .iter()
            .filter(|o| o.ctx == ctx && live(o.bind))
            .filter_map(|o| {
                let keys = self.keys_of(ctx, o.bind)?;
                Some((o.bind, keys, o.label.as_deref().unwrap_or(o.bind.hint())))
            })
            .collect()
    }

    /// Rebinds actions by name (`send = "ctrl-s"`, several keys separated by
    /// spaces or commas). The keys replace the action's keys in every context
    /// it is bound in. Errors quote the offending entry.
    pub fn apply_overrides(&mut self, overrides: &BTreeMap<String, String>) -> Result<(), String> {
        let mut next = self.clone();
        for (name, value) in overrides {
            let (bind, keys) = parse_entry(name, value)?;
            let mut found = false;
            for b in next.bindings.iter_mut().filter(|b| b.bind == bind) {
                b.keys = keys.clone();
                found = true;
            }
            if !found {
                return Err(format!("{name} = \"{value}\": action is not bindable"));
            }
        }
        next.check(&|bind: Bind| {
            overrides
                .get(bind.name())
                .map(|v| format!("{} = \"{v}\"", bind.name()))
        })?;
        *self = next;
        Ok(())
    }

    /// What makes a keymap usable, for the defaults and after overrides
    /// alike: no global key types text, and a key means one thing per
    /// context. `entry` quotes an action's override, if it has one, so the
    /// message names the line the operator wrote rather than a default.
    fn check(&self, entry: &dyn Fn(Bind) -> Option<String>) -> Result<(), String> {
        let shown = |b: Bind| entry(b).unwrap_or_else(|| b.name().to_string());
        for b in self.bindings.iter().filter(|b| b.ctx == Context::Global) {
            if let Some(k) = b.keys.iter().find(|k| k.is_typing()) {
                return Err(format!(
                    "{}: `{k}` would be typed into text fields; global actions need Ctrl, Alt or a special key",
                    shown(b.bind)
                ));
            }
        }
        // A context's own key also shadows a global one, so those clash too.
        let mut seen: BTreeMap<(Context, String), Bind> = BTreeMap::new();
        let mut contexts: Vec<Context> = self.bindings.iter().map(|b| b.ctx).collect();
        contexts.sort();
        contexts.dedup();
        for ctx in contexts {
            seen.retain(|(c, _), _| *c != ctx);
            for b in self
                .bindings
                .iter()
                .filter(|b| b.ctx == ctx || (ctx != Context::Global && b.ctx == Context::Global))
            {
                for k in &b.keys {
                    if let Some(other) = seen.insert((ctx, k.to_string()), b.bind)
                        && other != b.bind
                    {
                        // Blame the side the operator changed.
                        let culprit = [b.bind, other]
                            .into_iter()
                            .find(|x| entry(*x).is_some())
                            .unwrap_or(b.bind);
                        let partner = if culprit == b.bind { other } else { b.bind };
                        return Err(format!(
                            "{}: `{k}` is already bound to `{}` in {}",
                            shown(culprit),
                            partner.name(),
                            ctx.label()
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
