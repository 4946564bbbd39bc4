use std::sync::Arc;
use std::time::Duration;

use chrono::{Local, TimeZone};

use super::*;
use rmq_model::message::{Completion, Draft, Failure, Mode, Outcome, Receipt, SendStatus};

fn settings(dir: &std::path::Path, max_bytes: u64, keep: usize) -> Settings {
    Settings {
        dir: dir.to_path_buf(),
        max_bytes,
        keep,
    }
}

fn draft(body: &[u8]) -> Arc<Draft> {
    Arc::new(Draft {
        kind: Default::default(),
        topic: "orders".into(),
        tag: Some("paid".into()),
        keys: vec!["o-1".into(), "u-9".into()],
        properties: vec![("region".into(), "eu".into()), ("b".into(), "2".into())],
        body: body.to_vec(),
    })
}

fn entry(seq: u64, mode: Mode, outcome: Outcome, body: &[u8]) -> Entry {
    let at = Local.timestamp_millis_opt(1_795_000_000_250).unwrap();
    Entry {
        completion: Completion {
            seq,
            mode,
            outcome,
            submitted_at: at,
            completed_at: at + chrono::Duration::microseconds(1500),
            latency: Duration::from_micros(1500),
        },
        draft: Some(draft(body)),
        profile: "staging".into(),
        options: Options {
            send_timeout_ms: 3000,
            retry_times: 2,
            async_inflight: 128,
        },
        source: None,
        tx: None,
    }
}

fn receipt() -> Receipt {
    Receipt {
        status: SendStatus::SendOk,
        msg_id: "7F0000010001".into(),
        offset_msg_id: "7F00000100002A9F".into(),
        broker: "broker-a".into(),
        queue_id: 3,
        queue_offset: 75012,
        transaction_id: None,
        region_id: None,
    }
}

#[test]
fn records_round_trip_with_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::start(settings(dir.path(), DEFAULT_MAX_BYTES, DEFAULT_KEEP));
    let mut replayed = entry(3, Mode::Sync, Outcome::Dispatched, b"x");
    replayed.source = Some("abc-1".into());
    replayed.completion.mode = Mode::Oneway;
    let entries = [
        entry(
            1,
            Mode::Sync,
            Outcome::Acknowledged(receipt()),
            "héllo".as_bytes(),
        ),
        entry(
            2,
            Mode::Async,
            Outcome::Failed(Failure {
                reason: "no permission".into(),
                code: Some(16),
            }),
            &[0xff, 0x00, 0x80],
        ),
        replayed,
    ];
    for e in &entries {
        j.record(e.clone());
    }
    let ids: Vec<String> = (1..=3).map(|s| j.id_for(s)).collect();
    assert!(j.close().is_empty());
    let read = read_dir(dir.path()).unwrap();
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(read.records.len(), 3);
    let [a, b, c] = &read.records[..] else {
        unreachable!()
    };
    assert_eq!(
        [&a.id, &b.id, &c.id],
        [&ids[0], &ids[1], &ids[2]],
        "ids as the writer promised"
    );
    assert_eq!(a.draft(), *draft("héllo".as_bytes()));
    assert_eq!(a.body.as_deref(), Some("héllo"));
    assert_eq!(a.profile, "staging");
    assert_eq!(a.state, "acknowledged");
    assert_eq!(a.msg_id.as_deref(), Some("7F0000010001"));
    assert_eq!((a.queue_id, a.queue_offset), (Some(3), Some(75012)));
    assert_eq!(a.options.send_timeout_ms, 3000);
    assert!(a.callback_at.is_none() && a.succeeded());
    // Not UTF-8: kept as base64, read back as the same bytes.
    assert_eq!(b.body, None);
    assert_eq!(b.body_base64.as_deref(), Some("/wCA"));
    assert_eq!(b.draft().body, vec![0xff, 0x00, 0x80]);
    assert_eq!(
        (b.error.as_deref(), b.broker_code),
        (Some("no permission"), Some(16))
    );
    assert_eq!(b.callback_at.as_deref(), Some(b.completed_at.as_str()));
    assert!(!b.succeeded());
    assert_eq!(c.source.as_deref(), Some("abc-1"));
    assert_eq!(a.kind, None, "a normal message has no type field");
    assert_eq!((c.mode, c.state.as_str()), (Mode::Oneway, "dispatched"));
    // Files only the operator can read.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file_path(dir.path(), 0)), 0o600);
}

