//! The compare view's state and keys: the form (count, body size, topic,
//! one-way pacing), the protected-profile question, and the comparison
//! itself, run by the shared [`Driver`] on this console's producer and fed
//! the producer's events as they arrive.

use std::collections::HashMap;

use ratatui_textarea::TextArea;

use super::{App, BurstState, Effect, Effects, Level, Overlay, line_input};
use crate::console::keymap::{Bind, Context};
use rmq_engine::compare::{self, CompareSpec, Driver, Step};
use rmq_engine::producer::ProducerCommand;
use rmq_model::events::ProducerEvent;
use rmq_model::message::Mode;

/// Largest count per mode the form takes (the whole run sends three times it).
pub const MAX_COMPARE: u64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareField {
    Count,
    Body,
    Topic,
    Pacing,
}

impl CompareField {
    pub const ORDER: [CompareField; 4] = [
        CompareField::Count,
        CompareField::Body,
        CompareField::Topic,
        CompareField::Pacing,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CompareField::Count => "count",
            CompareField::Body => "body B",
            CompareField::Topic => "topic",
            CompareField::Pacing => "1-way/s",
        }
    }
}

pub struct CompareForm {
    pub focus: CompareField,
    pub count: TextArea<'static>,
    pub body: TextArea<'static>,
    pub topic: TextArea<'static>,
    pub pacing: TextArea<'static>,
    pub errors: HashMap<CompareField, String>,
    /// A protected profile: the valid spec, waiting for the operator's yes.
    pub confirming: Option<CompareSpec>,
}

impl CompareForm {
    pub fn new(topic: &str) -> Self {
        let mut f = Self {
            focus: CompareField::Count,
            count: line_input("1000"),
            body: line_input("128"),
            topic: line_input(topic),
            pacing: line_input("5000"),
            errors: HashMap::new(),
            confirming: None,
        };
        f.validate(usize::MAX);
        f
    }

    /// The form again with a previous run's values.
    pub fn from_spec(spec: &CompareSpec) -> Self {
        let mut f = Self::new(&spec.topic);
        f.count = line_input(&spec.count.to_string());
        f.body = line_input(&spec.body_bytes.to_string());
        f.pacing = line_input(&spec.oneway_rate.map_or(String::new(), |r| r.to_string()));
        f.validate(usize::MAX);
        f
    }

    pub fn field(&self, f: CompareField) -> &TextArea<'static> {
        match f {
            CompareField::Count => &self.count,
            CompareField::Body => &self.body,
            CompareField::Topic => &self.topic,
            CompareField::Pacing => &self.pacing,
        }
    }

    pub(super) fn focused_mut(&mut self) -> &mut TextArea<'static> {
        match self.focus {
            CompareField::Count => &mut self.count,
            CompareField::Body => &mut self.body,
            CompareField::Topic => &mut self.topic,
            CompareField::Pacing => &mut self.pacing,
        }
    }

    pub(super) fn step(&mut self, forward: bool) {
        let i = CompareField::ORDER
            .iter()
            .position(|f| *f == self.focus)
            .unwrap_or(0);
        let n = CompareField::ORDER.len();
        self.focus = CompareField::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// The spec when every field is valid; errors next to each field otherwise.
    pub fn validate(&mut self, max_body: usize) -> Option<CompareSpec> {
        self.errors.clear();
        let text = |t: &TextArea<'static>| t.lines()[0].trim().to_string();
        let count = match text(&self.count).parse::<u64>() {
            Ok(n) if (1..=MAX_COMPARE).contains(&n) => Some(n),
            _ => {
                self.errors
                    .insert(CompareField::Count, format!("per mode, 1 to {MAX_COMPARE}"));
                None
            }
        };
        let body = match text(&self.body).parse::<usize>() {
            Ok(n) if n >= 1 => match rmq_model::validate::body(n, max_body) {
                Ok(()) => Some(n),
                Err(e) => {
                    self.errors.insert(CompareField::Body, e);
                    None
                }
            },
            _ => {
                self.errors
                    .insert(CompareField::Body, "bytes, at least 1".into());
                None
            }
        };
        let topic = text(&self.topic);
        if let Err(e) = rmq_model::validate::topic(&topic) {
            self.errors.insert(CompareField::Topic, e);
        }
        let pacing_text = text(&self.pacing);
        let pacing = if pacing_text.is_empty() {
            Some(None)
        } else {
            match pacing_text.parse::<u32>() {
                Ok(n) if n > 0 => Some(Some(n)),
                _ => {
                    self.errors
                        .insert(CompareField::Pacing, "msg/s above 0; empty: unpaced".into());
                    None
                }
            }
        };
        Some(CompareSpec {
            topic,
            count: count?,
            body_bytes: body?,
            oneway_rate: pacing?,
            modes: Mode::ALL.to_vec(),
            // The profile's own window is filled in when the run starts.
            async_window: rmq_engine::producer::ProducerSettings::new("").async_inflight,
        })
        .filter(|_| self.errors.is_empty())
    }
}

