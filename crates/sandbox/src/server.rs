//! The sandbox's servers inside this binary: `rmq-console` re-executes
//! itself as a hidden `sandbox-server` subcommand, once per server, and that
//! process runs the rocketmq-namesrv or rocketmq-broker library until SIGTERM.
//! Each server stays its own process (its own runtime, logs, parent-death
//! signal), and nothing beyond this build is needed to start a sandbox.
//!
//! Only what a loopback sandbox needs is taken from the servers' own `bin`
//! targets: no telemetry export, metrics or diagnostics listeners, and no
//! global subscriber of theirs; logs go to stderr, which the parent points at
//! the sandbox's own log file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use clap::{Args, ValueEnum};
use rocketmq_runtime::{ChildServiceContext, RuntimeConfig, RuntimeOwner};
use tokio::signal::unix::{SignalKind, signal};

/// The hidden subcommand's name.
pub const SUBCOMMAND: &str = "sandbox-server";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Namesrv,
    Broker,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Namesrv => "name server",
            Kind::Broker => "broker",
        }
    }
}

/// `rmq-console sandbox-server …`: written by `Sandbox::start`, not by hand.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    #[arg(value_enum)]
    pub kind: Kind,
    /// The sandbox directory: configuration in, store, logs and the ready
    /// marker out.
    #[arg(long)]
    pub dir: PathBuf,
    /// Name server only: its port on 127.0.0.1.
    #[arg(long)]
    pub port: Option<u16>,
    /// Broker only: which of the sandbox's brokers, naming its
    /// configuration (`NAME.toml`) and ready marker in `--dir`.
    #[arg(long, default_value = "broker")]
    pub name: String,
}

/// File whose existence says the broker `name` is serving (written once
/// `start` returned a running broker; the name server is judged by its
/// port).
pub fn broker_ready_marker(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.ready"))
}

/// Runs one server until SIGTERM (or SIGINT). The caller has not set up any
/// logging; this process logs to stderr.
pub fn run(args: ServerArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let (runtime_config, scope) = match args.kind {
        Kind::Namesrv => (RuntimeConfig::namesrv_default(), "sandbox-namesrv"),
        Kind::Broker => (RuntimeConfig::broker_default(), "sandbox-broker"),
    };
    let owner = RuntimeOwner::plan(runtime_config)
        .map_err(|e| anyhow!("{e}"))
        .context("planning the server runtime")?
        .build()
        .map_err(|e| anyhow!("{e}"))
        .context("starting the server runtime")?;
    let ctx = owner.root_context().component(scope);
    let result = owner.block_on(async {
        rocketmq_protocol::protocol::remoting_command_facade::initialize_remoting_defaults(
            rocketmq_model::version::CURRENT_VERSION as i32,
        )
        .map_err(|e| anyhow!("{e:?}"))
        .context("initialising the remoting defaults")?;
        match args.kind {
            Kind::Namesrv => run_namesrv(ctx, &args).await,
            Kind::Broker => run_broker(ctx, &args).await,
        }
    });
    let report = owner.shutdown_background();
    if !report.is_healthy() {
        tracing::debug!(report = %report.to_json(), "server runtime shutdown report");
    }
    if let Err(e) = &result {
        tracing::error!("{} failed: {e:#}", args.kind.label());
    }
    result
}

/// Resolves on the first SIGTERM or SIGINT: the parent's stop, or the
/// parent-death signal.
async fn terminated() {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without handlers the default action (exit) still applies.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

async fn run_namesrv(ctx: ChildServiceContext, args: &ServerArgs) -> Result<()> {
    let port = args
        .port
        .context("--port is required for the name server")?;
    let home = args.dir.join("home");
    let home_s = home.to_string_lossy().into_owned();
    let config = rocketmq_namesrv::NamesrvConfig {
        rocketmq_home: home_s.clone(),
        kv_config_path: format!("{home_s}/kvConfig.json"),
        config_store_path: format!("{home_s}/namesrv.properties"),
        ..Default::default()
    };
    let server = rocketmq_transport::api::ServerConfig {
        listen_port: port.into(),
        bind_address: "127.0.0.1".into(),
        ..Default::default()
    };
    let bootstrap = rocketmq_namesrv::bootstrap::Builder::new(
        ctx,
        rocketmq_observability::TelemetryHandle::noop(),
    )
    .set_name_server_config(config)
    .set_server_config(server)
    .build();
    // The name server has no readiness hook of its own: the parent watches
    // its port.
    tracing::info!(port, "sandbox name server starting");
    let stop = async move {
        terminated().await;
        tracing::info!("sandbox name server stopping");
    };
    bootstrap
        .boot_with_shutdown(stop)
        .await
        .map_err(|e| anyhow!("{e}"))
        .context("running the name server")
}

async fn run_broker(ctx: ChildServiceContext, args: &ServerArgs) -> Result<()> {
    use rocketmq_broker::config::raw::RawBrokerConfig;
    use rocketmq_broker::config::validated::ValidatedBrokerConfig;
    if !args
        .name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        anyhow::bail!("--name must be letters, digits and -");
    }
    let path = args.dir.join(format!("{}.toml", args.name));
    let raw = RawBrokerConfig::load(&path)
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("reading {}", path.display()))?;
    let validated = ValidatedBrokerConfig::try_from(raw)
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("validating {}", path.display()))?;
    let running =
        rocketmq_broker::Builder::new(ctx, rocketmq_observability::TelemetryRuntimeGuard::noop())
            .with_validated_config(validated)
            .build()
            .initialize()
            .await
            .map_err(|e| anyhow!("{e}"))
            .context("initialising the broker")?
            .start()
            .await
            .map_err(|e| anyhow!("{e}"))
            .context("starting the broker")?;
    let r = running.readiness();
    tracing::info!(
        listener = ?r.normal_listener(),
        store_writable = r.store_writable(),
        registered = r.registration_ready(),
        "sandbox broker ready"
    );
    std::fs::write(broker_ready_marker(&args.dir, &args.name), b"")
        .context("writing the broker's ready marker")?;
    terminated().await;
    tracing::info!("sandbox broker stopping");
    running.shutdown().await;
    Ok(())
}
