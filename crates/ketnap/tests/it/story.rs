//! The store's story, told the same way on SQLite and on PostgreSQL: a ward records a
//! source and takes the case to official membership; scopes hide what they should; every
//! change leaves its audit row; rejected input leaves nothing behind.

use ketnap_domain::action::Action;
use ketnap_domain::case::Stage;
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::course::{Course, CourseKind, CourseResult, Participant};
use ketnap_domain::ids::{CourseId, PersonId};
use ketnap_domain::person::{BirthDate, IdentityChange};
use ketnap_domain::ports::{
    AuditStore, CaseFilter, CaseStore, CourseStore, PersonStore, RuleStore, StoreError, UnitStore,
};
use ketnap_domain::rules::BUILTIN_RULE_FILES;
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::text::PersonName;
use ketnap_domain::workflow::{Actor, apply};
use ketnap_store::Store;

use crate::fixtures::{
    advance, change, day, doc, now, person, pipeline, postgres_store, sqlite_store, tree,
};

#[tokio::test]
async fn story_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    story(&store).await;
}

#[tokio::test]
async fn story_on_postgres() {
    if let Some(store) = postgres_store().await {
        // One test, in this order, on the one database: the story loads a corrected rule
        // set that the reports' known answers must not see.
        let url = std::env::var("KETNAP_TEST_POSTGRES_URL").unwrap_or_default();
        crate::reports::reports(&store, &url).await;
        story(&store).await;
        crate::import_people::on_store(&store).await;
        crate::two_factor::on_store(&store).await;
        crate::reminders::on_store(&store).await;
        crate::coordination::on_store(&store).await;
        crate::web_transfers::on_store(&store).await;
        crate::web_requests::on_store(&store).await;
        crate::web_nominations::on_store(&store).await;
        // Every writer above chained its audit rows, on PostgreSQL as on SQLite.
        let check = store.verify_audit_log().await.unwrap();
        assert!(check.problems.is_empty(), "{check:?}");
    }
}

async fn audit_count(store: &Store, scope: &Scope, entity: &str, id: impl ToString) -> usize {
    store
        .audit_trail(scope, entity, &id.to_string())
        .await
        .map(|rows| rows.len())
        .unwrap_or(0)
}

