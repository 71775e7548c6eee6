//! Result curves drawn with plotters, to PNG and SVG: the median of several runs as a line and
//! the band between their quartiles, per query.
//!
//! PNG text is rendered with the DejaVu Sans font embedded in the binary (`xtask/assets/`, with
//! its licence), so no system font library is needed.

use std::path::Path;
use std::sync::Once;

use anyhow::{Context, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

const SIZE: (u32, u32) = (720, 450);
/// Width of each panel of a figure with several.
const PANEL_WIDTH: u32 = 480;
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// A named, coloured series of `(lower quartile, median, upper quartile)` per query 1, 2, ...
pub type Series<'a> = (&'a str, RGBColor, Vec<(f64, f64, f64)>);

/// One chart of a figure: its title and series.
pub type Panel<'a> = (String, Vec<Series<'a>>);

/// Draws `series` against the query index and writes `<stem>.png` and `<stem>.svg`.
/// Non-finite points are left out.
///
/// # Errors
/// Drawing or file errors, naming the file.
pub fn band_plot(
    stem: &Path,
    title: &str,
    y_desc: &str,
    series: &[Series<'_>],
) -> anyhow::Result<()> {
    panel_plot(stem, y_desc, &[(title.to_owned(), series.to_vec())])
}

/// Draws the panels side by side, as [`band_plot`] draws one.
///
/// # Errors
/// Drawing or file errors, naming the file.
pub fn panel_plot(stem: &Path, y_desc: &str, panels: &[Panel<'_>]) -> anyhow::Result<()> {
    static FONT_ONCE: Once = Once::new();
    FONT_ONCE.call_once(|| {
        // the embedded font is valid (checked by the tests); a failure would only lose PNG text
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
    });
    let size = if panels.len() > 1 {
        (PANEL_WIDTH * panels.len() as u32, SIZE.1)
    } else {
        SIZE
    };
    let svg = with_suffix(stem, "svg");
    draw(
        SVGBackend::new(&svg, size).into_drawing_area(),
        y_desc,
        panels,
    )
    .map_err(|e| anyhow!("{e}"))
    .with_context(|| format!("drawing {}", svg.display()))?;
    let mut pixels = vec![0u8; (size.0 * size.1 * 3) as usize];
    draw(
        BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area(),
        y_desc,
        panels,
    )
    .map_err(|e| anyhow!("{e}"))
    .context("drawing the PNG picture")?;
    let png = with_suffix(stem, "png");
    write_png(&png, size, &pixels).with_context(|| format!("writing {}", png.display()))
}

/// `stem.ext`, keeping any dot already in the stem (a setting name such as `alpha_1.0`).
fn with_suffix(stem: &Path, ext: &str) -> std::path::PathBuf {
    let mut name = stem.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    name.into()
}

fn write_png(path: &Path, size: (u32, u32), rgb: &[u8]) -> anyhow::Result<()> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, size.0, size.1);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(())
}

