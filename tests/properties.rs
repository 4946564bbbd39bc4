//! Property tests over the parsers that take operator text: the config file,
//! the template expander (keys, bodies, properties), the endpoint parser,
//! the key-chord parser and the replay-record parser.
//! Whatever the input: never a panic, always a value or an error with a
//! message.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use rmq_console::config;
use rmq_console::console::keymap::Chord;
use rmq_model::{endpoint, template, validate};

/// Template text: placeholders whole and in pieces, braces single and
/// doubled, arguments good and bad, lines, and anything at all.
fn template_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => "[a-z0-9 _.-]{0,6}",
            1 => Just("{".to_string()),
            1 => Just("}".to_string()),
            1 => Just("{{".to_string()),
            1 => Just("}}".to_string()),
            1 => Just("{seq}".to_string()),
            1 => Just("{n}".to_string()),
            1 => Just("{uuid}".to_string()),
            1 => Just("{now}".to_string()),
            1 => Just("{now_ms}".to_string()),
            1 => Just("{rand:".to_string()),
            1 => Just("{pick:".to_string()),
            1 => Just("..".to_string()),
            1 => Just("|".to_string()),
            1 => Just(":".to_string()),
            1 => Just("-".to_string()),
            1 => "[0-9]{1,20}",
            1 => Just("\"".to_string()),
            1 => Just("\n".to_string()),
            1 => Just("ünï😀".to_string()),
            1 => any::<String>(),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// Text that reaches the interesting corners: separators, control
/// characters (RocketMQ's U+0001/U+0002 among them), brackets, braces,
/// quotes, non-ASCII, and long runs.
fn nasty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9_.-]{0,8}",
            1 => Just(":".to_string()),
            1 => Just(";".to_string()),
            1 => Just("@".to_string()),
            1 => Just("://".to_string()),
            1 => Just("[".to_string()),
            1 => Just("]".to_string()),
            1 => Just("{".to_string()),
            1 => Just("}".to_string()),
            1 => Just("{seq}".to_string()),
            1 => Just("{uuid}".to_string()),
            1 => Just("{now}".to_string()),
            1 => Just("\"".to_string()),
            1 => Just("\u{1}".to_string()),
            1 => Just("\u{2}".to_string()),
            1 => Just("\n".to_string()),
            1 => Just(" ".to_string()),
            1 => Just("ünï😀".to_string()),
            1 => Just("-".to_string()),
            1 => Just("+".to_string()),
            1 => any::<String>(),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// A TOML value of any type, well-formed or not.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        Just("18446744073709551616".to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        nasty().prop_map(|s| format!("{:?}", s)),
        nasty(),
        Just("[1, \"a\"]".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("1.5".to_string()),
    ]
}

