//! The message a headless command sends, from its flags: topic, tag, keys,
//! properties, body (flag, file or standard input, bounded by the profile's
//! limit) and type.

use std::path::Path;

use anyhow::{Result, bail};

use crate::cli::MessageArgs;
use rmq_model::message::Draft;
use rmq_model::types::{Delay, MessageType};

/// Builds the draft from the command line: a saved message (`--message`,
/// read from `messages`, changed by its `--set`s), or the flags, the body
/// from `--body`, `--body-file` (`-` is standard input) or standard input,
/// in that order. `max_bytes` is the profile's largest message, as in the
/// console; no more than one byte past it is ever read.
pub fn draft_from_args(m: &MessageArgs, max_bytes: usize, messages: &Path) -> Result<Draft> {
    if let Some(name) = &m.message {
        let mut saved = crate::collection::find(messages, name)?;
        crate::collection::set::apply(&mut saved, &m.sets)?;
        let draft = saved.draft;
        rmq_model::validate::draft(&draft, max_bytes)
            .map_err(|e| anyhow::anyhow!("--message {name}: {e}"))?;
        return Ok(draft);
    }
    if let Some(set) = m.sets.first() {
        bail!("--set {set}: --set changes a saved message; name it with --message NAME");
    }
    let Some(topic) = &m.topic else {
        bail!("give --topic, or --message NAME for a saved message");
    };
    let body = if let Some(b) = &m.body {
        b.clone().into_bytes()
    } else if let Some(path) = &m.body_file {
        rmq_model::body::read_file(path, max_bytes)?
    } else if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        // Waiting on a terminal for a body nobody knows to type looks like a hang.
        bail!("no body: give --body TEXT or --body-file PATH, or pipe it in");
    } else {
        rmq_model::body::read_bounded(std::io::stdin().lock(), max_bytes, "standard input")?
    };
    let draft = Draft {
        topic: topic.clone(),
        tag: m.tag.clone(),
        keys: m.keys.clone(),
        properties: m.properties.clone(),
        body,
        kind: Default::default(),
    };
    rmq_model::validate::draft(&draft, max_bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(draft)
}

/// The message type of the `send` flags.
pub(super) fn message_type(t: &crate::cli::TypeArgs) -> Result<MessageType> {
    let delay = match (&t.delay_level, &t.deliver_in, &t.deliver_at) {
        (Some(n), _, _) => Some(Delay::Level(*n)),
        (_, Some(d), _) => Some(Delay::In(*d)),
        (_, _, Some(at)) => Some(Delay::At(
            rmq_model::types::parse_time(at, chrono::Local::now())
                .map_err(|e| anyhow::anyhow!("--deliver-at: {e}"))?,
        )),
        _ => None,
    };
    rmq_model::types::from_flags(t.sharding_key.as_deref(), delay, t.transaction, t.batch)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The flag an error about the type belongs next to.
pub(super) fn type_flag(kind: &MessageType) -> &'static str {
    match kind {
        MessageType::Normal => "--mode",
        MessageType::Fifo { .. } => "--sharding-key",
        MessageType::Delayed(Delay::Level(_)) => "--delay-level",
        MessageType::Delayed(Delay::In(_)) => "--deliver-in",
        MessageType::Delayed(Delay::At(_)) => "--deliver-at",
        MessageType::Transaction { .. } => "--transaction",
        MessageType::Batch { .. } => "--batch",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_refuses_a_body_over_the_profile_limit_as_the_console_does() {
        let args = MessageArgs {
            topic: Some("T".into()),
            message: None,
            sets: vec![],
            tag: None,
            keys: vec![],
            properties: vec![],
            body: Some("12345".into()),
            body_file: None,
        };
        assert!(draft_from_args(&args, 5, Path::new("/nonexistent")).is_ok());
        let stray = MessageArgs {
            sets: vec!["tag=x".into()],
            ..args.clone()
        };
        let err = draft_from_args(&stray, 5, Path::new("/nonexistent"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("name it with --message"), "{err}");
        let err = draft_from_args(&args, 4, Path::new("/nonexistent"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("body:"), "{err}");
    }
}
