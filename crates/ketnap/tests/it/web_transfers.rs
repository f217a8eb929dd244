//! Transfers between units, end to end: in the store (on SQLite here, on PostgreSQL from
//! story.rs) and over HTTP — a probationary member moves to a cell of another ward with the
//! whole file and the clocks running on; an unanswered transfer goes to the two wards'
//! common parent, which accepts it; and what is refused leaves nothing behind. The API's
//! answers are checked against the OpenAPI document.

use axum::http::{Method, StatusCode};
use chrono::{Duration, NaiveDate};
use ketnap_domain::action::Action;
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::coordination::Status;
use ketnap_domain::ids::{CaseId, UserId};
use ketnap_domain::ports::{CaseStore, Change, RuleStore, StoreError, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::workflow::probation_end;
use ketnap_store::{Incoming, Store};
use serde_json::json;

use crate::fixtures::{advance, change, day, now, person, pipeline, sqlite_store, tree, waiting};
use crate::web::{Answer, TestApp};
use crate::web_api::{Api, token_of};

/// A change made on `today` (the store dates what it records by `change.now`).
pub fn at(actor: &str, today: NaiveDate) -> Change {
    let mut change = change(actor);
    change.now = today.and_hms_opt(3, 0, 0).unwrap().and_utc();
    change
}

pub fn rule_of(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Rejected(v)) => v.rule,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn not_found(result: Result<impl std::fmt::Debug, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound(_))),
        "expected not found, got {result:?}"
    );
}

/// The part of a page from the heading with `id` to the next heading of its level.
pub fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &html[start..];
    let end = rest[1..].find("<h2").map_or(rest.len(), |at| at + 1);
    &rest[..end]
}

fn today() -> NaiveDate {
    ketnap_domain::workflow::today_in_vietnam(chrono::Utc::now())
}

fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------------------------------
// The store

#[tokio::test]
async fn transfers_in_the_store_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    on_store(&store).await;
}

