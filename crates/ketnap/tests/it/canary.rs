//! No personal data in URLs, logs or the database file: a canary CCCD (and a canary name) is
//! planted through the real server, `ketnap serve` at its most verbose logging, and then
//! searched for, opened, listed and typed wrongly. Afterwards every sink is read:
//! the server's stdout and stderr, every URL the browser was sent to, and the bytes of the
//! SQLite file with its WAL. The CCCD may appear in none; the name in no log and no URL (it
//! is kept in clear in the database for sorting and searching by name).

use std::io::Read;

use axum::http::StatusCode;

use crate::served::{Http, Server, pairs};
use crate::web::TestApp;
use crate::web_people::source_form;

/// The canary CCCD: valid (Hồ Chí Minh City, a man born in 1999), found nowhere else.
const CANARY_ID: &str = "079099731864";
const CANARY_NAME: &str = "Chimhoàngyến";

fn read(path: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Ok(mut file) = std::fs::File::open(path) {
        file.read_to_end(&mut bytes).unwrap();
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_canary_cccd_reaches_no_log_no_url_and_no_clear_byte_on_disk() {
    let app = TestApp::new().await;
    let url = app.database_url();
    let db_file = ketnap_store::sqlite_path(&url).unwrap();
    let log = db_file.with_file_name("server.log");
    // Every level of every crate: sqlx's statements, hyper's connections, ours.
    let server = Server::start(&url, &log, "trace").await;
    let mut http = Http::new(&server.base);
    http.sign_in("canbo").await;

    // Typed wrongly first (a birth date that is no date), then right.
    let mut form = source_form(
        &app,
        &[
            ("citizen_id", CANARY_ID),
            ("given_name", CANARY_NAME),
            ("sex", "male"),
            ("birth_date", "31/02/1999"),
        ],
    );
    let refused = http.submit("/sources", &form).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    for field in form.iter_mut().filter(|(k, _)| k == "birth_date") {
        field.1 = "12/03/1999".into();
    }
    let check = http.submit("/sources/check", &form).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    let created = http.submit("/sources", &form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let case_page = created.location.unwrap();
    let case = http.get(&case_page).await;
    assert!(case.body.contains(CANARY_NAME));

    // Found by number and by name, from the people search and the case list.
    for (to, text) in [
        ("people", CANARY_ID),
        ("people", CANARY_NAME),
        ("cases", CANARY_ID),
    ] {
        let sent = http
            .submit("/search", &pairs(&[("to", to), ("text", text)]))
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let found = http.get(&sent.location.unwrap()).await;
        assert_eq!(found.status, StatusCode::OK);
        assert!(found.body.contains(CANARY_NAME), "{to} {text}");
    }
    let person: String = case
        .body
        .split("href=\"/people/")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .find(|id| !id.is_empty())
        .unwrap();
    let page = http.get(&format!("/people/{person}")).await;
    assert!(page.body.contains(CANARY_ID), "the page itself shows it");
    drop(server);

    // The sinks.
    let logged = read(&log);
    assert!(
        contains(&logged, "request"),
        "the server logged its requests"
    );
    for secret in [CANARY_ID, "079 099 731 864", CANARY_NAME] {
        assert!(!contains(&logged, secret), "{secret} in the server's log");
        for url in &http.urls {
            assert!(!url.contains(secret), "{secret} in the URL {url}");
        }
    }
    let mut wal = db_file.clone().into_os_string();
    wal.push("-wal");
    for file in [db_file.clone(), wal.into()] {
        assert!(
            !contains(&read(&file), CANARY_ID),
            "the CCCD in clear in {}",
            file.display()
        );
    }
    // The search and the record were written (sealed), so the check above was not vacuous.
    let store = &app.store;
    let hits = ketnap_domain::ports::PersonStore::find_people(
        store,
        &ketnap_domain::scope::Scope::subtree(app.tree.ward, ketnap_domain::scope::Access::Read),
        CANARY_ID,
        5,
    )
    .await
    .unwrap();
    assert_eq!(hits.len(), 1);
}
