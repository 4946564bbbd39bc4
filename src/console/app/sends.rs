//! Sends: taking a send or burst on and handing it to the producer as an
//! effect, then following the producer's events to each send's outcome.

use std::sync::Arc;

use super::{
    App, Confirm, Effect, Effects, EntryKind, Focus, Level, LogEntry, Overlay, PendingSend,
    RepeatSpec,
};
use crate::console::keymap::{Bind, Context};
use rmq_engine::producer::{BurstSpec, ProducerCommand, SubmitError};
use rmq_model::events::{Connection, ProducerEvent};
use rmq_model::message::{Completion, Mode, Seq};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurstState {
    pub id: u64,
    pub submitted: u64,
    pub total: u64,
}

impl App {
    /// Validates and either asks for confirmation or emits the command.
    pub(super) fn start_send(&mut self, repeat: Option<RepeatSpec>, fx: &mut Effects) {
        if self.quitting.is_some() {
            self.notice(Level::Warn, "quitting; no new sends");
            return;
        }
        if !self.producer_alive {
            let key = self.key_for(Bind::RestartProducer);
            self.notice(
                Level::Error,
                format!("the producer is not running; {key} restarts it"),
            );
            return;
        }
        if let Some(sw) = &self.switching {
            let to = self.profiles[sw.to].name.clone();
            self.notice(
                Level::Warn,
                format!("switching to {to}; send again once it has started"),
            );
            return;
        }
        if repeat.is_some() && self.burst.is_some() {
            let key = self
                .keymap
                .key_for(Context::Log, Bind::CancelBurst)
                .unwrap_or_else(|| Bind::CancelBurst.name().into());
            self.notice(
                Level::Warn,
                format!("a burst is already running ({key} cancels it)"),
            );
            return;
        }
        self.composer.validate(self.max_message_bytes());
        self.composer
            .validate_kind(self.mode, self.max_message_bytes(), self.now);
        let Some(draft) = self.composer.draft() else {
            let mut problems: Vec<String> = Focus::ORDER
                .iter()
                .filter_map(|f| {
                    self.composer
                        .errors
                        .get(f)
                        .map(|e| format!("{}: {e}", f.label()))
                })
                .collect();
            problems.truncate(2);
            self.notice(Level::Error, format!("not sent — {}", problems.join("; ")));
            return;
        };
        let pending = PendingSend {
            // A burst goes in the form's mode.
            mode: repeat.as_ref().map_or(self.mode, |r| r.mode),
            draft: Arc::new(draft),
            repeat,
        };
        // A big body's check may wait for the clock: not this send.
        self.composer.refresh_json();
        let invalid_json = self.invalid_json_question(pending.repeat.is_some());
        if self.profile().protected || invalid_json.is_some() {
            let typed = (self.profile().protected && pending.repeat.is_some()).then(String::new);
            self.overlay = Overlay::Confirm(Confirm {
                pending,
                typed,
                invalid_json,
            });
            return;
        }
        self.overlay = Overlay::None;
        self.remember_draft(&pending.draft);
        self.emit(pending, fx);
        self.leave_field();
    }

    /// The JSON problem to ask about before this send: the body looks like
    /// JSON and does not parse as it will be sent (a burst expands its
    /// placeholders, a single send goes as typed), the profile asks, and
    /// this body was not confirmed already.
    fn invalid_json_question(&self, burst: bool) -> Option<String> {
        let check = self.composer.json.as_ref().filter(|j| {
            if burst {
                !j.valid_in_a_burst()
            } else {
                !j.is_valid()
            }
        })?;
        let asked = self.json_accepted.as_deref() == Some(self.composer.body.lines());
        (self.profile().confirm_invalid_json && !asked).then(|| check.label())
    }

    /// After a send from a text field or the mode bar: the keyboard to the
    /// results log when the config says so, so the next `j` scrolls, not
    /// types, and a one-pane screen shows the result.
    pub(super) fn leave_field(&mut self) {
        if self.leave_after_send && self.focus != Focus::Log {
            self.leave_text_to(Focus::Log);
        }
    }

    /// The reset key: the counters, rates and latencies start over; the
    /// journal and the results log keep every send, sends in flight are
    /// counted where they end, and the session's summary still counts all.
    pub(super) fn reset_counters(&mut self) {
        self.earlier.add(&self.ledger);
        self.ledger.reset_totals();
        self.rates = Default::default();
        self.rate = super::super::stats::Rate::default();
        let text = format!(
            "counters reset at {} (the journal and the results keep every send)",
            self.fmt_time(self.now)
        );
        self.push_note(text.clone());
        self.notice(Level::Info, text);
    }