impl App {
    /// Whether a comparison is running.
    pub fn compare_running(&self) -> bool {
        self.compare.as_ref().is_some_and(|d| !d.is_done())
    }

    /// Whether `bind` does something in the compare view now: cancel while
    /// a comparison runs; copy and "again" once it is over.
    pub(super) fn compare_bind_live(&self, bind: Bind) -> bool {
        match bind {
            Bind::CancelBurst => self.compare_running(),
            Bind::CopyTable | Bind::Compare | Bind::SaveChart => !self.compare_running(),
            _ => true,
        }
    }

    /// `c`: the view while a comparison runs, else the form (with the last
    /// run's values, or the composer's topic).
    pub(super) fn open_compare(&mut self) {
        if self.quitting.is_some() {
            return;
        }
        if self.compare_running() {
            self.overlay = Overlay::Compare;
            return;
        }
        let form = match &self.compare {
            Some(d) => CompareForm::from_spec(d.spec()),
            None => {
                let topic = self.composer.topic.lines()[0].trim().to_string();
                let topic = if rmq_model::validate::topic(&topic).is_ok() {
                    topic
                } else {
                    "rmq-console-compare".to_string()
                };
                CompareForm::new(&topic)
            }
        };
        self.overlay = Overlay::CompareForm(Box::new(form));
    }

    /// A key while a compare overlay is open (it owns the keyboard).
    pub(super) fn compare_key(&mut self, bind: Bind, fx: &mut Effects) {
        let max_body = self.max_message_bytes();
        match (&mut self.overlay, bind) {
            (Overlay::CompareForm(f), Bind::Yes) if f.confirming.is_some() => {
                if let Some(spec) = f.confirming.take() {
                    self.start_compare(spec, fx);
                }
            }
            (Overlay::CompareForm(f), Bind::No | Bind::Close) if f.confirming.is_some() => {
                f.confirming = None;
                self.notice(Level::Info, "comparison not started");
            }
            (Overlay::CompareForm(_), Bind::Close) => self.overlay = Overlay::None,
            (Overlay::CompareForm(f), Bind::FocusNext | Bind::FocusPrev)
                if f.confirming.is_none() =>
            {
                f.step(bind == Bind::FocusNext);
            }
            (Overlay::CompareForm(f), Bind::Submit) if f.confirming.is_none() => {
                let Some(spec) = f.validate(max_body) else {
                    self.notice(Level::Warn, "fix the compare form first");
                    return;
                };
                if let Some(why) = self.compare_refused() {
                    self.notice(Level::Warn, why);
                    return;
                }
                if self.profile().protected {
                    if let Overlay::CompareForm(f) = &mut self.overlay {
                        f.confirming = Some(spec);
                    }
                    return;
                }
                self.start_compare(spec, fx);
            }
            (Overlay::Compare, Bind::Close) => self.overlay = Overlay::None,
            (Overlay::Compare, Bind::CancelBurst) => self.cancel_compare(fx),
            (Overlay::Compare, Bind::CopyTable) => self.copy_table(fx),
            (Overlay::Compare, Bind::SaveChart) => self.save_chart(fx),
            (Overlay::Compare, Bind::Timeline) => self.compare_timeline = !self.compare_timeline,
            (Overlay::Compare, Bind::Compare) => {
                if self.compare_running() {
                    self.notice(Level::Warn, "a comparison is running");
                } else {
                    self.open_compare();
                }
            }
            _ => {}
        }
    }

    /// Why a comparison cannot start now, if it cannot.
    fn compare_refused(&self) -> Option<String> {
        if !self.producer_alive {
            let key = self.key_for(Bind::RestartProducer);
            return Some(format!("the producer is not running; {key} restarts it"));
        }
        if self.switching.is_some() {
            return Some("switching profile; compare once it has started".into());
        }
        if self.burst.is_some() || self.compare_running() {
            return Some("a burst is running; wait for it or cancel it first".into());
        }
        None
    }

    /// Reserves the ids and sequence numbers and sends the first burst.
    pub(super) fn start_compare(&mut self, mut spec: CompareSpec, fx: &mut Effects) {
        if let Ok(settings) = &self.profile().settings {
            spec.async_window = settings.async_inflight;
        }
        if let Some(why) = self.compare_refused() {
            self.overlay = Overlay::None;
            self.notice(Level::Warn, why);
            return;
        }
        let (id, seq) = (self.next_burst_id, self.next_seq);
        self.next_burst_id += spec.modes.len() as u64;
        self.next_seq += spec.total();
        self.compare_seqs = seq..self.next_seq;
        self.compare_ids = id..self.next_burst_id;
        self.comparisons += 1;
        let total = spec.total();
        let mut driver = Driver::new(spec, id, seq);
        let Some(first) = driver.start() else {
            return;
        };
        self.burst = Some(BurstState {
            id: first.id,
            submitted: 0,
            total: first.count,
        });
        self.compare = Some(driver);
        self.timeline.mark_run(self.now);
        self.overlay = Overlay::Compare;
        self.notice(
            Level::Info,
            format!("comparing the modes: {total} messages in all"),
        );
        fx.push_back(Effect::Submit(ProducerCommand::Burst(first)));
    }