fn y_range(series: &[Series<'_>]) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in series
        .iter()
        .flat_map(|s| s.2.iter().flat_map(|&(a, b, c)| [a, b, c]))
        .filter(|v| v.is_finite())
    {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    y_desc: &str,
    panels: &[Panel<'_>],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    for (area, (title, series)) in root
        .split_evenly((1, panels.len().max(1)))
        .iter()
        .zip(panels)
    {
        draw_chart(area, title, y_desc, series)?;
    }
    root.present()
}

fn draw_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    series: &[Series<'_>],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = series.iter().map(|s| s.2.len()).max().unwrap_or(1).max(2);
    let (lo, hi) = y_range(series);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(1f64..n as f64, lo..hi)?;
    let y_digits = if hi - lo >= 50.0 { 0 } else { 2 };
    chart
        .configure_mesh()
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.y_digits$}"))
        .x_desc("queries")
        .y_desc(y_desc)
        .light_line_style(WHITE)
        .draw()?;
    for (label, color, pts) in series {
        let finite: Vec<(f64, (f64, f64, f64))> = pts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.0.is_finite() && p.1.is_finite() && p.2.is_finite())
            .map(|(i, &p)| ((i + 1) as f64, p))
            .collect();
        if finite.is_empty() {
            continue;
        }
        let finite = corners(&finite);
        let band: Vec<(f64, f64)> = finite
            .iter()
            .map(|&(x, p)| (x, p.2))
            .chain(finite.iter().rev().map(|&(x, p)| (x, p.0)))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))?;
        let color = *color;
        chart
            .draw_series(LineSeries::new(
                finite.iter().map(|&(x, p)| (x, p.1)),
                color.stroke_width(2),
            ))?
            .label(*label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// The points where a curve turns: the first, the last, and every point that differs from a
/// neighbour. Dropped points lie inside runs of equal values, on the segment between the kept
/// ends of their run, so the drawn polyline is the same; a running-best curve over 5,000 queries
/// keeps a few dozen points, and its SVG a few kilobytes instead of hundreds.
fn corners<T: Copy + PartialEq>(points: &[(f64, T)]) -> Vec<(f64, T)> {
    points
        .iter()
        .enumerate()
        .filter(|&(i, p)| {
            i == 0
                || i + 1 == points.len()
                || points[i - 1].1 != p.1
                || points[i + 1].1 != p.1
                // a gap in x (a left-out non-finite point) is a corner too
                || points[i - 1].0 + 1.0 != p.0
                || points[i + 1].0 - 1.0 != p.0
        })
        .map(|(_, &p)| p)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_keep_the_polyline() {
        let values = [5.0, 5.0, 5.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0];
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .map(|(i, &v)| ((i + 1) as f64, v))
            .collect();
        let kept = corners(&points);
        assert_eq!(
            kept,
            vec![
                (1.0, 5.0),
                (3.0, 5.0),
                (4.0, 4.0),
                (5.0, 4.0),
                (6.0, 3.0),
                (9.0, 3.0)
            ]
        );
        // the kept polyline passes through every original point
        for &(x, v) in &points {
            let right = kept.iter().position(|k| k.0 >= x).unwrap();
            let (x1, v1) = kept[right];
            let (x0, v0) = kept[right.saturating_sub(1)];
            let at = if x1 == x0 {
                v1
            } else {
                v0 + (v1 - v0) * (x - x0) / (x1 - x0)
            };
            assert_eq!(at, v, "x = {x}");
        }
        // a gap in x keeps its ends
        let gapped = [(1.0, 2.0), (2.0, 2.0), (4.0, 2.0), (5.0, 2.0), (6.0, 2.0)];
        assert_eq!(
            corners(&gapped),
            vec![(1.0, 2.0), (2.0, 2.0), (4.0, 2.0), (6.0, 2.0)]
        );
    }

    #[test]
    fn writes_a_png_and_an_svg_with_every_drawn_series() {
        let dir = std::env::temp_dir().join(format!("lso-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let stem = dir.join("curve");
        band_plot(
            &stem,
            "a < b",
            "area",
            &[
                (
                    "ours",
                    RGBColor(31, 119, 180),
                    vec![(0.0, 1.0, 2.0), (1.0, 2.0, 3.0)],
                ),
                (
                    "paper",
                    RGBColor(136, 136, 136),
                    vec![(f64::NAN, f64::NAN, f64::NAN)],
                ),
            ],
        )
        .unwrap();
        let svg = std::fs::read_to_string(stem.with_extension("svg")).unwrap();
        assert!(svg.contains("<svg") && svg.contains("a &lt; b"));
        assert!(svg.contains("ours") && !svg.contains("paper"));
        let png = std::fs::read(stem.with_extension("png")).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), SIZE);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn panels_sit_side_by_side() {
        let dir = std::env::temp_dir().join(format!("lso-panels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let stem = dir.join("curves_q_0.8");
        let series = vec![("ours", RGBColor(31, 119, 180), vec![(0.0, 1.0, 2.0); 3])];
        let panels: Vec<Panel<'_>> = ["top-1", "top-10", "top-50"]
            .iter()
            .map(|t| ((*t).to_owned(), series.clone()))
            .collect();
        panel_plot(&stem, "area", &panels).unwrap();
        // a dot in the stem stays: the files are `curves_q_0.8.svg` and `.png`
        let svg = std::fs::read_to_string(dir.join("curves_q_0.8.svg")).unwrap();
        assert!(svg.contains("top-1") && svg.contains("top-10") && svg.contains("top-50"));
        let png = std::fs::read(dir.join("curves_q_0.8.png")).unwrap();
        let reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        assert_eq!(reader.info().width, 3 * PANEL_WIDTH);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn embedded_font_is_valid() {
        assert!(register_font("sans-serif", FontStyle::Normal, FONT).is_ok());
    }
}
