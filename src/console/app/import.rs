//! The import dialog (`I`): a path prompt (Tab completes, Up/Down walk the
//! recently imported files), the replay file validated the way
//! `rmq-console replay` validates it (`rmq_journal::replay`), its messages
//! listed with every invalid line and its reason, then all or the selected
//! messages sent at a rate (`+`/`-`), with progress and cancel (`x`). As
//! headless replay refuses a file with invalid lines unless told to skip
//! them, sending here asks first. Files and folders are read by the run
//! loop, off its thread (`Effect::ReadImport`, `ListPath`,
//! `LoadRecentImports`); sends are paced on the loop's clock ticks. No I/O
//! here.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Local};

use super::complete::{self, Entry};
use super::{App, Effect, Effects, Level, Overlay};
use crate::console::keymap::{Bind, Context};
use rmq_engine::producer::ProducerCommand;
use rmq_journal::replay::Parsed;
use rmq_model::message::{Draft, Mode, Seq};

/// The rates `+` and `-` step through, in messages per second.
pub const RATES: [u32; 8] = [1, 5, 10, 50, 100, 500, 1000, 5000];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportView {
    /// What has been typed at the prompt.
    pub path: String,
    /// `None` while the path is being typed.
    pub parsed: Option<Parsed>,
    /// The loop is reading the path: Enter again does nothing meanwhile.
    pub reading: bool,
    /// Index into `parsed.items`.
    pub cursor: usize,
    /// Indexes into `parsed.items`.
    pub selected: BTreeSet<usize>,
    /// Index into `RATES`.
    pub rate: usize,
    /// A send waits for `y` (a protected profile, or invalid lines that
    /// would be skipped): how many messages it sends.
    pub confirm: Option<usize>,
    /// Recently imported paths, newest first.
    pub recent: Vec<String>,
    /// The recent path the prompt shows (index into `recent`), and what
    /// was typed before walking the list (Down past the newest brings it
    /// back).
    pub recent_at: Option<usize>,
    pub typed: String,
    /// The choices a Tab left open, listed under the prompt.
    pub choices: Vec<String>,
    /// This dialog started the pacer's current run, so its progress is
    /// about this file (a finished run of another file is not shown).
    pub ran: bool,
}

impl ImportView {
    pub fn rate(&self) -> u32 {
        RATES[self.rate.min(RATES.len() - 1)]
    }
}

/// The most credit the pacer carries: after a stall (a slow frame, a
/// suspended terminal, a busy producer) it goes on at its rate from now
/// instead of sending everything that fell due meanwhile in one flood.
pub const PACE_SLACK: chrono::Duration = chrono::Duration::milliseconds(100);

/// Messages going out at a pace, and how they ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pacer {
    pub queue: VecDeque<(Arc<Draft>, Mode, Option<String>)>,
    pub rate: u32,
    pub started: DateTime<Local>,
    /// When the next message is due; never more than `PACE_SLACK` behind.
    pub next_at: DateTime<Local>,
    pub total: u64,
    pub sent: u64,
    pub seqs: HashSet<Seq>,
    pub succeeded: u64,
    pub failed: u64,
    pub cancelled: bool,
}

impl Pacer {
    pub fn done(&self) -> u64 {
        self.succeeded + self.failed
    }

    /// Something is still to be sent or waits for its outcome.
    pub fn active(&self) -> bool {
        !self.queue.is_empty() || !self.seqs.is_empty()
    }
}

impl App {
    /// `I`: the path prompt, with the recently imported files asked for.
    pub(super) fn open_import(&mut self, fx: &mut Effects) {
        if self.quitting.is_none() {
            self.overlay = Overlay::Import(Box::new(ImportView {
                rate: 2,
                ..Default::default()
            }));
            fx.push_back(Effect::LoadRecentImports);
        }
    }

    /// A key typed at the path prompt.
    pub(super) fn import_path_input(&mut self, input: ratatui_textarea::Input) {
        if let Overlay::Import(v) = &mut self.overlay {
            if !super::complete::type_into(&mut v.path, &input) {
                return;
            }
            // Another path now: the read of the old one is not waited for,
            // and the choices and the walk through the recent list are over.
            v.reading = false;
            v.choices.clear();
            v.recent_at = None;
        }
    }

    /// The loop listed the folder of the typed path: Tab's completion, if
    /// the prompt still holds what was completed.
    pub(super) fn import_completed(&mut self, typed: &str, entries: &[Entry]) {
        let Overlay::Import(v) = &mut self.overlay else {
            return;
        };
        if v.parsed.is_some() || v.path != typed {
            return;
        }
        let c = complete::complete(typed, entries);
        if c.path == typed && c.choices.is_empty() {
            self.notice(Level::Info, format!("nothing matches {typed}"));
            return;
        }
        v.path = c.path;
        v.choices = c.choices;
    }

    /// The loop read the recently imported paths.
    pub(super) fn import_recent(&mut self, list: Vec<String>) {
        if let Overlay::Import(v) = &mut self.overlay {
            v.recent = list;
        }
    }

