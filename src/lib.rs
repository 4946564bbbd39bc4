//! rmq-console: a terminal operations console for RocketMQ producers.
//! This crate is the top of the workspace: the command line, the config and
//! themes, the console and the headless commands. The layers below are
//! crates of their own (`rmq_model`, `rmq_journal`, `rmq_engine`,
//! `rmq_sandbox`); `main.rs` only parses the command line.

pub mod chart;
pub mod cli;
pub mod collection;
pub mod config;
pub mod console;
pub mod headless;
pub mod journal_plan;
pub mod logging;
pub mod preflight;
pub mod signals;
pub mod target;
pub mod theme;
mod tomlspan;
pub mod tour;
