//! The command line: `rmq-console` (the console), `send`, `sandbox`,
//! `bench` and `check-config`. Parsing only; `main.rs` dispatches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use rmq_model::limits::{
    MAX_ASYNC_INFLIGHT, MAX_LINGER_MS, MAX_MESSAGE_BYTES, MAX_RATE, ranged, ranged_u32,
};
use rmq_model::message::Mode;

#[derive(Debug, Parser)]
#[command(
    name = "rmq-console",
    version,
    about = "Terminal operations console for RocketMQ / ApsaraMQ for RocketMQ producers",
    long_about = "Terminal operations console for RocketMQ / ApsaraMQ for RocketMQ producers.\n\n\
                  With no subcommand it opens the console on the configured profile, or on a \
                  built-in sandbox broker when nothing is configured."
)]
pub struct Cli {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Config file (default: $RMQ_CONSOLE_CONFIG, then ~/.config/rmq-console/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// The saved messages folder (default: `messages/` beside the config file).
    #[arg(long, global = true, value_name = "DIR")]
    pub messages: Option<PathBuf>,

    /// Colour theme (default, light, high-contrast, or a file in ~/.config/rmq-console/themes).
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where to send: one of a profile, the sandbox or a name server address.
#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// Profile from the config file.
    #[arg(long, global = true, value_name = "NAME", conflicts_with_all = ["sandbox", "namesrv"])]
    pub profile: Option<String>,

    /// Start a private sandbox name server and broker on 127.0.0.1 for this run.
    #[arg(long, global = true, conflicts_with = "namesrv")]
    pub sandbox: bool,

    /// Name server list (host:port;host:port) or ApsaraMQ instance endpoint.
    #[arg(long, global = true, value_name = "ADDR")]
    pub namesrv: Option<String>,
}

// Parsed once per run: the size of `send`'s arguments costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send messages without the console; one JSON object per message on stdout.
    Send(SendArgs),
    /// Run only the sandbox name server and broker until Ctrl-C.
    Sandbox(SandboxArgs),
    /// Send N messages per mode and print throughput and latency.
    Bench(BenchArgs),
    /// Validate the config file and exit.
    CheckConfig,
    /// One sandbox server (name server or broker) in this process; started by
    /// the sandbox itself.
    #[command(name = "sandbox-server", hide = true)]
    SandboxServer(rmq_sandbox::server::ServerArgs),
    /// Send the messages of a replay file (JSON Lines; a journal file is one).
    Replay(ReplayArgs),
    /// Open the console on a guided tour of the modes (the built-in one, or
    /// FILE: a presenter's tour in the same TOML format).
    Demo(DemoArgs),
    /// Print journal records, newest last.
    History(HistoryArgs),
    /// Fetch stored messages by id, key, tag or queue offset (JSON Lines in
    /// the replay format); exit 0 found, 3 nothing found, 4 partial.
    Fetch(FetchArgs),
    /// The newest messages of a topic across its queues, by store time
    /// (never joins a consumer group, never commits).
    Tail(TailArgs),
    /// A consumer group's dead letters (or, with --retry, its retry queue).
    Dlq(DlqArgs),
    /// A consumer group's lag per queue, retry and dead-letter depth (the
    /// console's `d`); exit 0, 3 no offsets, 4 partial.
    Group(GroupArgs),
}

