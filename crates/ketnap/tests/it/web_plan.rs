//! The plan page (`/reports/plan`) through the web: headcounts, the overall target and the
//! children's quotas, the sector targets (teachers and students apart) and the term plan,
//! each posted with the session's CSRF token and read back from the store and the page;
//! and what is refused — no token, a read-only account, a negative number, a unit outside
//! the account's scope — leaves the store as it was.

use axum::http::{Method, StatusCode};
use ketnap_domain::ids::UnitId;
use ketnap_domain::report::{HeadcountInput, TermPlanInput};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::Store;

use crate::fixtures::day;
use crate::web::{TestApp, serde_urlencoded_form};

const YEAR: i32 = 2026;

/// A post the page refuses: the path, the fields besides unit and year, the message.
type Refusal<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

/// Every target set for `YEAR` on `unit` and its sub-units: (unit, sector, subgroup, target).
async fn targets(store: &Store, unit: UnitId) -> Vec<(UnitId, String, String, i64)> {
    let mut all: Vec<_> = store
        .targets(&Scope::subtree(unit, Access::Read), unit, YEAR)
        .await
        .unwrap()
        .into_iter()
        .map(|t| {
            (
                t.key.unit,
                t.key.sector_code().to_string(),
                t.key.subgroup.code().to_string(),
                t.target,
            )
        })
        .collect();
    all.sort();
    all
}

async fn headcounts(store: &Store, unit: UnitId) -> Vec<HeadcountInput> {
    store
        .headcounts(&Scope::subtree(unit, Access::Read), unit)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.input)
        .collect()
}

async fn term_plans(store: &Store, unit: UnitId) -> Vec<TermPlanInput> {
    store
        .term_plans(&Scope::subtree(unit, Access::Read), unit)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.input)
        .collect()
}

/// What the plan forms have written anywhere in the tree.
#[derive(Debug, PartialEq)]
struct Snapshot {
    targets: Vec<Vec<(UnitId, String, String, i64)>>,
    headcounts: Vec<Vec<HeadcountInput>>,
    term_plans: Vec<Vec<TermPlanInput>>,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    let t = &app.tree;
    let units = [
        t.city,
        t.ward,
        t.other_ward,
        t.school,
        t.school_cell,
        t.residential_cell,
        t.other_cell,
        app.other_province,
    ];
    let mut snap = Snapshot {
        targets: Vec::new(),
        headcounts: Vec::new(),
        term_plans: Vec::new(),
    };
    for unit in units {
        snap.targets.push(targets(&app.store, unit).await);
        snap.headcounts.push(headcounts(&app.store, unit).await);
        snap.term_plans.push(term_plans(&app.store, unit).await);
    }
    snap
}

/// The four plan forms, each with valid values for `unit`.
fn forms(unit: UnitId) -> Vec<(&'static str, Vec<(String, String)>)> {
    let pairs = |fields: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut all = vec![
            ("unit".to_string(), unit.to_string()),
            ("year".to_string(), YEAR.to_string()),
        ];
        all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all
    };
    vec![
        (
            "/reports/headcounts",
            pairs(&[
                ("as_of", "2025-09-30"),
                ("official_members", "10"),
                ("probationary_members", "1"),
            ]),
        ),
        (
            "/reports/targets",
            pairs(&[(&format!("target_{unit}"), "3")]),
        ),
        (
            "/reports/sector-targets",
            pairs(&[("sector:education", "2")]),
        ),
        (
            "/reports/term-plan",
            pairs(&[
                ("first_year", "2025"),
                ("last_year", "2030"),
                ("target_total", "9"),
            ]),
        ),
    ]
}

