//! A broker's "no permission" (response code 16), said plainly: which
//! profile's credential (its AccessKey shortened), which topic, and whether
//! the broker did not accept the credential or accepted it and may not let
//! it read — the publish-only credential a producer service is usually
//! given. The broker's own text is kept beside the explanation.
//!
//! The 1.0 broker answers both with code 16 and a fixed public text
//! (rocketmq-error 1.0.0 `catalog.rs`): `AUTH_CREDENTIALS_INVALID`
//! "Authentication credentials are invalid" when the signature or the user
//! is wrong, `AUTH_PERMISSION_DENIED` "Permission was denied" when an
//! authenticated user lacks the right (rocketmq-auth 1.0.0 `runtime.rs`,
//! `require_authorization`; sent by the broker's dispatcher before any
//! processor runs, rocketmq-broker 1.0.0 `processor/dispatcher.rs`).

use std::fmt;

/// The broker's response code for "no permission".
pub const NO_PERMISSION: i32 = 16;
/// The broker's text when it does not accept the credential.
const NOT_ACCEPTED_TEXT: &str = "Authentication credentials are invalid";
/// ... when the user does not exist (sent as an authentication failure).
const NO_USER_TEXT: &str = "User does not exist";
/// ... when an accepted credential lacks the right.
const DENIED_TEXT: &str = "Permission was denied";
/// How a code-16 refusal of one broker starts (`no_permission`), so that
/// the fetcher finds them among its brokers' refusals (`broker_text`).
const PREFIX: &str = "refused, no permission (code 16): ";

/// Who is asking: the profile's name and its AccessKey, if it has one.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Asker {
    pub profile: String,
    pub access_key: Option<String>,
}

impl fmt::Debug for Asker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Asker")
            .field("profile", &self.profile)
            .field("access_key", &self.access_key.as_deref().map(shortened))
            .finish()
    }
}

/// What the broker's code 16 meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The broker did not take the credential (wrong key, unknown user).
    NotAccepted,
    /// It took the credential, which may not read: a publish-only one.
    MayNotRead,
    /// Code 16 without the broker's text (the library's pull path drops
    /// it): either of the two.
    Unclear,
}

/// A read refused for want of rights, once per answer, with the brokers
/// that refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub denial: Denial,
    /// `profile payments's credential (AccessKey …ucer)`.
    pub who: String,
    /// The topic read, or `None` when the request named none (an offset id
    /// without `--topic`).
    pub topic: Option<String>,
    /// The broker's own text, as it sent it.
    pub broker_text: String,
    pub brokers: Vec<String>,
}

impl Denied {
    /// Who may not do what.
    pub fn headline(&self) -> String {
        let topic = match &self.topic {
            Some(t) => format!("topic {t}"),
            None => "this message's topic".into(),
        };
        match self.denial {
            Denial::MayNotRead => format!("{} may not read {topic}", self.who),
            Denial::NotAccepted => format!("{} was not accepted", self.who),
            Denial::Unclear => format!("{} was refused reading {topic}", self.who),
        }
    }

    /// What that means for the operator.
    pub fn hint(&self) -> &'static str {
        match self.denial {
            Denial::MayNotRead => "a publish-only credential can send but not fetch",
            Denial::NotAccepted => "wrong AccessKey or SecretKey, or no such user",
            Denial::Unclear => "the credential is wrong or may not read it",
        }
    }

    /// The second line: what the broker said, and which brokers.
    pub fn broker_said(&self) -> String {
        let text = if self.broker_text.is_empty() {
            "(no text)".to_string()
        } else {
            format!("\"{}\"", self.broker_text)
        };
        format!(
            "{} answered {text} (code {NO_PERMISSION})",
            self.brokers.join(", ")
        )
    }
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}; {}",
            self.headline(),
            self.hint(),
            self.broker_said()
        )
    }
}

/// One broker's code-16 refusal as the completeness lists it:
/// `refused, no permission (code 16): <the broker's text>`.
pub fn no_permission(broker_text: &str) -> String {
    format!("{PREFIX}{broker_text}")
}

/// The broker's text of a refusal made by `no_permission`, `None` for any
/// other refusal.
pub fn broker_text(refusal: &str) -> Option<&str> {
    refusal.strip_prefix(PREFIX)
}

/// What a code-16 text means. The library sometimes wraps the broker's
/// text (`core.argument.invalid: … CODE: 16  DESC: Permission was denied`),
/// so it is looked for, not compared.
pub fn classify(broker_text: &str) -> Denial {
    if broker_text.contains(NOT_ACCEPTED_TEXT) || broker_text.contains(NO_USER_TEXT) {
        Denial::NotAccepted
    } else if broker_text.contains(DENIED_TEXT) {
        Denial::MayNotRead
    } else {
        Denial::Unclear
    }
}

/// The broker's words inside the library's wrapping, when it kept them
/// (`… DESC: Permission was denied` → `Permission was denied`).
fn bare(text: &str) -> &str {
    for known in [NOT_ACCEPTED_TEXT, NO_USER_TEXT, DENIED_TEXT] {
        if text.contains(known) {
            return known;
        }
    }
    text
}

