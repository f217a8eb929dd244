//! Báo cáo: progress against the target with pace and forecast, the children ranked, the
//! funnel, bottlenecks, low coverage, breakdowns and probation, for any unit of the scope
//! and any period; each table with its chart, exported to `.xlsx` and CSV, printable.
//! Also the forms that feed it: headcount snapshots and yearly targets with the children's
//! quotas.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::RawQuery;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use ketnap_domain::ids::UnitId;
use ketnap_domain::scope::Scope;
use ketnap_domain::unit::Unit;
use ketnap_sheets::write::{Cell, Table};

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::export;
use crate::views::{Layout, dmy};

// ---------------------------------------------------------------------------------------
// The query: which unit, which period

/// The period a report covers, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Set when the period is one calendar year (`?year=`).
    pub year: Option<i32>,
}

impl Period {
    pub fn year(year: i32) -> Option<Period> {
        Some(Period {
            from: NaiveDate::from_ymd_opt(year, 1, 1)?,
            to: NaiveDate::from_ymd_opt(year, 12, 31)?,
            year: Some(year),
        })
    }

    pub fn label(&self) -> String {
        match self.year {
            Some(year) => format!("năm {year}"),
            None => format!("từ {} đến {}", dmy(self.from), dmy(self.to)),
        }
    }

    /// For file names: `2026` or `2026-01-01_2026-06-30`.
    pub fn slug(&self) -> String {
        match self.year {
            Some(year) => year.to_string(),
            None => format!(
                "{}_{}",
                self.from.format("%Y-%m-%d"),
                self.to.format("%Y-%m-%d")
            ),
        }
    }

    /// The day the numbers are counted as of: today inside the period, else its end
    /// (or its start, for a period still to come).
    pub fn as_of(&self, today: NaiveDate) -> NaiveDate {
        today.clamp(self.from, self.to)
    }
}

pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;
/// The longest period a report covers.
const MAX_PERIOD_DAYS: i64 = 366 * 10;

/// What `/reports` and its exports are asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub unit: Option<UnitId>,
    pub period: Period,
    pub table: Option<String>,
}

fn parse_day(name: &str, label: &str, text: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .ok()
        .filter(|d| (MIN_YEAR..=MAX_YEAR).contains(&d.year()))
        .ok_or_else(|| {
            let mut e = WebError::bad_request(format!(
                "{label} \"{}\" không đọc được: hãy ghi ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd, trong các năm {MIN_YEAR}–{MAX_YEAR}.",
                short_echo(text)
            ));
            e.field = Some(name.to_string());
            e
        })
}

/// A value echoed back in a message: at most 40 characters.
fn short_echo(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Reads `unit`, `year`, `from`, `to` (and `table` where `with_table`). Empty values count
/// as absent; unknown names are ignored (forms may add their own). A bad value answers 400
/// with a Vietnamese message naming the field.
pub fn parse_query(
    raw: Option<&str>,
    today: NaiveDate,
    with_table: bool,
) -> Result<ReportQuery, WebError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|_| WebError::bad_request("Chuỗi tham số (sau dấu ?) không đọc được."))?;
    let mut values: HashMap<&str, &str> = HashMap::new();
    for (name, value) in &pairs {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if values.insert(name.as_str(), value).is_some() {
            let mut e = WebError::bad_request(format!("Tham số \"{name}\" chỉ được ghi một lần."));
            e.field = Some(name.clone());
            return Err(e);
        }
    }
    let bad = |field: &str, message: String| {
        let mut e = WebError::bad_request(message);
        e.field = Some(field.to_string());
        e
    };
    let unit = match values.get("unit") {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(UnitId(id)),
            _ => {
                return Err(bad(
                    "unit",
                    format!(
                        "Mã tổ chức đảng \"{}\" không hợp lệ: phải là một số nguyên dương.",
                        short_echo(text)
                    ),
                ));
            }
        },
    };
    let from = values
        .get("from")
        .map(|t| parse_day("from", "Ngày bắt đầu", t));
    let to = values
        .get("to")
        .map(|t| parse_day("to", "Ngày kết thúc", t));
    let period = match (from, to) {
        (Some(from), Some(to)) => {
            let (from, to) = (from?, to?);
            if from > to {
                return Err(bad(
                    "to",
                    "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu.".into(),
                ));
            }
            if (to - from).num_days() > MAX_PERIOD_DAYS {
                return Err(bad("to", "Kỳ báo cáo dài nhất là 10 năm.".into()));
            }
            Period {
                from,
                to,
                year: None,
            }
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(bad(
                if values.contains_key("from") {
                    "to"
                } else {
                    "from"
                },
                "Hãy ghi cả ngày bắt đầu và ngày kết thúc, hoặc chỉ chọn năm.".into(),
            ));
        }
        (None, None) => {
            let year = match values.get("year") {
                None => today.year(),
                Some(text) => match text.parse::<i32>() {
                    Ok(y) if (MIN_YEAR..=MAX_YEAR).contains(&y) => y,
                    _ => {
                        return Err(bad(
                            "year",
                            format!(
                                "Năm \"{}\" không hợp lệ: hãy ghi năm từ {MIN_YEAR} đến {MAX_YEAR}.",
                                short_echo(text)
                            ),
                        ));
                    }
                },
            };
            Period::year(year).ok_or_else(WebError::internal)?
        }
    };
    let table = if with_table {
        values.get("table").map(|t| t.to_string())
    } else {
        None
    };
    Ok(ReportQuery {
        unit,
        period,
        table,
    })
}

/// The query string that names the same unit and period (for links and exports).
pub fn query_string(unit: UnitId, period: &Period) -> String {
    match period.year {
        Some(year) => format!("unit={unit}&year={year}"),
        None => format!(
            "unit={unit}&from={}&to={}",
            period.from.format("%Y-%m-%d"),
            period.to.format("%Y-%m-%d")
        ),
    }
}

// ---------------------------------------------------------------------------------------
// The unit: in the scope, or not found

/// The chosen unit of the scope, the units from the scope's root down to it, and its direct
/// sub-units (past ones included).
pub struct Place {
    pub unit: Unit,
    chain: Vec<Unit>,
    children: Vec<Unit>,
}

impl Place {
    pub async fn load(ctx: &Ctx, scope: &Scope, unit: Option<UnitId>) -> Result<Place, WebError> {
        let id = unit.unwrap_or(scope.root());
        let (chain, children) = ctx.state.store.report_place(scope, id).await?;
        let unit = chain.last().cloned().ok_or_else(WebError::not_found)?;
        Ok(Place {
            unit,
            chain,
            children,
        })
    }

    /// From the scope's root down to the unit.
    pub fn chain(&self) -> &[Unit] {
        &self.chain
    }

    /// The unit's children active at some point of the period, by name.
    pub fn children(&self, period: &Period) -> Vec<&Unit> {
        let mut out: Vec<&Unit> = self
            .children
            .iter()
            .filter(|u| u.valid_from <= period.to && u.valid_until.is_none_or(|d| d >= period.from))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        out
    }
}

// ---------------------------------------------------------------------------------------
// Sections: one table, its chart, its words

pub struct Header {
    pub text: String,
    pub num: bool,
}

pub struct Shown {
    pub text: String,
    pub num: bool,
    pub href: Option<String>,
}

pub struct Row {
    pub cells: Vec<Shown>,
    pub strong: bool,
}

/// One part of the report as the page shows it.
pub struct SectionView {
    pub key: String,
    pub title: String,
    pub note: Option<String>,
    pub chart: Option<String>,
    pub empty: &'static str,
    pub headers: Vec<Header>,
    pub rows: Vec<Row>,
    /// Said under a table cut at `SHOWN_ROWS`: how many rows the exports hold.
    pub more: Option<String>,
}

/// Rows of one table shown on the page: a city-wide list of overdue cases or units runs to
/// thousands, which a phone should not have to load; the exports hold them all.
const SHOWN_ROWS: usize = 200;

/// One part of the report: the table (what the exports hold), with links for its first
/// column, the chart and a note.
pub struct Section {
    pub table: Table,
    /// Per row: where its cell in `link_column` links (a drill-down or a case).
    pub links: Vec<Option<String>>,
    /// Rows shown in bold (totals).
    pub strong: Vec<bool>,
    /// The column whose cells carry the links.
    pub link_column: usize,
    pub chart: Option<String>,
    pub note: Option<String>,
    pub empty: &'static str,
}

