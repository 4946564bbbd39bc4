//! The configuration file: where it is and what it says (profiles, theme
//! name, results capacity, raw key bindings), checked strictly with
//! `file:line:` messages. Parsing only: resolving the theme, the key
//! bindings and a profile's credentials is `target`'s job, and a setting the
//! file leaves out stays `None` so its default lives in one place (the
//! producer's `ProducerSettings::new`).
//!
//! The file is walked as a spanned TOML tree (`tomlspan`) rather than
//! deserialized through serde: every error then knows its line, the key and
//! which profile it is in, which serde's messages cannot say. (Tried: derive
//! with `deny_unknown_fields` and `Spanned` fields keeps the lines but 9 of
//! the 24 config `.err` fixtures and all 4 theme ones change, e.g.
//! `invalid type: string "3000", expected u64`, with no profile named, for
//! `send-timeout-ms = "3000"`.)

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use toml::Spanned;
use toml::de::DeTable;

pub use crate::tomlspan::ConfigError;
use crate::tomlspan::{Source, Table};
use rmq_model::endpoint::{self, Endpoint};
use rmq_model::limits::{
    MAX_ASYNC_INFLIGHT, MAX_MESSAGE_BYTES, MAX_RESULTS_CAPACITY, MAX_RETRIES, MAX_SEND_TIMEOUT_MS,
};

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "RMQ_CONSOLE_CONFIG";

pub const DEFAULT_RESULTS_CAPACITY: usize = 1000;

/// `journal-max-bytes` range. Below a kilobyte the file would rotate on
/// nearly every record (one is a few hundred bytes), which only churns
/// renames; past a gibibyte one file is more than the history pane and
/// `history` should have to read back, and rotation stops bounding anything.
pub const JOURNAL_MAX_BYTES: (u64, u64) = (1024, 1 << 30);
/// `journal-keep` range. At least one rotated file, so a rotation never
/// empties the history right after it; at most a thousand, which at the
/// default size is already 64 GiB of journal, far past what any reader of
/// it (history, replay, the pane) handles, and keeps the names the writer
/// and readers deal with few.
pub const JOURNAL_KEEP: (u64, u64) = (1, 1000);

/// Keys allowed at the top level of the file.
pub const TOP_KEYS: &[&str] = &[
    "theme",
    "default-profile",
    "results-capacity",
    "profile",
    "keys",
    "journal-max-bytes",
    "journal-keep",
    "leave-field-after-send",
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
    "confirm-invalid-json",
    "color",
    "default-topic",
    "default-tag",
    "journal",
    "transaction-policy",
    "transaction-check-default",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file this came from; `None` for `load_str`.
    pub path: Option<PathBuf>,
    /// The name messages give the file: its path, or `load_str`'s origin.
    pub origin: String,
    /// Theme name as written; `target` resolves it.
    pub theme: Option<String>,
    /// 1-based line of `theme`, so a theme that does not load is reported
    /// as `file:line:`.
    pub theme_line: Option<usize>,
    /// In file order; names are unique.
    pub profiles: Vec<Profile>,
    /// Names an existing profile when set.
    pub default_profile: Option<String>,
    /// `[keys]`: action name -> binding, unvalidated beyond "non-empty
    /// string"; the TUI keymap owns action names and key syntax.
    pub keys: BTreeMap<String, String>,
    /// `[keys]` action name -> 1-based line, so a bad binding is reported
    /// as `file:line:`.
    pub key_lines: BTreeMap<String, usize>,
    pub results_capacity: usize,
    /// `journal-max-bytes`: rotate the journal past this size (`None`: the
    /// journal's default, 64 MiB).
    pub journal_max_bytes: Option<u64>,
    /// `journal-keep`: rotated journal files kept (`None`: 4).
    pub journal_keep: Option<usize>,
    /// `leave-field-after-send`: after a send from a text field the
    /// keyboard moves to the results log (default true).
    pub leave_field_after_send: bool,
}

