//! The TUI: compose a message, pick the mode, watch results and callbacks
//! and per-mode counters. `run` owns the terminal and the loop; `app` holds
//! the state and its pure `update`; `ui` draws it; `keymap` turns keys into
//! actions.

pub mod app;
pub mod keymap;
pub mod stats;
pub mod tui;
pub mod ui;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use chrono::Local;
use ratatui::crossterm::event::{self, Event, KeyEventKind, MouseButton, MouseEventKind};
use ratatui::layout::Rect;
use ratatui_textarea::Input;
use tokio::sync::mpsc;

use crate::producer::{self, ProducerCommand, ProducerEvent, ProducerHandle, SubmitError};
use crate::runtime::Runtime;
use crate::theme::Styles;
use app::{Action, App, AppConfig, Effect};
use keymap::Keymap;

/// What `main` hands the console.
pub struct Session {
    /// Every target the picker offers; the console starts on `current`.
    pub profiles: Vec<ProfileChoice>,
    /// Index into `profiles` of the active one; its settings must be `Ok`.
    pub current: usize,
    pub styles: Styles,
    pub key_overrides: BTreeMap<String, String>,
    pub results_capacity: usize,
    /// Shown in the status bar and the log when the console opens.
    pub warnings: Vec<String>,
}

/// One entry of the profile picker: everything the console needs to switch
/// to it without reading config or the environment again.
#[derive(Debug, Clone)]
pub struct ProfileChoice {
    pub name: String,
    /// What the status bar and the picker show.
    pub endpoint: String,
    /// Every send asks for a confirmation showing profile, topic, count.
    pub protected: bool,
    /// Status-bar marker colour, so production looks different.
    pub color: Option<ratatui::style::Color>,
    pub default_topic: Option<String>,
    pub default_tag: Option<String>,
    /// `Err` says why it cannot be used (e.g. a missing environment
    /// variable); the picker shows it and choosing it changes nothing.
    pub settings: Result<producer::ProducerSettings, String>,
    /// The sandbox this process started (only then is it a choice).
    pub sandbox: bool,
}

/// Frame interval cap (~30 fps).
const FRAME: Duration = Duration::from_millis(33);
/// How often the clock is sampled; a sample only redraws when it changes
/// something visible.
const CLOCK: Duration = Duration::from_millis(250);
/// After a terminating signal: the producer's grace (at most), and how much
/// longer the console waits for its final report.
const SIGNAL_GRACE: Duration = Duration::from_secs(1);
const SIGNAL_SLACK: Duration = Duration::from_millis(500);
/// How long the exit waits for the terminal reader thread to notice.
const INPUT_STOP_WAIT: Duration = Duration::from_millis(300);

/// Runs the console until the operator quits. Call from a plain thread (not
/// inside the runtime). Prints the unresolved-send report to stderr after the
/// terminal is restored.
pub fn run(rt: &Runtime, session: Session) -> anyhow::Result<()> {
    let mut keymap = Keymap::default();
    keymap
        .apply_overrides(&session.key_overrides)
        .map_err(|e| anyhow!("key binding: {e}"))?;
    // Checked before raw mode so the message reaches the operator.
    match session.profiles.get(session.current) {
        None => return Err(anyhow!("no profile to start on")),
        Some(ProfileChoice {
            name,
            settings: Err(e),
            ..
        }) => return Err(anyhow!("profile {name}: {e}")),
        Some(_) => {}
    }
    let mut app = App::new(
        AppConfig {
            profiles: session.profiles,
            current: session.current,
            results_capacity: session.results_capacity,
            keymap,
        },
        Local::now(),
    );
    for w in session.warnings {
        app.warn(w);
    }
    let styles = session.styles;
    let app = {
        let mut guard = tui::TerminalGuard::enter().context("setting up the terminal")?;
        let input = InputThread::start();
        let result = rt.block_on(event_loop(rt, &mut guard, app, &styles, input.rx));
        input.stop.store(true, Ordering::SeqCst);
        // After a hangup the reader can sit in a read() on the dead
        // terminal for good: give it a moment, then leave it behind (the
        // process is about to end).
        let until = Instant::now() + INPUT_STOP_WAIT;
        while !input.join.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        if input.join.is_finished() {
            let _ = input.join.join();
        } else {
            tracing::info!("terminal reader still blocked; not waiting for it");
        }
        drop(guard);
        result?
    };
    // The terminal is back to normal (or gone, after SIGHUP): the report
    // goes to the log, and to stderr when that still works.
    let n = app.unresolved_count();
    if n > 0 {
        let mut msg = format!("rmq-console: {n} send(s) unresolved at exit");
        if let Some(list) = &app.unresolved {
            let shown: Vec<String> = list
                .iter()
                .take(20)
                .map(|(seq, mode)| format!("#{seq} {mode}"))
                .collect();
            msg.push_str(&format!(": {}", shown.join(", ")));
            if list.len() > 20 {
                msg.push_str(", …");
            }
        } else {
            msg.push_str(" (quit before the producer reported them)");
        }
        if let Some(list) = &app.unresolved {
            let all: Vec<String> = list
                .iter()
                .map(|(seq, mode)| format!("#{seq} {mode}"))
                .collect();
            tracing::warn!("{n} send(s) unresolved at exit: {}", all.join(", "));
        } else {
            tracing::warn!("{msg}");
        }
        crate::signals::stderr_line(&msg);
    }
    Ok(())
}

