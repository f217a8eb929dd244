//! A part of a name is found the same through the names' index (migration 0014: words on
//! SQLite, trigrams on PostgreSQL) as person by person: only in the scope, after a change of
//! name, on SQLite and on PostgreSQL.

use ketnap_domain::citizen_id::Sex;
use ketnap_domain::ids::PersonId;
use ketnap_domain::person::{BirthDate, IdentityChange};
use ketnap_domain::ports::{CaseStore, PersonStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::text::PersonName;
use ketnap_store::listing::CaseQuery;
use ketnap_store::{NameSearchLimits, Store};

use crate::fixtures::{Tree, change, day, person, postgres_store, sqlite_store, tree};

/// Every scope searched person by person.
const PERSON_BY_PERSON: NameSearchLimits = NameSearchLimits {
    small_scope_units: 1_000_000,
    indexed_matches: 1_000_000,
};
/// Every scope searched through the index, wherever it can help.
const INDEXED: NameSearchLimits = NameSearchLimits {
    small_scope_units: 0,
    indexed_matches: 1_000_000,
};

#[tokio::test]
async fn a_part_of_a_name_is_found_alike_through_the_index_on_sqlite() {
    let (store, dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let khang = searches(&store, &t).await;

    // The index is what the indexed search reads: emptied, it finds nothing; built again
    // from the people, it finds them again.
    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let city = Scope::subtree(t.city, Access::Read);
    let indexed = store.clone().with_name_search_limits(INDEXED);
    let found = |store: Store| {
        let city = city.clone();
        async move {
            store
                .find_people(&city, "an khang", 10)
                .await
                .unwrap()
                .into_iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found(indexed.clone()).await, [khang]);
    for (command, expected) in [("delete-all", vec![]), ("rebuild", vec![khang])] {
        sqlx::query("INSERT INTO people_words (people_words) VALUES ($1)")
            .bind(command)
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(found(indexed.clone()).await, expected, "after {command}");
        assert_eq!(
            found(store.clone().with_name_search_limits(PERSON_BY_PERSON)).await,
            [khang],
            "after {command}"
        );
    }
}

#[tokio::test]
async fn a_part_of_a_name_is_found_alike_through_the_index_on_postgres() {
    let Some(store) = postgres_store().await else {
        return;
    };
    let t = tree(&store, &format!("ns{}", std::process::id() % 10_000)).await;
    searches(&store, &t).await;
    store.close().await;
}

/// Records people in both wards, then asks for parts of names both ways in the city and in
/// one ward, before and after a change of name. Returns the id of Phạm An Khang.
async fn searches(store: &Store, t: &Tree) -> PersonId {
    let ward = Scope::subtree(t.ward, Access::Edit);
    let other_ward = Scope::subtree(t.other_ward, Access::Edit);
    let city = Scope::subtree(t.city, Access::Read);
    let mut ids = Vec::new();
    for (scope, cell, (family, middle, given)) in [
        (&ward, t.residential_cell, ("Nguyễn", "Văn", "An")),
        (&ward, t.residential_cell, ("Trần", "Thị", "Ánh")),
        (&ward, t.school_cell, ("Lê", "Văn", "Anh")),
        (&ward, t.school_cell, ("Phạm", "An", "Khang")),
        (&other_ward, t.other_cell, ("Nguyễn", "Văn", "Anh")),
        (&other_ward, t.other_cell, ("Đỗ", "", "Ngân")),
    ] {
        let details = person(family, middle, given, day(1999, 5, 1), Sex::Male, None);
        let (id, _) = store
            .create_source(
                &change("officer"),
                scope,
                &details,
                cell,
                day(2026, 2, 1),
                None,
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let by_person = store.clone().with_name_search_limits(PERSON_BY_PERSON);
    let indexed = store.clone().with_name_search_limits(INDEXED);
    let both = async |scope: &Scope, text: &str| {
        let people = found_people(&by_person, scope, text).await;
        assert_eq!(
            found_people(&indexed, scope, text).await,
            people,
            "people found for {text:?}"
        );
        let cases = listed(&by_person, scope, text).await;
        assert_eq!(
            listed(&indexed, scope, text).await,
            cases,
            "cases listed for {text:?}"
        );
        (people, cases)
    };

    // Diacritics and case do not matter; two characters, and LIKE's own wildcards, are
    // looked for person by person whatever the limits say.
    let (people, listed) = both(&city, "Văn An").await;
    assert_eq!(people, [ids[0], ids[2], ids[4]]);
    assert_eq!(listed, ["Nguyễn Văn An", "Lê Văn Anh", "Nguyễn Văn Anh"]);
    let (people, _) = both(&ward, "VAN AN").await;
    assert_eq!(people, [ids[0], ids[2]]);
    // The first word may end a word of the name, the last one begin one.
    let (people, _) = both(&city, "guyễn văn a").await;
    assert_eq!(people, [ids[0], ids[4]]);
    let (people, _) = both(&city, "hị ánh").await;
    assert_eq!(people, [ids[1]]);
    let (people, _) = both(&city, "an kh").await;
    assert_eq!(people, [ids[3]]);
    let (people, listed) = both(&city, "ánh").await;
    assert_eq!(people, [ids[1], ids[2], ids[4]]);
    assert_eq!(listed, ["Lê Văn Anh", "Nguyễn Văn Anh", "Trần Thị Ánh"]);
    let (people, _) = both(&ward, "an").await;
    assert_eq!(people, ids[..4]);
    let (people, _) = both(&other_ward, "ngan").await;
    assert_eq!(people, [ids[5]]);
    for nothing in [
        "xyz",
        "an%",
        "_an",
        "văn\\an",
        "van a%",
        "nguyen -",
        "văn anh khang",
    ] {
        assert_eq!(both(&city, nothing).await, (vec![], vec![]), "{nothing}");
    }

    // A change of name moves the person in the index: found by the new name only.
    let renamed = IdentityChange {
        name: PersonName::new("Trần", "Thị", "Ngân"),
        birth: BirthDate::Full(day(1999, 5, 1)),
        effective_on: day(2026, 3, 1),
        reason: "Quyết định thay đổi họ tên số 7/QĐ-UBND".into(),
    };
    store
        .change_identity(&change("officer"), &ward, ids[1], &renamed)
        .await
        .unwrap();
    let (people, _) = both(&city, "anh").await;
    assert_eq!(people, [ids[2], ids[4]]);
    let (people, listed) = both(&city, "ngan").await;
    assert_eq!(people, [ids[1], ids[5]]);
    assert_eq!(listed, ["Đỗ Ngân", "Trần Thị Ngân"]);
    ids[3]
}

async fn found_people(store: &Store, scope: &Scope, text: &str) -> Vec<PersonId> {
    let mut ids: Vec<PersonId> = store
        .find_people(scope, text, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    ids.sort();
    ids
}

/// The names of the case list searched for `text`, in list order.
async fn listed(store: &Store, scope: &Scope, text: &str) -> Vec<String> {
    let query = CaseQuery {
        text: Some(text.into()),
        ..CaseQuery::default()
    };
    let page = store.case_page(scope, &query, 0, 50).await.unwrap();
    assert_eq!(page.total, page.records.len());
    page.records
        .into_iter()
        .map(|r| r.person.details.name.full())
        .collect()
}
