use chrono::TimeZone;

use super::*;
use crate::message::{Draft, MessageType};

fn ctx(seq: Seq, n: u64) -> Ctx {
    Ctx {
        seq,
        n,
        now: Utc.timestamp_millis_opt(1_700_000_000_123).unwrap(),
    }
}

fn expand(text: &str) -> String {
    Template::parse(text)
        .unwrap()
        .expand(&ctx(41, 3), &mut Rng::seeded(7))
}

fn error(text: &str) -> String {
    Template::parse(text).unwrap_err().to_string()
}

#[test]
fn seq_and_n() {
    // {n} counts this burst's messages from 1, whatever the session's seq.
    assert_eq!(expand("order-{n} s{seq}"), "order-3 s41");
}

#[test]
fn now_is_rfc3339_in_utc_and_now_ms_the_epoch_millis() {
    assert_eq!(expand("{now}"), "2023-11-14T22:13:20.123Z");
    assert_eq!(expand("{now_ms}"), "1700000000123");
}

#[test]
fn each_uuid_is_fresh_and_a_version_4_id() {
    let a = expand("{uuid} {uuid}");
    let parts: Vec<_> = a.split(' ').collect();
    assert_eq!(parts.len(), 2);
    for p in &parts {
        let id = uuid::Uuid::parse_str(p).unwrap();
        assert_eq!(id.get_version_num(), 4, "{p}");
        assert_eq!(p.len(), 32, "no hyphens: a key-friendly id");
    }
    assert_ne!(parts[0], parts[1], "each {{uuid}} is a fresh id");
}

#[test]
fn rand_stays_in_its_inclusive_range_and_reaches_both_ends() {
    let t = Template::parse("{rand:1..3}").unwrap();
    let mut rng = Rng::seeded(1);
    let seen: std::collections::BTreeSet<String> =
        (0..200).map(|_| t.expand(&ctx(1, 1), &mut rng)).collect();
    assert_eq!(seen, ["1", "2", "3"].map(String::from).into());
    assert_eq!(expand("{rand:-5..-5}"), "-5");
    let full = Template::parse("{rand:-9223372036854775808..9223372036854775807}").unwrap();
    full.expand(&ctx(1, 1), &mut rng).parse::<i64>().unwrap();
}

#[test]
fn pick_takes_each_choice_and_nothing_else() {
    let t = Template::parse("{pick:a|b c|}").unwrap();
    let mut rng = Rng::seeded(2);
    let seen: std::collections::BTreeSet<String> =
        (0..200).map(|_| t.expand(&ctx(1, 1), &mut rng)).collect();
    assert_eq!(seen, ["", "a", "b c"].map(String::from).into());
}

#[test]
fn the_same_seed_gives_the_same_messages() {
    let t = Template::parse("{uuid} {rand:1..1000000} {pick:x|y|z}").unwrap();
    let run = |seed| {
        let mut rng = Rng::seeded(seed);
        (1..=5)
            .map(|n| t.expand(&ctx(n, n), &mut rng))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(9), run(9));
    assert_ne!(run(9), run(10));
}

