//! Thông báo: the account's inbox, where the daily reminder leaves its digest.

use askama::Template;
use axum::response::{Html, IntoResponse, Redirect, Response};
use ketnap_domain::reminder::ItemKind;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, dmy};

/// Notifications shown: about a month of digests.
const SHOWN: i64 = 500;

pub struct Line {
    pub kind: &'static str,
    /// `overdue`, `due_soon` or `on_time`: the badge's class, as on the home page.
    pub status: &'static str,
    pub escalated: bool,
    pub body: String,
    /// The page the line opens: the case, `/transfers`, the request.
    pub link: Option<String>,
    pub read: bool,
}

pub struct Day {
    pub day: String,
    pub lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    days: Vec<Day>,
}

/// `GET /notifications`: newest day first, each day's overdue items first.
pub async fn page(ctx: Ctx) -> Result<Html<String>, WebError> {
    let notifications = ctx
        .state
        .store
        .notifications(ctx.auth.user_id, SHOWN)
        .await?;
    let mut days: Vec<Day> = Vec::new();
    for n in notifications {
        let kind = ItemKind::from_code(&n.kind);
        let line = Line {
            kind: kind.map_or("", ItemKind::label_vi),
            status: match kind {
                Some(ItemKind::Overdue) => "overdue",
                Some(ItemKind::Deadline) => "due_soon",
                _ => "on_time",
            },
            escalated: n.escalated,
            body: n.body,
            // Rows from before links were kept open their case, if any.
            link: n
                .link
                .filter(|l| l.starts_with('/') && !l.starts_with("//"))
                .or_else(|| n.case.map(|c| format!("/cases/{c}"))),
            read: n.read,
        };
        let day = dmy(n.day);
        match days.last_mut() {
            Some(last) if last.day == day => last.lines.push(line),
            _ => days.push(Day {
                day,
                lines: vec![line],
            }),
        }
    }
    for day in &mut days {
        // Stable: within a kind, the order the digest listed them in.
        day.lines.sort_by_key(|l| l.status != "overdue");
    }
    Ok(Html(
        NotificationsPage {
            layout: ctx.layout("Thông báo").await?,
            days,
        }
        .render()?,
    ))
}

/// `POST /notifications/read`: marks every notification read.
pub async fn mark_read(ctx: Ctx) -> Result<Response, WebError> {
    ctx.state
        .store
        .mark_notifications_read(&ctx.change(), ctx.auth.user_id)
        .await?;
    Ok(Redirect::to("/notifications").into_response())
}
