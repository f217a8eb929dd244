//! In-process web tests: the router answers requests without a socket (`oneshot`), as each
//! account of the fixture would send them, cookie and CSRF token included.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use ketnap_domain::access::Role;
use ketnap_domain::ids::{MassOrgId, UnitId};
use ketnap_domain::ports::UnitStore;
use ketnap_store::{NewUser, Store};
use ketnap_web::WebConfig;
use tower::ServiceExt;

use crate::fixtures::{Tree, change, sqlite_store, tree};

/// The password of every fixture account.
pub const PASSWORD: &str = "mat-khau-thu-nghiem";

#[allow(missing_debug_implementations)]
pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub tree: Tree,
    /// A unit of another province, for the scope matrix.
    pub other_province: UnitId,
    pub mass_org: MassOrgId,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// The SQLite file's URL, for tests that read the database as it is on disk.
    pub fn database_url(&self) -> String {
        format!(
            "sqlite://{}",
            self._dir.path().join("ketnap.sqlite3").display()
        )
    }
}

/// A signed-in browser: its cookie and the CSRF token its pages carry.
#[derive(Debug, Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

/// The fixture accounts: (user name, role, unit), one per role and place.
pub fn accounts(t: &Tree) -> Vec<(&'static str, Role, UnitId)> {
    vec![
        ("admin", Role::Admin, t.city),
        ("canbo", Role::Officer, t.ward),
        ("xem", Role::Viewer, t.ward),
        ("bithu", Role::CellSecretary, t.residential_cell),
        ("doanthe", Role::MassOrgOfficer, t.ward),
        ("kiemtra", Role::Auditor, t.ward),
        ("canbo.phuloi", Role::Officer, t.other_ward),
    ]
}

impl TestApp {
    pub async fn new() -> TestApp {
        let (store, dir) = sqlite_store().await;
        let t = tree(&store, "").await;
        let admin = change("admin");
        let other_province = store
            .create_unit(
                &admin,
                ketnap_domain::ports::NewUnit {
                    code: Some("74".into()),
                    name: "Đảng bộ tỉnh khác".into(),
                    kind: ketnap_domain::unit::UnitKind::Province,
                    parent: None,
                    sector: ketnap_domain::unit::SectorCode("public_administration".into()),
                    valid_from: crate::fixtures::day(2025, 7, 1),
                },
            )
            .await
            .unwrap();
        let mass_org = store
            .create_mass_org(
                &admin,
                "youth_union",
                t.ward,
                "Đoàn Thanh niên Phường Thủ Dầu Một",
            )
            .await
            .unwrap();
        for (username, role, unit) in accounts(&t) {
            let user = NewUser {
                username: username.into(),
                display_name: format!("Người dùng {username}"),
                password: PASSWORD.into(),
                role,
                unit,
                mass_org: (role == Role::MassOrgOfficer).then_some(mass_org),
            };
            store.add_user(&admin, &user).await.unwrap();
        }
        let router = ketnap_web::app(store.clone(), WebConfig::default());
        TestApp {
            router,
            store,
            tree: t,
            other_province,
            mass_org,
            _dir: dir,
        }
    }

    pub async fn send(
        &self,
        browser: Option<&Browser>,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(browser) = browser {
            request = request.header(
                header::COOKIE,
                format!("{}={}", ketnap_web::SESSION_COOKIE, browser.cookie),
            );
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body)),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, browser: Option<&Browser>, path: &str) -> Answer {
        self.send(browser, Method::GET, path, None).await
    }

    /// Posts a form as the browser, with its CSRF token.
    pub async fn post(&self, browser: &Browser, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all: Vec<(&str, &str)> = vec![("csrf", browser.csrf.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded_form(&all);
        self.send(Some(browser), Method::POST, path, Some(body))
            .await
    }

    /// Signs in through the login form and picks up the CSRF token from the account page.
    pub async fn login(&self, username: &str) -> Browser {
        let body = serde_urlencoded_form(&[("username", username), ("password", PASSWORD)]);
        let answer = self.send(None, Method::POST, "/login", Some(body)).await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            answer.body
        );
        let cookie = answer
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        let token = cookie
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_string();
        let mut browser = Browser {
            cookie: token,
            csrf: String::new(),
        };
        let page = self.get(Some(&browser), "/account/password").await;
        browser.csrf = csrf_in(&page.body).unwrap_or_default();
        browser
    }
}

/// The CSRF token a page's forms carry.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_string())
}