#[test]
fn a_message_type_round_trips_in_the_composers_syntax() {
    use rmq_model::message::{Delay, MessageType, TxChoice};
    let at = chrono::DateTime::parse_from_rfc3339("2099-01-02T03:04:05.678Z")
        .unwrap()
        .to_utc();
    for (kind, text) in [
        (
            MessageType::Fifo {
                sharding_key: "order-1".into(),
            },
            "fifo order-1",
        ),
        (MessageType::Delayed(Delay::Level(3)), "delay 3"),
        (
            MessageType::Delayed(Delay::In(Duration::from_millis(1500))),
            "delay 1500ms",
        ),
        (
            MessageType::Delayed(Delay::At(at)),
            "delay at 2099-01-02T03:04:05.678+00:00",
        ),
        (MessageType::Transaction { decide: None }, "tx"),
        (
            MessageType::Transaction {
                decide: Some(TxChoice::Rollback),
            },
            "tx rollback",
        ),
    ] {
        let mut e = entry(1, Mode::Sync, Outcome::Dispatched, b"x");
        let mut d = (*e.draft.take().unwrap()).clone();
        d.kind = kind.clone();
        e.draft = Some(Arc::new(d));
        let r = Record::from_entry(&e, "x".into());
        assert_eq!(r.kind.as_deref(), Some(text));
        let back: Record = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back.draft().kind, kind, "{text}");
    }
    // A batch member is one message: no type, the batch's size kept.
    let mut e = entry(1, Mode::Sync, Outcome::Dispatched, b"x");
    let mut d = (*e.draft.take().unwrap()).clone();
    d.kind = MessageType::Batch { size: 5 };
    e.draft = Some(Arc::new(d));
    let r = Record::from_entry(&e, "x".into());
    assert_eq!((r.kind.as_deref(), r.batch), (None, Some(5)));
    assert_eq!(r.draft().kind, MessageType::Normal);
}

#[test]
fn the_directory_is_created_private() {
    let dir = tempfile::tempdir().unwrap();
    let jdir = dir.path().join("state/journal");
    let j = Journal::start(settings(&jdir, DEFAULT_MAX_BYTES, DEFAULT_KEEP));
    j.record(entry(1, Mode::Sync, Outcome::Dispatched, b"x"));
    assert!(j.close().is_empty());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&jdir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn a_torn_last_line_is_skipped_with_a_warning_and_writing_goes_on_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::start(settings(dir.path(), DEFAULT_MAX_BYTES, DEFAULT_KEEP));
    j.record(entry(1, Mode::Sync, Outcome::Dispatched, b"one"));
    j.flush().unwrap();
    // A crash in the middle of a write: half a record, no newline.
    let path = file_path(dir.path(), 0);
    let whole = std::fs::read(&path).unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, &whole[..whole.len() / 2]).unwrap();
    drop(f);
    let read = read_dir(dir.path()).unwrap();
    assert_eq!(read.records.len(), 1);
    assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
    let w = &read.warnings[0];
    assert!(
        w.starts_with(&format!("{}:2: skipped:", path.display())),
        "names file and line: {w}"
    );
    // The next write starts on a line of its own: only the torn one is lost.
    j.record(entry(2, Mode::Sync, Outcome::Dispatched, b"two"));
    assert!(j.close().is_empty());
    let read = read_dir(dir.path()).unwrap();
    let seqs: Vec<u64> = read.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(read.warnings.len(), 1);
}

#[test]
fn rotation_keeps_files_under_the_limit_and_drops_the_oldest() {
    let dir = tempfile::tempdir().unwrap();
    let line_len = {
        let r = Record::from_entry(
            &entry(1, Mode::Sync, Outcome::Dispatched, b"0123456789"),
            "x".into(),
        );
        serde_json::to_vec(&r).unwrap().len() as u64 + 1
    };
    // Room for three records of this size per file (ids grow a little).
    let max = line_len * 3 + 40;
    let j = Journal::start(settings(dir.path(), max, 2));
    for seq in 1..=20 {
        j.record(entry(seq, Mode::Sync, Outcome::Dispatched, b"0123456789"));
        if seq % 4 == 0 {
            j.flush().unwrap();
        }
    }
    assert!(j.close().is_empty());
    let names = jsonl_names(dir.path());
    assert_eq!(
        names,
        ["journal.1.jsonl", "journal.2.jsonl", "journal.jsonl"]
    );
    for n in &names {
        let len = std::fs::metadata(dir.path().join(n)).unwrap().len();
        assert!(len <= max, "{n}: {len} > {max}");
    }
    let read = read_dir(dir.path()).unwrap();
    assert!(read.warnings.is_empty());
    let seqs: Vec<u64> = read.records.iter().map(|r| r.seq).collect();
    // The newest records, in order, with nothing missing in between.
    assert_eq!(*seqs.last().unwrap(), 20);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    assert!(seqs.len() >= 7 && seqs.len() <= 9, "{seqs:?}");
}