#[derive(Debug, Clone, Args)]
pub struct MessageArgs {
    /// Topic to send to (required unless --message names a saved message).
    #[arg(long, required_unless_present = "message")]
    pub topic: Option<String>,
    /// A saved message by name (see the messages folder); its fields
    /// instead of --topic, --tag, --key, --property and --body.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["topic", "tag", "keys", "properties", "body", "body_file", "sharding_key", "delay_level", "deliver_in", "deliver_at", "transaction", "batch"])]
    pub message: Option<String>,
    /// With --message: change a field for this send (topic, tag, keys,
    /// body, type, prop.NAME; an empty value removes a tag or property).
    /// (Checked when the draft is built: clap's `requires` did not hold
    /// across the flattened group.)
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub sets: Vec<String>,
    /// Tag (RocketMQ's single-level filter).
    #[arg(long)]
    pub tag: Option<String>,
    /// Message key; repeat for several.
    #[arg(long = "key", value_name = "KEY")]
    pub keys: Vec<String>,
    /// User property KEY=VALUE; repeat for several.
    #[arg(long = "property", value_name = "KEY=VALUE", value_parser = parse_property)]
    pub properties: Vec<(String, String)>,
    /// Body text (else --body-file, else standard input).
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    /// Read the body from a file (`-`: standard input); at most the
    /// profile's max-message-bytes are read.
    #[arg(long, value_name = "PATH")]
    pub body_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub message: MessageArgs,
    /// sync, async or oneway.
    #[arg(long, default_value = "sync")]
    pub mode: Mode,
    /// How many messages.
    #[arg(long, default_value_t = 1, value_parser = ranged::<1, 10_000_000>)]
    pub count: u64,
    /// Messages per second (default: as fast as the mode allows).
    #[arg(long, value_parser = ranged_u32::<1, MAX_RATE>)]
    pub rate: Option<u32>,
    /// Per-message keys from a template: {seq}, {n} (1..N of this run),
    /// {uuid}, {now}, {now_ms}, {rand:1..100}, {pick:a|b} (instead of
    /// --key: one would replace the other).
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "keys")]
    pub key_template: Option<String>,
    /// Send the body and property values as written: without it their
    /// placeholders ({n}, {uuid}, ...) expand per message.
    #[arg(long)]
    pub no_expand: bool,
    /// One-way only: keep the connection open this long after the last send
    /// so queued requests are not cancelled by closing it.
    #[arg(long, default_value_t = 1000, value_name = "MS", value_parser = ranged::<0, MAX_LINGER_MS>)]
    pub linger_ms: u64,
    /// One-way only: count what landed from the topic's queue offsets.
    #[arg(long)]
    pub verify: bool,
    /// Print only the summary, not a JSON line per message.
    #[arg(long)]
    pub quiet: bool,
    /// Send to a protected profile without asking: scripts confirm with
    /// this (headless commands never stop to ask).
    #[arg(long)]
    pub yes: bool,
    /// Async sends in flight at most (default: the profile's, 128).
    #[arg(long, value_name = "N", value_parser = ranged::<1, { MAX_ASYNC_INFLIGHT as u64 }>)]
    pub async_inflight: Option<u64>,
    /// Keep no journal of these sends (the profile's `journal = false` does the same).
    #[arg(long)]
    pub no_journal: bool,
    #[command(flatten)]
    pub kind: TypeArgs,
}

