//! The tour file: the built-in tour, and a presenter's file refused with
//! the line of its first problem.

use super::*;

fn now() -> DateTime<Local> {
    crate::console::ui::tests::t0()
}

#[test]
fn the_built_in_tour_has_the_steps_the_room_needs() {
    let t = parse(BUILTIN, "built-in tour", now()).expect("parses");
    assert_eq!(t.topic, DEFAULT_TOPIC);
    let shape: Vec<String> = t
        .steps
        .iter()
        .map(|s| match &s.action {
            StepAction::Nothing => "talk".to_string(),
            StepAction::Send(x) => format!("{} {} ×{}", x.mode.as_str(), x.type_row, x.count),
            StepAction::Compare { count, .. } => format!("compare ×{count}"),
        })
        .collect();
    assert_eq!(
        shape,
        [
            "sync normal ×1",
            "async normal ×1",
            "oneway normal ×1",
            "compare ×200",
            "sync tx ×1",
            "sync delay 20s ×1",
            "sync fifo order-42 ×5",
        ]
    );
    assert!(t.steps.iter().all(|s| s.watch.is_some()));
    // A one-way goes as a burst, so its landed count is read.
    let StepAction::Send(ow) = &t.steps[2].action else {
        panic!()
    };
    assert!(ow.is_burst());
}

#[test]
fn a_bad_line_is_refused_with_its_line_number() {
    let text = "title = \"t\"\n\n[[step]]\ntitle = \"a\"\nnarration = \"b\"\n[step.send]\nmode = \"sync\"\nbody = \"x\"\ncount = 99999999\n";
    let e = parse(text, "talk.toml", now()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "talk.toml:9: step #1 send: `count` must be from 1 to 10000 (messages), found 99999999"
    );
    let text = "title = \"t\"\n[[step]]\ntitle = \"a\"\nnarration = \"b\"\nsend = { mode = \"sync\", body = \"x\", colour = \"red\" }\n";
    let e = parse(text, "talk.toml", now()).unwrap_err();
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.message.contains("unknown key `colour`"), "{e}");
}

#[test]
fn defaults_fill_what_a_step_leaves_out() {
    let text = "title = \"t\"\ntopic = \"slides\"\n[[step]]\ntitle = \"a\"\nnarration = \"b\"\n[[step]]\ntitle = \"c\"\nnarration = \"d\"\ncompare = {}\n[[step]]\ntitle = \"e\"\nnarration = \"f\"\nsend = { mode = \"one-way\", body = \"x\" }\n";
    let t = parse(text, "t.toml", now()).unwrap();
    assert_eq!(t.topic, "slides");
    assert_eq!(t.steps[0].action, StepAction::Nothing);
    assert_eq!(
        t.steps[1].action,
        StepAction::Compare {
            count: 200,
            body_bytes: 128,
            pacing: Some(5000)
        }
    );
    let StepAction::Send(s) = &t.steps[2].action else {
        panic!()
    };
    assert_eq!(
        (s.mode, s.type_row.as_str(), s.count, s.tag.as_deref()),
        (Mode::Oneway, "normal", 1, None)
    );
}

#[test]
fn the_readme_shows_the_built_in_tour_as_it_ships() {
    let readme = include_str!("../README.md");
    assert!(
        readme.contains(BUILTIN),
        "README's tour example differs from tours/default.toml: copy the file into it"
    );
}
