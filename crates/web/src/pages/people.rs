//! Tìm người: search by name (with or without diacritics) or citizen id; and a person's
//! page, whose every opening is written to the audit trail.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use ketnap_domain::access::Need;
use ketnap_domain::ethnicity;
use ketnap_domain::ids::{CaseId, PersonId};
use ketnap_domain::person::PersonDetails;
use ketnap_domain::ports::{AuditStore, CaseStore, PersonStore};
use ketnap_domain::scope::Scope;
use ketnap_domain::text::{NameCollator, clean};
use serde::Deserialize;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::case::{AuditLine, audit_line};
use crate::views::{Layout, dmy, vn_time};

/// At most this many people are listed for one search.
const SEARCH_LIMIT: u32 = 50;
/// Longer search text is cut: nobody's name or number is longer.
const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// A token from `remember_search`: the text itself never travels in the URL.
    search: String,
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
    let q = searched_text(&ctx, &query.search).await?;
    let store = &ctx.state.store;
    let mut hits = Vec::new();
    if !q.is_empty() {
        let mut people = store.find_people(&scope, &q, SEARCH_LIMIT).await?;
        store
            .log_read(&ctx.change(), &scope, "person.search", people.len(), None)
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

/// The text a `search` token stands for; none without a token. An unknown or expired
/// token is said so, rather than showing everything as if nothing had been asked.
pub async fn searched_text(ctx: &Ctx, token: &str) -> Result<String, WebError> {
    let token = token.trim();
    if token.is_empty() {
        return Ok(String::new());
    }
    ctx.state
        .store
        .saved_search(token, &ctx.auth.username, Utc::now())
        .await?
        .ok_or_else(|| {
            WebError::bad_request("Lượt tìm kiếm này đã hết hạn (sau một ngày). Hãy tìm lại.")
        })
}

/// Where a search form may send its results.
const SEARCH_PAGES: [(&str, &str); 2] = [("people", "/people/search"), ("cases", "/cases")];

/// POST of a search form (`to` = people or cases, `text` = a name or a CCCD, and for the
/// case list its other filters): keeps the text under a token and sends the browser to the
/// results with the token and the other filters in the URL.
pub async fn remember_search(
    ctx: Ctx,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(fields) =
        form.map_err(|_| WebError::bad_request("Nội dung tìm kiếm không hợp lệ."))?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let path = SEARCH_PAGES
        .iter()
        .find(|(to, _)| *to == field("to"))
        .map(|(_, path)| *path)
        .ok_or_else(|| {
            WebError::bad_request("Không rõ tìm ở trang nào (to = people hoặc cases).")
        })?;
    let mut params: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, v)| {
            !matches!(k.as_str(), "to" | "text" | "csrf" | "search" | "page")
                && !v.trim().is_empty()
        })
        .cloned()
        .collect();
    let text: String = clean(field("text")).chars().take(MAX_QUERY_CHARS).collect();
    if !text.is_empty() {
        let token = ctx
            .state
            .store
            .save_search(&ctx.auth.username, &text, Utc::now())
            .await?;
        params.push(("search".into(), token));
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let target = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    Ok(Redirect::to(&target).into_response())
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
    /// Whether to offer the data-subject report (auditors and administrators).
    auditor: bool,
    id: i64,
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
    let page = PersonPage {
        // The name stays out of the title (browser history keeps titles).
        layout: ctx.layout("Thông tin cá nhân").await?,
        name: person.details.name.full(),
        lines: detail_lines(&person.details),
        history: history_lines(&ctx, &scope, id).await?,
        cases: case_lines(&ctx, &scope, id).await?,
        auditor: ctx.auth.role.grants(Need::Audit),
        id: id.0,
    };
    Ok(Html(page.render()?).into_response())
}

/// Every field of a person's record, labelled as the forms label them.
pub(crate) fn detail_lines(d: &PersonDetails) -> Vec<Line> {
    let citizen_id = match &d.citizen_id {
        Some(c) if c.is_legacy() => format!("{c} (CMND cũ)"),
        Some(c) => match c.province_name() {
            Some(p) => format!("{c} (nơi đăng ký khai sinh: {p})"),
            None => c.to_string(),
        },
        None => "—".to_string(),
    };
    vec![
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
    ]
}

