//! The comparison as an SVG for slides (`s` in the compare view, `bench
//! --svg FILE`): what was compared, the table with what each figure
//! measures, each mode's latency histogram over the same buckets on one
//! count axis, and the timeline of the run, drawn with plotters' SVG
//! backend. Pure: the caller writes the text where it belongs.

use anyhow::{Context, Result, anyhow};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use rmq_engine::compare::{self, CompareSpec, ModeResult};
use rmq_engine::ledger::fmt_latency;
use rmq_engine::timeline::{End, Mark, Timeline};
use rmq_model::message::Mode;

const W: u32 = 1200;
const H: u32 = 1000;
const TEXT: RGBColor = RGBColor(20, 20, 20);
const MUTED: RGBColor = RGBColor(100, 100, 100);
const FAIL: RGBColor = RGBColor(214, 39, 40);
/// Rows for bars in a timeline lane; more at once and the lane draws
/// columns (in flight per column) instead.
const LANE_ROWS: usize = 20;
/// Columns of a lane drawn as columns.
const LANE_COLUMNS: usize = 540;

/// Each mode's colour (one series per mode, the same in every part).
pub fn colour(mode: Mode) -> RGBColor {
    match mode {
        Mode::Sync => RGBColor(31, 119, 180),
        Mode::Async => RGBColor(255, 127, 14),
        Mode::Oneway => RGBColor(44, 160, 44),
    }
}

/// The whole picture. `timeline` is the run's (marked when it started);
/// without a marked run the timeline part says there is none.
pub fn comparison_svg(
    spec: &CompareSpec,
    rows: &[ModeResult],
    timeline: &Timeline,
) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (W, H)).into_drawing_area();
        draw(&root, spec, rows, timeline).map_err(|e| anyhow!("drawing the comparison: {e}"))?;
        root.present()
            .map_err(|e| anyhow!("writing the comparison's SVG: {e}"))?;
    }
    Ok(keep_spaces(&out))
}

/// The table lines up by spaces, which SVG collapses unless told to keep
/// them; plotters puts each text between line breaks, which would then
/// show as a space, so those go.
fn keep_spaces(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() + 32);
    for (i, part) in svg.split("<text ").enumerate() {
        let mut part = part;
        if i > 0 {
            out.push_str("<text ");
            if let Some(p) = part.find(">\n") {
                out.push_str(&part[..=p]);
                part = &part[p + 2..];
            }
        }
        out.push_str(part);
    }
    out.replace("\n</text>", "</text>")
        .replacen("<svg ", "<svg xml:space=\"preserve\" ", 1)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn font(size: u32, colour: RGBColor) -> TextStyle<'static> {
    ("monospace", size).into_font().color(&colour)
}

fn draw(root: &Area, spec: &CompareSpec, rows: &[ModeResult], tl: &Timeline) -> Drawn {
    root.fill(&WHITE)?;
    root.draw(&Text::new(
        "The three transmission modes compared",
        (20, 14),
        font(22, TEXT),
    ))?;
    root.draw(&Text::new(spec.header(), (20, 44), font(15, MUTED)))?;
    let mut y = 74;
    let table = compare::table_body(rows);
    for (i, line) in table.lines().enumerate() {
        let colour = rows
            .get(i.wrapping_sub(1))
            .filter(|_| i > 0)
            .map_or(TEXT, |r| self::colour(r.mode));
        root.draw(&Text::new(line.to_string(), (20, y), font(14, colour)))?;
        y += 18;
    }
    for r in rows {
        root.draw(&Text::new(
            format!("{:<7}{}", r.mode.as_str(), compare::meaning(r.mode, spec)),
            (20, y),
            font(14, MUTED),
        ))?;
        y += 18;
    }
    histograms(root, rows, y + 14)?;
    timeline(root, tl, 620)
}

/// One horizontal bar chart per mode over the same buckets and one count
/// axis, each non-empty bucket labelled with its count.
fn histograms(root: &Area, rows: &[ModeResult], top_y: i32) -> Drawn {
    let buckets = compare::shared_buckets(rows, 16);
    let counts: Vec<Vec<u64>> = rows
        .iter()
        .map(|r| compare::bucket_counts(&r.counts.latency, &buckets))
        .collect();
    let top = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let panel_w = (W as i32 - 40) / 3;
    let row_h = 18;
    for (i, r) in rows.iter().enumerate() {
        let x0 = 20 + i as i32 * panel_w;
        let c = colour(r.mode);
        root.draw(&Text::new(
            format!("{} latency", r.mode.label()),
            (x0, top_y),
            font(15, c),
        ))?;
        for (k, (b, n)) in buckets.iter().zip(&counts[i]).enumerate() {
            let y = top_y + 24 + k as i32 * row_h;
            root.draw(&Text::new(
                format!("{:>7}", b.label()),
                (x0, y + 2),
                font(12, MUTED),
            ))?;
            let bar_x = x0 + 70;
            let len = ((*n as f64 / top as f64) * f64::from(panel_w - 130)).round() as i32;
            if *n > 0 {
                root.draw(&Rectangle::new(
                    [(bar_x, y), (bar_x + len.max(1), y + row_h - 4)],
                    c.filled(),
                ))?;
                root.draw(&Text::new(
                    n.to_string(),
                    (bar_x + len.max(1) + 4, y + 2),
                    font(12, c),
                ))?;
            }
        }
    }
    Ok(())
}