/// Reads terminal events on a plain thread, because crossterm's reader
/// blocks; polls so it can be told to stop.
struct InputThread {
    rx: mpsc::Receiver<Event>,
    stop: Arc<AtomicBool>,
    join: std::thread::JoinHandle<()>,
}

impl InputThread {
    fn start() -> Self {
        let (tx, rx) = mpsc::channel(1024);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let join = std::thread::Builder::new()
            .name("tui-input".into())
            .spawn(move || {
                while !flag.load(Ordering::SeqCst) {
                    match event::poll(Duration::from_millis(100)) {
                        Ok(true) => match event::read() {
                            Ok(ev) => {
                                if tx.blocking_send(ev).is_err() {
                                    return;
                                }
                            }
                            Err(e) => {
                                tracing::warn!("terminal read: {e}");
                                return;
                            }
                        },
                        Ok(false) => {}
                        Err(e) => {
                            tracing::warn!("terminal poll: {e}");
                            return;
                        }
                    }
                }
            })
            .expect("spawning the input thread");
        Self { rx, stop, join }
    }
}

/// Over a slow SSH link Esc and the key typed right after it arrive in one
/// read and are decoded as Alt+key. In a text field, where Alt+digit and the
/// mode-bar letters mean nothing, that pair is what the operator typed: split
/// it back into Esc, then the key. (The editor's own Alt chords, such as
/// Alt+f/b/d for words, are left alone.)
fn split_esc_prefix(app: &App, ev: Event) -> Vec<Event> {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    if let Event::Key(key) = &ev
        && app.takes_text()
        && key.modifiers == KeyModifiers::ALT
        && let KeyCode::Char(c) = key.code
        && (c.is_ascii_digit() || matches!(c, 's' | 'r' | 'q' | '?' | 'x'))
        && app.keymap.lookup(app.context(), key).is_none()
    {
        return vec![
            Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        ];
    }
    vec![ev]
}

/// Maps one terminal event to an action for the App.
fn to_action(app: &App, area: Rect, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            if let Some(b) = app.keymap.lookup(app.context(), &key) {
                Some(Action::Key(b))
            } else if app.takes_text() {
                Some(Action::Edit(Input::from(key)))
            } else {
                None
            }
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => ui::log_index_at(area, app, m.row)
                .map(Action::SelectLine)
                .or_else(|| ui::hit_test(area, app, m.column, m.row).map(Action::FocusPane)),
            MouseEventKind::ScrollDown => Some(Action::Wheel(1)),
            MouseEventKind::ScrollUp => Some(Action::Wheel(-1)),
            _ => None,
        },
        _ => None,
    }
}

struct Producer {
    handle: ProducerHandle,
    events: mpsc::Receiver<ProducerEvent>,
    join: tokio::task::JoinHandle<()>,
    events_open: bool,
    join_done: bool,
    stopped: bool,
}

impl Producer {
    /// Starts the producer for the App's active profile.
    fn spawn(rt: &Runtime, app: &App) -> anyhow::Result<Self> {
        let settings = app
            .current_settings()
            .map_err(|e| anyhow!("profile {}: {e}", app.profile))?
            .clone();
        let (handle, events, join) = producer::spawn(rt.context("producer"), settings);
        Ok(Self {
            handle,
            events,
            join,
            events_open: true,
            join_done: false,
            stopped: false,
        })
    }
}