/// `profile payments's credential (AccessKey …ucer)`; a profile without
/// credentials is named alone (a broker that refuses it wants some).
pub fn who(asker: &Asker) -> String {
    match &asker.access_key {
        Some(ak) => format!(
            "profile {}'s credential (AccessKey {})",
            asker.profile,
            shortened(ak)
        ),
        None => format!("profile {} (no credential)", asker.profile),
    }
}

/// The AccessKey as shown: its last four characters when it has at least
/// twelve, nothing of a shorter one (four would be most of it).
pub fn shortened(access_key: &str) -> String {
    let chars: Vec<char> = access_key.chars().collect();
    if chars.len() >= 12 {
        format!("…{}", chars[chars.len() - 4..].iter().collect::<String>())
    } else {
        "…".into()
    }
}

/// The plain refusal for the code-16 refusals among `refused` (broker,
/// refusal text), if any: its kind from the first one's text.
pub fn explain(asker: &Asker, topic: Option<&str>, refused: &[(String, String)]) -> Option<Denied> {
    let mut denied: Option<Denied> = None;
    for (broker, refusal) in refused {
        let Some(text) = broker_text(refusal) else {
            continue;
        };
        match &mut denied {
            Some(d) => d.brokers.push(broker.clone()),
            None => {
                denied = Some(Denied {
                    denial: classify(text),
                    who: who(asker),
                    topic: topic.map(str::to_string),
                    broker_text: bare(text).to_string(),
                    brokers: vec![broker.clone()],
                })
            }
        }
    }
    denied
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asker() -> Asker {
        Asker {
            profile: "payments".into(),
            access_key: Some("payments-producer".into()),
        }
    }

    /// The texts as the 1.0 broker and the client library deliver them,
    /// measured on the sandbox with a publish-only user
    /// (`tests/broker/fetch_acl.rs`): an index query carries the broker's
    /// remark as is, a view and the topic statistics wrap it, a pull
    /// loses it.
    #[test]
    fn each_delivery_of_code_16_is_told_apart() {
        for (text, want) in [
            ("Permission was denied", Denial::MayNotRead),
            (
                "core.argument.invalid: Argument is invalid: CODE: 16  DESC: Permission was denied",
                Denial::MayNotRead,
            ),
            (
                "Authentication credentials are invalid",
                Denial::NotAccepted,
            ),
            (
                "core.argument.invalid: Argument is invalid: CODE: 16  DESC: Authentication credentials are invalid",
                Denial::NotAccepted,
            ),
            ("User does not exist", Denial::NotAccepted),
            (
                "broker.operation.failed: Broker operation failed",
                Denial::Unclear,
            ),
        ] {
            assert_eq!(classify(text), want, "{text}");
        }
    }

    #[test]
    fn a_publish_only_credential_is_said_plainly_with_the_brokers_words() {
        let refused = vec![
            (
                "broker-a".to_string(),
                no_permission(
                    "core.argument.invalid: Argument is invalid: CODE: 16  DESC: Permission was denied",
                ),
            ),
            ("broker-b".to_string(), "connection refused".to_string()),
            (
                "broker-c".to_string(),
                no_permission("Permission was denied"),
            ),
        ];
        let d = explain(&asker(), Some("orders"), &refused).expect("a denial");
        assert_eq!(d.denial, Denial::MayNotRead);
        assert_eq!(d.brokers, ["broker-a", "broker-c"]);
        assert_eq!(
            d.to_string(),
            "profile payments's credential (AccessKey …ucer) may not read topic orders: a publish-only credential can send but not fetch; broker-a, broker-c answered \"Permission was denied\" (code 16)"
        );
        // Other refusals are no denial.
        assert_eq!(explain(&asker(), Some("orders"), &refused[1..2]), None);
    }

    #[test]
    fn a_wrong_or_unclear_credential_is_not_called_publish_only() {
        let wrong = [(
            "broker-a".to_string(),
            no_permission("Authentication credentials are invalid"),
        )];
        let d = explain(&asker(), Some("orders"), &wrong).unwrap();
        assert_eq!(
            d.to_string(),
            "profile payments's credential (AccessKey …ucer) was not accepted: wrong AccessKey or SecretKey, or no such user; broker-a answered \"Authentication credentials are invalid\" (code 16)"
        );
        let lost = [(
            "broker-a".to_string(),
            no_permission("broker.operation.failed: Broker operation failed"),
        )];
        let d = explain(&asker(), None, &lost).unwrap();
        assert_eq!(
            format!("{}: {}", d.headline(), d.hint()),
            "profile payments's credential (AccessKey …ucer) was refused reading this message's topic: the credential is wrong or may not read it"
        );
        assert!(d.broker_said().contains("Broker operation failed"));
    }

    #[test]
    fn the_access_key_is_shortened_and_a_short_one_not_shown() {
        assert_eq!(shortened("payments-producer"), "…ucer");
        assert_eq!(shortened("admin"), "…");
        assert_eq!(shortened("ключ-ключ-ключ"), "…ключ");
        let a = Asker {
            profile: "p".into(),
            access_key: Some("LTAI5tQ9secretish".into()),
        };
        assert!(!format!("{a:?}").contains("LTAI5tQ9"), "{a:?}");
        assert_eq!(
            who(&Asker {
                profile: "sandbox".into(),
                access_key: None
            }),
            "profile sandbox (no credential)"
        );
    }
}
