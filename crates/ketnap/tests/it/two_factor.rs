//! The second factor (TOTP), re-authentication before bulk exports, and the administrators'
//! sessions and accounts pages: in-process through the router, and the store's part on
//! every backend (`on_store`, which the PostgreSQL story runs too).

use std::sync::Mutex;

use axum::http::{StatusCode, header};
use ketnap_domain::access::Role;
use ketnap_domain::ids::UserId;
use ketnap_domain::ports::{Change, StoreError};
use ketnap_store::{CodeCheck, EndSessions, NewUser, Pending, Store};

use crate::fixtures::{change, now, sqlite_store, tree};
use crate::web::{
    Answer, Authenticator, Browser, PASSWORD, TestApp, cookie_of, csrf_in, next_code, secret_in,
};

/// Adds an account with the fixture password.
async fn add(app: &TestApp, username: &str, role: Role, unit: ketnap_domain::ids::UnitId) {
    let user = NewUser {
        username: username.into(),
        display_name: format!("Người dùng {username}"),
        password: PASSWORD.into(),
        role,
        unit,
        mass_org: None,
    };
    app.store.add_user(&change("admin"), &user).await.unwrap();
}

/// A browser holding the cookie an answer set (a half-session's, after the password).
fn holding(answer: &Answer, username: &str) -> Browser {
    Browser {
        cookie: cookie_of(answer),
        csrf: String::new(),
        username: username.into(),
    }
}

/// The audit rows of `actions`, as (action, actor, entity id), oldest first.
/// A code that is not `right`.
fn wrong_code(right: &str) -> &'static str {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
}

async fn audit_rows(app: &TestApp, actions: &[&str]) -> Vec<(String, String, String)> {
    let pool = sqlx::SqlitePool::connect(&app.database_url())
        .await
        .unwrap();
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT action, actor, entity_id FROM audit_log ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    rows.into_iter()
        .filter(|(action, _, _)| actions.contains(&action.as_str()))
        .collect()
}

/// A half-session opens no page: every page sends it to the login form.
async fn opens_nothing(app: &TestApp, half: &Browser) {
    for path in [
        "/",
        "/cases",
        "/account/password",
        "/account/two-factor",
        "/admin/sessions",
        "/reauth",
    ] {
        let answer = app.get(Some(half), path).await;
        assert_eq!(answer.location(), Some("/login"), "{path}: {}", answer.body);
    }
    let out = app.post(half, "/logout", &[]).await;
    assert_eq!(out.location(), Some("/login"));
}

