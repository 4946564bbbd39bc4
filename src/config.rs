//! The configuration file: where it is, what it may contain (profiles,
//! theme choice, results capacity, raw key bindings), strict validation with
//! `file:line:` messages, and turning a profile into `ProducerSettings` by
//! reading the credential environment variables it names.
//!
//! The file is walked as a spanned TOML tree (`toml::de::DeTable`) rather
//! than deserialized through serde: every error then knows its line, the key
//! and which profile it is in, which serde's messages cannot say.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::endpoint::{self, Endpoint};
use crate::producer::{Credentials, ProducerSettings};

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "RMQ_CONSOLE_CONFIG";

pub const DEFAULT_RESULTS_CAPACITY: usize = 1000;
pub const DEFAULT_SEND_TIMEOUT_MS: u64 = 3000;
pub const DEFAULT_RETRY_TIMES: u32 = 2;
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
pub const DEFAULT_ASYNC_INFLIGHT: usize = 128;

/// Keys allowed at the top level of the file.
pub const TOP_KEYS: &[&str] = &[
    "theme",
    "default-profile",
    "results-capacity",
    "profile",
    "keys",
];

/// Keys allowed in a `[[profile]]` table.
pub const PROFILE_KEYS: &[&str] = &[
    "name",
    "endpoint",
    "namespace",
    "access-key-env",
    "secret-key-env",
    "security-token-env",
    "send-timeout-ms",
    "retry-times-sync",
    "retry-times-async",
    "retry-another-broker",
    "max-message-bytes",
    "async-inflight",
    "protected",
    "color",
    "default-topic",
    "default-tag",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file this came from; `None` for `load_str`.
    pub path: Option<PathBuf>,
    /// Theme name; already checked to exist and to parse.
    pub theme: Option<String>,
    /// In file order; names are unique.
    pub profiles: Vec<Profile>,
    /// Names an existing profile when set.
    pub default_profile: Option<String>,
    /// `[keys]`: action name -> binding, unvalidated beyond "non-empty
    /// string"; the TUI keymap owns action names and key syntax.
    pub keys: BTreeMap<String, String>,
    /// `[keys]` action name -> 1-based line, so the keymap can report a bad
    /// binding as `file:line:`.
    pub key_lines: BTreeMap<String, usize>,
    pub results_capacity: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    /// `namespace` from the file, when given, replaces the derived one.
    pub endpoint: Endpoint,
    /// Names of environment variables, never the secrets themselves.
    pub access_key_env: Option<String>,
    pub secret_key_env: Option<String>,
    pub security_token_env: Option<String>,
    pub send_timeout_ms: u64,
    pub retry_times_sync: u32,
    pub retry_times_async: u32,
    pub retry_another_broker: bool,
    pub max_message_bytes: usize,
    pub async_inflight: usize,
    pub protected: bool,
    /// Status-bar marker colour; a valid colour name or `#rrggbb`.
    pub color: Option<String>,
    pub default_topic: Option<String>,
    pub default_tag: Option<String>,
}

/// A configuration error; `Display` is the whole human message,
/// `origin:line: what`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub origin: String,
    /// 1-based; `None` when the problem is the file as a whole.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.origin, line, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Where the file is: explicit path, else `$RMQ_CONSOLE_CONFIG`, else
/// `paths::config_dir()/config.toml`. `Ok(None)`: no file anywhere (the
/// sandbox is used). An explicit path or the variable naming a missing file
/// is an error, so a typo never silently means "sandbox".
pub fn locate(explicit: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    let from_env = std::env::var_os(CONFIG_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    locate_in(explicit, from_env.as_deref(), &crate::paths::config_dir())
}

fn locate_in(
    explicit: Option<&Path>,
    from_env: Option<&Path>,
    config_dir: &Path,
) -> anyhow::Result<Option<PathBuf>> {
    if let Some(path) = explicit {
        if !path.is_file() {
            bail!(
                "config file {} (from --config) does not exist",
                path.display()
            );
        }
        return Ok(Some(path.to_path_buf()));
    }
    if let Some(path) = from_env {
        if !path.is_file() {
            bail!(
                "config file {} (from ${CONFIG_ENV}) does not exist",
                path.display()
            );
        }
        return Ok(Some(path.to_path_buf()));
    }
    let default = config_dir.join("config.toml");
    Ok(default.is_file().then_some(default))
}

/// Reads, parses and validates the file; errors name the file and line.
pub fn load(path: &Path) -> anyhow::Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let mut config = load_str(&text, &path.display().to_string())?;
    config.path = Some(path.to_path_buf());
    Ok(config)
}

