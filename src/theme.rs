//! Named colour roles resolved once into `Styles`, which panes read. Themes
//! are TOML files of `role = "colour"`: built-ins embedded from `themes/`,
//! and a file of the same name in a user theme directory overrides one. The
//! directory is always the caller's choice (`user_dir()` at start-up, a
//! directory of their own in tests), never read behind its back.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context as _, bail};
use ratatui::style::{Color, Modifier, Style};

use crate::tomlspan::{ConfigError, Source, Table};

/// Every role a theme file must set, in documentation order.
pub const ROLES: &[&str] = &[
    "background",
    "text",
    "muted",
    "accent",
    "success",
    "warning",
    "error",
    "border",
    "border-focus",
    "selection",
    "sync",
    "async",
    "oneway",
];

/// Built-in themes, embedded so the binary works with no files installed.
const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../themes/default.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
];

pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(name, _)| *name).collect()
}

/// The operator's theme directory, `paths::config_dir()/themes`.
pub fn user_dir() -> PathBuf {
    rmq_model::paths::config_dir().join("themes")
}

/// Built-in names plus `*.toml` files in `dir`, sorted.
fn available_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = builtin_names().into_iter().map(String::from).collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml")
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The file of that name in `dir` (the user theme directory), else the
/// built-in; an unknown name is an error listing the available ones.
pub fn load_styles(name: &str, dir: &Path) -> anyhow::Result<Styles> {
    // A name is a file stem, never a path: `../x` must not escape the dir.
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if !plain {
        bail!("`{name}` is not a theme name (letters, digits, -, _)");
    }
    let path = dir.join(format!("{name}.toml"));
    if path.is_file() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read theme file {}", path.display()))?;
        return Ok(parse_theme(&text, &path.display().to_string())?);
    }
    match BUILTIN.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => Ok(parse_theme(text, &format!("themes/{n}.toml"))?),
        None => bail!(
            "unknown theme `{name}` (available: {}; user themes go in {})",
            available_in(dir).join(", "),
            dir.display()
        ),
    }
}

/// A colour as themes and profiles write it: a name (`dark-gray`,
/// `light-blue`, `reset`, ...), an index `0`-`255`, or `#rrggbb`.
pub fn parse_color(text: &str) -> Result<Color, String> {
    Color::from_str(text.trim()).map_err(|_| {
        format!("`{text}` is not a colour (use a name such as \"dark-gray\" or \"light-blue\", or \"#rrggbb\")")
    })
}

/// Parses a theme file; the error is `origin:line: ...` naming the key.
pub fn parse_theme(text: &str, origin: &str) -> Result<Styles, ConfigError> {
    let src = &Source { text, origin };
    let doc = src.parse()?;
    let table = Table::new(String::new(), doc.get_ref(), doc.span());
    table.check_keys(src, ROLES)?;
    let mut paints = [Paint::Color(Color::Reset); ROLES.len()];
    for (slot, role) in paints.iter_mut().zip(ROLES) {
        let value = table.string(src, role)?.ok_or_else(|| {
            src.err_at(
                None,
                format!(
                    "missing role `{role}` (a theme sets every one of: {})",
                    ROLES.join(", ")
                ),
            )
        })?;
        *slot = parse_paint(role, value.get_ref())
            .map_err(|e| src.err(value.span(), format!("`{role}`: {e}")))?;
    }
    let [
        background,
        text,
        muted,
        accent,
        success,
        warning,
        error,
        border,
        border_focus,
        selection,
        sync,
        async_,
        oneway,
    ] = paints.map(Paint::style);
    let bg = background.fg.unwrap_or(Color::Reset);
    Ok(Styles {
        // `reset` keeps the terminal's own colours, on the main screen and
        // in pop-ups alike (see `ui::render`).
        base: Style::default().fg(text.fg.unwrap_or(Color::Reset)).bg(bg),
        text,
        muted,
        accent,
        success,
        warning,
        error,
        border,
        border_focus,
        // A selected row is drawn in this one style, whatever its cells'
        // own colours (`ui::selected`): `reverse` swaps the terminal's
        // colours; a colour puts the background colour on it.
        selection: match paints[9] {
            Paint::Color(c) => Style::default().fg(bg).bg(c),
            _ => selection,
        },
        sync,
        async_,
        oneway,
    })
}