    pub(super) fn emit(&mut self, mut p: PendingSend, fx: &mut Effects) {
        // FIFO, transactions and batches go sync from any mode (the type
        // row says so).
        p.mode = rmq_model::validate::send_mode(&p.draft.kind, p.mode);
        let seq = self.next_seq;
        let seqs = p.count();
        self.next_seq += seqs;
        match p.repeat {
            None => {
                // Taken on here, before the command goes; a burst's sends
                // are taken on as the producer reports them.
                if let Err(e) = self.ledger.accept(seq, p.mode) {
                    tracing::warn!("send #{seq}: {e}");
                }
                self.in_flight.insert(seq, p.draft.clone());
                self.fetched_draft_sent(seq);
                self.push_accepted(seq, p.mode, p.draft.clone());
                self.notice = None;
                fx.push_back(Effect::Submit(ProducerCommand::Send {
                    seq,
                    mode: p.mode,
                    draft: p.draft,
                }));
            }
            Some(r) => {
                let id = self.next_burst_id;
                self.next_burst_id += 1;
                self.burst = Some(BurstState {
                    id,
                    submitted: 0,
                    total: r.count,
                });
                self.notice(
                    Level::Info,
                    format!("burst #{id}: {} × {}", r.count, p.mode.label()),
                );
                self.tally_started(id, p.mode, seq, seqs);
                fx.push_back(Effect::Submit(ProducerCommand::Burst(BurstSpec {
                    id,
                    mode: p.mode,
                    draft: p.draft,
                    count: r.count,
                    rate: r.rate,
                    key_template: r.key_template,
                    // The repeat form checked the body's and properties'
                    // templates (and previewed them).
                    expand_message: true,
                    first_seq: seq,
                    // One-way has no other evidence of delivery.
                    verify: p.mode == Mode::Oneway,
                })));
            }
        }
    }