#[test]
fn an_unwritable_location_is_a_problem_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the directory should be.
    let blocker = dir.path().join("journal");
    std::fs::write(&blocker, "").unwrap();
    let j = Journal::start(settings(
        &blocker.join("sub"),
        DEFAULT_MAX_BYTES,
        DEFAULT_KEEP,
    ));
    j.record(entry(1, Mode::Sync, Outcome::Dispatched, b"x"));
    assert!(j.flush().is_err(), "the flush says it could not write");
    let p = j.problem().expect("a problem is reported");
    assert!(
        p.contains("cannot create") && p.contains("sending goes on"),
        "{p}"
    );
    j.record(entry(2, Mode::Sync, Outcome::Dispatched, b"x"));
    // Reported once, not per record; the close counts what was lost.
    let left = j.close();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].starts_with("journal: 2 record(s) were not written (journal: cannot create"),
        "{left:?}"
    );
}

/// Env var that turns `child_writer` into a writer process.
const CHILD_ENV: &str = "RMQ_CONSOLE_JOURNAL_CHILD";

/// Not a test on its own: the body of each process of
/// `two_processes_never_interleave`.
#[test]
fn child_writer() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let j = Journal::start(settings(std::path::Path::new(&dir), 64 * 1024, 1000));
    for seq in 1..=3000 {
        // Bodies of different lengths so a torn or mixed line would show.
        let body = "b".repeat((seq as usize * 7) % 300 + 1);
        j.record(entry(
            seq,
            Mode::Async,
            Outcome::Dispatched,
            body.as_bytes(),
        ));
        if seq % 50 == 0 {
            j.flush().unwrap();
        }
    }
    assert!(j.close().is_empty());
}

#[test]
fn two_processes_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let spawn = || {
        std::process::Command::new(&exe)
            .args(["--exact", "tests::child_writer", "--nocapture"])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let read = read_dir(dir.path()).unwrap();
    assert!(
        read.warnings.is_empty(),
        "{:?}",
        &read.warnings[..3.min(read.warnings.len())]
    );
    assert_eq!(read.records.len(), 6000, "every record readable and whole");
    let mut by_session: std::collections::HashMap<String, Vec<u64>> = Default::default();
    for r in &read.records {
        let (session, seq) = r.id.rsplit_once('-').unwrap();
        assert_eq!(seq.parse::<u64>().unwrap(), r.seq);
        assert_eq!(
            r.body.as_ref().unwrap().len(),
            (r.seq as usize * 7) % 300 + 1
        );
        by_session.entry(session.into()).or_default().push(r.seq);
    }
    assert_eq!(by_session.len(), 2);
    for seqs in by_session.values() {
        assert_eq!(
            *seqs,
            (1..=3000).collect::<Vec<u64>>(),
            "each writer's own order"
        );
    }
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(files > 3, "rotated under contention too ({files} files)");
}

/// Not run by default: the on-disk size of a 100,000-message journal of
/// records shaped like `bench`'s (128-byte body, acknowledged, the same
/// fields a real send fills), through the real writer with the default
/// rotation. `cargo test --lib journal::tests::size_of_a_100k_journal -- --ignored --nocapture`
#[test]
#[ignore]
fn size_of_a_100k_journal() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::start(settings(dir.path(), DEFAULT_MAX_BYTES, DEFAULT_KEEP));
    let mut e = entry(
        1,
        Mode::Sync,
        Outcome::Acknowledged(receipt()),
        &[b'x'; 128],
    );
    e.draft = Some(Arc::new(Draft {
        kind: Default::default(),
        topic: "rmq-console-bench".into(),
        tag: Some("bench".into()),
        keys: vec![],
        properties: vec![],
        body: vec![b'x'; 128],
    }));
    e.profile = "sandbox".into();
    let Outcome::Acknowledged(r) = &mut e.completion.outcome else {
        unreachable!()
    };
    r.msg_id = "134F43B6723AAC4C820C7EE75BB60000".into();
    r.offset_msg_id = "7F000001000088B10000000000000000".into();
    for seq in 1..=100_000u64 {
        let mut e = e.clone();
        e.completion.seq = seq;
        e.completion.latency = Duration::from_nanos(118_764_719 + seq);
        j.record(e);
        // Sends complete at the broker's pace; a loop outruns any writer.
        if seq % 10_000 == 0 {
            j.flush().unwrap();
        }
    }
    assert!(j.close().is_empty());
    let mut total = 0;
    for f in std::fs::read_dir(dir.path()).unwrap() {
        let f = f.unwrap();
        let len = f.metadata().unwrap().len();
        println!("{} {len}", f.file_name().to_string_lossy());
        total += len;
    }
    let read = read_dir(dir.path()).unwrap();
    println!(
        "100000 records: {total} bytes on disk, {} readable",
        read.records.len()
    );
    assert_eq!(read.records.len(), 100_000);
}

