//! Real-browser tests in headless Chromium through ChromeDriver, for what only a browser
//! shows: forms filled and submitted, the pages at phone size, the CSP holding. Screenshots
//! go to `target/browser-screenshots/` for a reviewer. Without Chromium the tests say so and
//! pass; under `CI=true` (where `scripts/test` installs it) a missing browser fails them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::Router;
use fantoccini::{Client, ClientBuilder, Locator};
use ketnap_web::WebConfig;

use crate::web::{Authenticator, PASSWORD, TestApp, next_code};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Session {
    pub client: Client,
    pub base: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Serves the app on a free local port.
pub async fn serve(app: &TestApp) -> String {
    serve_router(app.router.clone()).await
}

/// Serves `router` on a free local port and answers its base URL.
pub async fn serve_router(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{address}")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts ChromeDriver and a headless Chromium of `width`×`height`, or `None` (with a
/// message) where the browser is not installed outside CI.
pub async fn browser(base: &str, width: u32, height: u32) -> Option<Session> {
    let installed =
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !installed {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true needs Chromium: scripts/test installs chromium and chromium-driver"
        );
        eprintln!(
            "Chromium or ChromeDriver is not installed: skipping the browser tests (scripts/test installs them under CI=true)."
        );
        return None;
    }
    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let args = [
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        format!("--window-size={width},{height}"),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "chrome".into());
    // Downloads (an export after its re-authentication) land in the throwaway profile.
    let prefs = serde_json::json!({ "download.default_directory": profile.path() });
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": CHROMIUM, "args": args, "prefs": prefs }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last_error = String::new();
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Some(Session {
                    client,
                    base: base.to_string(),
                    driver,
                    _profile: profile,
                });
            }
            Err(error) => last_error = error.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("ChromeDriver did not start: {last_error}");
}

impl Session {
    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    pub async fn login(&self, username: &str) {
        self.open("/login").await;
        self.fill("#username", username).await;
        self.fill("#password", PASSWORD).await;
        self.submit("button[type=submit]").await;
    }

    /// Signs in as a fixture account with a second factor: the password, then its code.
    pub async fn login_with_code(&self, app: &TestApp, username: &str) {
        self.login(username).await;
        assert_eq!(self.path().await, "/login/code");
        self.fill("#code", &app.code(username).await.unwrap()).await;
        self.submit("button[type=submit]").await;
        assert_eq!(self.path().await, "/");
    }

