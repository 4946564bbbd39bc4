//! A burst's templates (issue 29, item 3): parsed once by `Expander`, the
//! body and property values expanded per message with `expand_message`, and
//! a draft with nothing to expand shared by every send.

use std::sync::Arc;

use crate::producer::BurstSpec;
use rmq_model::message::{Draft, Mode};

fn with_body(b: &str) -> Arc<Draft> {
    Arc::new(Draft {
        topic: "T".into(),
        keys: vec!["k".into()],
        body: b.as_bytes().to_vec(),
        ..Draft::default()
    })
}

/// Issue 29, item 3: with `expand_message` the body and the property
/// values expand per message too; without a placeholder anywhere every
/// message shares the burst's draft (no copy, no work per send).
#[test]
fn a_burst_expands_the_body_and_properties_and_shares_a_plain_draft() {
    let mut d = (*with_body("{\"n\":{n},\"id\":\"{uuid}\"}")).clone();
    d.properties = vec![("at".into(), "s{seq}".into()), ("p".into(), "{}".into())];
    let spec = BurstSpec {
        id: 1,
        mode: Mode::Sync,
        draft: Arc::new(d),
        count: 2,
        rate: None,
        key_template: None,
        expand_message: true,
        first_seq: 7,
        verify: false,
    };
    let mut expander = super::burst::Expander::new(&spec).unwrap();
    let (a, b) = (expander.draft(&spec, 7, 1), expander.draft(&spec, 8, 2));
    let body = |d: &Draft| serde_json::from_slice::<serde_json::Value>(&d.body).unwrap();
    assert_eq!(
        (body(&a)["n"].as_u64(), body(&b)["n"].as_u64()),
        (Some(1), Some(2))
    );
    assert_ne!(body(&a)["id"], body(&b)["id"]);
    assert_eq!(a.properties[0].1, "s7");
    assert_eq!(b.properties[1].1, "{}");
    // Without expand_message the same draft goes as written, shared.
    let plain = BurstSpec {
        expand_message: false,
        ..spec.clone()
    };
    let mut expander = super::burst::Expander::new(&plain).unwrap();
    assert!(Arc::ptr_eq(&expander.draft(&plain, 7, 1), &plain.draft));
    // A JSON body without placeholders is shared too.
    let json = BurstSpec {
        draft: with_body("{\"a\":{\"b\":1}}"),
        ..spec.clone()
    };
    let mut expander = super::burst::Expander::new(&json).unwrap();
    assert!(Arc::ptr_eq(&expander.draft(&json, 7, 1), &json.draft));
    // A bad template is refused when the burst starts, naming the field.
    let bad = BurstSpec {
        draft: with_body("{rand:5..1}"),
        ..spec
    };
    assert_eq!(
        super::burst::Expander::new(&bad).err().unwrap(),
        "body: {rand:5..1} at column 1: the range is empty"
    );
}
