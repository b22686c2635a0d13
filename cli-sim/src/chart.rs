//! A small SVG line chart, written by hand (no dependency): the forms not
//! yet delivered (queue depth, all devices) and the cumulative deliveries
//! over the time of a fleet run, on one axis of forms against seconds.

use std::fmt::Write as _;

/// One sample of a fleet run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Sample {
    /// Seconds since the run started.
    pub t_secs: f64,
    /// Forms recorded and not yet delivered to every destination.
    pub queued: u64,
    /// Forms delivered to every destination so far.
    pub delivered: u64,
}

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 70.0;
const BOTTOM: f64 = 60.0;
const QUEUE_COLOUR: &str = "#d9480f";
const DELIVERED_COLOUR: &str = "#1864ab";

/// Escapes text for an XML text node or attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A tick step of 1, 2 or 5 times a power of ten giving at most about
/// `ticks` intervals up to `max`.
fn nice_step(max: f64, ticks: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let raw = max / ticks;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    step.max(f64::EPSILON)
}

/// Formats a tick label without a useless fraction.
fn label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// The chart as an SVG document: axes with ticks and labels, the queue
/// depth and the cumulative deliveries as two polylines, a legend, and a
/// dashed vertical line with a label at each marker (seconds, text).
pub fn svg(samples: &[Sample], title: &str, markers: &[(f64, &str)]) -> String {
    let t_max = samples
        .iter()
        .map(|s| s.t_secs)
        .chain(markers.iter().map(|m| m.0))
        .filter(|t| t.is_finite())
        .fold(0.0f64, f64::max)
        .max(0.1);
    let y_max = samples
        .iter()
        .map(|s| s.queued.max(s.delivered))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let x_step = nice_step(t_max, 8.0);
    let y_step = nice_step(y_max, 6.0);
    // Round the axes up to a whole tick.
    let x_end = (t_max / x_step).ceil() * x_step;
    let y_end = (y_max / y_step).ceil() * y_step;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |t: f64| LEFT + t / x_end * plot_w;
    let y = |v: f64| TOP + plot_h - v / y_end * plot_h;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );
    // Grid lines, ticks and labels.
    let mut v = 0.0;
    for _ in 0..=100 {
        if v > y_end + y_step / 2.0 {
            break;
        }
        let yy = y(v);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e9ecef"/>"##,
            LEFT + plot_w
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            yy + 4.0,
            label(v)
        );
        v += y_step;
    }
    let mut t = 0.0;
    for _ in 0..=100 {
        if t > x_end + x_step / 2.0 {
            break;
        }
        let xx = x(t);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{:.1}" stroke="#495057"/>"##,
            TOP + plot_h,
            TOP + plot_h + 5.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{xx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            TOP + plot_h + 19.0,
            label(t)
        );
        t += x_step;
    }
    // Axes.
    let _ = writeln!(
        s,
        r##"<path d="M{LEFT},{TOP} V{:.1} H{:.1}" fill="none" stroke="#495057"/>"##,
        TOP + plot_h,
        LEFT + plot_w
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">time (s)</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 18.0
    );
    let _ = writeln!(
        s,
        r#"<text x="18" y="{:.1}" text-anchor="middle" transform="rotate(-90 18 {:.1})">forms</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );
    // Markers.
    for (t, text) in markers.iter().filter(|m| m.0.is_finite() && m.0 >= 0.0) {
        let xx = x(*t);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" y1="{TOP}" x2="{xx:.1}" y2="{:.1}" stroke="#868e96" stroke-dasharray="4 4"/>"##,
            TOP + plot_h
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" fill="#495057">{}</text>"##,
            xx + 4.0,
            TOP + 14.0,
            escape(text)
        );
    }
    // The two series.
    for (name, colour, pick) in [
        (
            "queue depth",
            QUEUE_COLOUR,
            (|p: &Sample| p.queued) as fn(&Sample) -> u64,
        ),
        ("delivered (cumulative)", DELIVERED_COLOUR, |p: &Sample| {
            p.delivered
        }),
    ] {
        let points: Vec<String> = samples
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.t_secs), y(pick(p) as f64)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"><title>{name}</title></polyline>"#,
            points.join(" ")
        );
    }
    // Legend, in a row between the title and the plot.
    for (i, (name, colour)) in [
        ("queue depth (not yet delivered)", QUEUE_COLOUR),
        ("delivered (cumulative)", DELIVERED_COLOUR),
    ]
    .into_iter()
    .enumerate()
    {
        let lx = LEFT + 280.0 * i as f64;
        let ly = TOP - 22.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="3"/>"#,
            lx + 22.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}">{name}</text>"#,
            lx + 28.0,
            ly + 4.0
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

    use super::*;

    #[test]
    fn the_chart_has_two_series_axes_and_a_legend() {
        let samples: Vec<Sample> = (0..30)
            .map(|i| Sample {
                t_secs: f64::from(i) * 0.1,
                queued: 30 - i as u64,
                delivered: i as u64,
            })
            .collect();
        let svg = svg(
            &samples,
            "8 devices <lan> & storm",
            &[(1.5, "servers back")],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("time (s)") && svg.contains("queue depth"));
        assert!(svg.contains("servers back") && svg.contains("stroke-dasharray"));
        assert!(svg.contains("&lt;lan&gt; &amp; storm"));
        // Every opened element is closed (or self-closed).
        let opened = svg.matches('<').count() - svg.matches("</").count();
        let closed = svg.matches("/>").count() + svg.matches("</").count();
        assert_eq!(opened, closed, "{svg}");
    }

    #[test]
    fn an_empty_run_still_draws() {
        let svg = svg(&[], "nothing", &[]);
        assert_eq!(svg.matches("<polyline").count(), 2);
    }

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(nice_step(1000.0, 6.0), 200.0);
        assert_eq!(nice_step(7.3, 8.0), 1.0);
        assert_eq!(nice_step(0.0, 8.0), 1.0);
        assert_eq!(label(2.0), "2");
        assert_eq!(label(0.5), "0.5");
    }
}