/// Parses and validates config text; `origin` is the name used in messages.
pub fn load_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
    let src = Source { text, origin };
    let doc = DeTable::parse(text).map_err(|e| src.toml_error(&e))?;
    let top = Table::new(String::new(), doc.get_ref(), doc.span());
    top.check_keys(&src, TOP_KEYS)?;

    let theme = top.string(&src, "theme")?;
    if let Some(theme) = &theme {
        // Resolving it now makes `check-config` catch a bad theme, too.
        crate::theme::load_styles(theme.get_ref())
            .map_err(|e| src.err(theme.span(), format!("theme: {e:#}")))?;
    }

    let results_capacity = match top.uint(&src, "results-capacity")? {
        Some(v) => positive(&src, &top, "results-capacity", v)?,
        None => DEFAULT_RESULTS_CAPACITY,
    };

    let mut profiles: Vec<Profile> = Vec::new();
    if let Some(value) = top.get("profile") {
        let Some(array) = value.get_ref().as_array() else {
            return Err(src.err(
                value.span(),
                format!(
                    "`profile` must be an array of tables (write [[profile]]), found {}",
                    value.get_ref().type_str()
                ),
            ));
        };
        for (index, item) in array.iter().enumerate() {
            let Some(table) = item.get_ref().as_table() else {
                return Err(src.err(
                    item.span(),
                    format!(
                        "profile #{}: must be a table, found {}",
                        index + 1,
                        item.get_ref().type_str()
                    ),
                ));
            };
            let profile = parse_profile(&src, index, table, item.span())?;
            if profiles.iter().any(|p| p.name == profile.name) {
                // Point at the second `name = ...`, the one to rename.
                let span = table
                    .iter()
                    .find(|(k, _)| k.get_ref() == "name")
                    .map(|(_, v)| v.span())
                    .unwrap_or_else(|| item.span());
                return Err(src.err(
                    span,
                    format!("profile \"{}\": duplicate profile name", profile.name),
                ));
            }
            profiles.push(profile);
        }
    }

    let default_profile = top.string(&src, "default-profile")?;
    if let Some(name) = &default_profile
        && !profiles.iter().any(|p| &p.name == name.get_ref())
    {
        let known: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
        return Err(src.err(
            name.span(),
            format!(
                "default-profile: no profile is named \"{}\" (profiles: {})",
                name.get_ref(),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        ));
    }

    let mut keys = BTreeMap::new();
    let mut key_lines = BTreeMap::new();
    if let Some(value) = top.get("keys") {
        let Some(table) = value.get_ref().as_table() else {
            return Err(src.err(
                value.span(),
                format!(
                    "`keys` must be a table ([keys]), found {}",
                    value.get_ref().type_str()
                ),
            ));
        };
        let table = Table::new("[keys]".into(), table, value.span());
        for (action, key_span, value) in &table.entries {
            let binding = match value.get_ref().as_str() {
                Some(s) => s.trim(),
                None => {
                    return Err(src.err(
                        value.span(),
                        format!(
                            "[keys]: `{action}` must be a string such as \"ctrl-s\", found {}",
                            value.get_ref().type_str()
                        ),
                    ));
                }
            };
            if binding.is_empty() {
                return Err(src.err(
                    value.span(),
                    format!("[keys]: `{action}` has an empty binding"),
                ));
            }
            keys.insert(action.to_string(), binding.to_string());
            key_lines.insert(action.to_string(), src.line(key_span.start));
        }
    }

    Ok(Config {
        path: None,
        theme: theme.map(Spanned::into_inner),
        profiles,
        default_profile: default_profile.map(Spanned::into_inner),
        keys,
        key_lines,
        results_capacity,
    })
}

