//! The comparison's SVG read back with an XML parser: what it says must
//! be what the table says.

use chrono::{DateTime, Local, TimeZone};

use super::*;
use rmq_engine::compare::fixtures::{sample_driver, spec};
use rmq_model::message::{Completion, Outcome, Receipt, SendStatus};

fn at(us: i64) -> DateTime<Local> {
    Local.timestamp_micros(1_800_000_000_000_000 + us).unwrap()
}

/// A run like the sample driver's: 200 of each mode, sync one at a time,
/// async overlapping, one-way paced; a few failures.
fn run_timeline() -> Timeline {
    let mut tl = Timeline::default();
    tl.mark_run(at(0));
    let mut t = 0i64;
    let mut seq = 1;
    for mode in Mode::ALL {
        for k in 0..200i64 {
            let (start, lat) = match mode {
                Mode::Sync => (t, 600),
                Mode::Async => (t, 9_000),
                Mode::Oneway => (t, 40),
            };
            let ok = k % 97 != 5;
            let outcome = match (mode, ok) {
                (Mode::Oneway, _) => Outcome::Dispatched,
                (_, true) => Outcome::Acknowledged(Receipt {
                    status: SendStatus::SendOk,
                    msg_id: format!("M{seq}").into(),
                    offset_msg_id: Default::default(),
                    broker: "broker-a".into(),
                    queue_id: 0,
                    queue_offset: seq,
                    transaction_id: None,
                    region_id: None,
                }),
                (_, false) => Outcome::Failed(rmq_model::message::Failure {
                    reason: "timeout".into(),
                    code: None,
                }),
            };
            tl.completed(&Completion {
                seq,
                mode,
                outcome,
                submitted_at: at(start),
                completed_at: at(start + lat),
                latency: std::time::Duration::from_micros(lat as u64),
            });
            seq += 1;
            t = match mode {
                Mode::Sync => start + lat + 50,
                Mode::Async => start + 70,
                Mode::Oneway => start + 200,
            };
        }
        t += 9_000;
    }
    tl
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

#[test]
fn the_svg_parses_and_says_what_the_table_says() {
    let rows = sample_driver(3).results();
    let svg = comparison_svg(&spec(200), &rows, &run_timeline()).unwrap();
    if std::env::var_os("RMQ_DUMP_SVG").is_some() {
        std::fs::write("/tmp/compare.svg", &svg).unwrap();
    }
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("1200"));
    let texts: Vec<(String, Option<&str>)> = root
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            (
                n.text().unwrap_or_default().to_string(),
                n.attribute("fill"),
            )
        })
        .collect();
    // The table, line by line, as the console and bench print it.
    for line in compare::table_body(&rows).lines() {
        assert!(texts.iter().any(|(t, _)| t == line), "{line:?} missing");
    }
    assert!(texts.iter().any(|(t, _)| t == &spec(200).header()));
    for r in &rows {
        let c = hex(colour(r.mode));
        // One series per mode: its bars in its own colour.
        let bars = root
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(c.as_str()))
            .count();
        assert!(bars > 0, "{:?} has bars", r.mode);
        // The histogram's counts, in the mode's colour, add up to the
        // latencies the table counted.
        let sum: u64 = texts
            .iter()
            .filter(|(_, fill)| *fill == Some(c.as_str()))
            .filter_map(|(t, _)| t.parse::<u64>().ok())
            .sum();
        assert_eq!(sum, r.counts.latency.count(), "{:?}", r.mode);
    }
    // The timeline's failures in the failure colour.
    assert!(
        root.descendants()
            .any(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(hex(FAIL).as_str()))
    );
}

#[test]
fn without_a_run_the_timeline_says_so() {
    let rows = sample_driver(3).results();
    let svg = comparison_svg(&spec(200), &rows, &Timeline::default()).unwrap();
    assert!(svg.contains("no run to draw"));
}
