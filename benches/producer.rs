//! The producer task's own cost per send, without a broker: bursts through
//! the task on the scripted client double (`rmq_engine::producer::double`,
//! every send acknowledged at once), sync and async, with no journal and with
//! a write-ahead sink that answers at once. What is timed is the task's
//! bookkeeping (events, the outstanding-sends map, the window, the
//! write-ahead records) and the reading of its events, as the harness reads
//! them; the broker harness (`benches/harness.rs`) stays the real figure.
//!
//! `cargo bench --bench producer` (about 20 s); `cargo build --all-targets`
//! builds it, so CI keeps it compiling.

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rmq_engine::producer::double::{Act, Double};
use rmq_engine::producer::{self, BurstSpec, ProducerCommand, ProducerHandle, ProducerSettings};
use rmq_engine::runtime::Runtime;
use rmq_model::ahead::{Ahead, AheadDone, WriteAhead};
use rmq_model::events::ProducerEvent;
use rmq_model::message::{Draft, Mode, Outcome};
use tokio::sync::mpsc;

/// Sends per iteration: one burst.
const SENDS: u64 = 1_000;

/// A journal that has written every record the moment it is asked: the
/// task's side of the write-ahead (records built, handed over, waited for)
/// without the journal's own writing.
struct InstantJournal;

impl WriteAhead for InstantJournal {
    fn submitted(&self, _sends: Vec<Ahead>, done: AheadDone) {
        done(Ok(()));
    }

    fn withdrawn(&self, _sends: Vec<Ahead>) {}
}

/// One producer task on the double, and the reader of its events.
struct Task {
    handle: ProducerHandle,
    events: Option<mpsc::Receiver<ProducerEvent>>,
    mode: Mode,
    draft: Arc<Draft>,
    next_id: u64,
    next_seq: u64,
}

impl Task {
    fn start(rt: &Runtime, mode: Mode, journal: bool) -> Self {
        let mut settings = ProducerSettings::new("127.0.0.1:9");
        settings.async_inflight = 128;
        if journal {
            settings.write_ahead = Some(Arc::new(InstantJournal));
        }
        let (handle, events, _join) =
            rt.block_on(async { producer::spawn_double(settings, Double::new(|_| Act::Ack)) });
        let draft = Arc::new(Draft {
            topic: "BenchTopic".into(),
            tag: Some("bench".into()),
            body: vec![b'x'; 128],
            ..Draft::default()
        });
        Self {
            handle,
            events: Some(events),
            mode,
            draft,
            next_id: 1,
            next_seq: 1,
        }
    }

    /// One burst of `SENDS`, from the command to its last outcome read. The
    /// reader runs on a runtime worker, where the console's and `bench`'s
    /// readers sit relative to the task.
    fn burst(&mut self, rt: &Runtime) {
        let cmd = ProducerCommand::Burst(BurstSpec {
            id: self.next_id,
            mode: self.mode,
            draft: self.draft.clone(),
            count: SENDS,
            rate: None,
            key_template: None,
            expand_message: false,
            first_seq: self.next_seq,
            verify: false,
        });
        self.next_id += 1;
        self.next_seq += SENDS;
        let handle = self.handle.clone();
        let mut events = self.events.take().expect("events");
        let events = rt.block_on(async move {
            tokio::spawn(async move {
                handle.submit(cmd).await.expect("the task takes the burst");
                let mut done = 0;
                // Up to 256 a wake-up, as the console's event loop reads.
                let mut buf = Vec::with_capacity(256);
                while done < SENDS {
                    let n = events.recv_many(&mut buf, 256).await;
                    assert!(n > 0, "events until the burst ends");
                    for ev in buf.drain(..) {
                        match ev {
                            ProducerEvent::Completed(c) => {
                                assert!(
                                    matches!(c.outcome, Outcome::Acknowledged(_)),
                                    "{:?}",
                                    c.outcome
                                );
                                done += 1;
                            }
                            ProducerEvent::Stopped { .. } => panic!("the producer stopped"),
                            _ => {}
                        }
                    }
                }
                events
            })
            .await
            .expect("the reader")
        });
        self.events = Some(events);
    }
}

fn producer_task(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("producer_task");
    group.throughput(Throughput::Elements(SENDS));
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for (name, mode, journal) in [
        ("sync", Mode::Sync, false),
        ("sync_journal", Mode::Sync, true),
        ("async", Mode::Async, false),
        ("async_journal", Mode::Async, true),
    ] {
        let mut task = Task::start(&rt, mode, journal);
        // The async window opens after the first acknowledgement (slow
        // start): one burst first, so every measured one has its full window.
        task.burst(&rt);
        group.bench_function(name, |b| b.iter(|| task.burst(&rt)));
    }
    group.finish();
    rt.shutdown();
}

criterion_group!(benches, producer_task);
criterion_main!(benches);
