//! Tests on a real name server and broker (the sandbox) on 127.0.0.1, one
//! test binary split by level: the producer task, the headless commands, and
//! the console end to end. Run by the README's test command inside a
//! loopback-only network namespace.

mod bounds;
mod checks_first;
mod cli;
mod common;
mod compare;
mod console_body;
mod console_types;
mod e2e;
mod faults;
mod fetch;
mod fetch_acl;
mod fetch_console;
mod fetch_groups;
mod fetch_queues;
mod hostile;
mod logfile;
mod producer;
mod record;
mod replay;
mod saved;
mod seed;
mod templates;
mod tour;
mod types;
mod verify;