/// The message type of a `send`: at most one of these (FIFO, delayed,
/// transactional, batch); none is a normal message.
#[derive(Debug, Clone, Default, Args)]
pub struct TypeArgs {
    /// FIFO: the sharding key (message group); every message with it goes to one queue.
    #[arg(long, value_name = "KEY")]
    pub sharding_key: Option<String>,
    /// Delayed: the broker's delay level, 1-18 (1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h).
    #[arg(long, value_name = "N", conflicts_with_all = ["deliver_in", "deliver_at"])]
    pub delay_level: Option<u8>,
    /// Delayed: visible this long after the send (90s, 15m, 1h30m; at most 3d).
    #[arg(long, value_name = "DURATION", value_parser = rmq_model::types::parse_duration, conflicts_with = "deliver_at")]
    pub deliver_in: Option<std::time::Duration>,
    /// Delayed: visible at this time (2026-11-25T16:00:00Z, or local 2026-11-25 17:00, or 17:00 today).
    #[arg(long, value_name = "TIME")]
    pub deliver_at: Option<String>,
    /// Transactional: the decision once the half message is stored (commit, rollback, unknown).
    #[arg(long, value_name = "DECISION")]
    pub transaction: Option<rmq_model::types::TxChoice>,
    /// Batch: the message N times in one request (per message one JSON line).
    #[arg(long, value_name = "N")]
    pub batch: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Require authentication for this AccessKey:SecretKey pair.
    #[arg(long, value_name = "AK:SK")]
    pub acl_user: Option<String>,
    /// Like --acl-user, the pair read from this environment variable, so
    /// that the secret is not on the command line (which other users of the
    /// machine can read).
    #[arg(long, value_name = "VAR", conflicts_with = "acl_user")]
    pub acl_user_env: Option<String>,
    /// Start a second broker (broker-b) in the same cluster, to try what
    /// the producer does when one of two brokers fails.
    #[arg(long)]
    pub second_broker: bool,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Topic to send to.
    #[arg(long, default_value = "rmq-console-bench")]
    pub topic: String,
    /// Messages per mode.
    #[arg(long, default_value_t = 10_000, value_parser = ranged::<1, 1_000_000>)]
    pub count: u64,
    /// Body size in bytes.
    #[arg(long, default_value_t = 128, value_parser = ranged::<1, MAX_MESSAGE_BYTES>)]
    pub body_bytes: u64,
    /// Modes to run, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "sync,async,oneway")]
    pub modes: Vec<Mode>,
    /// One-way pacing in messages per second (unpaced one-way floods lose messages).
    #[arg(long, default_value_t = 5000, value_parser = ranged_u32::<1, MAX_RATE>)]
    pub oneway_rate: u32,
    /// Async sends in flight at most (default: the profile's, 128).
    #[arg(long, value_name = "N", value_parser = ranged::<1, { MAX_ASYNC_INFLIGHT as u64 }>)]
    pub async_inflight: Option<u64>,
    /// Send to a protected profile without asking: scripts confirm with
    /// this (headless commands never stop to ask).
    #[arg(long)]
    pub yes: bool,
    /// Keep no journal of the bench's sends (to measure what journaling costs).
    #[arg(long)]
    pub no_journal: bool,
    /// One JSON object per mode instead of the table.
    #[arg(long)]
    pub json: bool,
    /// After the table, each mode's latency histogram (the same buckets).
    #[arg(long)]
    pub histogram: bool,
    /// Also write the comparison as an SVG for slides (the table, the
    /// histograms on one scale, the run's timeline) to this file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Message types to run after the modes, comma separated (fifo: sync
    /// sends with one sharding key; batch: sync batches of --batch-size).
    /// None by default: the comparison of the modes stands alone.
    #[arg(long, value_delimiter = ',', value_parser = ["fifo", "batch"])]
    pub types: Vec<String>,
    /// Messages per batch request for the batch row.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(2..=1024))]
    pub batch_size: u32,
}

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// JSON Lines: topic, tag, keys, properties, body or body_base64, mode
    /// (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Mode for every message (default: each line's `mode`, else sync).
    #[arg(long)]
    pub mode: Option<Mode>,
    /// Messages per second (default: as fast as each mode allows).
    #[arg(long, value_parser = ranged_u32::<1, MAX_RATE>)]
    pub rate: Option<u32>,
    /// Validate and print what would be sent, then stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Send the valid lines even when some are invalid.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Send every message to this topic instead of its own.
    #[arg(long)]
    pub topic: Option<String>,
    /// Print only the summary, not a JSON line per message.
    #[arg(long)]
    pub quiet: bool,
    /// Send to a protected profile without asking: scripts confirm with
    /// this (headless commands never stop to ask).
    #[arg(long)]
    pub yes: bool,
    /// Keep no journal of these sends.
    #[arg(long)]
    pub no_journal: bool,
    /// Expand the placeholders ({n}, {uuid}, ...) of each line's body and
    /// property values; without it a replay sends them byte for byte.
    #[arg(long)]
    pub expand: bool,
    /// How to decide a transaction whose line does not say (`"type":"tx"`,
    /// as the journal records one decided in the console): commit,
    /// rollback or unknown. Without it, and without a profile
    /// `transaction-policy` that decides, such a line is invalid.
    #[arg(long, value_name = "DECISION")]
    pub transaction: Option<rmq_model::types::TxChoice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormat {
    Jsonl,
    Csv,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// Only records of this topic.
    #[arg(long)]
    pub topic: Option<String>,
    /// Only records with this message key.
    #[arg(long)]
    pub key: Option<String>,
    /// Only records submitted within this long before now: 30s, 10m, 2h, 7d.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub since: Option<std::time::Duration>,
    /// Only sends that did not end as their mode promises.
    #[arg(long)]
    pub failed: bool,
    /// jsonl (a replay file) or csv.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: HistoryFormat,
}