async fn story(store: &Store) {
    let t = tree(store, "").await;
    let officer = change("officer-a");
    let ward = Scope::subtree(t.ward, Access::Edit);
    let other_ward = Scope::subtree(t.other_ward, Access::Edit);
    let viewer = Scope::subtree(t.ward, Access::Read);

    // Two sources in the ward, one in the neighbouring ward.
    let nguyen = person(
        "Nguyễn",
        "Văn",
        "An",
        day(1995, 5, 5),
        Sex::Male,
        Some("079095001234"),
    );
    let le = person(
        "Lê",
        "Thị",
        "Bình",
        day(1998, 2, 1),
        Sex::Female,
        Some("079198004321"),
    );
    let (an, an_case) = store
        .create_source(
            &officer,
            &ward,
            &nguyen,
            t.school_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();
    let (binh, _) = store
        .create_source(
            &officer,
            &ward,
            &le,
            t.residential_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();
    let phu_loi = person("Trần", "Minh", "Khoa", day(2000, 3, 3), Sex::Male, None);
    let (_, khoa_case) = store
        .create_source(
            &officer,
            &other_ward,
            &phu_loi,
            t.other_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();

    // The same citizen id twice is refused, and nothing is written.
    let cases_before = store
        .cases(&ward, &CaseFilter::default())
        .await
        .unwrap()
        .len();
    let twin = person(
        "Nguyễn",
        "Văn",
        "Ân",
        day(1995, 5, 5),
        Sex::Male,
        Some("079095001234"),
    );
    let err = store
        .create_source(
            &officer,
            &ward,
            &twin,
            t.residential_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Rejected(v) if v.field == "citizen_id"),
        "{err}"
    );
    assert_eq!(
        store.find_people(&ward, "nguyen", 100).await.unwrap().len(),
        1
    );
    assert_eq!(
        store
            .cases(&ward, &CaseFilter::default())
            .await
            .unwrap()
            .len(),
        cases_before
    );
    // A cell outside the scope, or a unit that is not a cell, is refused.
    let err = store
        .create_source(&officer, &ward, &twin, t.other_cell, day(2025, 7, 1), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Rejected(v) if v.rule == "unit.unknown"),
        "{err}"
    );
    let err = store
        .create_source(&officer, &ward, &twin, t.school, day(2025, 7, 1), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Rejected(v) if v.rule == "case.cell"),
        "{err}"
    );

    // Take An's case all the way, through the domain's apply and the store.
    let rules = store.rule_book().await.unwrap();
    let calendar = store.calendar().await.unwrap();
    let actor = Actor("officer-a".into());
    let steps = pipeline();
    let mut version = store.case(&ward, an_case).await.unwrap().version;
    let mut stale = None;
    for action in &steps {
        let record = store.case(&ward, an_case).await.unwrap();
        assert_eq!(record.version, version);
        let transition = apply(
            &record.case,
            &record.person.details,
            action,
            &actor,
            now(),
            &rules,
            &calendar,
        )
        .unwrap();
        // A read-only scope cannot write, and leaves the case as it was.
        let err = store
            .record_transition(&officer, &viewer, version, &transition)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Rejected(v) if v.rule == "scope.read-only"),
            "{err}"
        );
        stale.get_or_insert((version, transition.clone()));
        version = store
            .record_transition(&officer, &ward, version, &transition)
            .await
            .unwrap();
    }
    let record = store.case(&ward, an_case).await.unwrap();
    assert_eq!(record.case.stage, Stage::Official);
    assert_eq!(record.case.official_on, Some(day(2026, 9, 22)));
    assert_eq!(record.case.party_age_from(), Some(day(2025, 9, 8)));
    let events = store.events(&ward, an_case).await.unwrap();
    assert_eq!(events.len(), steps.len());
    assert_eq!(events.last().unwrap().stage_after, Stage::Official);
    assert_eq!(events[0].rule_set, "qd-294 v1");

    // An update made from an old version is refused: nothing is overwritten or added.
    let (old_version, old_transition) = stale.unwrap();
    assert!(matches!(
        store
            .record_transition(&officer, &ward, old_version, &old_transition)
            .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.events(&ward, an_case).await.unwrap().len(),
        steps.len()
    );
    assert_eq!(
        store.case(&ward, an_case).await.unwrap().case.stage,
        Stage::Official
    );

    // One audit row for the opening and one per transition, nothing for refusals.
    assert_eq!(
        audit_count(store, &ward, "case", an_case).await,
        1 + steps.len()
    );

    // Scopes: the neighbouring ward sees nothing of An; the city sees both wards.
    assert!(matches!(
        store.case(&other_ward, an_case).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.events(&other_ward, an_case).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.person(&officer, &other_ward, an).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .audit_trail(&other_ward, "case", &an_case.to_string())
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        store
            .find_people(&other_ward, "nguyen", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let city = Scope::subtree(t.city, Access::Read);
    assert_eq!(
        store
            .cases(&city, &CaseFilter::default())
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(store.case(&city, khoa_case).await.is_ok());

    // Reading a person's record is itself recorded.
    let reads_before = audit_count(store, &ward, "person", an).await;
    let read = store
        .person(&change("viewer-b"), &viewer, an)
        .await
        .unwrap();
    assert_eq!(read.details.name.full(), "Nguyễn Văn An");
    let trail = store
        .audit_trail(&ward, "person", &an.to_string())
        .await
        .unwrap();
    assert_eq!(trail.len(), reads_before + 1);
    assert_eq!(
        (
            trail.last().unwrap().action.as_str(),
            trail.last().unwrap().actor.as_str()
        ),
        ("person.read", "viewer-b")
    );

    // Search with and without diacritics, and by citizen id.
    for query in [
        "Nguyễn Văn An",
        "nguyen van an",
        "NGUYEN",
        "079095001234",
        "079 095 001 234",
    ] {
        let found = store.find_people(&ward, query, 10).await.unwrap();
        assert_eq!(
            found.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![an],
            "{query}"
        );
    }

    // Lists come in Vietnamese order: by given name (An before Bình), not by family name.
    let listed = store.cases(&ward, &CaseFilter::default()).await.unwrap();
    let names: Vec<String> = listed
        .iter()
        .map(|r| r.person.details.name.full())
        .collect();
    assert_eq!(names, ["Nguyễn Văn An", "Lê Thị Bình"]);
    let official = store
        .cases(
            &ward,
            &CaseFilter {
                stage: Some(Stage::Official),
                open_only: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(official.len(), 1);
    assert_eq!(
        store
            .cases(
                &ward,
                &CaseFilter {
                    stage: None,
                    open_only: true
                }
            )
            .await
            .unwrap()
            .len(),
        1
    );

    // An official change of name keeps the old one.
    let renamed = IdentityChange {
        name: PersonName {
            family: "Lê".into(),
            middle: "Thị Ngọc".into(),
            given: "Bình".into(),
        },
        birth: BirthDate::Full(day(1998, 2, 1)),
        effective_on: day(2026, 3, 1),
        reason: "Quyết định thay đổi họ tên số 12/QĐ-UBND".into(),
    };
    store
        .change_identity(&officer, &ward, binh, &renamed)
        .await
        .unwrap();
    let history = store.identity_history(&ward, binh).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].name.full(), "Lê Thị Bình");
    assert!(
        store
            .find_people(&ward, "ngoc binh", 10)
            .await
            .unwrap()
            .iter()
            .any(|p| p.id == binh)
    );
    let future = IdentityChange {
        birth: BirthDate::Full(day(2030, 1, 1)),
        ..renamed.clone()
    };
    let err = store
        .change_identity(&officer, &ward, binh, &future)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Rejected(v) if v.field == "birth_date"),
        "{err}"
    );
    assert_eq!(store.identity_history(&ward, binh).await.unwrap().len(), 1);

    // A transfer goes to an active cell inside the scope; anything else is refused alike.
    let vu = person("Vũ", "Thị", "Hoa", day(1997, 3, 3), Sex::Female, None);
    let (_, vu_case) = store
        .create_source(
            &officer,
            &ward,
            &vu,
            t.residential_cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap();
    let record = store.case(&ward, vu_case).await.unwrap();
    for target in [t.other_cell, t.other_ward, t.school] {
        let transfer = Action::TransferOut {
            on: day(2025, 8, 1),
            to_unit: target,
            reason: "Chuyển nơi ở".into(),
        };
        let transition = apply(
            &record.case,
            &record.person.details,
            &transfer,
            &actor,
            now(),
            &rules,
            &calendar,
        )
        .unwrap();
        let err = store
            .record_transition(&officer, &ward, record.version, &transition)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Rejected(v) if v.rule == "transfer.unit"),
            "{err}"
        );
    }
    let transfer = Action::TransferOut {
        on: day(2025, 8, 1),
        to_unit: t.school_cell,
        reason: "Chuyển nơi ở".into(),
    };
    let transition = apply(
        &record.case,
        &record.person.details,
        &transfer,
        &actor,
        now(),
        &rules,
        &calendar,
    )
    .unwrap();
    store
        .record_transition(&officer, &ward, record.version, &transition)
        .await
        .unwrap();

    // Units: a rename keeps the old name; a merge closes the old cell and moves open cases.
    store
        .rename_unit(
            &officer,
            t.residential_cell,
            "Chi bộ Khu phố 3A",
            day(2026, 1, 1),
        )
        .await
        .unwrap();
    assert_eq!(
        store.unit(t.residential_cell).await.unwrap().unwrap().name,
        "Chi bộ Khu phố 3A"
    );
    store
        .merge_unit(&officer, t.other_cell, t.residential_cell, day(2026, 10, 1))
        .await
        .unwrap();
    let closed = store.unit(t.other_cell).await.unwrap().unwrap();
    assert_eq!(
        (closed.valid_until, closed.successor),
        (Some(day(2026, 9, 30)), Some(t.residential_cell))
    );
    assert_eq!(
        store.case(&ward, khoa_case).await.unwrap().case.stage,
        Stage::Source
    );
    assert!(store.case(&other_ward, khoa_case).await.is_err());
    // The moved case is still a case like any other: it can be changed, with its new cell.
    advance(store, &ward, khoa_case, &pipeline()[..1], "officer-a").await;
    let moved = store.case(&ward, khoa_case).await.unwrap();
    assert_eq!(
        (moved.case.cell, moved.case.stage),
        (t.residential_cell, Stage::Sympathiser)
    );
    let trail = store
        .audit_trail(&ward, "case", &khoa_case.to_string())
        .await
        .unwrap();
    assert!(trail.iter().any(|a| a.action == "case.move"));
    // A ward cannot be merged into one of its own cells.
    let err = store
        .merge_unit(&officer, t.ward, t.residential_cell, day(2026, 10, 2))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Rejected(v) if v.rule == "unit.merge"),
        "{err}"
    );
    let err = store
        .merge_unit(&officer, t.other_cell, t.residential_cell, day(2026, 10, 2))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Rejected(v) if v.rule == "unit.closing"),
        "{err}"
    );
    assert_eq!(
        store.units_in(&other_ward).await.unwrap().len(),
        2,
        "the closed cell stays in history"
    );

    // Rule sets: a corrected version loads and is audited; an old version or a bad file does not.
    let corrected = BUILTIN_RULE_FILES[2]
        .replace("version = 1", "version = 2")
        .replace("ceremony_working_days = 30", "ceremony_working_days = 45");
    store
        .load_rule_set(&change("admin"), &corrected)
        .await
        .unwrap();
    let book = store.rule_book().await.unwrap();
    assert_eq!(
        book.in_force_on(day(2026, 1, 1))
            .unwrap()
            .admission
            .ceremony_working_days,
        45
    );
    let err = store
        .load_rule_set(&change("admin"), &corrected)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Rejected(v) if v.rule == "rule-set.version"),
        "{err}"
    );
    let err = store
        .load_rule_set(&change("admin"), "id = \"x\"\nversion = ")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Rejected(v) if v.rule == "rule-set.file"),
        "{err}"
    );
    assert_eq!(store.loaded_rule_sets().await.unwrap().len(), 1);

    // A year's announced holidays replace the generated ones.
    let year = "year = 2027\nsource = \"thử nghiệm\"\nreplaces_generated = false\n\n[[holiday]]\ndate = 2027-03-08\nname = \"Ngày nghỉ thử\"\n";
    assert_eq!(
        store
            .load_calendar_year(&change("admin"), year)
            .await
            .unwrap(),
        2027
    );
    assert!(
        !store
            .calendar()
            .await
            .unwrap()
            .is_working_day(day(2027, 3, 8))
    );
    assert!(
        store
            .load_calendar_year(
                &change("admin"),
                "year = 2027\n[[holiday]]\ndate = 2028-01-01\n"
            )
            .await
            .is_err()
    );

    // A class recorded once for all its participants moves each waiting case on, in one go.
    let cuong = person("Hoàng", "Văn", "Cường", day(2001, 4, 9), Sex::Male, None);
    let (cuong, cuong_case) = store
        .create_source(
            &officer,
            &ward,
            &cuong,
            t.residential_cell,
            day(2026, 1, 5),
            None,
        )
        .await
        .unwrap();
    let record = store.case(&ward, cuong_case).await.unwrap();
    let sympathiser = Action::AddToSympathisers {
        resolution: doc("3-NQ/CB", day(2026, 2, 2)),
        helpers: vec![],
    };
    let transition = apply(
        &record.case,
        &record.person.details,
        &sympathiser,
        &actor,
        now(),
        &rules,
        &calendar,
    )
    .unwrap();
    store
        .record_transition(&officer, &ward, record.version, &transition)
        .await
        .unwrap();
    let course = Course {
        id: CourseId(0),
        kind: CourseKind::Awareness,
        name: "Lớp nhận thức về Đảng khóa 3/2026".into(),
        organiser: "Trung tâm Chính trị Phường Thủ Dầu Một".into(),
        unit: t.ward,
        starts_on: day(2026, 3, 2),
        ends_on: day(2026, 3, 6),
    };
    let passed = |person: PersonId, number: &str| Participant {
        person,
        result: CourseResult::Passed,
        certificate_number: number.into(),
    };
    let participants = [
        passed(an, "NT-1"),
        passed(binh, "NT-2"),
        passed(cuong, "NT-3"),
    ];
    let open: Vec<_> = store
        .cases(
            &ward,
            &CaseFilter {
                stage: None,
                open_only: true,
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.case, r.person.details, r.version))
        .collect();
    let certificates = course
        .certificate_transitions(&participants, &open, &actor, now(), &rules, &calendar)
        .unwrap();
    assert_eq!(
        certificates.len(),
        1,
        "only Cường's case waits for an awareness certificate"
    );
    let recorded = store
        .record_course(&officer, &ward, &course, &participants, &certificates)
        .await
        .unwrap();
    let moved = store.case(&ward, cuong_case).await.unwrap().case;
    assert_eq!(moved.stage, Stage::AwarenessCertified);
    assert_eq!(
        moved.awareness_certificate.unwrap().course,
        Some(recorded),
        "linked to the stored class"
    );
    // Out of scope, or a passing line without a certificate number: refused, nothing written.
    let err = store
        .record_course(&officer, &other_ward, &course, &[passed(an, "NT-4")], &[])
        .await
        .unwrap_err();
    assert!(matches!(&err, StoreError::Rejected(_)), "{err}");
    let err = store
        .record_course(&officer, &ward, &course, &[passed(an, " ")], &[])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Rejected(v) if v.field == "participants[1].certificate_number"),
        "{err}"
    );
    let stale = store
        .record_course(&officer, &ward, &course, &participants, &certificates)
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict)),
        "the same certificates twice"
    );
    assert_eq!(store.events(&ward, cuong_case).await.unwrap().len(), 2);

    // Accounts, sessions and API tokens on this backend too.
    let user = ketnap_store::NewUser {
        username: "CanBo.Story".into(),
        display_name: "Cán bộ".into(),
        password: "mat-khau-du-dai".into(),
        role: ketnap_domain::access::Role::Officer,
        unit: t.ward,
        mass_org: None,
    };
    let user_id = store.add_user(&change("admin"), &user).await.unwrap();
    assert!(
        store
            .verify_password("canbo.story", "mat-khau-du-dai")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .verify_password("canbo.story", "sai-mat-khau")
            .await
            .unwrap()
            .is_none()
    );
    let token = store
        .create_session(&change("canbo.story"), user_id)
        .await
        .unwrap();
    let (idle, absolute) = (chrono::Duration::minutes(30), chrono::Duration::hours(12));
    let session = store
        .session(&token, now(), idle, absolute)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.user.username, "canbo.story");
    let api = store
        .create_api_token(&change("admin"), user_id, "story")
        .await
        .unwrap();
    assert!(store.api_token_session(&api).await.unwrap().is_some());
    // Every read page and API list answers on this backend (their SQL runs here too).
    let app = ketnap_web::app(store.clone(), ketnap_web::WebConfig::default());
    let live = ketnap_domain::ports::Change {
        now: chrono::Utc::now(),
        ..change("canbo.story")
    };
    let web_token = store.create_session(&live, user_id).await.unwrap();
    let api_paths = [
        "/api/v1/units",
        "/api/v1/cases?open=true",
        &format!("/api/v1/cases/{an_case}"),
        "/api/v1/nominations/incoming",
    ];
    let page_paths = [
        "/".to_string(),
        "/units".into(),
        format!("/units/{}", t.ward),
        "/cases".into(),
        "/cases?stage=official&overdue=1&year=2025".into(),
        format!("/cases/{an_case}"),
        "/people/search".into(),
        format!("/people/{an}"),
        "/probation".into(),
        "/courses".into(),
        "/courses/new?kind=awareness".into(),
        "/sources/new".into(),
        "/nominations".into(),
        "/reports/nominations?year=2026".into(),
    ];
    for (path, auth) in page_paths
        .iter()
        .map(|p| {
            (
                p.as_str(),
                format!("{}={web_token}", ketnap_web::SESSION_COOKIE),
            )
        })
        .chain(api_paths.iter().map(|p| (*p, format!("Bearer {api}"))))
    {
        use tower::ServiceExt;
        let header = if auth.starts_with("Bearer") {
            axum::http::header::AUTHORIZATION
        } else {
            axum::http::header::COOKIE
        };
        let request = axum::http::Request::builder()
            .uri(path)
            .header(header, auth)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), axum::http::StatusCode::OK, "{path}");
    }
    // The people search takes its text in the body.
    let search = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/people/search")
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {api}"))
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(r#"{"q": "nguyen"}"#))
        .unwrap();
    let found = tower::ServiceExt::oneshot(app.clone(), search)
        .await
        .unwrap();
    assert_eq!(found.status(), axum::http::StatusCode::OK, "people search");
    store
        .change_password(
            &change("canbo.story"),
            user_id,
            "mat-khau-du-dai",
            "mat-khau-moi-dai",
        )
        .await
        .unwrap();
    assert!(
        store
            .session(&token, now(), idle, absolute)
            .await
            .unwrap()
            .is_none(),
        "a new password ends sessions"
    );
    store.disable_user(&change("admin"), user_id).await.unwrap();
    assert!(
        store.api_token_session(&api).await.unwrap().is_none(),
        "a locked account's tokens stop"
    );
    assert!(
        store
            .verify_password("canbo.story", "mat-khau-moi-dai")
            .await
            .unwrap()
            .is_none()
    );
}
