//! The run loop: waits on the terminal's input, signals, the producer's
//! events, its task's end, file work off the loop and the clock; turns what
//! arrived into actions (`input` translates the terminal's events) and folds
//! them into the App; applies the effects `update` pushes onto one queue
//! until it is empty (file work goes to blocking tasks, which answer with an
//! action); draws at most once per frame. The App changes only through
//! `update`: signals, resizes and a lost terminal are actions too, and the
//! loop reads `exit_requested` to stop. Generic over ratatui's `Backend`,
//! with input, producer spawning, clipboard and clock passed in (`Io`), so a
//! test runs this very loop on `TestBackend` with a fake producer at the
//! other end.

use std::io;
use std::time::Duration;

use anyhow::anyhow;
use chrono::{DateTime, Local};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::Event;
use ratatui::layout::Rect;
use tokio::sync::mpsc;
use tokio::task::JoinError;
use tokio::time::Instant;

use super::app::{Action, App, Effect, Effects};
use super::fetch_worker::{Job, Worker};
use super::{input, ui};
use crate::theme::Styles;
use rmq_engine::producer::{
    ProducerCommand, ProducerEvent, ProducerHandle, ProducerSettings, SubmitError,
};

/// How long the history pane's read waits for the journal's writer to
/// write what waits: one lock wait (`rmq_journal::LOCK_WAIT`) and a write.
const HISTORY_FLUSH_WAIT: Duration = Duration::from_secs(2);

/// The file in the state directory listing recently imported paths.
const RECENT_IMPORTS: &str = "recent-imports";

/// At most this many entries of a folder are offered to path completion.
const COMPLETE_LIMIT: usize = 10_000;

/// One running producer as the loop sees it: where commands go, where its
/// events come from, and its task (whose end without `Stopped` is a death).
pub struct Link {
    pub handle: ProducerHandle,
    pub events: mpsc::Receiver<ProducerEvent>,
    pub join: tokio::task::JoinHandle<()>,
}

/// Starts a producer for the given settings.
pub type Spawn<'a> = Box<dyn FnMut(&ProducerSettings) -> Link + 'a>;
/// Puts text on the operator's clipboard through the terminal.
pub type Copy<'a, B> = Box<dyn FnMut(&mut Terminal<B>, &str) -> io::Result<()> + 'a>;

/// How often the loop may draw and samples the clock.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// Minimum time between two draws.
    pub frame: Duration,
    /// How often the clock is sampled; a sample only redraws when it
    /// changes something visible.
    pub clock: Duration,
    /// Minimum time between two reads of the producer's events. In a
    /// burst they wait in the channel and are read together, so the UI
    /// thread wakes once per this instead of once per event (a wake-up
    /// from another thread is a context switch: docs/performance.md); an
    /// event after a quiet spell is read at once.
    pub events: Duration,
}

impl Pacing {
    /// ~30 fps, clock every 250 ms, events read at most every 10 ms: a
    /// third of a frame, so what is drawn is at most that much older than
    /// what has arrived.
    pub const SCREEN: Pacing = Pacing {
        frame: Duration::from_millis(33),
        clock: Duration::from_millis(250),
        events: Duration::from_millis(10),
    };

    /// When the producer's events may next be read, the last read having
    /// been at `last_read` (`read_ended`'s): `None` when they may be read
    /// now. No clock reading without a hold.
    pub fn events_from(&self, last_read: Option<Instant>) -> Option<Instant> {
        last_read
            .filter(|_| !self.events.is_zero())
            .map(|t| t + self.events)
            .filter(|t| *t > Instant::now())
    }

    /// What a read that took `n` events leaves for `events_from`: now, so
    /// the hold starts, or `None` when there is no hold, or when the read
    /// was full (`EVENTS_PER_READ`) and more are waiting. Holding a
    /// backlog would cap what is read at 256 events per hold, 25,600 a
    /// second at 10 ms, about what a fast async burst makes: the channel
    /// would fill and the producer wait for the screen.
    pub fn read_ended(&self, n: usize) -> Option<Instant> {
        (!self.events.is_zero() && n < EVENTS_PER_READ).then(Instant::now)
    }
}

