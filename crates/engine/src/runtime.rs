//! The process's one tokio runtime, built the way rocketmq-client-rust wants
//! it (a `RuntimeOwner`), so the client's own tasks and ours share it.

use std::future::Future;

use anyhow::{Context, Result};
/// Re-exported: the console hands one to its fetcher.
pub use rocketmq_runtime::ChildServiceContext;
use rocketmq_runtime::{RuntimeConfig, RuntimeOwner};

pub struct Runtime {
    owner: RuntimeOwner,
}

impl Runtime {
    /// One worker thread: a send is a chain of short wake-ups (our task,
    /// the client library's writer task, its reader task), and with a
    /// worker per core each wake-up tends to land on the other thread (an
    /// eventfd write and a context switch each). Measured on 2 cores
    /// (docs/performance.md): per sync send, 4.5 context switches and 10
    /// system calls with two workers, 1 and 3 with one (as few as a plain
    /// socket client), and a third less CPU per send in both modes. The
    /// console's UI runs on the main thread, not on a worker.
    pub const WORKERS: usize = 1;

    pub fn new() -> Result<Self> {
        Self::with_workers(Self::WORKERS)
    }

    /// `workers` worker threads (what the comparison harness varies).
    pub fn with_workers(workers: usize) -> Result<Self> {
        let owner = RuntimeOwner::plan(RuntimeConfig {
            thread_name: "rmq-console".into(),
            worker_threads: workers,
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
