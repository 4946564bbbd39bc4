//! `send --message NAME --set FIELD=VALUE`: changing one field of a saved
//! message for one send, the file left as it is.

use anyhow::{Result, anyhow, bail};
use rmq_model::validate;

use super::Saved;

pub const FIELDS: &str = "topic, tag, keys, body, type, prop.NAME";

/// Applies each `FIELD=VALUE` in order (a later one wins). `tag=` and
/// `prop.NAME=` (empty values) remove the tag or the property; `keys` is
/// written as in the composer (space-separated, quotes around a key with a
/// space); `type` as the composer's type row (`fifo KEY`, `delay 3`, `tx`,
/// empty for normal).
pub fn apply(m: &mut Saved, sets: &[String]) -> Result<()> {
    for set in sets {
        let err = |e: String| anyhow!("--set {set}: {e}");
        let Some((field, value)) = set.split_once('=') else {
            bail!("--set {set}: expected FIELD=VALUE, with FIELD one of {FIELDS}");
        };
        let d = &mut m.draft;
        match field.trim() {
            "topic" => {
                validate::topic(value).map_err(err)?;
                d.topic = value.to_string();
            }
            "tag" if value.is_empty() => d.tag = None,
            "tag" => {
                validate::tag(value).map_err(err)?;
                d.tag = Some(value.to_string());
            }
            "keys" => d.keys = validate::keys_field(value).map_err(err)?,
            "body" => d.body = value.as_bytes().to_vec(),
            "type" => {
                d.kind = rmq_model::types::parse_spec(value, chrono::Local::now()).map_err(err)?;
                m.type_row = value.to_string();
            }
            f => match f.strip_prefix("prop.") {
                Some(name) if value.is_empty() => {
                    d.properties.retain(|(k, _)| k != name);
                }
                Some(name) => {
                    validate::property(name, value).map_err(err)?;
                    match d.properties.iter_mut().find(|(k, _)| k == name) {
                        Some(p) => p.1 = value.to_string(),
                        None => d.properties.push((name.to_string(), value.to_string())),
                    }
                }
                None => bail!("--set {set}: unknown field `{f}` (expected one of {FIELDS})"),
            },
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmq_model::message::Draft;

    fn saved() -> Saved {
        Saved {
            name: "n".into(),
            draft: Draft {
                topic: "T".into(),
                tag: Some("a".into()),
                keys: vec!["k".into()],
                properties: vec![("p".into(), "1".into()), ("q".into(), "2".into())],
                body: b"{}".to_vec(),
                kind: Default::default(),
            },
            type_row: String::new(),
        }
    }

    #[test]
    fn each_field_is_set_and_empty_values_remove() {
        let mut m = saved();
        let sets: Vec<String> = [
            "topic=U",
            "tag=",
            "keys=x y",
            "body=a=b",
            "type=fifo g1",
            "prop.p=9",
            "prop.q=",
            "prop.r=new",
        ]
        .map(String::from)
        .to_vec();
        apply(&mut m, &sets).unwrap();
        let d = &m.draft;
        assert_eq!(d.topic, "U");
        assert_eq!(d.tag, None);
        assert_eq!(d.keys, ["x", "y"]);
        assert_eq!(d.body, b"a=b");
        assert_eq!(m.type_row, "fifo g1");
        assert_eq!(
            d.properties,
            [
                ("p".to_string(), "9".to_string()),
                ("r".into(), "new".into())
            ]
        );
    }

    #[test]
    fn bad_sets_say_which_and_why() {
        let e = |s: &str| {
            apply(&mut saved(), &[s.to_string()])
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            e("colour=red"),
            "--set colour=red: unknown field `colour` (expected one of topic, tag, keys, body, type, prop.NAME)"
        );
        assert!(e("topic").contains("expected FIELD=VALUE"));
        assert!(e("topic=").starts_with("--set topic=: "), "{}", e("topic="));
        assert!(e("type=urgent").starts_with("--set type=urgent: "));
    }
}