/// A role's value: a colour, or one of the words that keep the terminal's
/// own foreground (`dim` for secondary text, readable on any palette where
/// colour 8 may be the background; `reverse` for the selection).
#[derive(Debug, Clone, Copy)]
enum Paint {
    Color(Color),
    Dim,
    Reverse,
}

impl Paint {
    fn style(self) -> Style {
        match self {
            Paint::Color(c) => Style::default().fg(c),
            Paint::Dim => Style::default().add_modifier(Modifier::DIM),
            Paint::Reverse => Style::default().add_modifier(Modifier::REVERSED),
        }
    }
}

fn parse_paint(role: &str, text: &str) -> Result<Paint, String> {
    match (role, text.trim()) {
        ("background", "dim" | "reverse") => Err(format!(
            "`{text}` is not a colour (the background is a colour, or \"reset\" for the terminal's own)"
        )),
        (_, "dim") => Ok(Paint::Dim),
        (_, "reverse") => Ok(Paint::Reverse),
        _ => parse_color(text).map(Paint::Color),
    }
}

/// Every colour role a pane may use. Render code takes `&Styles` and never
/// picks colours itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Styles {
    pub base: Style,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub success: Style,
    pub warning: Style,
    pub error: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selection: Style,
    pub sync: Style,
    pub async_: Style,
    pub oneway: Style,
}

impl Styles {
    /// The built-in dark palette.
    pub fn fallback() -> Self {
        Self {
            base: Style::default(),
            text: Style::default(),
            muted: Style::default().add_modifier(Modifier::DIM),
            accent: Style::default().fg(Color::Cyan),
            success: Style::default().fg(Color::Green),
            warning: Style::default().fg(Color::Yellow),
            error: Style::default().fg(Color::Red),
            border: Style::default().add_modifier(Modifier::DIM),
            border_focus: Style::default().fg(Color::Cyan),
            selection: Style::default().add_modifier(Modifier::REVERSED),
            sync: Style::default().fg(Color::Blue),
            async_: Style::default().fg(Color::Magenta),
            oneway: Style::default().fg(Color::Yellow),
        }
    }

    /// `NO_COLOR`: no colours, only modifiers.
    pub fn no_color() -> Self {
        let plain = Style::default();
        Self {
            base: plain,
            text: plain,
            muted: plain,
            accent: plain.add_modifier(Modifier::BOLD),
            success: plain,
            warning: plain.add_modifier(Modifier::BOLD),
            error: plain.add_modifier(Modifier::BOLD),
            border: plain,
            border_focus: plain.add_modifier(Modifier::BOLD),
            selection: plain.add_modifier(Modifier::REVERSED),
            sync: plain,
            async_: plain,
            oneway: plain,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_file_overrides_builtin_and_names_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let light = include_str!("../themes/light.toml");
        std::fs::write(dir.path().join("default.toml"), light).unwrap();
        std::fs::write(dir.path().join("mine.toml"), "text = \"red\"\n").unwrap();
        let overridden = load_styles("default", dir.path()).unwrap();
        assert_eq!(overridden, parse_theme(light, "x").unwrap());
        let e = load_styles("mine", dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("mine.toml") && e.contains("missing role `background`"),
            "{e}"
        );
        let e = load_styles("nope", dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("unknown theme `nope` (available: default, high-contrast, light, mine;"),
            "{e}"
        );
        assert!(load_styles("../default", dir.path()).is_err());
    }

    #[test]
    fn dim_and_reverse_keep_the_terminals_colours_and_the_background_is_a_colour() {
        let default = parse_theme(include_str!("../themes/default.toml"), "d").unwrap();
        assert_eq!(default.muted, Style::default().add_modifier(Modifier::DIM));
        assert_eq!(
            default.selection,
            Style::default().add_modifier(Modifier::REVERSED)
        );
        assert_eq!(default.base.bg, Some(Color::Reset));
        let light = parse_theme(include_str!("../themes/light.toml"), "l").unwrap();
        // A colour selection: the background colour on it.
        assert_eq!(light.selection.fg, light.base.bg);
        let bad = include_str!("../themes/default.toml")
            .replace("background = \"reset\"", "background = \"dim\"");
        let e = parse_theme(&bad, "t.toml").unwrap_err().to_string();
        assert!(e.contains("t.toml:") && e.contains("`background`"), "{e}");
    }
}
