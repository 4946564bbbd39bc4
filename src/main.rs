//! Entry point: parse the command line, set up logging, pick the target
//! (profile, sandbox or name server address) and run the chosen command.
//! Everything that can fail before the console takes the screen fails here,
//! printed plainly.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use rmq_console::cli::{Cli, Command, SandboxArgs};
use rmq_console::{config, console, headless, preflight, signals, target, theme};
use rmq_engine::runtime::Runtime;
use rmq_sandbox::{Sandbox, SandboxOptions, netns, registry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A sandbox server logs to its own file (its stderr), not ours.
    if let Some(Command::SandboxServer(args)) = cli.command {
        return match rmq_sandbox::server::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                signals::stderr_line(&format!("rmq-console sandbox-server: {e:#}"));
                ExitCode::from(1)
            }
        };
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // The log too: after a hangup there is no stderr to read.
            tracing::error!("{e:#}");
            signals::stderr_line(&format!("rmq-console: {e:#}"));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    // Without a log (an unwritable state folder) every command still runs,
    // and says so: headless on stderr, the console in its status bar.
    let (log, no_log) = match rmq_console::logging::init() {
        Ok(path) => (path, None),
        Err(e) => (
            Default::default(),
            Some(format!("cannot log: {e:#}; running without a log file")),
        ),
    };
    if let Some(why) = &no_log
        && cli.command.is_some()
    {
        signals::stderr_line(&format!("rmq-console: warning: {why}"));
    }
    // Never the command line itself: `--acl-user AK:SK` and `--body TEXT`
    // are on it. The command and the option names say what ran.
    tracing::info!(
        log = %log.display(),
        version = env!("CARGO_PKG_VERSION"),
        command = rmq_console::logging::command_name(cli.command.as_ref()),
        options = ?rmq_console::logging::option_names(std::env::args_os().skip(1)),
        "start"
    );
    match cli.command {
        Some(Command::CheckConfig) => preflight::check_config(
            cli.config.as_deref(),
            cli.theme.as_deref(),
            cli.messages.as_deref(),
        ),
        Some(Command::SandboxServer(_)) => unreachable!("dispatched in main"),
        Some(Command::Sandbox(args)) => run_sandbox(args),
        // Each headless command checks its input and the protected
        // profile's confirmation first: a bad draft or a missing --yes
        // ends it before a sandbox starts or a message leaves.
        Some(Command::Send(args)) => {
            let config = config::load_or_default(cli.config.as_deref())?;
            let preview = target::preview(&cli.target, &config)?;
            let messages =
                rmq_console::collection::dir(cli.messages.as_deref(), config.path.as_deref());
            let draft =
                headless::prepare_send(&args, preview.settings.max_message_bytes, &messages)?;
            target::confirm_protected(&preview, args.yes, "send")?;
            headless_with_journal(&cli.target, config, |rt, s, j| {
                headless::send(rt, s, j, args, draft)
            })
        }
        Some(Command::Bench(args)) => {
            let config = config::load_or_default(cli.config.as_deref())?;
            let preview = target::preview(&cli.target, &config)?;
            headless::check_bench(&args, preview.settings.max_message_bytes)?;
            target::confirm_protected(&preview, args.yes, "bench")?;
            headless_with_journal(&cli.target, config, |rt, s, j| {
                headless::bench(rt, s, j, args)
            })
        }
        Some(Command::Replay(args)) if args.dry_run => {
            // Nothing is sent: no target (and no sandbox) is needed, only
            // the profile's body limit.
            let config = config::load_or_default(cli.config.as_deref())?;
            let profile = match &cli.target.profile {
                Some(name) => config.profile(name),
                None => config.startup_profile(),
            };
            let max = profile
                .and_then(|p| p.max_message_bytes)
                .unwrap_or(rmq_engine::producer::ProducerSettings::new("").max_message_bytes);
            let policy = profile
                .and_then(|p| p.transaction_policy)
                .unwrap_or_default();
            headless::replay::dry_run(&args, max, policy)
        }
        Some(Command::Replay(args)) => {
            let config = config::load_or_default(cli.config.as_deref())?;
            let preview = target::preview(&cli.target, &config)?;
            let parsed = match headless::replay::prepare(&args, &preview.settings)? {
                Ok(parsed) => parsed,
                Err(code) => return Ok(code),
            };
            target::confirm_protected(&preview, args.yes, "replay")?;
            headless_with_journal(&cli.target, config, |rt, s, j| {
                headless::replay::replay(rt, s, j, args, parsed)
            })
        }
        Some(Command::History(args)) => headless::history::run(cli.config.as_deref(), &args),
        Some(Command::Fetch(args)) => {
            headless_on_target(&cli.target, cli.config.as_deref(), |rt, s, profile| {
                headless::fetch::fetch(rt, s, profile, args)
            })
        }
        Some(Command::Tail(args)) => {
            headless_on_target(&cli.target, cli.config.as_deref(), |rt, s, profile| {
                headless::fetch::tail(rt, s, profile, args)
            })
        }
        Some(Command::Group(args)) => {
            headless_on_target(&cli.target, cli.config.as_deref(), |rt, s, profile| {
                headless::fetch::group(rt, s, profile, args)
            })
        }
        Some(Command::Dlq(args)) => {
            let config = config::load_or_default(cli.config.as_deref())?;
            if args.resend && !args.dry_run {
                let preview = target::preview(&cli.target, &config)?;
                target::confirm_protected(&preview, args.yes, "dlq --resend")?;
            }
            headless_with_journal(&cli.target, config, |rt, s, j| {
                headless::fetch::dlq(rt, s, j, args)
            })
        }
        Some(Command::Demo(ref args)) => {
            // The tour is read first: a bad line ends here, before a
            // sandbox starts or the terminal changes.
            let tour = match &args.file {
                Some(path) => rmq_console::tour::load(path)?,
                None => rmq_console::tour::builtin(),
            };
            run_console(&cli, no_log, Some(std::sync::Arc::new(tour)))
        }
        None => run_console(&cli, no_log, None),
    }
}