fn parse_profile(
    src: &Source<'_>,
    index: usize,
    table: &DeTable<'_>,
    span: Range<usize>,
) -> Result<Profile, ConfigError> {
    // The name comes first so every later message can say which profile.
    let unnamed = Table::new(format!("profile #{}", index + 1), table, span.clone());
    let name = unnamed
        .string(src, "name")?
        .ok_or_else(|| unnamed.missing(src, "name"))?;
    let t = Table::new(format!("profile \"{}\"", name.get_ref()), table, span);
    if name.get_ref().trim().is_empty() {
        return Err(src.err(name.span(), format!("{}: `name` is empty", unnamed.ctx)));
    }
    t.check_keys(src, PROFILE_KEYS)?;

    let endpoint_text = t
        .string(src, "endpoint")?
        .ok_or_else(|| t.missing(src, "endpoint"))?;
    let mut endpoint = endpoint::parse(endpoint_text.get_ref())
        .map_err(|e| src.err(endpoint_text.span(), format!("{}: endpoint: {e}", t.ctx)))?;
    if let Some(ns) = t.string(src, "namespace")? {
        if ns.get_ref().trim().is_empty() {
            return Err(src.err(ns.span(), format!("{}: `namespace` is empty", t.ctx)));
        }
        endpoint.namespace = Some(ns.into_inner());
    }

    let access_key_env = t.env_name(src, "access-key-env")?;
    let secret_key_env = t.env_name(src, "secret-key-env")?;
    let security_token_env = t.env_name(src, "security-token-env")?;
    // Half a key pair is always a mistake; so is a token without a pair.
    match (&access_key_env, &secret_key_env) {
        (Some(_), None) => {
            return Err(t.missing_because(src, "secret-key-env", "access-key-env"));
        }
        (None, Some(_)) => {
            return Err(t.missing_because(src, "access-key-env", "secret-key-env"));
        }
        _ => {}
    }
    if security_token_env.is_some() && access_key_env.is_none() {
        return Err(t.missing_because(src, "access-key-env", "security-token-env"));
    }

    let send_timeout_ms = match t.uint(src, "send-timeout-ms")? {
        Some(v) => positive(src, &t, "send-timeout-ms", v)? as u64,
        None => DEFAULT_SEND_TIMEOUT_MS,
    };
    let retry_times_sync = t
        .u32(src, "retry-times-sync")?
        .unwrap_or(DEFAULT_RETRY_TIMES);
    let retry_times_async = t
        .u32(src, "retry-times-async")?
        .unwrap_or(DEFAULT_RETRY_TIMES);
    let max_message_bytes = match t.uint(src, "max-message-bytes")? {
        Some(v) => positive(src, &t, "max-message-bytes", v)?,
        None => DEFAULT_MAX_MESSAGE_BYTES,
    };
    let async_inflight = match t.uint(src, "async-inflight")? {
        Some(v) if *v.get_ref() > crate::producer::MAX_ASYNC_INFLIGHT as u64 => {
            let max = crate::producer::MAX_ASYNC_INFLIGHT;
            let what = format!("must be at most {max} (sends in flight at once)");
            return Err(src.err(v.span(), t.about("async-inflight", &what)));
        }
        Some(v) => positive(src, &t, "async-inflight", v)?,
        None => DEFAULT_ASYNC_INFLIGHT,
    };

    let color = t.string(src, "color")?;
    if let Some(c) = &color
        && let Err(e) = crate::theme::parse_color(c.get_ref())
    {
        return Err(src.err(c.span(), format!("{}: color: {e}", t.ctx)));
    }

    Ok(Profile {
        name: name.into_inner(),
        endpoint,
        access_key_env,
        secret_key_env,
        security_token_env,
        send_timeout_ms,
        retry_times_sync,
        retry_times_async,
        retry_another_broker: t.boolean(src, "retry-another-broker")?.unwrap_or(false),
        max_message_bytes,
        async_inflight,
        protected: t.boolean(src, "protected")?.unwrap_or(false),
        color: color.map(Spanned::into_inner),
        default_topic: t.non_empty(src, "default-topic")?,
        default_tag: t.non_empty(src, "default-tag")?,
    })
}

