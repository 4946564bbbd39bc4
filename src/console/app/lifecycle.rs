//! The producer's lifecycle as the App sees it: the active profile,
//! switching to another (drain the old producer, then start the new one),
//! quitting (wait for what is in flight, or leave at once), and ending on a
//! terminating signal or a lost terminal.

use std::time::Duration;

use chrono::{DateTime, Local};

use super::{App, Effect, Effects, Level, Overlay, line_input};
use crate::console::keymap::{Bind, Context};
use crate::console::stats::Rate;
use rmq_engine::ledger::Ledger;
use rmq_engine::producer::{ProducerCommand, ProducerSettings};
use rmq_model::events::Connection;
use rmq_model::message::{Mode, Seq};

/// The old producer is draining before the new profile's one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switching {
    /// Index into `App::profiles`.
    pub to: usize,
    pub since: DateTime<Local>,
}

/// After a terminating signal: the producer's grace (at most), and how much
/// longer the console waits for its final report.
const SIGNAL_GRACE: Duration = Duration::from_secs(1);
const SIGNAL_SLACK: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quitting {
    pub since: DateTime<Local>,
    /// In flight (and queued) when quit was asked for.
    pub waiting: u64,
}

impl App {
    /// The active profile's producer settings (what the loop spawns with).
    pub fn current_settings(&self) -> Result<&ProducerSettings, &str> {
        match self.profiles.get(self.current).map(|c| &c.settings) {
            Some(Ok(s)) => Ok(s),
            Some(Err(e)) => Err(e),
            None => Err("no such profile"),
        }
    }

    /// The picker's Enter. A different usable profile starts a switch: the
    /// old producer is told to shut down and the new one starts once it has
    /// reported `Stopped` (see `finish_switch`).
    pub(super) fn choose_profile(&mut self, i: usize, fx: &mut Effects) {
        let Some(c) = self.profiles.get(i) else {
            return;
        };
        let name = c.name.clone();
        if let Err(e) = &c.settings {
            // The picker stays open so another profile can be chosen.
            self.notice(Level::Error, format!("cannot switch to {name}: {e}"));
            return;
        }
        if self.quitting.is_some() {
            return;
        }
        if self.switching.is_some() {
            self.notice(Level::Warn, "a profile switch is already under way");
            return;
        }
        self.overlay = Overlay::None;
        if i == self.current {
            self.notice(Level::Info, format!("already on profile {name}"));
            return;
        }
        self.switching = Some(Switching {
            to: i,
            since: self.now,
        });
        if !self.producer_alive {
            // Nothing to drain.
            self.finish_switch(None, fx);
            return;
        }
        let waiting = self.in_flight_total();
        let mut text = format!("switching to {name}…");
        if waiting > 0 {
            text.push_str(&format!(
                " waiting up to {}s for {waiting} in-flight send(s) on {}",
                self.grace().as_secs_f32(),
                self.profile().name
            ));
        }
        self.notice(Level::Info, text);
        fx.push_back(Effect::Submit(ProducerCommand::Shutdown {
            grace: self.grace(),
        }));
    }

    /// The old producer is gone (`unresolved` from its `Stopped`, or `None`
    /// when it never reported): adopt the new profile and ask the loop to
    /// start its producer.
    pub(super) fn finish_switch(&mut self, unresolved: Option<Vec<(Seq, Mode)>>, fx: &mut Effects) {
        let Some(sw) = self.switching.take() else {
            return;
        };
        let old = self.profile().name.clone();
        let lost = match &unresolved {
            Some(list) if !list.is_empty() => {
                let mut shown: Vec<String> = list
                    .iter()
                    .take(10)
                    .map(|(seq, mode)| format!("#{seq} {mode}"))
                    .collect();
                if list.len() > 10 {
                    shown.push("…".into());
                }
                Some((list.len() as u64, shown.join(", ")))
            }
            Some(_) => None,
            None => {
                let n = self.in_flight_total();
                (n > 0).then(|| (n, "the producer did not report them".to_string()))
            }
        };
        // Never reported (a switch past its deadline, a producer that died):
        // each still open gets its UNRESOLVED row and record now.
        if unresolved.is_none() {
            self.end_open_unresolved(fx);
        }
        if let Some((n, detail)) = lost {
            tracing::warn!("profile {old}: {n} send(s) unresolved at switch: {detail}");
            self.push_note(format!(
                "{n} send(s) unresolved when leaving {old} ({detail})"
            ));
        }
        self.in_flight.clear();
        self.burst = None;
        self.current = sw.to;
        // Counters and rate describe one profile's producer; the session's
        // summary keeps what it counted (what was still open, unresolved).
        self.earlier.add(&self.ledger);
        self.earlier.add(&self.compare_ledger);
        let open = self.in_flight_total();
        self.earlier.sent += open;
        self.earlier.unresolved += open;
        self.ledger = Ledger::new();
        self.compare_ledger = Ledger::new();
        self.rates = Default::default();
        self.rate = Rate::default();
        self.unresolved = None;
        self.connection = Connection::Starting;
        self.producer_alive = true;
        self.producer_started = Some(self.now);
        // Fill defaults only where the operator has typed nothing.
        let c = &self.profiles[sw.to];
        let (topic, tag) = (c.default_topic.clone(), c.default_tag.clone());
        if let Some(t) = topic
            && self.composer.topic.lines()[0].trim().is_empty()
        {
            self.composer.topic = line_input(&t);
        }
        if let Some(t) = tag
            && self.composer.tag.lines()[0].trim().is_empty()
        {
            self.composer.tag = line_input(&t);
        }
        self.composer.validate(self.max_message_bytes());
        let text = format!("switched to profile {}", self.profile().name);
        self.push_note(text.clone());
        self.notice(Level::Info, text);
        fx.push_back(Effect::StartProducer);
    }