/// The time window of a lookup.
#[derive(Debug, Clone, Default, Args)]
pub struct WindowArgs {
    /// From: a duration ago (2h, 3d) or a time (RFC 3339, local
    /// 2026-12-06 10:00, or 10:00 today). Default: 3 days ago for keys and
    /// tags, a day around the time in a unique key.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Until (same forms as --since). Default: now.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// What to fetch: an id (32 or 56 hex; id:HEX or uniq:HEX to say which
    /// kind), key:K or a bare word, tag:T, TOPIC@BROKER:QUEUE:OFFSET or
    /// QUEUE@OFFSET, dlq:GROUP, retry:GROUP. `-` reads them from standard
    /// input, one a line.
    #[arg(value_name = "LOCATOR", required = true)]
    pub locators: Vec<String>,
    /// The topic of keys, tags, unique keys and QUEUE@OFFSET; checked
    /// against what an offset id returns.
    #[arg(long)]
    pub topic: Option<String>,
    #[command(flatten)]
    pub window: WindowArgs,
    /// At most this many messages per locator (a position reads this many
    /// from its offset; default 1 there).
    #[arg(long, value_name = "N", value_parser = ranged::<1, 1000>)]
    pub max: Option<u64>,
    /// Add to each line a `consumed_by` array: every group reading the
    /// topic, and whether its committed offset on the message's queue is
    /// past the message (`consumed`, `not_yet`, `no_offset`).
    #[arg(long)]
    pub consumed_by: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TailArgs {
    /// The topic.
    #[arg(value_name = "TOPIC")]
    pub topic: String,
    /// How many of the newest messages.
    #[arg(short = 'n', long = "count", default_value_t = 20, value_parser = ranged::<1, 1000>)]
    pub count: u64,
    /// Keep printing new messages (polled every second) until Ctrl-C.
    #[arg(long)]
    pub follow: bool,
    /// Only messages with this tag (a tag expression: `a || b`).
    #[arg(long)]
    pub tag: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct GroupArgs {
    /// The consumer group.
    #[arg(value_name = "GROUP")]
    pub group: String,
    /// One JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DlqArgs {
    /// The consumer group.
    #[arg(value_name = "GROUP")]
    pub group: String,
    /// The group's retry queue (%RETRY%GROUP) instead of its dead letters.
    #[arg(long)]
    pub retry: bool,
    /// The newest N (default 100).
    #[arg(long, value_name = "N", value_parser = ranged::<1, 1000>)]
    pub max: Option<u64>,
    /// Send each one again, to its original topic, through `replay`
    /// (validation, journal, per-message results); nothing is deleted from
    /// the group's queue.
    #[arg(long)]
    pub resend: bool,
    /// With --resend: to this topic instead of each one's original.
    #[arg(long, value_name = "TOPIC", requires = "resend")]
    pub to_topic: Option<String>,
    /// With --resend: messages per second.
    #[arg(long, requires = "resend", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,
    /// With --resend: print what would be sent, send nothing.
    #[arg(long, requires = "resend")]
    pub dry_run: bool,
    /// With --resend on a protected profile: yes, send (a script has
    /// nobody to answer the question).
    #[arg(long, requires = "resend")]
    pub yes: bool,
}

/// The longest `history --since`: 100 years. A longer one reached back
/// before the calendar's start and panicked working out the moment.
pub const MAX_SINCE_DAYS: u64 = 36_500;

/// `30s`, `10m`, `2h`, `7d` (a bare number is seconds), at most
/// `MAX_SINCE_DAYS` days.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{s}`: the unit is s, m, h or d")),
    };
    let range = || format!("from 0s to {MAX_SINCE_DAYS}d");
    let n: u64 = n.parse().map_err(|e: std::num::ParseIntError| {
        if *e.kind() == std::num::IntErrorKind::PosOverflow {
            format!("`{s}` is out of range: a duration {}", range())
        } else {
            format!("`{s}`: a duration is a number and a unit: 30s, 10m, 2h, 7d")
        }
    })?;
    match n.checked_mul(secs) {
        Some(total) if total <= MAX_SINCE_DAYS * 86_400 => {
            Ok(std::time::Duration::from_secs(total))
        }
        _ => Err(format!("`{s}` is out of range: a duration {}", range())),
    }
}