    /// The loop read and validated the file (or says why it could not).
    /// A read the dialog no longer waits for (closed, or opened again for
    /// another path) is dropped.
    pub(super) fn import_loaded(
        &mut self,
        path: &str,
        parsed: Result<Parsed, String>,
        fx: &mut Effects,
    ) {
        let Overlay::Import(v) = &mut self.overlay else {
            return;
        };
        if !v.reading || v.path.trim() != path {
            return;
        }
        v.reading = false;
        match parsed {
            Ok(p) => {
                let mut text = format!(
                    "{}: {} message(s), {} invalid line(s)",
                    p.origin,
                    p.items.len(),
                    p.invalid.len()
                );
                // A FIFO or transaction line in another mode goes sync: said
                // here, once, rather than refused.
                let mode = self.mode;
                let sync = p
                    .items
                    .iter()
                    .filter(|it| {
                        let asked = it.mode.unwrap_or(mode);
                        rmq_model::validate::sync_note(&it.draft.kind, asked).is_some()
                    })
                    .count();
                if sync > 0 {
                    text.push_str(&format!(
                        "; {sync} sent sync (FIFO and transactions are always sent sync)"
                    ));
                }
                let level = if p.invalid.is_empty() {
                    Level::Info
                } else {
                    Level::Warn
                };
                v.parsed = Some(p);
                fx.push_back(Effect::RememberImport(path.to_string()));
                self.notice(level, text);
            }
            Err(e) => self.notice(Level::Error, e),
        }
    }