/// One `[[profile]]`. The tuning keys are `None` when the file leaves them
/// out: the producer's defaults apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    /// `namespace` from the file, when given, replaces the derived one.
    pub endpoint: Endpoint,
    /// Names of environment variables, never the secrets themselves.
    pub access_key_env: Option<String>,
    pub secret_key_env: Option<String>,
    pub security_token_env: Option<String>,
    pub send_timeout_ms: Option<u64>,
    pub retry_times_sync: Option<u32>,
    pub retry_times_async: Option<u32>,
    pub retry_another_broker: Option<bool>,
    pub max_message_bytes: Option<usize>,
    pub async_inflight: Option<usize>,
    pub protected: bool,
    /// Ask before sending a body that looks like JSON and does not parse
    /// (default: true).
    pub confirm_invalid_json: bool,
    /// Status-bar marker colour; a valid colour name or `#rrggbb`.
    pub color: Option<String>,
    pub default_topic: Option<String>,
    pub default_tag: Option<String>,
    /// `journal = false`: sends on this profile are not journaled.
    pub journal: bool,
    /// Who decides a transaction the send leaves open (default: ask).
    pub transaction_policy: Option<rmq_model::types::TxPolicy>,
    /// The answer to a check-back nobody has decided (default: unknown).
    pub transaction_check_default: Option<rmq_model::types::TxChoice>,
}