    pub(super) fn on_event(&mut self, ev: ProducerEvent, fx: &mut Effects) {
        match ev {
            ProducerEvent::Connection(c) => {
                if c == Connection::Starting {
                    self.producer_started = Some(self.now);
                }
                if let Connection::Failed(why) = &c {
                    self.notice(Level::Error, format!("producer: {why}"));
                }
                if let Connection::Unreachable(why) = &c {
                    self.notice(Level::Error, format!("unreachable: {why}"));
                }
                self.connection = c;
            }
            // A comparison's sends are counted apart and get no rows: the
            // compare view shows them, and its summary row ends the run.
            ProducerEvent::Queued { seq, mode, .. } if self.is_compare_seq(seq) => {
                let _ = self.compare_ledger.queued(seq, mode);
            }
            ProducerEvent::Submitted {
                seq, mode, draft, ..
            } if self.is_compare_seq(seq) => {
                if self.compare_ledger.submitted(seq, mode).is_ok() {
                    // Its journal record carries the draft.
                    self.in_flight.insert(seq, draft);
                }
            }
            ProducerEvent::Queued { seq, mode, at } => {
                if self.ledger.queued(seq, mode).is_err() {
                    return;
                }
                let draft = self.in_flight.get(&seq).cloned();
                self.push(LogEntry {
                    at,
                    seq,
                    mode,
                    kind: EntryKind::Queued,
                    draft,
                    profile: self.profile().name.clone(),
                });
            }
            ProducerEvent::Submitted {
                seq,
                mode,
                draft,
                at,
            } => {
                if self.ledger.submitted(seq, mode).is_err() {
                    return;
                }
                self.rates[mode.index()].record(at.timestamp());
                self.rate.record(at.timestamp());
                self.in_flight.insert(seq, draft.clone());
                self.push(LogEntry {
                    at,
                    seq,
                    mode,
                    kind: EntryKind::Submitted,
                    draft: Some(draft),
                    profile: self.profile().name.clone(),
                });
            }
            ProducerEvent::Completed(c) => self.on_completed(c, fx),
            ProducerEvent::BurstProgress {
                id,
                submitted,
                total,
            } => {
                if let Some(b) = self.burst.as_mut().filter(|b| b.id == id) {
                    b.submitted = submitted;
                    b.total = total;
                }
            }
            ProducerEvent::BurstFinished {
                id,
                submitted,
                cancelled,
            } => {
                if self.burst.as_ref().is_some_and(|b| b.id == id) {
                    self.burst = None;
                }
                if self.compare_ids.contains(&id) {
                    // The compare view says how far the run is.
                    return;
                }
                let how = if cancelled { "cancelled" } else { "finished" };
                // A one-way shortfall just reported for this burst matters more.
                let shortfall = self.notice.as_ref().is_some_and(|n| {
                    n.level == Level::Warn && n.text.starts_with(&format!("burst #{id}:"))
                });
                if !shortfall {
                    self.notice(
                        Level::Info,
                        format!("burst #{id} {how}: {submitted} submitted; its summary follows the last outcome"),
                    );
                }
                // The summary row (ok, failed, msg/s, p50/p99), now or once
                // the last callback is in; after a shortfall, it comes
                // below the shortfall's note and leaves its notice alone.
                let notice = self.notice.clone();
                self.tally_finished(id, submitted, cancelled);
                if shortfall {
                    self.notice = notice;
                }
            }
            // The comparison's table and summary row carry what landed.
            ProducerEvent::OnewayLanded { id, .. } if self.compare_ids.contains(&id) => {}
            ProducerEvent::OnewayLanded {
                id,
                topic,
                dispatched,
                landed,
            } => {
                let (text, level) = match landed {
                    Ok(n) => (
                        format!(
                            "burst #{id}: {n} of {dispatched} one-way messages landed in {topic} (queue offsets)"
                        ),
                        if n < i64::try_from(dispatched).unwrap_or(i64::MAX) {
                            Level::Warn
                        } else {
                            Level::Info
                        },
                    ),
                    Err(e) => (
                        format!("burst #{id}: could not count one-way deliveries to {topic}: {e}"),
                        Level::Warn,
                    ),
                };
                self.push_note(text.clone());
                self.notice(level, text);
            }
            ProducerEvent::Transaction(t) => self.on_transaction(t, fx),
            ProducerEvent::Stopped { unresolved } => {
                self.connection = Connection::Stopped;
                self.producer_alive = false;
                let switching = self.switching.is_some();
                if self.leaving() {
                    self.should_exit = true;
                } else if !switching {
                    let key = self.key_for(Bind::RestartProducer);
                    self.notice(
                        Level::Error,
                        format!("the producer stopped; {key} restarts it"),
                    );
                }
                // Whatever is still open, listed or not, ends unresolved,
                // with its row and its record.
                self.end_open_unresolved(fx);
                if switching && !self.leaving() {
                    self.finish_switch(Some(unresolved), fx);
                } else {
                    self.unresolved = Some(unresolved);
                }
            }
        }
    }

    /// Ends every send still open as unresolved, as if the producer had
    /// said so: an UNRESOLVED row, a journal record, counted for the exit
    /// report. For a producer that died, a signal's deadline, a switch that
    /// did not finish.
    pub(super) fn end_open_unresolved(&mut self, fx: &mut Effects) {
        let open = self.ledger.open_sends().into_iter();
        for (seq, mode) in open.chain(self.compare_ledger.open_sends()) {
            // The App's clock, not the wall's: `update` reads no clock.
            let c = Completion {
                submitted_at: self.now,
                completed_at: self.now,
                ..Completion::instant(seq, mode, rmq_model::message::Outcome::Unresolved)
            };
            self.on_completed(c, fx);
        }
    }

    pub(super) fn on_completed(&mut self, c: Completion, fx: &mut Effects) {
        if self.is_compare_seq(c.seq) {
            // Journaled like any send (its tag says `compare`); no row, no
            // session counter.
            if self.compare_ledger.complete(&c).is_ok() {
                let draft = self.in_flight.remove(&c.seq);
                let journal = self.journal_entry(&c, draft);
                fx.extend(journal.map(|e| Effect::Journal(Box::new(e))));
            }
            return;
        }
        if self.ledger.complete(&c).is_err() {
            // A second outcome for one send: logged by the ledger, shown
            // nowhere.
            return;
        }
        let draft = self.in_flight.remove(&c.seq);
        if let Some(d) = &draft {
            self.note_visibility(&c, &d.kind);
        }
        self.paced_completed(c.seq, c.outcome.is_expected_for(c.mode));
        self.tally_completed(&c);
        let mut journal = self.journal_entry(&c, draft.clone());
        if let Some(source) = self.sources.remove(&c.seq) {
            if self.resent_from.len() >= super::HISTORY_LIMIT {
                self.resent_from.clear();
            }
            self.resent_from.insert(c.seq, source.clone());
            if let Some(e) = journal.as_mut() {
                e.source = Some(source.clone());
            }
        }
        self.push(LogEntry {
            at: c.completed_at,
            seq: c.seq,
            mode: c.mode,
            kind: EntryKind::Completed {
                outcome: c.outcome,
                submitted_at: c.submitted_at,
                latency: c.latency,
            },
            draft,
            profile: self.profile().name.clone(),
        });
        fx.extend(journal.map(|e| Effect::Journal(Box::new(e))));
    }