    /// Signs in for the first time as an account that must have a second factor: reads
    /// the secret off the enrolment page as a person types it into their app, confirms
    /// with the app's code, and keeps the app for the codes to come.
    pub async fn login_and_enrol(&self, username: &str) -> std::sync::Mutex<Authenticator> {
        self.login(username).await;
        assert_eq!(self.path().await, "/login/enrol");
        let secret = self
            .client
            .find(Locator::Css("#totp-secret"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            self.client
                .find(Locator::Css("figure.qr svg"))
                .await
                .is_ok(),
            "the QR code"
        );
        self.screenshot("two-factor-enrolment").await;
        let app = std::sync::Mutex::new(Authenticator::new(&secret));
        self.fill("#code", &next_code(&app).await).await;
        self.submit("button[type=submit]").await;
        assert_eq!(self.path().await, "/");
        app
    }

    /// Saves a screenshot under target/browser-screenshots/NAME.png.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_viewport_and_another_wards_case() {
    let app = TestApp::new().await;
    let base = serve(&app).await;
    let Some(phone) = browser(&base, 360, 780).await else {
        return;
    };
    phone.login("canbo").await;
    assert_eq!(phone.path().await, "/");
    assert!(phone.text().await.contains("Tổng quan"));
    // Nothing wider than the phone: the page does not scroll sideways.
    let wide: bool = phone
        .client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    phone.screenshot("phone-home").await;
    assert!(!wide, "the home page scrolls sideways at 360 px");

    // A case of ward A opened by ward B's officer: not found, nothing shown.
    let scope =
        ketnap_domain::scope::Scope::subtree(app.tree.ward, ketnap_domain::scope::Access::Edit);
    let details = crate::fixtures::person(
        "Đỗ",
        "Thị",
        "Mai",
        crate::fixtures::day(1999, 9, 9),
        ketnap_domain::citizen_id::Sex::Female,
        None,
    );
    let (_, case) = ketnap_domain::ports::CaseStore::create_source(
        &app.store,
        &crate::fixtures::change("canbo"),
        &scope,
        &details,
        app.tree.residential_cell,
        crate::fixtures::day(2025, 9, 1),
        None,
    )
    .await
    .unwrap();
    let desktop = browser(&base, 1280, 900).await.unwrap();
    desktop.login("canbo.phuloi").await;
    desktop.open(&format!("/cases/{case}")).await;
    let text = desktop.text().await;
    assert!(text.contains("Không tìm thấy"), "{text}");
    assert!(!text.contains("Đỗ Thị Mai"));
    assert!(text.contains("Mã yêu cầu"));
    desktop.screenshot("other-ward-not-found").await;
    phone.client.clone().close().await.unwrap();
    desktop.client.clone().close().await.unwrap();
}

impl Session {
    /// Fills and submits the action form `code` on the open case page, as a user would:
    /// opens its section, types into text fields, picks dates, choices and options.
    pub async fn act(&self, code: &str, fields: &[(&str, &str)]) {
        let form = format!("form:has(input[name=action][value={code}])");
        self.client
            .execute(
                "document.querySelector(arguments[0]).closest('details').open = true;",
                vec![serde_json::json!(form)],
            )
            .await
            .unwrap_or_else(|e| panic!("no form {code}: {e}"));
        for (name, value) in fields {
            let css = format!("{form} [name={name}]");
            let field = self
                .client
                .find(Locator::Css(&css))
                .await
                .unwrap_or_else(|e| panic!("{css}: {e}"));
            let kind = field.attr("type").await.unwrap().unwrap_or_default();
            let tag = field.tag_name().await.unwrap();
            if kind == "radio" {
                self.click(&format!("{form} [name={name}][value={value}]"))
                    .await;
            } else if kind == "date" || tag == "select" {
                self.client
                    .execute(
                        "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change'));",
                        vec![serde_json::json!(css), serde_json::json!(value)],
                    )
                    .await
                    .unwrap();
            } else {
                field.clear().await.unwrap();
                field.send_keys(value).await.unwrap();
            }
        }
        self.submit(&format!("{form} button[type=submit]")).await;
    }

    /// Clicks a submit button and waits until the next page has loaded.
    pub async fn submit(&self, css: &str) {
        self.client
            .execute("window.ketnapOldPage = true;", vec![])
            .await
            .unwrap();
        self.click(css).await;
        for _ in 0..200 {
            let loaded = self
                .client
                .execute(
                    "return !window.ketnapOldPage && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .map(|v| v.as_bool() == Some(true));
            if loaded.unwrap_or(false) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no page loaded after clicking {css}");
    }

    /// Sets an input's value as a picker would (a date input takes `YYYY-MM-DD`).
    pub async fn set_value(&self, css: &str, value: &str) {
        let found = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]);
                 if (!e) return false; e.value = arguments[1]; return true;",
                vec![serde_json::json!(css), serde_json::json!(value)],
            )
            .await
            .unwrap();
        assert_eq!(found, serde_json::json!(true), "no {css}");
    }

    /// An input's value as the page holds it now.
    pub async fn value(&self, css: &str) -> String {
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_else(|| panic!("no {css}"))
            .to_string()
    }

    /// Picks the option of a select whose text contains `text`.
    pub async fn choose(&self, css: &str, text: &str) {
        let found = self
            .client
            .execute(
                "const s = document.querySelector(arguments[0]);
                 const o = [...s.options].find(o => o.text.includes(arguments[1]));
                 if (!o) return false; s.value = o.value; s.dispatchEvent(new Event('change')); return true;",
                vec![serde_json::json!(css), serde_json::json!(text)],
            )
            .await
            .unwrap();
        assert_eq!(found, serde_json::json!(true), "no option {text} in {css}");
    }
}