fn positive(
    src: &Source<'_>,
    t: &Table<'_>,
    key: &str,
    v: Spanned<u64>,
) -> Result<usize, ConfigError> {
    if *v.get_ref() == 0 {
        return Err(src.err(v.span(), t.about(key, "must be greater than 0")));
    }
    usize::try_from(*v.get_ref()).map_err(|_| src.err(v.span(), t.about(key, "is too large")))
}

/// No file: no profiles (the sandbox is used), defaults everywhere.
impl Default for Config {
    fn default() -> Self {
        Self {
            path: None,
            theme: None,
            profiles: Vec::new(),
            default_profile: None,
            keys: BTreeMap::new(),
            key_lines: BTreeMap::new(),
            results_capacity: DEFAULT_RESULTS_CAPACITY,
        }
    }
}

impl Config {
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The profile to start with: `default-profile`, else the first one;
    /// `None` when the file has no profiles (the sandbox is used).
    pub fn startup_profile(&self) -> Option<&Profile> {
        match &self.default_profile {
            Some(name) => self.profile(name),
            None => self.profiles.first(),
        }
    }
}

impl Profile {
    /// A profile with every optional key at its documented default, e.g.
    /// for the sandbox.
    pub fn new(name: impl Into<String>, endpoint: Endpoint) -> Self {
        Self {
            name: name.into(),
            endpoint,
            access_key_env: None,
            secret_key_env: None,
            security_token_env: None,
            send_timeout_ms: DEFAULT_SEND_TIMEOUT_MS,
            retry_times_sync: DEFAULT_RETRY_TIMES,
            retry_times_async: DEFAULT_RETRY_TIMES,
            retry_another_broker: false,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            async_inflight: DEFAULT_ASYNC_INFLIGHT,
            protected: false,
            color: None,
            default_topic: None,
            default_tag: None,
        }
    }

    /// Reads the named environment variables. A configured credential
    /// variable that is unset or empty is an error naming the variable and
    /// the profile; secrets never appear in messages or `Debug` output.
    pub fn producer_settings(&self) -> anyhow::Result<ProducerSettings> {
        self.producer_settings_with(&|name| std::env::var(name).ok())
    }

    /// `producer_settings` with the environment supplied, for tests.
    pub fn producer_settings_with(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<ProducerSettings> {
        let read = |var: &str, key: &str| -> anyhow::Result<String> {
            match env(var) {
                Some(v) if !v.is_empty() => Ok(v),
                _ => bail!(
                    "profile \"{}\": environment variable {var} ({key}) is not set",
                    self.name
                ),
            }
        };
        let credentials = match (&self.access_key_env, &self.secret_key_env) {
            (Some(ak), Some(sk)) => Some(Credentials {
                access_key: read(ak, "access-key-env")?,
                secret_key: read(sk, "secret-key-env")?,
                security_token: match &self.security_token_env {
                    Some(var) => Some(read(var, "security-token-env")?),
                    None => None,
                },
            }),
            // `load_str` rejects half pairs; this guards hand-built profiles.
            (Some(_), None) | (None, Some(_)) => bail!(
                "profile \"{}\": access-key-env and secret-key-env must be set together",
                self.name
            ),
            (None, None) => None,
        };
        let mut settings = ProducerSettings::new(self.endpoint.name_servers.clone());
        settings.namespace = self.endpoint.namespace.clone();
        settings.credentials = credentials;
        settings.send_timeout = std::time::Duration::from_millis(self.send_timeout_ms);
        settings.retry_times_sync = self.retry_times_sync;
        settings.retry_times_async = self.retry_times_async;
        settings.retry_another_broker = self.retry_another_broker;
        settings.max_message_bytes = self.max_message_bytes;
        settings.async_inflight = self.async_inflight;
        Ok(settings)
    }
}

// ---------------------------------------------------------------------------
// Spanned-tree helpers, shared with `theme`.

/// The text being parsed and its name, to turn byte spans into messages.
pub(crate) struct Source<'a> {
    pub text: &'a str,
    pub origin: &'a str,
}