/// The producer's events read per wake-up at most: a flood is folded in
/// turns, so that keys and frames come between.
pub const EVENTS_PER_READ: usize = 256;

/// Everything outside the App the loop talks to.
pub struct Io<'a, B: Backend> {
    pub terminal: Terminal<B>,
    pub input: mpsc::Receiver<Event>,
    /// Names of terminating signals (SIGHUP, SIGTERM, SIGQUIT, SIGINT).
    pub signals: mpsc::Receiver<&'static str>,
    pub spawn: Spawn<'a>,
    pub copy: Copy<'a, B>,
    pub clock: Box<dyn Fn() -> DateTime<Local> + 'a>,
    pub pacing: Pacing,
    /// The journal's writer (`None`: none kept, as in most tests). Dropped
    /// with the loop, which writes what is waiting.
    pub journal: Option<rmq_journal::Journal>,
    /// Where the results export writes its files.
    pub export_dir: std::path::PathBuf,
    /// Where the console keeps what it remembers between runs (the
    /// recently imported files).
    pub state_dir: std::path::PathBuf,
    /// The saved messages folder.
    pub messages_dir: std::path::PathBuf,
    /// Makes the client scope the fetcher starts in (`None`: no fetching
    /// in this session, as in most tests: a fetch is answered with why).
    pub fetch_context: Option<Box<dyn Fn() -> rmq_engine::runtime::ChildServiceContext + 'a>>,
    /// Runs the operator's editor on a text (`text`, the file's suffix),
    /// with the terminal suspended: the saved text, or why not. A test
    /// passes a function that edits the text itself.
    pub editor: Editor<'a>,
}

/// See `Io::editor`.
pub type Editor<'a> = Box<dyn FnMut(&str, &str) -> Result<String, String> + 'a>;

/// The producer currently attached, with what the loop knows of its end.
struct Producer {
    link: Link,
    events_open: bool,
    join_done: bool,
    stopped: bool,
}

/// What woke the loop.
enum Wake {
    /// `n` events were read into the buffer (0: the channel closed).
    Events(usize),
    Joined(Result<(), JoinError>),
    Input(Event),
    Signal(&'static str),
    /// A signal's shutdown ran past its grace.
    SignalDeadline,
    Clock,
    Frame,
    /// File work off the loop finished (`None`: it died).
    File(Option<Action>),
    /// The fetcher answered (`None`: its task ended).
    Fetched(Option<Action>),
}

pub struct Loop<'a, B: Backend> {
    pub app: App,
    pub io: Io<'a, B>,
    styles: Styles,
    producer: Producer,
    buf: Vec<ProducerEvent>,
    /// When the producer's events were last read (`Pacing::events`).
    last_read: Option<Instant>,
    clock: tokio::time::Interval,
    last_draw: Option<Instant>,
    /// When the shutdown a signal started must be over (armed by
    /// `Effect::SignalDeadline`).
    deadline: Option<Instant>,
    /// File work running off the loop (the journal read for the history
    /// pane, an import's file, an export's files), each ending in the
    /// action it answers with.
    files: tokio::task::JoinSet<Action>,
    /// The journal read among them: one at a time.
    history: Option<tokio::task::AbortHandle>,
    /// The fetcher's task, started on the first fetch.
    fetcher: Option<Worker>,
}

/// Runs the loop until the App asks to exit; returns the App for the exit
/// report, and the journal's writer for the caller to close once the
/// terminal is restored (closing may wait, boundedly, on another process's
/// lock: not with the terminal in raw mode).
pub async fn run<B: Backend>(
    app: App,
    io: Io<'_, B>,
    styles: Styles,
) -> anyhow::Result<(App, Option<rmq_journal::Journal>)>
where
    B::Error: Send + Sync + 'static,
{
    let mut lp = Loop::new(app, io, styles)?;
    if lp.app.tour_source.is_some() {
        // `rmq-console demo`: the console opens on its tour, as the tour
        // key would open it.
        let mut fx = Effects::new();
        lp.app
            .update(Action::Key(crate::console::keymap::Bind::Tour), &mut fx);
        lp.apply(fx)?;
    }
    while !lp.app.exit_requested() {
        lp.turn().await?;
    }
    if let Some(w) = lp.fetcher.take() {
        w.stop().await;
    }
    let journal = lp.io.journal.take();
    Ok((lp.app, journal))
}