/// A ward officer records a source and takes the case through every stage to official
/// membership in the browser, meeting the violations the rules raise on the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_becomes_an_official_member_in_the_browser() {
    let app = TestApp::new().await;
    let base = serve(&app).await;
    let Some(b) = browser(&base, 1280, 1000).await else {
        return;
    };
    b.login("canbo").await;

    // New source: the CCCD is checked as it is typed.
    b.open("/sources/new").await;
    b.fill("#family_name", "Nguyễn").await;
    b.fill("#middle_name", "Văn").await;
    b.fill("#given_name", "Thắng").await;
    b.fill("#birth_date", "05/05/1995").await;
    b.choose("#sex", "Nam").await;
    b.fill("#citizen_id", "079195123456").await;
    let mut verdict = String::new();
    for _ in 0..40 {
        verdict = b
            .client
            .find(Locator::Css("#citizen_id-check"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if !verdict.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        verdict.contains("nữ"),
        "the CCCD check says the number is a woman's: {verdict}"
    );
    b.screenshot("source-cccd-check").await;
    b.fill("#citizen_id", "079095123456").await;
    b.choose("#ethnicity", "Kinh").await;
    b.choose("#cell", "Chi bộ Khu phố 3").await;
    b.fill("#identified_on", "07/07/2025").await;
    b.fill("#occupation", "Giáo viên").await;
    b.submit("#source-form button[type=submit]").await;
    let case_path = b.path().await;
    assert!(
        case_path.starts_with("/cases/"),
        "after saving: {case_path}: {}",
        b.text().await
    );
    assert!(b.text().await.contains("Nguyễn Văn Thắng"));

    type Step<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let steps: Vec<Step> = vec![
        (
            "add_to_sympathisers",
            vec![
                ("number", "12-NQ/CB"),
                ("dated", "2025-07-14"),
                ("helper", "Lê Văn Tám"),
            ],
            "Cảm tình Đảng",
        ),
        (
            "record_awareness_certificate",
            vec![("number", "NT-2025-118"), ("dated", "2025-08-01")],
            "Đã học lớp nhận thức về Đảng",
        ),
        (
            "open_file",
            vec![("on", "2025-08-04")],
            "Đã nộp đơn và lý lịch",
        ),
        (
            "record_introductions",
            vec![
                ("on", "2025-08-11"),
                ("introducer_1", "Lê Văn Tám"),
                ("introducer_1_since", "2023-01-02"),
                ("introducer_2", "Phạm Thị Hoa"),
                ("introducer_2_since", "2022-09-05"),
            ],
            "Đã có người giới thiệu",
        ),
        (
            "record_opinions",
            vec![("number", "TH-05"), ("dated", "2025-08-18")],
            "Đã lấy ý kiến nhận xét",
        ),
        (
            "complete_verification",
            vec![("number", "KL-09"), ("dated", "2025-08-25")],
            "Đã thẩm tra lý lịch",
        ),
    ];
    for (code, fields, stage) in steps {
        b.act(code, &fields).await;
        let text = b.text().await;
        assert!(text.contains(stage), "{code} → {stage}: {text}");
    }

    // The cell's count cannot exceed its members: refused beside the field, nothing saved.
    b.act(
        "cell_vote",
        &[
            ("number", "20-NQ/CB"),
            ("dated", "2025-09-01"),
            ("votes_for", "11"),
            ("official_members", "10"),
        ],
    )
    .await;
    let text = b.text().await;
    assert!(
        text.contains("vote.count") && text.contains("Đã thẩm tra lý lịch"),
        "{text}"
    );
    b.act(
        "cell_vote",
        &[
            ("number", "20-NQ/CB"),
            ("dated", "2025-09-01"),
            ("votes_for", "9"),
            ("official_members", "10"),
        ],
    )
    .await;
    assert!(b.text().await.contains("Chi bộ đã đề nghị kết nạp"));
    b.act(
        "decide_admission",
        &[
            ("number", "145-QĐ/ĐU"),
            ("dated", "2025-09-15"),
            ("received_on", "2025-09-16"),
            ("approved", "yes"),
        ],
    )
    .await;
    assert!(
        b.text().await.contains("Đã có quyết định kết nạp"),
        "{}",
        b.text().await
    );

    // A ceremony past the 30 working days needs the superior committee's consent.
    b.act(
        "hold_ceremony",
        &[("on", "2025-11-10"), ("mentor", "Lê Văn Tám")],
    )
    .await;
    let text = b.text().await;
    assert!(
        text.contains("qd-294/admission.ceremony_working_days"),
        "{text}"
    );
    assert!(
        text.contains("cần ý kiến đồng ý của cấp ủy cấp trên"),
        "{text}"
    );
    b.screenshot("ceremony-too-late").await;
    b.act(
        "hold_ceremony",
        &[("on", "2025-10-06"), ("mentor", "Lê Văn Tám")],
    )
    .await;
    assert!(b.text().await.contains("Đảng viên dự bị"));

    for (code, fields) in [
        (
            "record_new_member_course",
            vec![("number", "ĐVM-31"), ("dated", "2026-01-15")],
        ),
        (
            "record_self_review",
            vec![("number", "TKĐ-1"), ("dated", "2026-09-25")],
        ),
        (
            "record_mentor_review",
            vec![("number", "NX-1"), ("dated", "2026-09-28")],
        ),
    ] {
        b.act(code, &fields).await;
        assert!(b.text().await.contains("Đảng viên dự bị"), "{code}");
    }
    // Recognition before the 12 months are over is refused.
    b.act(
        "recognition_vote",
        &[
            ("number", "41-NQ/CB"),
            ("dated", "2026-10-05"),
            ("votes_for", "10"),
            ("official_members", "10"),
        ],
    )
    .await;
    assert!(
        b.text().await.contains("qd-294/probation.months"),
        "{}",
        b.text().await
    );
    b.act(
        "recognition_vote",
        &[
            ("number", "41-NQ/CB"),
            ("dated", "2026-10-07"),
            ("votes_for", "10"),
            ("official_members", "10"),
        ],
    )
    .await;
    assert!(
        b.text()
            .await
            .contains("Chi bộ đã đề nghị công nhận chính thức")
    );
    b.act(
        "decide_recognition",
        &[("number", "301-QĐ/ĐU"), ("dated", "2026-10-20")],
    )
    .await;
    let text = b.text().await;
    assert!(text.contains("Đảng viên chính thức"), "{text}");
    assert!(
        text.contains("06/10/2026"),
        "official from the end of the 12 months: {text}"
    );
    b.screenshot("official-member").await;
    b.client.clone().close().await.unwrap();
}

/// The city leader opens the city's report, drills down to one ward and exports it; the
/// charts are drawn without JavaScript and the download answers with a workbook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_leader_drills_down_to_a_ward_and_exports_it() {
    let (app, _) = crate::web_reports::seeded().await;
    let base = serve(&app).await;
    let Some(b) = browser(&base, 1280, 1000).await else {
        return;
    };
    b.login_with_code(&app, "admin").await;
    b.open("/reports?year=2025").await;
    let text = b.text().await;
    assert!(text.contains("Báo cáo: Đảng bộ Thành phố"), "{text}");
    assert!(
        text.contains("Tiến độ kết nạp so với chỉ tiêu năm 2025"),
        "{text}"
    );
    let charts = b.charts().await;
    assert!(charts >= 3, "{charts} charts");
    b.screenshot("reports-city").await;

    // Drill down: the ward's name in the ranking of the city's children.
    let ward = format!(
        "#children a[href=\"/reports?unit={}&year=2025\"]",
        app.tree.ward
    );
    b.submit(&ward).await;
    let text = b.text().await;
    assert!(
        text.contains("Báo cáo: Đảng bộ Phường Thủ Dầu Một"),
        "{text}"
    );
    assert!(
        b.client
            .current_url()
            .await
            .unwrap()
            .query()
            .unwrap_or_default()
            .contains(&format!("unit={}", app.tree.ward))
    );
    b.screenshot("reports-ward").await;

    let href = b.exports_a_workbook(app.code("admin").await).await;
    assert!(href.contains(&format!("unit={}", app.tree.ward)), "{href}");
    b.client.clone().close().await.unwrap();
}