pub fn serde_urlencoded_form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn login_sessions_csrf_and_headers() {
    let app = TestApp::new().await;
    // Not signed in: pages send to the login form, the API answers 401, health answers 200.
    let home = app.get(None, "/").await;
    assert_eq!(
        (home.status, home.location()),
        (StatusCode::SEE_OTHER, Some("/login"))
    );
    assert_eq!(
        app.get(None, "/api/v1/cases").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get(None, "/healthz").await.status, StatusCode::OK);

    // A login form posted from another site is refused (no session yet to hold a token).
    let mut forged_login = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::HOST, "ketnap.local")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(serde_urlencoded_form(&[
            ("username", "canbo"),
            ("password", PASSWORD),
        ])))
        .unwrap();
    forged_login.extensions_mut().insert(());
    let refused = app.router.clone().oneshot(forged_login).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.headers().get(header::SET_COOKIE).is_none());

    // Wrong password and unknown user get the same answer.
    let wrong = app
        .send(
            None,
            Method::POST,
            "/login",
            Some(serde_urlencoded_form(&[
                ("username", "canbo"),
                ("password", "sai"),
            ])),
        )
        .await;
    let unknown = app
        .send(
            None,
            Method::POST,
            "/login",
            Some(serde_urlencoded_form(&[
                ("username", "khongco"),
                ("password", "sai"),
            ])),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(
        wrong.body.replace("canbo", ""),
        unknown.body.replace("khongco", "")
    );

    let officer = app.login("canbo").await;
    assert!(!officer.csrf.is_empty());
    let home = app.get(Some(&officer), "/").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    for (name, value) in [
        ("content-security-policy", "frame-ancestors 'none'"),
        ("x-content-type-options", "nosniff"),
        ("cache-control", "no-store"),
        ("referrer-policy", "same-origin"),
    ] {
        let got = home
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default();
        assert!(got.contains(value), "{name}: {got}");
    }
    assert!(
        home.headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert!(!home.body.contains("<script>"), "no inline script");

    // A POST without the CSRF token is refused; with it, logout ends the session.
    let forged = app
        .send(Some(&officer), Method::POST, "/logout", Some(String::new()))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        forged.body.contains("Mã yêu cầu"),
        "error pages show the request id"
    );
    let out = app.post(&officer, "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(Some(&officer), "/").await.location(),
        Some("/login")
    );

    // Throttling: after five failures even the right password is refused for a while.
    for _ in 0..5 {
        app.send(
            None,
            Method::POST,
            "/login",
            Some(serde_urlencoded_form(&[
                ("username", "xem"),
                ("password", "sai"),
            ])),
        )
        .await;
    }
    let blocked = app
        .send(
            None,
            Method::POST,
            "/login",
            Some(serde_urlencoded_form(&[
                ("username", "xem"),
                ("password", PASSWORD),
            ])),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::UNAUTHORIZED);

    // Changing the password ends every session of the account.
    let admin = app.login("admin").await;
    let admin_again = app.login("admin").await;
    let changed = app
        .post(
            &admin,
            "/account/password",
            &[
                ("old_password", PASSWORD),
                ("new_password", "mat-khau-moi-dai"),
                ("repeat_password", "mat-khau-moi-dai"),
            ],
        )
        .await;
    assert_eq!(changed.location(), Some("/login"));
    assert_eq!(
        app.get(Some(&admin_again), "/").await.location(),
        Some("/login")
    );
    // Unknown pages answer 404 with a request id.
    let missing = app.get(Some(&app.login("canbo").await), "/khong-co").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.headers.contains_key("x-request-id"));

    // Idle for more than 30 minutes, or older than 12 hours: the session is over.
    let user = app.store.user_by_name("kiemtra").await.unwrap().unwrap();
    let token = app
        .store
        .create_session(&change("kiemtra"), ketnap_domain::ids::UserId(user.id))
        .await
        .unwrap();
    let config = WebConfig::default();
    let start = crate::fixtures::now();
    let live = |at| {
        app.store
            .session(&token, at, config.session_idle, config.session_absolute)
    };
    assert!(
        live(start + chrono::Duration::minutes(29))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        live(start + chrono::Duration::minutes(29 + 29))
            .await
            .unwrap()
            .is_some(),
        "each use restarts the idle clock"
    );
    assert!(
        live(start + chrono::Duration::minutes(29 + 29 + 31))
            .await
            .unwrap()
            .is_none(),
        "31 idle minutes end it"
    );
    let token = app
        .store
        .create_session(&change("kiemtra"), ketnap_domain::ids::UserId(user.id))
        .await
        .unwrap();
    let mut at = start;
    for _ in 0..25 {
        at += chrono::Duration::minutes(29);
        let alive = app
            .store
            .session(&token, at, config.session_idle, config.session_absolute)
            .await
            .unwrap()
            .is_some();
        assert_eq!(
            alive,
            at - start <= chrono::Duration::hours(12),
            "at {}",
            at - start
        );
    }
    // A locked account's sessions end at once.
    let auditor = app.login("kiemtra").await;
    assert_eq!(app.get(Some(&auditor), "/").await.status, StatusCode::OK);
    app.store
        .disable_user(&change("admin"), ketnap_domain::ids::UserId(user.id))
        .await
        .unwrap();
    assert_eq!(
        app.get(Some(&auditor), "/").await.location(),
        Some("/login")
    );
}