impl Section {
    pub fn new(table: Table) -> Section {
        Section {
            table,
            links: Vec::new(),
            strong: Vec::new(),
            link_column: 0,
            chart: None,
            note: None,
            empty: "Không có số liệu trong kỳ này.",
        }
    }

    /// Adds a row, with where its first cell links.
    pub fn row(&mut self, cells: Vec<Cell>, link: Option<String>) {
        self.table.push(cells);
        self.links.push(link);
        self.strong.push(false);
    }

    pub fn total(&mut self, cells: Vec<Cell>) {
        self.table.push(cells);
        self.links.push(None);
        self.strong.push(true);
    }

    fn view(&self) -> SectionView {
        let numeric: Vec<bool> = (0..self.table.headers.len())
            .map(|col| {
                self.table
                    .rows
                    .iter()
                    .any(|r| r.get(col).is_some_and(Cell::is_numeric))
            })
            .collect();
        SectionView {
            key: self.table.key.clone(),
            title: self.table.title.clone(),
            note: self.note.clone(),
            chart: self.chart.clone(),
            empty: self.empty,
            headers: self
                .table
                .headers
                .iter()
                .zip(&numeric)
                .map(|(text, num)| Header {
                    text: text.clone(),
                    num: *num,
                })
                .collect(),
            rows: self
                .table
                .rows
                .iter()
                .take(SHOWN_ROWS)
                .enumerate()
                .map(|(i, cells)| Row {
                    strong: self.strong.get(i).copied().unwrap_or(false),
                    cells: cells
                        .iter()
                        .enumerate()
                        .map(|(col, cell)| Shown {
                            text: cell.display(),
                            num: cell.is_numeric(),
                            href: if col == self.link_column {
                                self.links.get(i).cloned().flatten()
                            } else {
                                None
                            },
                        })
                        .collect(),
                })
                .collect(),
            more: (self.table.rows.len() > SHOWN_ROWS).then(|| {
                format!(
                    "Trang chỉ hiện {SHOWN_ROWS} trong {} dòng; tải bảng (.csv) hoặc cả báo cáo (.xlsx) để xem đủ.",
                    self.table.rows.len()
                )
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The dashboard

pub struct Crumb {
    pub name: String,
    pub href: String,
}

pub struct YearChoice {
    pub value: i32,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    layout: Layout,
    crumbs: Vec<Crumb>,
    unit_id: UnitId,
    period_label: String,
    as_of: String,
    years: Vec<YearChoice>,
    from_value: String,
    to_value: String,
    query: String,
    can_plan: bool,
    notices: Vec<String>,
    sections: Vec<SectionView>,
}

/// The whole report of a unit for a period.
pub struct Report {
    pub as_of: NaiveDate,
    pub sections: Vec<Section>,
    pub notices: Vec<String>,
}

/// `GET /reports?unit=&year=` or `?unit=&from=&to=`.
pub async fn dashboard(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let today = ctx.today();
    let query = parse_query(raw.as_deref(), today, false)?;
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, query.unit).await?;
    let report = cached_build(&ctx, scope, &place, &query.period).await?;
    let period = &query.period;
    let crumbs = place
        .chain()
        .iter()
        .map(|u| Crumb {
            name: u.name.clone(),
            href: format!("/reports?{}", query_string(u.id, period)),
        })
        .collect();
    let years = (MIN_YEAR.max(2020)..=today.year() + 5)
        .rev()
        .map(|value| YearChoice {
            value,
            selected: period.year == Some(value),
        })
        .collect();
    let (from_value, to_value) = match period.year {
        Some(_) => (String::new(), String::new()),
        None => (
            period.from.format("%Y-%m-%d").to_string(),
            period.to.format("%Y-%m-%d").to_string(),
        ),
    };
    let page = ReportsPage {
        layout: ctx.layout(&format!("Báo cáo: {}", place.unit.name)).await?,
        crumbs,
        unit_id: place.unit.id,
        period_label: period.label(),
        as_of: dmy(report.as_of),
        years,
        from_value,
        to_value,
        query: query_string(place.unit.id, period),
        can_plan: ctx.auth.role.grants(ketnap_domain::access::Need::Edit) && scope.can_edit(),
        notices: report.notices.clone(),
        sections: report.sections.iter().map(Section::view).collect(),
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /reports/export.xlsx?unit=&year=`: every table of the report, one sheet each; the
/// lists of people among them ask for a re-authentication first.
pub async fn export_xlsx(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let query = parse_query(raw.as_deref(), ctx.today(), false)?;
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, query.unit).await?;
    if let Some(reauth) = crate::two_factor::reauth_needed(&ctx) {
        return Ok(reauth);
    }
    let report = cached_build(&ctx, scope, &place, &query.period).await?;
    let tables: Vec<Table> = report.sections.iter().map(|s| s.table.clone()).collect();
    export::xlsx_response(&tables, &file_name(place.unit.id, &query.period, None))
}

/// `GET /reports/export.csv?unit=&year=&table=KEY`: one table.
pub async fn export_csv(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let query = parse_query(raw.as_deref(), ctx.today(), true)?;
    let scope = ctx.scope()?;
    let place = Place::load(&ctx, scope, query.unit).await?;
    let report = cached_build(&ctx, scope, &place, &query.period).await?;
    let keys: Vec<&str> = report
        .sections
        .iter()
        .map(|s| s.table.key.as_str())
        .collect();
    let Some(key) = query.table.as_deref() else {
        let mut e = WebError::bad_request(format!(
            "Hãy chọn bảng cần tải (tham số \"table\"): {}.",
            keys.join(", ")
        ));
        e.field = Some("table".into());
        return Err(e);
    };
    let Some(section) = report.sections.iter().find(|s| s.table.key == key) else {
        let mut e = WebError::bad_request(format!(
            "Không có bảng \"{}\"; các bảng là: {}.",
            short_echo(key),
            keys.join(", ")
        ));
        e.field = Some("table".into());
        return Err(e);
    };
    if PEOPLE_TABLES.contains(&key)
        && let Some(reauth) = crate::two_factor::reauth_needed(&ctx)
    {
        return Ok(reauth);
    }
    Ok(export::csv_response(
        &section.table,
        &file_name(place.unit.id, &query.period, Some(&section.table.key)),
    ))
}

/// The report tables that list people by name: their CSV export asks for a
/// re-authentication, like the workbook that holds them.
const PEOPLE_TABLES: [&str; 3] = ["overdue_cases", "probation_due", "probation_overdue"];

/// `bao-cao-12-2026` or `bao-cao-12-2026-funnel`: unit id and period, nothing personal.
fn file_name(unit: UnitId, period: &Period, table: Option<&str>) -> String {
    match table {
        Some(key) => format!("bao-cao-{unit}-{}-{key}", period.slug()),
        None => format!("bao-cao-{unit}-{}", period.slug()),
    }
}

// ---------------------------------------------------------------------------------------
// The sections, from the reports the store computes

use ketnap_domain::report::{
    BottleneckReport, BreakdownReport, CoverageReport, Dimension, FunnelReport, FunnelStep,
    ProgressReport, ProgressRow, RecognitionDue, RecognitionReport, TargetSource,
};

use crate::charts;

/// A sector's Vietnamese name, or its code when the list does not have it.
fn sector_name(sectors: &HashMap<String, String>, code: &str) -> String {
    sectors
        .get(code)
        .cloned()
        .unwrap_or_else(|| code.to_string())
}

fn drill(unit: UnitId, period: &Period) -> Option<String> {
    Some(format!("/reports?{}", query_string(unit, period)))
}

fn maybe_int(n: Option<i64>) -> Cell {
    n.map_or(Cell::Empty, Cell::Integer)
}

fn days_cell(days: Option<f64>) -> Cell {
    days.map_or(Cell::Empty, |d| Cell::Decimal(d, 1))
}

fn verdict(row: &ProgressRow) -> &'static str {
    if row.target.target == 0 {
        "Chưa có chỉ tiêu"
    } else if row.admitted >= row.target.target {
        "Đã đạt chỉ tiêu"
    } else if row.on_pace() {
        "Đúng tiến độ"
    } else if row.forecast >= row.target.target {
        "Chậm, dự báo vẫn đạt"
    } else {
        "Chậm tiến độ"
    }
}

const PROGRESS_HEADERS: [&str; 11] = [
    "Tổ chức đảng",
    "Đảng viên đầu năm",
    "Chỉ tiêu năm",
    "Nguồn chỉ tiêu",
    "Đã kết nạp",
    "Cần đạt đến nay",
    "Tỷ lệ so với chỉ tiêu",
    "Đang chờ kết nạp",
    "Dự báo cả năm",
    "Tỷ lệ dự báo",
    "Đánh giá",
];

fn progress_cells(row: &ProgressRow) -> Vec<Cell> {
    let source = match row.target.source {
        TargetSource::Set => "Cấp ủy giao".to_string(),
        TargetSource::Default => format!(
            "Mặc định {} % số đảng viên",
            format!("{}", row.target.percent).replace('.', ",")
        ),
    };
    let mut name = row.unit.name.clone();
    if !row.unit.active {
        name.push_str(" (đã giải thể/sáp nhập)");
    }
    vec![
        Cell::Text(name),
        Cell::Integer(row.target.members_at_start.count),
        Cell::Integer(row.target.target),
        Cell::Text(source),
        Cell::Integer(row.admitted),
        Cell::Decimal(row.pace, 1),
        Cell::share(row.admitted, row.target.target),
        Cell::Integer(row.pipeline),
        Cell::Integer(row.forecast),
        Cell::share(row.forecast, row.target.target),
        Cell::text(verdict(row)),
    ]
}

/// Progress of the unit (and, as rows, its children) with the progress bar.
pub fn progress_sections(
    report: &ProgressReport,
    period: &Period,
    sectors: &HashMap<String, String>,
) -> Vec<Section> {
    let mut out = Vec::new();
    let mut table = Table::new(
        "progress",
        format!("Tiến độ kết nạp so với chỉ tiêu năm {}", report.year),
        &PROGRESS_HEADERS,
    );
    table.push(progress_cells(&report.unit));
    let mut section = Section::new(table);
    section.links.push(None);
    section.strong.push(true);
    let row = &report.unit;
    section.chart = Some(charts::progress(&charts::Progress {
        id: "chart-progress",
        title: &format!(
            "{}: kết nạp năm {} so với chỉ tiêu",
            row.unit.name, report.year
        ),
        done: row.admitted,
        target: row.target.target,
        pace: Some(row.pace),
        forecast: Some(row.forecast),
    }));
    section.note = Some(format!(
        "Tính đến ngày {}. \"Cần đạt đến nay\" là chỉ tiêu chia đều theo số ngày đã qua trong năm; \
         \"Dự báo\" cộng thêm các hồ sơ đã được chi bộ đề nghị hoặc đã có quyết định mà lễ kết nạp \
         theo thời hạn quy định rơi vào năm nay.",
        dmy(report.as_of)
    ));
    out.push(section);

    let mut ranked: Vec<&ProgressRow> = report.children.iter().collect();
    ranked.sort_by(|a, b| {
        let share = |r: &ProgressRow| {
            if r.target.target > 0 {
                r.admitted as f64 / r.target.target as f64
            } else {
                f64::INFINITY
            }
        };
        share(b)
            .total_cmp(&share(a))
            .then(b.admitted.cmp(&a.admitted))
            .then(a.unit.name.cmp(&b.unit.name))
    });
    let mut table = Table::new(
        "children",
        "Các tổ chức đảng trực thuộc, xếp theo tỷ lệ hoàn thành",
        &PROGRESS_HEADERS,
    );
    table.headers.insert(0, "Hạng".into());
    let mut section = Section::new(table);
    for (i, row) in ranked.iter().enumerate() {
        let mut cells = progress_cells(row);
        cells.insert(0, Cell::Integer(i as i64 + 1));
        section.row(cells, None);
    }
    // The link goes on the name: the second cell.
    section.link_column = 1;
    section.links = ranked.iter().map(|r| drill(r.unit.id, period)).collect();
    let pace_share = if report.unit.target.target > 0 {
        Some(report.unit.pace / report.unit.target.target as f64)
    } else {
        None
    };
    let items: Vec<charts::Ranked> = ranked
        .iter()
        .filter(|r| r.target.target > 0)
        .map(|r| {
            let share = r.admitted as f64 / r.target.target as f64;
            charts::Ranked {
                label: r.unit.name.clone(),
                value: share,
                value_text: format!(
                    "{} ({}/{})",
                    charts::percent(share),
                    crate::views::number(r.admitted),
                    crate::views::number(r.target.target)
                ),
            }
        })
        .collect();
    if !items.is_empty() {
        section.chart = Some(charts::ranked(
            "chart-children",
            "Tỷ lệ hoàn thành chỉ tiêu của các tổ chức trực thuộc",
            &items,
            pace_share,
        ));
    }
    section.note = Some("Chọn tên một tổ chức để xem báo cáo của tổ chức đó.".into());
    section.empty = "Tổ chức này không có tổ chức đảng trực thuộc.";
    out.push(section);

    if !report.sectors.is_empty() {
        let mut table = Table::new(
            "sectors",
            format!("Kết nạp theo lĩnh vực, năm {}", report.year),
            &[
                "Lĩnh vực",
                "Nhóm",
                "Chỉ tiêu",
                "Đã kết nạp",
                "Tỷ lệ so với chỉ tiêu",
            ],
        );
        for s in &report.sectors {
            table.push(vec![
                Cell::Text(sector_name(sectors, &s.sector.0)),
                Cell::text(s.subgroup.label_vi()),
                maybe_int(s.target),
                maybe_int(s.admitted),
                match (s.admitted, s.target) {
                    (Some(a), Some(t)) => Cell::share(a, t),
                    _ => Cell::Empty,
                },
            ]);
        }
        let mut section = Section::new(table);
        section.note = Some(
            "Số kết nạp theo lĩnh vực của chi bộ; chỉ tiêu riêng cho giáo viên, học sinh không tách được theo chi bộ nên để trống số đã kết nạp."
                .into(),
        );
        out.push(section);
    }
    out
}

/// Admissions by month of the ceremony, with the monthly share of the target.
pub fn trend_section(
    by_month: &[((i32, u32), i64)],
    target: Option<i64>,
    year: Option<i32>,
) -> Section {
    let mut table = Table::new(
        "trend",
        "Kết nạp theo tháng",
        &["Tháng", "Số kết nạp", "Lũy kế"],
    );
    let mut total = 0;
    let mut bars = Vec::new();
    for ((y, m), n) in by_month {
        total += n;
        table.push(vec![
            Cell::Text(format!("{m:02}/{y}")),
            Cell::Integer(*n),
            Cell::Integer(total),
        ]);
        bars.push((format!("T{m}"), *n));
    }
    let mut section = Section::new(table);
    let per_month = match (target, year) {
        (Some(t), Some(_)) if t > 0 => Some(t as f64 / 12.0),
        _ => None,
    };
    if !bars.is_empty() {
        section.chart = Some(charts::trend(
            "chart-trend",
            "Số đảng viên được kết nạp theo tháng",
            &bars,
            per_month,
        ));
    }
    section.links = vec![None; section.table.rows.len()];
    section.strong = vec![false; section.table.rows.len()];
    section.empty = "Không có lễ kết nạp nào trong kỳ.";
    section
}

/// The funnel with conversions and median days, and the children's steps.
pub fn funnel_sections(report: &FunnelReport, period: &Period) -> Vec<Section> {
    let mut table = Table::new(
        "funnel",
        "Các bước phát triển đảng viên trong kỳ",
        &[
            "Bước",
            "Số người đạt bước trong kỳ",
            "Tỷ lệ so với bước trước",
            "Số ngày từ bước trước (trung vị)",
        ],
    );
    for row in &report.steps {
        table.push(vec![
            Cell::text(row.label),
            Cell::Integer(row.count),
            row.conversion.map_or(Cell::Empty, Cell::Percent),
            days_cell(row.median_days),
        ]);
    }
    let mut section = Section::new(table);
    section.links = vec![None; section.table.rows.len()];
    section.strong = vec![false; section.table.rows.len()];
    let steps: Vec<charts::Step> = report
        .steps
        .iter()
        .map(|r| charts::Step {
            label: r.label.to_string(),
            count: r.count,
        })
        .collect();
    section.chart = Some(charts::funnel(
        "chart-funnel",
        "Số người đạt từng bước trong kỳ",
        &steps,
    ));
    section.note = Some(
        "Mỗi bước đếm số người đạt bước đó trong kỳ (ghi tại chi bộ nơi diễn ra). Tỷ lệ so với bước trước chỉ là tỷ số hai con số trong cùng kỳ."
            .into(),
    );
    let mut out = vec![section];

    let mut headers = vec!["Tổ chức đảng"];
    headers.extend(FunnelStep::ALL.iter().map(|s| s.label_vi()));
    let mut table = Table::new(
        "funnel_units",
        "Các bước phát triển đảng viên theo tổ chức trực thuộc",
        &headers,
    );
    let mut links = Vec::new();
    for (unit, counts) in &report.children {
        let mut cells = vec![Cell::Text(unit.name.clone())];
        cells.extend(counts.0.iter().map(|n| Cell::Integer(*n)));
        table.push(cells);
        links.push(drill(unit.id, period));
    }
    let mut section = Section::new(table);
    section.strong = vec![false; links.len()];
    section.links = links;
    section.empty = "Tổ chức này không có tổ chức đảng trực thuộc.";
    out.push(section);
    out
}

/// Overdue cases by stage, by child unit, and the list.
pub fn bottleneck_sections(report: &BottleneckReport, period: &Period) -> Vec<Section> {
    let total: i64 = report.by_stage.iter().map(|(_, n)| n).sum();
    let mut section = Section::new(Table::new(
        "overdue_stages",
        "Hồ sơ quá hạn theo bước",
        &["Bước", "Số hồ sơ quá hạn", "Tỷ lệ"],
    ));
    for (stage, n) in &report.by_stage {
        section.row(
            vec![
                Cell::text(stage.label_vi()),
                Cell::Integer(*n),
                Cell::share(*n, total),
            ],
            Some(format!("/cases?stage={}&overdue=1", stage.code())),
        );
    }
    if !report.by_stage.is_empty() {
        section.total(vec![
            Cell::text("Cộng"),
            Cell::Integer(total),
            Cell::share(total, total),
        ]);
        let steps: Vec<charts::Ranked> = report
            .by_stage
            .iter()
            .map(|(stage, n)| charts::Ranked {
                label: stage.label_vi().to_string(),
                value: *n as f64,
                value_text: crate::views::number(*n),
            })
            .collect();
        section.chart = Some(charts::bars(
            "chart-overdue-stages",
            "Số hồ sơ quá hạn ở từng bước",
            &steps,
        ));
    }
    section.empty = "Không có hồ sơ nào quá hạn.";
    section.note = Some(format!("Tính đến ngày {}.", dmy(report.as_of)));
    let mut out = vec![section];

    let table = Table::new(
        "overdue_units",
        "Hồ sơ quá hạn theo tổ chức trực thuộc",
        &["Tổ chức đảng", "Số hồ sơ quá hạn"],
    );
    let mut section = Section::new(table);
    for (unit, n) in &report.by_unit {
        section.row(
            vec![Cell::Text(unit.name.clone()), Cell::Integer(*n)],
            drill(unit.id, period),
        );
    }
    let items: Vec<charts::Ranked> = report
        .by_unit
        .iter()
        .map(|(unit, n)| charts::Ranked {
            label: unit.name.clone(),
            value: *n as f64,
            value_text: crate::views::number(*n),
        })
        .collect();
    if !items.is_empty() {
        section.chart = Some(charts::bars(
            "chart-overdue-units",
            "Số hồ sơ quá hạn của các tổ chức trực thuộc",
            &items,
        ));
    }
    section.empty = "Không tổ chức trực thuộc nào có hồ sơ quá hạn.";
    out.push(section);

    let table = Table::new(
        "overdue_cases",
        "Danh sách hồ sơ quá hạn",
        &[
            "Họ và tên",
            "Chi bộ",
            "Bước",
            "Việc phải làm",
            "Hạn",
            "Số ngày quá hạn",
        ],
    );
    let mut section = Section::new(table);
    for due in &report.cases {
        let late = (report.as_of - due.deadline.due).num_days().max(0);
        section.row(
            vec![
                Cell::Text(due.name.clone()),
                Cell::Text(due.cell.name.clone()),
                Cell::text(due.stage.label_vi()),
                Cell::text(due.deadline.what),
                Cell::Date(due.deadline.due),
                Cell::Integer(late),
            ],
            Some(format!("/cases/{}", due.case)),
        );
    }
    section.empty = "Không có hồ sơ nào quá hạn.";
    out.push(section);
    out
}

/// Low coverage: low members-to-workforce ratio, schools and enterprises without members,
/// units without an admission for years.
pub fn coverage_sections(
    report: &CoverageReport,
    period: &Period,
    sectors: &HashMap<String, String>,
) -> Vec<Section> {
    let mut out = Vec::new();
    let table = Table::new(
        "low_ratio",
        format!(
            "Tỷ lệ đảng viên thấp (dưới {} số quần chúng, người lao động)",
            charts::percent(report.params.min_ratio)
        ),
        &[
            "Tổ chức đảng",
            "Số đảng viên",
            "Quần chúng, người lao động",
            "Tỷ lệ",
            "Số liệu ngày",
        ],
    );
    let mut section = Section::new(table);
    for row in &report.low_ratio {
        section.row(
            vec![
                Cell::Text(row.unit.name.clone()),
                Cell::Integer(row.members),
                Cell::Integer(row.workforce),
                Cell::Percent(row.ratio),
                Cell::Date(row.headcount_on),
            ],
            drill(row.unit.id, period),
        );
    }
    section.empty =
        "Không có tổ chức nào dưới ngưỡng (hoặc chưa ghi số lượng quần chúng, người lao động).";
    out.push(section);

    let table = Table::new(
        "no_members",
        "Trường học, doanh nghiệp chưa có đảng viên",
        &["Tổ chức đảng", "Lĩnh vực"],
    );
    let mut section = Section::new(table);
    for unit in &report.without_members {
        section.row(
            vec![
                Cell::Text(unit.name.clone()),
                Cell::Text(sector_name(sectors, &unit.sector.0)),
            ],
            drill(unit.id, period),
        );
    }
    section.empty = "Không có.";
    out.push(section);

    let table = Table::new(
        "no_admission",
        format!(
            "Tổ chức cơ sở, chi bộ không kết nạp đảng viên trong {} năm",
            report.params.years_without_admission
        ),
        &["Tổ chức đảng", "Lần kết nạp gần nhất"],
    );
    let mut section = Section::new(table);
    for row in &report.without_admission {
        section.row(
            vec![
                Cell::Text(row.unit.name.clone()),
                row.last_admission.map_or(Cell::text("Chưa có"), Cell::Date),
            ],
            drill(row.unit.id, period),
        );
    }
    section.empty = "Không có.";
    out.push(section);
    out
}

/// "Giới tính" → "giới tính", keeping the capitals of names further on.
fn first_lower(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One section per dimension of the breakdown (HD 11-HD/BTCTW).
pub fn breakdown_sections(report: &BreakdownReport) -> Vec<Section> {
    report
        .tables
        .iter()
        .map(|t| {
            let table = Table::new(
                format!("breakdown_{}", t.dimension.code()),
                format!("Đảng viên mới theo {}", first_lower(t.title)),
                &[t.title, "Số đảng viên mới", "Tỷ lệ"],
            );
            let mut section = Section::new(table);
            for row in &t.rows {
                section.row(
                    vec![
                        Cell::Text(row.label.clone()),
                        Cell::Integer(row.count),
                        Cell::share(row.count, report.total),
                    ],
                    None,
                );
            }
            if !t.rows.is_empty() {
                section.total(vec![
                    Cell::text("Cộng"),
                    Cell::Integer(report.total),
                    Cell::share(report.total, report.total),
                ]);
            }
            if matches!(t.dimension, Dimension::Sex | Dimension::AgeBand) && report.total > 0 {
                let items: Vec<charts::Ranked> = t
                    .rows
                    .iter()
                    .map(|r| charts::Ranked {
                        label: r.label.clone(),
                        value: r.count as f64,
                        value_text: crate::views::number(r.count),
                    })
                    .collect();
                section.chart = Some(charts::bars(
                    &format!("chart-breakdown-{}", t.dimension.code()),
                    &format!("Đảng viên mới theo {}", first_lower(t.title)),
                    &items,
                ));
            }
            section.empty = "Không có đảng viên mới trong kỳ.";
            section
        })
        .collect()
}

fn recognition_cells(row: &RecognitionDue, as_of: NaiveDate) -> Vec<Cell> {
    vec![
        Cell::Text(row.name.clone()),
        Cell::Text(row.cell.name.clone()),
        Cell::Date(row.ceremony_on),
        Cell::Date(row.probation_ends),
        row.deadline
            .as_ref()
            .map_or(Cell::Empty, |d| Cell::text(d.what)),
        row.deadline
            .as_ref()
            .map_or(Cell::Empty, |d| Cell::Date(d.due)),
        row.deadline.as_ref().map_or(Cell::Empty, |d| {
            Cell::Integer((as_of - d.due).num_days().max(0))
        }),
    ]
}

const RECOGNITION_HEADERS: [&str; 7] = [
    "Họ và tên",
    "Chi bộ",
    "Ngày kết nạp",
    "Hết thời kỳ dự bị",
    "Việc phải làm",
    "Hạn",
    "Số ngày quá hạn",
];

/// Probationary members due for recognition, and recognitions overdue.
pub fn recognition_sections(report: &RecognitionReport) -> Vec<Section> {
    let mut due = Section::new(Table::new(
        "probation_due",
        format!(
            "Đảng viên dự bị đến hạn xét công nhận chính thức (trong {} ngày)",
            report.within_days
        ),
        &RECOGNITION_HEADERS,
    ));
    for row in &report.due {
        due.row(
            recognition_cells(row, report.as_of),
            Some(format!("/cases/{}", row.case)),
        );
    }
    due.empty = "Không có đảng viên dự bị nào đến hạn.";
    let mut overdue = Section::new(Table::new(
        "probation_overdue",
        "Xét công nhận chính thức đã quá hạn",
        &RECOGNITION_HEADERS,
    ));
    for row in &report.overdue {
        overdue.row(
            recognition_cells(row, report.as_of),
            Some(format!("/cases/{}", row.case)),
        );
    }
    overdue.empty = "Không có việc xét công nhận nào quá hạn.";
    vec![due, overdue]
}

// ---------------------------------------------------------------------------------------
// Building the report

use ketnap_domain::report as rep;

/// The reports of one unit for one period, as the domain computes them.
pub struct Reports {
    pub year: i32,
    pub as_of: NaiveDate,
    pub progress: rep::ProgressReport,
    /// Admissions per month of the period: ((year, month), ceremonies).
    pub by_month: Vec<((i32, u32), i64)>,
    pub funnel: rep::FunnelReport,
    pub bottlenecks: rep::BottleneckReport,
    pub coverage: rep::CoverageReport,
    pub breakdown: rep::BreakdownReport,
    pub recognitions: rep::RecognitionReport,
}

/// Days ahead in which a probation's end counts as due.
pub const RECOGNITION_WITHIN_DAYS: i64 = 30;

/// Computes every report of `place.unit` for `period`, counted as of today (or the
/// period's end, for a past period).
pub async fn compute(
    ctx: &Ctx,
    scope: &Scope,
    place: &Place,
    period: &Period,
) -> Result<Reports, WebError> {
    let store = &ctx.state.store;
    let today = ctx.today();
    let as_of = period.as_of(today);
    let root = place.unit.id;
    let year = period.year.unwrap_or(as_of.year());
    let domain_period = rep::Period {
        from: period.from,
        to: period.to.min(as_of).max(period.from),
    };
    // First alone: it finds the cases of the place, which the others share.
    let progress = store.progress_report(scope, root, year, as_of).await?;
    // Three on a second worker thread beside this one: for a new period each walks the
    // place's cases (the country's 1.5 million), and the machine has two cores.
    let mut beside = AbortOnDrop({
        let (store, scope) = (store.clone(), scope.clone());
        tokio::spawn(async move {
            let funnel = store.funnel_report(&scope, root, domain_period).await?;
            let breakdown = store.breakdown_report(&scope, root, domain_period).await?;
            let recognitions = store
                .recognition_report(&scope, root, as_of, RECOGNITION_WITHIN_DAYS)
                .await?;
            Ok::<_, ketnap_domain::ports::StoreError>((funnel, breakdown, recognitions))
        })
    });
    let by_month = store.monthly_admissions(scope, root, domain_period).await?;
    let bottlenecks = store.bottleneck_report(scope, root, as_of).await?;
    let coverage = store
        .coverage_report(scope, root, as_of, rep::CoverageParams::default())
        .await?;
    let (funnel, breakdown, recognitions) = (&mut beside.0).await.map_err(|e| {
        ketnap_domain::ports::StoreError::Backend(format!("báo cáo không tính xong: {e}"))
    })??;
    Ok(Reports {
        year,
        as_of,
        progress,
        by_month,
        funnel,
        bottlenecks,
        coverage,
        breakdown,
        recognitions,
    })
}

/// A task stopped (at its next step) when the request that started it ends first: an
/// error in the reports beside it, or the reader gone.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reports built since the store last changed, by unit, period and day. A report stays
/// exact until a change is committed, when the store's report generation moves on; the
/// page of a period nobody asked for since is computed afresh.
#[derive(Default)]
pub struct ReportCache(Mutex<CachedReports>);

#[derive(Default)]
struct CachedReports {
    generation: u64,
    reports: HashMap<(UnitId, Period, NaiveDate), Arc<Report>>,
}

/// Reports kept at most, for one generation.
const CACHED_REPORTS: usize = 64;

impl std::fmt::Debug for ReportCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportCache")
    }
}

impl ReportCache {
    fn get(&self, generation: u64, key: &(UnitId, Period, NaiveDate)) -> Option<Arc<Report>> {
        let cached = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (cached.generation == generation)
            .then(|| cached.reports.get(key).cloned())
            .flatten()
    }

    fn put(&self, generation: u64, key: (UnitId, Period, NaiveDate), report: Arc<Report>) {
        let mut cached = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A report built from an older generation than the kept ones is stale already.
        if generation < cached.generation {
            return;
        }
        if generation > cached.generation || cached.reports.len() >= CACHED_REPORTS {
            cached.reports.clear();
            cached.generation = generation;
        }
        cached.reports.insert(key, report);
    }
}

/// The report of `place.unit` for `period` as of today, built or kept since the last change.
pub async fn cached_build(
    ctx: &Ctx,
    scope: &Scope,
    place: &Place,
    period: &Period,
) -> Result<Arc<Report>, WebError> {
    let generation = ctx.state.store.report_generation().await?;
    let key = (place.unit.id, *period, ctx.today());
    if let Some(report) = ctx.state.reports.get(generation, &key) {
        return Ok(report);
    }
    let report = Arc::new(build(ctx, scope, place, period).await?);
    ctx.state.reports.put(generation, key, Arc::clone(&report));
    Ok(report)
}

/// Every section of the report of `place.unit` for `period`.
pub async fn build(
    ctx: &Ctx,
    scope: &Scope,
    place: &Place,
    period: &Period,
) -> Result<Report, WebError> {
    let r = compute(ctx, scope, place, period).await?;
    let sectors: HashMap<String, String> = ctx.state.store.sectors().await?.into_iter().collect();
    let mut sections = progress_sections(&r.progress, period, &sectors);
    sections.push(trend_section(
        &r.by_month,
        Some(r.progress.unit.target.target),
        period.year,
    ));
    sections.extend(funnel_sections(&r.funnel, period));
    sections.extend(bottleneck_sections(&r.bottlenecks, period));
    sections.extend(coverage_sections(&r.coverage, period, &sectors));
    sections.extend(breakdown_sections(&r.breakdown));
    sections.extend(recognition_sections(&r.recognitions));
    let mut notices = Vec::new();
    if period.year.is_none() {
        notices.push(format!(
            "Tiến độ so với chỉ tiêu tính theo năm {} (chỉ tiêu giao theo năm); các bảng khác tính trong kỳ đã chọn.",
            r.year
        ));
    }
    Ok(Report {
        as_of: r.as_of,
        sections,
        notices,
    })
}

// ---------------------------------------------------------------------------------------
// Headcounts and targets

pub struct QuotaLine {
    pub id: UnitId,
    pub name: String,
    pub own: bool,
    pub set: bool,
    pub members: String,
    pub default: String,
    pub current: String,
}

pub struct QuotaView {
    pub lines: Vec<QuotaLine>,
    pub own: String,
    pub children_total: String,
    pub gap: String,
    pub short: bool,
    pub over: bool,
    pub has_children: bool,
    pub unset: usize,
}

pub struct UnitChoice {
    pub id: UnitId,
    pub name: String,
    pub selected: bool,
}

#[derive(Default)]
pub struct HeadcountValues {
    pub as_of: String,
    pub official: String,
    pub probationary: String,
    pub workforce: String,
    pub youth: String,
    pub trade: String,
}

pub struct HeadcountLine {
    pub as_of: String,
    pub official: String,
    pub probationary: String,
    pub workforce: String,
    pub youth: String,
    pub trade: String,
    pub by: String,
}

/// The sector whose targets may be split into teachers and students (see
/// `report::check_target`).
const EDUCATION: &str = "education";

/// One line of the sector targets form: a sector, or a subgroup of the education sector.
pub struct SectorTargetLine {
    /// The form field: `sector:{code}` or `sector:{code}:{subgroup}`.
    pub field: String,
    /// The HTML id of the input (`st-…`); the current value's cell is `{id}-current`.
    pub id: String,
    pub label: String,
    pub subgroup: bool,
    /// The target set for the year, formatted; empty when none is set.
    pub current: String,
    /// What was typed, when the form comes back with errors.
    pub value: String,
}

/// The term plan form's fields, as typed or as stored.
#[derive(Default, Clone)]
pub struct TermValues {
    pub first_year: String,
    pub last_year: String,
    pub total: String,
    pub note: String,
}

pub struct TermPlanLine {
    pub years: String,
    pub total: String,
    pub note: String,
    pub by: String,
    pub at: String,
}

/// What a refused form sends back to the page, so nothing typed is lost.
#[derive(Default)]
struct Entered {
    headcount: Option<HeadcountValues>,
    sectors: Vec<(String, String)>,
    term: Option<TermValues>,
}

/// The first and last year of the term plan the form offers when none is stored.
pub const TERM_FIRST_YEAR: i32 = 2025;
pub const TERM_LAST_YEAR: i32 = 2030;

/// The longest note of a term plan, in characters.
pub const TERM_NOTE_MAX: usize = 2000;

/// One target of the sector targets form.
struct SectorKey {
    /// The form field: `sector:{code}`, or `sector:{code}:{subgroup}`.
    field: String,
    html_id: String,
    /// The field's name in messages.
    label: String,
    sector: String,
    subgroup: ketnap_domain::report::Subgroup,
}

/// The sector targets of the form, in the configured order: each sector, and for the
/// education sector its teachers and its students too.
fn sector_keys(sectors: &[(String, String)]) -> Vec<SectorKey> {
    use ketnap_domain::report::Subgroup;
    let mut keys = Vec::new();
    for (code, name) in sectors {
        keys.push(SectorKey {
            field: format!("sector:{code}"),
            html_id: format!("st-{code}"),
            label: format!("Chỉ tiêu lĩnh vực {name}"),
            sector: code.clone(),
            subgroup: Subgroup::All,
        });
        if code == EDUCATION {
            for subgroup in [Subgroup::Teachers, Subgroup::Students] {
                keys.push(SectorKey {
                    field: format!("sector:{code}:{}", subgroup.code()),
                    html_id: format!("st-{code}-{}", subgroup.code()),
                    label: format!(
                        "Chỉ tiêu {} thuộc lĩnh vực {name}",
                        subgroup.label_vi().to_lowercase()
                    ),
                    sector: code.clone(),
                    subgroup,
                });
            }
        }
    }
    keys
}

#[derive(Template)]
#[template(path = "report_plan.html")]
struct PlanPage {
    layout: Layout,
    unit_id: UnitId,
    unit_name: String,
    year: i32,
    query: String,
    percent: String,
    saved: Option<String>,
    errors: Vec<String>,
    quota: Option<QuotaView>,
    unit_choices: Vec<UnitChoice>,
    hc: HeadcountValues,
    recent: Vec<HeadcountLine>,
    sector_lines: Vec<SectorTargetLine>,
    term: TermValues,
    term_plans: Vec<TermPlanLine>,
}

fn opt_number(n: Option<i64>) -> String {
    n.map(crate::views::number).unwrap_or_default()
}

/// Renders the plan page of `unit` for `year`, with what was just saved or refused.
async fn plan_page(
    ctx: &Ctx,
    scope: &Scope,
    unit: Option<UnitId>,
    year: i32,
    saved: Option<String>,
    errors: Vec<String>,
    entered: Entered,
) -> Result<Response, WebError> {
    use crate::views::number;
    let store = &ctx.state.store;
    let place = Place::load(ctx, scope, unit).await?;
    let id = place.unit.id;
    let check = store.quota_check(scope, id, year).await?;
    let mut lines = vec![QuotaLine {
        id,
        name: place.unit.name.clone(),
        own: true,
        set: check.own.source == TargetSource::Set,
        members: number(check.own.members_at_start.count),
        default: number(check.own.default_target),
        current: number(check.own.target),
    }];
    for (unit, target) in &check.children {
        lines.push(QuotaLine {
            id: unit.id,
            name: unit.name.clone(),
            own: false,
            set: target.source == TargetSource::Set,
            members: number(target.members_at_start.count),
            default: number(target.default_target),
            current: number(target.target),
        });
    }
    let has_children = !check.children.is_empty();
    let quota = QuotaView {
        lines,
        own: number(check.own.target),
        children_total: number(check.children_total),
        gap: number(check.difference.abs()),
        short: has_children && !check.adds_up(),
        over: check.difference > 0,
        has_children,
        unset: check.unset_children,
    };
    let percent = format!("{}", check.own.percent).replace('.', ",");
    let period = Period::year(year).ok_or_else(WebError::internal)?;
    let mut unit_choices = vec![UnitChoice {
        id,
        name: place.unit.name.clone(),
        selected: true,
    }];
    let today = ctx.today();
    unit_choices.extend(
        place
            .children(&Period::year(today.year()).unwrap_or(period))
            .into_iter()
            .filter(|u| u.is_active_on(today))
            .map(|u| UnitChoice {
                id: u.id,
                name: u.name.clone(),
                selected: false,
            }),
    );
    let recent = store
        .headcounts(scope, id)
        .await?
        .into_iter()
        .take(5)
        .map(|h| HeadcountLine {
            as_of: dmy(h.input.as_of),
            official: number(h.input.official_members),
            probationary: number(h.input.probationary_members),
            workforce: opt_number(h.input.workforce),
            youth: opt_number(h.input.youth_union_members),
            trade: opt_number(h.input.trade_union_members),
            by: h.recorded_by.unwrap_or_default(),
        })
        .collect();
    let set: HashMap<(String, ketnap_domain::report::Subgroup), i64> = store
        .targets(scope, id, year)
        .await?
        .into_iter()
        .filter(|t| t.key.unit == id)
        .filter_map(|t| Some(((t.key.sector?.0, t.key.subgroup), t.target)))
        .collect();
    let sector_lines = sector_keys(&store.sectors().await?)
        .into_iter()
        .map(|key| SectorTargetLine {
            value: entered
                .sectors
                .iter()
                .find(|(k, _)| *k == key.field)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            current: opt_number(set.get(&(key.sector, key.subgroup)).copied()),
            subgroup: key.subgroup != ketnap_domain::report::Subgroup::All,
            field: key.field,
            id: key.html_id,
            label: key.label,
        })
        .collect();
    let plans = store.term_plans(scope, id).await?;
    let term = entered.term.unwrap_or_else(|| {
        let shown = plans
            .iter()
            .rev()
            .find(|p| (p.input.first_year..=p.input.last_year).contains(&year))
            .or_else(|| {
                plans.iter().find(|p| {
                    p.input.first_year == TERM_FIRST_YEAR && p.input.last_year == TERM_LAST_YEAR
                })
            });
        match shown {
            Some(p) => TermValues {
                first_year: p.input.first_year.to_string(),
                last_year: p.input.last_year.to_string(),
                total: p.input.target_total.to_string(),
                note: p.input.note.clone(),
            },
            None => TermValues {
                first_year: TERM_FIRST_YEAR.to_string(),
                last_year: TERM_LAST_YEAR.to_string(),
                ..TermValues::default()
            },
        }
    });
    let term_plans = plans
        .into_iter()
        .map(|p| TermPlanLine {
            years: format!("{}–{}", p.input.first_year, p.input.last_year),
            total: number(p.input.target_total),
            note: p.input.note,
            by: p.set_by,
            at: dmy(ketnap_domain::workflow::today_in_vietnam(p.set_at)),
        })
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PlanPage {
        layout: ctx
            .layout(&format!("Chỉ tiêu và số lượng: {}", place.unit.name))
            .await?,
        unit_id: id,
        unit_name: place.unit.name.clone(),
        year,
        query: query_string(id, &period),
        percent,
        saved,
        errors,
        quota: Some(quota),
        unit_choices,
        hc: entered.headcount.unwrap_or_else(|| HeadcountValues {
            as_of: today.format("%Y-%m-%d").to_string(),
            ..HeadcountValues::default()
        }),
        recent,
        sector_lines,
        term,
        term_plans,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The scope, for an editing account (a read-only scope is "not found" here, like the
/// route for a role that may not edit).
fn edit_scope(ctx: &Ctx) -> Result<&Scope, WebError> {
    let scope = ctx.scope()?;
    if scope.can_edit() {
        Ok(scope)
    } else {
        Err(WebError::not_found())
    }
}

/// After a save: the plan page saying what was saved, or the refusal added to `errors`
/// (`None`: show the form again with them).
fn after_save(
    result: Result<(), ketnap_domain::ports::StoreError>,
    id: UnitId,
    year: i32,
    saved: &str,
    errors: &mut Vec<String>,
) -> Result<Option<Response>, WebError> {
    match result {
        Ok(()) => Ok(Some(
            axum::response::Redirect::to(&format!(
                "/reports/plan?unit={id}&year={year}&saved={saved}"
            ))
            .into_response(),
        )),
        Err(ketnap_domain::ports::StoreError::Rejected(v)) => {
            errors.push(v.message);
            Ok(None)
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /reports/plan?unit=&year=`: the targets of the unit and its children, the
/// headcount form.
pub async fn plan(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let today = ctx.today();
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let saved = pairs
        .iter()
        .find(|(k, _)| k == "saved")
        .map(|(_, v)| match v.as_str() {
            "headcount" => "Đã lưu số lượng.".to_string(),
            "sectors" => "Đã lưu chỉ tiêu theo lĩnh vực.".to_string(),
            "term" => "Đã lưu kế hoạch nhiệm kỳ.".to_string(),
            _ => "Đã lưu chỉ tiêu.".to_string(),
        });
    let filtered: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "saved").collect();
    let raw = serde_urlencoded::to_string(&filtered).unwrap_or_default();
    let query = parse_query(Some(&raw), today, false)?;
    let scope = edit_scope(&ctx)?;
    let year = query.period.year.unwrap_or(today.year());
    plan_page(
        &ctx,
        scope,
        query.unit,
        year,
        saved,
        Vec::new(),
        Entered::default(),
    )
    .await
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

/// A whole number from a form field: `None` when blank, an error message when not a
/// number from 0 to `HEADCOUNT_LIMIT` (the country's headcounts and targets fit).
fn count(text: &str, label: &str) -> Result<Option<i64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let digits: String = text.chars().filter(|c| *c != '.' && *c != ' ').collect();
    match digits.parse::<i64>() {
        Ok(n) if (0..=ketnap_domain::report::HEADCOUNT_LIMIT).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "{label}: \"{}\" phải là số nguyên từ 0 đến 200.000.000.",
            short_echo(text)
        )),
    }
}

fn form_unit(pairs: &[(String, String)]) -> Result<Option<UnitId>, WebError> {
    match field(pairs, "unit") {
        "" => Ok(None),
        text => text
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(|id| Some(UnitId(id)))
            .ok_or_else(WebError::not_found),
    }
}

fn form_year(pairs: &[(String, String)], today: NaiveDate) -> Result<i32, WebError> {
    match field(pairs, "year") {
        "" => Ok(today.year()),
        text => text
            .parse::<i32>()
            .ok()
            .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
            .ok_or_else(|| {
                WebError::bad_request(format!(
                    "Năm \"{}\" không hợp lệ: hãy ghi năm từ {MIN_YEAR} đến {MAX_YEAR}.",
                    short_echo(text)
                ))
            }),
    }
}

/// A plan-page form as posted (a malformed body is answered by `PlanPost::read`).
type PlanForm = Result<axum::Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>;

/// What every form of the plan page posts: the unit (checked against an editable scope
/// before anything is said about the numbers), the year, and the fields.
struct PlanPost {
    scope: Scope,
    pairs: Vec<(String, String)>,
    year: i32,
    place: Place,
}

impl PlanPost {
    async fn read(ctx: &Ctx, form: PlanForm) -> Result<PlanPost, WebError> {
        let scope = edit_scope(ctx)?.clone();
        let axum::Form(pairs) =
            form.map_err(|_| WebError::bad_request("Dữ liệu biểu mẫu không hợp lệ."))?;
        let unit = form_unit(&pairs)?;
        let year = form_year(&pairs, ctx.today())?;
        let place = Place::load(ctx, &scope, unit).await?;
        Ok(PlanPost {
            scope,
            pairs,
            year,
            place,
        })
    }
}

/// `POST /reports/headcounts`: one dated headcount of a unit of the scope.
pub async fn record_headcount(ctx: Ctx, form: PlanForm) -> Result<Response, WebError> {
    let PlanPost {
        scope,
        pairs,
        year,
        place,
    } = PlanPost::read(&ctx, form).await?;
    let values = HeadcountValues {
        as_of: field(&pairs, "as_of").to_string(),
        official: field(&pairs, "official_members").to_string(),
        probationary: field(&pairs, "probationary_members").to_string(),
        workforce: field(&pairs, "workforce").to_string(),
        youth: field(&pairs, "youth_union_members").to_string(),
        trade: field(&pairs, "trade_union_members").to_string(),
    };
    let mut errors = Vec::new();
    let as_of = match values.as_of.as_str() {
        "" => {
            errors.push("Phải ghi ngày của số liệu.".to_string());
            None
        }
        text => match parse_day("as_of", "Ngày của số liệu", text) {
            Ok(day) if day > ctx.today() => {
                errors.push("Ngày của số liệu không được sau hôm nay.".to_string());
                None
            }
            Ok(day) => Some(day),
            Err(e) => {
                errors.push(e.message);
                None
            }
        },
    };
    let mut read = |text: &str, label: &str, required: bool| match count(text, label) {
        Ok(None) if required => {
            errors.push(format!("Phải ghi {}.", label.to_lowercase()));
            None
        }
        Ok(n) => n,
        Err(message) => {
            errors.push(message);
            None
        }
    };
    let official = read(&values.official, "Số đảng viên chính thức", true);
    let probationary = read(&values.probationary, "Số đảng viên dự bị", true);
    let workforce = read(&values.workforce, "Số quần chúng, người lao động", false);
    let youth = read(&values.youth, "Số đoàn viên Đoàn TNCS", false);
    let trade = read(&values.trade, "Số đoàn viên công đoàn", false);
    if let (true, Some(as_of), Some(official), Some(probationary)) =
        (errors.is_empty(), as_of, official, probationary)
    {
        let input = ketnap_domain::report::HeadcountInput {
            unit: place.unit.id,
            as_of,
            official_members: official,
            probationary_members: probationary,
            workforce,
            youth_union_members: youth,
            trade_union_members: trade,
        };
        match ctx
            .state
            .store
            .record_headcount(&ctx.change(), &scope, &input)
            .await
        {
            Ok(()) => {
                return Ok(axum::response::Redirect::to(&format!(
                    "/reports/plan?unit={}&year={year}&saved=headcount",
                    place.unit.id
                ))
                .into_response());
            }
            Err(ketnap_domain::ports::StoreError::Rejected(v)) => errors.push(v.message),
            Err(other) => return Err(other.into()),
        }
    }
    plan_page(
        &ctx,
        &scope,
        Some(place.unit.id),
        year,
        None,
        errors,
        Entered {
            headcount: Some(values),
            ..Entered::default()
        },
    )
    .await
}

/// `POST /reports/targets`: the unit's own target and its children's quotas for a year
/// (`target_{unit id}`; a blank field keeps the target as it is).
pub async fn set_targets(ctx: Ctx, form: PlanForm) -> Result<Response, WebError> {
    let PlanPost {
        scope,
        pairs,
        year,
        place,
    } = PlanPost::read(&ctx, form).await?;
    let id = place.unit.id;
    let mut allowed: Vec<(UnitId, String)> = vec![(id, place.unit.name.clone())];
    let period = Period::year(year).ok_or_else(WebError::internal)?;
    allowed.extend(
        place
            .children(&period)
            .into_iter()
            .map(|u| (u.id, u.name.clone())),
    );
    let mut errors = Vec::new();
    let mut changes: Vec<(UnitId, i64)> = Vec::new();
    for (name, value) in &pairs {
        let Some(raw_id) = name.strip_prefix("target_") else {
            continue;
        };
        let Some((unit, unit_name)) = raw_id
            .parse::<i64>()
            .ok()
            .and_then(|n| allowed.iter().find(|(u, _)| u.0 == n))
        else {
            // Not the unit nor one of its children: named nowhere on the form.
            return Err(WebError::not_found());
        };
        match count(value.trim(), &format!("Chỉ tiêu của {unit_name}")) {
            Ok(Some(n)) => changes.push((*unit, n)),
            Ok(None) => {}
            Err(message) => errors.push(message),
        }
    }
    if errors.is_empty() && changes.is_empty() {
        errors.push("Chưa ghi chỉ tiêu nào: hãy ghi số vào ít nhất một ô.".into());
    }
    if errors.is_empty() {
        // All or nothing: one refused target leaves every target as it was.
        let targets: Vec<_> = changes
            .iter()
            .map(|(unit, target)| {
                (
                    ketnap_domain::report::TargetKey::overall(*unit, year),
                    *target,
                )
            })
            .collect();
        let saved = ctx
            .state
            .store
            .set_targets_together(&ctx.change(), &scope, &targets)
            .await;
        if let Some(done) = after_save(saved, id, year, "targets", &mut errors)? {
            return Ok(done);
        }
    }
    plan_page(
        &ctx,
        &scope,
        Some(id),
        year,
        None,
        errors,
        Entered::default(),
    )
    .await
}

/// `POST /reports/sector-targets`: the unit's targets per sector for a year
/// (`sector:{code}`, and `sector:education:teachers` / `sector:education:students`; a blank
/// field keeps the target as it is). All are saved, or none.
pub async fn set_sector_targets(ctx: Ctx, form: PlanForm) -> Result<Response, WebError> {
    let PlanPost {
        scope,
        pairs,
        year,
        place,
    } = PlanPost::read(&ctx, form).await?;
    let id = place.unit.id;
    let keys = sector_keys(&ctx.state.store.sectors().await?);
    let mut errors = Vec::new();
    for (name, _) in &pairs {
        if name.starts_with("sector:") && !keys.iter().any(|k| k.field == *name) {
            errors.push(format!(
                "Lĩnh vực \"{}\" không có trong danh mục.",
                short_echo(name.trim_start_matches("sector:"))
            ));
        }
    }
    let mut targets = Vec::new();
    for key in &keys {
        match count(field(&pairs, &key.field), &key.label) {
            Ok(Some(n)) => targets.push((
                ketnap_domain::report::TargetKey {
                    unit: id,
                    year,
                    sector: Some(ketnap_domain::unit::SectorCode(key.sector.clone())),
                    subgroup: key.subgroup,
                },
                n,
            )),
            Ok(None) => {}
            Err(message) => errors.push(message),
        }
    }
    if errors.is_empty() && targets.is_empty() {
        errors.push("Chưa ghi chỉ tiêu lĩnh vực nào: hãy ghi số vào ít nhất một ô.".into());
    }
    if errors.is_empty() {
        let saved = ctx
            .state
            .store
            .set_targets_together(&ctx.change(), &scope, &targets)
            .await;
        if let Some(done) = after_save(saved, id, year, "sectors", &mut errors)? {
            return Ok(done);
        }
    }
    let sectors = pairs
        .into_iter()
        .filter(|(k, _)| k.starts_with("sector:"))
        .collect();
    plan_page(
        &ctx,
        &scope,
        Some(id),
        year,
        None,
        errors,
        Entered {
            sectors,
            ..Entered::default()
        },
    )
    .await
}

/// A year of the term plan form, or the message naming the field.
fn term_year(text: &str, label: &str) -> Result<i32, String> {
    if text.is_empty() {
        return Err(format!("Phải ghi {}.", label.to_lowercase()));
    }
    text.parse::<i32>()
        .ok()
        .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
        .ok_or_else(|| {
            format!(
                "{label}: \"{}\" phải là năm từ {MIN_YEAR} đến {MAX_YEAR}.",
                short_echo(text)
            )
        })
}

/// `POST /reports/term-plan`: the unit's plan for a term (`first_year`, `last_year`,
/// `target_total`, `note`), replacing the plan of the same years.
pub async fn set_term_plan(ctx: Ctx, form: PlanForm) -> Result<Response, WebError> {
    let PlanPost {
        scope,
        pairs,
        year,
        place,
    } = PlanPost::read(&ctx, form).await?;
    let id = place.unit.id;
    let values = TermValues {
        first_year: field(&pairs, "first_year").to_string(),
        last_year: field(&pairs, "last_year").to_string(),
        total: field(&pairs, "target_total").to_string(),
        note: field(&pairs, "note").to_string(),
    };
    let mut errors = Vec::new();
    let mut year_of = |text: &str, label: &str| match term_year(text, label) {
        Ok(y) => Some(y),
        Err(message) => {
            errors.push(message);
            None
        }
    };
    let first_year = year_of(&values.first_year, "Năm đầu nhiệm kỳ");
    let last_year = year_of(&values.last_year, "Năm cuối nhiệm kỳ");
    let total = match count(&values.total, "Chỉ tiêu cả nhiệm kỳ") {
        Ok(Some(n)) => Some(n),
        Ok(None) => {
            errors.push("Phải ghi chỉ tiêu cả nhiệm kỳ.".to_string());
            None
        }
        Err(message) => {
            errors.push(message);
            None
        }
    };
    if values.note.chars().count() > TERM_NOTE_MAX {
        errors.push(format!(
            "Ghi chú của kế hoạch nhiệm kỳ dài quá: tối đa {TERM_NOTE_MAX} ký tự."
        ));
    }
    if let (true, Some(first_year), Some(last_year), Some(target_total)) =
        (errors.is_empty(), first_year, last_year, total)
    {
        let input = ketnap_domain::report::TermPlanInput {
            unit: id,
            first_year,
            last_year,
            target_total,
            note: values.note.clone(),
        };
        let saved = ctx
            .state
            .store
            .set_term_plan(&ctx.change(), &scope, &input)
            .await;
        if let Some(done) = after_save(saved, id, year, "term", &mut errors)? {
            return Ok(done);
        }
    }
    plan_page(
        &ctx,
        &scope,
        Some(id),
        year,
        None,
        errors,
        Entered {
            term: Some(values),
            ..Entered::default()
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_table_is_cut_on_the_page_and_says_so() {
        let mut table = Table::new("cases", "Hồ sơ quá hạn", &["Họ tên", "Số ngày"]);
        for i in 0..SHOWN_ROWS + 50 {
            table.rows.push(vec![
                Cell::Text(format!("Người {i}")),
                Cell::Integer(i as i64),
            ]);
        }
        let view = Section::new(table).view();
        assert_eq!(view.rows.len(), SHOWN_ROWS);
        let more = view.more.unwrap();
        assert!(
            more.contains(&format!("{SHOWN_ROWS} trong {}", SHOWN_ROWS + 50)),
            "{more}"
        );

        let mut short = Table::new("units", "Đơn vị", &["Tên"]);
        short.rows.push(vec![Cell::Text("Chi bộ 1".into())]);
        let view = Section::new(short).view();
        assert_eq!((view.rows.len(), view.more), (1, None));
    }
}
