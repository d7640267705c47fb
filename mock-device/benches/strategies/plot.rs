//! BENCHMARKS.svg: wall time against N on log scales, one panel per latency, one line per
//! strategy, the ideal of a pool dashed. BENCHMARKS-aaa.svg: the AAA sweep, wall time and
//! devices failed against the pool size, the AAA server's capacity marked.

use std::path::Path;

use anyhow::{Result, anyhow};

use crate::aaa::{AAA_CAPACITY, AAA_DEVICES, AaaSweep};
use crate::config::{Config, Job};
use crate::markdown::find;
use crate::run::Row;
use crate::{POOL_WORKERS, STRATEGIES};

/// One colour per strategy, in the order of [`STRATEGIES`] (Tableau 10).
pub const COLORS: [(u8, u8, u8); 9] = [
    (127, 127, 127),
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (23, 190, 207),
];

pub fn plot(path: &Path, config: &Config, rows: &[Row]) -> Result<()> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    let panels = config.latencies.len().max(1);
    let root = SVGBackend::new(path, (560 * panels as u32, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let (title, body) = root.split_vertically(40);
    title
        .titled(
            "Wall time against devices (median, log scales)",
            ("sans-serif", 26),
        )
        .map_err(|e| anyhow!("{e}"))?;
    let n_min = config.ns.iter().copied().min().unwrap_or(10) as f64;
    let n_max = config.ns.iter().copied().max().unwrap_or(1000) as f64;
    let x_range = (n_min / 1.3)..(n_max * 1.3);
    for (area, &latency) in body.split_evenly((1, panels)).iter().zip(&config.latencies) {
        let walls: Vec<f64> = rows
            .iter()
            .filter(|r| r.job.latency == latency)
            .filter_map(|r| match r.skipped {
                Some(_) => Some(r.job.ideal().as_secs_f64()),
                None => r.wall(),
            })
            .collect();
        // Whole decades, so every power of ten on the axis has a label.
        let (lo, hi) = if walls.is_empty() {
            (0.01, 10.0)
        } else {
            let lo = walls.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = walls.iter().copied().fold(0.0, f64::max);
            (
                // A hair below the decade, or rounding hides its label.
                10f64.powf((lo / 1.2).log10().floor()) * 0.999,
                10f64.powf((hi * 1.2).log10().ceil()) * 1.001,
            )
        };
        let caption = if latency.is_zero() {
            "latency 0".to_string()
        } else {
            format!("latency {}", humantime::format_duration(latency))
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range.clone().log_scale(), (lo..hi).log_scale())
            .map_err(|e| anyhow!("{e}"))?;
        chart
            .configure_mesh()
            .x_desc("devices N")
            .y_desc("wall time (s)")
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 14))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| {
                let decimals = (-y.log10()).ceil().max(0.0) as usize;
                format!("{y:.decimals$}")
            })
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        if !latency.is_zero() {
            let ideal: Vec<(f64, f64)> = config
                .ns
                .iter()
                .map(|&n| {
                    let w = n.min(POOL_WORKERS);
                    (n as f64, latency.as_secs_f64() * n.div_ceil(w) as f64)
                })
                .filter(|&(_, y)| y >= lo && y <= hi)
                .collect();
            chart
                .draw_series(DashedLineSeries::new(
                    ideal,
                    6,
                    4,
                    BLACK.mix(0.6).stroke_width(1),
                ))
                .map_err(|e| anyhow!("{e}"))?
                .label(format!("ideal, pool of {POOL_WORKERS}"))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.6)));
        }
        for (i, s) in STRATEGIES.iter().enumerate() {
            let (r, g, b) = COLORS[i % COLORS.len()];
            let color = RGBColor(r, g, b);
            let points: Vec<(f64, f64)> = config
                .ns
                .iter()
                .filter_map(|&n| {
                    let w = Job::workers_for(s.kind, n, POOL_WORKERS);
                    let wall = find(rows, n, latency, i, w)?.wall()?;
                    Some((n as f64, wall))
                })
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(|e| anyhow!("{e}"))?
                .label(s.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| anyhow!("{e}"))?;
            // A row not run (serial, 1000 devices at 1 s): its ideal, hollow, dashed.
            for row in rows
                .iter()
                .filter(|r| r.job.latency == latency && r.job.strategy == i && r.skipped.is_some())
            {
                let at = (row.job.n as f64, row.job.ideal().as_secs_f64());
                if let Some(&last) = points.last() {
                    chart
                        .draw_series(DashedLineSeries::new(
                            vec![last, at],
                            6,
                            4,
                            color.stroke_width(1),
                        ))
                        .map_err(|e| anyhow!("{e}"))?;
                }
                chart
                    .draw_series(std::iter::once(Circle::new(at, 4, color.stroke_width(2))))
                    .map_err(|e| anyhow!("{e}"))?;
                let style = TextStyle::from(("sans-serif", 14).into_font())
                    .color(&color)
                    .pos(Pos::new(HPos::Right, VPos::Center));
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{}: not run, ideal {:.0} s", s.name, at.1),
                        (at.0 / 1.15, at.1),
                        style,
                    )))
                    .map_err(|e| anyhow!("{e}"))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
    }
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