/// Env var that turns `lock_holder` into a process holding a journal lock.
const HOLDER_ENV: &str = "RMQ_CONSOLE_JOURNAL_LOCK_HOLDER";

/// Not a test on its own: the body of the process that holds the lock in
/// `a_lock_held_by_another_process_never_blocks_the_writer`. Takes an
/// exclusive `flock` on the file named by `HOLDER_ENV`, says `locked` on
/// stdout, and holds it until its stdin closes.
#[test]
fn lock_holder() {
    let Ok(path) = std::env::var(HOLDER_ENV) else {
        return;
    };
    use std::os::fd::AsRawFd;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap();
    // SAFETY: flock on a file descriptor owned for the call's length.
    assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) }, 0);
    println!("locked");
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut rest).unwrap();
    drop(f);
}

/// Another process holding the lock: it has said so on its stdout, and
/// lets go when its stdin closes (`release`). Its stdout is kept open to
/// the end: the test harness in it still has lines to print.
struct Holder(
    std::process::Child,
    std::io::BufReader<std::process::ChildStdout>,
);

impl Holder {
    fn take(lock: &std::path::Path) -> Holder {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "tests::lock_holder", "--nocapture"])
            .env(HOLDER_ENV, lock)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while out.read_line(&mut line).unwrap() > 0 {
            if line.trim_end() == "locked" {
                return Holder(child, out);
            }
            line.clear();
        }
        let status = child.wait().unwrap();
        panic!("the lock holder ended without taking the lock ({status})");
    }

    fn release(mut self) {
        drop(self.0.stdin.take());
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.1, &mut rest).unwrap();
        assert!(self.0.wait().unwrap().success(), "{rest}");
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_lock_held_by_another_process_never_blocks_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let holder = Holder::take(&dir.path().join(LOCK_NAME));

    // Closing with the lock held elsewhere: bounded, and says what is lost.
    let j = Journal::start(settings(dir.path(), DEFAULT_MAX_BYTES, DEFAULT_KEEP));
    for seq in 1..=5 {
        j.record(entry(seq, Mode::Sync, Outcome::Dispatched, b"x"));
    }
    let t = std::time::Instant::now();
    let left = j.close();
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "close took {:?}",
        t.elapsed()
    );
    assert!(
        left.iter()
            .any(|p| p.contains("journal locked by another process")),
        "{left:?}"
    );
    assert!(
        left.last().is_some_and(|p| p.starts_with(
            "journal: 5 record(s) were not written (journal locked by another process"
        )),
        "{left:?}"
    );

    // A flush is answered within its bound, the batch kept and reported;
    // once the lock is free everything kept is written, in order.
    let j = Journal::start(settings(dir.path(), DEFAULT_MAX_BYTES, DEFAULT_KEEP));
    for seq in 1..=3 {
        j.record(entry(seq, Mode::Sync, Outcome::Dispatched, b"x"));
    }
    let t = std::time::Instant::now();
    let why = j.flush().expect_err("not written while locked");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(why.contains("3 record(s) waiting"), "{why}");
    let p = j.problem().expect("the wait is reported");
    assert!(
        p.starts_with("journal locked by another process") && p.contains("3 record(s) waiting"),
        "{p}"
    );
    assert_eq!(j.unwritten(), 3);
    holder.release();
    for seq in 4..=5 {
        j.record(entry(seq, Mode::Sync, Outcome::Dispatched, b"x"));
    }
    j.flush().unwrap();
    assert_eq!(j.unwritten(), 0);
    let left = j.close();
    assert!(left.iter().all(|p| !p.contains("not written")), "{left:?}");
    let read = read_dir(dir.path()).unwrap();
    let seqs: Vec<u64> = read.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
}

/// A `keep` far past the files there are costs nothing: rotation works from
/// the files that exist (counting to it once spun for hours, lock held).
#[test]
fn rotation_with_a_huge_keep_finishes_and_keeps_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // On a thread of its own, so a writer that never ends fails the test
    // instead of hanging it.
    std::thread::spawn(move || {
        let j = Journal::start(settings(&path, 1, 1_000_000_000_000));
        for seq in 1..=3 {
            j.record(entry(seq, Mode::Sync, Outcome::Dispatched, b"x"));
            let _ = j.flush();
        }
        let _ = done_tx.send(j.close());
    });
    let left = done_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the journal closes");
    assert!(left.is_empty(), "{left:?}");
    let names = jsonl_names(dir.path());
    assert_eq!(
        names,
        ["journal.1.jsonl", "journal.2.jsonl", "journal.jsonl"]
    );
    let read = read_dir(dir.path()).unwrap();
    let seqs: Vec<u64> = read.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [1, 2, 3], "one record a file, oldest first");
}

/// The journal files in `dir`, sorted by name.
fn jsonl_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".jsonl"))
        .collect();
    names.sort();
    names
}