/// Escalation to the common parent, who decides; refusals; declines and cancellations that
/// free the case; and the queries the pages build on.
pub async fn on_store(store: &Store) {
    let t = tree(store, "wt").await;
    let today = now().date_naive();
    let ward = Scope::subtree(t.ward, Access::Edit);
    let other = Scope::subtree(t.other_ward, Access::Edit);
    let other_viewer = Scope::subtree(t.other_ward, Access::Read);
    let city = Scope::subtree(t.city, Access::Edit);
    let officer = change("ward-officer");
    let receiver = change("other-officer");
    let source = |given: &str, cell| {
        let details = person("Phan", "Văn", given, day(2000, 6, 6), Sex::Male, None);
        let officer = officer.clone();
        let ward = ward.clone();
        async move {
            store
                .create_source(&officer, &ward, &details, cell, day(2026, 1, 5), None)
                .await
                .unwrap()
                .1
        }
    };

    // Started twenty days ago and never answered: past the rule set's working days.
    let started = today - Duration::days(20);
    let case = source("Lâm", t.residential_cell).await;
    let id = store
        .start_transfer(
            &at("ward-officer", started),
            &ward,
            case,
            t.other_cell,
            "Gia đình chuyển về phường Phú Lợi",
            started,
        )
        .await
        .unwrap();
    let view = store.transfer(&city, id).await.unwrap();
    assert_eq!(view.common_parent, Some(t.city));
    let rules = store.rule_book().await.unwrap();
    let days = rules
        .in_force_on(started)
        .unwrap()
        .coordination
        .as_ref()
        .unwrap()
        .transfer_escalation_working_days;
    assert_eq!(
        view.escalates_on,
        Some(
            store
                .calendar()
                .await
                .unwrap()
                .add_working_days(started, days)
        )
    );
    assert!(view.escalated(today) && !view.escalated(started));

    // What waits where, and which end each scope covers.
    assert_eq!(waiting(store, &other).await.transfers, 1);
    assert_eq!(waiting(store, &city).await.transfers, 1);
    assert_eq!(waiting(store, &ward).await.transfers, 0);
    // Without a scope (a mass-organisation officer) nothing waits, and the unit's name shows.
    let unscoped = store
        .navigation(UserId(0), other.root(), None)
        .await
        .unwrap();
    assert_eq!(unscoped.waiting, Incoming::default());
    assert_eq!(
        unscoped.unit_name,
        store.unit(other.root()).await.unwrap().unwrap().name
    );
    let covered = store
        .units_covered(&ward, &[view.from_cell, view.to_cell])
        .await
        .unwrap();
    assert!(covered.contains(&t.residential_cell) && !covered.contains(&t.other_cell));
    assert_eq!(
        store
            .transfers_of_case(&ward, case)
            .await
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect::<Vec<_>>(),
        [id]
    );

    // Only the receiving side decides: not the sender, not a read-only account.
    not_found(store.receivable(&ward, id).await);
    not_found(store.accept_transfer(&officer, &ward, id, today).await);
    assert_eq!(
        rule_of(store.receivable(&other_viewer, id).await),
        "scope.read-only"
    );
    // One pending transfer per case.
    assert_eq!(
        rule_of(
            store
                .start_transfer(&officer, &ward, case, t.school_cell, "Lần hai", today)
                .await
        ),
        "transfer.pending"
    );

    // The common parent takes the case in.
    store
        .accept_transfer(&change("city-officer"), &city, id, today)
        .await
        .unwrap();
    let moved = store.case(&other, case).await.unwrap();
    assert_eq!(moved.case.cell, t.other_cell);
    let events = store.events(&other, case).await.unwrap();
    assert_eq!(events.last().unwrap().action, "transfer");
    not_found(store.case(&ward, case).await);
    not_found(store.transfers_of_case(&ward, case).await);
    assert_eq!(
        store.transfer(&ward, id).await.unwrap().status,
        Status::Accepted
    );
    assert_eq!(waiting(store, &other).await.transfers, 0);

    // A closed case does not move.
    let gone = source("Khánh", t.residential_cell).await;
    advance(
        store,
        &ward,
        gone,
        &[Action::Withdraw {
            on: day(2026, 2, 1),
            reason: "Chuyển đi nơi khác làm ăn".into(),
        }],
        "ward-officer",
    )
    .await;
    assert_eq!(
        rule_of(
            store
                .start_transfer(&officer, &ward, gone, t.other_cell, "Chuyển", today)
                .await
        ),
        "transfer.closed"
    );
    assert!(
        store
            .transfers_of_case(&ward, gone)
            .await
            .unwrap()
            .is_empty()
    );

    // Declined with a reason, then asked again and taken back: each frees the case.
    let stays = source("Tâm", t.school_cell).await;
    let first = store
        .start_transfer(
            &officer,
            &ward,
            stays,
            t.other_cell,
            "Chuyển công tác",
            today,
        )
        .await
        .unwrap();
    assert_eq!(
        rule_of(store.decline_transfer(&receiver, &other, first, "  ").await),
        "input.required"
    );
    store
        .decline_transfer(&receiver, &other, first, "Chi bộ chưa đủ đảng viên giúp đỡ")
        .await
        .unwrap();
    let declined = store.transfer(&ward, first).await.unwrap();
    assert_eq!(
        (declined.status, declined.decline_reason.as_deref()),
        (Status::Declined, Some("Chi bộ chưa đủ đảng viên giúp đỡ"))
    );
    let second = store
        .start_transfer(
            &officer,
            &ward,
            stays,
            t.other_cell,
            "Chuyển công tác",
            today,
        )
        .await
        .unwrap();
    not_found(store.cancel_transfer(&receiver, &other, second).await);
    store
        .cancel_transfer(&officer, &ward, second)
        .await
        .unwrap();
    assert_eq!(
        store.transfer(&ward, second).await.unwrap().status,
        Status::Cancelled
    );
    assert_eq!(
        rule_of(
            store
                .accept_transfer(&receiver, &other, second, today)
                .await
        ),
        "coordination.decided"
    );
    assert_eq!(
        store.case(&ward, stays).await.unwrap().case.cell,
        t.school_cell
    );

    // Destinations anywhere in the tree, by name without diacritics, the parent's name or
    // the code; cells only for a transfer.
    let ids = |found: Vec<ketnap_store::Destination>| -> Vec<_> {
        found.into_iter().map(|d| d.unit.id).collect()
    };
    let cells = ids(store
        .destinations("khu pho 1 phu loi", today, true)
        .await
        .unwrap());
    assert!(cells.contains(&t.other_cell) && !cells.contains(&t.residential_cell));
    let units = ids(store.destinations("wt25750", today, false).await.unwrap());
    assert!(units.contains(&t.other_ward));
    assert!(
        !ids(store.destinations("wt25750", today, true).await.unwrap()).contains(&t.other_ward)
    );
    assert!(store.verify_audit_log().await.unwrap().problems.is_empty());
}

