//! The unit tree, the case list, the case page with its action forms, and the case's audit
//! trail, as the fixture accounts see them in a browser.

use axum::http::StatusCode;
use ketnap_domain::case::Stage;
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::ids::{CaseId, PersonId, UnitId};
use ketnap_domain::ports::{AuditStore, CaseStore, UnitStore};
use ketnap_domain::scope::{Access, Scope};

use crate::fixtures::{advance, change, day, doc, member, person, pipeline};
use crate::web::{Answer, TestApp};

fn ward_scope(app: &TestApp) -> Scope {
    Scope::subtree(app.tree.ward, Access::Edit)
}

/// A source in `cell`, recorded by the ward's officer.
async fn source(
    app: &TestApp,
    name: (&str, &str, &str),
    citizen_id: Option<&str>,
    cell: UnitId,
) -> (PersonId, CaseId) {
    let scope = Scope::subtree(app.tree.city, Access::Edit);
    let sex = if name.1 == "Thị" {
        Sex::Female
    } else {
        Sex::Male
    };
    let born = if sex == Sex::Female {
        day(1998, 2, 1)
    } else {
        day(1995, 5, 5)
    };
    app.store
        .create_source(
            &change("canbo"),
            &scope,
            &person(name.0, name.1, name.2, born, sex, citizen_id),
            cell,
            day(2025, 7, 1),
            None,
        )
        .await
        .unwrap()
}

/// Nguyễn Văn An in the school's cell, taken through the store up to the admission
/// decision (received on 10/09/2025): the ceremony is due within 30 working days.
async fn decided_case(app: &TestApp) -> CaseId {
    let (_, id) = source(
        app,
        ("Nguyễn", "Văn", "An"),
        Some("079095001234"),
        app.tree.school_cell,
    )
    .await;
    advance(&app.store, &ward_scope(app), id, &pipeline()[..9], "canbo").await;
    assert_eq!(
        app.store
            .case(&ward_scope(app), id)
            .await
            .unwrap()
            .case
            .stage,
        Stage::Decided
    );
    id
}