/// The console on the resolved target (a sandbox when nothing is
/// configured), opening on `tour` when `demo` asked for one.
fn run_console(
    cli: &Cli,
    no_log: Option<String>,
    tour: Option<std::sync::Arc<rmq_console::tour::Tour>>,
) -> Result<ExitCode> {
    // Theme and key bindings are checked before a sandbox starts.
    let config = config::load_or_default(cli.config.as_deref())?;
    let styles = preflight::prepare(&config, cli.theme.as_deref(), &theme::user_dir())?;
    let mut t = target::resolve_with(&cli.target, config)?;
    t.warnings.extend(no_log);
    let mut session = console::session::for_target(&t, styles);
    if let Some(dir) = &cli.messages {
        session.messages_dir = dir.clone();
    }
    session.tour = tour;
    let rt = Runtime::new()?;
    let result = rmq_console::console::run(&rt, session);
    rt.shutdown();
    drop(t);
    result.map(|()| ExitCode::SUCCESS)
}

/// Resolves the target (maybe starting a sandbox), then runs a headless
/// command on a fresh runtime, given the profile's name (a refusal names
/// it); the sandbox outlives the runtime.
fn headless_on_target(
    target_args: &rmq_console::cli::TargetArgs,
    config: Option<&std::path::Path>,
    command: impl FnOnce(&Runtime, rmq_engine::producer::ProducerSettings, &str) -> Result<ExitCode>,
) -> Result<ExitCode> {
    let config = config::load_or_default(config)?;
    headless_with_journal(target_args, config, |rt, s, j| command(rt, s, &j.profile))
}

