//! The comparison harness, run on demand (never in CI): in one run against
//! one sandbox, the producer task (what `bench` and the console drive) and
//! rocketmq-client-rust called directly, in sync and in async with the same
//! window, round after round; prints msg/s per round, the medians, and the
//! ratio task / library per mode (target: at least 0.95). Within a round the
//! two sides take turns in slices (`--chunks`, 10 by default), so the
//! machine's changes of speed, which here move one 10,000-message case by
//! ±20%, fall on both sides alike. With `--raw PATH`
//! the broker's own limit from `raw_send.py` (a minimal remoting-protocol
//! client) is a third column. `--rss N` then runs N sends through the
//! producer task folded into a console `App` and written to a journal, as a
//! console session would, and reports the process's resident memory. Both
//! sides send from a runtime worker (the library's sends are spawned, as
//! the producer task is); `--callers-on-main` awaits the library from the
//! main thread instead, to show what those thread crossings cost.
//!
//! ```sh
//! unshare --net -- bash -c 'ip link set lo up && \
//!   cargo bench --bench harness -- --sandbox --raw ../shared/tools/raw_send.py'
//! ```
//!
//! Without `--sandbox` or `--namesrv ADDR` it prints this usage and exits,
//! so a plain `cargo bench` does not need a broker.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmq_console::console::app::ProfileChoice;
use rmq_console::console::app::{Action, App, AppConfig, Effect, Effects};
use rmq_console::console::event_loop::{EVENTS_PER_READ, Pacing};
use rmq_console::console::keymap::Keymap;
use rmq_engine::producer::{self, BurstSpec, ProducerCommand, ProducerHandle, ProducerSettings};
use rmq_engine::runtime::Runtime;
use rmq_journal::{self as journal, Journal};
use rmq_model::events::ProducerEvent;
use rmq_model::message::{Draft, Mode};
use rocketmq_client_rust::{ClientConfig, ClientRuntime, ClientRuntimeConfig, DefaultMQProducer};
use tokio::sync::mpsc;

struct Opts {
    namesrv: Option<String>,
    sandbox: bool,
    count: u64,
    body: usize,
    window: usize,
    rounds: usize,
    raw: Option<String>,
    rss: Option<u64>,
    /// One case only (`lib-sync`, `task-sync`, `lib-async`, `task-async`),
    /// once: what a profiler runs.
    only: Option<String>,
    /// Await the library's sends and read the task's events on the main
    /// thread (`block_on`) instead of a runtime worker: how the harness
    /// measured before, kept to show what the thread crossings cost.
    callers_on_main: bool,
    /// Read the task's events on the main thread, as the console's UI
    /// thread does, while the library's caller stays on a worker: whether
    /// a reader task on the one worker is what makes async counts vary
    /// (docs/performance.md).
    reader_on_main: bool,
    /// Minimum time between two reads of the task's events (`--read-every
    /// MS`; 0: read whenever something arrived). The console reads at
    /// most every `Pacing::SCREEN.events`; a hold adds up to itself to a
    /// slice's time, so msg/s runs leave it at 0.
    read_every: Duration,
    /// Runtime worker threads (default: the console's, `Runtime::WORKERS`).
    workers: usize,
    /// Slices each round's `count` is cut into, taken in turns by the two
    /// sides (1: all of the library's sends, then all of the task's).
    chunks: u64,
    /// Documented client settings tried on the library's side only
    /// (`--lib-setting NAME`, repeatable; docs/performance.md): `auto-batch`
    /// (the client batches messages itself), `backpressure` (the client's
    /// own cap on async sends, at the window).
    lib_settings: Vec<String>,
}

