//! Entry point: parse the command line, set up logging, pick the target
//! (profile, sandbox or name server address) and run the chosen command.
//! Everything that can fail before the console takes the screen fails here,
//! printed plainly.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use rmq_console::cli::{Cli, Command, SandboxArgs};
use rmq_console::runtime::Runtime;
use rmq_console::sandbox::{self, Sandbox, SandboxOptions, netns, registry};
use rmq_console::{headless, target};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rmq-console: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let log = rmq_console::logging::init().context("setting up the log file")?;
    tracing::info!(log = %log.display(), args = ?std::env::args().collect::<Vec<_>>(), "start");
    match cli.command {
        Some(Command::CheckConfig) => target::check_config(cli.config.as_deref()),
        Some(Command::Sandbox(args)) => run_sandbox(args),
        Some(Command::Send(args)) => {
            headless_on_target(&cli.target, cli.config.as_deref(), |rt, s| {
                headless::send(rt, s, args)
            })
        }
        Some(Command::Bench(args)) => {
            headless_on_target(&cli.target, cli.config.as_deref(), |rt, s| {
                headless::bench(rt, s, args)
            })
        }
        None => {
            let t = target::resolve(&cli.target, cli.config.as_deref())?;
            let session = target::session(&t, cli.theme.as_deref())?;
            let rt = Runtime::new()?;
            let result = rmq_console::console::run(&rt, session);
            rt.shutdown();
            drop(t);
            result.map(|()| ExitCode::SUCCESS)
        }
    }
}

/// Resolves the target (maybe starting a sandbox), then runs a headless
/// command on a fresh runtime; the sandbox outlives the runtime.
fn headless_on_target(
    target_args: &rmq_console::cli::TargetArgs,
    config: Option<&std::path::Path>,
    command: impl FnOnce(&Runtime, rmq_console::producer::ProducerSettings) -> Result<ExitCode>,
) -> Result<ExitCode> {
    let t = target::resolve(target_args, config)?;
    let rt = Runtime::new()?;
    let code = command(&rt, t.settings.clone());
    rt.shutdown();
    drop(t);
    code
}

/// `rmq-console sandbox`: the servers alone, until Ctrl-C.
fn run_sandbox(args: SandboxArgs) -> Result<ExitCode> {
    let acl = match args.acl_user.as_deref() {
        Some(pair) => {
            let (ak, sk) = pair
                .split_once(':')
                .filter(|(a, s)| !a.is_empty() && !s.is_empty())
                .context("--acl-user takes ACCESS_KEY:SECRET_KEY")?;
            Some(sandbox::AclUser {
                access_key: ak.into(),
                secret_key: sk.into(),
            })
        }
        None => None,
    };
    let isolation = target::isolate_for_sandbox();
    let sandbox = Sandbox::start(&SandboxOptions { acl })?;
    let own_netns = matches!(
        isolation,
        Some(netns::Isolation::Created | netns::Isolation::CreatedWithUser)
    );
    let _registration = registry::register(&registry::Entry {
        pid: std::process::id(),
        namesrv: sandbox.namesrv_addr.clone(),
        own_netns,
    })?;
    println!("namesrv {}", sandbox.namesrv_addr);
    println!("broker  {}", sandbox.broker_addr);
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
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    })
    .context("waiting for Ctrl-C")?;
    rt.shutdown();
    sandbox.stop();
    println!("sandbox stopped");
    Ok(ExitCode::SUCCESS)
}
