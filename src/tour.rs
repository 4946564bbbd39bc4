//! A guided tour's file: the steps a presenter walks a room through (title,
//! narration, what to watch, what the step sends), read strictly from TOML
//! with `FILE:LINE: reason` errors like the config. The built-in tour is
//! `tours/default.toml`, embedded. Data only: the console's `app/tour.rs`
//! runs a step by driving the composer, the repeat burst and the compare
//! view, as an operator would.

use std::ops::Range;
use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Local};
use toml::de::{DeTable, DeValue};

use crate::tomlspan::{ConfigError, Source, Table};
use rmq_model::message::Mode;

/// The built-in tour, as shipped.
pub const BUILTIN: &str = include_str!("../tours/default.toml");

/// Most steps a tour may have, and most sends one step may ask for.
pub const MAX_STEPS: u64 = 100;
pub const MAX_STEP_SENDS: u64 = 10_000;
/// Largest body a tour's text may carry (a slide's sentence, not a payload).
pub const MAX_BODY: usize = 4096;

const TOP_KEYS: &[&str] = &["title", "topic", "step"];
const STEP_KEYS: &[&str] = &["title", "narration", "watch", "send", "compare"];
const SEND_KEYS: &[&str] = &["mode", "type", "count", "rate", "tag", "keys", "body"];
const COMPARE_KEYS: &[&str] = &["count", "body-bytes", "pacing"];

/// Where every tour sends unless its file says otherwise.
pub const DEFAULT_TOPIC: &str = "rmq-console-tour";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tour {
    pub title: String,
    pub topic: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub title: String,
    /// What the step shows, said to the room.
    pub narration: String,
    /// Where to look once it has sent.
    pub watch: Option<String>,
    pub action: StepAction,
}

/// What a step sends when the tour arrives at it (and again on Enter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepAction {
    /// Nothing: a step to talk over.
    Nothing,
    /// `count` messages through the composer: one send, or a burst.
    Send(StepSend),
    /// The compare view's run of the three modes.
    Compare {
        count: u64,
        body_bytes: usize,
        pacing: Option<u32>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSend {
    pub mode: Mode,
    /// The composer's type row as written (`normal`, `fifo KEY`, `tx`, ...).
    pub type_row: String,
    pub count: u64,
    /// A burst's pace in msg/s (`None`: as fast as the mode goes).
    pub rate: Option<u32>,
    pub tag: Option<String>,
    pub keys: String,
    pub body: String,
}

impl StepSend {
    /// Whether this goes as a burst: more than one message, or a one-way
    /// (only a burst counts what landed, from the queue offsets).
    pub fn is_burst(&self) -> bool {
        self.count > 1 || self.mode == Mode::Oneway
    }
}

/// The built-in tour (a test proves it parses).
pub fn builtin() -> Tour {
    parse(BUILTIN, "built-in tour", Local::now()).expect("the built-in tour parses")
}

/// A presenter's tour file.
pub fn load(path: &Path) -> anyhow::Result<Tour> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the tour {}", path.display()))?;
    Ok(parse(&text, &path.display().to_string(), Local::now())?)
}

/// Reads a tour; every problem names its line. `now` reads a type row's
/// `delay at 17:00`.
pub fn parse(text: &str, origin: &str, now: DateTime<Local>) -> Result<Tour, ConfigError> {
    let src = Source { text, origin };
    let doc = src.parse()?;
    let top = Table::new(String::new(), doc.get_ref(), doc.span());
    top.check_keys(&src, TOP_KEYS)?;
    let title = top
        .non_empty(&src, "title")?
        .ok_or_else(|| top.missing(&src, "title"))?
        .into_inner();
    let topic = match top.non_empty(&src, "topic")? {
        Some(t) => {
            rmq_model::validate::topic(t.get_ref().trim())
                .map_err(|e| src.err(t.span(), format!("topic: {e}")))?;
            t.into_inner().trim().to_string()
        }
        None => DEFAULT_TOPIC.to_string(),
    };
    let Some(value) = top.get("step") else {
        return Err(top.missing(&src, "step"));
    };
    let Some(array) = value.get_ref().as_array() else {
        return Err(src.err(
            value.span(),
            format!(
                "`step` must be an array of tables (write [[step]]), found {}",
                value.get_ref().type_str()
            ),
        ));
    };
    if array.is_empty() {
        return Err(src.err(
            value.span(),
            "`step` is empty; a tour has at least one step",
        ));
    }
    if array.len() as u64 > MAX_STEPS {
        return Err(src.err(
            value.span(),
            format!("{} steps; a tour has at most {MAX_STEPS}", array.len()),
        ));
    }
    let mut steps = Vec::new();
    for (i, item) in array.iter().enumerate() {
        let Some(table) = item.get_ref().as_table() else {
            return Err(src.err(
                item.span(),
                format!(
                    "step #{}: must be a table, found {}",
                    i + 1,
                    item.get_ref().type_str()
                ),
            ));
        };
        steps.push(parse_step(&src, i, table, item.span(), now)?);
    }
    Ok(Tour {
        title,
        topic,
        steps,
    })
}

