//! Encryption at rest (crates/store/src/keys.rs) on a real SQLite file: records written
//! before it are sealed at the next start, a rotation re-seals everything and the records
//! stay readable, and a database whose key file is missing refuses to start rather than
//! making a new key that could not open them.

use std::process::Command;

use ketnap_domain::ports::{AuditStore, CaseStore, PersonStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::listing::CaseQuery;
use ketnap_store::{Create, Store};

use ketnap_domain::person::{BirthDate, IdentityChange};
use ketnap_domain::text::{NameCollator, PersonName};

use crate::fixtures::{
    Tree, advance, change, day, lines_of, person, pipeline, postgres_store, sqlite_store, tree,
};

const CITIZEN_ID: &str = "079095001234";

fn ketnap(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove("KETNAP_DATABASE_URL")
        .env_remove("KETNAP_DATA_KEYS")
        .output()
        .unwrap()
}

fn contains(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn old_records_are_sealed_rotation_reseals_and_a_lost_key_file_is_refused() {
    let (store, dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let details = person(
        "Nguyễn",
        "Văn",
        "An",
        day(1995, 5, 5),
        ketnap_domain::citizen_id::Sex::Male,
        Some(CITIZEN_ID),
    );
    let (id, _) = store
        .create_source(
            &change("officer"),
            &Scope::subtree(t.ward, Access::Edit),
            &details,
            t.residential_cell,
            day(2026, 1, 5),
            None,
        )
        .await
        .unwrap();
    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    let scope = Scope::subtree(t.ward, Access::Read);

    // As a database from before encryption at rest held it: the record and the CCCD in clear.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let plain = serde_json::to_string(&details).unwrap();
    sqlx::query("UPDATE people SET details = ?, citizen_id_index = ? WHERE id = ?")
        .bind(&plain)
        .bind(CITIZEN_ID)
        .bind(id.0)
        .execute(&pool)
        .await
        .unwrap();
    store.close().await;

    // The next start seals it, and it is found by its number again.
    let reopened = Store::open(&url, Create::Never).await.unwrap();
    reopened.migrate().await.unwrap();
    let (stored, index): (String, String) =
        sqlx::query_as("SELECT details, citizen_id_index FROM people WHERE id = ?")
            .bind(id.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(stored.starts_with("s1."), "{stored}");
    assert!(!stored.contains("Nguyễn") && !index.contains(CITIZEN_ID));
    let found = reopened.find_people(&scope, CITIZEN_ID, 5).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].details, details);
    reopened.close().await;

    // A rotation, by the command line: a second key seals every record.
    let before = ketnap(&url, &["keys", "status"]);
    assert!(
        before.status.success(),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );
    let rotated = ketnap(&url, &["keys", "rotate"]);
    let said = String::from_utf8_lossy(&rotated.stdout).into_owned();
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    assert!(said.contains("đã mã hóa lại 1 hồ sơ"), "{said}");
    let new_key = said
        .split("Khóa mới ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap()
        .to_string();
    let resealed: String = sqlx::query_scalar("SELECT details FROM people WHERE id = ?")
        .bind(id.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        resealed.starts_with(&format!("s1.{new_key}.")),
        "{resealed}"
    );
    let after = Store::open(&url, Create::Never).await.unwrap();
    after.migrate().await.unwrap();
    let found = after
        .find_people(&scope, "079 095 001 234", 5)
        .await
        .unwrap();
    assert_eq!(found[0].details, details);
    assert!(after.verify_audit_log().await.unwrap().problems.is_empty());
    after.close().await;

    // Neither the database file nor its WAL holds the number in clear.
    for suffix in ["", "-wal"] {
        let bytes = std::fs::read(format!(
            "{}{suffix}",
            dir.path().join("ketnap.sqlite3").display()
        ))
        .unwrap_or_default();
        assert!(!contains(&bytes, CITIZEN_ID), "in ketnap.sqlite3{suffix}");
    }

    // Without its key file the database does not start, and no new key is made.
    let keys = dir.path().join("ketnap.sqlite3.keys");
    let aside = dir.path().join("aside.keys");
    std::fs::rename(&keys, &aside).unwrap();
    let refused = ketnap(&url, &["cases", "--unit", "25747"]);
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(!refused.status.success());
    assert!(said.contains("không có tệp khóa"), "{said}");
    assert!(!keys.exists());
    // Named elsewhere, it is found there.
    let elsewhere = ketnap(
        &url,
        &[
            "--data-keys",
            aside.to_str().unwrap(),
            "cases",
            "--unit",
            "25747",
        ],
    );
    assert!(
        elsewhere.status.success(),
        "{}",
        String::from_utf8_lossy(&elsewhere.stderr)
    );
    assert!(String::from_utf8_lossy(&elsewhere.stdout).contains("Nguyễn Văn An"));
}

/// Retention: a source withdrawn longer ago than the rule set's period is erased (and
/// audited); one withdrawn recently, or with another case still open, is kept.
#[tokio::test]
async fn withdrawn_sources_are_erased_after_the_retention_period() {
    use ketnap_domain::action::Action;
    use ketnap_domain::person::ERASED_NAME;

    let (store, _dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let ward = Scope::subtree(t.ward, Access::Edit);
    let officer = change("officer");
    let source = |given: &'static str, id: &'static str| {
        let details = person(
            "Lê",
            "Thị",
            given,
            day(2000, 1, 2),
            ketnap_domain::citizen_id::Sex::Female,
            Some(id),
        );
        let store = &store;
        let ward = &ward;
        let officer = &officer;
        let cell = t.residential_cell;
        async move {
            store
                .create_source(officer, ward, &details, cell, day(2025, 7, 10), None)
                .await
                .unwrap()
        }
    };
    let (old, old_case) = source("Cũ", "079300001111").await;
    let (recent, recent_case) = source("Mới", "079300002222").await;
    let (open, _) = source("Mở", "079300003333").await;
    let withdraw = |on| Action::Withdraw {
        on,
        reason: "Chuyển đi nơi khác".into(),
    };
    crate::fixtures::advance(
        &store,
        &ward,
        old_case,
        &[withdraw(day(2025, 8, 1))],
        "officer",
    )
    .await;
    crate::fixtures::advance(
        &store,
        &ward,
        recent_case,
        &[withdraw(day(2026, 6, 1))],
        "officer",
    )
    .await;
    // Withdrawn long ago too, but with another case still open in the other cell.
    let open_cases = store.cases_of_person(&ward, open).await.unwrap();
    crate::fixtures::advance(
        &store,
        &ward,
        open_cases[0].case_id,
        &[withdraw(day(2025, 8, 1))],
        "officer",
    )
    .await;
    store
        .open_case(&officer, &ward, open, t.school_cell, day(2025, 9, 1), None)
        .await
        .unwrap();

    // The rule sets' 24 months after the oldest withdrawal.
    let today = day(2027, 12, 1);
    let counted = store.purge_expired(&officer, today, true).await.unwrap();
    assert_eq!((counted.people, counted.months), (1, 24));
    assert_eq!(counted.withdrawn_by, day(2025, 12, 1));
    assert_eq!(
        store
            .find_people(&ward, "079300001111", 5)
            .await
            .unwrap()
            .len(),
        1,
        "a dry run erases nothing"
    );
    let purged = store.purge_expired(&officer, today, false).await.unwrap();
    assert_eq!(purged.people, 1);
    let erased = store.person(&officer, &ward, old).await.unwrap();
    assert_eq!(erased.details.name.full(), ERASED_NAME);
    assert_eq!(erased.details.citizen_id, None);
    assert_eq!(
        erased.details.birth,
        ketnap_domain::person::BirthDate::YearOnly(2000)
    );
    assert!(
        store
            .find_people(&ward, "079300001111", 5)
            .await
            .unwrap()
            .is_empty()
    );
    for kept in [recent, open] {
        let person = store.person(&officer, &ward, kept).await.unwrap();
        assert!(person.details.citizen_id.is_some());
    }
    let trail = store
        .audit_trail(&ward, "person", &old.0.to_string())
        .await
        .unwrap();
    assert!(trail.iter().any(|e| e.action == "person.erase"));
    // Twice is once: the erased are not counted again.
    assert_eq!(
        store
            .purge_expired(&officer, today, false)
            .await
            .unwrap()
            .people,
        0
    );
    assert!(store.verify_audit_log().await.unwrap().problems.is_empty());
}

/// The case list is sorted and paged by the database on `people.name_order`: the same
/// order as the Vietnamese collator gives, and the keys are made again at the next start
/// when the collator they were made by changes (here: a stale version and a lost key).
#[tokio::test]
async fn the_case_list_is_in_vietnamese_name_order_and_stale_sort_keys_are_made_again() {
    let (store, dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let scope = Scope::subtree(t.ward, Access::Edit);
    let expected = sources_in_name_order(&store, &t).await;
    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("UPDATE people SET name_order = NULL WHERE given_name = 'Ơn'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE meta SET value = 'icu_collator 1.0.0' WHERE key = 'people.name_order'")
        .execute(&pool)
        .await
        .unwrap();
    store.close().await;
    let reopened = Store::open(&url, Create::Never).await.unwrap();
    reopened.migrate().await.unwrap();
    let (missing, version): (i64, String) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM people WHERE name_order IS NULL),
                (SELECT value FROM meta WHERE key = 'people.name_order')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (missing, version.as_str()),
        (0, NameCollator::new().sort_key_version())
    );
    assert_eq!(listed(&reopened, &scope).await, expected);
}

/// The names of the scope's whole case list, read in pages of four; each page's lines, as
/// the list shows them, say what its records say.
async fn listed(store: &Store, scope: &Scope) -> Vec<PersonName> {
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let page = store
            .case_page(scope, &CaseQuery::default(), offset, 4)
            .await
            .unwrap();
        let lines = store
            .case_lines(scope, &CaseQuery::default(), offset, 4)
            .await
            .unwrap();
        assert_eq!(lines, lines_of(store, page.clone()).await, "from {offset}");
        if page.records.is_empty() {
            return all;
        }
        assert_eq!(page.total, 9);
        offset += page.records.len();
        all.extend(page.records.into_iter().map(|r| r.person.details.name));
    }
}

#[tokio::test]
async fn the_case_list_is_in_vietnamese_name_order_on_postgres() {
    let Some(store) = postgres_store().await else {
        return;
    };
    let t = tree(&store, &format!("nm{}", std::process::id() % 10_000)).await;
    sources_in_name_order(&store, &t).await;
    store.close().await;
}

/// Records nine sources in the ward whose names byte order puts otherwise, checks that the
/// list reads them in the collator's order, and returns that order.
async fn sources_in_name_order(store: &Store, t: &Tree) -> Vec<PersonName> {
    let scope = Scope::subtree(t.ward, Access::Edit);
    // Byte order and Vietnamese order disagree on every one of these.
    let names = [
        ("Nguyễn", "Văn", "Đức"),
        ("Lê", "", "Dũng"),
        ("Phạm", "Thị", "Ân"),
        ("Trần", "Thị", "Ánh"),
        ("Võ", "Văn", "Anh"),
        ("Hồ", "Thị", "Ánh"),
        ("Đặng", "", "Ơn"),
        ("Bùi", "Văn", "Ôn"),
        ("Ngô", "Thị", "Yến"),
    ];
    for (i, (family, middle, given)) in names.iter().enumerate() {
        let mut details = person(
            family,
            middle,
            given,
            day(1998, 3, 1),
            ketnap_domain::citizen_id::Sex::Female,
            None,
        );
        // One known by the year of birth alone.
        if i == 3 {
            details.birth = BirthDate::YearOnly(1997);
        }
        store
            .create_source(
                &change("officer"),
                &scope,
                &details,
                t.residential_cell,
                day(2026, 1, 5 + i as u32),
                None,
            )
            .await
            .unwrap();
    }
    let collator = NameCollator::new();
    let mut expected: Vec<PersonName> = names
        .iter()
        .map(|(f, m, g)| PersonName::new(f, m, g))
        .collect();
    expected.sort_by(|a, b| collator.compare_names(a, b));
    assert_eq!(listed(store, &scope).await, expected);

    // A change of name moves the person's cases in the list (each case keeps a copy of
    // the key): Ngô Thị Yến, last, becomes Ngô Thị An, first.
    let page = store
        .case_page(&scope, &CaseQuery::default(), 8, 1)
        .await
        .unwrap();
    let last = &page.records[0].person;
    assert_eq!(last.details.name.given, "Yến");
    let renamed = IdentityChange {
        name: PersonName::new("Ngô", "Thị", "An"),
        birth: last.details.birth,
        effective_on: day(2026, 3, 1),
        reason: "Quyết định thay đổi họ tên số 8/QĐ-UBND".into(),
    };
    store
        .change_identity(&change("officer"), &scope, last.id, &renamed)
        .await
        .unwrap();
    let mut now = expected.clone();
    now.pop();
    now.insert(0, renamed.name.clone());
    assert_eq!(listed(store, &scope).await, now);
    store
        .change_identity(
            &change("officer"),
            &scope,
            last.id,
            &IdentityChange {
                name: PersonName::new("Ngô", "Thị", "Yến"),
                ..renamed
            },
        )
        .await
        .unwrap();
    assert_eq!(listed(store, &scope).await, expected);

    // A part of a name with a sector (people and units both joined), and a page far past
    // the end (any number can be typed): found in name order; empty, not an error.
    let query = CaseQuery {
        text: Some("anh".into()),
        sector: Some("residential".into()),
        ..CaseQuery::default()
    };
    let found = store.case_page(&scope, &query, 0, 50).await.unwrap();
    let names: Vec<String> = found
        .records
        .iter()
        .map(|r| r.person.details.name.full())
        .collect();
    assert_eq!(names, ["Võ Văn Anh", "Hồ Thị Ánh", "Trần Thị Ánh"]);
    let past = store
        .case_page(&scope, &CaseQuery::default(), usize::MAX - 1, 4)
        .await
        .unwrap();
    assert_eq!((past.total, past.records.len()), (names.len() + 6, 0));

    // A case with a running clock, in the other ward: its due date is listed, on both
    // databases, and so is it among the overdue cases (picked one by one).
    let other = Scope::subtree(t.other_ward, Access::Edit);
    let (_, clocked) = store
        .create_source(
            &change("officer"),
            &other,
            &person(
                "Đỗ",
                "Văn",
                "Hùng",
                day(1999, 5, 5),
                ketnap_domain::citizen_id::Sex::Male,
                None,
            ),
            t.other_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();
    advance(store, &other, clocked, &pipeline()[..3], "officer").await;
    for overdue_on in [None, Some(day(2030, 1, 1))] {
        let query = CaseQuery {
            overdue_on,
            ..CaseQuery::default()
        };
        let page = store.case_page(&other, &query, 0, 50).await.unwrap();
        let lines = store.case_lines(&other, &query, 0, 50).await.unwrap();
        assert_eq!(lines, lines_of(store, page).await, "{overdue_on:?}");
        assert!(
            lines
                .lines
                .iter()
                .any(|line| line.case == clocked && line.due.is_some()),
            "{overdue_on:?}"
        );
    }
    expected
}
