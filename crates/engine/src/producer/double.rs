//! A scripted stand-in for the RocketMQ client (unit tests, and the producer
//! bench through the `fixtures` feature): each send is acknowledged, failed,
//! panics or never answers, as the script says.

use std::sync::{Arc, Mutex};

use super::client::Answer;
use rmq_model::message::SendStatus;
use rmq_model::message::{Draft, Failure, Receipt};

/// What the double does with one send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Ack,
    Fail(&'static str),
    /// The broker answered with this response code.
    Refuse(i32),
    /// Panics inside the client call, with this text.
    Panic(&'static str),
    /// Never answers (async: takes the send, never calls back).
    Hang,
}

type Script = Arc<dyn Fn(&Draft) -> Act + Send + Sync>;

type Callback = Box<dyn Fn(Answer) + Send + Sync>;

pub struct Double {
    script: Script,
    /// Callbacks of async sends that never answer, kept alive as the real
    /// client keeps them (dropping one would free its window slot).
    hung: Mutex<Vec<Callback>>,
}

impl Double {
    pub fn new(script: impl Fn(&Draft) -> Act + Send + Sync + 'static) -> Self {
        Self {
            script: Arc::new(script),
            hung: Mutex::new(Vec::new()),
        }
    }

    fn answer(act: Act) -> Answer {
        match act {
            Act::Ack => Ok(Receipt {
                status: SendStatus::SendOk,
                msg_id: "DOUBLE".into(),
                offset_msg_id: "DOUBLE-OFFSET".into(),
                broker: "double".into(),
                queue_id: 0,
                queue_offset: 0,
                transaction_id: None,
                region_id: None,
            }),
            Act::Fail(why) => Err(Failure {
                reason: why.into(),
                code: None,
            }),
            Act::Refuse(code) => Err(Failure {
                reason: format!("broker code {code}"),
                code: Some(code),
            }),
            Act::Panic(text) => panic!("{text}"),
            Act::Hang => unreachable!("a hanging send has no answer"),
        }
    }

    async fn call(&self, draft: &Draft) -> Answer {
        match (self.script)(draft) {
            Act::Hang => std::future::pending().await,
            act => Self::answer(act),
        }
    }

    pub(super) async fn oneway(&self, draft: &Draft) -> Result<(), Failure> {
        self.call(draft).await.map(|_| ())
    }

    pub(super) async fn sync(&self, draft: &Draft) -> Answer {
        self.call(draft).await
    }

    /// Calls back from another task, as the library does.
    pub(super) fn submit_async(
        &self,
        draft: &Draft,
        callback: impl Fn(Answer) + Send + Sync + 'static,
    ) -> Result<(), Failure> {
        match (self.script)(draft) {
            Act::Hang => {
                self.hung
                    .lock()
                    .expect("hung callbacks")
                    .push(Box::new(callback));
                Ok(())
            }
            Act::Panic(text) => panic!("{text}"),
            act => {
                let answer = Self::answer(act);
                tokio::spawn(async move { callback(answer) });
                Ok(())
            }
        }
    }
}