fn borrowed(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn plan_forms_save_exactly_what_was_posted() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let officer = app.login("canbo").await;
    let ward = t.ward.to_string();
    let year = YEAR.to_string();
    let back = format!("/reports/plan?unit={}&year={YEAR}", t.ward);

    // A headcount of the ward.
    let answer = app
        .post(
            &officer,
            "/reports/headcounts",
            &[
                ("unit", &ward),
                ("year", &year),
                ("as_of", "2025-09-30"),
                ("official_members", "1.204"),
                ("probationary_members", "38"),
                ("workforce", "5600"),
                ("youth_union_members", "410"),
                ("trade_union_members", ""),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(
        answer.location(),
        Some(format!("{back}&saved=headcount").as_str())
    );
    assert_eq!(
        headcounts(&app.store, t.ward).await,
        vec![HeadcountInput {
            unit: t.ward,
            as_of: day(2025, 9, 30),
            official_members: 1204,
            probationary_members: 38,
            workforce: Some(5600),
            youth_union_members: Some(410),
            trade_union_members: None,
        }]
    );

    // The ward's own target and its children's quotas.
    let (own, school, cell) = (
        format!("target_{}", t.ward),
        format!("target_{}", t.school),
        format!("target_{}", t.residential_cell),
    );
    let answer = app
        .post(
            &officer,
            "/reports/targets",
            &[
                ("unit", &ward),
                ("year", &year),
                (&own, "12"),
                (&school, "7"),
                (&cell, "5"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(
        answer.location(),
        Some(format!("{back}&saved=targets").as_str())
    );
    let overall = |unit: UnitId, n: i64| (unit, String::new(), String::new(), n);
    let mut expected = vec![
        overall(t.ward, 12),
        overall(t.school, 7),
        overall(t.residential_cell, 5),
    ];
    expected.sort();
    assert_eq!(targets(&app.store, t.ward).await, expected);

    // Sector targets, the education sector with teachers and students apart; blank fields
    // leave the other sectors unset.
    let answer = app
        .post(
            &officer,
            "/reports/sector-targets",
            &[
                ("unit", &ward),
                ("year", &year),
                ("sector:education", "6"),
                ("sector:education:teachers", "2"),
                ("sector:education:students", "3"),
                ("sector:health", "1"),
                ("sector:residential", ""),
                ("sector:press", " "),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(
        answer.location(),
        Some(format!("{back}&saved=sectors").as_str())
    );
    let sector = |code: &str, subgroup: &str, n: i64| (t.ward, code.into(), subgroup.into(), n);
    expected.extend([
        sector("education", "", 6),
        sector("education", "teachers", 2),
        sector("education", "students", 3),
        sector("health", "", 1),
    ]);
    expected.sort();
    assert_eq!(targets(&app.store, t.ward).await, expected);

    // A second post changes one sector target and keeps the rest.
    let answer = app
        .post(
            &officer,
            "/reports/sector-targets",
            &[
                ("unit", &ward),
                ("year", &year),
                ("sector:education:students", "4"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    for line in &mut expected {
        if line.1 == "education" && line.2 == "students" {
            line.3 = 4;
        }
    }
    assert_eq!(targets(&app.store, t.ward).await, expected);

    // The term plan, 2025–2030.
    let answer = app
        .post(
            &officer,
            "/reports/term-plan",
            &[
                ("unit", &ward),
                ("year", &year),
                ("first_year", "2025"),
                ("last_year", "2030"),
                ("target_total", "60"),
                ("note", "Ưu tiên  giáo viên trẻ"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(
        answer.location(),
        Some(format!("{back}&saved=term").as_str())
    );
    let plan = TermPlanInput {
        unit: t.ward,
        first_year: 2025,
        last_year: 2030,
        target_total: 60,
        note: "Ưu tiên giáo viên trẻ".into(),
    };
    assert_eq!(term_plans(&app.store, t.ward).await, vec![plan.clone()]);
    // The same years again replace the plan rather than adding one.
    let answer = app
        .post(
            &officer,
            "/reports/term-plan",
            &[
                ("unit", &ward),
                ("year", &year),
                ("first_year", "2025"),
                ("last_year", "2030"),
                ("target_total", "64"),
                ("note", "Ưu tiên giáo viên trẻ"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let plan = TermPlanInput {
        target_total: 64,
        ..plan
    };
    assert_eq!(term_plans(&app.store, t.ward).await, vec![plan]);

    // Nothing leaked to a unit that was not posted.
    for unit in [t.city, t.other_ward, t.school_cell, t.other_cell] {
        assert!(headcounts(&app.store, unit).await.is_empty());
        assert!(term_plans(&app.store, unit).await.is_empty());
    }

    // The page shows what was saved.
    let page = app.get(Some(&officer), &format!("{back}&saved=term")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = page.body;
    assert!(body.contains("Đã lưu kế hoạch nhiệm kỳ."));
    for (id, shown) in [
        ("st-education-current", "6"),
        ("st-education-teachers-current", "2"),
        ("st-education-students-current", "4"),
        ("st-health-current", "1"),
    ] {
        assert!(
            body.contains(&format!("id=\"{id}\">{shown}</td>")),
            "{id} shows {shown}"
        );
    }
    assert!(
        body.contains("id=\"st-press-current\"><span class=\"badge missing\">chưa giao</span>"),
        "an unset sector says so"
    );
    assert!(body.contains("name=\"sector:education:teachers\""));
    assert!(body.contains("<th scope=\"row\">2025–2030</th><td class=\"num\">64</td><td>Ưu tiên giáo viên trẻ</td><td>canbo</td>"));
    assert!(body.contains("id=\"tp-total\" name=\"target_total\" value=\"64\""));
    assert!(body.contains("<td>30/09/2025</td><td class=\"num\">1.204</td><td class=\"num\">38</td><td class=\"num\">5.600</td><td class=\"num\">410</td><td class=\"num\"></td><td>canbo</td>"));
    // The overall targets in force: 12 for the ward, 7 and 5 for its children.
    for n in ["12", "7", "5"] {
        assert!(
            body.contains(&format!("<td class=\"num\">{n}</td>\n    <td><label")),
            "target {n} in force"
        );
    }
    // A year with nothing set shows the defaults and empty sector targets.
    let other_year = app
        .get(
            Some(&officer),
            &format!("/reports/plan?unit={}&year=2027", t.ward),
        )
        .await;
    assert_eq!(other_year.status, StatusCode::OK);
    assert!(other_year.body.contains(
        "id=\"st-education-teachers-current\"><span class=\"badge missing\">chưa giao</span>"
    ));
}

#[tokio::test]
async fn plan_forms_refuse_without_changing_anything() {
    let app = TestApp::new().await;
    let t = &app.tree;
    let officer = app.login("canbo").await;
    let ward = t.ward.to_string();
    let year = YEAR.to_string();
    let before = snapshot(&app).await;

    // No CSRF token: refused by the route layer.
    for (path, pairs) in forms(t.ward) {
        let body = serde_urlencoded_form(&borrowed(&pairs));
        let answer = app
            .send(Some(&officer), Method::POST, path, Some(body))
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        // A wrong token is no better.
        let mut forged = vec![("csrf".to_string(), "0".repeat(64))];
        forged.extend(pairs.iter().cloned());
        let body = serde_urlencoded_form(&borrowed(&forged));
        let answer = app
            .send(Some(&officer), Method::POST, path, Some(body))
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path} forged");
    }
    assert_eq!(snapshot(&app).await, before);

    // Read-only accounts (and an account without a scope) are told "not found", token or not.
    for username in ["xem", "kiemtra", "doanthe"] {
        let reader = app.login(username).await;
        assert!(!reader.csrf.is_empty(), "{username} has a token");
        for (path, pairs) in forms(t.ward) {
            let answer = app.post(&reader, path, &borrowed(&pairs)).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{username} {path}");
        }
        assert_eq!(
            app.get(Some(&reader), &format!("/reports/plan?unit={}", t.ward))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{username}"
        );
    }
    assert_eq!(snapshot(&app).await, before);

    // A unit outside the officer's scope: above, beside, in another province, or none.
    for unit in [
        t.city,
        t.other_ward,
        t.other_cell,
        app.other_province,
        UnitId(987_654),
    ] {
        for (path, pairs) in forms(unit) {
            let answer = app.post(&officer, path, &borrowed(&pairs)).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path} unit {unit}");
            assert!(!answer.body.contains("Phú Lợi"), "{path}: nothing named");
        }
    }
    // Nor may the ward's quota form name a unit that is not one of its children.
    let stranger = format!("target_{}", t.other_cell);
    let answer = app
        .post(
            &officer,
            "/reports/targets",
            &[("unit", &ward), ("year", &year), (&stranger, "2")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    // The cell secretary of the residential cell may not plan for the ward above it.
    let secretary = app.login("bithu").await;
    for (path, pairs) in forms(t.ward) {
        let answer = app.post(&secretary, path, &borrowed(&pairs)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "bithu {path}");
    }
    assert_eq!(snapshot(&app).await, before);

    // Negative numbers: the page comes back with the field named, and nothing is saved —
    // not even the valid values posted with it.
    let own = format!("target_{}", t.ward);
    let school = format!("target_{}", t.school);
    let cases: Vec<Refusal> = vec![
        (
            "/reports/headcounts",
            vec![
                ("as_of", "2025-09-30"),
                ("official_members", "-5"),
                ("probationary_members", "2"),
            ],
            "Số đảng viên chính thức: &#34;-5&#34; phải là số nguyên từ 0 đến 200.000.000.",
        ),
        (
            "/reports/targets",
            vec![(&own, "4"), (&school, "-1")],
            "Chỉ tiêu của Đảng bộ Trường THPT Thủ Dầu Một: &#34;-1&#34; phải là số nguyên từ 0 đến 200.000.000.",
        ),
        (
            "/reports/sector-targets",
            vec![("sector:health", "2"), ("sector:education:teachers", "-3")],
            "Chỉ tiêu giáo viên, giảng viên thuộc lĩnh vực Giáo dục (trường học, đại học): &#34;-3&#34; phải là số nguyên từ 0 đến 200.000.000.",
        ),
        (
            "/reports/term-plan",
            vec![
                ("first_year", "2025"),
                ("last_year", "2030"),
                ("target_total", "-60"),
                ("note", "Kế hoạch"),
            ],
            "Chỉ tiêu cả nhiệm kỳ: &#34;-60&#34; phải là số nguyên từ 0 đến 200.000.000.",
        ),
        (
            "/reports/term-plan",
            vec![
                ("first_year", "2030"),
                ("last_year", "2025"),
                ("target_total", "60"),
            ],
            "Năm cuối nhiệm kỳ (2025) trước năm đầu (2030).",
        ),
        (
            "/reports/term-plan",
            vec![
                ("first_year", "hai nghìn"),
                ("last_year", "2030"),
                ("target_total", "60"),
            ],
            "Năm đầu nhiệm kỳ: &#34;hai nghìn&#34; phải là năm từ 2000 đến 2100.",
        ),
        (
            "/reports/sector-targets",
            vec![("sector:mining", "2")],
            "Lĩnh vực &#34;mining&#34; không có trong danh mục.",
        ),
        (
            "/reports/sector-targets",
            vec![("sector:health:teachers", "2")],
            "Lĩnh vực &#34;health:teachers&#34; không có trong danh mục.",
        ),
        (
            "/reports/sector-targets",
            vec![("sector:education", "")],
            "Chưa ghi chỉ tiêu lĩnh vực nào",
        ),
    ];
    for (path, fields, message) in cases {
        let mut all = vec![("unit", ward.as_str()), ("year", year.as_str())];
        all.extend(fields.iter().copied());
        let answer = app.post(&officer, path, &all).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {fields:?}"
        );
        assert!(
            answer.body.contains(message),
            "{path}: {message}\n{}",
            answer.body
        );
        assert!(answer.body.contains("id=\"form-errors\""));
        // What was typed comes back in the form.
        for (name, value) in &fields {
            if name.starts_with("sector:education") && !value.is_empty() {
                assert!(
                    answer
                        .body
                        .contains(&format!("name=\"{name}\" value=\"{value}\""))
                );
            }
        }
        assert_eq!(snapshot(&app).await, before, "{path} {fields:?}");
    }
}
