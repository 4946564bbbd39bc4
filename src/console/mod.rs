//! The TUI: compose a message, pick the mode, watch results and callbacks
//! and per-mode counters. `run` owns the terminal, its reader thread and the
//! signals, and runs `event_loop`; `app` holds the state and its pure
//! `update`; `ui` draws it; `input` turns terminal events into actions,
//! through the bindings `keymap` holds.

pub mod app;
mod editor;
pub mod event_loop;
mod fetch_worker;
mod files;
pub mod filter;
pub mod fuzzy;
#[cfg(test)]
mod harness;
pub mod input;
#[cfg(test)]
mod input_tests;
pub mod keymap;
#[cfg(test)]
mod loop_tests;
pub mod saved;
pub mod session;
pub mod stats;
#[cfg(test)]
mod tour_tests;
pub mod tui;
pub mod ui;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use chrono::Local;
use ratatui::crossterm::event::{self, Event};
use tokio::sync::mpsc;

use app::{App, AppConfig, ProfileChoice};
use event_loop::{Io, Link, Pacing};
use keymap::Keymap;
use rmq_engine::producer::{self, ProducerSettings};
use rmq_engine::runtime::Runtime;
pub use session::Session;

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
            leave_after_send: session.leave_field_after_send,
        },
        Local::now(),
    );
    for w in session.warnings {
        app.warn(w);
    }
    app.tour_source = session.tour;
    // The last session's draft and repeat form, if it kept any.
    let kept_at = saved::path();
    match saved::read(&kept_at) {
        Ok(Some(v)) => app.restore(&v),
        Ok(None) => {}
        Err(e) => app.warn(format!("the last session's draft was not restored: {e:#}")),
    }
    let journal_file = rmq_journal::file_path(&session.journal.dir, 0);
    let styles = session.styles;
    let app = {
        let (guard, terminal) = tui::TerminalGuard::enter().context("setting up the terminal")?;
        let input = InputThread::start();
        let (sig_tx, sig_rx) = mpsc::channel(4);
        let gate = input.gate.clone();
        let io = Io {
            terminal,
            input: input.rx,
            signals: sig_rx,
            spawn: Box::new(|settings: &ProducerSettings| {
                let (handle, events, join) =
                    producer::spawn(rt.context("producer"), settings.clone());
                Link {
                    handle,
                    events,
                    join,
                }
            }),
            copy: Box::new(tui::copy),
            clock: Box::new(Local::now),
            pacing: Pacing::SCREEN,
            journal: Some(rmq_journal::Journal::start(session.journal)),
            export_dir: rmq_model::paths::state_dir().join("exports"),
            state_dir: rmq_model::paths::state_dir(),
            messages_dir: session.messages_dir.clone(),
            fetch_context: Some(Box::new(|| rt.context("fetch"))),
            editor: Box::new(|text: &str, suffix: &str| {
                let cmd = editor::from_env()?;
                // The reader must not take the editor's keys.
                gate.pause();
                tui::suspend();
                let edited = editor::edit(&cmd, text, suffix).map_err(|e| format!("{e:#}"));
                let back = tui::resume();
                gate.unpause();
                back.map_err(|e| format!("taking the terminal back: {e}"))?;
                edited
            }),
        };
        let result = rt.block_on(async {
            let mut signals =
                crate::signals::Signals::new().context("installing signal handlers")?;
            let forward = tokio::spawn(async move {
                loop {
                    let sig = signals.recv().await;
                    if sig == "SIGHUP" {
                        // The terminal is gone: writes to it must not fail
                        // the orderly shutdown that follows.
                        crate::signals::detach_from_terminal();
                    }
                    if sig_tx.send(sig).await.is_err() {
                        return;
                    }
                }
            });
            let result = event_loop::run(app, io, styles).await;
            forward.abort();
            result
        });
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
        let (app, journal) = result?;
        // Bounded (`rmq_journal::CLOSE_WAIT`), and after the terminal is
        // back: what was not written is said where the operator sees it.
        if let Some(journal) = journal {
            for p in journal.close() {
                tracing::warn!("{p}");
                crate::signals::stderr_line(&format!("rmq-console: warning: {p}"));
            }
        }
        app
    };
    // The terminal is back to normal (or gone, after SIGHUP): the draft is
    // kept for the next start, and the report goes to the log, and to
    // stderr when that still works.
    if let Err(e) = saved::write(&kept_at, &app.kept()) {
        tracing::warn!("keeping the draft: {e:#}");
        crate::signals::stderr_line(&format!(
            "rmq-console: warning: the draft was not kept for the next start: {e:#}"
        ));
    }
    let summary = app.exit_summary(Some(&journal_file));
    tracing::info!("{summary}");
    crate::signals::stderr_line(&summary);
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
    gate: InputGate,
}

/// Stops and restarts the input thread's reads while another program (the
/// editor) owns the terminal.
#[derive(Clone)]
struct InputGate {
    /// Set while another program owns the terminal.
    paused: Arc<AtomicBool>,
    /// Set by the thread once it has seen `paused` (no read under way).
    idle: Arc<AtomicBool>,
}

/// How long `pause` waits for a poll under way to end (it polls 100 ms).
const INPUT_PAUSE_WAIT: Duration = Duration::from_millis(500);

impl InputGate {
    /// Stops reading the terminal, once a poll under way has ended (at most
    /// `INPUT_PAUSE_WAIT`), so a program run meanwhile gets every key.
    fn pause(&self) {
        self.idle.store(false, Ordering::SeqCst);
        self.paused.store(true, Ordering::SeqCst);
        let until = Instant::now() + INPUT_PAUSE_WAIT;
        while !self.idle.load(Ordering::SeqCst) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn unpause(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
}

impl InputThread {
    fn start() -> Self {
        let (tx, rx) = mpsc::channel(1024);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let paused = Arc::new(AtomicBool::new(false));
        let idle = Arc::new(AtomicBool::new(false));
        let (p, i) = (paused.clone(), idle.clone());
        let join = std::thread::Builder::new()
            .name("tui-input".into())
            .spawn(move || {
                while !flag.load(Ordering::SeqCst) {
                    if p.load(Ordering::SeqCst) {
                        i.store(true, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
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
        Self {
            rx,
            stop,
            join,
            gate: InputGate { paused, idle },
        }
    }
}