impl<'a, B: Backend> Loop<'a, B>
where
    B::Error: Send + Sync + 'static,
{
    /// Starts the producer for the App's active profile.
    pub fn new(app: App, mut io: Io<'a, B>, styles: Styles) -> anyhow::Result<Self> {
        let producer = spawn(&mut io.spawn, &app, io.journal.as_ref())?;
        let mut clock = tokio::time::interval(io.pacing.clock);
        clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        Ok(Self {
            app,
            io,
            styles,
            producer,
            buf: Vec::with_capacity(EVENTS_PER_READ),
            last_read: None,
            clock,
            last_draw: None,
            deadline: None,
            files: tokio::task::JoinSet::new(),
            history: None,
            fetcher: None,
        })
    }

    /// One wake-up: draw if due, wait for something, fold it in, apply the
    /// effects.
    pub async fn turn(&mut self) -> anyhow::Result<()> {
        self.draw_if_due()?;
        let frame = self.io.pacing.frame;
        let next_frame = self.last_draw.map_or_else(Instant::now, |t| t + frame);
        let p = &mut self.producer;
        let files = &mut self.files;
        let fetched = self.fetcher.as_mut().map(|w| &mut w.answers);
        let fetching = fetched.is_some();
        let read_from = self.io.pacing.events_from(self.last_read);
        // Unbiased on purpose: a burst's event flood must not starve the
        // keyboard (the operator has to be able to cancel it).
        let wake = tokio::select! {
            n = async {
                if let Some(t) = read_from {
                    tokio::time::sleep_until(t).await;
                }
                p.link.events.recv_many(&mut self.buf, EVENTS_PER_READ).await
            }, if p.events_open => Wake::Events(n),
            res = &mut p.link.join, if !p.join_done => Wake::Joined(res),
            Some(ev) = self.io.input.recv() => Wake::Input(ev),
            Some(sig) = self.io.signals.recv() => Wake::Signal(sig),
            _ = tokio::time::sleep_until(self.deadline.unwrap_or_else(Instant::now)),
                if self.deadline.is_some() => Wake::SignalDeadline,
            _ = self.clock.tick() => Wake::Clock,
            _ = tokio::time::sleep_until(next_frame), if self.app.needs_draw() => Wake::Frame,
            Some(done) = files.join_next(), if !files.is_empty() => Wake::File(done.ok()),
            a = async { match fetched { Some(rx) => rx.recv().await, None => None } },
                if fetching => Wake::Fetched(a),
        };
        let mut effects = Effects::new();
        match wake {
            Wake::Events(n) => {
                self.last_read = self.io.pacing.read_ended(n);
                if n == 0 {
                    self.producer.events_open = false;
                }
                self.tick(&mut effects);
                // Taken out and put back so the buffer keeps its capacity.
                let mut events = std::mem::take(&mut self.buf);
                for ev in events.drain(..) {
                    self.event(ev, &mut effects);
                }
                self.buf = events;
            }
            Wake::Joined(res) => self.joined(res, &mut effects),
            Wake::Input(ev) => {
                self.tick(&mut effects);
                self.input(ev, &mut effects);
                // Take whatever else is already typed before drawing.
                while let Ok(ev) = self.io.input.try_recv() {
                    self.input(ev, &mut effects);
                }
            }
            Wake::Signal(sig) => {
                self.tick(&mut effects);
                self.app.update(Action::Signal(sig), &mut effects);
            }
            Wake::SignalDeadline => {
                self.deadline = None;
                self.app.update(Action::SignalDeadline, &mut effects);
            }
            Wake::Clock => self.tick(&mut effects),
            Wake::Frame => {}
            Wake::Fetched(None) => {
                // The worker ended (a panic): the next fetch starts another.
                self.fetcher = None;
            }
            Wake::Fetched(Some(a)) => {
                self.tick(&mut effects);
                self.app.update(a, &mut effects);
            }
            Wake::File(action) => {
                self.tick(&mut effects);
                if let Some(a) = action {
                    self.app.update(a, &mut effects);
                }
            }
        }
        self.apply(effects)
    }

    /// Draws when something changed and the last frame is old enough.
    pub fn draw_if_due(&mut self) -> anyhow::Result<()> {
        let frame = self.io.pacing.frame;
        if self.app.needs_draw() && self.last_draw.is_none_or(|t| t.elapsed() >= frame) {
            let (app, styles) = (&self.app, &self.styles);
            if let Err(e) = self.io.terminal.draw(|f| ui::render(f, app, styles)) {
                // The App decides whether that ends the run.
                let why = format!("{:#}", anyhow::Error::new(e));
                let mut effects = Effects::new();
                self.app.update(Action::TerminalLost(why), &mut effects);
                self.apply(effects)?;
            }
            self.app.drawn();
            if self.last_draw.is_none() {
                // docs/performance.md measures start-up up to this line.
                tracing::info!("first frame drawn");
            }
            self.last_draw = Some(Instant::now());
        }
        Ok(())
    }

    fn tick(&mut self, effects: &mut Effects) {
        let now = (self.io.clock)();
        self.app.update(Action::Tick(now), effects);
        if let Some(problem) = self.io.journal.as_ref().and_then(|j| j.problem()) {
            self.app.update(Action::JournalProblem(problem), effects);
        }
    }

    fn event(&mut self, ev: ProducerEvent, effects: &mut Effects) {
        if matches!(ev, ProducerEvent::Stopped { .. }) {
            self.producer.stopped = true;
        }
        self.app.update(Action::Producer(ev), effects);
    }

    /// The producer task ended. Its last events may still be queued;
    /// `Stopped` among them means a normal end, not a death.
    fn joined(&mut self, res: Result<(), JoinError>, effects: &mut Effects) {
        self.producer.join_done = true;
        self.tick(effects);
        while let Ok(ev) = self.producer.link.events.try_recv() {
            self.event(ev, effects);
        }
        if self.producer.stopped {
            return;
        }
        let why = match res {
            Err(e) if e.is_panic() => {
                let payload = e.into_panic();
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                format!("panicked: {msg}")
            }
            Err(e) => format!("aborted: {e}"),
            Ok(()) => "ended unexpectedly".into(),
        };
        tracing::error!("producer task {why}");
        self.app.update(Action::ProducerDied(why), effects);
    }

    fn input(&mut self, ev: Event, effects: &mut Effects) {
        let area = self
            .io
            .terminal
            .size()
            .map(|s| Rect::new(0, 0, s.width, s.height))
            .unwrap_or_default();
        // Each event is translated once the one before it is folded in:
        // what a key means depends on where the App is.
        for ev in input::split_esc_prefix(&self.app, ev) {
            if let Some(a) = input::to_action(&self.app, area, ev) {
                self.app.update(a, effects);
            }
        }
    }

    /// Applies effects until none are left; whatever a handler feeds back
    /// into `update` queues its effects too. Once the App has asked to exit,
    /// only what outlasts the console is carried out.
    fn apply(&mut self, mut queue: Effects) -> anyhow::Result<()> {
        while let Some(effect) = queue.pop_front() {
            if self.app.exit_requested() && !effect.outlasts_exit() {
                tracing::debug!("exiting: not carried out: {effect:?}");
                continue;
            }
            let fed_back = match effect {
                Effect::Submit(cmd) => self.submit(cmd),
                Effect::Copy(text) => {
                    if let Err(e) = (self.io.copy)(&mut self.io.terminal, &text) {
                        tracing::warn!("OSC 52 copy: {e}");
                    }
                    None
                }
                Effect::RestartProducer => {
                    if !self.producer.join_done {
                        self.producer.link.join.abort();
                    }
                    self.producer = spawn(&mut self.io.spawn, &self.app, self.io.journal.as_ref())?;
                    Some(Action::ProducerRestarted)
                }
                Effect::LoadHistory => self.load_history(),
                Effect::ReadImport { path, max_body } => {
                    // A big file, or a path that is a pipe or a device,
                    // must not freeze the screen.
                    self.files.spawn_blocking(move || {
                        let parsed = read_import(&path, max_body);
                        Action::ImportLoaded { path, parsed }
                    });
                    None
                }
                Effect::SaveChart(svg) => {
                    let dir = self.io.export_dir.clone();
                    let now = (self.io.clock)();
                    self.files.spawn_blocking(move || {
                        let path = dir.join(format!("compare-{}.svg", now.format("%Y%m%d-%H%M%S")));
                        let written = std::fs::create_dir_all(&dir)
                            .map_err(anyhow::Error::from)
                            .and_then(|()| crate::chart::write(&path, &svg));
                        Action::Exported(
                            written
                                .map(|()| format!("saved the comparison as {}", path.display()))
                                .map_err(|e| format!("saving the comparison failed: {e:#}")),
                        )
                    });
                    None
                }
                Effect::Editor { target, text } => {
                    // On the loop's thread: the screen is the editor's until
                    // it exits, and nothing may draw meanwhile.
                    let result = (self.io.editor)(&text, target.suffix(&text));
                    // Everything is drawn again over what the editor left.
                    if let Err(e) = self.io.terminal.clear() {
                        tracing::warn!("clearing the terminal after the editor: {e}");
                    }
                    Some(Action::Edited { target, result })
                }
                Effect::ReadBody { path, max } => {
                    // A pipe or a slow mount must not freeze the screen.
                    self.files.spawn_blocking(move || {
                        let result = rmq_model::body::read_file(&super::files::expand(&path), max)
                            .map_err(|e| format!("{e:#}"));
                        Action::BodyRead { path, result }
                    });
                    None
                }
                Effect::ListPath(typed) => {
                    // A folder on a slow mount must not freeze the screen.
                    self.files.spawn_blocking(move || {
                        let entries = super::files::entries(&typed, COMPLETE_LIMIT);
                        Action::PathEntries { typed, entries }
                    });
                    None
                }
                Effect::Saved(op) => {
                    let dir = self.io.messages_dir.clone();
                    self.files
                        .spawn_blocking(move || super::files::saved_op(&dir, op));
                    None
                }
                Effect::LoadRecentImports => {
                    let file = self.io.state_dir.join(RECENT_IMPORTS);
                    self.files.spawn_blocking(move || {
                        Action::RecentImports(super::files::read_recent(&file))
                    });
                    None
                }
                Effect::RememberImport(path) => {
                    let file = self.io.state_dir.join(RECENT_IMPORTS);
                    // Nothing to answer: a convenience whose failure is
                    // logged, not shown (the write is atomic either way).
                    tokio::task::spawn_blocking(move || {
                        if let Err(e) = super::files::remember(&file, &path) {
                            tracing::warn!("remembering {path} in {}: {e:#}", file.display());
                        }
                    });
                    None
                }
                Effect::Export(entries) => {
                    // A full results ring is megabytes to format and sync:
                    // the screen must not freeze meanwhile.
                    let dir = self.io.export_dir.clone();
                    let session = self.io.journal.as_ref().map(|j| j.session().to_string());
                    let now = (self.io.clock)();
                    self.files.spawn_blocking(move || {
                        let written = rmq_journal::export::write_results(
                            &dir,
                            session.as_deref(),
                            &entries,
                            now,
                        );
                        Action::Exported(written.map_err(|e| format!("export failed: {e:#}")))
                    });
                    None
                }
                Effect::Fetch { id, request } => self.fetch(id, Job::Lookup(request)),
                Effect::Tail { id, topic, n } => self.fetch(id, Job::Tail { topic, n }),
                Effect::Follow { id } => self.fetch(id, Job::Follow),
                Effect::GroupLens { id, group } => self.fetch(id, Job::Group(group)),
                Effect::ConsumedBy { id, message } => self.fetch(id, Job::ConsumedBy(message)),
                Effect::ExportFetched(lines) => {
                    let dir = self.io.export_dir.clone();
                    let now = (self.io.clock)();
                    self.files.spawn_blocking(move || {
                        Action::Exported(
                            export_fetched(&dir, &lines, now)
                                .map_err(|e| format!("export failed: {e:#}")),
                        )
                    });
                    None
                }
                Effect::Journal(entry) => {
                    if let Some(j) = &self.io.journal {
                        j.record(*entry);
                    }
                    None
                }
                Effect::SignalDeadline(after) => {
                    self.deadline = Some(Instant::now() + after);
                    None
                }
                Effect::Fail(why) => return Err(anyhow!(why)),
                Effect::StartProducer => {
                    // The App has already switched to the new profile. An
                    // old task that reported `Stopped` is finishing on its
                    // own; one past its grace is stuck and is aborted.
                    if !self.producer.join_done && !self.producer.stopped {
                        self.producer.link.join.abort();
                    }
                    self.producer = spawn(&mut self.io.spawn, &self.app, self.io.journal.as_ref())?;
                    None
                }
            };
            if let Some(action) = fed_back {
                self.app.update(action, &mut queue);
            }
        }
        Ok(())
    }

    /// Starts reading the journal for the history pane on a blocking
    /// thread: first the writer is asked to write what waits (answered
    /// within `HISTORY_FLUSH_WAIT`: another process may hold the journal's
    /// lock), then the files are read (several 64 MiB files take a while).
    /// The screen must not freeze for either.
    fn load_history(&mut self) -> Option<Action> {
        let Some(j) = &self.io.journal else {
            return Some(Action::HistoryLoaded {
                records: Vec::new(),
                warnings: vec!["no journal in this session".into()],
                unflushed: None,
                older_unread: false,
            });
        };
        if self.history.as_ref().is_some_and(|h| !h.is_finished()) {
            return None;
        }
        let flusher = j.flusher();
        let dir = j.dir().to_path_buf();
        let cap = rmq_journal::replay::line_cap(self.app.max_message_bytes());
        let limit = self.app.history_limit;
        self.history = Some(self.files.spawn_blocking(move || {
            let unflushed = flusher
                .map_or(Ok(()), |f| f.flush_within(HISTORY_FLUSH_WAIT))
                .err();
            // The newest records only, read from the end: the pane keeps
            // no more, and a 3 GB journal (or line) must not be read.
            match rmq_journal::read_newest(&dir, limit, cap) {
                Ok(read) => Action::HistoryLoaded {
                    records: read.records,
                    warnings: read.warnings,
                    unflushed,
                    older_unread: read.older_unread,
                },
                Err(e) => Action::HistoryLoaded {
                    records: Vec::new(),
                    warnings: vec![format!("{}: {e}", dir.display())],
                    unflushed,
                    older_unread: false,
                },
            }
        }));
        None
    }

    /// Hands a lookup to the fetcher's task, starting it for the active
    /// profile first (and stopping one started for another profile).
    fn fetch(&mut self, id: u64, job: Job) -> Option<Action> {
        let Some(make) = &self.io.fetch_context else {
            return Some(job.failed(id, "fetching is not available in this session".into()));
        };
        let profile = self.app.profile().name.clone();
        if self.fetcher.as_ref().is_some_and(|w| w.profile != profile)
            && let Some(old) = self.fetcher.take()
        {
            // Stopped off the loop: the screen must not wait on it.
            tokio::spawn(old.stop());
        }
        if self.fetcher.is_none() {
            let settings = match self.app.current_settings() {
                Ok(s) => s,
                Err(e) => return Some(job.failed(id, format!("profile {profile}: {e}"))),
            };
            self.fetcher = Some(Worker::spawn(&profile, make(), settings));
        }
        let w = self.fetcher.as_ref()?;
        // Room for a few: the worker reads each as soon as it arrives
        // (a newer one replaces the running one).
        match w.requests.try_send((id, job)) {
            Ok(()) => None,
            Err(e) => {
                let why = format!("the fetcher is busy or gone: {e}");
                let (id, job) = e.into_inner();
                Some(job.failed(id, why))
            }
        }
    }

    /// Hands a command to the producer without waiting; what did not get
    /// there comes back as an action for the App.
    fn submit(&mut self, cmd: ProducerCommand) -> Option<Action> {
        let handle = &self.producer.link.handle;
        let (first_seq, count, mode, burst) = match &cmd {
            ProducerCommand::Send { seq, mode, .. } => (Some(*seq), 1, Some(*mode), None),
            ProducerCommand::Burst(b) => (Some(b.first_seq), b.count, Some(b.mode), Some(b.id)),
            _ => (None, 0, None, None),
        };
        let shutdown = match &cmd {
            ProducerCommand::Shutdown { grace } => Some(*grace),
            _ => None,
        };
        match handle.try_submit(cmd) {
            Ok(()) => None,
            Err(SubmitError::Full) if shutdown.is_some() => {
                // Shutdown must arrive; wait for room off the UI path.
                let h = handle.clone();
                let grace = shutdown.unwrap_or_default();
                tokio::spawn(async move {
                    let _ = h.submit(ProducerCommand::Shutdown { grace }).await;
                });
                None
            }
            Err(error) => Some(Action::SubmitFailed {
                first_seq,
                count,
                mode,
                burst,
                error,
            }),
        }
    }

    /// Whether anything is waiting for the loop right now (tests settle on
    /// this).
    #[cfg(test)]
    pub fn busy(&self) -> bool {
        !self.io.input.is_empty()
            || !self.io.signals.is_empty()
            || (self.producer.events_open && !self.producer.link.events.is_empty())
            || (!self.producer.join_done && self.producer.link.join.is_finished())
            || !self.files.is_empty()
    }
}