/// The AAA sweep: wall time (left axis, log) and devices failed (right axis) against the
/// pool size (log 2), a vertical line at the AAA server's capacity; the row with retries, if
/// any, as hollow marks at its W.
pub fn plot_aaa(path: &Path, sweep: &AaaSweep) -> Result<()> {
    use plotters::prelude::*;

    let plain: Vec<_> = sweep.rows.iter().filter(|r| !r.retries).collect();
    let walls: Vec<(f64, f64)> = plain
        .iter()
        .filter_map(|r| Some((r.job.workers as f64, r.wall()?)))
        .collect();
    let failed: Vec<(f64, f64)> = plain
        .iter()
        .filter_map(|r| Some((r.job.workers as f64, r.failed()?)))
        .collect();
    let w_max = plain.iter().map(|r| r.job.workers).max().unwrap_or(128) as f64;
    let hi = walls.iter().map(|p| p.1).fold(0.1, f64::max);
    let lo = walls.iter().map(|p| p.1).fold(hi, f64::min);
    let (lo, hi) = (
        10f64.powf((lo / 1.2).log10().floor()) * 0.999,
        10f64.powf((hi * 1.2).log10().ceil()) * 1.001,
    );

    let root = SVGBackend::new(path, (760, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Thread pool over {AAA_DEVICES} devices behind an AAA server of capacity \
                 {AAA_CAPACITY}"
            ),
            ("sans-serif", 22),
        )
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .right_y_label_area_size(64)
        .build_cartesian_2d((0.8..w_max * 1.25).log_scale(), (lo..hi).log_scale())
        .map_err(|e| anyhow!("{e}"))?
        .set_secondary_coord(
            (0.8..w_max * 1.25).log_scale(),
            0.0..(AAA_DEVICES as f64 * 1.05),
        );
    chart
        .configure_mesh()
        .x_desc("workers W (log scale)")
        .y_desc("wall time (s, log scale)")
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 14))
        .x_labels(10)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| {
            let decimals = (-y.log10()).ceil().max(0.0) as usize;
            format!("{y:.decimals$}")
        })
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    chart
        .configure_secondary_axes()
        .y_desc("devices failed")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| anyhow!("{e}"))?;

    let capacity = AAA_CAPACITY as f64;
    chart
        .draw_series(DashedLineSeries::new(
            vec![(capacity, lo), (capacity, hi)],
            6,
            4,
            BLACK.mix(0.6).stroke_width(1),
        ))
        .map_err(|e| anyhow!("{e}"))?
        .label(format!("AAA capacity ({AAA_CAPACITY} logins at once)"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.6)));

    let (r, g, b) = COLORS[1];
    let blue = RGBColor(r, g, b);
    chart
        .draw_series(LineSeries::new(walls.clone(), blue.stroke_width(2)))
        .map_err(|e| anyhow!("{e}"))?
        .label("wall time (left)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], blue.stroke_width(2)));
    chart
        .draw_series(walls.iter().map(|&p| Circle::new(p, 4, blue.filled())))
        .map_err(|e| anyhow!("{e}"))?;

    let (r, g, b) = COLORS[4];
    let red = RGBColor(r, g, b);
    chart
        .draw_secondary_series(LineSeries::new(failed.clone(), red.stroke_width(2)))
        .map_err(|e| anyhow!("{e}"))?
        .label("devices failed (right)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], red.stroke_width(2)));
    chart
        .draw_secondary_series(
            failed
                .iter()
                .map(|&p| TriangleMarker::new(p, 5, red.filled())),
        )
        .map_err(|e| anyhow!("{e}"))?;

    for row in sweep.rows.iter().filter(|r| r.retries) {
        let x = row.job.workers as f64;
        if let Some(wall) = row.wall() {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (x, wall),
                    6,
                    blue.stroke_width(2),
                )))
                .map_err(|e| anyhow!("{e}"))?
                .label(format!("with {} (hollow)", row.job.extra.join(" ")))
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, blue.stroke_width(2)));
        }
        if let Some(f) = row.failed() {
            chart
                .draw_secondary_series(std::iter::once(TriangleMarker::new(
                    (x, f),
                    6,
                    red.stroke_width(2),
                )))
                .map_err(|e| anyhow!("{e}"))?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperMiddle)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}