/// The run in time: a lane per mode, each send a bar from submit to its end
/// (a failure ends in the failure colour; one-way is a tick), or in flight
/// per column when they do not fit a row each.
fn timeline(root: &Area, tl: &Timeline, top_y: i32) -> Drawn {
    root.draw(&Text::new(
        "Timeline: each send from submit to its end",
        (20, top_y),
        font(15, TEXT),
    ))?;
    let Some(run) = tl.run().filter(|r| r.last > r.origin) else {
        root.draw(&Text::new(
            "no run to draw",
            (20, top_y + 24),
            font(13, MUTED),
        ))?;
        return Ok(());
    };
    let (from, to) = (run.origin, run.last);
    let (x0, x1) = (120, W as i32 - 20);
    let lane_h = 100;
    let x = |t: i64| x0 + (((t - from) as f64 / (to - from) as f64) * f64::from(x1 - x0)) as i32;
    let col_us = (to - from) as f64 / LANE_COLUMNS as f64;
    let levels: Vec<Vec<(f64, bool)>> = Mode::ALL
        .iter()
        .map(|&m| {
            tl.columns(m, from, to, LANE_COLUMNS)
                .iter()
                .map(|t| (t.level(m, col_us), t.failed > 0))
                .collect()
        })
        .collect();
    let peak = |oneway: bool| {
        Mode::ALL
            .iter()
            .zip(&levels)
            .filter(|(m, _)| (**m == Mode::Oneway) == oneway)
            .flat_map(|(_, l)| l.iter().map(|(n, _)| *n))
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE)
    };
    for (i, &mode) in Mode::ALL.iter().enumerate() {
        let y0 = top_y + 26 + i as i32 * (lane_h + 10);
        let c = colour(mode);
        root.draw(&Text::new(mode.label(), (20, y0), font(14, c)))?;
        root.draw(&PathElement::new(
            vec![(x0, y0 + lane_h), (x1, y0 + lane_h)],
            MUTED,
        ))?;
        let marks = if tl.complete_since(from) {
            tl.spans(mode, from, to)
        } else {
            Vec::new()
        };
        match rows(&marks, &x) {
            Some(assigned) if !marks.is_empty() => {
                root.draw(&Text::new(
                    format!("{} sent", marks.len()),
                    (20, y0 + 20),
                    font(12, MUTED),
                ))?;
                let row_h = lane_h / LANE_ROWS as i32;
                for (m, row) in marks.iter().zip(assigned) {
                    bar(root, m, &x, y0 + row as i32 * row_h, row_h, c)?;
                }
            }
            _ => {
                let oneway = mode == Mode::Oneway;
                let scale = peak(oneway);
                let own = levels[i].iter().map(|(n, _)| *n).fold(0.0, f64::max);
                let label = if oneway {
                    format!("≤{own:.0} sent/col")
                } else {
                    format!("≤{own:.1} in flight")
                };
                root.draw(&Text::new(label, (20, y0 + 20), font(12, MUTED)))?;
                let w = (x1 - x0) as f64 / LANE_COLUMNS as f64;
                for (k, (n, failed)) in levels[i].iter().enumerate() {
                    if *n <= 0.0 {
                        continue;
                    }
                    let h = ((n / scale) * f64::from(lane_h)).ceil().max(1.0) as i32;
                    let cx = x0 + (k as f64 * w) as i32;
                    let fill = if *failed { FAIL } else { c };
                    root.draw(&Rectangle::new(
                        [(cx, y0 + lane_h - h), (cx + w.ceil() as i32, y0 + lane_h)],
                        fill.filled(),
                    ))?;
                }
            }
        }
    }
    let axis_y = top_y + 26 + 3 * (lane_h + 10);
    let total = fmt_latency(std::time::Duration::from_micros((to - from) as u64));
    root.draw(&Text::new("0", (x0, axis_y), font(12, MUTED)))?;
    root.draw(&Text::new(
        total,
        (x1, axis_y),
        font(12, MUTED).pos(Pos::new(HPos::Right, VPos::Top)),
    ))?;
    Ok(())
}

/// A row per send, none overlapping on its row, or `None` when the lane
/// has too few rows.
fn rows(marks: &[Mark], x: &impl Fn(i64) -> i32) -> Option<Vec<usize>> {
    let mut free_from: Vec<Option<i32>> = vec![None; LANE_ROWS];
    let mut last = LANE_ROWS - 1;
    let mut out = Vec::with_capacity(marks.len());
    for m in marks {
        let a = x(m.start);
        let b = m.end.map_or(a, |(e, _)| x(e).max(a)) + 2;
        let row = (1..=LANE_ROWS)
            .map(|k| (last + k) % LANE_ROWS)
            .find(|&r| free_from[r].is_none_or(|f| f < a))?;
        free_from[row] = Some(b);
        last = row;
        out.push(row);
    }
    Some(out)
}

fn bar(root: &Area, m: &Mark, x: &impl Fn(i64) -> i32, y: i32, h: i32, c: RGBColor) -> Drawn {
    let a = x(m.start);
    let (end, how) = m.end.unwrap_or((m.start, End::Ok));
    let b = x(end).max(a + 1);
    match how {
        End::Dispatched => root.draw(&Rectangle::new([(a, y), (a + 1, y + h)], c.filled())),
        End::Failed => root.draw(&Rectangle::new([(a, y + 1), (b, y + h - 1)], FAIL.filled())),
        End::Ok => root.draw(&Rectangle::new([(a, y + 1), (b, y + h - 1)], c.filled())),
    }
}

/// Writes `svg` to `path` whole (a temporary file renamed over it).
pub fn write(path: &std::path::Path, svg: &str) -> Result<()> {
    rmq_model::fsutil::write_atomic(path, svg.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
#[path = "chart_tests.rs"]
mod tests;