/// `headless_on_target` for a command that keeps a journal: it gets the
/// journal the config and the profile ask for.
fn headless_with_journal(
    target_args: &rmq_console::cli::TargetArgs,
    config: config::Config,
    command: impl FnOnce(
        &Runtime,
        rmq_engine::producer::ProducerSettings,
        rmq_console::journal_plan::Plan,
    ) -> Result<ExitCode>,
) -> Result<ExitCode> {
    let t = target::resolve_with(target_args, config)?;
    let plan =
        rmq_console::journal_plan::Plan::new(&t.config, &t.profile, t.profile_config.as_ref());
    for w in &t.warnings {
        signals::stderr_line(&format!("rmq-console: warning: {w}"));
    }
    let rt = Runtime::new()?;
    let code = command(&rt, t.settings.clone(), plan);
    rt.shutdown();
    drop(t);
    code
}

/// `rmq-console sandbox`: the servers alone, until Ctrl-C.
fn run_sandbox(args: SandboxArgs) -> Result<ExitCode> {
    let from_env = match &args.acl_user_env {
        // The variable's value is never repeated, its name always.
        Some(var) => Some(
            std::env::var(var)
                .ok()
                .filter(|v| !v.is_empty())
                .with_context(|| format!("--acl-user-env: {var} is not set"))?,
        ),
        None => None,
    };
    let acl = match args.acl_user.as_deref().or(from_env.as_deref()) {
        Some(pair) => {
            let (ak, sk) = pair
                .split_once(':')
                .filter(|(a, s)| !a.is_empty() && !s.is_empty())
                .context("--acl-user takes ACCESS_KEY:SECRET_KEY")?;
            Some(rmq_sandbox::AclUser {
                access_key: ak.into(),
                secret_key: sk.into(),
            })
        }
        None => None,
    };
    let isolation = target::isolate_for_sandbox();
    if let Err(why) = &isolation {
        signals::stderr_line(&format!("rmq-console: warning: {why}"));
    }
    let sandbox = Sandbox::start(&SandboxOptions {
        acl,
        second_broker: args.second_broker,
        ..Default::default()
    })?;
    let own_netns = matches!(
        isolation,
        Ok(netns::Isolation::Created | netns::Isolation::CreatedWithUser)
    );
    // Without the state folder, `send --namesrv` from another shell cannot
    // find this sandbox's namespace; the sandbox itself still serves.
    let _registration = registry::register(&registry::Entry {
        pid: std::process::id(),
        namesrv: sandbox.namesrv_addr.clone(),
        own_netns,
        started: registry::start_time(std::process::id()),
    })
    .map_err(|e| {
        signals::stderr_line(&format!(
            "rmq-console: warning: cannot register the sandbox ({e:#}); `send --namesrv` from another shell will not join its network namespace"
        ))
    })
    .ok();
    println!("namesrv {}", sandbox.namesrv_addr);
    println!("broker  {}", sandbox.broker_addr);
    if let Some(b) = &sandbox.second_broker_addr {
        println!("broker-b {b}");
    }
    println!("store   {}", sandbox.dir().display());
    if own_netns {
        println!(
            "network loopback-only namespace of pid {}; `rmq-console send --namesrv {}` from another shell joins it",
            std::process::id(),
            sandbox.namesrv_addr
        );
    }
    println!("Ctrl-C stops the sandbox and removes its store.");
    let rt = Runtime::new()?;
    let signal = rt
        .block_on(async {
            let mut signals = signals::Signals::new()?;
            let name = signals.recv().await;
            if name == "SIGHUP" {
                signals::detach_from_terminal();
            }
            // Stopping takes a few seconds; a second Ctrl-C ends us now
            // (the servers follow by their parent-death signal, and the
            // next start removes the store).
            signals.restore_defaults();
            Ok::<_, std::io::Error>(name)
        })
        .context("waiting for Ctrl-C")?;
    tracing::info!(signal, "stopping the sandbox");
    rt.shutdown();
    sandbox.stop();
    signals::stderr_line("sandbox stopped");
    Ok(ExitCode::SUCCESS)
}
