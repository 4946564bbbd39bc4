//! Config and theme loading against fixtures: every invalid config or theme
//! in `tests/fixtures/config/` sits next to a `.err` file holding the exact
//! message it must produce (a config goes through the whole preparation a
//! start makes, theme and `[keys]` included); valid ones are snapshotted;
//! the example config and every built-in theme must load; key and role
//! lists are snapshotted so the docs cannot drift from the code.
//!
//! Themes are looked up in a directory each test makes, never in the
//! operator's own theme folder.
//!
//! `BLESS=1 cargo test --test config` rewrites the `.err` files (review the
//! diff before committing).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rmq_console::config::{self, Config};
use rmq_console::{preflight, target, theme};
use rmq_engine::producer::ProducerSettings;

fn fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(sub)
}

fn tomls(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

/// Runs `check` on each `.toml` in `dir` and compares the error with the
/// `.err` file beside it.
fn check_expected_errors(dir: &Path, check: impl Fn(&str, &str) -> Result<(), String>) {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for path in tomls(dir) {
        let name = path.file_name().unwrap().to_str().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let actual = match check(&text, name) {
            Ok(()) => {
                failures.push(format!("{name}: loaded, but should have failed"));
                continue;
            }
            Err(e) => e,
        };
        let expected_path = path.with_extension("err");
        if bless {
            std::fs::write(&expected_path, format!("{actual}\n")).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} is missing; run with BLESS=1", expected_path.display()));
        if expected.trim_end() != actual {
            failures.push(format!(
                "{name}:\n  expected: {}\n  actual:   {actual}",
                expected.trim_end()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A config directory of the test's own with no user themes in it: what
/// `$CONFIG_DIR` stands for in the `.err` files.
fn config_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn themes_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("themes")
}

#[test]
fn invalid_configs_give_their_expected_message() {
    let dir = config_dir();
    let shown = dir.path().display().to_string();
    check_expected_errors(&fixtures("invalid"), |text, name| {
        let config = config::load_str(text, name).map_err(|e| e.to_string())?;
        preflight::prepare(&config, None, &themes_in(&dir))
            .map(drop)
            .map_err(|e| format!("{e:#}").replace(&shown, "$CONFIG_DIR"))
    });
}

/// Saved message files (`messages/`): each bad one names its file and line.
#[test]
fn invalid_message_files_give_their_expected_message() {
    check_expected_errors(&fixtures("messages"), |text, name| {
        let stem = name.trim_end_matches(".toml");
        rmq_console::collection::format::parse(text, name, stem)
            .map(drop)
            .map_err(|e| e.to_string())
    });
}

/// `check-config` reads the whole folder: a broken file fails it with the
/// file's path and line, and two files with one name are refused.
#[test]
fn check_config_checks_the_messages_folder() {
    let dir = tempfile::tempdir().unwrap();
    let ok = "name = \"a\"\ntopic = \"T\"\nbody = \"x\"\n";
    std::fs::write(dir.path().join("a.toml"), ok).unwrap();
    assert_eq!(rmq_console::collection::check(dir.path()).unwrap(), 1);
    std::fs::write(dir.path().join("b.toml"), ok).unwrap();
    let e = rmq_console::collection::check(dir.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("name `a` is also the name of"), "{e}");
    std::fs::write(dir.path().join("b.toml"), "topic = \"T\"\nbody = 1\n").unwrap();
    let e = rmq_console::collection::check(dir.path())
        .unwrap_err()
        .to_string();
    let b = dir.path().join("b.toml").display().to_string();
    assert_eq!(e, format!("{b}:2: `body` must be a string, found integer"));
}

#[test]
fn invalid_themes_give_their_expected_message() {
    check_expected_errors(&fixtures("themes"), |text, name| {
        theme::parse_theme(text, name)
            .map(drop)
            .map_err(|e| e.to_string())
    });
}

#[test]
fn valid_configs_load() {
    let dir = config_dir();
    for path in tomls(&fixtures("valid")) {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let config = config::load(&path).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(config.path.as_deref(), Some(path.as_path()));
        assert_eq!(config.origin, path.display().to_string());
        preflight::prepare(&config, None, &themes_in(&dir)).unwrap_or_else(|e| panic!("{e:#}"));
        let config = Config {
            path: None,
            origin: String::new(),
            ..config
        };
        insta::assert_debug_snapshot!(format!("valid-{name}"), config);
    }
}

/// The fixture tests above, run again in a child process whose
/// `$HOME`/`$XDG_CONFIG_HOME` holds broken and extra themes: they pass only
/// if loading themes in tests never reads the operator's theme folder.
#[test]
fn tests_ignore_the_users_theme_folder() {
    let home = tempfile::tempdir().unwrap();
    let themes = home.path().join("rmq-console/themes");
    std::fs::create_dir_all(&themes).unwrap();
    for broken in ["default", "high-contrast", "light", "extra"] {
        std::fs::write(themes.join(format!("{broken}.toml")), "background = 1\n").unwrap();
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "--test-threads=1",
            "invalid_configs_give_their_expected_message",
            "valid_configs_load",
            "unknown_theme_lists_the_available_ones",
            "check_config_checks_key_bindings",
        ])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env_remove("BLESS")
        .env("INSTA_UPDATE", "no")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("4 passed"), "{stdout}");
}

#[test]
fn load_names_the_file_path() {
    let path = fixtures("invalid").join("bad-endpoint.toml");
    let e = format!("{:#}", config::load(&path).unwrap_err());
    assert!(e.starts_with(&format!("{}:3: ", path.display())), "{e}");
    let missing = fixtures("invalid").join("no-such-file.toml");
    let e = format!("{:#}", config::load(&missing).unwrap_err());
    assert!(e.contains("no-such-file.toml"), "{e}");
}

fn example() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    config::load(&path).unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn example_config_loads_and_resolves() {
    let config = example();
    let names: Vec<&str> = config.profiles.iter().map(|p| p.name.as_str()).collect();
    insta::assert_debug_snapshot!("example-profile-names", names);
    assert_eq!(config.startup_profile().unwrap().name, "staging");
    assert_eq!(config.results_capacity, 1000);

    let env: HashMap<&str, &str> = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-example-id"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "example-secret-value"),
    ]
    .into();
    let lookup = |name: &str| env.get(name).map(|v| v.to_string());
    for profile in &config.profiles {
        let settings = target::producer_settings_with(profile, &lookup).unwrap();
        assert_eq!(settings.name_servers, profile.endpoint.name_servers);
    }
    let prod = config.profile("prod").unwrap();
    let settings = target::producer_settings_with(prod, &lookup).unwrap();
    assert_eq!(
        settings.namespace.as_deref(),
        Some("MQ_INST_1234567890_BXhFHXzs")
    );
    let creds = settings.credentials.as_ref().unwrap();
    assert_eq!(creds.access_key, "LTAI-example-id");
    assert_eq!(creds.secret_key, "example-secret-value");
    assert!(!format!("{settings:?}").contains("example-secret-value"));
    assert!(
        target::producer_settings_with(config.profile("staging").unwrap(), &lookup)
            .unwrap()
            .credentials
            .is_none()
    );
}

/// The example's "staging" profile sets every tuning key to the default it
/// documents: those must be the producer's defaults, which a profile that
/// leaves a key out gets.
#[test]
fn unset_keys_take_the_producers_defaults_which_the_example_documents() {
    let defaults = ProducerSettings::new("127.0.0.1:9876");
    let tuning = |s: &ProducerSettings| {
        (
            s.send_timeout,
            s.retry_times_sync,
            s.retry_times_async,
            s.retry_another_broker,
            s.max_message_bytes,
            s.async_inflight,
        )
    };
    let documented =
        target::producer_settings_with(example().profile("staging").unwrap(), &|_| None).unwrap();
    assert_eq!(tuning(&documented), tuning(&defaults));

    let text = "[[profile]]\nname = \"a\"\nendpoint = \"127.0.0.1:9876\"\nretry-times-async = 7\n";
    let config = config::load_str(text, "c.toml").unwrap();
    let settings = target::producer_settings_with(&config.profiles[0], &|_| None).unwrap();
    let mut expected = tuning(&defaults);
    expected.2 = 7;
    assert_eq!(tuning(&settings), expected);
}

/// Every key the code accepts is documented in the example (commented out
/// or not), so the example cannot fall behind.
#[test]
fn example_documents_every_key() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"))
            .unwrap();
    for key in config::TOP_KEYS.iter().chain(config::PROFILE_KEYS) {
        let documented = text.lines().any(|line| {
            let line = line.trim_start_matches(['#', ' ']);
            line.starts_with(&format!("{key} ="))
                || line.starts_with(&format!("[{key}]"))
                || line.starts_with(&format!("[[{key}]]"))
        });
        assert!(documented, "config.example.toml does not document `{key}`");
    }
    insta::assert_debug_snapshot!("config-keys", (config::TOP_KEYS, config::PROFILE_KEYS));
}

#[test]
fn credentials_come_from_the_named_variables() {
    let text = std::fs::read_to_string(fixtures("valid").join("instance-with-keys.toml")).unwrap();
    let config = config::load_str(&text, "c.toml").unwrap();
    let prod = config.profile("prod").unwrap();
    let full: HashMap<&str, &str> = [
        ("PROD_AK", "ak"),
        ("PROD_SK", "very-secret"),
        ("PROD_TOKEN", "tok"),
    ]
    .into();

    let settings =
        target::producer_settings_with(prod, &|n| full.get(n).map(|v| v.to_string())).unwrap();
    let creds = settings.credentials.clone().unwrap();
    assert_eq!(
        (creds.access_key.as_str(), creds.secret_key.as_str()),
        ("ak", "very-secret")
    );
    assert_eq!(creds.security_token.as_deref(), Some("tok"));
    assert_eq!(settings.namespace.as_deref(), Some("MQ_INST_override"));
    assert_eq!(settings.send_timeout.as_millis(), 5000);
    let debug = format!("{settings:?}");
    assert!(
        !debug.contains("very-secret") && !debug.contains("tok\""),
        "{debug}"
    );

    let no_secret = |n: &str| {
        (n != "PROD_SK")
            .then(|| full.get(n).map(|v| v.to_string()))
            .flatten()
    };
    let e = target::producer_settings_with(prod, &no_secret)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "profile \"prod\": environment variable PROD_SK (secret-key-env) is not set"
    );

    let empty_token = |n: &str| {
        if n == "PROD_TOKEN" {
            Some(String::new())
        } else {
            full.get(n).map(|v| v.to_string())
        }
    };
    let e = target::producer_settings_with(prod, &empty_token)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "profile \"prod\": environment variable PROD_TOKEN (security-token-env) is not set"
    );

    // A profile that names no variables reads none, not even the
    // conventional ALIBABA_CLOUD_* ones.
    let staging = config.profile("staging").unwrap();
    let settings = target::producer_settings_with(staging, &|_| Some("x".into())).unwrap();
    assert!(settings.credentials.is_none());
    assert_eq!(settings.retry_times_sync, 0);
}