impl Source<'_> {
    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub fn err(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: self.origin.to_string(),
            line: Some(self.line(span.start)),
            message: message.into(),
        }
    }

    pub fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        // The toml message is one line ("invalid string, expected ..."); the
        // span gives the line, and the text under it names the key when the
        // message does not ("duplicate key").
        let span = e.span();
        let mut message = format!("invalid TOML: {}", e.message().trim());
        if let Some(token) = span.clone().and_then(|s| self.text.get(s))
            && !token.trim().is_empty()
            && token.len() <= 60
            && !token.contains('\n')
            && !message.contains(token)
        {
            message.push_str(&format!(" (at `{token}`)"));
        }
        ConfigError {
            origin: self.origin.to_string(),
            line: span.map(|s| self.line(s.start)),
            message,
        }
    }
}

/// A table's entries in file order, with a context prefix for messages
/// (`profile "prod"`, `[keys]`, or empty at the top level).
pub(crate) struct Table<'a> {
    pub ctx: String,
    pub entries: Vec<(&'a str, Range<usize>, &'a Spanned<DeValue<'a>>)>,
    pub span: Range<usize>,
}

impl<'a> Table<'a> {
    pub fn new(ctx: String, table: &'a DeTable<'a>, span: Range<usize>) -> Self {
        let mut entries: Vec<_> = table
            .iter()
            .map(|(k, v)| (k.get_ref().as_ref(), k.span(), v))
            .collect();
        // The map is ordered by key; the first error should be the first in
        // the file.
        entries.sort_by_key(|(_, span, _)| span.start);
        Self { ctx, entries, span }
    }

    /// `ctx: text`, or just `text` at the top level.
    pub fn about(&self, key: &str, what: &str) -> String {
        if self.ctx.is_empty() {
            format!("`{key}` {what}")
        } else {
            format!("{}: `{key}` {what}", self.ctx)
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'a>>> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| *v)
    }

    pub fn check_keys(&self, src: &Source<'_>, allowed: &[&str]) -> Result<(), ConfigError> {
        for (key, span, _) in &self.entries {
            if !allowed.contains(key) {
                let what = format!(
                    "unknown key `{key}` (expected one of: {})",
                    allowed.join(", ")
                );
                let message = if self.ctx.is_empty() {
                    what
                } else {
                    format!("{}: {what}", self.ctx)
                };
                return Err(src.err(span.clone(), message));
            }
        }
        Ok(())
    }

    pub fn missing(&self, src: &Source<'_>, key: &str) -> ConfigError {
        src.err(
            self.span.clone(),
            format!("{}: missing required key `{key}`", self.ctx),
        )
    }

    /// `key` is missing although `present` is set; reported at `present`,
    /// the line the operator was editing.
    fn missing_because(&self, src: &Source<'_>, key: &str, present: &str) -> ConfigError {
        let span = self
            .get(present)
            .map(|v| v.span())
            .unwrap_or_else(|| self.span.clone());
        src.err(
            span,
            format!(
                "{}: `{present}` is set but `{key}` is missing (they go together)",
                self.ctx
            ),
        )
    }

    fn wrong_type(
        &self,
        src: &Source<'_>,
        key: &str,
        v: &Spanned<DeValue<'_>>,
        want: &str,
    ) -> ConfigError {
        src.err(
            v.span(),
            self.about(
                key,
                &format!("must be {want}, found {}", v.get_ref().type_str()),
            ),
        )
    }

    pub fn string(
        &self,
        src: &Source<'_>,
        key: &str,
    ) -> Result<Option<Spanned<String>>, ConfigError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        match v.get_ref().as_str() {
            Some(s) => Ok(Some(Spanned::new(v.span(), s.to_string()))),
            None => Err(self.wrong_type(src, key, v, "a string")),
        }
    }

    fn non_empty(&self, src: &Source<'_>, key: &str) -> Result<Option<String>, ConfigError> {
        match self.string(src, key)? {
            Some(s) if s.get_ref().trim().is_empty() => {
                Err(src.err(s.span(), self.about(key, "is empty")))
            }
            other => Ok(other.map(Spanned::into_inner)),
        }
    }

