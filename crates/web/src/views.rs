//! The page frame and the small formatting helpers templates share.

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    /// Items waiting there for the account's units (shown when above zero).
    pub count: i64,
}

impl NavItem {
    pub fn new(href: &'static str, label: &'static str) -> NavItem {
        NavItem {
            href,
            label,
            count: 0,
        }
    }

    pub fn with_count(self, count: i64) -> NavItem {
        NavItem { count, ..self }
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
    /// Unread notifications (the daily reminder's), shown beside the account's name.
    pub unread: i64,
}

/// Vietnam's wall-clock time (UTC+7), as the audit trail, the timeline and the sessions
/// page show it.
pub fn vn_time(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(7))
        .format("%d/%m/%Y %H:%M:%S")
        .to_string()
}

/// `dd/mm/yyyy` and Vietnamese thousands separators: the spreadsheet writer's own, so a
/// page and its export always agree.
pub use ketnap_sheets::write::{dmy, number};