    pub(super) fn quit(&mut self, fx: &mut Effects) {
        if self.quitting.is_some() || !self.producer_alive {
            self.should_exit = true;
            return;
        }
        self.overlay = Overlay::None;
        let waiting = self.in_flight_total();
        self.quitting = Some(Quitting {
            since: self.now,
            waiting,
        });
        if waiting == 0 {
            self.should_exit = true;
        } else {
            let key = self
                .keymap
                .key_for(Context::Quitting, Bind::Quit)
                .unwrap_or_else(|| Bind::Quit.name().into());
            self.notice(
                Level::Warn,
                format!(
                    "quitting: waiting up to {}s for {waiting} in-flight send(s); {key} again quits now",
                    self.grace().as_secs_f32()
                ),
            );
        }
        fx.push_back(Effect::Submit(ProducerCommand::Shutdown {
            grace: self.grace(),
        }));
    }

    /// Whether the console is on its way out (`q`, or a terminating
    /// signal): the old producer's end then ends the console instead of
    /// finishing a profile switch.
    pub(super) fn leaving(&self) -> bool {
        self.quitting.is_some() || self.signalled
    }

    /// A terminating signal ends the console as `q` then `q` would: the
    /// producer is shut down with a short grace (nobody may be watching any
    /// more) and its report awaited, until a deadline; a second signal
    /// quits at once.
    pub(super) fn on_signal(&mut self, sig: &'static str, fx: &mut Effects) {
        if self.signalled {
            tracing::warn!("{sig} again: quitting now");
            self.should_exit = true;
            return;
        }
        self.signalled = true;
        let grace = self.grace().min(SIGNAL_GRACE);
        tracing::warn!("{sig}: shutting down (grace {grace:?})");
        self.warn(format!("{sig}: shutting down"));
        if !self.producer_alive {
            // Stopped or dead already: there is no report to wait for.
            self.should_exit = true;
            return;
        }
        // The producer's worst case, so no send is cut off unreported.
        let bound = rmq_engine::producer::shutdown_bound(grace);
        fx.push_back(Effect::SignalDeadline(bound + SIGNAL_SLACK));
        fx.push_back(Effect::Submit(ProducerCommand::Shutdown { grace }));
    }

    /// The terminal could not be drawn on. After a signal that is expected
    /// (a hangup takes the terminal) and the orderly end goes on without a
    /// screen; otherwise there is no way to go on, and the run fails.
    pub(super) fn terminal_lost(&mut self, why: String, fx: &mut Effects) {
        if self.signalled {
            tracing::debug!("drawing after a signal: {why}");
        } else {
            fx.push_back(Effect::Fail(format!("drawing: {why}")));
        }
    }

    /// The producer task ended without `Stopped` (panic or abort).
    pub(super) fn producer_died(&mut self, why: String, fx: &mut Effects) {
        if self.switching.is_some() && !self.leaving() {
            // It was being shut down anyway; what it left in flight is
            // unresolved, and the new profile starts.
            tracing::warn!("old producer ended without Stopped: {why}");
            self.finish_switch(None, fx);
            return;
        }
        self.producer_alive = false;
        self.connection = Connection::Failed(why.clone());
        // Queued sends were taken on too: they end unresolved like the ones
        // in flight, not as nothing, each with its row and record.
        self.end_open_unresolved(fx);
        self.in_flight.clear();
        self.burst = None;
        let key = self.key_for(Bind::RestartProducer);
        self.notice(
            Level::Error,
            format!("producer task died: {why} — {key} restarts it"),
        );
        if self.leaving() {
            self.should_exit = true;
        }
    }
}
