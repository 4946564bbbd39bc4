//! A panic inside a send becomes that send's failure instead of a lost
//! sequence number.

use std::pin::Pin;

use rmq_model::message::{Failure, Outcome};

/// Runs `fut`, turning a panic inside it into `Err(panic text)`. A panic in
/// a spawned send would otherwise end only its task, silently (the `JoinSet`
/// keeps it), and leave the sequence number it was sending without an outcome.
///
/// `fut` comes pinned where the caller made it (`pin!(send(...))`): a send's
/// future holds the client library's, about 17 KiB, and taking it by value
/// copied all of it once per send: 17,000 of the 120,000 instructions of
/// a sync send in a burst, by callgrind.
pub(super) async fn caught<F: Future>(mut fut: Pin<&mut F>) -> Result<F::Output, String> {
    std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => std::task::Poll::Ready(Err(panic_text(payload.as_ref()))),
        }
    })
    .await
}

pub(super) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

pub(super) fn panicked(text: &str) -> Outcome {
    Outcome::Failed(Failure {
        reason: format!("the send panicked: {text}"),
        code: None,
    })
}
