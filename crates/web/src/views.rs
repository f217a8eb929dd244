//! The page frame and the small formatting helpers templates share.

use chrono::NaiveDate;

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
}

impl NavItem {
    pub fn new(href: &'static str, label: &'static str) -> NavItem {
        NavItem { href, label }
    }
}

/// What `base.html` needs on every signed-in page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user_name: String,
    pub role: &'static str,
    pub unit: String,
    /// The session's CSRF token, for every form.
    pub csrf: String,
    pub nav: Vec<NavItem>,
}

/// `dd/mm/yyyy`, as Vietnamese screens write dates.
pub fn dmy(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// A count with Vietnamese thousands separators: 365911 → "365.911".
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}