/// The case ids a list page links to, in order.
fn listed(answer: &Answer) -> Vec<i64> {
    answer
        .body
        .split("href=\"/cases/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

async fn version(app: &TestApp, id: CaseId) -> i64 {
    app.store.case(&ward_scope(app), id).await.unwrap().version
}

async fn reads(app: &TestApp, person: PersonId) -> usize {
    app.store
        .audit_trail(&ward_scope(app), "person", &person.to_string())
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "person.read")
        .count()
}

#[tokio::test]
async fn case_list_filters_sorts_and_pages() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let (_, an) = source(
        &app,
        ("Nguyễn", "Văn", "An"),
        Some("079095001234"),
        t.school_cell,
    )
    .await;
    let (_, binh) = source(
        &app,
        ("Lê", "Thị", "Bình"),
        Some("079198004321"),
        t.residential_cell,
    )
    .await;
    let (_, khoa) = source(&app, ("Trần", "Minh", "Khoa"), None, t.other_cell).await;
    let officer = app.login("canbo").await;

    // The ward's cases in Vietnamese order (by given name), the other ward's not at all.
    let all = app.get(Some(&officer), "/cases").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(listed(&all), vec![an.0, binh.0]);
    assert!(all.body.contains("2 hồ sơ"));
    assert!(!all.body.contains("Khoa"));
    assert!(all.body.contains("Nguyễn Văn An") && all.body.contains("05/05/1995"));
    // The city sees both wards.
    let admin = app.login("admin").await;
    let city = app.get(Some(&admin), "/cases").await;
    assert_eq!(listed(&city), vec![an.0, binh.0, khoa.0]);

    // Text: with or without diacritics, any case, or the citizen id.
    for text in [
        "Nguyễn Văn",
        "nguyen van an",
        "NGUYEN",
        "079095001234",
        "079 095 001 234",
    ] {
        let found = app.search(&officer, "cases", text, &[]).await;
        assert_eq!(found.status, StatusCode::OK, "{text}");
        assert_eq!(listed(&found), vec![an.0], "{text}");
    }
    let found = app.search(&officer, "cases", "binh", &[]).await;
    assert_eq!(listed(&found), vec![binh.0]);
    let none = app.search(&officer, "cases", "khoa", &[]).await;
    assert!(listed(&none).is_empty() && none.body.contains("0 hồ sơ"));

    // Stage, unit subtree, sector, years, overdue.
    let cases = |q: String| {
        let app = &app;
        let officer = officer.clone();
        async move { app.get(Some(&officer), &format!("/cases?{q}")).await }
    };
    assert_eq!(
        listed(&cases("stage=source".into()).await),
        vec![an.0, binh.0]
    );
    assert!(listed(&cases("stage=sympathiser".into()).await).is_empty());
    assert_eq!(
        listed(&cases(format!("unit={}", t.school.0)).await),
        vec![an.0]
    );
    assert_eq!(
        listed(&cases(format!("unit={}", t.residential_cell.0)).await),
        vec![binh.0]
    );
    assert_eq!(listed(&cases("sector=education".into()).await), vec![an.0]);
    assert_eq!(listed(&cases("year=2025".into()).await), vec![an.0, binh.0]);
    assert!(listed(&cases("year=2024".into()).await).is_empty());
    assert!(listed(&cases("ceremony_year=2025".into()).await).is_empty());
    assert!(listed(&cases("overdue=1".into()).await).is_empty());

    // Bad values: a message beside the filter, never a 500, and no list.
    for (q, message) in [
        ("stage=khong-co", "Không có bước này"),
        (
            &format!("unit={}", t.other_ward.0) as &str,
            "Không có tổ chức đảng này trong phạm vi của tài khoản",
        ),
        (
            &format!("unit={}", app.other_province.0),
            "Không có tổ chức đảng này trong phạm vi của tài khoản",
        ),
        ("unit=abc", "Mã tổ chức đảng phải là một số"),
        ("year=hai-nghin", "không phải một năm"),
        ("ceremony_year=99999", "không phải một năm"),
        ("sector=vu-tru", "Không có lĩnh vực này"),
        ("mass_org=987654", "Không có đoàn thể này"),
        ("page=0", "Số trang phải là số nguyên dương"),
        ("page=abc", "Số trang phải là số nguyên dương"),
    ] {
        let answer = cases(q.to_string()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{q}: {}",
            answer.body
        );
        assert!(answer.body.contains(message), "{q}");
        assert!(answer.body.contains("class=\"field-error\""), "{q}");
        assert!(listed(&answer).is_empty(), "{q}");
    }

    // A mass organisation's nominees.
    let scope = ward_scope(&app);
    let (_, nominee) = app
        .store
        .create_source(
            &change("canbo"),
            &scope,
            &person("Võ", "Thị", "Cúc", day(2001, 1, 1), Sex::Female, None),
            t.residential_cell,
            day(2025, 8, 1),
            Some((app.mass_org, doc("05-NQ/ĐTN", day(2025, 7, 30)))),
        )
        .await
        .unwrap();
    assert_eq!(
        listed(&cases(format!("mass_org={}", app.mass_org.0)).await),
        vec![nominee.0]
    );

    // Fifty a page: 55 more sources make two pages.
    for i in 0..55 {
        source(
            &app,
            ("Phạm", "Văn", &format!("Tên{i:02}")),
            None,
            t.residential_cell,
        )
        .await;
    }
    let first = app.get(Some(&officer), "/cases").await;
    assert!(first.body.contains("58 hồ sơ"), "{}", first.body);
    assert_eq!(listed(&first).len(), 50);
    assert!(first.body.contains("rel=\"next\""));
    let second = app.get(Some(&officer), "/cases?page=2").await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(listed(&second).len(), 8);
    assert!(second.body.contains("rel=\"prev\"") && !second.body.contains("rel=\"next\""));
    let mut both = listed(&first);
    both.extend(listed(&second));
    both.sort_unstable();
    both.dedup();
    assert_eq!(both.len(), 58, "no case on two pages");
    // Filters carry over to the next page's link.
    let filtered = app.get(Some(&officer), "/cases?stage=source").await;
    assert!(
        filtered
            .body
            .contains("href=\"/cases?stage=source&#38;page=2\"")
    );
    let beyond = app.get(Some(&officer), "/cases?page=9").await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert!(listed(&beyond).is_empty() && beyond.body.contains("58 hồ sơ"));
}