async fn event_loop(
    rt: &Runtime,
    guard: &mut tui::TerminalGuard,
    mut app: App,
    styles: &Styles,
    mut input: mpsc::Receiver<Event>,
) -> anyhow::Result<App> {
    let mut p = Producer::spawn(rt, &app)?;
    let mut signals = crate::signals::Signals::new().context("installing signal handlers")?;
    // Set by SIGHUP/SIGTERM/SIGQUIT/SIGINT: the console ends as `q` then
    // `q` would, and at the latest by this moment.
    let mut signalled: Option<tokio::time::Instant> = None;
    let mut buf: Vec<ProducerEvent> = Vec::with_capacity(256);
    let mut clock = tokio::time::interval(CLOCK);
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_draw: Option<Instant> = None;
    loop {
        if app.should_exit {
            break;
        }
        if app.dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
            let drawn = guard.terminal.draw(|f| ui::render(f, &app, styles));
            // After a hangup the terminal is gone; ending in order matters
            // more than the screen.
            if let Err(e) = drawn
                && signalled.is_none()
            {
                return Err(e).context("drawing");
            }
            app.dirty = false;
            last_draw = Some(Instant::now());
        }
        let next_frame = last_draw.map_or_else(tokio::time::Instant::now, |t| {
            tokio::time::Instant::from_std(t + FRAME)
        });
        let mut effects: Vec<Effect> = Vec::new();
        // Unbiased on purpose: a burst's event flood must not starve the
        // keyboard (the operator has to be able to cancel it).
        tokio::select! {
            n = p.events.recv_many(&mut buf, 256), if p.events_open => {
                if n == 0 {
                    p.events_open = false;
                }
                effects.extend(app.update(Action::Tick(Local::now())));
                for ev in buf.drain(..) {
                    if matches!(ev, ProducerEvent::Stopped { .. }) {
                        p.stopped = true;
                    }
                    effects.extend(app.update(Action::Producer(ev)));
                }
            }
            res = &mut p.join, if !p.join_done => {
                p.join_done = true;
                // The task's last events may still be queued; `Stopped`
                // among them means a normal end, not a death.
                effects.extend(app.update(Action::Tick(Local::now())));
                while let Ok(ev) = p.events.try_recv() {
                    if matches!(ev, ProducerEvent::Stopped { .. }) {
                        p.stopped = true;
                    }
                    effects.extend(app.update(Action::Producer(ev)));
                }
                if !p.stopped {
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
                    effects.extend(app.update(Action::Tick(Local::now())));
                    effects.extend(app.update(Action::ProducerDied(why)));
                }
            }
            Some(ev) = input.recv() => {
                effects.extend(app.update(Action::Tick(Local::now())));
                let area = guard.terminal.size().map(|s| Rect::new(0, 0, s.width, s.height)).unwrap_or_default();
                if matches!(ev, Event::Resize(..)) {
                    app.dirty = true;
                }
                for ev in split_esc_prefix(&app, ev) {
                    if let Some(a) = to_action(&app, area, ev) {
                        effects.extend(app.update(a));
                    }
                }
                // Take whatever else is already typed before drawing.
                while let Ok(ev) = input.try_recv() {
                    if matches!(ev, Event::Resize(..)) {
                        app.dirty = true;
                    }
                    for ev in split_esc_prefix(&app, ev) {
                        if let Some(a) = to_action(&app, area, ev) {
                            effects.extend(app.update(a));
                        }
                    }
                }
            }
            _ = clock.tick() => {
                effects.extend(app.update(Action::Tick(Local::now())));
            }
            sig = signals.recv() => {
                effects.extend(app.update(Action::Tick(Local::now())));
                if signalled.is_some() {
                    tracing::warn!("{sig} again: quitting now");
                    app.should_exit = true;
                } else {
                    // As `q` does: shut the producer down and wait for its
                    // report of what is still in flight, but with a short
                    // grace: nobody may be watching any more.
                    if sig == "SIGHUP" {
                        crate::signals::detach_from_terminal();
                    }
                    let grace = app.grace.min(SIGNAL_GRACE);
                    tracing::warn!("{sig}: shutting down (grace {grace:?})");
                    app.warn(format!("{sig}: shutting down"));
                    signalled = Some(tokio::time::Instant::now() + grace + SIGNAL_SLACK);
                    if p.stopped || p.join_done || !app.producer_alive {
                        app.should_exit = true;
                    } else {
                        effects.push(Effect::Submit(ProducerCommand::Shutdown { grace }));
                    }
                }
            }
            _ = tokio::time::sleep_until(signalled.unwrap_or_else(tokio::time::Instant::now)), if signalled.is_some() => {
                tracing::warn!("the producer did not report within its grace; quitting");
                app.should_exit = true;
            }
            _ = tokio::time::sleep_until(next_frame), if app.dirty => {}
        }
        if signalled.is_some() && (p.stopped || p.join_done) {
            // The producer has reported (or is gone): nothing left to wait for.
            app.should_exit = true;
            effects.retain(|e| matches!(e, Effect::Copy(_)));
        }
        for effect in effects {
            match effect {
                Effect::Submit(cmd) => submit(&mut app, &p.handle, cmd),
                Effect::Copy(text) => {
                    if let Err(e) = guard.copy(&text) {
                        tracing::warn!("OSC 52 copy: {e}");
                    }
                }
                Effect::RestartProducer => {
                    if !p.join_done {
                        p.join.abort();
                    }
                    p = Producer::spawn(rt, &app)?;
                    app.update(Action::ProducerRestarted);
                }
                Effect::StartProducer => {
                    // The App has already switched to the new profile. An
                    // old task that reported `Stopped` is finishing on its
                    // own; one past its grace is stuck and is aborted.
                    if !p.join_done && !p.stopped {
                        p.join.abort();
                    }
                    p = Producer::spawn(rt, &app)?;
                }
            }
        }
    }
    Ok(app)
}

