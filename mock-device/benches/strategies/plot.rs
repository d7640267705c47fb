//! BENCHMARKS.svg: wall time against N on log scales, one panel per latency, one line per
//! strategy, the ideal of a pool dashed.

use std::path::Path;

use anyhow::{Result, anyhow};

use crate::Kind;
use crate::config::Config;
use crate::markdown::find;
use crate::run::Row;
use crate::{POOL_WORKERS, STRATEGIES};

/// One colour per strategy, in the order of [`STRATEGIES`] (Tableau 10).
pub const COLORS: [(u8, u8, u8); 7] = [
    (127, 127, 127),
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
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
                    let w = match s.kind {
                        Kind::Serial => 1,
                        Kind::PerDevice => n,
                        Kind::Pool => n.min(POOL_WORKERS),
                    };
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
