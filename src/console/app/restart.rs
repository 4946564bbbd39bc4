//! What the console keeps across restarts: the composer's draft (with the
//! mode) and the repeat form's last values, as one JSON value. Pure: the
//! run loop writes it to the state folder on exit and hands it back at the
//! next start (`console::saved`).

use serde_json::{Value, json};

use super::{App, Level, Overlay, RepeatForm, line_input};
use rmq_model::message::Mode;

/// Bumped when the shape changes; another version is ignored, not misread.
const VERSION: u64 = 1;

fn lines_value(ta: &ratatui_textarea::TextArea<'static>) -> Value {
    json!(ta.lines())
}

fn multi_line(v: &Value) -> Option<ratatui_textarea::TextArea<'static>> {
    let lines: Vec<String> = v
        .as_array()?
        .iter()
        .map(|l| l.as_str().map(str::to_string))
        .collect::<Option<_>>()?;
    (!lines.is_empty()).then(|| ratatui_textarea::TextArea::new(lines))
}

impl App {
    /// What the next start restores.
    pub fn kept(&self) -> Value {
        let c = &self.composer;
        let one = |ta: &ratatui_textarea::TextArea<'static>| ta.lines()[0].clone();
        let mut v = json!({
            "version": VERSION,
            "draft": {
                "topic": one(&c.topic),
                "tag": one(&c.tag),
                "keys": one(&c.keys),
                "type": one(&c.kind_text),
                "properties": lines_value(&c.props),
                "body": lines_value(&c.body),
                "mode": self.mode.as_str(),
            },
        });
        if let Some(b) = &c.binary {
            // The bytes themselves: the text area behind them is kept too.
            use base64::Engine;
            v["draft"]["body_base64"] =
                json!(base64::engine::general_purpose::STANDARD.encode(&b.bytes));
            v["draft"]["body_from"] = json!(b.from);
        }
        if let Some(r) = self.repeat_kept() {
            v["repeat"] = r;
        }
        v
    }

    /// Restores what `kept` wrote; a value of another version, or one that
    /// does not parse, changes nothing and says so.
    pub fn restore(&mut self, v: &Value) {
        if v["version"].as_u64() != Some(VERSION) {
            self.notice(
                Level::Warn,
                "the last session's draft was written by another version; not restored",
            );
            return;
        }
        let d = &v["draft"];
        let text = |k: &str| d[k].as_str().map(str::to_string);
        let any = ["topic", "tag", "keys", "type"]
            .iter()
            .any(|k| text(k).is_some_and(|t| !t.is_empty()))
            || multi_line(&d["body"]).is_some_and(|b| b.lines().iter().any(|l| !l.is_empty()))
            || d["body_base64"].is_string();
        if any {
            let c = &mut self.composer;
            for (k, field) in [
                ("topic", &mut c.topic),
                ("tag", &mut c.tag),
                ("keys", &mut c.keys),
                ("type", &mut c.kind_text),
            ] {
                if let Some(t) = text(k) {
                    *field = line_input(&t);
                }
            }
            if let Some(p) = multi_line(&d["properties"]) {
                c.props = p;
            }
            if let Some(b) = multi_line(&d["body"]) {
                c.body = b;
                c.body_changed();
            }
            if let Some(bytes) = d["body_base64"].as_str().and_then(|s| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.decode(s).ok()
            }) {
                c.body_changed();
                c.binary = Some(super::BinaryBody {
                    bytes,
                    from: d["body_from"]
                        .as_str()
                        .unwrap_or("the last session")
                        .to_string(),
                });
            }
            self.notice(
                Level::Info,
                "the last session's draft is back in the composer",
            );
        }
        if let Some(m) = d["mode"].as_str().and_then(|m| m.parse::<Mode>().ok()) {
            self.mode = m;
        }
        let max = self.max_message_bytes();
        self.composer.validate(max);
        self.composer.validate_kind(self.mode, max, self.now);
        self.restore_repeat(&v["repeat"]);
    }

    /// The repeat form's values: the open form's, else the last one used.
    fn repeat_kept(&self) -> Option<Value> {
        let form = match &self.overlay {
            Overlay::Repeat(f) => Some(f.as_ref()),
            _ => self.last_repeat.as_deref(),
        }?;
        Some(form.kept())
    }

    fn restore_repeat(&mut self, v: &Value) {
        if v.is_object() {
            self.last_repeat = Some(Box::new(RepeatForm::from_kept(v)));
        }
    }
}
