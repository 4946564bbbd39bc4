//! `bench` on the real sandbox: the comparison's table and JSON add up.

use rmq_sandbox::SandboxOptions;

use crate::common::*;

/// One comparison with `--json`, one with the table and histogram: every
/// mode sent its count, `sent = ok + failed + dispatched`, one-way landed
/// no more than it dispatched, and the text shows the same numbers.
#[test]
fn bench_compares_the_modes_and_the_table_adds_up() {
    let sb = start_sandbox(SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let topic = unique("compare");
    let svg_path = home.path().join("compare.svg");
    let out = binary(home.path())
        .args([
            "bench",
            "--namesrv",
            &sb.namesrv_addr,
            "--topic",
            &topic,
            "--count",
            "400",
            "--body-bytes",
            "64",
            "--json",
            "--svg",
            svg_path.to_str().unwrap(),
        ])
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let modes: Vec<&str> = rows.iter().map(|r| r["mode"].as_str().unwrap()).collect();
    assert_eq!(modes, ["sync", "async", "oneway"]);
    for r in &rows {
        let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
        assert_eq!(n("sent"), 400, "{r}");
        assert_eq!(
            n("sent"),
            n("ok") + n("degraded") + n("failed") + n("unresolved") + n("dispatched"),
            "{r}"
        );
        assert!(r["msgs_per_sec"].as_f64().unwrap() > 0.0, "{r}");
        let (p50, p99, max) = (
            r["p50_ms"].as_f64().unwrap(),
            r["p99_ms"].as_f64().unwrap(),
            r["max_ms"].as_f64().unwrap(),
        );
        assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{r}");
        if r["mode"] == "oneway" {
            assert_eq!(n("dispatched"), 400, "{r}");
            let landed = n("landed");
            assert!(0 < landed && landed <= n("dispatched"), "{r}");
        } else {
            assert_eq!(n("ok"), 400, "{r}");
            assert!(r.get("landed").is_none(), "{r}");
        }
    }
    // The SVG of the same run says what the JSON says: its table rows
    // carry the same counts, and each mode's histogram (in the mode's
    // colour) counts every latency once.
    let svg = std::fs::read_to_string(&svg_path).expect("bench --svg wrote the file");
    let doc = roxmltree::Document::parse(&svg).expect("the SVG parses");
    let texts: Vec<(String, Option<&str>)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            (
                n.text().unwrap_or_default().to_string(),
                n.attribute("fill"),
            )
        })
        .collect();
    for r in &rows {
        let mode = r["mode"].as_str().unwrap();
        let sent = r["sent"].as_u64().unwrap();
        let row: Vec<&str> = texts
            .iter()
            // The table's row comes before the line saying what it measures.
            .find(|(t, _)| {
                t.split_whitespace().next().map(|m| m.trim_end_matches('~')) == Some(mode)
            })
            .map(|(t, _)| t.split_whitespace().collect())
            .unwrap_or_else(|| panic!("a table row for {mode} in the SVG"));
        assert_eq!(row[1].replace(',', ""), sent.to_string(), "{row:?} vs {r}");
        let colour = texts
            .iter()
            .find(|(t, _)| t == &format!("{} latency", mode_label(mode)))
            .and_then(|(_, fill)| *fill)
            .expect("the mode's histogram title");
        let counted: u64 = texts
            .iter()
            .filter(|(_, fill)| *fill == Some(colour))
            .filter_map(|(t, _)| t.parse::<u64>().ok())
            .sum();
        assert_eq!(
            counted, sent,
            "{mode}: the histogram counts every send once"
        );
    }

    let out = binary(home.path())
        .args([
            "bench",
            "--namesrv",
            &sb.namesrv_addr,
            "--topic",
            &topic,
            "--count",
            "100",
            "--histogram",
        ])
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    // What was compared, then the column names, then a row per mode.
    assert!(stdout.starts_with("100 × "), "{stdout}");
    let table: Vec<Vec<&str>> = stdout
        .lines()
        .skip(2)
        .take(3)
        .map(|l| l.split_whitespace().collect())
        .collect();
    for (row, mode) in table.iter().zip(["sync", "async", "oneway"]) {
        // `~` marks a paced row.
        assert_eq!(row[0].trim_end_matches('~'), mode, "{stdout}");
        let num = |s: &str| s.parse::<u64>().unwrap_or(0);
        // sent = ok + fail + disp ("-" where a mode has none)
        assert_eq!(num(row[1]), 100, "{stdout}");
        assert_eq!(
            num(row[1]),
            num(row[2]) + num(row[3]) + num(row[4]),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("oneway latency hand-off to the socket"),
        "{stdout}"
    );
    let hist = stdout
        .split("latency histogram")
        .nth(1)
        .expect("a histogram after the table");
    let bars = |mode: &str| -> u64 {
        hist.split(&format!("\n{mode}\n"))
            .nth(1)
            .unwrap()
            .lines()
            .take_while(|l| l.starts_with("  "))
            .map(|l| {
                l.split_whitespace()
                    .last()
                    .unwrap()
                    .replace(',', "")
                    .parse::<u64>()
                    .unwrap()
            })
            .sum()
    };
    for mode in ["sync", "async", "oneway"] {
        assert_eq!(
            bars(mode),
            100,
            "{mode}: every latency in a bucket:\n{hist}"
        );
    }
    sb.stop();
}

/// How the SVG titles a mode's histogram.
fn mode_label(mode: &str) -> &'static str {
    match mode {
        "sync" => "Sync",
        "async" => "Async",
        _ => "One-way",
    }
}
