//! Minimal SVG line plots with quartile bands (no plotting dependency).

use std::fmt::Write as _;

const W: f64 = 640.0;
const H: f64 = 400.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

/// A named, coloured series of `(lower, middle, upper)` points.
pub type Series<'a> = (&'a str, &'a str, Vec<(f64, f64, f64)>);

/// A plot of one or more series of `(lower, middle, upper)` per x = 1, 2, ...: the middle as a
/// line, the band between lower and upper shaded. Non-finite points are skipped.
pub fn band_plot(title: &str, series: &[Series<'_>]) -> String {
    let n = series.iter().map(|s| s.2.len()).max().unwrap_or(1).max(2);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, _, pts) in series {
        for &(a, b, c) in pts {
            for v in [a, b, c] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let pad = 0.05 * (hi - lo);
    let (lo, hi) = (lo - pad, hi + pad);
    let x = |i: usize| LEFT + (W - LEFT - RIGHT) * i as f64 / (n - 1) as f64;
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (hi - v) / (hi - lo);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14">{}</text>"#,
        W / 2.0,
        escape(title)
    );
    // axes and ticks
    let _ = writeln!(
        s,
        r#"<path d="M{LEFT},{TOP} V{} H{}" stroke="black" fill="none"/>"#,
        H - BOTTOM,
        W - RIGHT
    );
    for k in 0..=4 {
        let v = lo + (hi - lo) * f64::from(k) / 4.0;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{v:.1}</text>"#,
            LEFT - 6.0,
            y(v) + 4.0
        );
        let i = (n - 1) * k as usize / 4;
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            x(i),
            H - BOTTOM + 18.0,
            i + 1
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">queries</text>"#,
        (LEFT + W - RIGHT) / 2.0,
        H - 10.0
    );
    for (k, (label, color, pts)) in series.iter().enumerate() {
        let finite: Vec<(usize, (f64, f64, f64))> = pts
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, p)| p.0.is_finite() && p.1.is_finite() && p.2.is_finite())
            .collect();
        if finite.is_empty() {
            continue;
        }
        let mut band = String::new();
        for (i, p) in &finite {
            let _ = write!(band, "{:.1},{:.1} ", x(*i), y(p.2));
        }
        for (i, p) in finite.iter().rev() {
            let _ = write!(band, "{:.1},{:.1} ", x(*i), y(p.0));
        }
        let _ = writeln!(
            s,
            r#"<polygon points="{band}" fill="{color}" fill-opacity="0.2" stroke="none"/>"#
        );
        let line: Vec<String> = finite
            .iter()
            .map(|(i, p)| format!("{:.1},{:.1}", x(*i), y(p.1)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
            line.join(" ")
        );
        let ly = TOP + 16.0 * k as f64 + 10.0;
        let _ = writeln!(
            s,
            r#"<rect x="{}" y="{}" width="14" height="4" fill="{color}"/><text x="{}" y="{}">{}</text>"#,
            LEFT + 12.0,
            ly - 4.0,
            LEFT + 30.0,
            ly,
            escape(label)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plots_are_well_formed_svg_with_every_series() {
        let s = band_plot(
            "a < b",
            &[
                ("ours", "#1f77b4", vec![(0.0, 1.0, 2.0), (1.0, 2.0, 3.0)]),
                ("paper", "#888888", vec![(f64::NAN, f64::NAN, f64::NAN)]),
            ],
        );
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
        assert!(s.contains("a &lt; b"));
        assert_eq!(s.matches("<polyline").count(), 1);
    }
}