fn submit(app: &mut App, handle: &ProducerHandle, cmd: ProducerCommand) {
    let (first_seq, count) = match &cmd {
        ProducerCommand::Send { seq, .. } => (Some(*seq), 1),
        ProducerCommand::Burst(b) => (Some(b.first_seq), b.count),
        _ => (None, 0),
    };
    let is_shutdown = matches!(cmd, ProducerCommand::Shutdown { .. });
    match handle.try_submit(cmd) {
        Ok(()) => {}
        Err(SubmitError::Full) if is_shutdown => {
            // Shutdown must arrive; wait for room off the UI path.
            let h = handle.clone();
            let grace = app.grace;
            tokio::spawn(async move {
                let _ = h.submit(ProducerCommand::Shutdown { grace }).await;
            });
        }
        Err(error) => {
            app.update(Action::SubmitFailed {
                first_seq,
                count,
                error,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn press(code: KeyCode, mods: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, mods))
    }

    #[test]
    fn keys_type_into_fields_but_command_outside_them() {
        let mut app = ui::tests::empty_app();
        let area = Rect::new(0, 0, 80, 24);
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert!(matches!(
            to_action(&app, area, q.clone()),
            Some(Action::Edit(_))
        ));
        let esc = to_action(&app, area, press(KeyCode::Esc, KeyModifiers::NONE)).unwrap();
        app.update(esc);
        assert!(matches!(
            to_action(&app, area, q),
            Some(Action::Key(keymap::Bind::Quit))
        ));
        let ctrl_s = press(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(matches!(
            to_action(&app, area, ctrl_s),
            Some(Action::Key(keymap::Bind::Send))
        ));
        // Unbound keys outside a field do nothing.
        assert!(to_action(&app, area, press(KeyCode::Char('z'), KeyModifiers::NONE)).is_none());
    }

    #[test]
    fn esc_and_digit_arriving_together_still_leave_the_field_and_pick_the_mode() {
        let mut app = ui::tests::empty_app();
        let area = Rect::new(0, 0, 80, 24);
        assert!(app.takes_text());
        for ev in split_esc_prefix(&app, press(KeyCode::Char('2'), KeyModifiers::ALT)) {
            if let Some(a) = to_action(&app, area, ev) {
                app.update(a);
            }
        }
        assert!(!app.takes_text(), "left the field");
        assert_eq!(app.mode, crate::message::Mode::Async);
        // The editor's own Alt chords are not split.
        let app = ui::tests::empty_app();
        let word = press(KeyCode::Char('f'), KeyModifiers::ALT);
        assert_eq!(split_esc_prefix(&app, word.clone()), vec![word]);
    }
}
