//! A profile's producer settings: the producer's defaults with what the
//! profile sets on top, and credentials from the environment variables it
//! names.

use std::time::Duration;

use anyhow::{Result, bail};

use crate::config::Profile;
use rmq_engine::producer::{Credentials, ProducerSettings};

/// A profile's producer settings: the producer's own defaults
/// (`ProducerSettings::new`, the one place they live) with what the profile
/// sets on top, and credentials read from the environment variables it
/// names. A named variable that is unset or empty is an error naming the
/// variable and the profile; secrets never appear in messages.
pub fn producer_settings(profile: &Profile) -> Result<ProducerSettings> {
    producer_settings_with(profile, &|name| std::env::var(name).ok())
}

/// `producer_settings` with the environment supplied, for tests.
pub fn producer_settings_with(
    p: &Profile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ProducerSettings> {
    let read = |var: &str, key: &str| -> Result<String> {
        match env(var) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => bail!(
                "profile \"{}\": environment variable {var} ({key}) is not set",
                p.name
            ),
        }
    };
    let credentials = match (&p.access_key_env, &p.secret_key_env) {
        (Some(ak), Some(sk)) => Some(Credentials {
            access_key: read(ak, "access-key-env")?,
            secret_key: read(sk, "secret-key-env")?,
            security_token: match &p.security_token_env {
                Some(var) => Some(read(var, "security-token-env")?),
                None => None,
            },
        }),
        // The config loader rejects half pairs; this guards hand-built profiles.
        (Some(_), None) | (None, Some(_)) => bail!(
            "profile \"{}\": access-key-env and secret-key-env must be set together",
            p.name
        ),
        (None, None) => None,
    };
    let mut s = ProducerSettings::new(p.endpoint.name_servers.clone());
    s.namespace = p.endpoint.namespace.clone();
    s.credentials = credentials;
    if let Some(ms) = p.send_timeout_ms {
        s.send_timeout = Duration::from_millis(ms);
    }
    s.retry_times_sync = p.retry_times_sync.unwrap_or(s.retry_times_sync);
    s.retry_times_async = p.retry_times_async.unwrap_or(s.retry_times_async);
    s.retry_another_broker = p.retry_another_broker.unwrap_or(s.retry_another_broker);
    s.max_message_bytes = p.max_message_bytes.unwrap_or(s.max_message_bytes);
    s.async_inflight = p.async_inflight.unwrap_or(s.async_inflight);
    s.transaction_policy = p.transaction_policy.unwrap_or(s.transaction_policy);
    s.transaction_check_default = p
        .transaction_check_default
        .unwrap_or(s.transaction_check_default);
    Ok(s)
}