#[test]
fn secrets_never_appear_in_messages() {
    let path = fixtures("invalid").join("secret-instead-of-env-name.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let e = config::load_str(&text, "c.toml").unwrap_err().to_string();
    assert!(!e.contains("s3cr3t"), "{e}");
}

#[test]
fn every_theme_file_parses_and_is_built_in() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    let mut on_disk = Vec::new();
    for path in tomls(&dir) {
        let text = std::fs::read_to_string(&path).unwrap();
        theme::parse_theme(&text, &path.display().to_string()).unwrap();
        on_disk.push(path.file_stem().unwrap().to_str().unwrap().to_string());
    }
    let mut builtin: Vec<String> = theme::builtin_names()
        .into_iter()
        .map(String::from)
        .collect();
    builtin.sort();
    assert_eq!(on_disk, builtin, "themes/ and the embedded list differ");
    for name in ["default", "light", "high-contrast"] {
        assert!(
            builtin.iter().any(|b| b == name),
            "missing built-in theme {name}"
        );
    }
    insta::assert_debug_snapshot!("theme-roles", theme::ROLES);
}

#[test]
fn unknown_theme_lists_the_available_ones() {
    let dir = config_dir();
    let e = theme::load_styles("nope", &themes_in(&dir))
        .unwrap_err()
        .to_string();
    let mut builtin = theme::builtin_names();
    builtin.sort();
    let builtin = builtin.join(", ");
    assert!(
        e.starts_with(&format!("unknown theme `nope` (available: {builtin}; ")),
        "{e}"
    );
}