fn opts() -> Option<Opts> {
    let mut o = Opts {
        namesrv: None,
        sandbox: false,
        count: 10_000,
        body: 128,
        window: 128,
        rounds: 3,
        raw: None,
        rss: None,
        only: None,
        callers_on_main: false,
        reader_on_main: false,
        read_every: Duration::ZERO,
        workers: Runtime::WORKERS,
        chunks: 10,
        lib_settings: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().expect("a value after the option");
        match a.as_str() {
            "--sandbox" => o.sandbox = true,
            "--namesrv" => o.namesrv = Some(val()),
            "--count" => o.count = val().parse().expect("--count N"),
            "--body" => o.body = val().parse().expect("--body BYTES"),
            "--window" => o.window = val().parse().expect("--window N"),
            "--rounds" => o.rounds = val().parse().expect("--rounds N"),
            "--raw" => o.raw = Some(val()),
            "--rss" => o.rss = Some(val().parse().expect("--rss N")),
            "--only" => o.only = Some(val()),
            "--callers-on-main" => o.callers_on_main = true,
            "--reader-on-main" => o.reader_on_main = true,
            "--read-every" => {
                o.read_every = Duration::from_millis(val().parse().expect("--read-every MS"))
            }
            "--workers" => o.workers = val().parse().expect("--workers N"),
            "--chunks" => o.chunks = val().parse().expect("--chunks N"),
            "--lib-setting" => o.lib_settings.push(val()),
            _ => {} // cargo's own `--bench`
        }
    }
    (o.sandbox || o.namesrv.is_some()).then_some(o)
}

fn draft(topic: &str, body: usize) -> Draft {
    Draft {
        kind: Default::default(),
        topic: topic.into(),
        tag: Some("harness".into()),
        keys: vec![],
        properties: vec![],
        body: vec![b'x'; body],
    }
}

fn settings(addr: &str, window: usize) -> ProducerSettings {
    let mut s = ProducerSettings::new(addr);
    s.async_inflight = window;
    s.producer_group = format!("harness-{}-{}", std::process::id(), next_id());
    s
}

fn next_id() -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

const WARMUP: u64 = 200;

/// Asks the producer task to shut down and waits for its `Stopped`.
async fn stop(handle: &ProducerHandle, events: &mut mpsc::Receiver<ProducerEvent>) {
    handle
        .submit(ProducerCommand::Shutdown {
            grace: Duration::from_secs(3),
        })
        .await
        .ok();
    while let Some(ev) = events.recv().await {
        if matches!(ev, ProducerEvent::Stopped { .. }) {
            break;
        }
    }
}

/// Runs `f` on the main thread (`main`: `--callers-on-main` for both
/// sides, `--reader-on-main` for the task's reader alone) or on a runtime
/// worker (spawned). Awaited from `block_on`, on the main thread, each
/// wake-up of the send path (the library's writer task, the response; the
/// task's events) crosses to another thread, a cost of where the caller
/// sits, not of what is compared.
async fn on<T: Send + 'static>(
    main: bool,
    f: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    if main {
        f.await
    } else {
        tokio::spawn(f).await.expect("the caller's future")
    }
}

/// The producer task, warmed up: each `burst` times `count` sends in `mode`
/// from the Burst command to the last outcome reaching this side of the
/// channel.
struct TaskSide {
    handle: ProducerHandle,
    events: Option<mpsc::Receiver<ProducerEvent>>,
    join: tokio::task::JoinHandle<()>,
    draft: Arc<Draft>,
    mode: Mode,
    next_id: u64,
    next_seq: u64,
}

impl TaskSide {
    async fn start(rt: &Runtime, o: &Opts, addr: &str, topic: &str, mode: Mode) -> Self {
        let (handle, events, join) = producer::spawn(rt.context("task"), settings(addr, o.window));
        let mut side = Self {
            handle,
            events: Some(events),
            join,
            draft: Arc::new(draft(topic, o.body)),
            mode,
            next_id: 1,
            next_seq: 1,
        };
        side.burst(o, WARMUP).await;
        side
    }

