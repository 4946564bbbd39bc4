//! Test harness: the real run loop (`event_loop::Loop`) on ratatui's
//! `TestBackend`, keys pressed as terminal events through the real keymap,
//! and a fake producer at the other end of the channels that records the
//! commands it gets and sends whatever events a test scripts. Each
//! interaction settles the loop (everything waiting is handled and the
//! screen redrawn) before the test looks at the buffer or the commands.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Local};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyEvent};
use tokio::sync::{mpsc, oneshot};

use super::app::{Action, App, Effect};
use super::event_loop::{Io, Link, Loop, Pacing};
use super::input;
use super::keymap::Chord;
use super::ui::tests::t0;
use crate::theme::Styles;
use rmq_engine::producer::{ProducerCommand, ProducerEvent, ProducerHandle, ProducerSettings};

/// How a fake producer task ends.
enum Ending {
    Panic(String),
}

/// The producer end of one spawned link.
pub struct Fake {
    /// The name servers it was started for.
    pub name_servers: String,
    commands: Option<mpsc::Receiver<ProducerCommand>>,
    events: mpsc::Sender<ProducerEvent>,
    end: Option<oneshot::Sender<Ending>>,
    /// A sender of its own, to fill the command channel.
    cmd_tx: mpsc::Sender<ProducerCommand>,
}

impl Fake {
    /// The commands it has received and not yet been asked for.
    pub fn take_commands(&mut self) -> Vec<ProducerCommand> {
        let mut out = Vec::new();
        if let Some(rx) = &mut self.commands {
            while let Ok(c) = rx.try_recv() {
                out.push(c);
            }
        }
        out
    }

    /// Stops reading commands: the UI's next submit finds the channel
    /// closed (the task has gone).
    pub fn close_commands(&mut self) {
        self.commands = None;
    }

    /// Fills the command channel so the UI's next submit finds it full.
    pub fn jam(&mut self) {
        while self
            .cmd_tx
            .try_send(ProducerCommand::CancelBurst { id: 0 })
            .is_ok()
        {}
    }

    /// Empties a jammed channel of its filler.
    pub fn unjam(&mut self) {
        let kept: Vec<ProducerCommand> = self
            .take_commands()
            .into_iter()
            .filter(|c| !matches!(c, ProducerCommand::CancelBurst { id: 0 }))
            .collect();
        for c in kept {
            let _ = self.cmd_tx.try_send(c);
        }
    }
}

pub struct Harness {
    rt: tokio::runtime::Runtime,
    pub lp: Loop<'static, TestBackend>,
    keys: mpsc::Sender<Event>,
    signals: mpsc::Sender<&'static str>,
    spawned: std::sync::mpsc::Receiver<Fake>,
    /// Every producer the loop started, oldest first.
    pub producers: Vec<Fake>,
    /// What the loop put on the clipboard (OSC 52), oldest first.
    pub copied: Arc<Mutex<Vec<String>>>,
    /// Where the results export writes (the loop's `export_dir`).
    pub exports: tempfile::TempDir,
    /// What the loop's clock reads (`t0()` until `advance` moves it).
    now: Arc<Mutex<DateTime<Local>>>,
    /// The folder of the journal `start_journal` gave the loop.
    journal_dir: Option<tempfile::TempDir>,
}

impl Harness {
    /// The loop on a `w`x`h` screen with its clock at `t0()` (`advance`
    /// moves it), started on `app`.
    pub fn new(app: App, w: u16, h: u16) -> Self {
        Self::with_events_pacing(app, w, h, Duration::ZERO)
    }