/// `check-config` prepares what a start prepares: a binding the keymap
/// refuses fails it with the file and line, where it used to pass and then
/// stop the console. Runs the binary with a home of its own.
#[test]
fn check_config_checks_key_bindings() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("c.toml");
    std::fs::write(
        &path,
        "[keys]\nsend = \"ctrl-s\"\nhelp = \"ctrl-nosuchkey\"\n",
    )
    .unwrap();
    // The binary with a home of its own and `path` as its config.
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_rmq-console"))
            .args(args)
            .arg("--config")
            .arg(&path)
            .env("HOME", home.path())
            .env_remove("XDG_STATE_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env_remove("RMQ_CONSOLE_CONFIG")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&["check-config"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "rmq-console: {}:3: [keys]: help = \"ctrl-nosuchkey\": ",
            path.display()
        )),
        "{stderr}"
    );

    // A console start refuses the same file before it starts a sandbox (no
    // profiles: it would start one) or touches the terminal.
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":3: [keys]: help"));
    let log = std::fs::read_to_string(home.path().join(".local/state/rmq-console/rmq-console.log"))
        .unwrap_or_default();
    assert!(
        !log.contains("sandbox started"),
        "no sandbox was started: {log}"
    );

    // Without the bad line it passes, and says which profile a start picks.
    std::fs::write(
        &path,
        "default-profile = \"b\"\n[keys]\nsend = \"ctrl-s\"\n\
         [[profile]]\nname = \"a\"\nendpoint = \"10.0.0.1:9876\"\nprotected = true\n\
         [[profile]]\nname = \"b\"\nendpoint = \"10.0.0.2:9876\"\n",
    )
    .unwrap();
    let report = preflight::check_file(&path, None, &home.path().join("themes")).unwrap();
    assert_eq!(
        report,
        format!(
            "{}: ok\n  a                10.0.0.1:9876  (protected)\n* b                10.0.0.2:9876\n",
            path.display()
        )
    );
}

