//! Folding producer events into the console's `App` (target: at least
//! 200,000 events/s): a burst's whole event stream through `update`.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

#[path = "support/mod.rs"]
mod support;

fn fold(c: &mut Criterion) {
    const SENDS: u64 = 10_000;
    let events = support::events(SENDS);
    let mut group = c.benchmark_group("fold");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("events_into_app", |b| {
        b.iter_batched(
            || (support::app(1000), events.clone()),
            |(mut app, events)| {
                support::fold(&mut app, events);
                app
            },
            BatchSize::LargeInput,
        )
    });
    // Where the keyboard is after a send: the results log. Every row that
    // arrives then asks whether the selected row is a transaction being
    // decided.
    group.bench_function("events_into_app_log_focused", |b| {
        b.iter_batched(
            || {
                let mut app = support::app(1000);
                app.focus = rmq_console::console::app::Focus::Log;
                (app, events.clone())
            },
            |(mut app, events)| {
                support::fold(&mut app, events);
                app
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, fold);
criterion_main!(benches);