fn parse_step(
    src: &Source<'_>,
    index: usize,
    table: &DeTable<'_>,
    span: Range<usize>,
    now: DateTime<Local>,
) -> Result<Step, ConfigError> {
    let t = Table::new(format!("step #{}", index + 1), table, span);
    t.check_keys(src, STEP_KEYS)?;
    let title = t
        .non_empty(src, "title")?
        .ok_or_else(|| t.missing(src, "title"))?
        .into_inner();
    let narration = t
        .non_empty(src, "narration")?
        .ok_or_else(|| t.missing(src, "narration"))?
        .into_inner();
    let watch = t.non_empty(src, "watch")?.map(|w| w.into_inner());
    let send = t.get("send");
    let compare = t.get("compare");
    if let (Some(_), Some(c)) = (send, compare) {
        return Err(src.err(
            c.span(),
            t.prefixed("has both `send` and `compare`; a step does one of them"),
        ));
    }
    let action = match (send, compare) {
        (Some(v), _) => {
            let (tab, span) = sub_table(src, &t, "send", v)?;
            StepAction::Send(parse_send(src, &t.ctx, tab, span, now)?)
        }
        (_, Some(v)) => {
            let (tab, span) = sub_table(src, &t, "compare", v)?;
            let c = Table::new(format!("{} compare", t.ctx), tab, span);
            c.check_keys(src, COMPARE_KEYS)?;
            let max = crate::console::app::MAX_COMPARE;
            StepAction::Compare {
                count: c
                    .ranged(src, "count", 1, max, "messages per mode")?
                    .unwrap_or(200),
                body_bytes: c
                    .ranged(src, "body-bytes", 1, MAX_BODY as u64, "bytes")?
                    .unwrap_or(128),
                pacing: match c.get("pacing") {
                    Some(_) => c.ranged(src, "pacing", 1, 1_000_000, "one-way msg/s")?,
                    None => Some(5000),
                },
            }
        }
        (None, None) => StepAction::Nothing,
    };
    Ok(Step {
        title,
        narration,
        watch,
        action,
    })
}

/// `key`'s value as a table (`[step.send]` or an inline table).
fn sub_table<'a>(
    src: &Source<'_>,
    t: &Table<'_>,
    key: &str,
    v: &'a toml::Spanned<DeValue<'a>>,
) -> Result<(&'a DeTable<'a>, Range<usize>), ConfigError> {
    match v.get_ref().as_table() {
        Some(tab) => Ok((tab, v.span())),
        None => Err(src.err(
            v.span(),
            t.about(
                key,
                &format!("must be a table, found {}", v.get_ref().type_str()),
            ),
        )),
    }
}

fn parse_send(
    src: &Source<'_>,
    ctx: &str,
    tab: &DeTable<'_>,
    span: Range<usize>,
    now: DateTime<Local>,
) -> Result<StepSend, ConfigError> {
    let s = Table::new(format!("{ctx} send"), tab, span);
    s.check_keys(src, SEND_KEYS)?;
    let mode_text = s
        .string(src, "mode")?
        .ok_or_else(|| s.missing(src, "mode"))?;
    let mode: Mode = mode_text
        .get_ref()
        .parse()
        .map_err(|e: String| src.err(mode_text.span(), s.prefixed(&format!("mode: {e}"))))?;
    let type_row = match s.string(src, "type")? {
        Some(t) => {
            rmq_model::types::parse_spec(t.get_ref(), now)
                .map_err(|e| src.err(t.span(), s.prefixed(&format!("type: {e}"))))?;
            t.into_inner()
        }
        None => "normal".to_string(),
    };
    let count = s
        .ranged(src, "count", 1, MAX_STEP_SENDS, "messages")?
        .unwrap_or(1);
    let rate = s.ranged(src, "rate", 1, 1_000_000, "msg/s")?;
    let tag = match s.non_empty(src, "tag")? {
        Some(t) => {
            rmq_model::validate::tag(t.get_ref())
                .map_err(|e| src.err(t.span(), s.prefixed(&format!("tag: {e}"))))?;
            Some(t.into_inner())
        }
        None => None,
    };
    let keys = match s.string(src, "keys")? {
        Some(k) => {
            rmq_model::validate::keys_field(k.get_ref())
                .map_err(|e| src.err(k.span(), s.prefixed(&format!("keys: {e}"))))?;
            k.into_inner()
        }
        None => String::new(),
    };
    let body = s
        .non_empty(src, "body")?
        .ok_or_else(|| s.missing(src, "body"))?;
    if body.get_ref().len() > MAX_BODY {
        return Err(src.err(
            body.span(),
            s.about(
                "body",
                &format!(
                    "is {} bytes; a tour's body is at most {MAX_BODY}",
                    body.get_ref().len()
                ),
            ),
        ));
    }
    Ok(StepSend {
        mode,
        type_row,
        count,
        rate,
        tag,
        keys,
        body: body.into_inner(),
    })
}

#[cfg(test)]
#[path = "tour_tests.rs"]
mod tests;
