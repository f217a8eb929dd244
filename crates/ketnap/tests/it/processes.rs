//! Several stateless server processes against one PostgreSQL (issue 7.3): two real
//! `ketnap serve` processes on loopback share sessions, see each other's changes at once,
//! and a sign-out on one ends the session on both; wrong passwords count across them.
//! Nothing that matters lives in a process: sessions, throttles, jobs and locks are rows.

use axum::http::StatusCode;
use ketnap_domain::access::Role;
use ketnap_store::{Create, NewUser};

use crate::fixtures::{change, open_store, tree};
use crate::served::{Http, Server, pairs};
use crate::web::PASSWORD;
use crate::web_people::source_fields;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_share_sessions_and_changes() {
    let Some(url) = std::env::var("KETNAP_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true needs KETNAP_TEST_POSTGRES_URL"
        );
        eprintln!("KETNAP_TEST_POSTGRES_URL is not set: skipping the two-process test.");
        return;
    };
    let store = open_store(&url, Create::Never).await;
    store.migrate().await.unwrap();
    // Codes and names of its own: the database is shared with the PostgreSQL story.
    let t = tree(&store, "mp").await;
    store
        .add_user(
            &change("admin"),
            &NewUser {
                username: "canbo.haitientrinh".into(),
                display_name: "Cán bộ hai tiến trình".into(),
                password: PASSWORD.into(),
                role: Role::Officer,
                unit: t.ward,
                mass_org: None,
            },
        )
        .await
        .unwrap();
    store.close().await;

    let log = std::env::temp_dir().join(format!("ketnap-two-servers-{}.log", std::process::id()));
    let (a, b) = (
        Server::start(&url, &log, "warn").await,
        Server::start(&url, &log, "warn").await,
    );
    let mut on_a = Http::new(&a.base);
    on_a.sign_in("canbo.haitientrinh").await;
    // The same browser, sent to the other process by a load balancer.
    let mut on_b = Http::new(&b.base);
    on_b.cookie = on_a.cookie.clone();
    on_b.csrf = on_a.csrf.clone();
    let home = on_b.get("/").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    assert!(home.body.contains("Cán bộ hai tiến trình"), "{}", home.body);

    // A source recorded through B is on A's pages at once, with its count.
    let before = on_a.get("/cases").await;
    assert!(!before.body.contains("Trương Thị Hai"));
    let form = source_fields(
        t.residential_cell,
        &[
            ("family_name", "Trương"),
            ("given_name", "Hai"),
            ("citizen_id", ""),
        ],
    );
    let created = on_b.submit("/sources", &form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let case_path = created.location.unwrap();
    let page = on_a.get(&case_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Trương Thị Hai"), "{}", page.body);
    assert!(on_a.get("/cases").await.body.contains("Trương Thị Hai"));

    // Signing out on A ends the session on B too.
    let out = on_a.submit("/logout", &pairs(&[])).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    let after = on_b.get("/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(
        after
            .location
            .as_deref()
            .unwrap_or_default()
            .starts_with("/login")
    );

    // Wrong passwords count across the processes: five, alternating, and the right one is
    // refused on either, as on one server.
    for n in 0..5 {
        let mut http = Http::new(if n % 2 == 0 { &a.base } else { &b.base });
        let wrong = http
            .post(
                "/login",
                &pairs(&[
                    ("username", "canbo.haitientrinh"),
                    ("password", "sai mật khẩu"),
                ]),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    for base in [&a.base, &b.base] {
        let right = Http::new(base)
            .post(
                "/login",
                &pairs(&[("username", "canbo.haitientrinh"), ("password", PASSWORD)]),
            )
            .await;
        assert_eq!(right.status, StatusCode::UNAUTHORIZED, "{}", right.body);
        assert!(right.body.contains("đã thử sai quá nhiều lần"));
    }
    let _ = std::fs::remove_file(&log);
}
