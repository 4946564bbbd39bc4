//! How a body shown in full is displayed (text, pretty JSON, hex +
//! base64): the state the detail, history and fetch views keep, switched
//! by the `body_view` key. Drawn by `ui::body`.

/// How the detail shows a body: every byte, in one of three forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyView {
    #[default]
    Text,
    Json,
    Hex,
}

impl BodyView {
    /// The form a body opens in: text, or hex for bytes that are not
    /// UTF-8 (text would show nothing useful).
    pub fn for_body(body: &[u8]) -> Self {
        if std::str::from_utf8(body).is_ok() {
            Self::Text
        } else {
            Self::Hex
        }
    }

    pub fn next(self) -> Self {
        match self {
            Self::Text => Self::Json,
            Self::Json => Self::Hex,
            Self::Hex => Self::Text,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "pretty JSON",
            Self::Hex => "hex + base64",
        }
    }
}