    async fn burst(&mut self, o: &Opts, count: u64) -> Duration {
        let cmd = ProducerCommand::Burst(BurstSpec {
            id: self.next_id,
            mode: self.mode,
            draft: self.draft.clone(),
            count,
            rate: None,
            key_template: None,
            expand_message: false,
            first_seq: self.next_seq,
            verify: false,
        });
        self.next_id += 1;
        self.next_seq += count;
        let (handle, mut events, mode) = (
            self.handle.clone(),
            self.events.take().expect("events"),
            self.mode,
        );
        let pacing = Pacing {
            events: o.read_every,
            ..Pacing::SCREEN
        };
        let (events, took, failed) = on(o.callers_on_main || o.reader_on_main, async move {
            let started = Instant::now();
            handle.submit(cmd).await.expect("task takes the burst");
            let (mut done, mut failed) = (0, 0);
            // Read as the console's event loop reads: what has arrived, up
            // to `EVENTS_PER_READ` at a time (`recv_many`), not one event
            // per wake-up, and with `--read-every`, not before the hold
            // after the last read that emptied the channel.
            let mut buf = Vec::with_capacity(EVENTS_PER_READ);
            let mut last_read = None;
            while done < count {
                if let Some(t) = pacing.events_from(last_read) {
                    tokio::time::sleep_until(t).await;
                }
                // `drain` below leaves it empty for the next read.
                let n = events.recv_many(&mut buf, EVENTS_PER_READ).await;
                // Without a hold, no clock reading of the harness's own
                // in the task's count.
                last_read = pacing.read_ended(n);
                assert!(n > 0, "events until the end");
                for ev in buf.drain(..) {
                    match ev {
                        ProducerEvent::Completed(c) => {
                            done += 1;
                            failed += u64::from(!matches!(
                                c.outcome,
                                rmq_model::message::Outcome::Acknowledged(_)
                            ));
                        }
                        ProducerEvent::Stopped { .. } => panic!("producer stopped"),
                        _ => {}
                    }
                }
            }
            (events, started.elapsed(), failed)
        })
        .await;
        assert_eq!(failed, 0, "task {mode}: {failed} failed");
        self.events = Some(events);
        took
    }

    async fn stop(mut self) {
        let mut events = self.events.take().expect("events");
        stop(&self.handle, &mut events).await;
        self.join.await.ok();
    }
}

/// rocketmq-client-rust called directly, warmed up the same way: sync one
/// at a time, async with at most `window` in flight (a semaphore released
/// by the callback, as the task does); each `burst` times `count` sends
/// from the first send to the last answer.
struct LibSide {
    producer: Arc<DefaultMQProducer>,
    runtime: Arc<ClientRuntime>,
    draft: Arc<Draft>,
    window: Arc<tokio::sync::Semaphore>,
    mode: Mode,
}

impl LibSide {
    async fn start(rt: &Runtime, o: &Opts, addr: &str, topic: &str, mode: Mode) -> Self {
        let runtime = ClientRuntime::try_new(
            rt.context("library"),
            ClientRuntimeConfig::default(),
            rocketmq_observability::TelemetryHandle::noop(),
        )
        .expect("client runtime");
        let config = ClientConfig::builder()
            .namesrv_addr(addr.to_string())
            .build()
            .expect("client config");
        let mut producer = DefaultMQProducer::builder(runtime.clone())
            .client_config(config)
            .producer_group(settings(addr, o.window).producer_group)
            .name_server_addr(addr.to_string())
            .send_msg_timeout(3000);
        for setting in &o.lib_settings {
            producer = match setting.as_str() {
                "auto-batch" => producer.auto_batch(true),
                "backpressure" => producer
                    .enable_backpressure_for_async_mode(true)
                    .back_pressure_for_async_send_num(u32::try_from(o.window).unwrap_or(u32::MAX)),
                other => panic!("--lib-setting {other}: auto-batch or backpressure"),
            };
        }
        let mut producer = producer.build();
        producer.start().await.expect("producer starts");
        let side = Self {
            producer: Arc::new(producer),
            runtime,
            draft: Arc::new(draft(topic, o.body)),
            window: Arc::new(tokio::sync::Semaphore::new(o.window)),
            mode,
        };
        // One sync send first: a full async window on a cold connection
        // overflows the client's admission queue (the task's slow start
        // does the same; BROKER-NOTES).
        let first = producer::to_message(&side.draft).expect("message");
        side.producer
            .send_with_timeout(first, 3000)
            .await
            .expect("first send");
        side.burst(o, WARMUP).await;
        side
    }