/// Where the file is: explicit path, else `$RMQ_CONSOLE_CONFIG`, else
/// `paths::config_dir()/config.toml`. `Ok(None)`: no file anywhere (the
/// sandbox is used). An explicit path or the variable naming a missing file
/// is an error, so a typo never silently means "sandbox".
pub fn locate(explicit: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    let from_env = std::env::var_os(CONFIG_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    locate_in(
        explicit,
        from_env.as_deref(),
        &rmq_model::paths::config_dir(),
    )
}

fn locate_in(
    explicit: Option<&Path>,
    from_env: Option<&Path>,
    config_dir: &Path,
) -> anyhow::Result<Option<PathBuf>> {
    if let Some(path) = explicit {
        return named_file(path, "--config").map(Some);
    }
    if let Some(path) = from_env {
        return named_file(path, &format!("${CONFIG_ENV}")).map(Some);
    }
    // Only a file that is not there means "no config" (and the sandbox).
    // One that cannot be looked at (an unreadable folder, a file where the
    // folder should be) is an error: the operator has a config, and a
    // sandbox started in its place would look like it.
    let default = config_dir.join("config.toml");
    match std::fs::metadata(&default) {
        Ok(m) if m.is_file() => Ok(Some(default)),
        Ok(_) => bail!("{} is not a file", default.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => bail!(
            "cannot read the config folder {}: {e}; fix it, or name a config file with --config",
            config_dir.display()
        ),
    }
}

/// A config file the operator named (`--config`, the variable): it must be
/// a file we can look at; the message says which of those it is not.
fn named_file(path: &Path, from: &str) -> anyhow::Result<PathBuf> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(path.to_path_buf()),
        Ok(_) => bail!("config file {} (from {from}) is not a file", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "config file {} (from {from}) does not exist",
            path.display()
        ),
        Err(e) => bail!(
            "config file {} (from {from}) cannot be read: {e}",
            path.display()
        ),
    }
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
    let doc = src.parse()?;
    let top = Table::new(String::new(), doc.get_ref(), doc.span());
    top.check_keys(&src, TOP_KEYS)?;

    let theme = top.string(&src, "theme")?;
    let results_capacity = top
        .ranged(
            &src,
            "results-capacity",
            1,
            MAX_RESULTS_CAPACITY,
            "rows kept",
        )?
        .unwrap_or(DEFAULT_RESULTS_CAPACITY);

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
            let (profile, name_span) = parse_profile(&src, index, table, item.span())?;
            if profiles.iter().any(|p| p.name == profile.name) {
                // Point at the second `name = ...`, the one to rename.
                return Err(src.err(
                    name_span,
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

    let leave_field_after_send = top.boolean(&src, "leave-field-after-send")?.unwrap_or(true);

    let mut keys = BTreeMap::new();
    let mut key_lines = BTreeMap::new();
    if let Some(value) = top.get("keys") {
        parse_keys(&src, value, &mut keys, &mut key_lines)?;
    }

    Ok(Config {
        path: None,
        origin: origin.to_string(),
        theme_line: theme.as_ref().map(|t| src.line(t.span().start)),
        theme: theme.map(Spanned::into_inner),
        profiles,
        default_profile: default_profile.map(Spanned::into_inner),
        keys,
        key_lines,
        results_capacity,
        leave_field_after_send,
        journal_max_bytes: top.ranged(
            &src,
            "journal-max-bytes",
            JOURNAL_MAX_BYTES.0,
            JOURNAL_MAX_BYTES.1,
            "bytes",
        )?,
        journal_keep: top.ranged(
            &src,
            "journal-keep",
            JOURNAL_KEEP.0,
            JOURNAL_KEEP.1,
            "rotated files",
        )?,
    })
}

/// `[keys]`: each binding a non-blank string, kept with its line.
fn parse_keys(
    src: &Source<'_>,
    value: &Spanned<toml::de::DeValue<'_>>,
    keys: &mut BTreeMap<String, String>,
    key_lines: &mut BTreeMap<String, usize>,
) -> Result<(), ConfigError> {
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
        let Some(binding) = value.get_ref().as_str().map(str::trim) else {
            return Err(src.err(
                value.span(),
                format!(
                    "[keys]: `{action}` must be a string such as \"ctrl-s\", found {}",
                    value.get_ref().type_str()
                ),
            ));
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
    Ok(())
}

/// One `[[profile]]` and the span of its `name` value (for a duplicate).
fn parse_profile(
    src: &Source<'_>,
    index: usize,
    table: &DeTable<'_>,
    span: Range<usize>,
) -> Result<(Profile, Range<usize>), ConfigError> {
    // The name comes first so every later message can say which profile.
    let unnamed = Table::new(format!("profile #{}", index + 1), table, span.clone());
    let name = unnamed
        .string(src, "name")?
        .ok_or_else(|| unnamed.missing(src, "name"))?;
    if name.get_ref().trim().is_empty() {
        return Err(src.err(name.span(), unnamed.about("name", "is empty")));
    }
    let t = Table::new(format!("profile \"{}\"", name.get_ref()), table, span);
    t.check_keys(src, PROFILE_KEYS)?;

    let endpoint_text = t
        .string(src, "endpoint")?
        .ok_or_else(|| t.missing(src, "endpoint"))?;
    let mut endpoint = endpoint::parse(endpoint_text.get_ref())
        .map_err(|e| src.err(endpoint_text.span(), t.prefixed(&format!("endpoint: {e}"))))?;
    if let Some(ns) = t.non_empty(src, "namespace")? {
        endpoint.namespace = Some(ns.into_inner());
    }

    let access_key_env = env_name(src, &t, "access-key-env")?;
    let secret_key_env = env_name(src, &t, "secret-key-env")?;
    let security_token_env = env_name(src, &t, "security-token-env")?;
    // Half a key pair is always a mistake; so is a token without a pair.
    let missing = match (&access_key_env, &secret_key_env, &security_token_env) {
        (Some(_), None, _) => Some(("secret-key-env", "access-key-env")),
        (None, Some(_), _) => Some(("access-key-env", "secret-key-env")),
        (None, None, Some(_)) => Some(("access-key-env", "security-token-env")),
        _ => None,
    };
    if let Some((key, present)) = missing {
        // Reported at the line the operator was editing.
        let at = t.get(present).map_or_else(|| t.span.clone(), |v| v.span());
        return Err(src.err(
            at,
            t.about(
                present,
                &format!("is set but `{key}` is missing (they go together)"),
            ),
        ));
    }

    let color = t.string(src, "color")?;
    if let Some(c) = &color
        && let Err(e) = crate::theme::parse_color(c.get_ref())
    {
        return Err(src.err(c.span(), t.prefixed(&format!("color: {e}"))));
    }

    let parsed = |key: &str| -> Result<Option<(String, std::ops::Range<usize>)>, ConfigError> {
        Ok(t.string(src, key)?.map(|v| (v.get_ref().clone(), v.span())))
    };
    let transaction_policy = match parsed("transaction-policy")? {
        Some((v, span)) => Some(
            v.parse::<rmq_model::types::TxPolicy>()
                .map_err(|e| src.err(span, t.prefixed(&format!("transaction-policy: {e}"))))?,
        ),
        None => None,
    };
    let transaction_check_default =
        match parsed("transaction-check-default")? {
            Some((v, span)) => Some(v.parse::<rmq_model::types::TxChoice>().map_err(|e| {
                src.err(span, t.prefixed(&format!("transaction-check-default: {e}")))
            })?),
            None => None,
        };

    let profile = Profile {
        transaction_policy,
        transaction_check_default,
        endpoint,
        access_key_env,
        secret_key_env,
        security_token_env,
        send_timeout_ms: t.ranged(src, "send-timeout-ms", 1, MAX_SEND_TIMEOUT_MS, "ms")?,
        retry_times_sync: t.ranged(src, "retry-times-sync", 0, MAX_RETRIES, "retries")?,
        retry_times_async: t.ranged(src, "retry-times-async", 0, MAX_RETRIES, "retries")?,
        retry_another_broker: t.boolean(src, "retry-another-broker")?,
        max_message_bytes: t.ranged(src, "max-message-bytes", 1, MAX_MESSAGE_BYTES, "bytes")?,
        // The producer's window cannot open wider than this.
        async_inflight: t.ranged(
            src,
            "async-inflight",
            1,
            MAX_ASYNC_INFLIGHT as u64,
            "sends in flight at once",
        )?,
        protected: t.boolean(src, "protected")?.unwrap_or(false),
        confirm_invalid_json: t.boolean(src, "confirm-invalid-json")?.unwrap_or(true),
        color: color.map(Spanned::into_inner),
        default_topic: t.non_empty(src, "default-topic")?.map(Spanned::into_inner),
        default_tag: t.non_empty(src, "default-tag")?.map(Spanned::into_inner),
        journal: t.boolean(src, "journal")?.unwrap_or(true),
        name: name.get_ref().clone(),
    };
    Ok((profile, name.span()))
}

/// The name of an environment variable. The value is never echoed: a secret
/// pasted here by mistake must not end up in a message.
fn env_name(src: &Source<'_>, t: &Table<'_>, key: &str) -> Result<Option<String>, ConfigError> {
    let Some(s) = t.string(src, key)? else {
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
            t.about(
                key,
                "is not an environment variable name (letters, digits, _): it names the variable holding the secret, never the secret itself",
            ),
        ));
    }
    // A valid name can still be a pasted AccessKey id or secret (letters
    // and digits only): refused, and not repeated, so that later messages
    // ("variable X is not set") cannot show it either.
    if rmq_model::validate::looks_like_secret(name) {
        return Err(src.err(
            s.span(),
            t.about(
                key,
                "looks like a credential, not the name of an environment variable (not shown); write the variable's name, e.g. ALIBABA_CLOUD_ACCESS_KEY_ID",
            ),
        ));
    }
    Ok(Some(s.into_inner()))
}

/// No file: no profiles (the sandbox is used), defaults everywhere.
impl Default for Config {
    fn default() -> Self {
        Self {
            path: None,
            origin: "config".into(),
            theme: None,
            theme_line: None,
            profiles: Vec::new(),
            default_profile: None,
            keys: BTreeMap::new(),
            key_lines: BTreeMap::new(),
            results_capacity: DEFAULT_RESULTS_CAPACITY,
            journal_max_bytes: None,
            journal_keep: None,
            leave_field_after_send: true,
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

    /// An error about this file at `line`, for checks made after parsing
    /// (theme, key bindings).
    pub fn error_at(&self, line: Option<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: self.origin.clone(),
            line,
            message: message.into(),
        }
    }
}

/// Loads the config file when there is one; no file is an empty config.
pub fn load_or_default(path: Option<&Path>) -> anyhow::Result<Config> {
    match locate(path)? {
        Some(p) => load(&p),
        None => Ok(Config::default()),
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
    fn a_config_folder_that_cannot_be_read_is_an_error_not_no_config() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the folder should be: unreadable as a folder, even
        // for root (who reads any folder whatever its mode).
        let not_a_dir = dir.path().join("rmq-console");
        std::fs::write(&not_a_dir, "").unwrap();
        let e = locate_in(None, None, &not_a_dir).unwrap_err().to_string();
        assert!(e.starts_with("cannot read the config folder"), "{e}");
        assert!(e.contains("--config"), "{e}");
        let e = locate_in(Some(&not_a_dir.join("c.toml")), None, dir.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be read"), "{e}");
        // A folder named config.toml is not a config.
        std::fs::create_dir(dir.path().join("config.toml")).unwrap();
        let e = locate_in(None, None, dir.path()).unwrap_err().to_string();
        assert!(e.ends_with("config.toml is not a file"), "{e}");
        // Without permission (root has it anyway, so only checked for others).
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            use std::os::unix::fs::PermissionsExt;
            let locked = dir.path().join("locked");
            std::fs::create_dir(&locked).unwrap();
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
            let e = locate_in(None, None, &locked).unwrap_err().to_string();
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).unwrap();
            assert!(e.contains("Permission denied"), "{e}");
        }
    }

    #[test]
    fn a_minimal_file_leaves_the_defaults_to_others() {
        let text = "[[profile]]\nname = \"a\"\nendpoint = \"127.0.0.1:9876\"\n";
        let loaded = load_str(text, "c.toml").unwrap();
        let p = &loaded.profiles[0];
        assert_eq!(
            (p.send_timeout_ms, p.retry_times_sync, p.max_message_bytes),
            (None, None, None)
        );
        assert_eq!(
            Config {
                profiles: Vec::new(),
                origin: "config".into(),
                ..loaded
            },
            Config::default()
        );
        assert!(Config::default().startup_profile().is_none());
    }
}
