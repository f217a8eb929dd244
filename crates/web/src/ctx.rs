//! What a signed-in handler gets: the state, the account, the request id.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{NaiveDate, Utc};
use ketnap_domain::ports::Change;
use ketnap_domain::scope::Scope;
use ketnap_domain::workflow::today_in_vietnam;

use crate::AppState;
use crate::auth::Auth;
use crate::error::WebError;
use crate::security::RequestId;
use crate::views::{Layout, NavItem};

#[derive(Debug, Clone)]
pub struct Ctx {
    pub state: AppState,
    pub auth: Auth,
    pub request_id: String,
    /// The request's path and query, to come back to after a re-authentication.
    pub path: String,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx, WebError> {
        let auth = parts
            .extensions
            .get::<Auth>()
            .cloned()
            .ok_or_else(WebError::not_found)?;
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
        Ok(Ctx {
            state: state.clone(),
            auth,
            request_id,
            path,
        })
    }
}

impl Ctx {
    /// Who, in which request, now: for every change and every logged read.
    pub fn change(&self) -> Change {
        Change {
            actor: self.auth.username.clone(),
            request_id: self.request_id.clone(),
            now: Utc::now(),
        }
    }

    /// The account's scope; an account without one (a mass-organisation officer) sees
    /// "not found" everywhere a scope is needed.
    pub fn scope(&self) -> Result<&Scope, WebError> {
        self.auth.scope.as_ref().ok_or_else(WebError::not_found)
    }

    pub fn today(&self) -> NaiveDate {
        today_in_vietnam(Utc::now())
    }

    /// The page frame: title, account bar, navigation for the role, CSRF token.
    pub async fn layout(&self, title: &str) -> Result<Layout, WebError> {
        use ketnap_domain::access::Need;
        let shown = self
            .state
            .store
            .navigation(self.auth.user_id, self.auth.unit, self.auth.scope.as_ref())
            .await?;
        let role = self.auth.role;
        let mut nav = vec![NavItem::new("/", "Tổng quan")];
        if role.grants(Need::Read) {
            nav.extend([
                NavItem::new("/cases", "Hồ sơ"),
                NavItem::new("/units", "Tổ chức đảng"),
                NavItem::new("/people/search", "Tìm người"),
                NavItem::new("/probation", "Dự bị"),
                NavItem::new("/courses", "Lớp bồi dưỡng"),
                NavItem::new("/nominations", "Giới thiệu của đoàn thể"),
                NavItem::new("/reports", "Báo cáo"),
                NavItem::new("/import", "Bảng tính"),
            ]);
            // Transfers and requests waiting on the account's units, counted beside the links.
            nav.extend([
                NavItem::new("/transfers", "Chuyển sinh hoạt").with_count(shown.waiting.transfers),
                NavItem::new("/requests", "Thẩm tra, lấy ý kiến")
                    .with_count(shown.waiting.requests),
            ]);
        }
        if role.grants(Need::Edit) {
            nav.push(NavItem::new("/sources/new", "Thêm quần chúng ưu tú"));
        }
        if role.grants(Need::Nominees) {
            nav.extend([
                NavItem::new("/nominees", "Người được giới thiệu"),
                NavItem::new("/nominations/new", "Giới thiệu người mới"),
            ]);
        }
        if role.grants(Need::Admin) {
            nav.extend([
                NavItem::new("/admin/sessions", "Phiên đăng nhập"),
                NavItem::new("/admin/accounts", "Tài khoản"),
            ]);
        }
        Ok(Layout {
            title: title.to_string(),
            user_name: self.auth.display_name.clone(),
            role: role.label_vi(),
            unit: shown.unit_name,
            csrf: self.auth.csrf_token.clone(),
            nav,
            unread: shown.unread,
        })
    }
}
