//! rmq-console: a terminal operations console for RocketMQ producers.
//! The library holds everything; `main.rs` only parses the command line.

pub mod body;
pub mod cli;
pub mod compare;
pub mod config;
pub mod console;
pub mod endpoint;
pub mod events;
pub mod fsutil;
pub mod headless;
pub mod journal;
pub mod ledger;
pub mod limits;
pub mod logging;
pub mod message;
pub mod paths;
pub mod producer;
pub mod replay;
pub mod runtime;
pub mod sandbox;
pub mod signals;
pub mod target;
pub mod template;
pub mod theme;
mod tomlspan;
pub mod types;
pub mod validate;