#[tokio::test]
async fn an_administrator_and_a_province_account_must_enrol_before_anything_opens() {
    let app = TestApp::new().await;
    let t = &app.tree;
    add(&app, "lanhdao.tinh", Role::Viewer, t.city).await;
    add(&app, "quantri.phuong", Role::Admin, t.ward).await;
    for username in ["lanhdao.tinh", "quantri.phuong"] {
        let answer = app.send_login(username).await;
        assert_eq!(answer.location(), Some("/login/enrol"), "{username}");
        let mut half = holding(&answer, username);
        opens_nothing(&app, &half).await;
        // The code page is for enrolled accounts only.
        assert_eq!(
            app.get(Some(&half), "/login/code").await.location(),
            Some("/login")
        );

        let page = app.get(Some(&half), "/login/enrol").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let secret = secret_in(&page.body).unwrap();
        assert_eq!(secret.len(), 32, "160 bits in base32");
        assert!(page.body.contains(&format!(
            "otpauth://totp/ketnap:{username}?secret={secret}&#38;issuer=ketnap"
        )));
        assert!(page.body.contains("<svg"), "the QR code");
        assert!(!page.body.contains("<?xml"));
        // Shown again, the same secret: it is kept on the half-session until confirmed.
        let again = app.get(Some(&half), "/login/enrol").await;
        assert_eq!(secret_in(&again.body).unwrap(), secret);
        half.csrf = csrf_in(&page.body).unwrap();

        // Without the half-session's token the form is refused.
        let forged = app
            .send(
                Some(&half),
                axum::http::Method::POST,
                "/login/enrol",
                Some("code=123456".into()),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        // A wrong code keeps nothing.
        let authenticator = Mutex::new(Authenticator::new(&secret));
        let right = next_code(&authenticator).await;
        let wrong = wrong_code(&right);
        let refused = app.post(&half, "/login/enrol", &[("code", wrong)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("không đúng"), "{}", refused.body);
        let user = app.store.user_by_name(username).await.unwrap().unwrap();
        assert!(!app.store.has_second_factor(UserId(user.id)).await.unwrap());
        opens_nothing(&app, &half).await;

        // The right code keeps the secret and signs in under a new token.
        let half = holding(&app.send_login(username).await, username);
        let page = app.get(Some(&half), "/login/enrol").await;
        let secret = secret_in(&page.body).unwrap();
        let half = Browser {
            csrf: csrf_in(&page.body).unwrap(),
            ..half
        };
        let authenticator = Mutex::new(Authenticator::new(&secret));
        let done = app
            .post(
                &half,
                "/login/enrol",
                &[("code", &next_code(&authenticator).await)],
            )
            .await;
        assert_eq!(done.location(), Some("/"), "{}", done.body);
        let signed_in = holding(&done, username);
        assert_ne!(signed_in.cookie, half.cookie);
        assert_eq!(app.get(Some(&signed_in), "/").await.status, StatusCode::OK);
        assert_eq!(
            app.get(Some(&half), "/").await.location(),
            Some("/login"),
            "the half-session's token opens nothing afterwards"
        );
        assert!(app.store.has_second_factor(UserId(user.id)).await.unwrap());

        // From now on the password leads to the code.
        let answer = app.send_login(username).await;
        assert_eq!(answer.location(), Some("/login/code"));
        let half = holding(&answer, username);
        opens_nothing(&app, &half).await;
    }
    let rows = audit_rows(&app, &["two_factor.enrol", "two_factor.failure"]).await;
    let lanhdao = app
        .store
        .user_by_name("lanhdao.tinh")
        .await
        .unwrap()
        .unwrap();
    assert!(rows.contains(&(
        "two_factor.failure".into(),
        "lanhdao.tinh".into(),
        lanhdao.id.to_string()
    )));
    assert!(rows.contains(&(
        "two_factor.enrol".into(),
        "lanhdao.tinh".into(),
        lanhdao.id.to_string()
    )));
}

/// Signs in with the password of an account with a second factor and opens the code page.
async fn code_page(app: &TestApp, username: &str) -> Browser {
    let answer = app.send_login(username).await;
    assert_eq!(answer.location(), Some("/login/code"));
    let half = holding(&answer, username);
    let page = app.get(Some(&half), "/login/code").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("autocomplete=\"one-time-code\""));
    Browser {
        csrf: csrf_in(&page.body).unwrap(),
        ..half
    }
}

#[tokio::test]
async fn wrong_and_reused_codes_are_refused_and_throttled() {
    let app = TestApp::new().await;
    let half = code_page(&app, "admin").await;
    let right = app.code("admin").await.unwrap();
    let wrong = wrong_code(&right);
    let refused = app.post(&half, "/login/code", &[("code", wrong)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.body.contains("không đúng"), "{}", refused.body);
    assert_eq!(app.get(Some(&half), "/").await.location(), Some("/login"));
    let done = app.post(&half, "/login/code", &[("code", &right)]).await;
    assert_eq!(done.location(), Some("/"), "{}", done.body);

    // The same code again, in the same step: refused.
    let half = code_page(&app, "admin").await;
    let replayed = app.post(&half, "/login/code", &[("code", &right)]).await;
    assert_eq!(replayed.status, StatusCode::UNAUTHORIZED);
    assert!(replayed.body.contains("vừa được dùng"), "{}", replayed.body);
    assert_eq!(app.get(Some(&half), "/").await.location(), Some("/login"));

    // Five wrong codes (the reused one with them): then even a right one is refused for
    // a while, unchecked.
    for _ in 0..4 {
        app.post(&half, "/login/code", &[("code", wrong)]).await;
    }
    let code = app.code("admin").await.unwrap();
    let blocked = app.post(&half, "/login/code", &[("code", &code)]).await;
    assert_eq!(blocked.status, StatusCode::UNAUTHORIZED);
    assert!(blocked.body.contains("quá nhiều lần"), "{}", blocked.body);

    let rows = audit_rows(&app, &["two_factor.success", "two_factor.failure"]).await;
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "two_factor.failure",
            "two_factor.success",
            "two_factor.failure",
            "two_factor.failure",
            "two_factor.failure",
            "two_factor.failure",
            "two_factor.failure",
        ],
        "the throttled try checks nothing"
    );
}