/// A credential pasted where the name of an environment variable belongs is
/// refused without being repeated, quoted or not (the `secret-*` fixtures'
/// messages are checked above; this checks that none of them shows it).
#[test]
fn pasted_secrets_are_never_echoed() {
    let dir = config_dir();
    for name in [
        "secret-instead-of-env-name",
        "secret-like-env-name",
        "secret-unquoted-env-name",
        "secret-short-unquoted",
    ] {
        let text =
            std::fs::read_to_string(fixtures("invalid").join(format!("{name}.toml"))).unwrap();
        let err = match config::load_str(&text, name) {
            Err(e) => e.to_string(),
            Ok(c) => format!(
                "{:#}",
                preflight::prepare(&c, None, &themes_in(&dir)).expect_err(name)
            ),
        };
        for secret in ["s3cr3t", "LTAI5tQx9ZrKpB2mWv7Yc"] {
            assert!(!err.contains(secret), "{name}: {err}");
        }
    }
}

/// A presenter's tour file (`rmq-console demo FILE`) is read as strictly as
/// the config: each fixture under `tests/fixtures/tour/invalid/` is refused
/// with the message and line in its `.err` file.
#[test]
fn invalid_tours_are_refused_with_their_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tour/invalid");
    check_expected_errors(&dir, |text, name| {
        rmq_console::tour::parse(text, name, chrono::Local::now())
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}
