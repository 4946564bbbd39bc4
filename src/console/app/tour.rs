//! The guided tour in the console: which step is on, moving between steps,
//! and running a step's sends through what an operator would use (the
//! composer and its send, the repeat burst, the compare view), so the tour
//! shows exactly what those show and sends nothing its own way.

use std::sync::Arc;

use super::{App, CompareForm, Effects, Focus, Level, Overlay, RepeatSpec};
use crate::console::keymap::{Bind, Context};
use crate::tour::{StepAction, StepSend, Tour};
use rmq_engine::compare::CompareSpec;
use rmq_model::message::{Draft, Mode};

/// The tour on screen.
#[derive(Debug, Clone)]
pub struct TourState {
    pub tour: Arc<Tour>,
    /// Index into `tour.steps` of the step shown.
    pub step: usize,
    /// How many times each step's sends were started: a step sends on
    /// its first arrival only (Enter sends again).
    pub runs: Vec<u32>,
}

impl App {
    /// Opens `tour` on its first step, which sends. The keyboard goes to
    /// the results log, where a step's rows appear.
    pub fn start_tour(&mut self, tour: Arc<Tour>, fx: &mut Effects) {
        if self.quitting.is_some() {
            return;
        }
        if tour.steps.is_empty() {
            self.notice(Level::Warn, "the tour has no steps");
            return;
        }
        let n = tour.steps.len();
        self.notice(Level::Info, format!("tour: {} ({n} steps)", tour.title));
        self.tour = Some(TourState {
            tour,
            step: 0,
            runs: vec![0; n],
        });
        self.overlay = Overlay::None;
        self.leave_text_to(Focus::Log);
        self.arrive(fx);
    }

    /// The tour's own keys; `false` for the rest, which act as in the
    /// results log.
    pub(super) fn tour_key(&mut self, bind: Bind, fx: &mut Effects) -> bool {
        let Some(t) = &mut self.tour else {
            return false;
        };
        let last = t.tour.steps.len() - 1;
        match bind {
            Bind::TourNext if t.step < last => {
                t.step += 1;
                self.arrive(fx);
            }
            Bind::TourNext => {
                let leave = self
                    .keymap
                    .key_for(Context::Tour, Bind::Close)
                    .unwrap_or_else(|| Bind::Close.name().into());
                self.notice(
                    Level::Info,
                    format!("the last step; {leave} leaves the tour"),
                );
            }
            Bind::TourPrev if t.step > 0 => {
                t.step -= 1;
                self.arrive(fx);
            }
            Bind::TourPrev => self.notice(Level::Info, "the first step"),
            Bind::TourAgain => self.run_step(fx),
            Bind::Close => {
                // The console stays as the tour left it: the composer, the
                // rows, the mode.
                self.tour = None;
                self.notice(Level::Info, "left the tour");
            }
            _ => return false,
        }
        true
    }

    /// A step comes on screen: its sends run the first time only.
    fn arrive(&mut self, fx: &mut Effects) {
        let Some(t) = &self.tour else { return };
        if t.runs[t.step] == 0 {
            self.run_step(fx);
        }
    }

    /// The step's sends, through the composer, the repeat burst or the
    /// compare view. A refusal (a burst still running, a protected
    /// profile's question) is the usual notice or question.
    fn run_step(&mut self, fx: &mut Effects) {
        let Some(t) = &mut self.tour else { return };
        t.runs[t.step] += 1;
        let topic = t.tour.topic.clone();
        match t.tour.steps[t.step].action.clone() {
            StepAction::Nothing => {}
            StepAction::Send(s) => self.tour_send(&topic, &s, fx),
            StepAction::Compare {
                count,
                body_bytes,
                pacing,
            } => {
                let spec = CompareSpec {
                    topic,
                    count,
                    body_bytes,
                    oneway_rate: pacing,
                    modes: Mode::ALL.to_vec(),
                    async_window: 0,
                };
                // As the form's Enter would: a protected profile asks.
                if self.profile().protected {
                    let mut form = CompareForm::from_spec(&spec);
                    form.confirming = Some(spec);
                    self.overlay = Overlay::CompareForm(Box::new(form));
                } else {
                    self.start_compare(spec, fx);
                }
                // The modes side by side in time is what the step shows:
                // the timeline where the histograms would be on a short
                // screen.
                self.compare_timeline = true;
            }
        }
    }

    /// Fills the composer with the step's message and sends it as the
    /// send key (one message) or the repeat form (a burst) would.
    fn tour_send(&mut self, topic: &str, s: &StepSend, fx: &mut Effects) {
        let draft = Draft {
            topic: topic.to_string(),
            tag: s.tag.clone(),
            keys: s.keys.split_whitespace().map(str::to_string).collect(),
            ..Draft::default()
        };
        self.composer.fill(&draft, &s.type_row, &s.body);
        self.set_mode(s.mode);
        let repeat = s.is_burst().then_some(RepeatSpec {
            count: s.count,
            rate: s.rate,
            key_template: None,
            mode: s.mode,
        });
        self.start_send(repeat, fx);
        // The keyboard stays on the tour, whatever the send did with it.
        self.leave_text_to(Focus::Log);
    }
}