    /// The send options of profile `name` in `mode`, as its journal records
    /// carry them (zeros only for a profile that cannot start).
    pub(super) fn options_of(&self, name: &str, mode: Mode) -> rmq_journal::Options {
        match self
            .profiles
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.settings)
        {
            Some(Ok(s)) => crate::journal_plan::options(s, mode),
            _ => rmq_journal::Options::default(),
        }
    }

    /// A transaction decided after its half message was stored (by the
    /// operator, or left unknown at quit): its record is written again with
    /// the decision, so the journal's latest state of the send says who
    /// decided it (history and replay fold the records of a send).
    pub(super) fn journal_decision(&self, seq: Seq, fx: &mut Effects) {
        let Some(e) = self.log.row_for(seq) else {
            return;
        };
        let EntryKind::Completed {
            outcome,
            submitted_at,
            latency,
        } = e.kind.clone()
        else {
            // Not stored yet: the outcome's record will carry the decision.
            return;
        };
        let c = Completion {
            seq,
            mode: e.mode,
            outcome,
            submitted_at,
            completed_at: e.at,
            latency,
        };
        if let Some(entry) = self.journal_entry(&c, e.draft.clone()) {
            fx.push_back(Effect::Journal(Box::new(entry)));
        }
    }

    /// What the journal keeps of a completed send; `None` when the active
    /// profile keeps no journal (`journal = false`).
    fn journal_entry(
        &self,
        c: &Completion,
        draft: Option<Arc<rmq_model::message::Draft>>,
    ) -> Option<rmq_journal::Entry> {
        let p = self.profile();
        if !p.journal {
            return None;
        }
        let options = self.options_of(&p.name, c.mode);
        Some(rmq_journal::Entry {
            completion: c.clone(),
            draft,
            profile: p.name.as_str().into(),
            options,
            source: None,
            tx: self
                .typed
                .tx
                .get(&c.seq)
                .and_then(|t| t.decision.as_ref())
                .map(|d| rmq_journal::TxDecision {
                    choice: d.choice,
                    by: d.by.clone(),
                }),
        })
    }

    /// A command did not reach the producer.
    pub(super) fn submit_failed(
        &mut self,
        first_seq: Option<Seq>,
        count: u64,
        mode: Option<Mode>,
        burst: Option<u64>,
        error: SubmitError,
        fx: &mut Effects,
    ) {
        if self.quitting.is_some() {
            // Shutdown could not be delivered: nothing to wait for.
            self.should_exit = true;
            return;
        }
        if self.switching.is_some() && error == SubmitError::Closed && !self.signalled {
            // The old producer has ended already (its Shutdown or a cancel
            // found the channel closed): start the new one. Not when a
            // signal is ending the console: its deadline, or the task's
            // end, ends it instead.
            self.finish_switch(None, fx);
            return;
        }
        if let Some(seq) = first_seq {
            if burst.is_none() {
                // Never reached the producer: it was never a send.
                let _ = self.ledger.withdraw(seq);
            }
            // An import's or resend's message the queue refused counts
            // as failed in its progress.
            self.paced_completed(seq, false);
            let draft = self.in_flight.remove(&seq);
            let mut why = error.to_string();
            if burst.is_some() {
                why.push_str(&format!(" (burst of {count})"));
            }
            self.push(LogEntry {
                at: self.now,
                seq,
                // The send's own mode: the operator may have picked
                // another since.
                mode: mode.unwrap_or(self.mode),
                kind: EntryKind::NotSent(why),
                draft,
                profile: self.profile().name.clone(),
            });
        }
        // A refused burst never runs, whatever its size.
        if burst.is_some() && self.burst.as_ref().map(|b| b.id) == burst {
            self.burst = None;
        }
        self.notice(Level::Error, format!("not sent: {error}"));
    }
}
