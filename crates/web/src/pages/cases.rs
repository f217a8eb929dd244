//! Hồ sơ: the scope's cases with filters in the query string, sorted the Vietnamese way,
//! fifty a page. A filter that does not make sense is told beside its field, never a 500.

use askama::Template;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use ketnap_domain::case::Stage;
use ketnap_domain::ids::{MassOrgId, UnitId};
use ketnap_domain::ports::UnitStore;
use ketnap_domain::unit::Unit;
use ketnap_store::listing::CaseQuery;

use super::units::NaturalKey;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, dmy, number};

const PAGE_SIZE: usize = 50;
/// Days ahead in which a deadline counts as close.
const WARN_DAYS: i64 = 14;
/// Up to this many active units, the unit filter lists them all; above it only the top
/// levels (and the chosen unit): the unit pages link here with their own filter.
const UNIT_OPTIONS_LIMIT: usize = 400;
/// Up to this many mass organisations, the filter lists them all.
const MASS_ORG_OPTIONS_LIMIT: usize = 300;

/// One choice of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The filters as typed (to show them again) and what is wrong with each.
#[derive(Default)]
pub struct Filters {
    pub stage: String,
    pub sector: String,
    pub unit: String,
    pub mass_org: String,
    pub year: String,
    pub ceremony_year: String,
    /// The token of a name or CCCD search; `text` is what it stands for, shown in the form.
    pub search: String,
    pub text: String,
    pub overdue: bool,
    pub page: String,
    /// `xlsx` or `csv`: the whole filtered list as a file.
    pub format: String,
}

#[derive(Default)]
pub struct FilterErrors {
    pub stage: Option<String>,
    pub sector: Option<String>,
    pub unit: Option<String>,
    pub mass_org: Option<String>,
    pub year: Option<String>,
    pub ceremony_year: Option<String>,
    pub page: Option<String>,
}

impl FilterErrors {
    fn any(&self) -> bool {
        [
            &self.stage,
            &self.sector,
            &self.unit,
            &self.mass_org,
            &self.year,
            &self.ceremony_year,
            &self.page,
        ]
        .iter()
        .any(|e| e.is_some())
    }
}

pub struct Row {
    pub case_id: i64,
    pub name: String,
    pub born: String,
    pub cell: String,
    pub stage: &'static str,
    pub due: String,
    pub what: &'static str,
    pub status: &'static str,
    pub status_label: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    layout: Layout,
    filters: Filters,
    errors: FilterErrors,
    stages: Vec<Choice>,
    sectors: Vec<Choice>,
    units: Vec<Choice>,
    mass_orgs: Vec<Choice>,
    mass_org_hint: Option<String>,
    rows: Vec<Row>,
    total: String,
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
    /// The whole filtered list as .xlsx and CSV, in the layout the importer reads.
    exports: Option<(String, String)>,
    invalid: bool,
}

fn year(text: &str) -> Result<Option<i32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i32>() {
        Ok(y) if (1945..=2100).contains(&y) => Ok(Some(y)),
        _ => Err(format!(
            "“{text}” không phải một năm; hãy ghi 4 chữ số, ví dụ 2025."
        )),
    }
}

/// Units as options, indented by depth under the scope's root.
fn unit_choices(units: &[Unit], root: UnitId, chosen: Option<UnitId>, all: bool) -> Vec<Choice> {
    let mut out = Vec::new();
    let mut stack = vec![(root, 0usize)];
    let collator = ketnap_domain::text::NameCollator::new();
    while let Some((id, depth)) = stack.pop() {
        let Some(unit) = units.iter().find(|u| u.id == id) else {
            continue;
        };
        out.push(Choice {
            value: id.0.to_string(),
            label: format!("{}{}", "— ".repeat(depth), unit.name),
            selected: chosen == Some(id),
        });
        if all || depth < 1 {
            let mut kids: Vec<(UnitId, NaturalKey)> = units
                .iter()
                .filter(|u| u.parent == Some(id) && u.valid_until.is_none())
                .map(|u| (u.id, NaturalKey::new(&u.name)))
                .collect();
            kids.sort_by(|(_, a), (_, b)| b.cmp_with(a, &collator));
            stack.extend(kids.into_iter().map(|(kid, _)| (kid, depth + 1)));
        }
    }
    if let Some(id) = chosen
        && !out.iter().any(|c| c.selected)
        && let Some(unit) = units.iter().find(|u| u.id == id)
    {
        out.push(Choice {
            value: id.0.to_string(),
            label: unit.name.clone(),
            selected: true,
        });
    }
    out
}

