//! In-process web tests: the router answers requests without a socket (`oneshot`), as each
//! account of the fixture would send them, cookie and CSRF token included (and the code of
//! the second factor, for the accounts that must have one).

use std::collections::HashMap;
use std::sync::Mutex;

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
    /// The authenticator app of each fixture account that has a second factor.
    authenticators: HashMap<String, Mutex<Authenticator>>,
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
    pub username: String,
}

/// An authenticator app: the TOTP codes of a secret. The server takes a code from the
/// current 30-second step or one either side, each step once, so every code comes from a
/// step not used before, waiting for the clock when the three are spent.
#[derive(Debug)]
pub struct Authenticator {
    pub secret: String,
    last_step: i64,
}

impl Authenticator {
    pub fn new(secret: &str) -> Authenticator {
        Authenticator {
            secret: secret.chars().filter(|c| !c.is_whitespace()).collect(),
            last_step: i64::MIN,
        }
    }

    /// The code of `step`.
    pub fn code_at(&self, step: i64) -> String {
        let bytes = totp_rs::Secret::Encoded(self.secret.clone())
            .to_bytes()
            .unwrap();
        totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, bytes)
            .unwrap()
            .generate(step as u64 * 30)
    }

    /// The code of the earliest unused step the server accepts now, if one is left.
    fn take_code(&mut self) -> Option<String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let current = now / 30_000;
        // The step before ends with this one: not in its last two seconds.
        let earliest = if now % 30_000 >= 28_000 {
            current
        } else {
            current - 1
        };
        let step = earliest.max(self.last_step.saturating_add(1));
        (step <= current + 1).then(|| {
            self.last_step = step;
            self.code_at(step)
        })
    }
}

/// The next code of `authenticator`, waiting for the next step when the accepted ones are
/// spent.
pub async fn next_code(authenticator: &Mutex<Authenticator>) -> String {
    loop {
        if let Some(code) = authenticator.lock().unwrap().take_code() {
            return code;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// The TOTP secret an enrolment page shows (grouped by four), without its spaces.
pub fn secret_in(html: &str) -> Option<String> {
    let at = html.find("id=\"totp-secret\">")? + "id=\"totp-secret\">".len();
    let grouped = html[at..].split('<').next()?;
    Some(grouped.chars().filter(|c| !c.is_whitespace()).collect())
}

/// The session token an answer sets.
pub fn cookie_of(answer: &Answer) -> String {
    let cookie = answer
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string()
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
        let mut must_enrol = Vec::new();
        for (username, role, unit) in accounts(&t) {
            let kind = store.unit(unit).await.unwrap().unwrap().kind;
            if role.second_factor_required(kind) {
                must_enrol.push(username);
            }
        }
        let mut app = TestApp {
            router,
            store,
            tree: t,
            other_province,
            mass_org,
            authenticators: HashMap::new(),
            _dir: dir,
        };
        for username in must_enrol {
            let authenticator = app.enrol(username).await;
            app.authenticators
                .insert(username.to_string(), authenticator);
        }
        app
    }

    /// Sends the login form; answers the redirect with its cookie.
    pub async fn send_login(&self, username: &str) -> Answer {
        let body = serde_urlencoded_form(&[("username", username), ("password", PASSWORD)]);
        let answer = self.send(None, Method::POST, "/login", Some(body)).await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            answer.body
        );
        answer
    }

    /// Signs in as an account that must have a second factor and has none, sets it up as
    /// a person does (the secret read off the enrolment page, confirmed with its code),
    /// and signs out again.
    pub async fn enrol(&self, username: &str) -> Mutex<Authenticator> {
        let answer = self.send_login(username).await;
        assert_eq!(answer.location(), Some("/login/enrol"), "{username}");
        let mut half = Browser {
            cookie: cookie_of(&answer),
            csrf: String::new(),
            username: username.into(),
        };
        let page = self.get(Some(&half), "/login/enrol").await;
        half.csrf = csrf_in(&page.body).unwrap();
        let authenticator = Mutex::new(Authenticator::new(&secret_in(&page.body).unwrap()));
        let code = next_code(&authenticator).await;
        let done = self.post(&half, "/login/enrol", &[("code", &code)]).await;
        assert_eq!(done.location(), Some("/"), "{username}: {}", done.body);
        let mut browser = Browser {
            cookie: cookie_of(&done),
            ..half
        };
        browser.csrf = csrf_in(&self.get(Some(&browser), "/").await.body).unwrap();
        self.post(&browser, "/logout", &[]).await;
        authenticator
    }

    /// The next code of a fixture account's second factor; `None` for an account without.
    pub async fn code(&self, username: &str) -> Option<String> {
        Some(next_code(self.authenticators.get(username)?).await)
    }

    /// Enters the password (and the code, for an account with a second factor) again, as
    /// bulk exports ask: for five minutes they answer.
    pub async fn reauth(&self, browser: &Browser) {
        let code = self.code(&browser.username).await.unwrap_or_default();
        let answer = self
            .post(
                browser,
                "/reauth",
                &[("password", PASSWORD), ("code", &code), ("next", "/")],
            )
            .await;
        assert_eq!(answer.location(), Some("/"), "{}", answer.body);
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
        self.answer(request).await
    }

    async fn answer(&self, request: Request<Body>) -> Answer {
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

    /// Sends a spreadsheet to the import form as the browser does: multipart, with its
    /// CSRF token.
    pub async fn upload(&self, browser: &Browser, kind: &str, file: &[u8]) -> Answer {
        let (content_type, body) = multipart(Some(&browser.csrf), kind, file);
        let request = Request::builder()
            .method(Method::POST)
            .uri("/import")
            .header(
                header::COOKIE,
                format!("{}={}", ketnap_web::SESSION_COOKIE, browser.cookie),
            )
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        self.answer(request).await
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

    /// A search as the search forms make it: the text goes in a POST to `/search`, and the
    /// results come from where the server sends the browser, by a token that stands for it.
    /// `to` is `people` or `cases`; `filters` are the case list's other fields.
    pub async fn search(
        &self,
        browser: &Browser,
        to: &str,
        text: &str,
        filters: &[(&str, &str)],
    ) -> Answer {
        let mut fields = vec![("to", to), ("text", text)];
        fields.extend_from_slice(filters);
        let sent = self.post(browser, "/search", &fields).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let location = sent.location().unwrap().to_string();
        self.get(Some(browser), &location).await
    }

    /// Signs in through the login form (and the code page, for an account with a second
    /// factor) and picks up the CSRF token from the account page.
    pub async fn login(&self, username: &str) -> Browser {
        let answer = self.send_login(username).await;
        let mut browser = Browser {
            cookie: cookie_of(&answer),
            csrf: String::new(),
            username: username.into(),
        };
        if answer.location() == Some("/login/code") {
            let page = self.get(Some(&browser), "/login/code").await;
            browser.csrf = csrf_in(&page.body).unwrap();
            let code = self.code(username).await.unwrap();
            let done = self.post(&browser, "/login/code", &[("code", &code)]).await;
            assert_eq!(done.location(), Some("/"), "{username}: {}", done.body);
            browser.cookie = cookie_of(&done);
        }
        let page = self.get(Some(&browser), "/account/password").await;
        browser.csrf = csrf_in(&page.body).unwrap_or_default();
        browser
    }
}

/// A multipart upload of the import form: its content type and body.
pub fn multipart(csrf: Option<&str>, kind: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "ketnap-test-boundary";
    let mut body = Vec::new();
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    if let Some(csrf) = csrf {
        field("csrf", csrf);
    }
    field("kind", kind);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"so-lieu.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
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