    /// As `new`, with the producer's events read at most every `events`
    /// (`Pacing::events`) on a runtime whose clock is paused: it moves
    /// only when the loop has nothing to do but wait (`mono_now`).
    pub fn with_events_pacing(app: App, w: u16, h: u16, events: Duration) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(!events.is_zero())
            .build()
            .expect("test runtime");
        let (keys, input) = mpsc::channel(1024);
        let (signals, signal_rx) = mpsc::channel(4);
        let (tx, spawned) = std::sync::mpsc::channel();
        let spawn = move |settings: &ProducerSettings| {
            let (cmd_tx, cmd_rx) = mpsc::channel(8);
            let (evt_tx, evt_rx) = mpsc::channel(1024);
            let (end_tx, end_rx) = oneshot::channel();
            let join = tokio::spawn(async move {
                if let Ok(Ending::Panic(msg)) = end_rx.await {
                    panic!("{msg}");
                }
            });
            let _ = tx.send(Fake {
                name_servers: settings.name_servers.clone(),
                commands: Some(cmd_rx),
                events: evt_tx,
                end: Some(end_tx),
                cmd_tx: cmd_tx.clone(),
            });
            Link {
                handle: ProducerHandle::new(cmd_tx),
                events: evt_rx,
                join,
            }
        };
        let copied = Arc::new(Mutex::new(Vec::new()));
        let exports = tempfile::tempdir().expect("a folder for exports");
        let clipboard = copied.clone();
        let now = Arc::new(Mutex::new(t0()));
        let clock = now.clone();
        let io = Io {
            terminal: Terminal::new(TestBackend::new(w, h)).expect("test terminal"),
            input,
            signals: signal_rx,
            spawn: Box::new(spawn),
            copy: Box::new(move |_, text: &str| {
                clipboard.lock().expect("clipboard").push(text.to_string());
                Ok(())
            }),
            clock: Box::new(move || *clock.lock().expect("clock")),
            pacing: Pacing {
                frame: Duration::ZERO,
                clock: Duration::from_secs(3600),
                events,
            },
            journal: None,
            fetch_context: None,
            editor: Box::new(|_: &str, _: &str| Err("no editor in this test".to_string())),
            export_dir: exports.path().to_path_buf(),
            state_dir: exports.path().join("state"),
            messages_dir: exports.path().join("messages"),
        };
        let lp = {
            let _in_rt = rt.enter();
            Loop::new(app, io, Styles::no_color()).expect("loop starts")
        };
        let mut h = Self {
            rt,
            lp,
            keys,
            signals,
            spawned,
            producers: Vec::new(),
            copied,
            exports,
            now,
            journal_dir: None,
        };
        h.settle();
        h
    }

    /// Runs the loop until nothing is waiting and the screen is drawn.
    pub fn settle(&mut self) {
        for _ in 0..10_000 {
            self.producers.extend(self.spawned.try_iter());
            // A draw needs no wake-up: do it, then stop if nothing waits.
            self.lp.draw_if_due().expect("drawing");
            if !self.lp.busy() {
                return;
            }
            let lp = &mut self.lp;
            self.rt
                .block_on(async { tokio::time::timeout(Duration::from_secs(5), lp.turn()).await })
                .expect("a loop turn with work waiting returns")
                .expect("the loop turn succeeds");
        }
        panic!("the loop did not settle");
    }

    fn key_event(key: &str) -> Event {
        let c = Chord::parse(key).unwrap_or_else(|e| panic!("key {key:?}: {e}"));
        Event::Key(KeyEvent::new(c.code, c.mods))
    }

    /// Presses one key (`"ctrl-s"`, `"esc"`, `"2"`, ...) and settles.
    pub fn press(&mut self, key: &str) -> &mut Self {
        self.together(&[key])
    }

    /// Hands `key` to a settled loop and runs only the wake-up that handles
    /// it (file work it starts may still be running); returns how long that
    /// wake-up took, which is how long the screen could not answer.
    pub fn press_one_turn(&mut self, key: &str) -> Duration {
        self.settle();
        self.keys
            .try_send(Self::key_event(key))
            .expect("input channel has room");
        let lp = &mut self.lp;
        let started = std::time::Instant::now();
        self.rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(30), lp.turn()).await })
            .expect("the wake-up returns")
            .expect("the loop turn succeeds");
        started.elapsed()
    }

    /// Keys that arrive in one read, handled in one wake-up.
    pub fn together(&mut self, keys: &[&str]) -> &mut Self {
        for k in keys {
            self.keys
                .try_send(Self::key_event(k))
                .expect("input channel has room");
        }
        self.settle();
        self
    }

    /// Presses one key through the keymap as the loop does (the clock
    /// read first, the key translated where the App is), but hands back
    /// what `update` asked for instead of carrying it out: for a test that
    /// answers an effect itself, as a file read the loop would do from
    /// the disk. Then settles.
    pub fn press_keeping_effects(&mut self, key: &str) -> Vec<Effect> {
        let now = (self.lp.io.clock)();
        let mut fx = self.lp.app.step(Action::Tick(now));
        let size = self.lp.io.terminal.size().expect("test terminal size");
        let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
        for ev in input::split_esc_prefix(&self.lp.app, Self::key_event(key)) {
            if let Some(a) = input::to_action(&self.lp.app, area, ev) {
                fx.extend(self.lp.app.step(a));
            }
        }
        self.settle();
        fx
    }

    /// Folds in the answer to an effect a test kept
    /// (`press_keeping_effects`), as the loop folds in the answer of work
    /// it did off the loop, then settles. The answer must ask for nothing
    /// more: the loop's queue is its own.
    pub fn answer(&mut self, action: Action) -> &mut Self {
        let fx = self.lp.app.step(action);
        assert!(fx.is_empty(), "the answer asked for more: {fx:?}");
        self.settle();
        self
    }

    /// Folds `action` in as `answer` does, but hands back what it asked
    /// for instead of requiring nothing.
    pub fn answer_keeping_effects(&mut self, action: Action) -> Vec<Effect> {
        let fx = self.lp.app.step(action);
        self.settle();
        fx
    }

    /// Types `text` key by key (`\n` is Enter).
    pub fn type_text(&mut self, text: &str) -> &mut Self {
        for ch in text.chars() {
            let key = match ch {
                '\n' => "enter".to_string(),
                ' ' => "space".to_string(),
                c => c.to_string(),
            };
            self.press(&key);
        }
        self
    }

    /// Text pasted in one piece (bracketed paste), then settles.
    pub fn paste(&mut self, text: &str) -> &mut Self {
        self.keys
            .try_send(Event::Paste(text.to_string()))
            .expect("input channel has room");
        self.settle();
        self
    }

    /// The terminal becomes `w`x`h` (the backend and the event both, as a
    /// real resize does), then settles.
    pub fn resize(&mut self, w: u16, h: u16) -> &mut Self {
        self.lp.io.terminal.backend_mut().resize(w, h);
        self.keys
            .try_send(Event::Resize(w, h))
            .expect("input channel has room");
        self.settle();
        self
    }

    /// A terminating signal arrives (`"SIGTERM"`, ...).
    pub fn signal(&mut self, name: &'static str) -> &mut Self {
        self.signals
            .try_send(name)
            .expect("signal channel has room");
        self.settle();
        self
    }

    /// Runs the loop with the runtime's clock paused until the App asks to
    /// exit: tokio moves a paused clock straight to the next timer, so a
    /// deadline passes without the test waiting for it. Returns the loop's
    /// clock at the exit: the test measures from a `mono_now` of its own,
    /// taken before what set the deadline, since the real time that passes
    /// before the clock is paused here depends on the machine's load.
    pub fn run_until_exit(&mut self) -> tokio::time::Instant {
        let lp = &mut self.lp;
        self.rt.block_on(async {
            tokio::time::pause();
            // Bounded: the clock's first tick may come before the timer.
            for _ in 0..10 {
                if lp.app.exit_requested() {
                    break;
                }
                lp.turn().await.expect("the loop turn succeeds");
            }
            assert!(lp.app.exit_requested(), "the loop did not end");
            let end = tokio::time::Instant::now();
            tokio::time::resume();
            end
        })
    }

    /// The loop's runtime's monotonic clock.
    pub fn mono_now(&self) -> tokio::time::Instant {
        self.rt.block_on(async { tokio::time::Instant::now() })
    }

    /// The current producer sends `ev` and the loop runs one wake-up with
    /// `key` waiting too: the wake-up `key` makes, unless `ev` is read
    /// first.
    pub fn emit_then_press_one_turn(&mut self, ev: ProducerEvent, key: &str) -> &mut Self {
        self.settle();
        self.producer()
            .events
            .try_send(ev)
            .expect("event channel has room");
        self.keys
            .try_send(Self::key_event(key))
            .expect("input channel has room");
        let lp = &mut self.lp;
        self.rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(5), lp.turn()).await })
            .expect("the wake-up returns")
            .expect("the loop turn succeeds");
        self
    }

    /// The producer the loop talks to now.
    pub fn producer(&mut self) -> &mut Fake {
        self.producers.last_mut().expect("a producer was started")
    }

    /// The current producer sends `ev`; the loop handles it.
    pub fn emit(&mut self, ev: ProducerEvent) -> &mut Self {
        self.emit_together(vec![ev])
    }

    /// The current producer sends `events` at once: the loop takes them in
    /// one wake-up, as it does a flood of them.
    pub fn emit_together(&mut self, events: Vec<ProducerEvent>) -> &mut Self {
        for ev in events {
            self.producer()
                .events
                .try_send(ev)
                .expect("event channel has room");
        }
        self.settle();
        self
    }

    /// The loop's clock moves on by `by`, and the loop takes the time as
    /// its clock's tick would (a paced import or resend sends what is due).
    /// The clock's own tick is an hour apart here, so a terminal focus
    /// event, which is no action, wakes the loop: every wake-up reads the
    /// clock first.
    pub fn advance(&mut self, by: chrono::Duration) -> &mut Self {
        *self.now.lock().expect("clock") += by;
        self.keys
            .try_send(Event::FocusGained)
            .expect("input channel has room");
        self.settle();
        self
    }

    /// Gives the loop a journal in a folder of its own that already holds
    /// `records` (oldest first), as an earlier session left them: `H`
    /// reads them back, and what completes now is written after them.
    pub fn start_journal(&mut self, records: &[rmq_journal::Record]) -> &mut Self {
        let dir = tempfile::tempdir().expect("a folder for the journal");
        let lines: String = records
            .iter()
            .map(|r| serde_json::to_string(r).expect("a record as JSON") + "\n")
            .collect();
        std::fs::write(rmq_journal::file_path(dir.path(), 0), lines).expect("writing the journal");
        self.lp.io.journal = Some(rmq_journal::Journal::start(rmq_journal::Settings {
            dir: dir.path().to_path_buf(),
            max_bytes: rmq_journal::DEFAULT_MAX_BYTES,
            keep: rmq_journal::DEFAULT_KEEP,
        }));
        self.journal_dir = Some(dir);
        self
    }

    /// Every record of the journal `start_journal` gave the loop, oldest
    /// first, once what waits has been written.
    pub fn journal_records(&self) -> Vec<rmq_journal::Record> {
        let (Some(journal), Some(dir)) = (&self.lp.io.journal, &self.journal_dir) else {
            panic!("no journal was started");
        };
        journal.flush().expect("the journal writes what waits");
        let read = rmq_journal::read_dir(dir.path()).expect("reading the journal");
        assert!(read.warnings.is_empty(), "{:?}", read.warnings);
        read.records
    }

    /// The current producer's task panics.
    pub fn kill(&mut self, msg: &str) -> &mut Self {
        if let Some(end) = self.producer().end.take() {
            let _ = end.send(Ending::Panic(msg.to_string()));
        }
        // The task runs when the runtime does; wait (bounded) for its end.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !self.lp.busy() {
            assert!(
                std::time::Instant::now() < deadline,
                "fake producer did not end"
            );
            self.rt.block_on(tokio::task::yield_now());
        }
        self.settle();
        self
    }

    /// Commands the current producer received since last asked.
    pub fn commands(&mut self) -> Vec<ProducerCommand> {
        self.producer().take_commands()
    }

    /// What the editor effect runs from now on (the loop's own runs the
    /// operator's editor with the terminal suspended).
    pub fn set_editor(&mut self, editor: crate::console::event_loop::Editor<'static>) {
        self.lp.io.editor = editor;
    }

    pub fn app(&self) -> &App {
        &self.lp.app
    }

    /// The screen as text, one line per row.
    pub fn screen(&self) -> String {
        self.lp.io.terminal.backend().to_string()
    }

    /// Panics, showing the screen, unless it contains `text`.
    #[track_caller]
    pub fn assert_shows(&self, text: &str) -> &Self {
        let screen = self.screen();
        assert!(screen.contains(text), "{text:?} not on screen:\n{screen}");
        self
    }
}
