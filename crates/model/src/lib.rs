//! The model every layer shares: what the operator composes and how it is
//! sent (`message`, `types`, `credentials`), the rules that refuse bad input (`validate`,
//! `body`, `template`, `endpoint`, `limits`, `text`), what the producer task reports
//! (`events`) and writes ahead to the journal (`ahead`), and where the
//! console keeps its files (`paths`, `fsutil`).
//! Pure data and rules; depends on nothing above it.

pub mod ahead;
pub mod body;
pub mod credentials;
pub mod endpoint;
pub mod events;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod fsutil;
pub mod limits;
pub mod message;
pub mod paths;
pub mod short_str;
pub mod template;
pub mod text;
pub mod types;
pub mod validate;
