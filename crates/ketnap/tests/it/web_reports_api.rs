//! `/api/v1/reports/bottlenecks`, `coverage`, `breakdown` and `recognitions` on the report
//! fixture of `web_reports` (two ceremonies in the school cell on 22/09/2025, one case
//! waiting after its cell vote of 18/08/2025 in the residential cell): each answer is the
//! store's report for the token's scope, checked against the OpenAPI document, with figures
//! known by hand; bad parameters answer 422 naming them; units outside the scope 404.

use axum::http::StatusCode;
use chrono::NaiveDate;
use ketnap_domain::ids::UnitId;
use ketnap_domain::report::{CoverageParams, HeadcountInput, Period};
use ketnap_domain::scope::{Access, Scope};
use serde_json::Value;

use crate::fixtures::{change, day};
use crate::web_api::{Api, token_of};
use crate::web_reports::seeded;

/// `year=2025` is counted as of its last day (today is later).
fn end_of_2025() -> NaiveDate {
    day(2025, 12, 31)
}

fn ids(list: &Value, pointer: &str) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item.pointer(pointer).and_then(Value::as_i64).unwrap())
        .collect()
}

#[tokio::test]
async fn report_api_bottlenecks_breakdown_recognitions_coverage() {
    let (app, formula_cell) = seeded().await;
    let t = &app.tree;
    // The city's leader: the admin's token reads the whole city.
    let city = Scope::subtree(t.city, Access::Edit);
    // A headcount for the coverage lists: 10 members for 1 000 residents is 1 %.
    app.store
        .record_headcount(
            &change("admin"),
            &city,
            &HeadcountInput {
                unit: t.residential_cell,
                as_of: day(2025, 10, 1),
                official_members: 9,
                probationary_members: 1,
                workforce: Some(1000),
                youth_union_members: None,
                trade_union_members: None,
            },
        )
        .await
        .unwrap();
    let api = Api::new(&app).await;
    let token = token_of(&app, "admin").await;
    let get = |path: String| {
        let api = &api;
        let token = token.clone();
        async move { api.get(Some(&token), &path).await }
    };
    let store = &app.store;

    // ---- Bottlenecks: the residential case is past the committee's decision deadline ----
    let reply = get(format!(
        "/api/v1/reports/bottlenecks?unit={}&year=2025",
        t.ward
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.json);
    let report = store
        .bottleneck_report(&city, t.ward, end_of_2025())
        .await
        .unwrap();
    assert_eq!(reply.json, serde_json::to_value(&report).unwrap());
    let json = &reply.json;
    assert_eq!(json["as_of"], "2025-12-31");
    assert_eq!(json["unit"]["id"], t.ward.0);
    assert_eq!(json["by_stage"], serde_json::json!([["cell_resolved", 1]]));
    assert_eq!(json["by_unit"][0][0]["id"], t.residential_cell.0);
    assert_eq!(json["by_unit"][0][1], 1);
    assert_eq!(json["by_unit"].as_array().unwrap().len(), 1);
    assert_eq!(json["cases"].as_array().unwrap().len(), 1);
    assert_eq!(json["cases"][0]["name"], "Trần Thị Báo Cáo 2");
    assert_eq!(json["cases"][0]["stage"], "cell_resolved");
    assert_eq!(json["cases"][0]["deadline"]["status"]["status"], "overdue");
    // The default unit is the scope's root: the city, with the ward as its sub-unit.
    let reply = get("/api/v1/reports/bottlenecks?year=2025".into()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["unit"]["id"], t.city.0);
    assert_eq!(ids(&reply.json["by_unit"], "/0/id"), vec![t.ward.0]);
    // In the school cell nothing is late.
    let reply = get(format!(
        "/api/v1/reports/bottlenecks?unit={}&year=2025",
        t.school_cell
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["cases"], serde_json::json!([]));

    // ---- Breakdown: the two admissions of 2025, women of 30 ----
    let reply = get(format!(
        "/api/v1/reports/breakdown?unit={}&year=2025",
        t.ward
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.json);
    let report = store
        .breakdown_report(&city, t.ward, Period::year(2025).unwrap())
        .await
        .unwrap();
    assert_eq!(reply.json, serde_json::to_value(&report).unwrap());
    let json = &reply.json;
    assert_eq!(json["total"], 2);
    assert_eq!(
        json["period"],
        serde_json::json!({"from": "2025-01-01", "to": "2025-12-31"})
    );
    let count = |dimension: &str, key: &str| {
        json["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["dimension"] == dimension)
            .and_then(|t| {
                t["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["key"] == key)
            })
            .map(|r| r["count"].as_i64().unwrap())
    };
    assert_eq!(count("sex", "female"), Some(2));
    assert_eq!(count("sex", "male"), Some(0));
    assert_eq!(count("age_band", "18-30"), Some(2));
    // A period by days, cut at its end: before the ceremonies nobody was admitted.
    let reply = get(format!(
        "/api/v1/reports/breakdown?unit={}&from=2025-07-01&to=2025-09-21",
        t.ward
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["total"], 0);
    let reply = get(format!(
        "/api/v1/reports/breakdown?unit={}&from=2025-09-22&to=2025-09-22",
        t.school_cell
    ))
    .await;
    assert_eq!(reply.json["total"], 2);

    // ---- Recognitions: probation ends on 22/09/2026, 265 days after 31/12/2025 ----
    let reply = get(format!(
        "/api/v1/reports/recognitions?unit={}&year=2025",
        t.ward
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.json);
    let report = store
        .recognition_report(&city, t.ward, end_of_2025(), 30)
        .await
        .unwrap();
    assert_eq!(reply.json, serde_json::to_value(&report).unwrap());
    assert_eq!(reply.json["within_days"], 30);
    assert_eq!(reply.json["due"], serde_json::json!([]));
    assert_eq!(reply.json["overdue"], serde_json::json!([]));
    for (within, due) in [(264, 0), (265, 2), (300, 2)] {
        let reply = get(format!(
            "/api/v1/reports/recognitions?unit={}&year=2025&within_days={within}",
            t.ward
        ))
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.json);
        let report = store
            .recognition_report(&city, t.ward, end_of_2025(), within)
            .await
            .unwrap();
        assert_eq!(reply.json, serde_json::to_value(&report).unwrap());
        assert_eq!(reply.json["due"].as_array().unwrap().len(), due, "{within}");
        assert_eq!(reply.json["overdue"], serde_json::json!([]));
    }
    let reply = get(format!(
        "/api/v1/reports/recognitions?unit={}&year=2025&within_days=265",
        t.ward
    ))
    .await;
    let due = &reply.json["due"][0];
    assert_eq!(due["ceremony_on"], "2025-09-22");
    assert_eq!(due["probation_ends"], "2026-09-22");
    assert_eq!(due["cell"]["id"], t.school_cell.0);
    assert_eq!(due["stage"], "probation");

    // ---- Coverage ----
    let reply = get(format!(
        "/api/v1/reports/coverage?unit={}&year=2025",
        t.ward
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.json);
    let report = store
        .coverage_report(&city, t.ward, end_of_2025(), CoverageParams::default())
        .await
        .unwrap();
    assert_eq!(reply.json, serde_json::to_value(&report).unwrap());
    let json = &reply.json;
    assert_eq!(
        json["params"],
        serde_json::json!({"min_ratio": 0.05, "years_without_admission": 3})
    );
    assert_eq!(
        ids(&json["low_ratio"], "/unit/id"),
        vec![t.residential_cell.0]
    );
    assert_eq!(json["low_ratio"][0]["members"], 10);
    assert_eq!(json["low_ratio"][0]["workforce"], 1000);
    assert_eq!(json["low_ratio"][0]["ratio"], 0.01);
    assert_eq!(json["low_ratio"][0]["headcount_on"], "2025-10-01");
    // The school has its two probationary members; every unit is younger than 3 years.
    assert_eq!(json["without_members"], serde_json::json!([]));
    assert_eq!(json["without_admission"], serde_json::json!([]));
    // 1 % is not below 1 %, nor below 0.5 %; it is below 1.1 %.
    for (min_ratio, listed) in [("0.01", false), ("0.005", false), ("0.011", true)] {
        let reply = get(format!(
            "/api/v1/reports/coverage?unit={}&year=2025&min_ratio={min_ratio}",
            t.ward
        ))
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.json);
        assert_eq!(
            !reply.json["low_ratio"].as_array().unwrap().is_empty(),
            listed,
            "{min_ratio}"
        );
    }
    // On 30/09/2026 (a period of one day), the last admission of the school cell was
    // 22/09/2025: more than a year before, less than two; the other cells never admitted
    // anyone, and every unit opened on 01/07/2025.
    let sept_30 = day(2026, 9, 30);
    let mut ward_units = vec![
        t.school.0,
        t.school_cell.0,
        t.residential_cell.0,
        formula_cell.0,
    ];
    ward_units.sort();
    for (years, listed) in [(1u32, ward_units), (2, vec![])] {
        let reply = get(format!(
            "/api/v1/reports/coverage?unit={}&from=2026-09-30&to=2026-09-30&min_ratio=0.02&years_without={years}",
            t.ward
        ))
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.json);
        let params = CoverageParams {
            min_ratio: 0.02,
            years_without_admission: years,
        };
        let report = store
            .coverage_report(&city, t.ward, sept_30, params)
            .await
            .unwrap();
        assert_eq!(reply.json, serde_json::to_value(&report).unwrap());
        assert_eq!(reply.json["as_of"], "2026-09-30");
        let mut got = ids(&reply.json["without_admission"], "/unit/id");
        got.sort();
        assert_eq!(got, listed, "years_without={years}");
        if years == 1 {
            let school_cell = reply.json["without_admission"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["unit"]["id"] == t.school_cell.0)
                .unwrap();
            assert_eq!(school_cell["last_admission"], "2025-09-22");
        }
    }
}

#[tokio::test]
async fn report_api_refuses_bad_parameters_and_units_outside_the_scope() {
    let (app, _) = seeded().await;
    let t = &app.tree;
    let api = Api::new(&app).await;
    let admin = token_of(&app, "admin").await;
    let ward_officer = token_of(&app, "canbo").await;
    let reports = ["bottlenecks", "coverage", "breakdown", "recognitions"];

    // Bad values of the shared parameters, and names a report does not take.
    for report in reports {
        for (query, field, rule) in [
            ("year=abc", "year", "api.query.year"),
            ("unit=-4", "unit", "api.query.unit"),
            ("from=2025-06-01", "to", "api.query.to"),
            ("from=2025-06-01&to=2025-01-01", "to", "api.query.to"),
            ("year=2025&year=2026", "year", "api.query.repeated"),
            ("as_of=2025-06-01", "as_of", "api.query.unknown"),
            // The pages read a blank value as "not given"; the API refuses it.
            ("to=", "to", "api.query.to"),
            ("year=%20&unit=1", "year", "api.query.year"),
            ("from=2025-06-01&to=", "to", "api.query.to"),
        ] {
            let path = format!("/api/v1/reports/{report}?{query}");
            let reply = api.get(Some(&admin), &path).await;
            reply.assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some(field), Some(rule));
        }
    }
    // Each report's own parameters.
    for (report, query, field, rule) in [
        (
            "coverage",
            "min_ratio=-0.1",
            "min_ratio",
            "api.query.decimal",
        ),
        (
            "coverage",
            "min_ratio=abc",
            "min_ratio",
            "api.query.decimal",
        ),
        (
            "coverage",
            "min_ratio=NaN",
            "min_ratio",
            "api.query.decimal",
        ),
        (
            "coverage",
            "min_ratio=inf",
            "min_ratio",
            "api.query.decimal",
        ),
        ("coverage", "min_ratio=5", "min_ratio", "api.query.decimal"),
        (
            "coverage",
            "min_ratio=0,05",
            "min_ratio",
            "api.query.decimal",
        ),
        (
            "coverage",
            "years_without=-1",
            "years_without",
            "api.query.number",
        ),
        (
            "coverage",
            "years_without=0",
            "years_without",
            "api.query.number",
        ),
        (
            "coverage",
            "years_without=1.5",
            "years_without",
            "api.query.number",
        ),
        (
            "coverage",
            "years_without=4294967297",
            "years_without",
            "api.query.number",
        ),
        (
            "coverage",
            "min_ratio=0.1&min_ratio=0.2",
            "min_ratio",
            "api.query.repeated",
        ),
        (
            "coverage",
            "within_days=3",
            "within_days",
            "api.query.unknown",
        ),
        (
            "recognitions",
            "within_days=-5",
            "within_days",
            "api.query.number",
        ),
        (
            "recognitions",
            "within_days=abc",
            "within_days",
            "api.query.number",
        ),
        (
            "recognitions",
            "within_days=99999999",
            "within_days",
            "api.query.number",
        ),
        (
            "recognitions",
            "min_ratio=0.1",
            "min_ratio",
            "api.query.unknown",
        ),
        (
            "bottlenecks",
            "within_days=3",
            "within_days",
            "api.query.unknown",
        ),
        (
            "breakdown",
            "years_without=3",
            "years_without",
            "api.query.unknown",
        ),
    ] {
        let path = format!("/api/v1/reports/{report}?unit={}&{query}", t.ward);
        let reply = api.get(Some(&admin), &path).await;
        reply.assert_error(StatusCode::UNPROCESSABLE_ENTITY, Some(field), Some(rule));
        let message = reply.json["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("\"{field}\"")),
            "{path}: {message}"
        );
    }
    let reply = api
        .get(Some(&admin), "/api/v1/reports/coverage?min_ratio=-0.1")
        .await;
    assert!(
        reply.json["message"]
            .as_str()
            .unwrap()
            .starts_with("Tham số \"min_ratio\" phải là số từ 0 đến 1"),
        "{:#}",
        reply.json
    );
    // The edges are accepted.
    for query in [
        "min_ratio=0&years_without=1",
        "min_ratio=1&years_without=100",
    ] {
        let path = format!("/api/v1/reports/coverage?unit={}&year=2025&{query}", t.ward);
        assert_eq!(
            api.get(Some(&admin), &path).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    for within in [0, 3660] {
        let path = format!("/api/v1/reports/recognitions?within_days={within}");
        assert_eq!(
            api.get(Some(&admin), &path).await.status,
            StatusCode::OK,
            "{path}"
        );
    }

    // The ward's officer: the ward and below answer, the rest of the city is "not found".
    for report in reports {
        for (unit, status) in [
            (None, StatusCode::OK),
            (Some(t.ward), StatusCode::OK),
            (Some(t.school_cell), StatusCode::OK),
            (Some(t.city), StatusCode::NOT_FOUND),
            (Some(t.other_ward), StatusCode::NOT_FOUND),
            (Some(t.other_cell), StatusCode::NOT_FOUND),
            (Some(app.other_province), StatusCode::NOT_FOUND),
            (Some(UnitId(987_654)), StatusCode::NOT_FOUND),
        ] {
            let path = match unit {
                Some(unit) => format!("/api/v1/reports/{report}?unit={unit}&year=2025"),
                None => format!("/api/v1/reports/{report}?year=2025"),
            };
            let reply = api.get(Some(&ward_officer), &path).await;
            assert_eq!(reply.status, status, "{path}: {:#}", reply.json);
            if status == StatusCode::NOT_FOUND {
                reply.assert_error(StatusCode::NOT_FOUND, None, None);
                assert!(!reply.json.to_string().contains("Phú Lợi"), "{path}");
            } else {
                assert_eq!(reply.json["unit"]["id"], unit.unwrap_or(t.ward).0, "{path}");
            }
        }
        // Without a token: 401.
        let reply = api.get(None, &format!("/api/v1/reports/{report}")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // The officer's bottlenecks are the ward's, not the city's (the other ward's case
    // would not be counted anyway: it has none).
    let reply = api
        .get(Some(&ward_officer), "/api/v1/reports/bottlenecks?year=2025")
        .await;
    assert_eq!(reply.json["unit"]["id"], t.ward.0);
    assert_eq!(reply.json["cases"].as_array().unwrap().len(), 1);
}