    async fn burst(&self, o: &Opts, count: u64) -> Duration {
        let (producer, d, window) = (
            self.producer.clone(),
            self.draft.clone(),
            self.window.clone(),
        );
        let mode = self.mode;
        on(o.callers_on_main, async move {
            let started = Instant::now();
            if mode == Mode::Sync {
                for _ in 0..count {
                    let msg = producer::to_message(&d).expect("message");
                    let r = producer.send_with_timeout(msg, 3000).await;
                    assert!(matches!(r, Ok(Some(_))), "library sync: {r:?}");
                }
                return started.elapsed();
            }
            let done = Arc::new(AtomicU64::new(0));
            let last = Arc::new(Mutex::new(started));
            let all = Arc::new(tokio::sync::Notify::new());
            for _ in 0..count {
                let permit = window.clone().acquire_owned().await.expect("window");
                let slot = Mutex::new(Some(permit));
                let (done, last, all) = (done.clone(), last.clone(), all.clone());
                let msg = producer::to_message(&d).expect("message");
                producer
                    .send_with_callback_timeout(
                        msg,
                        move |r, e| {
                            assert!(r.is_some(), "library async: {e:?}");
                            slot.lock().unwrap().take();
                            *last.lock().unwrap() = Instant::now();
                            if done.fetch_add(1, Ordering::SeqCst) + 1 == count {
                                all.notify_one();
                            }
                        },
                        3000,
                    )
                    .await
                    .expect("library takes the async send");
            }
            if done.load(Ordering::SeqCst) < count {
                all.notified().await;
            }
            let at = *last.lock().unwrap();
            at - started
        })
        .await
    }

    async fn stop(self) {
        if let Ok(mut p) = Arc::try_unwrap(self.producer) {
            p.shutdown().await;
        }
        self.runtime.shutdown().await;
    }
}

/// One round of one mode: both sides started and warmed up, then `count`
/// sends each, in `chunks` slices taken in turns (library, task, task,
/// library, ...; the other way round in even rounds), so a change in the
/// machine's speed during the round falls on both sides alike. Msg/s of
/// the library and of the task, each over its own slices' time.
async fn paired_round(
    rt: &Runtime,
    o: &Opts,
    addr: &str,
    topic: &str,
    mode: Mode,
    round: usize,
) -> (f64, f64) {
    let lib = LibSide::start(rt, o, addr, topic, mode).await;
    let mut task = TaskSide::start(rt, o, addr, topic, mode).await;
    let chunks = o.chunks.clamp(1, o.count.max(1));
    let (mut lib_took, mut task_took) = (Duration::ZERO, Duration::ZERO);
    for j in 0..chunks {
        // The remainder goes to the first slices, the same for both sides.
        let n = o.count / chunks + u64::from(j < o.count % chunks);
        if (j as usize + round) % 2 == 1 {
            lib_took += lib.burst(o, n).await;
            task_took += task.burst(o, n).await;
        } else {
            task_took += task.burst(o, n).await;
            lib_took += lib.burst(o, n).await;
        }
    }
    task.stop().await;
    lib.stop().await;
    let rate = |took: Duration| o.count as f64 / took.as_secs_f64();
    (rate(lib_took), rate(task_took))
}

