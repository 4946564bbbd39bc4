//! Named colour roles resolved once into `Styles`, which panes read. Themes
//! are TOML files (built-ins embedded from `themes/`, user files override).
//! STUB: the config/theme issue replaces `Styles::fallback` with loading.

use ratatui::style::{Color, Modifier, Style};

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
            text: Style::default().fg(Color::Gray),
            muted: Style::default().fg(Color::DarkGray),
            accent: Style::default().fg(Color::Cyan),
            success: Style::default().fg(Color::Green),
            warning: Style::default().fg(Color::Yellow),
            error: Style::default().fg(Color::Red),
            border: Style::default().fg(Color::DarkGray),
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