    /// Folds an event into a running comparison; its next burst, if due.
    pub(super) fn compare_event(&mut self, ev: &ProducerEvent) -> Option<Effect> {
        let driver = self.compare.as_mut().filter(|d| !d.is_done())?;
        match driver.on_event(ev) {
            Step::Wait => None,
            Step::Start(next) => {
                self.burst = Some(BurstState {
                    id: next.id,
                    submitted: 0,
                    total: next.count,
                });
                Some(Effect::Submit(ProducerCommand::Burst(next)))
            }
            Step::Done => None,
        }
    }

    /// A compare burst that never reached the producer, or a producer that
    /// died: the comparison ends with what it has.
    pub(super) fn compare_lost(&mut self, burst: Option<u64>) {
        if let Some(d) = self.compare.as_mut().filter(|d| !d.is_done())
            && (burst.is_none() || burst == d.running_id())
        {
            d.abort();
            self.compare_ended();
        }
    }

    pub(super) fn compare_ended(&mut self) {
        let Some(d) = &self.compare else { return };
        let how = if d.was_cancelled() || d.results().iter().any(|r| r.cancelled) {
            "stopped early"
        } else {
            "done"
        };
        let key = self
            .keymap
            .key_for(Context::Compare, Bind::CopyTable)
            .unwrap_or_else(|| Bind::CopyTable.name().into());
        let row = format!(
            "comparison #{} {how}: {}",
            self.comparisons,
            summary(&d.results())
        );
        self.push_note(row);
        self.notice(
            Level::Info,
            format!("comparison {how}; {key} in the compare view copies the table"),
        );
    }

    pub(super) fn cancel_compare(&mut self, fx: &mut Effects) {
        let d = self.compare.as_mut().filter(|d| !d.is_done());
        match d.and_then(Driver::cancel) {
            Some(id) => {
                self.notice(Level::Info, "cancelling the comparison");
                fx.push_back(Effect::Submit(ProducerCommand::CancelBurst { id }));
            }
            None => self.notice(Level::Info, "no comparison is running"),
        }
    }

    /// The comparison as an SVG for slides (`chart`), written by the loop.
    fn save_chart(&mut self, fx: &mut Effects) {
        let Some(d) = self.compare.as_ref().filter(|d| d.is_done()) else {
            self.notice(Level::Warn, "no finished comparison to save yet");
            return;
        };
        match crate::chart::comparison_svg(d.spec(), &d.results(), &self.timeline) {
            Ok(svg) => fx.push_back(Effect::SaveChart(svg)),
            Err(e) => self.notice(Level::Error, format!("{e:#}")),
        }
    }

    fn copy_table(&mut self, fx: &mut Effects) {
        let rows = self
            .compare
            .as_ref()
            .map(Driver::results)
            .unwrap_or_default();
        if rows.is_empty() {
            self.notice(Level::Warn, "no comparison to copy yet");
            return;
        }
        self.notice(Level::Info, "copied the comparison table");
        let Some(spec) = self.compare.as_ref().map(Driver::spec) else {
            return;
        };
        fx.push_back(Effect::Copy(compare::table_text(&rows, spec)));
    }
}

/// The comparison's one row in the results log (its sends have none):
/// per mode what ended and how, msg/s and p50, one-way's landed count.
fn summary(rows: &[compare::ModeResult]) -> String {
    let parts: Vec<String> = rows
        .iter()
        .map(|r| {
            let rate = r
                .msgs_per_sec()
                .map_or("- msg/s".into(), |v| format!("{v:.0} msg/s"));
            let p50 = compare::fmt_latency(r.counts.latency.quantile(0.5));
            let ended = match (r.mode, &r.landed) {
                (Mode::Oneway, Some(Ok(n))) => {
                    format!("{} dispatched, {n} landed", r.dispatched())
                }
                (Mode::Oneway, _) => format!("{} dispatched", r.dispatched()),
                _ => format!("{} ok", r.ok()),
            };
            let failed = if r.failed() > 0 {
                format!(", {} failed", r.failed())
            } else {
                String::new()
            };
            format!("{} {ended}{failed}, {rate}, p50 {p50}", r.mode.label())
        })
        .collect();
    parts.join(" · ")
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