/// A config file made of the real keys with arbitrary values, so that the
/// checks behind the syntax are reached, not only the TOML parser.
fn config_text() -> impl Strategy<Value = String> {
    let top = prop::sample::select(config::TOP_KEYS.to_vec());
    let profile = prop::sample::select(config::PROFILE_KEYS.to_vec());
    (
        prop::collection::vec((top, toml_value()), 0..3),
        prop::collection::vec(prop::collection::vec((profile, toml_value()), 0..8), 0..3),
        nasty(),
    )
        .prop_map(|(tops, profiles, tail)| {
            let mut text = String::new();
            for (k, v) in tops {
                if k != "profile" && k != "keys" {
                    text.push_str(&format!("{k} = {v}\n"));
                }
            }
            for (i, p) in profiles.iter().enumerate() {
                text.push_str(&format!(
                    "[[profile]]\nname = \"p{i}\"\nendpoint = \"127.0.0.1:9876\"\n"
                ));
                for (k, v) in p {
                    if *k != "name" {
                        text.push_str(&format!("{k} = {v}\n"));
                    }
                }
            }
            text.push_str("[keys]\n");
            text.push_str(&tail);
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn config_parser_gives_a_config_or_a_message(text in config_text()) {
        match config::load_str(&text, "c.toml") {
            Ok(c) => prop_assert!(c.results_capacity >= 1),
            Err(e) => {
                prop_assert!(!e.message.trim().is_empty());
                prop_assert!(e.to_string().starts_with("c.toml"));
            }
        }
    }

    #[test]
    fn config_parser_survives_any_text(text in any::<String>()) {
        if let Err(e) = config::load_str(&text, "c.toml") {
            prop_assert!(!e.message.trim().is_empty());
        }
    }

    #[test]
    fn key_templates_validate_or_say_why_and_valid_ones_make_valid_keys(
        t in nasty(),
        seq in any::<u64>(),
        ms in 0i64..4_102_444_800_000,
        seed in any::<u64>(),
    ) {
        let ctx = template::Ctx { seq, n: seq / 2 + 1, now: Utc.timestamp_millis_opt(ms).unwrap() };
        match template::parse_keys(&t) {
            Ok(parsed) => {
                let expanded = parsed.expand(&ctx, &mut template::Rng::seeded(seed));
                for key in expanded.split_whitespace() {
                    prop_assert!(validate::key(key).is_ok(), "{key:?} from {t:?}");
                }
                // Only an escaped `{{` leaves a placeholder's text behind.
                let left = template::PLACEHOLDERS.iter().any(|p| expanded.contains(p));
                prop_assert!(!left || t.contains("{{"), "placeholder left in {:?}", expanded);
            }
            Err(e) => prop_assert!(!e.trim().is_empty()),
        }
    }

    /// Issue 29: every text either expands or is refused with the
    /// position of the placeholder at fault, inside the text.
    #[test]
    fn every_template_expands_or_names_a_position_inside_it(
        t in template_text(),
        seed in any::<u64>(),
        ms in 0i64..4_102_444_800_000,
    ) {
        let ctx = template::Ctx { seq: 7, n: 3, now: Utc.timestamp_millis_opt(ms).unwrap() };
        match template::Template::parse(&t) {
            Ok(parsed) => {
                let mut rng = template::Rng::seeded(seed);
                let once = parsed.expand(&ctx, &mut rng);
                // The same seed, the same text.
                prop_assert_eq!(once, parsed.expand(&ctx, &mut template::Rng::seeded(seed)));
            }
            Err(e) => {
                prop_assert!(e.offset < t.len(), "{e} outside {t:?}");
                prop_assert!(t[e.offset..].starts_with('{'), "{e} in {t:?}");
                let before = &t[..e.offset];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
                prop_assert_eq!((e.line, e.column), (line, column));
                let shown = e.to_string();
                prop_assert!(shown.contains(&format!("column {column}: ")), "{shown}");
                prop_assert!(!e.reason.trim().is_empty());
            }
        }
    }

    /// `{{` escapes: any text, its `{` doubled, is a template without
    /// placeholders that expands back to the text.
    #[test]
    fn escaped_text_round_trips(text in prop_oneof![template_text(), any::<String>()]) {
        let parsed = template::Template::parse(&template::escape(&text)).unwrap();
        prop_assert!(parsed.is_literal());
        let ctx = template::Ctx { seq: 1, n: 1, now: Utc.timestamp_millis_opt(0).unwrap() };
        prop_assert_eq!(parsed.expand(&ctx, &mut template::Rng::seeded(0)), text);
    }

    /// Text without `{` (any `}` and `}}` included, JSON's closing braces
    /// for one) is a template that expands to itself.
    #[test]
    fn text_without_an_open_brace_expands_to_itself(text in prop_oneof![template_text(), any::<String>()]) {
        let text = text.replace('{', "");
        let parsed = template::Template::parse(&text).unwrap();
        prop_assert!(parsed.is_literal());
        let ctx = template::Ctx { seq: 1, n: 1, now: Utc.timestamp_millis_opt(0).unwrap() };
        prop_assert_eq!(parsed.expand(&ctx, &mut template::Rng::seeded(0)), text);
    }

    #[test]
    fn endpoints_parse_or_say_why_and_never_repeat_user_info(
        text in nasty(),
        secret in "[a-zA-Z0-9]{12}",
    ) {
        match endpoint::parse(&text) {
            Ok(e) => {
                prop_assert!(!e.name_servers.is_empty());
                // What the parser gives back parses to itself.
                let again = endpoint::parse(&e.name_servers).unwrap();
                prop_assert_eq!(&again.name_servers, &e.name_servers);
            }
            Err(e) => prop_assert!(!e.0.trim().is_empty()),
        }
        for with_secret in [
            format!("http://user:{secret}@{text}"),
            format!("{text}user:{secret}@127.0.0.1:9876"),
        ] {
            let err = endpoint::parse(&with_secret).unwrap_err().0;
            prop_assert!(!err.contains(&secret), "{err}");
        }
    }

    #[test]
    fn key_chords_parse_or_say_why_and_print_back_to_themselves(text in nasty()) {
        match Chord::parse(&text) {
            Ok(c) => {
                let shown = c.to_string();
                let again = Chord::parse(&shown);
                prop_assert_eq!(again, Ok(c), "{} from {:?}", shown, text);
            }
            Err(e) => prop_assert!(!e.trim().is_empty()),
        }
    }
}

/// A replay line: a JSON object of the record's fields with values of any
/// type, well-formed or not, or a line of junk.
fn replay_line() -> impl Strategy<Value = String> {
    let field = prop::sample::select(vec![
        "topic",
        "tag",
        "keys",
        "properties",
        "body",
        "body_base64",
        "mode",
        "id",
        "extra",
    ]);
    let value = prop_oneof![
        nasty().prop_map(serde_json::Value::String),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
        prop::collection::vec(nasty(), 0..3).prop_map(|v| serde_json::json!(v)),
        (nasty(), nasty()).prop_map(|(k, v)| serde_json::json!({ k: v })),
        Just(serde_json::Value::Null),
        prop::sample::select(vec!["sync", "async", "oneway", "SYNC", "fast"])
            .prop_map(serde_json::Value::from),
        "[A-Za-z0-9+/=]{0,16}".prop_map(serde_json::Value::from),
    ];
    prop_oneof![
        4 => prop::collection::vec((field, value), 0..7).prop_map(|fields| {
            let mut o = serde_json::Map::new();
            o.insert("topic".into(), "orders".into());
            o.insert("body".into(), "x".into());
            for (k, v) in fields {
                o.insert(k.to_string(), v);
            }
            serde_json::Value::Object(o).to_string()
        }),
        1 => nasty(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every non-blank line is either a message that passes the composer's
    /// checks (so no wire separator or oversized body gets through) or an
    /// invalid line with its number and a reason; never a panic.
    #[test]
    fn replay_records_parse_or_say_why(lines in prop::collection::vec(replay_line(), 0..6)) {
        let text = lines.join("\n");
        let parsed = rmq_journal::replay::parse(text.as_bytes(), "r.jsonl", None, 64);
        // A line that repeats an earlier valid line's id is the same send
        // (a journal's submitted record and its outcome) and is read once.
        let mut ids = std::collections::HashSet::new();
        let mut expected = 0;
        for line in text.split('\n').filter(|l| !l.trim().is_empty()) {
            let alone = rmq_journal::replay::parse(line.as_bytes(), "r.jsonl", None, 64);
            let repeat = alone.items.first()
                .and_then(|i| i.source.clone())
                .is_some_and(|id| !ids.insert(id));
            expected += usize::from(!repeat);
        }
        prop_assert_eq!(parsed.items.len() + parsed.invalid.len(), expected);
        for item in &parsed.items {
            prop_assert!(validate::draft(&item.draft, 64).is_ok(), "{:?}", item.draft);
        }
        for bad in &parsed.invalid {
            prop_assert!(bad.line >= 1 && !bad.reason.trim().is_empty());
        }
    }
}