/// raw_send.py's sync and pipelined msg/s (the broker's limit).
fn raw_run(o: &Opts, path: &str, addr: &str, topic: &str) -> Option<(f64, f64)> {
    let out = std::process::Command::new("python3")
        .args([
            path,
            "--namesrv",
            addr,
            "--topic",
            topic,
            "--count",
            &o.count.to_string(),
            "--body",
            &o.body.to_string(),
            "--case-timeout",
            "120",
            "--cases",
            "sync",
            &format!("pipe:{}", o.window),
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let rates: Vec<f64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .filter_map(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .filter_map(|v| v["msg_per_s"].as_f64().or(v["msgs_per_s"].as_f64()))
        .collect();
    if rates.len() != 2 {
        eprintln!(
            "raw_send.py gave no two results:\n{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some((rates[0], rates[1]))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Resident memory of this process, from /proc.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Hands the journal entries among `fx` to the writer, as the console's
/// run loop does, and empties the queue; counts them.
fn journal_effects(journal: &Journal, fx: &mut Effects) -> u64 {
    let mut n = 0;
    for effect in fx.drain(..) {
        if let Effect::Journal(entry) = effect {
            journal.record(*entry);
            n += 1;
        }
    }
    n
}

/// N sends (async bursts of 100,000) through the producer task, every event
/// folded into a console `App` and every completed send written to a
/// journal (in a temporary folder, the default size limits), as the run
/// loop does; RSS before and after.
async fn rss_run(rt: &Runtime, o: &Opts, addr: &str, topic: &str, total: u64) {
    let s = settings(addr, o.window);
    let profile = ProfileChoice {
        name: "harness".into(),
        endpoint: addr.into(),
        protected: false,
        confirm_invalid_json: true,
        color: None,
        default_topic: Some(topic.into()),
        default_tag: None,
        settings: Ok(s.clone()),
        sandbox: true,
        journal: true,
    };
    let mut app = App::new(
        AppConfig {
            profiles: vec![profile],
            current: 0,
            results_capacity: 1000,
            keymap: Keymap::default(),
            // Measures sends, not where the keyboard goes after one.
            leave_after_send: false,
        },
        chrono::Local::now(),
    );
    let dir = tempfile::tempdir().expect("a temporary journal folder");
    let journal = Journal::start(journal::Settings {
        dir: dir.path().to_path_buf(),
        ..journal::Settings::default()
    });
    let mut journaled = 0u64;
    let before = rss_mib();
    let (handle, mut events, join) = producer::spawn(rt.context("rss"), s);
    let d = Arc::new(draft(topic, o.body));
    let started = Instant::now();
    let (mut sent, mut id) = (0u64, 1u64);
    let mut fx = Effects::new();
    while sent < total && started.elapsed() < Duration::from_secs(600) {
        let count = (total - sent).min(100_000);
        handle
            .submit(ProducerCommand::Burst(BurstSpec {
                id,
                mode: Mode::Async,
                draft: d.clone(),
                count,
                rate: None,
                key_template: Some("rss-{seq}".into()),
                expand_message: false,
                first_seq: sent + 1,
                verify: false,
            }))
            .await
            .expect("burst");
        let mut done = 0;
        while done < count {
            let ev = events.recv().await.expect("events");
            done += u64::from(matches!(ev, ProducerEvent::Completed(_)));
            app.update(Action::Producer(ev), &mut fx);
            journaled += journal_effects(&journal, &mut fx);
        }
        sent += count;
        id += 1;
        eprintln!("rss: {sent} sends, RSS {:.1} MiB", rss_mib());
    }
    if let Err(why) = journal.flush() {
        eprintln!("rss: {why}");
    }
    let after = rss_mib();
    let c = app.stats(Mode::Async);
    let on_disk = journal::read_dir(dir.path()).map_or(0, |r| r.records.len());
    println!(
        "RSS after {sent} async sends through the producer task into one App, journal on: \
         {after:.1} MiB (before the producer: {before:.1} MiB); {} ok, {} failed, {:.0} s; \
         {journaled} handed to the journal, {on_disk} records in its files ({} MiB x {} kept)",
        c.ok,
        c.failed,
        started.elapsed().as_secs_f64(),
        journal::DEFAULT_MAX_BYTES >> 20,
        journal::DEFAULT_KEEP + 1,
    );
    for p in journal.close() {
        println!("journal: {p}");
    }
    stop(&handle, &mut events).await;
    join.await.ok();
}

fn main() {
    let Some(o) = opts() else {
        eprintln!(
            "harness: not run (needs a broker). In a loopback-only namespace:\n  \
             cargo bench --bench harness -- --sandbox [--raw PATH/raw_send.py] [--count 10000] \
             [--body 128] [--window 128] [--rounds 3] [--rss 1000000] [--chunks 10] [--only lib-sync] [--callers-on-main] [--reader-on-main] [--read-every MS] [--workers N]\n  \
             or --namesrv HOST:PORT for a running name server"
        );
        return;
    };
    let sandbox = o.sandbox.then(|| {
        rmq_sandbox::Sandbox::start(&rmq_sandbox::SandboxOptions {
            acl: None,
            publish_only: None,
            server_exe: Some(env!("CARGO_BIN_EXE_rmq-console").into()),
            second_broker: false,
        })
        .expect("sandbox starts (inside a loopback-only namespace)")
    });
    let addr = o
        .namesrv
        .clone()
        .or_else(|| sandbox.as_ref().map(|s| s.namesrv_addr.clone()))
        .expect("an address");
    let rt = Runtime::with_workers(o.workers).expect("runtime");
    let topic = format!("harness-{}", std::process::id());
    if let Some(case) = &o.only {
        let mode = if case.ends_with("async") {
            Mode::Async
        } else {
            Mode::Sync
        };
        let rate = rt.block_on(async {
            let took = if case.starts_with("lib") {
                let side = LibSide::start(&rt, &o, &addr, &topic, mode).await;
                let took = side.burst(&o, o.count).await;
                side.stop().await;
                took
            } else {
                let mut side = TaskSide::start(&rt, &o, &addr, &topic, mode).await;
                let took = side.burst(&o, o.count).await;
                side.stop().await;
                took
            };
            o.count as f64 / took.as_secs_f64()
        });
        println!("{case}: {rate:.0} msg/s ({} × {} B)", o.count, o.body);
        rt.shutdown();
        if let Some(s) = sandbox {
            s.stop();
        }
        return;
    }
    println!(
        "harness: {} × {} B per case, window {}, {} rounds, name server {addr}",
        o.count, o.body, o.window, o.rounds
    );
    println!("round  mode   raw_send.py   library    task   task/library");
    let mut table: Vec<[Vec<f64>; 3]> = vec![Default::default(), Default::default()];
    for round in 1..=o.rounds {
        let raw = o.raw.as_deref().and_then(|p| raw_run(&o, p, &addr, &topic));
        for (i, mode) in [Mode::Sync, Mode::Async].into_iter().enumerate() {
            let (lib, task) = rt.block_on(paired_round(&rt, &o, &addr, &topic, mode, round));
            let raw = raw.map(|r| if i == 0 { r.0 } else { r.1 });
            println!(
                "{round:<6} {:<6} {:>11} {:>9.0} {:>7.0} {:>8.3}",
                mode.as_str(),
                raw.map_or("-".into(), |r| format!("{r:.0}")),
                lib,
                task,
                task / lib
            );
            table[i][0].push(raw.unwrap_or(f64::NAN));
            table[i][1].push(lib);
            table[i][2].push(task);
        }
    }
    if o.rounds == 0 {
        table.clear();
    } else {
        println!("\nmedians of {} rounds", o.rounds);
        println!(
            "mode   raw_send.py   library    task   task/library  library/raw  \
             median of the rounds' task/library"
        );
    }
    for (mode, [raw, lib, task]) in ["sync", "async"].into_iter().zip(&mut table) {
        // The two cases of a round run back to back, so the ratio within a
        // round is less exposed to the machine's drift than the medians'.
        let mut paired: Vec<f64> = task.iter().zip(lib.iter()).map(|(t, l)| t / l).collect();
        let (r, l, t) = (median(raw), median(lib), median(task));
        println!(
            "{mode:<6} {:>11.0} {:>9.0} {:>7.0} {:>8.3} {:>12.3} {:>10.3}",
            r,
            l,
            t,
            t / l,
            l / r,
            median(&mut paired)
        );
    }
    if let Some(n) = o.rss {
        rt.block_on(rss_run(&rt, &o, &addr, &topic, n));
    }
    rt.shutdown();
    if let Some(s) = sandbox {
        s.stop();
    }
}