    /// The name of an environment variable. The value is never echoed: a
    /// secret pasted here by mistake must not end up in a message.
    fn env_name(&self, src: &Source<'_>, key: &str) -> Result<Option<String>, ConfigError> {
        let Some(s) = self.string(src, key)? else {
            return Ok(None);
        };
        let name = s.get_ref();
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(src.err(
                s.span(),
                self.about(
                    key,
                    "is not an environment variable name (letters, digits, _): it names the variable holding the secret, never the secret itself",
                ),
            ));
        }
        Ok(Some(s.into_inner()))
    }

    pub fn uint(&self, src: &Source<'_>, key: &str) -> Result<Option<Spanned<u64>>, ConfigError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let Some(int) = v.get_ref().as_integer() else {
            return Err(self.wrong_type(src, key, v, "an integer"));
        };
        match u64::from_str_radix(int.as_str(), int.radix()) {
            Ok(n) => Ok(Some(Spanned::new(v.span(), n))),
            Err(_) if int.as_str().starts_with('-') => {
                Err(src.err(v.span(), self.about(key, "must not be negative")))
            }
            Err(_) => Err(src.err(v.span(), self.about(key, "is too large"))),
        }
    }

    fn u32(&self, src: &Source<'_>, key: &str) -> Result<Option<u32>, ConfigError> {
        let Some(v) = self.uint(src, key)? else {
            return Ok(None);
        };
        u32::try_from(*v.get_ref())
            .map(Some)
            .map_err(|_| src.err(v.span(), self.about(key, "is too large")))
    }

    fn boolean(&self, src: &Source<'_>, key: &str) -> Result<Option<bool>, ConfigError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        match v.get_ref().as_bool() {
            Some(b) => Ok(Some(b)),
            None => Err(self.wrong_type(src, key, v, "true or false")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_order() {
        let dir = tempfile::tempdir().unwrap();
        let explicit = dir.path().join("a.toml");
        let env = dir.path().join("b.toml");
        assert_eq!(locate_in(None, None, dir.path()).unwrap(), None);
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        assert_eq!(
            locate_in(None, None, dir.path()).unwrap(),
            Some(dir.path().join("config.toml"))
        );
        let e = locate_in(None, Some(&env), dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("RMQ_CONSOLE_CONFIG") && e.contains("does not exist"),
            "{e}"
        );
        std::fs::write(&env, "").unwrap();
        assert_eq!(
            locate_in(None, Some(&env), dir.path()).unwrap(),
            Some(env.clone())
        );
        let e = locate_in(Some(&explicit), Some(&env), dir.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("--config"), "{e}");
        std::fs::write(&explicit, "").unwrap();
        assert_eq!(
            locate_in(Some(&explicit), Some(&env), dir.path()).unwrap(),
            Some(explicit)
        );
    }

    #[test]
    fn defaults_match_a_minimal_file() {
        let text = "[[profile]]\nname = \"a\"\nendpoint = \"127.0.0.1:9876\"\n";
        let loaded = load_str(text, "c.toml").unwrap();
        let built = Profile::new("a", endpoint::parse("127.0.0.1:9876").unwrap());
        assert_eq!(loaded.profiles, vec![built]);
        assert_eq!(
            Config {
                profiles: Vec::new(),
                ..loaded
            },
            Config::default()
        );
        assert!(Config::default().startup_profile().is_none());
        // The documented defaults are the producer's own defaults.
        let ours = loaded_profile_settings(text);
        let producer = ProducerSettings::new("127.0.0.1:9876");
        assert_eq!(ours.send_timeout, producer.send_timeout);
        assert_eq!(
            (ours.retry_times_sync, ours.retry_times_async),
            (producer.retry_times_sync, producer.retry_times_async)
        );
        assert_eq!(ours.retry_another_broker, producer.retry_another_broker);
        assert_eq!(ours.max_message_bytes, producer.max_message_bytes);
        assert_eq!(ours.async_inflight, producer.async_inflight);
    }

    fn loaded_profile_settings(text: &str) -> ProducerSettings {
        let config = load_str(text, "c.toml").unwrap();
        config.profiles[0]
            .producer_settings_with(&|_| None)
            .unwrap()
    }

    #[test]
    fn lines_are_one_based() {
        let src = Source {
            text: "a\nb\nc",
            origin: "x",
        };
        assert_eq!(src.line(0), 1);
        assert_eq!(src.line(2), 2);
        assert_eq!(src.line(4), 3);
    }
}
