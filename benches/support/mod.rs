//! What the UI benches share: a console `App` on a sandbox-like profile and
//! a realistic stream of producer events (every send submitted, then
//! acknowledged, called back or dispatched, the three modes interleaved).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, TimeZone};
use rmq_console::console::app::ProfileChoice;
use rmq_console::console::app::{Action, App, AppConfig, Effects};
use rmq_console::console::keymap::Keymap;
use rmq_engine::producer::ProducerSettings;
use rmq_model::events::{Connection, ProducerEvent};
use rmq_model::message::{Completion, Draft, Mode, Outcome, Receipt, SendStatus};

pub fn t0() -> DateTime<Local> {
    Local.timestamp_millis_opt(1_700_000_000_123).unwrap()
}

/// A console on one sandbox profile with a results ring of `capacity`.
pub fn app(capacity: usize) -> App {
    let profile = ProfileChoice {
        name: "sandbox".into(),
        endpoint: "127.0.0.1:9876".into(),
        protected: false,
        confirm_invalid_json: true,
        color: None,
        default_topic: Some("TopicTest".into()),
        default_tag: Some("bench".into()),
        settings: Ok(ProducerSettings::new("127.0.0.1:9876")),
        sandbox: true,
        journal: true,
    };
    let mut app = App::new(
        AppConfig {
            profiles: vec![profile],
            current: 0,
            results_capacity: capacity,
            keymap: Keymap::default(),
            // Measures sends, not where the keyboard goes after one.
            leave_after_send: false,
        },
        t0(),
    );
    app.update(
        Action::Producer(ProducerEvent::Connection(Connection::Ready)),
        &mut Effects::new(),
    );
    app
}

/// `sends` sends as the producer reports them: `Submitted` then the outcome,
/// modes in turn, about 10 µs apart, each with a full receipt.
pub fn events(sends: u64) -> Vec<ProducerEvent> {
    let draft = Arc::new(Draft {
        kind: Default::default(),
        topic: "TopicTest".into(),
        tag: Some("bench".into()),
        keys: vec!["order-1".into()],
        properties: vec![("region".into(), "eu".into())],
        body: vec![b'x'; 128],
    });
    let mut out = Vec::with_capacity(sends as usize * 2);
    for seq in 1..=sends {
        let mode = Mode::ALL[(seq % 3) as usize];
        let at = t0() + chrono::Duration::microseconds(seq as i64 * 10);
        out.push(ProducerEvent::Submitted {
            seq,
            mode,
            draft: draft.clone(),
            at,
        });
        let outcome = match mode {
            Mode::Oneway => Outcome::Dispatched,
            _ => Outcome::Acknowledged(Receipt {
                status: SendStatus::SendOk,
                msg_id: format!("7F0000010001{seq:020X}").into(),
                offset_msg_id: format!("7F00000100002A9F{seq:016X}").into(),
                broker: "broker-a".into(),
                queue_id: (seq % 4) as i32,
                queue_offset: seq,
                transaction_id: None,
                region_id: None,
            }),
        };
        let latency = Duration::from_micros(150 + seq % 400);
        out.push(ProducerEvent::Completed(Completion {
            seq,
            mode,
            outcome,
            submitted_at: at,
            completed_at: at + chrono::Duration::from_std(latency).unwrap(),
            latency,
        }));
    }
    out
}

/// Folds `events` into `app` as the run loop does, one queue for all of
/// them; the effects (journal entries) are dropped as they come.
pub fn fold(app: &mut App, events: Vec<ProducerEvent>) {
    let mut fx = Effects::new();
    for ev in events {
        app.update(Action::Producer(ev), &mut fx);
        fx.clear();
    }
}