fn parse_property(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: a property is KEY=VALUE"))?;
    if k.trim().is_empty() {
        return Err(format!("`{s}`: property key is empty"));
    }
    Ok((k.trim().to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_template_conflicts_with_keys_instead_of_dropping_them() {
        let e = Cli::try_parse_from([
            "rmq-console",
            "send",
            "--topic",
            "T",
            "--key",
            "a",
            "--key-template",
            "order-{seq}",
        ])
        .map(|_| ())
        .unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::ArgumentConflict, "{e}");
        assert!(e.to_string().contains("--key-template"), "{e}");
    }

    #[test]
    fn send_parses_repeated_keys_and_properties() {
        let cli = Cli::try_parse_from([
            "rmq-console",
            "send",
            "--topic",
            "T",
            "--key",
            "a",
            "--key",
            "b",
            "--property",
            "x=1=2",
            "--mode",
            "oneway",
            "--namesrv",
            "127.0.0.1:9876",
        ])
        .unwrap();
        let Some(Command::Send(send)) = cli.command else {
            panic!("not send")
        };
        assert_eq!(send.message.keys, ["a", "b"]);
        assert_eq!(
            send.message.properties,
            [("x".to_string(), "1=2".to_string())]
        );
        assert_eq!(send.mode, Mode::Oneway);
        assert_eq!(cli.target.namesrv.as_deref(), Some("127.0.0.1:9876"));
    }

    #[test]
    fn a_saved_message_replaces_the_message_flags_and_set_needs_it() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["rmq-console", "send"].iter().chain(args))
                .map_err(|e| e.to_string())
        };
        let cli = parse(&["--message", "Order created", "--set", "tag=paid"]).unwrap();
        let Some(Command::Send(send)) = cli.command else {
            panic!("not send")
        };
        assert_eq!(send.message.message.as_deref(), Some("Order created"));
        assert_eq!(send.message.sets, ["tag=paid"]);
        assert_eq!(send.message.topic, None);
        for clash in [
            &["--topic", "T"][..],
            &["--body", "x"],
            &["--sharding-key", "k"],
        ] {
            let mut args = vec!["--message", "m"];
            args.extend_from_slice(clash);
            let e = parse(&args).unwrap_err();
            assert!(e.contains("cannot be used with"), "{clash:?}: {e}");
        }
        let e = parse(&["--body", "x"]).unwrap_err();
        assert!(e.contains("--topic"), "{e}");
    }

    #[test]
    fn bad_arguments_are_refused() {
        let err = Cli::try_parse_from(["rmq-console", "send", "--topic", "T", "--mode", "fast"])
            .unwrap_err();
        assert!(err.to_string().contains("unknown mode `fast`"), "{err}");
        let err =
            Cli::try_parse_from(["rmq-console", "send", "--topic", "T", "--property", "nokey"])
                .unwrap_err();
        assert!(err.to_string().contains("a property is KEY=VALUE"), "{err}");
        assert!(Cli::try_parse_from(["rmq-console", "--sandbox", "--namesrv", "x:1"]).is_err());
    }

    #[test]
    fn every_number_says_its_range_for_zero_overflow_and_junk() {
        let cases: [&[&str]; 8] = [
            &["send", "--topic", "T", "--count", "0"],
            &["send", "--topic", "T", "--count", "99999999999999999999999"],
            &["send", "--topic", "T", "--rate", "0"],
            &["send", "--topic", "T", "--rate", "4294967296"],
            &["send", "--topic", "T", "--linger-ms=-1"],
            &["bench", "--body-bytes", "18446744073709551615"],
            &["bench", "--oneway-rate", "0"],
            &["bench", "--count", "1e3"],
        ];
        for args in cases {
            let err = Cli::try_parse_from([&["rmq-console"][..], args].concat())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("is not a whole number from"),
                "{args:?}: {err}"
            );
        }
    }

    /// `history --since 99999999999d` panicked working out the moment it
    /// names; `replay --rate 4294967295` panicked making a zero-length
    /// interval. Both are range errors naming the flag now.
    #[test]
    fn huge_since_and_replay_rate_are_range_errors_naming_the_flag() {
        let cases: [(&[&str], &str); 4] = [
            (
                &["history", "--since", "99999999999d"],
                "'--since <DURATION>': `99999999999d` is out of range: a duration from 0s to 36500d",
            ),
            (
                &["history", "--since", "99999999999999999999999"],
                "'--since <DURATION>': `99999999999999999999999` is out of range",
            ),
            (
                &["replay", "f", "--rate", "4294967295"],
                "'--rate <RATE>': `4294967295` is not a whole number from 1 to 1000000",
            ),
            (
                &["replay", "f", "--rate", "0"],
                "'--rate <RATE>': `0` is not a whole number from 1 to 1000000",
            ),
        ];
        for (args, want) in cases {
            let err = Cli::try_parse_from([&["rmq-console"][..], args].concat()).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
            let err = err.to_string();
            assert!(err.contains(want), "{args:?}: {err}");
        }
        let at_most = Cli::try_parse_from(["rmq-console", "history", "--since", "36500d"]);
        assert!(at_most.is_ok());
    }

    #[test]
    fn async_inflight_is_bounded_where_it_is_given() {
        for cmd in [&["send", "--topic", "T"][..], &["bench"][..]] {
            let mut args = vec!["rmq-console"];
            args.extend_from_slice(cmd);
            let at_max = MAX_ASYNC_INFLIGHT.to_string();
            let ok = [args.clone(), vec!["--async-inflight", &at_max]].concat();
            assert!(Cli::try_parse_from(ok).is_ok());
            let too_many = [args, vec!["--async-inflight", "100000000"]].concat();
            let err = Cli::try_parse_from(too_many).unwrap_err().to_string();
            assert!(
                err.contains("`100000000` is not a whole number from 1 to 65536"),
                "{err}"
            );
        }
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// A tour file (TOML; the README shows the format with the built-in
    /// tour as the example). Without it, the built-in tour.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}
