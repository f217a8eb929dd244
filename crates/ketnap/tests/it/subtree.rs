//! Subtrees come from `unit_closure`, kept by triggers: after units are added and a base
//! committee is merged into one of another ward (its cells move along), every unit's subtree
//! is what a walk down the parent links gives, on SQLite and on PostgreSQL.

use std::collections::{BTreeSet, HashMap};

use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::{NewUnit, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::unit::{SectorCode, UnitKind};
use ketnap_store::Store;

use ketnap_store::Create;

use crate::fixtures::{change, day, open_store, postgres_store, sqlite_store, tree};

async fn subtree(store: &Store, root: UnitId) -> BTreeSet<UnitId> {
    store
        .units_in(&Scope::subtree(root, Access::Read))
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect()
}

async fn closure_follows_moves(store: &Store, tag: &str) {
    let t = tree(store, tag).await;
    let company = store
        .create_unit(
            &change("admin"),
            NewUnit {
                code: None,
                name: "Đảng bộ Công ty Cấp nước".into(),
                kind: UnitKind::BaseCommittee,
                parent: Some(t.other_ward),
                sector: SectorCode("state_enterprise".into()),
                valid_from: day(2025, 7, 1),
            },
        )
        .await
        .unwrap();
    assert!(subtree(store, t.ward).await.contains(&t.school_cell));
    store
        .merge_unit(&change("admin"), t.school, company, day(2026, 3, 1))
        .await
        .unwrap();
    assert!(subtree(store, t.other_ward).await.contains(&t.school_cell));
    assert!(!subtree(store, t.ward).await.contains(&t.school_cell));

    // Every unit's subtree equals the walk down the parent links.
    let units = store
        .units_in(&Scope::subtree(t.city, Access::Read))
        .await
        .unwrap();
    let mut children: HashMap<UnitId, Vec<UnitId>> = HashMap::new();
    for unit in &units {
        if let Some(parent) = unit.parent {
            children.entry(parent).or_default().push(unit.id);
        }
    }
    for unit in &units {
        let mut walked = BTreeSet::new();
        let mut stack = vec![unit.id];
        while let Some(id) = stack.pop() {
            walked.insert(id);
            stack.extend(children.get(&id).into_iter().flatten());
        }
        assert_eq!(subtree(store, unit.id).await, walked, "{}", unit.name);
    }
}

#[tokio::test]
async fn subtrees_follow_added_and_moved_units_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    closure_follows_moves(&store, "").await;
}

#[tokio::test]
async fn subtrees_follow_added_and_moved_units_on_postgres() {
    let Some(store) = postgres_store().await else {
        return;
    };
    let tag = format!("st{}", std::process::id() % 10_000);
    closure_follows_moves(&store, &tag).await;
    store.close().await;

    // `ketnap gen` sets the report indexes aside and builds them again (pg_indexes' names
    // read through the Any driver), in a database of its own: other tests share the first.
    let url = std::env::var("KETNAP_TEST_POSTGRES_URL").unwrap();
    let server = sqlx::PgPool::connect(&url).await.unwrap();
    let name = format!("ketnap_indexes_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&server)
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let own = format!("{base}/{name}");
    let store = open_store(&own, Create::Never).await;
    store.migrate().await.unwrap();
    let own_pool = sqlx::PgPool::connect(&own).await.unwrap();
    let count = async || -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'case_events'")
            .fetch_one(&own_pool)
            .await
            .unwrap()
    };
    let complete = count().await;
    store.set_indexes_aside().await.unwrap();
    assert!(count().await < complete);
    store.restore_indexes().await.unwrap();
    assert_eq!(count().await, complete);
    store.close().await;
    own_pool.close().await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&server)
        .await
        .unwrap();
}