    /// A key while the import dialog is open.
    pub(super) fn import_key(&mut self, bind: Bind, fx: &mut Effects) {
        let (protected, name) = (self.profile().protected, self.profile().name.clone());
        let max = self.max_message_bytes();
        let Overlay::Import(v) = &mut self.overlay else {
            return;
        };
        let Some(p) = &v.parsed else {
            // The prompt.
            match bind {
                Bind::Close => self.overlay = Overlay::None,
                // Tab (the global next-field key) completes here.
                Bind::FocusNext if !v.reading => {
                    fx.push_back(Effect::ListPath(v.path.clone()));
                }
                // Up walks to older recent files, Down back to newer ones
                // and, past the newest, to what was typed.
                Bind::ScrollUp if !v.recent.is_empty() => {
                    let at = v.recent_at.map_or(0, |i| (i + 1).min(v.recent.len() - 1));
                    if v.recent_at.is_none() {
                        v.typed = v.path.clone();
                    }
                    v.recent_at = Some(at);
                    v.path = v.recent[at].clone();
                    v.choices.clear();
                    v.reading = false;
                }
                Bind::ScrollDown if v.recent_at.is_some() => {
                    v.recent_at = v.recent_at.and_then(|i| i.checked_sub(1));
                    v.path = match v.recent_at {
                        Some(i) => v.recent[i].clone(),
                        None => std::mem::take(&mut v.typed),
                    };
                    v.reading = false;
                }
                Bind::Submit if !v.path.trim().is_empty() && !v.reading => {
                    v.reading = true;
                    let path = v.path.trim().to_string();
                    self.notice(Level::Info, format!("reading {path}…"));
                    fx.push_back(Effect::ReadImport {
                        path,
                        max_body: max,
                    });
                }
                _ => {}
            }
            return;
        };
        let n = p.items.len();
        match bind {
            Bind::Close if v.confirm.is_some() => v.confirm = None,
            Bind::Close => self.overlay = Overlay::None,
            Bind::ScrollDown => v.cursor = (v.cursor + 1).min(n.saturating_sub(1)),
            Bind::ScrollUp => v.cursor = v.cursor.saturating_sub(1),
            Bind::ToggleSelect if n > 0 => {
                if !v.selected.remove(&v.cursor) {
                    v.selected.insert(v.cursor);
                }
                v.cursor = (v.cursor + 1).min(n - 1);
            }
            Bind::RateUp => v.rate = (v.rate + 1).min(RATES.len() - 1),
            Bind::RateDown => v.rate = v.rate.saturating_sub(1),
            Bind::CancelBurst => self.cancel_pacer(),
            Bind::QuickSend | Bind::Yes => {
                let confirmed = bind == Bind::Yes;
                let items: Vec<(Arc<Draft>, Mode, Option<String>)> = p
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| v.selected.is_empty() || v.selected.contains(i))
                    .map(|(_, it)| {
                        (
                            Arc::new(it.draft.clone()),
                            it.mode.unwrap_or(self.mode),
                            it.source.clone(),
                        )
                    })
                    .collect();
                if items.is_empty() || (confirmed && v.confirm != Some(items.len())) {
                    return;
                }
                // Headless replay refuses a file with invalid lines unless
                // told to skip them; here the operator is asked, and a
                // protected profile asks once for both.
                let skipped = p.invalid.len();
                if (protected || skipped > 0) && !confirmed {
                    v.confirm = Some(items.len());
                    let answer = self
                        .keymap
                        .confirm_hint(Context::Import, Bind::Yes, Bind::Close);
                    let text = confirm_text(items.len(), skipped, protected.then_some(&*name));
                    self.notice(Level::Warn, format!("{text} {answer}"));
                    return;
                }
                v.confirm = None;
                v.ran = true;
                let rate = v.rate();
                self.start_pacer(items, rate, fx);
            }
            _ => {}
        }
    }

    pub(super) fn start_pacer(
        &mut self,
        items: Vec<(Arc<Draft>, Mode, Option<String>)>,
        rate: u32,
        fx: &mut Effects,
    ) {
        if self.pacer.as_ref().is_some_and(|p| !p.queue.is_empty()) {
            self.notice(
                Level::Warn,
                "an import is already being sent (x cancels it)",
            );
            return;
        }
        if self.quitting.is_some() || !self.producer_alive || self.switching.is_some() {
            self.notice(Level::Warn, "the producer is not ready; nothing sent");
            return;
        }
        let total = items.len() as u64;
        self.pacer = Some(Pacer {
            queue: items.into(),
            rate,
            started: self.now,
            next_at: self.now,
            total,
            sent: 0,
            seqs: HashSet::new(),
            succeeded: 0,
            failed: 0,
            cancelled: false,
        });
        self.notice(
            Level::Info,
            format!("sending {total} message(s) at {rate}/s"),
        );
        // The first goes at once; the rest on the clock.
        self.pace(fx);
    }

    /// Sends what is due by now at the pacer's rate.
    pub(super) fn pace(&mut self, fx: &mut Effects) {
        let now = self.now;
        let stopped = self.quitting.is_some() || self.switching.is_some() || !self.producer_alive;
        let Some(p) = self.pacer.as_mut() else {
            return;
        };
        if p.queue.is_empty() {
            return;
        }
        if stopped {
            // Quitting, switching or a dead producer: what is left is not
            // sent (the results say how far it got).
            let left = p.queue.len();
            p.queue.clear();
            p.cancelled = true;
            let text = format!("import stopped: {} sent, {left} not sent", p.sent);
            self.notice(Level::Warn, text);
            return;
        }
        let interval = chrono::Duration::microseconds(1_000_000 / i64::from(p.rate.max(1)));
        p.next_at = p.next_at.max(now - PACE_SLACK);
        let mut batch = Vec::new();
        while p.next_at <= now {
            let Some(item) = p.queue.pop_front() else {
                break;
            };
            p.sent += 1;
            p.next_at += interval;
            batch.push(item);
        }
        for (draft, mode, source) in batch {
            // A replay line's FIFO or transaction goes sync, whatever its mode.
            let mode = rmq_model::validate::send_mode(&draft.kind, mode);
            let seq = self.next_seq;
            self.next_seq += draft.kind.messages();
            if let Err(e) = self.ledger.accept(seq, mode) {
                tracing::warn!("send #{seq}: {e}");
            }
            if let Some(p) = self.pacer.as_mut() {
                p.seqs.insert(seq);
            }
            self.in_flight.insert(seq, draft.clone());
            if let Some(s) = source {
                self.sources.insert(seq, s);
            }
            self.push_accepted(seq, mode, draft.clone());
            fx.push_back(Effect::Submit(ProducerCommand::Send { seq, mode, draft }));
        }
    }

    pub(super) fn cancel_pacer(&mut self) {
        match self.pacer.as_mut() {
            Some(p) if !p.queue.is_empty() => {
                let left = p.queue.len();
                p.queue.clear();
                p.cancelled = true;
                let text = format!("import cancelled: {} sent, {left} not sent", p.sent);
                self.notice(Level::Warn, text);
            }
            _ => self.notice(Level::Info, "nothing is being sent"),
        }
    }

    /// Counts an import's send as it ends: a send the command queue
    /// refused (`SubmitFailed`) ends here too, as failed, so progress never
    /// shows "0 failed" for it or waits for it.
    pub(super) fn paced_completed(&mut self, seq: Seq, ok: bool) {
        if let Some(p) = self.pacer.as_mut()
            && p.seqs.remove(&seq)
        {
            if ok {
                p.succeeded += 1;
            } else {
                p.failed += 1;
            }
            if !p.active() {
                // The start's "sending N message(s)" must not outlive it.
                let not_sent = p.total - p.sent;
                let text = format!(
                    "sending finished: {} ok, {} failed{}",
                    p.succeeded,
                    p.failed,
                    if not_sent > 0 {
                        format!(", {not_sent} not sent")
                    } else {
                        String::new()
                    }
                );
                let level = if p.failed > 0 || not_sent > 0 {
                    Level::Warn
                } else {
                    Level::Info
                };
                self.notice(level, text);
            }
        }
    }
}

/// The question before an import is sent: how many messages, how many
/// invalid lines are left out, and the protected profile if there is one.
pub fn confirm_text(send: usize, skipped: usize, protected: Option<&str>) -> String {
    let skip = if skipped > 0 {
        format!(" ({skipped} invalid line(s) skipped)")
    } else {
        String::new()
    };
    match protected {
        Some(name) => format!("send {send} message(s) to PROTECTED profile {name}{skip}?"),
        None => format!("send the {send} valid message(s){skip}?"),
    }
}
