//! The bench chart, `target/tz/bench.svg`: per row, ours and upstream as
//! two horizontal bars of guest nanoseconds on a log scale (the rows span
//! from microseconds to seconds), with upstream / ours beside them. Rows
//! named `*-bytes` are sizes, drawn on the same log axis and labelled so.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::bench::{Row, TIMER_WAIT_PREFIX};

const OURS: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const UPSTREAM: RGBColor = RGBColor(0xd6, 0x61, 0x1e);

/// Powers of ten around the smallest and largest figure, one more decade
/// on the right for the ratio labels.
fn range(rows: &[Row]) -> (f64, f64) {
    let values = || rows.iter().flat_map(|r| [r.ours, r.upstream]).flatten().filter(|v| *v > 0.0);
    let min = values().fold(f64::INFINITY, f64::min);
    let max = values().fold(1.0, f64::max);
    let min = if min.is_finite() { min } else { 1.0 };
    (10f64.powf(min.log10().floor()), 10f64.powf(max.log10().ceil() + 1.0))
}

/// The label of a row on the chart.
fn label(r: &Row) -> String {
    match r.name.strip_prefix(TIMER_WAIT_PREFIX) {
        Some(what) => format!("timer wait during {what}"),
        None if r.name.ends_with("-bytes") => format!("{} (bytes, not ns)", r.name),
        None => r.name.clone(),
    }
}

/// Writes the chart of `rows` to `path`.
pub fn write(path: &Path, rows: &[Row]) -> Result<()> {
    let rows: Vec<Row> = rows.iter().filter(|r| r.ours.is_some() || r.upstream.is_some()).cloned().collect();
    let n = rows.len().max(1);
    let (lo, hi) = range(&rows);
    let height = 110 + 34 * n as u32;
    let root = SVGBackend::new(path, (1100, height)).into_drawing_area();
    let err = |e: DrawingAreaErrorKind<_>| anyhow!("plotting: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "cargo xtask bench: guest ns per operation (-icount: 1 ns = 1 instruction; log scale, shorter is faster)",
            ("sans-serif", 16),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(230)
        .build_cartesian_2d((lo..hi).log_scale(), 0f64..n as f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc("guest ns (bytes for the *-bytes rows)")
        .x_label_formatter(&|x| format!("{x:.0e}"))
        .draw()
        .map_err(err)?;
    // Row i from the top: ours in the upper half of its band, upstream below.
    let band = |i: usize| (n - 1 - i) as f64;
    let bars = |value: fn(&Row) -> Option<f64>, top: f64, bottom: f64, color: RGBColor| {
        rows.iter().enumerate().filter_map(move |(i, r)| {
            value(r).map(|v| Rectangle::new([(lo, band(i) + bottom), (v.max(lo), band(i) + top)], color.filled()))
        })
    };
    chart
        .draw_series(bars(|r| r.ours, 0.9, 0.52, OURS))
        .map_err(err)?
        .label("ours")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], OURS.filled()));
    chart
        .draw_series(bars(|r| r.upstream, 0.48, 0.1, UPSTREAM))
        .map_err(err)?
        .label("upstream OP-TEE 4.5 (Debian)")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], UPSTREAM.filled()));
    let ratios = rows.iter().enumerate().filter_map(|(i, r)| match (r.ours, r.upstream) {
        (Some(o), Some(u)) if o > 0.0 => {
            let at = (o.max(u) * 1.3, band(i) + 0.5);
            let style = ("sans-serif", 13).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
            let r = u / o;
            let text = if r < 1.0 { format!("{r:.2}x") } else { format!("{r:.1}x") };
            Some(Text::new(text, at, style))
        }
        _ => None,
    });
    chart.draw_series(ratios).map_err(err)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    // Row names left of the plotting area, in the root's pixels.
    for (i, r) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(lo, band(i) + 0.5));
        let style = ("sans-serif", 13).into_font().color(&BLACK).pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(label(r), (x - 8, y), style)).map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_an_svg_with_every_row() {
        let rows = vec![
            Row { name: "invoke-null".into(), ours: Some(15_000.0), upstream: Some(70_000.0) },
            Row { name: "timer-wait-pbkdf2-256k".into(), ours: Some(900_000.0), upstream: None },
        ];
        let dir = std::env::temp_dir().join(format!("tz-bench-chart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bench.svg");
        write(&path, &rows).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.contains("invoke-null") && svg.contains("timer wait during pbkdf2-256k") && svg.contains("4.7x"));
    }

    #[test]
    fn the_range_covers_every_figure_with_room_for_the_ratios() {
        let rows = [Row { name: "a".into(), ours: Some(1.5e4), upstream: Some(2.5e8) }];
        assert_eq!(range(&rows), (1e4, 1e10));
    }
}