fn spawn(
    spawn: &mut Spawn<'_>,
    app: &App,
    journal: Option<&rmq_journal::Journal>,
) -> anyhow::Result<Producer> {
    let mut settings = app
        .current_settings()
        .map_err(|e| anyhow!("profile {}: {e}", app.profile().name))?
        .clone();
    // Each send is written into the journal before it leaves, under the
    // profile's name (when the profile keeps a journal).
    let profile = app.profile();
    if profile.journal
        && let Some(j) = journal
    {
        let options =
            rmq_model::message::Mode::ALL.map(|m| crate::journal_plan::options(&settings, m));
        settings.write_ahead = j.write_ahead(&profile.name, options);
    }
    Ok(Producer {
        link: spawn(&settings),
        events_open: true,
        join_done: false,
        stopped: false,
    })
}

/// Writes fetched messages (replay-format lines) as
/// `fetch-YYYYMMDD-HHMMSS.jsonl` in `dir`, atomically: a failed write
/// leaves no half file.
fn export_fetched(
    dir: &std::path::Path,
    lines: &[String],
    now: DateTime<Local>,
) -> anyhow::Result<String> {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("fetch-{}.jsonl", now.format("%Y%m%d-%H%M%S")));
    let mut text = lines.join("\n");
    text.push('\n');
    rmq_model::fsutil::write_atomic(&path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(format!(
        "exported {} fetched message(s) to {}",
        lines.len(),
        path.display()
    ))
}

/// Reads and validates a replay file for the import dialog (`~/` is the
/// home directory) through the one reader of replay files, which opens only
/// a regular file (a pipe would wait for a writer, a device may never end)
/// of at most `rmq_journal::replay::MAX_BYTES`.
fn read_import(path: &str, max_body: usize) -> Result<rmq_journal::replay::Parsed, String> {
    let full = super::files::expand(path);
    let mut parsed = rmq_journal::replay::read(&full, None, max_body)?;
    // The operator's words, as the problems list names the file.
    parsed.origin = path.to_string();
    Ok(parsed)
}
