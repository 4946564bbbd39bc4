//! Values for the tests of this crate and the crates above it (the
//! `fixtures` feature), so each test module does not build its own.

use crate::message::{Receipt, SendStatus};

/// The broker's answer to send `n`: `SendOk`, ids that carry `n` (the
/// shapes of a real unique key and offset id), queue `n % 4` of
/// `broker-a` at offset `40 + n`.
pub fn receipt(n: u64) -> Receipt {
    Receipt {
        status: SendStatus::SendOk,
        msg_id: format!("7F0000010001{n:020X}").into(),
        offset_msg_id: format!("7F00000100002A9F{n:016X}").into(),
        broker: "broker-a".into(),
        queue_id: (n % 4) as i32,
        queue_offset: 40 + n,
        transaction_id: None,
        region_id: Some("DefaultRegion".into()),
    }
}
