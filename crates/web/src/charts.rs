//! Charts drawn on the server as inline SVG: no JavaScript, printable, readable by a
//! screen reader (each chart has a `<title>` and a `<desc>` with its numbers, and each bar
//! a `<title>` of its own). Colours come from classes in `app.css` (the CSP allows no
//! inline `style`); every text placed in the SVG is escaped here.

use std::fmt::Write;

use crate::views::number;

/// Escapes text for an SVG element or attribute.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// An id usable in `id=` and `aria-labelledby`: ASCII letters, digits and dashes.
fn safe_id(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// A percentage the Vietnamese way: `12,5 %`.
pub fn percent(fraction: f64) -> String {
    let text = format!("{:.1}", fraction * 100.0);
    format!("{} %", text.replace('.', ","))
}

/// Shortens a label to `max` characters, with an ellipsis.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn open(out: &mut String, id: &str, class: &str, width: u32, height: u32, title: &str, desc: &str) {
    let id = safe_id(id);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart {class}\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-labelledby=\"{id}-t {id}-d\" focusable=\"false\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(desc)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, class: &str, content: &str) {
    let _ = write!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" class=\"{class}\">{}</text>",
        esc(content)
    );
}

fn rect(out: &mut String, x: f64, y: f64, w: f64, h: f64, class: &str, tip: Option<&str>) {
    let w = w.max(0.0);
    match tip {
        Some(tip) => {
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" class=\"{class}\"><title>{}</title></rect>",
                esc(tip)
            );
        }
        None => {
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" class=\"{class}\"/>"
            );
        }
    }
}

fn line(out: &mut String, x1: f64, y1: f64, x2: f64, y2: f64, class: &str) {
    let _ = write!(
        out,
        "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" class=\"{class}\"/>"
    );
}

/// Progress of admissions against the target, with where the pace says the unit should be
/// by today and where the pipeline says it will end.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub done: i64,
    pub target: i64,
    /// Where the unit should be by today (target × share of the period gone).
    pub pace: Option<f64>,
    /// Expected by the end of the period (done + the pipeline due in time).
    pub forecast: Option<i64>,
}

pub fn progress(p: &Progress) -> String {
    const LEFT: f64 = 10.0;
    const WIDTH: f64 = 620.0;
    const TOP: f64 = 34.0;
    const HEIGHT: f64 = 26.0;
    let scale = [
        p.target,
        p.done,
        p.forecast.unwrap_or(0),
        p.pace.map_or(0, |x| x.ceil() as i64),
        1,
    ]
    .into_iter()
    .max()
    .unwrap_or(1) as f64;
    let x = |v: f64| LEFT + WIDTH * (v / scale).clamp(0.0, 1.0);
    let mut desc = format!(
        "Đã kết nạp {} trên chỉ tiêu {}",
        number(p.done),
        number(p.target)
    );
    if p.target > 0 {
        let _ = write!(desc, " ({})", percent(p.done as f64 / p.target as f64));
    }
    if let Some(pace) = p.pace {
        let _ = write!(
            desc,
            "; theo tiến độ đến hôm nay cần {}",
            number(pace.round() as i64)
        );
    }
    if let Some(forecast) = p.forecast {
        let _ = write!(desc, "; dự báo cả kỳ {}", number(forecast));
    }
    desc.push('.');
    let mut out = String::new();
    open(&mut out, p.id, "progress", 640, 96, p.title, &desc);
    rect(&mut out, LEFT, TOP, WIDTH, HEIGHT, "track", None);
    if let Some(forecast) = p.forecast.filter(|f| *f > p.done) {
        rect(
            &mut out,
            LEFT,
            TOP,
            x(forecast as f64) - LEFT,
            HEIGHT,
            "forecast",
            Some(&format!("Dự báo: {}", number(forecast))),
        );
    }
    let done_class = match p.pace {
        Some(pace) if (p.done as f64) < pace => "done behind",
        _ => "done",
    };
    rect(
        &mut out,
        LEFT,
        TOP,
        x(p.done as f64) - LEFT,
        HEIGHT,
        done_class,
        Some(&format!("Đã kết nạp: {}", number(p.done))),
    );
    if p.target > 0 {
        let tx = x(p.target as f64);
        line(&mut out, tx, TOP - 6.0, tx, TOP + HEIGHT + 6.0, "target");
        text(
            &mut out,
            tx.min(LEFT + WIDTH - 2.0),
            TOP + HEIGHT + 22.0,
            "end",
            "label",
            &format!("Chỉ tiêu {}", number(p.target)),
        );
    }
    if let Some(pace) = p.pace {
        let px = x(pace);
        line(&mut out, px, TOP - 10.0, px, TOP + HEIGHT + 10.0, "pace");
        let _ = write!(
            out,
            "<path d=\"M{:.1} {:.1} l-6 -8 h12 z\" class=\"pace-mark\"><title>{}</title></path>",
            px,
            TOP - 10.0,
            esc(&format!(
                "Tiến độ đến hôm nay: {}",
                number(pace.round() as i64)
            ))
        );
        text(
            &mut out,
            px.clamp(LEFT + 40.0, LEFT + WIDTH - 40.0),
            TOP - 20.0,
            "middle",
            "label pace-label",
            &format!("Tiến độ {}", number(pace.round() as i64)),
        );
    }
    let mut headline = format!("Đã kết nạp {}", number(p.done));
    if p.target > 0 {
        let _ = write!(headline, " / {}", number(p.target));
    }
    text(
        &mut out,
        LEFT,
        TOP + HEIGHT + 22.0,
        "start",
        "label strong",
        &headline,
    );
    out.push_str("</svg>");
    out
}

