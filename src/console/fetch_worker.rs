//! The console's fetcher, off the screen's loop: one task that owns a
//! `rmq_fetch::Fetcher` (started on the first request, with the profile's
//! name servers, namespace and credentials), looks requests up one at a
//! time, and answers each with `Action::Fetched` (a follow of the last
//! tail with `Action::Followed`, a group lens with `Action::GroupLens`,
//! which groups consumed a message with `Action::ConsumedBy`). A request
//! arriving while
//! one runs replaces it: the running future is dropped (a lookup writes
//! nothing, so nothing is half done). Closing the request channel stops
//! the fetcher; the loop waits for that at most `STOP_WAIT`.

use std::time::Duration;

use rmq_engine::producer::ProducerSettings;
use rmq_fetch::{Cursor, FetchSettings, Fetcher, Request, Stored};
use tokio::sync::mpsc;

use super::app::Action;

/// How long one request to a name server or broker may take.
const TIMEOUT: Duration = Duration::from_secs(5);
/// How long the loop's end waits for the fetcher to stop.
pub const STOP_WAIT: Duration = Duration::from_secs(3);

/// What the worker is asked to do.
#[derive(Debug, Clone)]
pub enum Job {
    Lookup(Request),
    /// The newest `n` of `topic` across its queues; a later `Follow` goes
    /// on from there.
    Tail {
        topic: String,
        n: usize,
    },
    /// What was stored since the last tail (or follow).
    Follow,
    /// A consumer group's lag, retry and dead-letter depth.
    Group(String),
    /// Which groups consumed this message.
    ConsumedBy(Box<Stored>),
}

impl Job {
    /// The action that answers this job with `result` (the job failed as
    /// a whole, or could not be handed over).
    pub fn failed(&self, id: u64, why: String) -> Action {
        match self {
            Job::Follow => Action::Followed {
                id,
                result: Err(why),
            },
            Job::Group(_) => Action::GroupLens {
                id,
                result: Err(why),
            },
            Job::ConsumedBy(_) => Action::ConsumedBy {
                id,
                result: Err(why),
            },
            Job::Lookup(_) | Job::Tail { .. } => Action::Fetched {
                id,
                result: Err(why),
            },
        }
    }
}

/// The loop's end of a running worker.
pub struct Worker {
    /// The profile it was started for: another profile needs another one.
    pub profile: String,
    pub requests: mpsc::Sender<(u64, Job)>,
    pub answers: mpsc::Receiver<Action>,
    pub join: tokio::task::JoinHandle<()>,
}

impl Worker {
    pub fn spawn(
        profile: &str,
        context: rmq_engine::runtime::ChildServiceContext,
        settings: &ProducerSettings,
    ) -> Self {
        let settings = FetchSettings {
            name_servers: settings.name_servers.clone(),
            namespace: settings.namespace.clone(),
            credentials: settings.credentials.clone(),
            timeout: TIMEOUT,
            profile: profile.to_string(),
        };
        let (requests, rx) = mpsc::channel(4);
        let (tx, answers) = mpsc::channel(4);
        let join = tokio::spawn(run(context, settings, rx, tx));
        Self {
            profile: profile.to_string(),
            requests,
            answers,
            join,
        }
    }

    /// Closes the request channel and waits, boundedly, for the fetcher to
    /// stop; one that does not is left behind (the process is ending or the
    /// profile changed).
    pub async fn stop(self) {
        drop(self.requests);
        let mut join = self.join;
        if tokio::time::timeout(STOP_WAIT, &mut join).await.is_err() {
            tracing::warn!("the fetcher did not stop within {STOP_WAIT:?}; left behind");
            join.abort();
        }
    }
}

async fn run(
    context: rmq_engine::runtime::ChildServiceContext,
    settings: FetchSettings,
    mut requests: mpsc::Receiver<(u64, Job)>,
    answers: mpsc::Sender<Action>,
) {
    let mut fetcher: Option<Fetcher> = None;
    let mut cursor: Option<Cursor> = None;
    let mut started = 0u32;
    let mut next = requests.recv().await;
    while let Some((id, job)) = next.take() {
        let on_failure = job.failed(id, String::new());
        // Boxed: the client library's futures are deep enough to overflow
        // the compiler's layout limit when nested in ours.
        let work = Box::pin(async {
            if fetcher.is_none() {
                // A scope per start: a start dropped half way (replaced)
                // closes the scope it was given.
                started += 1;
                let _ = started;
                let ctx = context.component("client");
                match Box::pin(Fetcher::start(ctx, &settings)).await {
                    Ok(f) => fetcher = Some(f),
                    Err(e) => return Err(format!("{e:#}")),
                }
            }
            let Some(f) = fetcher.as_ref() else {
                return Err("no fetcher".into());
            };
            let e = |e: anyhow::Error| format!("{e:#}");
            Ok(match job {
                Job::Lookup(request) => Action::Fetched {
                    id,
                    result: Box::pin(f.fetch(&request)).await.map_err(e),
                },
                Job::Tail { topic, n } => Action::Fetched {
                    id,
                    result: match Box::pin(f.tail(&topic, n, None)).await {
                        Ok((answer, c)) => {
                            cursor = Some(c);
                            Ok(answer)
                        }
                        Err(err) => Err(e(err)),
                    },
                },
                Job::Follow => Action::Followed {
                    id,
                    result: match cursor.as_mut() {
                        Some(c) => Box::pin(f.follow(c)).await.map_err(e),
                        None => Err("nothing to follow: tail a topic first".into()),
                    },
                },
                Job::Group(group) => Action::GroupLens {
                    id,
                    result: Box::pin(f.group_lens(&group)).await.map_err(e),
                },
                Job::ConsumedBy(m) => Action::ConsumedBy {
                    id,
                    result: Box::pin(f.consumed_by(&m)).await.map_err(e),
                },
            })
        });
        let done = tokio::select! {
            result = work => Some(result),
            newer = requests.recv() => {
                // Replaced (or the loop ended: `None` stops the worker).
                next = newer;
                None
            }
        };
        if let Some(result) = done {
            let action = result.unwrap_or_else(|why| with_reason(on_failure, why));
            if answers.send(action).await.is_err() {
                break;
            }
            next = requests.recv().await;
        }
    }
    if let Some(f) = fetcher {
        Box::pin(f.stop()).await;
    }
}

/// `failed` (an answer of the job's kind) carrying `why`.
fn with_reason(failed: Action, why: String) -> Action {
    match failed {
        Action::Followed { id, .. } => Action::Followed {
            id,
            result: Err(why),
        },
        Action::GroupLens { id, .. } => Action::GroupLens {
            id,
            result: Err(why),
        },
        Action::ConsumedBy { id, .. } => Action::ConsumedBy {
            id,
            result: Err(why),
        },
        Action::Fetched { id, .. } => Action::Fetched {
            id,
            result: Err(why),
        },
        other => other,
    }
}