// ---------------------------------------------------------------------------------------
// Over HTTP

/// A probationary member of the ward's school cell: every step up to the ceremony.
async fn probationer(app: &TestApp) -> CaseId {
    let ward = Scope::subtree(app.tree.ward, Access::Edit);
    let details = person("Trương", "Thị", "Mỹ", day(2001, 4, 5), Sex::Female, None);
    let (_, case) = app
        .store
        .create_source(
            &change("canbo"),
            &ward,
            &details,
            app.tree.school_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();
    advance(&app.store, &ward, case, &pipeline()[..10], "canbo").await;
    case
}

fn redirected(answer: &Answer, to: &str) {
    assert_eq!(
        (answer.status, answer.location()),
        (StatusCode::SEE_OTHER, Some(to)),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn a_probationer_moves_to_another_ward_with_the_whole_file() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let case = probationer(&app).await;
    let page = format!("/cases/{case}");
    let ward = Scope::subtree(t.ward, Access::Edit);
    let other = Scope::subtree(t.other_ward, Access::Edit);
    let before = app.store.case(&ward, case).await.unwrap();
    let events_before = app.store.events(&ward, case).await.unwrap();
    let rules = app.store.rule_book().await.unwrap();
    let ceremony = before.case.ceremony_on.unwrap();
    let official = probation_end(ceremony, rules.in_force_on(ceremony).unwrap());

    let sender = app.login("canbo").await;
    let receiver = app.login("canbo.phuloi").await;
    let shown = app.get(Some(&sender), &page).await;
    assert!(
        shown
            .body
            .contains(&format!("action=\"/cases/{case}/transfer\""))
    );
    let official_text = official.format("%d/%m/%Y").to_string();
    assert!(shown.body.contains(&official_text));

    // The form finds cells anywhere, without diacritics or by the ward's name, never the
    // case's own cell.
    let form = app
        .get(
            Some(&sender),
            &format!("/cases/{case}/transfer?q=khu+pho+1+phu+loi"),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains(&format!(
        "<option value=\"{}\">Chi bộ Khu phố 1 — Đảng bộ Phường Phú Lợi</option>",
        t.other_cell
    )));
    assert!(!form.body.contains(&format!("value=\"{}\"", t.school_cell)));
    let nothing = app
        .get(
            Some(&sender),
            &format!("/cases/{case}/transfer?q=khong+co+chi+bo+nay"),
        )
        .await;
    assert!(nothing.body.contains("Không tìm thấy chi bộ"));

    // The search is a step of the same posted form: what was typed stays, nothing is
    // recorded, and nothing typed goes into a URL.
    assert!(!form.body.contains("method=\"get\" action=\"/cases/"));
    assert!(form.body.contains("name=\"step\" value=\"search\""));
    let reason = "Gia đình chuyển về phường Phú Lợi";
    let searched = app
        .post(
            &sender,
            &format!("/cases/{case}/transfer"),
            &[
                ("step", "search"),
                ("q", "khu pho 1 phu loi"),
                ("to_unit", ""),
                ("reason", reason),
                ("on", &iso(today() - Duration::days(1))),
            ],
        )
        .await;
    assert_eq!(searched.status, StatusCode::OK, "{}", searched.body);
    assert!(searched.body.contains(&format!(
        "<option value=\"{}\">Chi bộ Khu phố 1 — Đảng bộ Phường Phú Lợi</option>",
        t.other_cell
    )));
    assert!(searched.body.contains(&format!(">{reason}</textarea>")));
    assert!(searched.body.contains(&format!(
        "value=\"{}\" type=\"date\"",
        iso(today() - Duration::days(1))
    )));
    assert!(!searched.body.contains("class=\"error\""));

    // Every mistake at once, each beside its input, and nothing is recorded.
    let wrong = app
        .post(
            &sender,
            &format!("/cases/{case}/transfer"),
            &[
                ("to_unit", ""),
                ("reason", " "),
                ("on", "2099-01-01"),
                ("q", "phu loi"),
            ],
        )
        .await;
    for (anchor, rule) in [
        ("to_unit", "input.required"),
        ("reason", "input.required"),
        ("on", "date.future"),
    ] {
        assert_beside(&wrong, anchor, rule);
    }
    let refused = app
        .post(
            &sender,
            &format!("/cases/{case}/transfer"),
            &[
                ("to_unit", &t.other_cell.to_string()),
                ("reason", " "),
                ("on", &iso(today())),
                ("q", "phu loi"),
            ],
        )
        .await;
    assert_beside(&refused, "reason", "input.required");
    assert!(
        refused
            .body
            .contains(&format!("<option value=\"{}\" selected>", t.other_cell))
    );
    assert!(
        app.store
            .transfers_of_case(&ward, case)
            .await
            .unwrap()
            .is_empty()
    );

    let started = app
        .post(
            &sender,
            &format!("/cases/{case}/transfer"),
            &[
                ("to_unit", &t.other_cell.to_string()),
                ("reason", "Tốt nghiệp, về công tác tại phường Phú Lợi"),
                ("on", &iso(today())),
            ],
        )
        .await;
    redirected(&started, &page);
    let transfer = app.store.transfers_of_case(&ward, case).await.unwrap()[0].id;
    let shown = app.get(Some(&sender), &page).await;
    assert!(
        shown
            .body
            .contains("Đang chờ <strong>Chi bộ Khu phố 1</strong> tiếp nhận")
    );
    let again = app
        .post(
            &sender,
            &format!("/cases/{case}/transfer"),
            &[
                ("to_unit", &t.residential_cell.to_string()),
                ("reason", "Lần hai"),
                ("on", &iso(today())),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("transfer.pending"));
    assert!(
        again
            .body
            .contains("đang chờ <strong>Chi bộ Khu phố 1</strong>")
    );

    // Pending on both sides: the sender may take it back, the receiver decide.
    let outgoing = app.get(Some(&sender), "/transfers").await;
    let mine = section(&outgoing.body, "h-outgoing");
    assert!(mine.contains("Trương Thị Mỹ") && mine.contains("Chi bộ Khu phố 1"));
    assert!(mine.contains(&format!("/transfers/{transfer}/cancel")));
    assert!(
        !outgoing
            .body
            .contains(&format!("/transfers/{transfer}/accept"))
    );
    let incoming = app.get(Some(&receiver), "/transfers").await;
    let theirs = section(&incoming.body, "h-incoming");
    assert!(theirs.contains("Trương Thị Mỹ") && theirs.contains("Chi bộ Giáo viên"));
    assert!(theirs.contains(&format!("/transfers/{transfer}/accept")));
    assert!(
        !incoming
            .body
            .contains(&format!("/transfers/{transfer}/cancel"))
    );
    assert!(incoming.body.contains(
        "Chuyển sinh hoạt <span class=\"badge due_soon\">1<span class=\"visually-hidden\">"
    ));
    // The receiving unit cannot open the case before it accepts.
    assert_eq!(
        app.get(Some(&receiver), &page).await.status,
        StatusCode::NOT_FOUND
    );

    // Nobody outside the receiving side accepts: the sender, another cell, a viewer.
    for username in ["canbo", "bithu", "xem"] {
        let browser = app.login(username).await;
        let tried = app
            .post(
                &browser,
                &format!("/transfers/{transfer}/accept"),
                &[("on", &iso(today()))],
            )
            .await;
        assert_eq!(tried.status, StatusCode::NOT_FOUND, "{username}");
    }
    let no_date = app
        .post(&receiver, &format!("/transfers/{transfer}/accept"), &[])
        .await;
    assert_eq!(no_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_date.body.contains("Phải ghi ngày"));
    // A refused date comes back as typed, beside its input, not as today.
    let early = iso(today() - Duration::days(1));
    let too_early = app
        .post(
            &receiver,
            &format!("/transfers/{transfer}/accept"),
            &[("on", &early), ("reason", "")],
        )
        .await;
    assert_beside(
        &too_early,
        &format!("accept-{transfer}"),
        "Ngày tiếp nhận phải từ ngày chuyển",
    );
    assert!(too_early.body.contains(&format!(
        "id=\"accept-{transfer}\" name=\"on\" type=\"date\" value=\"{early}\""
    )));

    let accepted = app
        .post(
            &receiver,
            &format!("/transfers/{transfer}/accept"),
            &[("on", &iso(today()))],
        )
        .await;
    redirected(&accepted, &page);

    // The whole file travelled: every event plus the transfer, the papers, the dates.
    let moved = app.store.case(&other, case).await.unwrap();
    assert_eq!(moved.case.cell, t.other_cell);
    assert_eq!(moved.case.stage, before.case.stage);
    assert_eq!(moved.case.ceremony_on, before.case.ceremony_on);
    assert_eq!(moved.case.decision, before.case.decision);
    assert_eq!(moved.case.papers, before.case.papers);
    let events = app.store.events(&other, case).await.unwrap();
    assert_eq!(events.len(), events_before.len() + 1);
    assert_eq!(&events[..events_before.len()], &events_before[..]);
    assert_eq!(events.last().unwrap().action, "transfer");
    let opened = app.get(Some(&receiver), &page).await;
    assert_eq!(opened.status, StatusCode::OK);
    assert_eq!(opened.body.matches("Người ghi:").count(), events.len());
    for text in [
        "Chuyển sinh hoạt từ Chi bộ Giáo viên đến Chi bộ Khu phố 1",
        "Tốt nghiệp, về công tác tại phường Phú Lợi",
        &ceremony.format("%d/%m/%Y").to_string(),
        // The clocks keep running: the end of probation is where it was.
        &official_text,
    ] {
        assert!(opened.body.contains(text), "missing {text}");
    }
    assert!(!opened.body.contains("Đang chờ <strong>"));

    // The sender keeps the record that the person left, and where to.
    assert_eq!(
        app.get(Some(&sender), &page).await.status,
        StatusCode::NOT_FOUND
    );
    let record = app.get(Some(&sender), "/transfers").await;
    let left = section(&record.body, "h-left");
    assert!(left.contains("Trương Thị Mỹ"), "{left}");
    assert!(
        left.contains("Chi bộ Khu phố 1") && left.contains(&today().format("%d/%m/%Y").to_string())
    );
    assert!(!left.contains(&format!("href=\"{page}\"")));
    let arrived = app.get(Some(&receiver), "/transfers").await;
    assert!(section(&arrived.body, "h-arrived").contains(&format!("href=\"{page}\"")));

    // Decided once.
    let twice = app
        .post(
            &receiver,
            &format!("/transfers/{transfer}/decline"),
            &[("reason", "Muộn")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.body.contains("coordination.decided"));
}

/// The error shown beside input `anchor`, holding `text` (a rule or a message).
pub fn assert_beside(page: &Answer, anchor: &str, text: &str) {
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    let at = page
        .body
        .find(&format!("id=\"{anchor}-error\""))
        .unwrap_or_else(|| panic!("no error beside {anchor}: {}", page.body));
    let error = &page.body[at..];
    let error = &error[..error.find("</p>").unwrap()];
    assert!(error.contains(text), "{anchor}: {error}");
    assert!(
        page.body.contains(&format!(
            "aria-invalid=\"true\" aria-describedby=\"{anchor}-error\""
        )) || page.body.contains(&format!("-hint {anchor}-error\"")),
        "{anchor} is not marked invalid"
    );
}

/// The count-only audit rows of lists that show people outside the scope: (actor, after).
pub async fn list_reads(app: &TestApp, action: &str) -> Vec<(String, String)> {
    let pool = sqlx::SqlitePool::connect(&app.database_url())
        .await
        .unwrap();
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT actor, after FROM audit_log WHERE action = ? ORDER BY id")
            .bind(action)
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows.into_iter()
        .map(|(actor, after)| (actor, after.unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn lists_that_show_people_outside_the_scope_are_audited() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let api = Api::new(&app).await;
    let ward = Scope::subtree(t.ward, Access::Edit);
    let sender = app.login("canbo").await;
    let receiver = app.login("canbo.phuloi").await;
    let case = source(&app, "Khoa").await;
    // Nothing incoming yet: the list names nobody outside the scope and logs nothing.
    app.get(Some(&receiver), "/transfers").await;
    assert!(list_reads(&app, "transfer.list").await.is_empty());

    app.store
        .start_transfer(
            &at("canbo", today()),
            &ward,
            case,
            t.other_cell,
            "Chuyển nơi cư trú",
            today(),
        )
        .await
        .unwrap();
    // The sender's own case: no read to log.
    let own = app.get(Some(&sender), "/transfers").await;
    assert!(section(&own.body, "h-outgoing").contains("Đinh Văn Khoa"));
    assert!(list_reads(&app, "transfer.list").await.is_empty());
    // The receiving ward sees a name and a birth date not yet in its scope: one row, a
    // count, no name; a read that changes no figure, so the report model stays as it is.
    let generation = app.store.report_generation().await.unwrap();
    let incoming = app.get(Some(&receiver), "/transfers").await;
    assert!(section(&incoming.body, "h-incoming").contains("Đinh Văn Khoa"));
    assert_eq!(
        list_reads(&app, "transfer.list").await,
        [("canbo.phuloi".to_string(), "1 người".to_string())]
    );
    assert_eq!(app.store.report_generation().await.unwrap(), generation);
    let token = token_of(&app, "canbo.phuloi").await;
    let listed = api.get(Some(&token), "/api/v1/transfers").await;
    assert_eq!(listed.json["items"][0]["full_name"], "Đinh Văn Khoa");
    assert_eq!(list_reads(&app, "transfer.list").await.len(), 2);
    let sender_token = token_of(&app, "canbo").await;
    api.get(Some(&sender_token), "/api/v1/transfers").await;
    assert_eq!(list_reads(&app, "transfer.list").await.len(), 2);
}

/// A source of the ward's residential cell.
async fn source(app: &TestApp, given: &str) -> CaseId {
    let details = person("Đinh", "Văn", given, day(1999, 9, 9), Sex::Male, None);
    app.store
        .create_source(
            &change("canbo"),
            &Scope::subtree(app.tree.ward, Access::Edit),
            &details,
            app.tree.residential_cell,
            day(2026, 1, 5),
            None,
        )
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn an_unanswered_transfer_goes_to_the_common_parent() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let ward = Scope::subtree(t.ward, Access::Edit);
    let late_case = source(&app, "Cũ").await;
    let fresh_case = source(&app, "Mới").await;
    let started = today() - Duration::days(20);
    let late = app
        .store
        .start_transfer(
            &at("canbo", started),
            &ward,
            late_case,
            t.other_cell,
            "Chuyển nơi cư trú",
            started,
        )
        .await
        .unwrap();
    let fresh = app
        .store
        .start_transfer(
            &at("canbo", today()),
            &ward,
            fresh_case,
            t.other_cell,
            "Chuyển nơi cư trú",
            today(),
        )
        .await
        .unwrap();
    let mark = "Đã quá 5 ngày làm việc — chuyển lên cấp ủy cấp trên chung (Đảng bộ Thành phố)";

    // Both sides and the common parent see the late one marked, the fresh one not.
    let city = app.login("admin").await;
    for username in ["canbo", "canbo.phuloi"] {
        let page = app
            .get(Some(&app.login(username).await), "/transfers")
            .await;
        assert_eq!(page.body.matches(mark).count(), 1, "{username}");
    }
    let parent = app.get(Some(&city), "/transfers").await;
    let waiting = section(&parent.body, "h-incoming");
    assert_eq!(waiting.matches(mark).count(), 1);
    let row = &waiting[waiting.find(&format!("id=\"transfer-{late}\"")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains(mark));
    assert!(waiting.contains(&format!("id=\"transfer-{fresh}\"")));

    // The common parent's officer accepts in the receiving cell's stead.
    let accepted = app
        .post(
            &city,
            &format!("/transfers/{late}/accept"),
            &[("on", &iso(today()))],
        )
        .await;
    redirected(&accepted, &format!("/cases/{late_case}"));
    let other = Scope::subtree(t.other_ward, Access::Edit);
    assert_eq!(
        app.store.case(&other, late_case).await.unwrap().case.cell,
        t.other_cell
    );
    let transfer = app.store.transfer(&other, late).await.unwrap();
    assert_eq!(
        (transfer.status, transfer.decided_by.as_deref()),
        (Status::Accepted, Some("admin"))
    );
}

#[tokio::test]
async fn transfers_over_the_api() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let api = Api::new(&app).await;
    let sender = token_of(&app, "canbo").await;
    let receiver = token_of(&app, "canbo.phuloi").await;
    let case = probationer(&app).await;
    let post = |token: &str, path: String, body: serde_json::Value| {
        let token = token.to_string();
        let api = &api;
        async move {
            api.call(
                Some(&token),
                Method::POST,
                &path,
                Some(("application/json", body.to_string())),
            )
            .await
        }
    };

    let started = post(
        &sender,
        format!("/api/v1/cases/{case}/transfers"),
        json!({"to_unit": t.other_cell.0, "reason": "Chuyển công tác", "on": iso(today())}),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{:#}", started.json);
    assert_eq!(started.json["status"], "pending");
    assert_eq!(
        (
            started.json["sending"].as_bool(),
            started.json["receiving"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert_eq!(started.json["birth_date"], "2001-04-05");
    let id = started.json["id"].as_i64().unwrap();
    post(
        &sender,
        format!("/api/v1/cases/{case}/transfers"),
        json!({"to_unit": t.other_cell.0, "reason": "Lần hai", "on": iso(today())}),
    )
    .await
    .assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("case"),
        Some("transfer.pending"),
    );
    post(
        &sender,
        format!("/api/v1/cases/{case}/transfers"),
        json!({"to_unit": t.other_cell.0, "reason": "x"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some("on"), None);

    let listed = api
        .get(Some(&receiver), "/api/v1/transfers?status=pending")
        .await;
    let item = &listed.json["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["receiving"], true);
    assert_eq!(item["to_cell"]["name"], "Chi bộ Khu phố 1");
    api.get(Some(&receiver), "/api/v1/transfers?status=maybe")
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some("status"), None);

    // The sender cannot accept (not found); the receiver must say when.
    post(
        &sender,
        format!("/api/v1/transfers/{id}/accept"),
        json!({"on": iso(today())}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, None, None);
    post(
        &receiver,
        format!("/api/v1/transfers/{id}/accept"),
        json!({}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some("on"), None);
    let accepted = post(
        &receiver,
        format!("/api/v1/transfers/{id}/accept"),
        json!({"on": iso(today())}),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{:#}", accepted.json);
    assert_eq!(accepted.json["status"], "accepted");
    post(&sender, format!("/api/v1/transfers/{id}/cancel"), json!({}))
        .await
        .assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("status"),
            Some("coordination.decided"),
        );
    let seen = api.get(Some(&sender), "/api/v1/transfers").await;
    assert_eq!(seen.json["items"][0]["status"], "accepted");
    assert_eq!(seen.json["items"][0]["receiving"], false);
    api.get(Some(&sender), &format!("/api/v1/cases/{case}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, None, None);
    assert_eq!(
        api.get(Some(&receiver), &format!("/api/v1/cases/{case}"))
            .await
            .status,
        StatusCode::OK
    );
}