#[test]
fn doubled_open_brace_is_a_literal_and_json_is_left_alone() {
    assert_eq!(expand("{{seq}"), "{seq}");
    assert_eq!(expand("{{{n}"), "{3");
    // JSON's braces are text: `{"`, `}}`, `{}` and `{ ` are not placeholders.
    let json = r#"{"a":{"b":[{}]}, "c": { "d": 1}}"#;
    assert_eq!(expand(json), json);
    assert!(Template::parse(json).unwrap().is_literal());
    assert_eq!(
        expand(r#"{"n":{n},"v":{rand:7..7},"s":"{seq}"}"#),
        r#"{"n":3,"v":7,"s":"41"}"#
    );
    assert_eq!(escape("a{b}{{"), "a{{b}{{{{");
}

#[test]
fn errors_name_the_placeholder_its_position_and_the_reason() {
    assert_eq!(
        error(r#"{"a":1, "r":{rand:5..1}}"#),
        "{rand:5..1} at column 13: the range is empty"
    );
    assert_eq!(
        error("k-{id}"),
        "{id} at column 3: unknown placeholder (use {seq}, {n}, {uuid}, {now}, \
         {now_ms}, {rand:1..100}, {pick:a|b|c}; {{ for a literal brace)"
    );
    assert!(error("k-{seq").starts_with("{seq at column 3: not closed"));
    assert!(error("k-{seq-1}").starts_with("{seq at column 3: not closed"));
    assert!(error("{pick:a|b\n}").starts_with("{pick:a|b at column 1: not closed"));
    assert_eq!(
        error("{rand:1-9}"),
        "{rand:1-9} at column 1: write {rand:LOW..HIGH}, e.g. {rand:1..100}"
    );
    assert_eq!(
        error("{rand:a..9}"),
        "{rand:a..9} at column 1: LOW and HIGH are whole numbers, e.g. {rand:1..100}"
    );
    assert_eq!(
        error("{rand}"),
        "{rand} at column 1: write {rand:LOW..HIGH}, e.g. {rand:1..100}"
    );
    assert!(error("{pick:}").contains("write {pick:a|b|c}"));
    assert!(error("{pick}").contains("write {pick:a|b|c}"));
    assert_eq!(
        error("{seq:2}"),
        "{seq:2} at column 1: {seq} takes no argument"
    );
    // Columns count characters; a body names the line too.
    assert!(error("é{x}").starts_with("{x} at column 2:"));
    assert!(error("{\n  \"a\": {nope}\n}").starts_with("{nope} at line 2, column 8:"));
    // A long or hostile placeholder is cut and its control characters shown.
    let e = Template::parse(&format!("{{nope:\u{1b}{}}}", "a".repeat(40))).unwrap_err();
    assert!(e.token.ends_with('…') && !e.token.contains('\u{1b}'), "{e}");
}

#[test]
fn key_templates_refuse_what_no_key_may_hold() {
    assert!(parse_keys("k-{seq} o-{n}").is_ok());
    assert!(
        parse_keys("k-{seq}\u{1}")
            .unwrap_err()
            .starts_with("key template:")
    );
    assert!(
        parse_keys("k-{id}")
            .unwrap_err()
            .starts_with("{id} at column 3")
    );
}

fn draft(body: &[u8], props: &[(&str, &str)]) -> Draft {
    Draft {
        topic: "T".into(),
        tag: None,
        keys: vec!["given".into()],
        properties: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_vec(),
        kind: MessageType::Normal,
    }
}

#[test]
fn a_draft_without_placeholders_has_nothing_to_expand() {
    let d = draft(br#"{"a":{"b":1}}"#, &[("p", "{}")]);
    assert_eq!(DraftTemplate::parse(None, &d, true), Ok(None));
    // Binary bodies are bytes, never templates.
    let d = draft(b"\xff{n}", &[]);
    assert_eq!(DraftTemplate::parse(None, &d, true), Ok(None));
    // Without `message`, only the key template counts.
    let d = draft(b"{n}", &[("p", "{n}")]);
    assert_eq!(DraftTemplate::parse(None, &d, false), Ok(None));
}

#[test]
fn a_draft_expands_keys_body_and_property_values() {
    let d = draft(b"body {n} {{", &[("a", "x"), ("b", "v{seq}")]);
    let t = DraftTemplate::parse(Some("k-{n} s-{seq}"), &d, true)
        .unwrap()
        .unwrap();
    let m = t.apply(&d, &ctx(41, 3), &mut Rng::seeded(1));
    assert_eq!(m.keys, ["k-3", "s-41"]);
    assert_eq!(m.body, b"body 3 {");
    assert_eq!(
        m.properties,
        [("a".into(), "x".into()), ("b".into(), "v41".into())]
    );
    assert_eq!(m.topic, d.topic);
    assert!(!t.uses_clock());
    // `{{` alone still changes the body: it is expanded, not shared.
    let d = draft(b"{{", &[]);
    assert!(DraftTemplate::parse(None, &d, true).unwrap().is_some());
}

#[test]
fn a_draft_error_names_its_field() {
    let d = draft(b"ok\n {rand:5..1}", &[]);
    assert_eq!(
        DraftTemplate::parse(None, &d, true).unwrap_err(),
        "body: {rand:5..1} at line 2, column 2: the range is empty"
    );
    let d = draft(b"", &[("region", "{pick}")]);
    assert!(
        DraftTemplate::parse(None, &d, true)
            .unwrap_err()
            .starts_with("property region: {pick} at column 1")
    );
    assert!(
        DraftTemplate::parse(Some("{x}"), &d, false)
            .unwrap_err()
            .starts_with("keys: {x} at column 1")
    );
}