impl Session {
    /// Follows the open report's `.xlsx` export link: the workbook lists people, so the
    /// server first asks for the password (and `code`, for an account with a second factor)
    /// again. Then fetches the link with the browser's session cookie, asserts that it
    /// answers with a workbook and returns the link.
    pub async fn exports_a_workbook(&self, code: Option<String>) -> String {
        let href = self
            .client
            .find(Locator::Css("a[href^=\"/reports/export.xlsx\"]"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        self.open(&href).await;
        assert_eq!(self.path().await, "/reauth");
        self.fill("#password", PASSWORD).await;
        if let Some(code) = code {
            self.fill("#code", &code).await;
        }
        self.screenshot("reauthentication").await;
        // The answer is the download, which leaves the page where it is.
        self.click("form[action=\"/reauth\"] button[type=submit]")
            .await;
        let mut answer = serde_json::Value::Null;
        for _ in 0..100 {
            answer = self
                .client
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     fetch(arguments[0], { credentials: 'same-origin', redirect: 'manual' })
                       .then(r => r.arrayBuffer().then(buf => done({ status: r.status,
                         type: r.headers.get('content-type'), size: buf.byteLength,
                         zip: new Uint8Array(buf.slice(0, 2)).join(',') })))
                       .catch(e => done({ error: String(e) }));",
                    vec![serde_json::json!(href)],
                )
                .await
                .unwrap();
            if answer["status"] == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(answer["status"], 200, "{href}: {answer}");
        assert_eq!(
            answer["type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(answer["zip"], "80,75", "an xlsx is a zip file: {answer}");
        href
    }

    /// How many server-drawn SVG charts the open page has.
    pub async fn charts(&self) -> usize {
        self.client
            .find_all(Locator::Css("svg.chart"))
            .await
            .unwrap()
            .len()
    }
}

/// The same walk on the real demo city (168 wards, communes and special zone, some 40,000
/// cases): the city leader opens HCMC's report for the current year, drills down to Phường
/// Thủ Dầu Một and exports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_leader_opens_the_hcmc_demo_dashboard() {
    use crate::demo::generator;
    use ketnap_domain::access::Role;
    use ketnap_domain::calendar::Calendar;
    use ketnap_domain::rules::RuleBook;

    let today = crate::fixtures::day(2026, 11, 28);
    let rules = RuleBook::builtin().unwrap();
    let calendar = Calendar::published().unwrap();
    let data = generator::build(today, &rules, &calendar).unwrap();
    let unit = |code: &str| {
        data.units
            .iter()
            .find(|u| u.code.as_deref() == Some(code))
            .unwrap()
    };
    let city = unit(generator::CITY_CODE);
    let ward = unit("25747");
    assert_eq!(ward.name, "Đảng bộ Phường Thủ Dầu Một");
    let (store, _dir) = crate::fixtures::sqlite_store().await;
    let admin = crate::fixtures::change("admin");
    store.load_dataset(&admin, &data, "demo").await.unwrap();
    let account = ketnap_store::NewUser {
        username: "admin".into(),
        display_name: "Lãnh đạo Thành ủy".into(),
        password: PASSWORD.into(),
        role: Role::Admin,
        unit: city.id,
        mass_org: None,
    };
    store.add_user(&admin, &account).await.unwrap();
    let base = serve_router(ketnap_web::app(store.clone(), WebConfig::default())).await;
    let Some(b) = browser(&base, 1280, 1000).await else {
        return;
    };
    // The city's leader signs in for the first time: the second factor is set up first.
    let authenticator = b.login_and_enrol("admin").await;
    // The demo is built for 28/11/2026: its year, whatever the clock says.
    b.open("/reports?year=2026").await;
    let text = b.text().await;
    assert!(
        text.contains("Báo cáo: Đảng bộ Thành phố Hồ Chí Minh"),
        "{text}"
    );
    let charts = b.charts().await;
    assert!(charts >= 3, "{charts} charts");
    let children = b
        .client
        .find(Locator::Css("#children"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        ward.name.as_str(),
        "Đảng bộ Phường Sài Gòn",
        "Đảng bộ Đặc khu Côn Đảo",
    ] {
        assert!(children.contains(name), "{name}: {children}");
    }
    b.screenshot("reports-hcmc-city").await;

    // Drill down: Thủ Dầu Một's name in the city's children, for the same year.
    b.submit(&format!(
        "#children a[href^=\"/reports?unit={}&\"]",
        ward.id
    ))
    .await;
    let text = b.text().await;
    assert!(
        text.contains("Báo cáo: Đảng bộ Phường Thủ Dầu Một"),
        "{text}"
    );
    let query = b.client.current_url().await.unwrap();
    let query = query.query().unwrap_or_default();
    assert!(query.contains(&format!("unit={}", ward.id)), "{query}");
    assert!(b.charts().await >= 1);
    b.screenshot("reports-hcmc-ward").await;

    let href = b
        .exports_a_workbook(Some(next_code(&authenticator).await))
        .await;
    assert!(href.contains(&format!("unit={}", ward.id)), "{href}");
    b.client.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ward_officer_uploads_a_list_reviews_it_and_confirms() {
    let app = TestApp::new().await;
    let base = serve(&app).await;
    let Some(b) = browser(&base, 1280, 1000).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("danh-sach.xlsx");
    std::fs::write(
        &file,
        crate::import_people::list(&crate::import_people::good_rows()),
    )
    .unwrap();
    b.login("canbo").await;
    b.open("/import").await;
    b.choose("#import-kind", "Quần chúng ưu tú").await;
    b.client
        .find(Locator::Css("#import-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    // The upload goes through the page's script (with its progress bar), which then shows
    // the review the server answered with.
    b.click("#import-form button[type=submit]").await;
    let mut text = String::new();
    for _ in 0..200 {
        // The body is replaced under us: read it by script, not as an element.
        let body = b
            .client
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await;
        text = body
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if text.contains("Kiểm tra xong") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(text.contains("sẽ ghi 5 dòng"), "{text}");
    assert!(
        text.contains("Nguyễn Văn An"),
        "TCVN3 shown converted: {text}"
    );
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/import/review");
    b.screenshot("import-review").await;
    b.submit("#import-confirm").await;
    let text = b.text().await;
    assert!(text.contains("Đã ghi 5 dòng"), "{text}");
    b.screenshot("import-written").await;
}

/// Work between organisations as its users do it: the ward's Youth Union officer nominates
/// a member; the ward officer accepts her into a cell; she moves to the other ward, whose
/// officer accepts the transfer and sees her whole history.
#[tokio::test]
async fn a_youth_union_nominee_is_accepted_and_transferred_in_the_browser() {
    let app = TestApp::new().await;
    let base = serve(&app).await;
    let Some(b) = browser(&base, 1280, 1000).await else {
        return;
    };
    // The day in Việt Nam, as the server has it (UTC is a day behind from 17:00 UTC).
    let today = ketnap_domain::workflow::today_in_vietnam(chrono::Utc::now());
    let dmy = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();

    b.login("doanthe").await;
    b.open("/nominations/new").await;
    b.fill("#family_name", "Phan").await;
    b.fill("#middle_name", "Thị").await;
    b.fill("#given_name", "Yến").await;
    b.fill("#birth_date", "15/03/2001").await;
    b.choose("#sex", "Nữ").await;
    b.choose("#ethnicity", "Kinh").await;
    b.choose("#unit", "Đảng bộ Phường Thủ Dầu Một").await;
    b.fill("#resolution_number", "05-NQ/ĐTN").await;
    b.fill("#resolution_date", &dmy(today - chrono::Duration::days(3)))
        .await;
    b.fill(
        "#reasons",
        "Bí thư chi đoàn khu phố, hai năm liền hoàn thành xuất sắc nhiệm vụ",
    )
    .await;
    b.submit("#nomination-form button[type=submit]").await;
    assert_eq!(b.path().await, "/nominees", "{}", b.text().await);
    let text = b.text().await;
    assert!(
        text.contains("Phan Thị Yến") && text.contains("Đang chờ"),
        "{text}"
    );
    b.screenshot("nomination-sent").await;
    b.client.clone().close().await.unwrap();

    // The ward officer finds it in the inbox and accepts it into a cell.
    let b = browser(&base, 1280, 1000).await.unwrap();
    b.login("canbo").await;
    b.open("/nominations").await;
    b.click("a[href^='/nominations/']:not([href$='/new'])")
        .await;
    assert!(b.text().await.contains("Bí thư chi đoàn khu phố"));
    b.choose("#cell", "Chi bộ Khu phố 3").await;
    // A date input like the other decisions', today unless changed.
    assert_eq!(b.value("#identified_on").await, today.to_string());
    b.set_value("#identified_on", &today.to_string()).await;
    b.screenshot("nomination-review").await;
    b.submit("#accept-form button[type=submit]").await;
    let case_path = b.path().await;
    assert!(
        case_path.starts_with("/cases/"),
        "{case_path}: {}",
        b.text().await
    );
    assert!(b.text().await.contains("Phan Thị Yến"));

    // She moves to the other ward: the officer writes why, then looks the cell up anywhere
    // in the system; the search keeps what was written (and puts none of it in the URL).
    b.open(&format!("{case_path}/transfer")).await;
    b.fill("#reason", "Gia đình chuyển về phường Phú Lợi").await;
    b.fill("#q", "Khu phố 1").await;
    b.submit("#transfer-form button[name=step][value=search]")
        .await;
    assert_eq!(b.path().await, format!("{case_path}/transfer"));
    assert_eq!(b.client.current_url().await.unwrap().query(), None);
    assert_eq!(
        b.value("#reason").await,
        "Gia đình chuyển về phường Phú Lợi"
    );
    b.choose("#to_unit", "Chi bộ Khu phố 1").await;
    b.set_value("#on", &today.to_string()).await;
    b.screenshot("transfer-form").await;
    b.submit("#transfer-form .actions button[type=submit]")
        .await;
    b.open("/transfers").await;
    let text = b.text().await;
    assert!(
        text.contains("Phan Thị Yến") && text.contains("Chi bộ Khu phố 1"),
        "{text}"
    );
    b.screenshot("transfer-pending-sender").await;
    b.client.clone().close().await.unwrap();

    // The receiving officer accepts and sees the whole history: nomination, source, move.
    let r = browser(&base, 1280, 1000).await.unwrap();
    r.login("canbo.phuloi").await;
    r.open("/transfers").await;
    assert!(r.text().await.contains("Phan Thị Yến"));
    r.screenshot("transfer-pending-receiver").await;
    r.submit("form[action$='/accept'] button[type=submit]")
        .await;
    r.open(&case_path).await;
    let text = r.text().await;
    assert!(text.contains("Phan Thị Yến"), "{text}");
    assert!(text.contains("Chi bộ Khu phố 1"), "{text}");
    assert!(
        text.contains("Chuyển sinh hoạt từ Chi bộ Khu phố 3"),
        "{text}"
    );
    assert!(
        text.contains("05-NQ/ĐTN"),
        "the nomination's resolution travels: {text}"
    );
    r.screenshot("transfer-received-history").await;
    r.client.clone().close().await.unwrap();

    // The sending officer keeps only the record that she left, and where to.
    let b = browser(&base, 1280, 1000).await.unwrap();
    b.login("canbo").await;
    b.open(&case_path).await;
    assert!(b.text().await.contains("Không tìm thấy"));
    b.open("/transfers").await;
    let text = b.text().await;
    assert!(
        text.contains("Phan Thị Yến") && text.contains("Chi bộ Khu phố 1"),
        "{text}"
    );
    b.screenshot("transfer-left-record").await;
    b.client.clone().close().await.unwrap();
}
