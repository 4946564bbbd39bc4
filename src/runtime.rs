//! The process's one tokio runtime, built the way rocketmq-client-rust wants
//! it (a `RuntimeOwner`), so the client's own tasks and ours share it.

use std::future::Future;

use anyhow::{Context, Result};
use rocketmq_runtime::{ChildServiceContext, RuntimeConfig, RuntimeOwner};

pub struct Runtime {
    owner: RuntimeOwner,
}

impl Runtime {
    pub fn new() -> Result<Self> {
        let owner = RuntimeOwner::plan(RuntimeConfig {
            thread_name: "rmq-console".into(),
            ..Default::default()
        })
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("planning the runtime")?
        .build()
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("starting the runtime")?;
        Ok(Self { owner })
    }

    /// A scope for one producer's client-library tasks.
    pub fn context(&self, scope: &'static str) -> ChildServiceContext {
        self.owner.root_context().component(scope)
    }

    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.owner.block_on(f)
    }

    /// Ends whatever the client library still runs, without blocking on it.
    pub fn shutdown(self) {
        let report = self.owner.shutdown_background();
        if !report.is_healthy() {
            tracing::debug!(report = %report.to_json(), "runtime shutdown report");
        }
    }
}