/// One step of the funnel.
#[derive(Debug, Clone)]
pub struct Step {
    pub label: String,
    pub count: i64,
}

/// Cases reaching each step, with the conversion from the step before.
pub fn funnel(id: &str, title: &str, steps: &[Step]) -> String {
    const LABEL_W: f64 = 250.0;
    const BAR_W: f64 = 270.0;
    const ROW: f64 = 30.0;
    let max = steps.iter().map(|s| s.count).max().unwrap_or(0).max(1) as f64;
    let height = (ROW * steps.len() as f64 + 10.0).ceil() as u32;
    let desc = steps
        .iter()
        .map(|s| format!("{}: {}", s.label, number(s.count)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = String::new();
    open(&mut out, id, "funnel", 640, height.max(40), title, &desc);
    let mut previous: Option<i64> = None;
    for (i, step) in steps.iter().enumerate() {
        let y = 5.0 + ROW * i as f64;
        let w = BAR_W * step.count as f64 / max;
        let x = LABEL_W + (BAR_W - w) / 2.0;
        text(
            &mut out,
            LABEL_W - 8.0,
            y + 19.0,
            "end",
            "label",
            &short(&step.label, 34),
        );
        rect(
            &mut out,
            x,
            y + 3.0,
            w.max(1.0),
            ROW - 6.0,
            "step",
            Some(&format!("{}: {}", step.label, number(step.count))),
        );
        let mut value = number(step.count);
        if let Some(before) = previous.filter(|b| *b > 0) {
            let _ = write!(value, " ({})", percent(step.count as f64 / before as f64));
        }
        text(
            &mut out,
            LABEL_W + BAR_W + 8.0,
            y + 19.0,
            "start",
            "label",
            &value,
        );
        previous = Some(step.count);
    }
    out.push_str("</svg>");
    out
}

/// Admissions by month, with the monthly share of the target as a line.
pub fn trend(id: &str, title: &str, months: &[(String, i64)], per_month: Option<f64>) -> String {
    const LEFT: f64 = 36.0;
    const RIGHT: f64 = 630.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 170.0;
    let max = months
        .iter()
        .map(|(_, n)| *n as f64)
        .chain(per_month)
        .fold(1.0_f64, f64::max);
    let slot = (RIGHT - LEFT) / months.len().max(1) as f64;
    let y = |v: f64| BOTTOM - (BOTTOM - TOP) * (v / max).clamp(0.0, 1.0);
    let desc = months
        .iter()
        .map(|(m, n)| format!("{m}: {}", number(*n)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = String::new();
    open(&mut out, id, "trend", 640, 196, title, &desc);
    line(&mut out, LEFT, BOTTOM, RIGHT, BOTTOM, "axis");
    text(
        &mut out,
        LEFT - 6.0,
        TOP + 4.0,
        "end",
        "label small",
        &number(max.ceil() as i64),
    );
    text(&mut out, LEFT - 6.0, BOTTOM, "end", "label small", "0");
    for (i, (month, n)) in months.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        let top = y(*n as f64);
        rect(
            &mut out,
            x + slot * 0.15,
            top,
            slot * 0.7,
            BOTTOM - top,
            "month",
            Some(&format!("{month}: {}", number(*n))),
        );
        if *n > 0 {
            text(
                &mut out,
                x + slot / 2.0,
                top - 4.0,
                "middle",
                "label small",
                &number(*n),
            );
        }
        text(
            &mut out,
            x + slot / 2.0,
            BOTTOM + 16.0,
            "middle",
            "label small",
            month,
        );
    }
    if let Some(per_month) = per_month.filter(|v| *v > 0.0) {
        let py = y(per_month);
        line(&mut out, LEFT, py, RIGHT, py, "pace");
        text(
            &mut out,
            RIGHT,
            py - 4.0,
            "end",
            "label small pace-label",
            &format!(
                "Bình quân cần/tháng: {}",
                format!("{per_month:.1}").replace('.', ",")
            ),
        );
    }
    out.push_str("</svg>");
    out
}

/// One unit in the ranking.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub label: String,
    /// The share of the target reached (1.0 = the target).
    pub value: f64,
    pub value_text: String,
}

/// Units ranked by the share of their target reached, with the target and the pace as
/// vertical lines.
pub fn ranked(id: &str, title: &str, items: &[Ranked], pace: Option<f64>) -> String {
    hbars(id, title, items, true, pace)
}

/// Counts as horizontal bars, longest first as given (overdue cases by stage or unit, a
/// breakdown).
pub fn bars(id: &str, title: &str, items: &[Ranked]) -> String {
    hbars(id, title, items, false, None)
}

fn hbars(id: &str, title: &str, items: &[Ranked], target: bool, pace: Option<f64>) -> String {
    const LABEL_W: f64 = 250.0;
    const BAR_W: f64 = 280.0;
    const ROW: f64 = 24.0;
    const TOP: f64 = 20.0;
    let floor = if target { 1.0 } else { f64::MIN_POSITIVE };
    let max = items.iter().map(|i| i.value).fold(floor, f64::max);
    let x = |v: f64| LABEL_W + BAR_W * (v / max).clamp(0.0, 1.0);
    let height = (TOP + ROW * items.len() as f64 + 8.0).ceil() as u32;
    let desc = items
        .iter()
        .map(|i| format!("{}: {}", i.label, i.value_text))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = String::new();
    let class = if target { "ranked" } else { "bars" };
    open(&mut out, id, class, 640, height.max(40), title, &desc);
    for (n, item) in items.iter().enumerate() {
        let y = TOP + ROW * n as f64;
        text(
            &mut out,
            LABEL_W - 8.0,
            y + 16.0,
            "end",
            "label",
            &short(&item.label, 34),
        );
        let class = match pace {
            Some(pace) if item.value < pace => "unit behind",
            _ => "unit",
        };
        rect(
            &mut out,
            LABEL_W,
            y + 3.0,
            x(item.value) - LABEL_W,
            ROW - 6.0,
            class,
            Some(&format!("{}: {}", item.label, item.value_text)),
        );
        text(
            &mut out,
            x(item.value) + 6.0,
            y + 16.0,
            "start",
            "label",
            &item.value_text,
        );
    }
    let bottom = TOP + ROW * items.len() as f64;
    if target {
        let tx = x(1.0);
        line(&mut out, tx, TOP - 4.0, tx, bottom, "target");
        text(&mut out, tx, TOP - 8.0, "middle", "label small", "Chỉ tiêu");
    }
    if let Some(pace) = pace.filter(|p| *p > 0.0) {
        let px = x(pace);
        line(&mut out, px, TOP - 4.0, px, bottom, "pace");
        text(
            &mut out,
            px,
            TOP - 8.0,
            "end",
            "label small pace-label",
            "Tiến độ",
        );
    }
    out.push_str("</svg>");
    out
}
