//! A full render of the console with a full results ring (targets: < 1 ms
//! median at 200x50, < 0.3 ms at 80x24), on ratatui's `TestBackend`; and
//! the same screen with the results pane's timeline on (`T`), drawn from
//! the sends' ring, so its cost per frame shows beside the rows'.

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rmq_console::console::app::{Action, Effects};
use rmq_console::console::ui;
use rmq_console::theme::Styles;

#[path = "support/mod.rs"]
mod support;

fn render(c: &mut Criterion) {
    let mut app = support::app(1000);
    // More sends than the ring holds, so it is full and has wrapped.
    support::fold(&mut app, support::events(3000));
    app.update(
        Action::Tick(support::t0() + chrono::Duration::seconds(1)),
        &mut Effects::new(),
    );
    let styles = Styles::fallback();
    let mut group = c.benchmark_group("render");
    for (w, h) in [(200u16, 50u16), (80, 24)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        group.bench_function(format!("full_{w}x{h}"), |b| {
            b.iter(|| {
                term.draw(|f| ui::render(f, &app, &styles)).unwrap();
            })
        });
    }
    let mut app = app;
    app.view.timeline = true;
    for (w, h) in [(200u16, 50u16), (80, 24)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        group.bench_function(format!("timeline_{w}x{h}"), |b| {
            b.iter(|| {
                term.draw(|f| ui::render(f, &app, &styles)).unwrap();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