#[tokio::test]
async fn case_page_shows_the_person_and_logs_the_read() {
    let app = TestApp::new().await;
    let (person, id) = source(
        &app,
        ("Nguyễn", "Văn", "An"),
        Some("079095001234"),
        app.tree.school_cell,
    )
    .await;
    let officer = app.login("canbo").await;
    let before = reads(&app, person).await;
    let page = app.get(Some(&officer), &format!("/cases/{}", id.0)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "Nguyễn Văn An",
        "05/05/1995",
        "079095001234",
        "Kinh",
        "Giáo viên",
        "Trường THPT Thủ Dầu Một",
        "Đoàn viên Đoàn TNCS Hồ Chí Minh",
        "Chi bộ Giáo viên",
        "Quần chúng ưu tú (nguồn)",
        // The checklist and the dates kept apart.
        "Nghị quyết chi bộ công nhận cảm tình Đảng",
        "Chưa có",
        "Ngày kết nạp",
        "Tuổi đảng tính từ",
        "Ngày chính thức",
        "Không có hạn đang chạy",
    ] {
        assert!(page.body.contains(text), "missing {text}");
    }
    // Reading the page is a logged read of the person.
    assert_eq!(reads(&app, person).await, before + 1);

    // The officer gets the forms of a source: the next step and the side exits only.
    for code in ["add_to_sympathisers", "withdraw", "record_death"] {
        assert!(
            page.body
                .contains(&format!("name=\"action\" value=\"{code}\"")),
            "form {code}"
        );
    }
    // A transfer is asked of the receiving unit, from a page of its own.
    assert!(
        page.body
            .contains(&format!("action=\"/cases/{}/transfer\"", id.0))
    );
    for code in ["hold_ceremony", "cell_vote", "strike_off", "assign_helper"] {
        assert!(
            !page.body.contains(&format!("value=\"{code}\"")),
            "no form {code}"
        );
    }
    assert!(page.body.contains(&format!(
        "name=\"version\" value=\"{}\"",
        version(&app, id).await
    )));
    assert!(page.body.contains("for=\"add_to_sympathisers-number\""));
    assert!(page.body.contains("type=\"date\""));
    assert!(!page.body.contains(&format!("/cases/{}/audit", id.0)));
    assert!(!page.body.contains("style="), "no inline style");

    // A viewer reads the page (and the read is logged) but gets no form.
    let viewer = app.login("xem").await;
    let seen = app.get(Some(&viewer), &format!("/cases/{}", id.0)).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("Nguyễn Văn An"));
    assert!(!seen.body.contains("name=\"action\""));
    assert!(!seen.body.contains("<details class=\"action"));
    assert_eq!(reads(&app, person).await, before + 2);

    // The auditor sees the link to the audit trail.
    let auditor = app.login("kiemtra").await;
    let audited = app.get(Some(&auditor), &format!("/cases/{}", id.0)).await;
    assert!(audited.body.contains(&format!("/cases/{}/audit", id.0)));
    assert!(!audited.body.contains("name=\"action\""));

    // Not a number, or no such case: not found.
    for path in ["/cases/abc", "/cases/999999", "/cases/-1"] {
        assert_eq!(
            app.get(Some(&officer), path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn posted_actions_move_the_case_on_or_say_why_not() {
    let app = TestApp::new().await;
    let (_, id) = source(
        &app,
        ("Lê", "Thị", "Bình"),
        Some("079198004321"),
        app.tree.residential_cell,
    )
    .await;
    let officer = app.login("canbo").await;
    let path = format!("/cases/{}/actions", id.0);
    let v1 = version(&app, id).await.to_string();

    // Add to the sympathisers: 303 back to the case page.
    let done = app
        .post(
            &officer,
            &path,
            &[
                ("action", "add_to_sympathisers"),
                ("version", &v1),
                ("number", "12-NQ/CB"),
                ("dated", "2025-07-03"),
                ("helper", "Lê Văn Tám"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), Some(format!("/cases/{}", id.0).as_str()));
    let record = app.store.case(&ward_scope(&app), id).await.unwrap();
    assert_eq!(record.case.stage, Stage::Sympathiser);
    assert_eq!(record.case.helpers, vec![member("Lê Văn Tám")]);
    let page = app.get(Some(&officer), &format!("/cases/{}", id.0)).await;
    assert!(
        page.body
            .contains("Chi bộ ra nghị quyết công nhận cảm tình Đảng")
    );
    assert!(page.body.contains("số 12-NQ/CB, ngày 03/07/2025"));
    assert!(page.body.contains("qd-294 v1"));
    assert!(page.body.contains("Người ghi: canbo"));
    // A sympathiser's forms.
    for code in [
        "record_awareness_certificate",
        "assign_helper",
        "assign_test_task",
        "withdraw",
    ] {
        assert!(
            page.body.contains(&format!("value=\"{code}\"")),
            "form {code}"
        );
    }
    assert!(!page.body.contains("value=\"add_to_sympathisers\""));

    // Dates typed as dd/mm/yyyy are read too.
    let v2 = version(&app, id).await.to_string();
    let done = app
        .post(
            &officer,
            &path,
            &[
                ("action", "assign_test_task"),
                ("version", &v2),
                ("on", "05/08/2025"),
                ("what", "Hướng dẫn câu lạc bộ Toán"),
                ("due_on", "30/11/2025"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let record = app.store.case(&ward_scope(&app), id).await.unwrap();
    assert_eq!(record.case.test_tasks[0].due_on, day(2025, 11, 30));

    // A stale version: the conflict message, the typed values kept, nothing written.
    let stale = app
        .post(
            &officer,
            &path,
            &[
                ("action", "assign_helper"),
                ("version", &v1),
                ("on", "2025-08-06"),
                ("helper", "Trần Văn Bảy"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("vừa được người khác cập nhật"));
    assert!(stale.body.contains("value=\"Trần Văn Bảy\""));
    assert!(
        stale
            .body
            .contains(&format!("name=\"version\" value=\"{}\"", record.version))
    );
    assert_eq!(version(&app, id).await, record.version);

    // An unreadable date: 422, the message beside that field.
    let bad = app
        .post(
            &officer,
            &path,
            &[
                ("action", "record_awareness_certificate"),
                ("version", &record.version.to_string()),
                ("number", "NT-1"),
                ("dated", "32/13/2025"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body
            .contains("id=\"record_awareness_certificate-dated-error\"")
    );
    assert!(bad.body.contains("không đọc được"));
    assert!(bad.body.contains("value=\"32/13/2025\""));
    assert!(bad.body.contains("input.date"));

    // A missing paper number: the domain's message beside the number.
    let bad = app
        .post(
            &officer,
            &path,
            &[
                ("action", "record_awareness_certificate"),
                ("version", &record.version.to_string()),
                ("number", " "),
                ("dated", "2025-08-10"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("id=\"record_awareness_certificate-number-error\"")
    );
    assert!(bad.body.contains("Phải ghi số giấy chứng nhận"));

    // A date in the future, an action the stage does not allow, an unknown action.
    let future = app
        .post(
            &officer,
            &path,
            &[
                ("action", "withdraw"),
                ("version", &record.version.to_string()),
                ("on", "2099-01-01"),
                ("reason", "Chuyển công tác"),
            ],
        )
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        future.body.contains("date.future") && future.body.contains("id=\"withdraw-on-error\"")
    );
    let wrong_stage = app
        .post(
            &officer,
            &path,
            &[
                ("action", "hold_ceremony"),
                ("version", &record.version.to_string()),
                ("on", "2025-08-10"),
                ("mentor", "Lê Văn Tám"),
            ],
        )
        .await;
    assert_eq!(wrong_stage.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong_stage.body.contains("workflow.stage"));
    let unknown = app
        .post(
            &officer,
            &path,
            &[
                ("action", "bay-len"),
                ("version", &record.version.to_string()),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("Không có thao tác này"));
    // No version at all: a bad request.
    let no_version = app
        .post(
            &officer,
            &path,
            &[("action", "record_death"), ("on", "2025-08-10")],
        )
        .await;
    assert_eq!(no_version.status, StatusCode::BAD_REQUEST);
    assert_eq!(version(&app, id).await, record.version, "nothing written");

    // A viewer cannot post; another ward's officer does not find the case.
    let viewer = app.login("xem").await;
    let fields = [
        ("action", "record_death"),
        ("version", "1"),
        ("on", "2025-08-10"),
    ];
    assert_eq!(
        app.post(&viewer, &path, &fields).await.status,
        StatusCode::NOT_FOUND
    );
    let other = app.login("canbo.phuloi").await;
    assert_eq!(
        app.post(&other, &path, &fields).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(version(&app, id).await, record.version, "nothing written");
}

#[tokio::test]
async fn a_late_ceremony_is_refused_beside_its_date_with_the_rule() {
    let app = TestApp::new().await;
    let id = decided_case(&app).await;
    let officer = app.login("canbo").await;
    let page = app.get(Some(&officer), &format!("/cases/{}", id.0)).await;
    assert!(page.body.contains("value=\"hold_ceremony\""));
    assert!(page.body.contains("qd-294/admission.ceremony_working_days"));
    assert!(page.body.contains("Tổ chức lễ kết nạp"));
    assert!(
        page.body.contains("Quá hạn"),
        "the ceremony deadline has passed"
    );
    assert!(
        page.body.contains("08/09/2025"),
        "party age from the decision"
    );
    let v = version(&app, id).await.to_string();
    let path = format!("/cases/{}/actions", id.0);
    let late = app
        .post(
            &officer,
            &path,
            &[
                ("action", "hold_ceremony"),
                ("version", &v),
                ("on", "2025-12-15"),
                ("mentor", "Lê Văn Tám"),
            ],
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.body
    );
    assert!(late.body.contains("qd-294/admission.ceremony_working_days"));
    assert!(late.body.contains("quá 30 ngày làm việc"));
    assert!(late.body.contains("id=\"hold_ceremony-on-error\""));
    assert!(
        late.body
            .contains("aria-describedby=\"hold_ceremony-on-error\"")
    );
    assert!(late.body.contains("value=\"2025-12-15\""));
    assert!(late.body.contains("value=\"Lê Văn Tám\""));
    assert!(
        late.body
            .contains("<details class=\"action primary\" open>")
    );
    assert!(late.body.contains("href=\"#hold_ceremony-on\""));
    assert_eq!(
        app.store
            .case(&ward_scope(&app), id)
            .await
            .unwrap()
            .case
            .stage,
        Stage::Decided
    );

    // With the superior committee's consent the late ceremony is recorded.
    let done = app
        .post(
            &officer,
            &path,
            &[
                ("action", "hold_ceremony"),
                ("version", &v),
                ("on", "2025-12-15"),
                ("mentor", "Lê Văn Tám"),
                ("consent_number", "88-CV/ĐU"),
                ("consent_dated", "2025-12-10"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = app.get(Some(&officer), &format!("/cases/{}", id.0)).await;
    assert!(page.body.contains("Đảng viên dự bị"));
    assert!(page.body.contains("15/12/2025"), "the ceremony date");
    assert!(
        page.body.contains("15/12/2026"),
        "the expected official date"
    );
    for code in ["record_new_member_course", "recognition_vote", "strike_off"] {
        assert!(
            page.body.contains(&format!("value=\"{code}\"")),
            "form {code}"
        );
    }
    assert!(!page.body.contains("value=\"withdraw\""));
}

#[tokio::test]
async fn scope_and_roles_decide_who_finds_what() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let (person, id) = source(
        &app,
        ("Nguyễn", "Văn", "An"),
        Some("079095001234"),
        t.school_cell,
    )
    .await;
    // Another ward's officer finds neither the case, its actions nor the ward's units.
    let other = app.login("canbo.phuloi").await;
    for path in [
        format!("/cases/{}", id.0),
        format!("/units/{}", t.ward.0),
        format!("/units/{}", t.school.0),
        format!("/units/{}", t.city.0),
    ] {
        let answer = app.get(Some(&other), &path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!answer.body.contains("Nguyễn Văn An"));
    }
    let post = app
        .post(
            &other,
            &format!("/cases/{}/actions", id.0),
            &[
                ("action", "record_death"),
                ("version", "1"),
                ("on", "2025-08-10"),
            ],
        )
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(Some(&other), &format!("/units/{}", t.other_ward.0))
            .await
            .status,
        StatusCode::OK
    );
    assert!(reads(&app, person).await == 0, "no read was logged");

    // The audit trail: the auditor sees who read and changed; a viewer does not find it.
    let officer = app.login("canbo").await;
    app.get(Some(&officer), &format!("/cases/{}", id.0)).await;
    let auditor = app.login("kiemtra").await;
    let trail = app
        .get(Some(&auditor), &format!("/cases/{}/audit", id.0))
        .await;
    assert_eq!(trail.status, StatusCode::OK, "{}", trail.body);
    assert!(trail.body.contains("Ai đã xem hoặc thay đổi hồ sơ này"));
    assert!(trail.body.contains("Xem hồ sơ cá nhân"));
    assert!(trail.body.contains("Mở hồ sơ"));
    assert!(trail.body.contains("Tạo hồ sơ cá nhân"));
    assert!(
        trail
            .body
            .contains("<td data-label=\"Người thực hiện\">canbo</td>")
    );
    assert!(trail.body.contains("1 lượt xem"));
    assert!(
        !trail.body.contains("Nguyễn Văn An"),
        "the trail names no one"
    );
    let viewer = app.login("xem").await;
    assert_eq!(
        app.get(Some(&viewer), &format!("/cases/{}/audit", id.0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(Some(&officer), &format!("/cases/{}/audit", id.0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let other_auditor_path = format!("/cases/{}/audit", id.0);
    assert_eq!(
        app.get(Some(&other), &other_auditor_path).await.status,
        StatusCode::NOT_FOUND
    );
    // A change shows as the action and the stages it moved between.
    let v = version(&app, id).await.to_string();
    let done = app
        .post(
            &officer,
            &format!("/cases/{}/actions", id.0),
            &[
                ("action", "add_to_sympathisers"),
                ("version", &v),
                ("number", "12-NQ/CB"),
                ("dated", "2025-07-03"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let trail = app
        .get(Some(&auditor), &format!("/cases/{}/audit", id.0))
        .await;
    assert!(trail.body.contains("Chi bộ công nhận cảm tình Đảng"));
    assert!(
        trail
            .body
            .contains("Quần chúng ưu tú (nguồn) → Cảm tình Đảng")
    );
}

#[tokio::test]
async fn unit_tree_counts_subtrees_and_unit_pages_keep_history() {
    let app = TestApp::new().await;
    let t = &app.tree;
    source(&app, ("Nguyễn", "Văn", "An"), None, t.school_cell).await;
    source(&app, ("Lê", "Thị", "Bình"), None, t.residential_cell).await;
    source(&app, ("Trần", "Minh", "Khoa"), None, t.other_cell).await;
    let officer = app.login("canbo").await;
    let tree = app.get(Some(&officer), "/units").await;
    assert_eq!(tree.status, StatusCode::OK, "{}", tree.body);
    for text in [
        "Đảng bộ Phường Thủ Dầu Một",
        "Đảng bộ Trường THPT Thủ Dầu Một",
        "Chi bộ Giáo viên",
        "Chi bộ Khu phố 3",
        "Đảng bộ cơ sở",
        "Chi bộ trực thuộc",
        "mã 25747",
        "Giáo dục",
        // The ward's total over its subtree, and the school's.
        "Xem 2 hồ sơ đang theo dõi của Đảng bộ Phường Thủ Dầu Một",
        "Xem 1 hồ sơ đang theo dõi của Đảng bộ Trường THPT Thủ Dầu Một",
        "th scope=\"col\"",
    ] {
        assert!(tree.body.contains(text), "missing {text}");
    }
    assert!(
        tree.body
            .contains(&format!("href=\"/units/{}\"", t.school.0))
    );
    assert!(!tree.body.contains("Phú Lợi"));
    assert!(!tree.body.contains("Chi bộ Khu phố 1"));

    // The city sees both wards, with the city's total.
    let admin = app.login("admin").await;
    let city = app.get(Some(&admin), "/units").await;
    assert!(
        city.body
            .contains("Xem 3 hồ sơ đang theo dõi của Đảng bộ Thành phố")
    );
    assert!(city.body.contains("Đảng bộ Phường Phú Lợi"));

    // One unit: its children with counts, the link to its cases, its history.
    app.store
        .rename_unit(
            &change("admin"),
            t.school_cell,
            "Chi bộ Giáo viên THPT",
            day(2026, 1, 1),
        )
        .await
        .unwrap();
    let school = app
        .get(Some(&officer), &format!("/units/{}", t.school.0))
        .await;
    assert_eq!(school.status, StatusCode::OK, "{}", school.body);
    assert!(school.body.contains("Chi bộ Giáo viên THPT"));
    assert!(
        school
            .body
            .contains(&format!("href=\"/cases?unit={}\"", t.school.0))
    );
    assert!(
        school
            .body
            .contains(&format!("href=\"/units/{}\"", t.ward.0)),
        "parent"
    );
    assert!(school.body.contains("01/07/2025"));
    let cell = app
        .get(Some(&officer), &format!("/units/{}", t.school_cell.0))
        .await;
    assert_eq!(cell.status, StatusCode::OK);
    assert!(
        cell.body
            .contains("Tên cũ “Chi bộ Giáo viên”, dùng đến hết ngày 31/12/2025")
    );

    // A merged unit shows its last day and its successor.
    let merged_into = app
        .store
        .create_unit(
            &change("admin"),
            ketnap_domain::ports::NewUnit {
                code: None,
                name: "Chi bộ Khu phố 3-4".into(),
                kind: ketnap_domain::unit::UnitKind::BaseCell,
                parent: Some(t.ward),
                sector: ketnap_domain::unit::SectorCode("residential".into()),
                valid_from: day(2025, 7, 1),
            },
        )
        .await
        .unwrap();
    app.store
        .merge_unit(
            &change("admin"),
            t.residential_cell,
            merged_into,
            day(2026, 2, 1),
        )
        .await
        .unwrap();
    let old = app
        .get(Some(&officer), &format!("/units/{}", t.residential_cell.0))
        .await;
    assert_eq!(old.status, StatusCode::OK);
    assert!(old.body.contains("31/01/2026"));
    assert!(
        old.body
            .contains(&format!("href=\"/units/{}\"", merged_into.0))
    );
    let ward = app
        .get(Some(&officer), &format!("/units/{}", t.ward.0))
        .await;
    assert!(
        ward.body
            .contains("Xem 1 hồ sơ đang theo dõi của Chi bộ Khu phố 3-4")
    );
    assert!(ward.body.contains("đã giải thể hoặc sáp nhập"));

    for path in ["/units/abc", "/units/999999"] {
        assert_eq!(
            app.get(Some(&officer), path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // A mass-organisation officer has no scope: not found.
    let mass = app.login("doanthe").await;
    assert_eq!(
        app.get(Some(&mass), "/units").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(Some(&mass), "/cases").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Four mass organisations: two in the school's cell, one in the residential cell, one in
/// the other ward's cell; their ids in that order.
async fn four_mass_orgs(app: &TestApp) -> Vec<i64> {
    let t = &app.tree;
    let mut ids = Vec::new();
    for (unit, name) in [
        (t.school_cell, "Chi đoàn giáo viên"),
        (t.school_cell, "Công đoàn trường"),
        (t.residential_cell, "Chi hội phụ nữ khu phố 1"),
        (t.other_cell, "Chi đoàn phường bên"),
    ] {
        let id = app
            .store
            .create_mass_org(&change("admin"), "youth_union", unit, name)
            .await
            .unwrap();
        ids.push(id.0);
    }
    ids
}

/// The list's filters in a scope with more units and mass organisations than they list
/// (limits of 3 here): the root and its sub-units, then the unit asked for; the mass
/// organisations under the unit asked for, and the one asked for; anything outside the
/// scope not found.
#[tokio::test]
async fn filters_of_a_large_scope_offer_the_top_units_and_the_mass_organisations_near() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let store = &app.store;
    let in_school = four_mass_orgs(&app).await[..2].to_vec();
    let city = Scope::subtree(t.city, Access::Read);
    let ward = Scope::subtree(t.ward, Access::Read);
    let choices = |scope: Scope, unit: Option<UnitId>, mass_org: Option<i64>| {
        let store = store.clone();
        async move {
            store
                .filter_choices(&scope, unit, mass_org, (3, 3))
                .await
                .unwrap()
        }
    };

    // The whole city: more than three units and mass organisations.
    let wide = choices(city.clone(), None, None).await;
    assert!(!wide.all_units);
    let mut ids: Vec<UnitId> = wide.units.iter().map(|u| u.id).collect();
    ids.sort();
    let mut top = vec![t.city, t.ward, t.other_ward];
    top.sort();
    assert_eq!(ids, top);
    assert!(wide.mass_orgs.is_empty() && wide.mass_org_total >= 4);

    // A cell asked for: listed too; the mass organisations under the school offered.
    let near = choices(city.clone(), Some(t.school), Some(in_school[0])).await;
    assert!(near.unit_found && near.mass_org_found);
    assert!(near.units.iter().any(|u| u.id == t.school));
    let mut offered: Vec<i64> = near.mass_orgs.iter().map(|m| m.id).collect();
    offered.sort();
    assert_eq!(offered, in_school);

    // From the ward: the other ward's unit and mass organisation are not found.
    let outside = choices(
        ward.clone(),
        Some(t.other_cell),
        Some(wide.mass_org_total as i64 + 1000),
    )
    .await;
    assert!(!outside.unit_found && !outside.mass_org_found);
    let other: i64 = store
        .mass_orgs_in(&Scope::subtree(t.other_ward, Access::Read))
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .max()
        .unwrap();
    assert!(
        !choices(ward.clone(), None, Some(other))
            .await
            .mass_org_found
    );

    // A scope within the limits lists everything.
    let small = choices(Scope::subtree(t.school, Access::Read), None, None).await;
    assert!(small.all_units && small.mass_orgs.len() == 2 && small.mass_org_total == 2);
}

/// Once the report model is loaded the filters' units and mass organisations come from
/// it: the same as a store without the model reads from the database, for every scope,
/// unit and mass organisation asked for and limit, before and after a merge, a rename and
/// new mass organisations (read from the database until the model has applied them).
#[tokio::test]
async fn filter_choices_from_the_report_model_are_those_in_the_database() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let with_model = &app.store;
    let admin = change("admin");
    let orgs = four_mass_orgs(&app).await;
    let asked_orgs = [None, Some(orgs[0]), Some(orgs[3]), Some(orgs[3] + 1000)];
    // A second store on the same file never loads the model: the filters ask none.
    let without_model = ketnap_store::Store::open(&app.database_url(), ketnap_store::Create::Never)
        .await
        .unwrap();
    let all_choices = |store: ketnap_store::Store| async move {
        let mut all = Vec::new();
        for root in [t.city, t.ward, t.school, app.other_province] {
            for unit in [
                None,
                Some(t.school),
                Some(t.school_cell),
                Some(t.other_cell),
            ] {
                for limit in [1, 3, 400] {
                    for mass_org in asked_orgs {
                        let scope = Scope::subtree(root, Access::Read);
                        let choices = store
                            .filter_choices(&scope, unit, mass_org, (limit, limit))
                            .await
                            .unwrap();
                        all.push(((root, unit, limit, mass_org), choices));
                    }
                }
            }
        }
        all
    };
    with_model.report_generation().await.unwrap();
    let read = all_choices(without_model.clone()).await;
    // Both branches are compared: every unit, and the top ones with the one asked for.
    assert!(read.iter().any(|(_, c)| c.all_units && c.units.len() > 3));
    assert!(
        read.iter()
            .any(|(_, c)| !c.all_units && c.units.iter().any(|u| u.id == t.school_cell))
    );
    // And every branch of the mass organisations: all, those near the unit asked for, none
    // but the one asked for.
    assert!(read.iter().any(|(_, c)| c.mass_orgs.len() >= 3));
    assert!(
        read.iter()
            .any(|(_, c)| c.mass_org_total > c.mass_orgs.len() && c.mass_orgs.len() == 2)
    );
    assert!(
        read.iter()
            .any(|(_, c)| c.mass_org_total > 1 && c.mass_orgs.len() == 1 && c.mass_org_found)
    );
    assert!(
        read.iter()
            .any(|((_, _, _, asked), c)| asked.is_some() && !c.mass_org_found)
    );
    assert_eq!(all_choices(with_model.clone()).await, read);

    with_model
        .merge_unit(&admin, t.residential_cell, t.school_cell, day(2026, 1, 1))
        .await
        .unwrap();
    with_model
        .rename_unit(
            &admin,
            t.school_cell,
            "Chi bộ Giáo viên THPT",
            day(2026, 1, 1),
        )
        .await
        .unwrap();
    // The database's answers after a change: given before the model has applied it (the
    // database answers then) and after.
    let after_change = || async {
        let changed = all_choices(without_model.clone()).await;
        assert_ne!(changed, read);
        assert_eq!(all_choices(with_model.clone()).await, changed);
        with_model.report_generation().await.unwrap();
        assert_eq!(all_choices(with_model.clone()).await, changed);
        changed
    };
    after_change().await;
    // So with a new mass organisation.
    with_model
        .create_mass_org(
            &admin,
            "womens_union",
            t.school_cell,
            "Chi hội phụ nữ trường",
        )
        .await
        .unwrap();
    let changed = after_change().await;

    // And the model does answer: a name changed behind the store's back (no audit row, so
    // the model never hears of it) shows only where the database is read.
    let pool = sqlx::SqlitePool::connect(&app.database_url())
        .await
        .unwrap();
    sqlx::query("UPDATE units SET name = 'Đổi ngoài ứng dụng' WHERE id = ?")
        .bind(t.ward.0)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO mass_orgs (kind, unit_id, name) VALUES ('youth_union', ?, 'Thêm ngoài ứng dụng')")
        .bind(t.school_cell.0)
        .execute(&pool)
        .await
        .unwrap();
    let behind = all_choices(without_model.clone()).await;
    assert_ne!(behind, changed);
    assert_eq!(all_choices(with_model.clone()).await, changed);

    // A model far behind (more unapplied rows than the filters look through: searches
    // logged here) leaves the filters to the database, and catches up in the background.
    let city = Scope::subtree(t.city, Access::Read);
    for _ in 0..65 {
        with_model
            .log_read(&admin, &city, "person.search", 1, None)
            .await
            .unwrap();
    }
    let first = with_model
        .filter_choices(&city, None, None, (400, 400))
        .await
        .unwrap();
    let read = without_model
        .filter_choices(&city, None, None, (400, 400))
        .await
        .unwrap();
    assert_eq!(first, read);
    let mut waited = 0;
    while all_choices(with_model.clone()).await != changed {
        assert!(waited < 200, "the model caught up in the background");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
}
