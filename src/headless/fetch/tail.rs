//! `rmq-console tail TOPIC [-n N] [--tag T] [--follow]`: the newest N
//! across the topic's queues by store time, then (following) what arrives,
//! polled every second from the last offsets read until a signal.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use rmq_engine::producer::ProducerSettings;
use rmq_engine::runtime::Runtime;

use super::{finish, print, say, with_fetcher};
use crate::cli::TailArgs;
use crate::signals::Signals;

/// How often a follow asks for new messages.
const POLL: Duration = Duration::from_secs(1);

pub fn tail(
    rt: &Runtime,
    settings: ProducerSettings,
    profile: &str,
    args: TailArgs,
) -> Result<ExitCode> {
    with_fetcher(rt, &settings, profile, "tail", async |fetcher| {
        // Installed before the first read, so a Ctrl-C during it is ours.
        let mut signals = if args.follow {
            Signals::new()?
        } else {
            Signals::none()
        };
        let (mut answer, mut cursor) = match fetcher
            .tail(&args.topic, args.count as usize, args.tag.as_deref())
            .await
        {
            Ok(r) => r,
            Err(e) => {
                say("tail", &format!("{e:#}"));
                return Ok(ExitCode::from(1));
            }
        };
        print(&answer)?;
        if !args.follow {
            return Ok(finish("tail", &answer));
        }
        say(
            "tail",
            &format!("{}; following (Ctrl-C to stop)", answer.summary()),
        );
        loop {
            tokio::select! {
                sig = signals.recv() => {
                    say("tail", &format!("{sig}: stopped following"));
                    break;
                }
                _ = tokio::time::sleep(POLL) => {}
            }
            let new = tokio::select! {
                sig = signals.recv() => {
                    say("tail", &format!("{sig}: stopped following"));
                    break;
                }
                r = fetcher.follow(&mut cursor) => r,
            };
            match new {
                Ok(new) => {
                    print(&new)?;
                    for (b, why) in &new.completeness.refused {
                        say("tail", &format!("{b}: {why}"));
                    }
                    answer.messages.extend(new.messages);
                    answer.completeness.refused.extend(new.completeness.refused);
                    // Said plainly once, in the closing lines.
                    if answer.completeness.denied.is_none() {
                        answer.completeness.denied = new.completeness.denied;
                    }
                }
                Err(e) => say("tail", &format!("{e:#}")),
            }
        }
        answer.completeness.notes.clear();
        Ok(finish("tail", &answer))
    })
}