pub async fn list(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let store = &ctx.state.store;
    let today = ctx.today();
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let mut f = Filters::default();
    for (key, value) in pairs {
        match key.as_str() {
            "stage" => f.stage = value,
            "sector" => f.sector = value,
            "unit" => f.unit = value,
            "mass_org" => f.mass_org = value,
            "year" => f.year = value,
            "ceremony_year" => f.ceremony_year = value,
            "search" => f.search = value,
            "overdue" => f.overdue = !value.is_empty() && value != "0",
            "page" => f.page = value,
            "format" => f.format = value,
            _ => {}
        }
    }
    // A name or CCCD comes as a token (pages::people::remember_search), never in the URL.
    f.text = crate::pages::people::searched_text(&ctx, &f.search).await?;
    let mut errors = FilterErrors::default();
    let mut query = CaseQuery {
        text: Some(f.text.trim().to_string()).filter(|t| !t.is_empty()),
        overdue_on: f.overdue.then_some(today),
        ..CaseQuery::default()
    };

    let stage_code = f.stage.trim();
    if !stage_code.is_empty() {
        match Stage::from_code(stage_code) {
            Some(stage) => query.stage = Some(stage),
            None => errors.stage = Some("Không có bước này; hãy chọn trong danh sách.".into()),
        }
    }
    let sectors = store.sectors().await?;
    let sector = f.sector.trim();
    if !sector.is_empty() {
        if sectors.iter().any(|(code, _)| code == sector) {
            query.sector = Some(sector.to_string());
        } else {
            errors.sector = Some("Không có lĩnh vực này; hãy chọn trong danh sách.".into());
        }
    }
    let unit_text = f.unit.trim();
    let asked_unit = (!unit_text.is_empty()).then(|| unit_text.parse::<i64>());
    let mass_org = f.mass_org.trim();
    let asked_mass_org = (!mass_org.is_empty()).then(|| mass_org.parse::<i64>());
    let choices = store
        .filter_choices(
            scope,
            asked_unit.clone().and_then(Result::ok).map(UnitId),
            asked_mass_org.clone().and_then(Result::ok),
            (UNIT_OPTIONS_LIMIT, MASS_ORG_OPTIONS_LIMIT),
        )
        .await?;
    match asked_unit {
        Some(Ok(id)) if choices.unit_found => query.unit = Some(UnitId(id)),
        Some(Ok(_)) => {
            errors.unit = Some("Không có tổ chức đảng này trong phạm vi của tài khoản.".into())
        }
        Some(Err(_)) => errors.unit = Some("Mã tổ chức đảng phải là một số.".into()),
        None => {}
    }
    match asked_mass_org {
        Some(Ok(id)) if choices.mass_org_found => query.mass_org = Some(MassOrgId(id)),
        Some(_) => {
            errors.mass_org = Some("Không có đoàn thể này trong phạm vi của tài khoản.".into())
        }
        None => {}
    }
    match year(&f.year) {
        Ok(y) => query.identified_year = y,
        Err(message) => errors.year = Some(message),
    }
    match year(&f.ceremony_year) {
        Ok(y) => query.ceremony_year = y,
        Err(message) => errors.ceremony_year = Some(message),
    }
    let page = match f.page.trim() {
        "" => 1,
        text => match text.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => {
                errors.page = Some("Số trang phải là số nguyên dương.".into());
                1
            }
        },
    };

    let invalid = errors.any();
    if !invalid && matches!(f.format.as_str(), "xlsx" | "csv") {
        return match crate::bulk_export::gate(&ctx).await? {
            Ok(purpose) => export(&ctx, scope, &query, &f.format, purpose).await,
            Err(page) => Ok(page),
        };
    }
    let (total, lines) = if invalid {
        (0, Vec::new())
    } else {
        let found = store
            .case_lines(
                scope,
                &query,
                (page - 1).saturating_mul(PAGE_SIZE),
                PAGE_SIZE,
            )
            .await?;
        // A search by name or CCCD is audited (how many were found, not what was asked).
        if query.text.is_some() {
            store
                .log_read(&ctx.change(), scope, "person.search", found.total, None)
                .await?;
        }
        (found.total, found.lines)
    };
    let mut rows = Vec::with_capacity(lines.len());
    for line in lines {
        let deadline = line.due.map(|due| due.on(today, WARN_DAYS));
        rows.push(Row {
            case_id: line.case.0,
            name: line.name,
            born: line.born,
            cell: line.cell_name,
            stage: line.stage.label_vi(),
            due: deadline.as_ref().map(|d| dmy(d.due)).unwrap_or_default(),
            what: deadline.as_ref().map(|d| d.what).unwrap_or_default(),
            status: deadline
                .as_ref()
                .map(|d| d.status.code())
                .unwrap_or_default(),
            status_label: deadline
                .as_ref()
                .map(|d| d.status.label_vi())
                .unwrap_or_default(),
        });
    }
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    // The same filters, with one more parameter: a page number, or a file format.
    let link = |extra: (&'static str, String)| -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        for (name, value) in [
            ("stage", &f.stage),
            ("sector", &f.sector),
            ("unit", &f.unit),
            ("mass_org", &f.mass_org),
            ("year", &f.year),
            ("ceremony_year", &f.ceremony_year),
            ("search", &f.search),
        ] {
            if !value.trim().is_empty() {
                params.push((name, value.trim().to_string()));
            }
        }
        if f.overdue {
            params.push(("overdue", "1".into()));
        }
        params.push(extra);
        format!(
            "/cases?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        )
    };
    let previous =
        (!invalid && page > 1).then(|| link(("page", (page - 1).min(pages).to_string())));
    let next = (!invalid && page < pages).then(|| link(("page", (page + 1).to_string())));
    let exports = (!invalid && total > 0).then(|| {
        (
            link(("format", "xlsx".into())),
            link(("format", "csv".into())),
        )
    });

    let stages = Stage::ALL
        .into_iter()
        .map(|s| Choice {
            value: s.code().into(),
            label: s.label_vi().into(),
            selected: query.stage == Some(s),
        })
        .collect();
    let sector_choices = sectors
        .into_iter()
        .map(|(code, name)| Choice {
            selected: query.sector.as_deref() == Some(code.as_str()),
            value: code,
            label: name,
        })
        .collect();
    let unit_options = unit_choices(&choices.units, scope.root(), query.unit, choices.all_units);
    // A city has thousands of mass organisations: those under the chosen unit are offered.
    let total_mass_orgs = choices.mass_org_total;
    let near = choices.mass_orgs;
    let mass_org_hint = (total_mass_orgs > MASS_ORG_OPTIONS_LIMIT && near.len() <= 1).then(|| {
        format!(
            "Phạm vi có {} đoàn thể: hãy chọn một tổ chức đảng cấp dưới rồi bấm “Lọc” để chọn đoàn thể của tổ chức đó.",
            number(total_mass_orgs as i64)
        )
    });
    let mass_org_choices = near
        .into_iter()
        .map(|m| Choice {
            value: m.id.to_string(),
            label: m.name,
            selected: query.mass_org == Some(MassOrgId(m.id)),
        })
        .collect();
    let page_view = ListPage {
        layout: ctx.layout("Hồ sơ phát triển đảng viên").await?,
        filters: f,
        errors,
        stages,
        sectors: sector_choices,
        units: unit_options,
        mass_orgs: mass_org_choices,
        mass_org_hint,
        rows,
        total: number(total as i64),
        page,
        pages,
        previous,
        next,
        exports,
        invalid,
    };
    let mut response = Html(page_view.render()?).into_response();
    if invalid {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

/// Rows an export of the case list may hold.
const EXPORT_LIMIT: usize = 200_000;

/// The filtered case list as a file in the layout the importer reads (people with their
/// cases), so that it can be edited and imported again; audited as an export.
async fn export(
    ctx: &Ctx,
    scope: &ketnap_domain::scope::Scope,
    query: &CaseQuery,
    format: &str,
    purpose: &str,
) -> Result<Response, WebError> {
    let store = &ctx.state.store;
    let found = store.case_page(scope, query, 0, EXPORT_LIMIT).await?;
    store
        .log_read(
            &ctx.change(),
            scope,
            "person.export",
            found.records.len(),
            Some(purpose),
        )
        .await?;
    let units = store
        .units_in(scope)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let table = ketnap_import::people_table(
        found.records.iter().map(|r| (&r.person.details, &r.case)),
        &units,
    );
    let name = format!("ho-so-{}", scope.root().0);
    if format == "csv" {
        Ok(crate::export::csv_response(&table, &name))
    } else {
        crate::export::xlsx_response(std::slice::from_ref(&table), &name)
    }
}
