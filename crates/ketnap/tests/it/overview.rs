//! The home page's figures (`Store::overview`, from the report model) against the same
//! figures worked out case by case from the store, on many days: stage counts, for each
//! list of pressing cases how many and which come first, and this year's admissions. Both
//! ways of finding the pressing cases and the admissions are compared: the scope's cases
//! one by one (small scopes) and the tally (large ones); stage counts always come from the
//! tally, as do the case list's counts by stage of a large scope. The cases change after
//! the model is loaded, so the tally follows changes.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use ketnap_domain::case::Stage;
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::deadline::{Urgency, next_deadline};
use ketnap_domain::ports::{CaseFilter, CaseStore, RuleStore, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::Store;
use ketnap_store::listing::CaseQuery;

use crate::fixtures::{advance, change, day, lines_of, person, pipeline, sqlite_store, tree};

const WARN_DAYS: i64 = 14;
const ROWS: usize = 2;

#[tokio::test]
async fn the_home_page_counts_what_the_cases_say_on_every_day() {
    let (store, _dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let ward = Scope::subtree(t.ward, Access::Edit);
    let other_ward = Scope::subtree(t.other_ward, Access::Edit);
    // Cases taken to every stage with a clock, some twice, in both wards: the school's
    // cell goes through its base committee, the other ward's base cells up to their vote.
    let steps = [3, 4, 6, 7, 7, 8, 9, 10, 11, 12, 13, 9, 5];
    let mut halfway = Vec::new();
    for (i, &taken) in steps.iter().enumerate() {
        let (scope, cell, taken) = if taken <= 7 && i % 2 == 0 {
            (&other_ward, t.other_cell, taken)
        } else {
            (&ward, t.school_cell, taken)
        };
        let details = person(
            "Nguyễn",
            "Văn",
            &format!("Số {i}"),
            day(1999, 1, 1),
            Sex::Male,
            None,
        );
        let (_, case) = store
            .create_source(
                &change("officer"),
                scope,
                &details,
                cell,
                day(2025, 7, 1),
                None,
            )
            .await
            .unwrap();
        advance(&store, scope, case, &pipeline()[..taken / 2], "officer").await;
        halfway.push((scope.clone(), case, taken));
    }
    let tallied = store.clone().with_tally_from_units(0);
    // The model is loaded with the cases halfway; taking them the rest of the way puts each
    // again (out of the tally, then in), and a renamed unit places every case again.
    let city = Scope::subtree(t.city, Access::Read);
    tallied
        .overview(&city, day(2025, 7, 1), WARN_DAYS, ROWS)
        .await
        .unwrap();
    for (scope, case, taken) in halfway {
        advance(
            &store,
            &scope,
            case,
            &pipeline()[taken / 2..taken],
            "officer",
        )
        .await;
    }
    store
        .rename_unit(
            &change("admin"),
            t.school_cell,
            "Chi bộ Trường THPT",
            day(2026, 1, 1),
        )
        .await
        .unwrap();
    // The case list's count by stage alone comes from the tally too, as the cases are now.
    let mut dues_listed = 0;
    for scope in [&city, &ward, &other_ward] {
        let cases = store.cases(scope, &CaseFilter::default()).await.unwrap();
        for stage in std::iter::once(None).chain(Stage::ALL.map(Some)) {
            let query = CaseQuery {
                stage,
                ..CaseQuery::default()
            };
            let expected = cases
                .iter()
                .filter(|r| stage.is_none_or(|s| r.case.stage == s))
                .count();
            for (way, store) in [("in the database", &store), ("tally", &tallied)] {
                let page = store.case_page(scope, &query, 0, 50).await.unwrap();
                assert_eq!(page.total, expected, "{way}, {stage:?}");
                // The list's lines: what the records say, with each case's due date.
                let lines = store.case_lines(scope, &query, 0, 50).await.unwrap();
                dues_listed += lines.lines.iter().filter(|l| l.due.is_some()).count();
                assert_eq!(lines, lines_of(store, page).await, "{way}, {stage:?}");
            }
            // A stage's pages of three, walked in name order on SQLite once the tally
            // says so: the same cases in the same order as sorted from the cells' index.
            let ids = |page: ketnap_store::listing::CasePage| -> Vec<i64> {
                page.records.iter().map(|r| r.case.id.0).collect()
            };
            for offset in (0..expected).step_by(3) {
                let sorted = store.case_page(scope, &query, offset, 3).await.unwrap();
                let walked = tallied.case_page(scope, &query, offset, 3).await.unwrap();
                assert_eq!(ids(walked), ids(sorted), "{stage:?}, from {offset}");
            }
        }
    }
    assert!(dues_listed > 0, "some listed cases have a due date");
    let mut lists_seen = BTreeMap::new();
    let mut admissions_seen = 0;
    // Every fourth day, and each ceremony's day: a count to the day includes that day.
    let mut days: Vec<NaiveDate> = (0..)
        .map(|n| day(2025, 7, 1) + chrono::Duration::days(4 * n))
        .take_while(|d| *d < day(2027, 3, 1))
        .collect();
    let cases = store.cases(&city, &CaseFilter::default()).await.unwrap();
    days.extend(cases.iter().filter_map(|r| r.case.ceremony_on));
    for scope in [city.clone(), ward.clone(), other_ward] {
        for &today in &days {
            let (stages, lists, admissions) = worked_out(&store, &scope, today).await;
            for (way, store) in [("case by case", &store), ("tally", &tallied)] {
                let overview = store
                    .overview(&scope, today, WARN_DAYS, ROWS)
                    .await
                    .unwrap();
                assert_eq!(overview.stages, stages, "{way}, {today}");
                let from_model: Vec<(Urgency, usize, Vec<i64>)> = overview
                    .pressing
                    .iter()
                    .map(|list| {
                        let ids = list.soonest.iter().map(|p| p.case.0).collect();
                        (list.urgency, list.total, ids)
                    })
                    .collect();
                assert_eq!(from_model, lists, "{way}, {today}");
                assert_eq!(overview.admissions, admissions, "{way}, {today}");
            }
            for (urgency, total, _) in lists {
                *lists_seen.entry(urgency).or_insert(0) += total;
            }
            admissions_seen += admissions;
        }
    }
    // Every list had cases on some day, so each was compared with something in it.
    assert_eq!(lists_seen.len(), Urgency::ALL.len(), "{lists_seen:?}");
    assert!(lists_seen.values().all(|&n| n > 0), "{lists_seen:?}");
    assert!(admissions_seen > 0);

    // A case added after the model last looked: the list's count brings the model up to
    // date before it sums the tally.
    let counts = |store: Store, scope: Scope| async move {
        let mut counts = Vec::new();
        for stage in std::iter::once(None).chain(Stage::ALL.map(Some)) {
            let query = CaseQuery {
                stage,
                ..CaseQuery::default()
            };
            counts.push(store.case_page(&scope, &query, 0, 1).await.unwrap().total);
        }
        counts
    };
    let before = counts(tallied.clone(), city.clone()).await;
    let details = person("Lê", "Thị", "Mới", day(2000, 2, 2), Sex::Female, None);
    store
        .create_source(
            &change("officer"),
            &ward,
            &details,
            t.school_cell,
            day(2026, 2, 1),
            None,
        )
        .await
        .unwrap();
    let after = counts(tallied.clone(), city.clone()).await;
    assert_eq!(after, counts(store.clone(), city.clone()).await);
    assert_ne!(after, before);
}

/// Stage counts, pressing lists and the year's ceremonies of `scope` on `today`, case by
/// case from the store.
async fn worked_out(
    store: &Store,
    scope: &Scope,
    today: NaiveDate,
) -> (Vec<(Stage, i64)>, Vec<(Urgency, usize, Vec<i64>)>, i64) {
    let rules = store.rule_book().await.unwrap();
    let calendar = store.calendar().await.unwrap();
    let all = store.cases(scope, &CaseFilter::default()).await.unwrap();
    let mut stages = BTreeMap::new();
    let mut lists: BTreeMap<Urgency, Vec<(NaiveDate, i64)>> = BTreeMap::new();
    let mut admissions = 0;
    for record in &all {
        let case = &record.case;
        *stages.entry(case.stage).or_insert(0i64) += 1;
        if case
            .ceremony_on
            .is_some_and(|on| on.year() == today.year() && on <= today)
        {
            admissions += 1;
        }
        let deadline = next_deadline(case, &rules, &calendar, today, WARN_DAYS).unwrap();
        if let Some(d) = deadline
            && let Some(urgency) = Urgency::of(case.stage, d.due, d.status, today)
        {
            lists.entry(urgency).or_default().push((d.due, case.id.0));
        }
    }
    let lists = Urgency::ALL
        .into_iter()
        .map(|urgency| {
            let mut list = lists.remove(&urgency).unwrap_or_default();
            list.sort();
            let first = list.iter().take(ROWS).map(|&(_, id)| id).collect();
            (urgency, list.len(), first)
        })
        .collect();
    (stages.into_iter().collect(), lists, admissions)
}

/// The case list's due dates come from the report model while it has applied every change
/// to cases, and from the cases' records while it has not: a record changed behind the
/// store's back (no audit row, so the model never hears of it) shows only where the
/// records are read.
#[tokio::test]
async fn the_list_takes_due_dates_from_the_model_only_while_it_is_current() {
    let (store, dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let ward = Scope::subtree(t.ward, Access::Edit);
    let mut cases = Vec::new();
    for (i, taken) in [3, 3, 1].into_iter().enumerate() {
        let details = person(
            "Trần",
            "Thị",
            &format!("Số {i}"),
            day(1999, 1, 1),
            Sex::Female,
            None,
        );
        let (_, case) = store
            .create_source(
                &change("officer"),
                &ward,
                &details,
                t.school_cell,
                day(2025, 7, 1),
                None,
            )
            .await
            .unwrap();
        advance(&store, &ward, case, &pipeline()[..taken], "officer").await;
        cases.push(case);
    }
    let query = CaseQuery::default();
    let from_records =
        || async { lines_of(&store, store.case_page(&ward, &query, 0, 50).await.unwrap()).await };
    let listed = || async { store.case_lines(&ward, &query, 0, 50).await.unwrap() };
    store.report_generation().await.unwrap();
    let before = from_records().await;
    assert_eq!(before.lines.iter().filter(|l| l.due.is_some()).count(), 2);
    assert_eq!(listed().await, before);

    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query(
        "UPDATE cases SET body = json_set(body, '$.file_opened_on', '2025-01-02') WHERE id = ?",
    )
    .bind(cases[0].0)
    .execute(&pool)
    .await
    .unwrap();
    let tampered = from_records().await;
    assert_ne!(tampered, before);
    assert_eq!(listed().await, before, "the model's due dates");
    // A case whose stage is not the model's is read from its record.
    sqlx::query(
        "UPDATE cases SET stage = 'introduced', body = json_set(body, '$.stage', 'introduced',
         '$.file_opened_on', '2025-03-04') WHERE id = ?",
    )
    .bind(cases[1].0)
    .execute(&pool)
    .await
    .unwrap();
    let restaged = from_records().await;
    let line = |page: &ketnap_store::listing::CaseLinePage, case| {
        page.lines.iter().find(|l| l.case == case).cloned().unwrap()
    };
    assert_ne!(line(&restaged, cases[1]), line(&tampered, cases[1]));
    let mut expected = restaged.clone();
    expected.lines = restaged
        .lines
        .iter()
        .map(|l| {
            if l.case == cases[0] {
                line(&before, cases[0])
            } else {
                l.clone()
            }
        })
        .collect();
    assert_eq!(listed().await, expected);
    // Put back as it was, for the change through the store below.
    sqlx::query(
        "UPDATE cases SET stage = 'file_opened', body = json_set(body, '$.stage', 'file_opened',
         '$.file_opened_on', '2025-07-25') WHERE id = ?",
    )
    .bind(cases[1].0)
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(from_records().await, tampered);

    // A change through the store: the records are read until the model has applied it.
    advance(&store, &ward, cases[1], &pipeline()[3..4], "officer").await;
    let changed = from_records().await;
    assert_ne!(changed, tampered);
    assert_eq!(listed().await, changed);
    // That list set the model to apply the change in the background (no report asked
    // for); then it puts again only the case that changed.
    let mut expected = changed.clone();
    expected.lines = changed
        .lines
        .iter()
        .zip(&before.lines)
        .map(|(now, was)| {
            if now.case == cases[0] {
                was.clone()
            } else {
                now.clone()
            }
        })
        .collect();
    let mut waited = 0;
    while listed().await != expected {
        assert!(
            waited < 200,
            "the model applied the change in the background"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
}