#[tokio::test]
async fn a_ward_officer_may_turn_it_on_and_an_administrator_resets_it() {
    let app = TestApp::new().await;
    // Optional: a ward officer signs in with the password alone.
    let officer = app.login("canbo").await;
    let page = app.get(Some(&officer), "/account/password").await;
    assert!(page.body.contains("href=\"/account/two-factor\""));
    let page = app.get(Some(&officer), "/account/two-factor").await;
    assert_eq!(page.status, StatusCode::OK);
    let secret = secret_in(&page.body).unwrap();
    let authenticator = Mutex::new(Authenticator::new(&secret));
    let right = next_code(&authenticator).await;
    let wrong = wrong_code(&right);
    let refused = app
        .post(&officer, "/account/two-factor", &[("code", wrong)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let on = app
        .post(&officer, "/account/two-factor", &[("code", &right)])
        .await;
    assert_eq!(on.location(), Some("/account/two-factor"), "{}", on.body);
    let page = app.get(Some(&officer), "/account/two-factor").await;
    assert!(page.body.contains("đang bật"), "{}", page.body);
    assert!(secret_in(&page.body).is_none());

    // Its next sign-in asks for the code.
    let half = code_page(&app, "canbo").await;
    let done = app
        .post(
            &half,
            "/login/code",
            &[("code", &next_code(&authenticator).await)],
        )
        .await;
    assert_eq!(done.location(), Some("/"), "{}", done.body);
    let officer = holding(&done, "canbo");

    // The administrator sees it on the accounts page and resets it (a lost phone).
    let admin = app.login("admin").await;
    let accounts = app.get(Some(&admin), "/admin/accounts").await;
    assert_eq!(accounts.status, StatusCode::OK);
    let row = row_of(&accounts.body, "(canbo)");
    assert!(row.contains("Đã bật"), "{row}");
    let user = app.store.user_by_name("canbo").await.unwrap().unwrap();
    assert!(row.contains(&format!("name=\"user\" value=\"{}\"", user.id)));
    assert!(row_of(&accounts.body, "(xem)").contains("Chưa bật"));
    let reset = app
        .post(
            &admin,
            "/admin/accounts/two-factor-reset",
            &[("user", &user.id.to_string())],
        )
        .await;
    assert_eq!(reset.location(), Some("/admin/accounts"), "{}", reset.body);
    assert_eq!(
        app.get(Some(&officer), "/").await.location(),
        Some("/login"),
        "a reset ends the account's sessions"
    );
    assert_eq!(app.send_login("canbo").await.location(), Some("/"));
    // Nothing left to reset; and only within the administrator's subtree.
    let again = app
        .post(
            &admin,
            "/admin/accounts/two-factor-reset",
            &[("user", &user.id.to_string())],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let outside = app
        .store
        .reset_second_factor(
            &change("admin"),
            app.tree.other_ward,
            UserId(app.store.user_by_name("admin").await.unwrap().unwrap().id),
        )
        .await;
    assert!(
        matches!(outside, Err(StoreError::NotFound(_))),
        "{outside:?}"
    );
    let rows = audit_rows(&app, &["two_factor.enrol", "two_factor.reset"]).await;
    assert!(rows.contains(&(
        "two_factor.reset".into(),
        "admin".into(),
        user.id.to_string()
    )));
    assert!(rows.contains(&(
        "two_factor.enrol".into(),
        "canbo".into(),
        user.id.to_string()
    )));
}

/// The table row of `html` that contains `text`.
fn row_of<'a>(html: &'a str, text: &str) -> &'a str {
    html.split("<tr>")
        .find(|row| row.contains(text))
        .unwrap_or_else(|| panic!("no row with {text}: {html}"))
}

#[tokio::test]
async fn bulk_exports_ask_for_the_password_again_then_download() {
    let app = TestApp::new().await;
    let officer = app.login("canbo").await;
    let path = "/cases?stage=source&format=csv";
    let sent = app.get(Some(&officer), path).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let location = sent.location().unwrap().to_string();
    assert_eq!(
        location,
        "/reauth?next=%2Fcases%3Fstage%3Dsource%26format%3Dcsv"
    );
    let page = app.get(Some(&officer), &location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("name=\"next\" value=\"/cases?stage=source&#38;format=csv\"")
    );
    assert!(!page.body.contains("name=\"code\""), "no second factor");
    for other in [
        "/import/export?kind=people",
        "/reports/export.xlsx",
        "/reports/export.csv?table=overdue_cases",
    ] {
        let answer = app.get(Some(&officer), other).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{other}");
        assert!(answer.location().unwrap().starts_with("/reauth?next="));
    }
    // A table of figures only is not personal data.
    let funnel = app
        .get(Some(&officer), "/reports/export.csv?table=funnel")
        .await;
    assert_eq!(funnel.status, StatusCode::OK);

    let wrong = app
        .post(
            &officer,
            "/reauth",
            &[("password", "sai-mat-khau"), ("next", path)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Mật khẩu không đúng"));
    assert_eq!(
        app.get(Some(&officer), path).await.status,
        StatusCode::SEE_OTHER
    );
    let done = app
        .post(
            &officer,
            "/reauth",
            &[("password", PASSWORD), ("next", path)],
        )
        .await;
    assert_eq!(done.location(), Some(path), "back to the download");
    // Which first asks what the list is for, keeping the request's own parameters.
    let asked = app.get(Some(&officer), path).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("name=\"purpose\" value=\"review\""));
    assert!(asked.body.contains("name=\"format\" value=\"csv\""));
    let odd = app
        .get(Some(&officer), &format!("{path}&purpose=vui-choi"))
        .await;
    assert!(
        odd.body.contains("không có trong danh sách"),
        "{}",
        odd.body
    );
    let file = app
        .get(Some(&officer), &format!("{path}&purpose=review"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(
        file.headers[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    for other in ["/import/export?kind=people", "/reports/export.xlsx"] {
        assert_eq!(
            app.get(Some(&officer), other).await.status,
            StatusCode::OK,
            "{other}"
        );
    }
    // Only paths of this site are followed.
    for next in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let done = app
            .post(
                &officer,
                "/reauth",
                &[("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(done.location(), Some("/"), "{next}");
    }
    // Five minutes later the session must enter them again.
    let pool = sqlx::SqlitePool::connect(&app.database_url())
        .await
        .unwrap();
    let earlier = (chrono::Utc::now() - chrono::Duration::minutes(6))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    sqlx::query("UPDATE sessions SET reauth_at = $1 WHERE reauth_at IS NOT NULL")
        .bind(earlier)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        app.get(Some(&officer), path).await.status,
        StatusCode::SEE_OTHER
    );

    // An account with a second factor enters its code too.
    let admin = app.login("admin").await;
    let page = app
        .get(Some(&admin), "/reauth?next=/import/export%3Fkind%3Dpeople")
        .await;
    assert!(page.body.contains("name=\"code\""));
    let without = app
        .post(&admin, "/reauth", &[("password", PASSWORD), ("next", "/")])
        .await;
    assert_eq!(without.status, StatusCode::UNAUTHORIZED);
    app.reauth(&admin).await;
    assert_eq!(
        app.get(Some(&admin), "/import/export?kind=people")
            .await
            .status,
        StatusCode::OK
    );
    let purposes: Vec<Option<String>> =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'person.export'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        purposes
            .iter()
            .flatten()
            .any(|a| a.ends_with("mục đích: Rà soát, đối chiếu hồ sơ")),
        "{purposes:?}"
    );
    let rows = audit_rows(&app, &["session.reauth"]).await;
    assert!(rows.iter().any(|r| r.1 == "canbo") && rows.iter().any(|r| r.1 == "admin"));
}

#[tokio::test]
async fn administrators_see_live_sessions_and_end_them() {
    let app = TestApp::new().await;
    let officer = app.login("canbo").await;
    let officer_again = app.login("canbo").await;
    let viewer = app.login("xem").await;
    let waiting = holding(&app.send_login("admin").await, "admin");
    let admin = app.login("admin").await;
    let page = app.get(Some(&admin), "/admin/sessions").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    for browser in [&officer, &officer_again, &viewer, &waiting, &admin] {
        assert!(!body.contains(&browser.cookie), "never a token");
        let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            browser.cookie.as_bytes(),
        ));
        assert!(!body.contains(&hash), "nor its hash");
    }
    assert_eq!(body.matches("(canbo)").count(), 2);
    let row = row_of(body, "(xem)");
    assert!(
        row.contains("Xem") && row.contains("Đảng bộ Phường Thủ Dầu Một"),
        "{row}"
    );
    assert!(body.contains("Chờ xác thực hai bước"), "the half-session");
    assert!(body.contains("(phiên này)"));

    // One session ends.
    let session = row
        .split("name=\"session\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let ended = app
        .post(&admin, "/admin/sessions/end", &[("session", &session)])
        .await;
    assert_eq!(ended.location(), Some("/admin/sessions"), "{}", ended.body);
    let answer = app.get(Some(&viewer), "/").await;
    assert_eq!(answer.location(), Some("/login"));
    let login = app.get(Some(&viewer), "/login").await;
    assert!(login.body.contains("name=\"password\""), "the login page");
    assert_eq!(app.get(Some(&officer), "/").await.status, StatusCode::OK);

    // Every session of an account ends.
    let user = app.store.user_by_name("canbo").await.unwrap().unwrap();
    let ended = app
        .post(
            &admin,
            "/admin/sessions/end",
            &[("user", &user.id.to_string())],
        )
        .await;
    assert_eq!(ended.location(), Some("/admin/sessions"));
    for browser in [&officer, &officer_again] {
        assert_eq!(app.get(Some(browser), "/").await.location(), Some("/login"));
    }
    assert_eq!(app.get(Some(&admin), "/").await.status, StatusCode::OK);
    let page = app.get(Some(&admin), "/admin/sessions").await;
    assert!(!page.body.contains("(canbo)") && !page.body.contains("(xem)"));
    // A session already ended, and a form that names nothing.
    let again = app
        .post(&admin, "/admin/sessions/end", &[("session", &session)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let nothing = app.post(&admin, "/admin/sessions/end", &[]).await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);
    assert!(nothing.body.contains("Hãy chọn"));
    let rows = audit_rows(&app, &["session.end"]).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.1 == "admin"));
}

#[tokio::test]
async fn the_store_keeps_second_factors_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    on_store(&store).await;
}

/// The store's part, with the clock as a parameter: half-sessions, enrolment, codes once
/// per step, completion, re-authentication, the sessions list, ending and resetting.
pub async fn on_store(store: &Store) {
    let t = tree(store, "tf").await;
    let user = NewUser {
        username: "lanhdao.tf".into(),
        display_name: "Lãnh đạo".into(),
        password: PASSWORD.into(),
        role: Role::Viewer,
        unit: t.city,
        mass_org: None,
    };
    let id = store.add_user(&change("admin"), &user).await.unwrap();
    let at = |seconds: i64| Change {
        now: now() + chrono::Duration::seconds(seconds),
        ..change("lanhdao.tf")
    };
    let (idle, absolute) = (chrono::Duration::minutes(30), chrono::Duration::hours(12));
    let token = store
        .create_half_session(&at(0), id, Pending::Enrol)
        .await
        .unwrap();
    assert!(
        store
            .session(&token, now(), idle, absolute)
            .await
            .unwrap()
            .is_none()
    );
    let half = store.half_session(&token, now()).await.unwrap().unwrap();
    assert_eq!(half.pending, Pending::Enrol);
    let secret = store.enrolment_secret(half.id).await.unwrap();
    assert_eq!(store.enrolment_secret(half.id).await.unwrap(), secret);
    let app = Authenticator::new(&secret);
    let step = now().timestamp() / 30;
    assert_eq!(
        store
            .enrol_second_factor(&at(0), half.id, &app.code_at(step + 5))
            .await
            .unwrap(),
        CodeCheck::Wrong
    );
    assert!(!store.has_second_factor(id).await.unwrap());
    assert_eq!(
        store
            .enrol_second_factor(&at(0), half.id, &app.code_at(step))
            .await
            .unwrap(),
        CodeCheck::Accepted
    );
    assert!(store.has_second_factor(id).await.unwrap());
    // The step enrolment used, and any before it, are spent.
    for (seconds, code, expected) in [
        (0, step, CodeCheck::Reused),
        (30, step - 1, CodeCheck::Wrong),
        (30, step, CodeCheck::Reused),
        (30, step + 1, CodeCheck::Accepted),
        (30, step + 1, CodeCheck::Reused),
        (30, step + 2, CodeCheck::Accepted),
        (30, step + 3, CodeCheck::Wrong),
    ] {
        assert_eq!(
            store
                .check_second_factor(&at(seconds), id, &app.code_at(code))
                .await
                .unwrap(),
            expected,
            "at +{seconds} s, step {}",
            code - step
        );
    }
    let full = store.complete_session(&at(30), half.id).await.unwrap();
    assert!(store.half_session(&token, now()).await.unwrap().is_none());
    let session = store
        .session(&full, now(), idle, absolute)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.reauth_at, None);
    let session_id = session.id.unwrap();
    store
        .mark_reauthenticated(&at(60), session_id)
        .await
        .unwrap();
    let session = store
        .session(&full, now(), idle, absolute)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.reauth_at, Some(at(60).now));

    // A half-session lasts ten minutes.
    let late = store
        .create_half_session(&at(0), id, Pending::Code)
        .await
        .unwrap();
    assert!(
        store
            .half_session(&late, now() + chrono::Duration::minutes(11))
            .await
            .unwrap()
            .is_none()
    );

    // The sessions an administrator of the city sees, and of a ward does not.
    let waiting = store
        .create_half_session(&at(0), id, Pending::Code)
        .await
        .unwrap();
    let live = store
        .live_sessions(t.city, now(), idle, absolute)
        .await
        .unwrap();
    let mine: Vec<_> = live.iter().filter(|s| s.user_id == id.0).collect();
    assert_eq!(mine.len(), 2, "{live:?}");
    assert_eq!(mine.iter().filter(|s| s.pending).count(), 1);
    assert_eq!(mine[0].unit_name, "Đảng bộ Thành phố");
    assert!(
        store
            .live_sessions(t.ward, now(), idle, absolute)
            .await
            .unwrap()
            .iter()
            .all(|s| s.user_id != id.0)
    );
    let admin = change("admin");
    assert!(matches!(
        store
            .end_sessions(&admin, t.ward, EndSessions::One(session_id))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store
            .end_sessions(&admin, t.city, EndSessions::One(session_id))
            .await
            .unwrap(),
        1
    );
    assert!(
        store
            .session(&full, now(), idle, absolute)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .end_sessions(&admin, t.city, EndSessions::AllOf(id))
            .await
            .unwrap(),
        1
    );
    assert!(store.half_session(&waiting, now()).await.unwrap().is_none());
    store.reset_second_factor(&admin, t.city, id).await.unwrap();
    assert!(!store.has_second_factor(id).await.unwrap());
    let summary = store.accounts_in(t.city).await.unwrap();
    let row = summary.iter().find(|a| a.id == id.0).unwrap();
    assert_eq!((row.two_factor, row.unit_kind.as_str()), (0, "province"));
}
