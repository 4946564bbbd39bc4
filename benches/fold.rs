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
    group.finish();
}

criterion_group!(benches, fold);
criterion_main!(benches);