async fn history_lines(ctx: &Ctx, scope: &Scope, id: PersonId) -> Result<Vec<PastLine>, WebError> {
    Ok(ctx
        .state
        .store
        .identity_history(scope, id)
        .await?
        .into_iter()
        .map(|p| PastLine {
            name: p.name.full(),
            birth: past_birth(&p.birth),
            changed_on: dmy(p.changed_on),
            reason: p.reason,
        })
        .collect())
}

async fn case_lines(ctx: &Ctx, scope: &Scope, id: PersonId) -> Result<Vec<CaseLine>, WebError> {
    Ok(ctx
        .state
        .store
        .cases_of_person(scope, id)
        .await?
        .into_iter()
        .map(|c| CaseLine {
            id: c.case_id.0,
            stage: c.stage.label_vi(),
            cell: c.cell_name,
            identified_on: dmy(c.identified_on),
        })
        .collect())
}

/// One step of a case, as the report lists it.
pub struct StepLine {
    pub case_id: i64,
    pub on: String,
    pub summary: String,
    pub document: String,
    pub actor: String,
}

/// How often one account opened the record (reads only).
pub struct ReaderLine {
    pub who: String,
    pub reads: usize,
    pub last: String,
}

#[derive(Template)]
#[template(path = "person_report.html")]
struct ReportPage {
    layout: Layout,
    id: i64,
    name: String,
    made_at: String,
    lines: Vec<Line>,
    history: Vec<PastLine>,
    cases: Vec<CaseLine>,
    steps: Vec<StepLine>,
    readers: Vec<ReaderLine>,
    audit: Vec<AuditLine>,
}

/// Báo cáo dữ liệu cá nhân: everything ketnap holds about a person in the auditor's scope
/// (the record, former names, cases and their steps) and everyone who read or changed it,
/// on one printable page, for a data subject's request (Law 91/2025/QH15). Opening it is
/// itself logged as a read of the person.
pub async fn subject_report(ctx: Ctx, Path(raw_id): Path<String>) -> Result<Response, WebError> {
    let scope = ctx.scope()?.clone();
    let id = raw_id
        .parse::<i64>()
        .map(PersonId)
        .map_err(|_| WebError::not_found())?;
    let store = &ctx.state.store;
    let person = store.person(&ctx.change(), &scope, id).await?;
    let cases = case_lines(&ctx, &scope, id).await?;
    let mut steps = Vec::new();
    let mut entries = store
        .audit_trail(&scope, "person", &id.0.to_string())
        .await?;
    for case in &cases {
        for event in store.events(&scope, CaseId(case.id)).await? {
            steps.push(StepLine {
                case_id: case.id,
                on: dmy(event.on),
                summary: event.summary,
                document: event
                    .document
                    .map(|d| format!("{} ngày {}", d.number, dmy(d.dated)))
                    .unwrap_or_default(),
                actor: event.actor,
            });
        }
        entries.extend(
            store
                .audit_trail(&scope, "case", &case.id.to_string())
                .await?,
        );
    }
    entries.sort_by_key(|e| e.at);
    let audit: Vec<AuditLine> = entries.into_iter().map(audit_line).collect();
    let mut readers: Vec<ReaderLine> = Vec::new();
    for line in audit.iter().filter(|l| l.read) {
        match readers.iter_mut().find(|r| r.who == line.who) {
            Some(reader) => {
                reader.reads += 1;
                reader.last = line.when.clone();
            }
            None => readers.push(ReaderLine {
                who: line.who.clone(),
                reads: 1,
                last: line.when.clone(),
            }),
        }
    }
    let page = ReportPage {
        layout: ctx.layout("Báo cáo dữ liệu cá nhân").await?,
        id: id.0,
        name: person.details.name.full(),
        made_at: vn_time(Utc::now()),
        lines: detail_lines(&person.details),
        history: history_lines(&ctx, &scope, id).await?,
        cases,
        steps,
        readers,
        audit,
    };
    Ok(Html(page.render()?).into_response())
}
