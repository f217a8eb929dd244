//! Tìm người: search by name (with or without diacritics) or citizen id; and a person's
//! page, whose every opening is written to the audit trail.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Response};
use ketnap_domain::ethnicity;
use ketnap_domain::ids::PersonId;
use ketnap_domain::ports::PersonStore;
use ketnap_domain::text::{NameCollator, clean};
use serde::Deserialize;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, dmy};

/// At most this many people are listed for one search.
const SEARCH_LIMIT: u32 = 50;
/// Longer search text is cut: nobody's name or number is longer.
const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
}

pub struct Hit {
    pub id: i64,
    pub name: String,
    pub birth: String,
    /// The latest case in the scope: stage and cell.
    pub case: Option<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "people_search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    searched: bool,
    hits: Vec<Hit>,
    limit: u32,
}

pub async fn search(
    ctx: Ctx,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?.clone();
    let Query(query) =
        query.map_err(|_| WebError::bad_request("Nội dung tìm kiếm không hợp lệ."))?;
    let q: String = clean(&query.q).chars().take(MAX_QUERY_CHARS).collect();
    let store = &ctx.state.store;
    let mut hits = Vec::new();
    if !q.is_empty() {
        let mut people = store.find_people(&scope, &q, SEARCH_LIMIT).await?;
        store
            .log_read(&ctx.change(), &scope, "person.search", people.len())
            .await?;
        let collator = NameCollator::new();
        people.sort_by(|a, b| {
            collator
                .compare_names(&a.details.name, &b.details.name)
                .then(a.id.cmp(&b.id))
        });
        for person in people {
            let cases = store.cases_of_person(&scope, person.id).await?;
            hits.push(Hit {
                id: person.id.0,
                name: person.details.name.full(),
                birth: person.details.birth.display(),
                case: cases
                    .first()
                    .map(|c| (c.stage.label_vi(), c.cell_name.clone())),
            });
        }
    }
    let page = SearchPage {
        layout: ctx.layout("Tìm người").await?,
        searched: !q.is_empty(),
        q,
        hits,
        limit: SEARCH_LIMIT,
    };
    Ok(Html(page.render()?).into_response())
}

/// One line of the details table.
pub struct Line {
    pub label: &'static str,
    pub value: String,
}

pub struct PastLine {
    pub name: String,
    pub birth: String,
    pub changed_on: String,
    pub reason: String,
}

pub struct CaseLine {
    pub id: i64,
    pub stage: &'static str,
    pub cell: String,
    pub identified_on: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    layout: Layout,
    name: String,
    lines: Vec<Line>,
    history: Vec<PastLine>,
    cases: Vec<CaseLine>,
}

fn yes_no(value: bool) -> String {
    if value { "Có" } else { "Không" }.to_string()
}

fn or_dash(text: &str) -> String {
    if text.trim().is_empty() {
        "—".to_string()
    } else {
        text.to_string()
    }
}

/// `YYYY-MM-DD` (or a year alone), as stored for a past date of birth, shown `dd/mm/yyyy`.
fn past_birth(text: &str) -> String {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(dmy)
        .unwrap_or_else(|_| text.to_string())
}

pub async fn page(ctx: Ctx, Path(raw_id): Path<String>) -> Result<Response, WebError> {
    let scope = ctx.scope()?.clone();
    let id = raw_id
        .parse::<i64>()
        .map(PersonId)
        .map_err(|_| WebError::not_found())?;
    let store = &ctx.state.store;
    // Writes the `person.read` audit row; out of scope answers "not found".
    let person = store.person(&ctx.change(), &scope, id).await?;
    let d = &person.details;
    let citizen_id = match &d.citizen_id {
        Some(c) if c.is_legacy() => format!("{c} (CMND cũ)"),
        Some(c) => match c.province_name() {
            Some(p) => format!("{c} (nơi đăng ký khai sinh: {p})"),
            None => c.to_string(),
        },
        None => "—".to_string(),
    };
    let lines = vec![
        Line {
            label: "Họ và tên",
            value: d.name.full(),
        },
        Line {
            label: "Ngày sinh",
            value: d.birth.display(),
        },
        Line {
            label: "Giới tính",
            value: d.sex.label_vi().to_string(),
        },
        Line {
            label: "Số CCCD",
            value: citizen_id,
        },
        Line {
            label: "Dân tộc",
            value: ethnicity::by_id(d.ethnicity)
                .map(|e| e.name.to_string())
                .unwrap_or_else(|| "—".to_string()),
        },
        Line {
            label: "Tôn giáo",
            value: if d.religion.trim().is_empty() {
                "Không".to_string()
            } else {
                d.religion.clone()
            },
        },
        Line {
            label: "Giáo dục phổ thông",
            value: or_dash(&d.education.general),
        },
        Line {
            label: "Chuyên môn, nghiệp vụ",
            value: or_dash(&d.education.professional),
        },
        Line {
            label: "Lý luận chính trị",
            value: or_dash(&d.education.political_theory),
        },
        Line {
            label: "Nghề nghiệp",
            value: or_dash(&d.occupation),
        },
        Line {
            label: "Nơi làm việc, học tập",
            value: or_dash(&d.workplace),
        },
        Line {
            label: "Nơi cư trú",
            value: or_dash(&d.residence),
        },
        Line {
            label: "Đoàn viên Đoàn TNCS Hồ Chí Minh",
            value: yes_no(d.youth_union_member),
        },
        Line {
            label: "Đoàn viên Công đoàn",
            value: yes_no(d.trade_union_member),
        },
        Line {
            label: "Số điện thoại",
            value: or_dash(&d.phone),
        },
        Line {
            label: "Thư điện tử",
            value: or_dash(&d.email),
        },
    ];
    let history = store
        .identity_history(&scope, id)
        .await?
        .into_iter()
        .map(|p| PastLine {
            name: p.name.full(),
            birth: past_birth(&p.birth),
            changed_on: dmy(p.changed_on),
            reason: p.reason,
        })
        .collect();
    let cases = store
        .cases_of_person(&scope, id)
        .await?
        .into_iter()
        .map(|c| CaseLine {
            id: c.case_id.0,
            stage: c.stage.label_vi(),
            cell: c.cell_name,
            identified_on: dmy(c.identified_on),
        })
        .collect();
    let page = PersonPage {
        // The name stays out of the title (browser history keeps titles).
        layout: ctx.layout("Thông tin cá nhân").await?,
        name: d.name.full(),
        lines,
        history,
        cases,
    };
    Ok(Html(page.render()?).into_response())
}
