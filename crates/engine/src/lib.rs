//! The engine: the producer task that owns the only RocketMQ producer and
//! all network I/O (`producer`), the send ledger where every count changes
//! (`ledger`), the mode comparison (`compare`), when each send started and
//! ended (`timeline`) and the process's runtime (`runtime`). Depends on the
//! model and the client library only.

pub mod compare;
pub mod ledger;
pub mod producer;
pub mod runtime;
pub mod timeline;
