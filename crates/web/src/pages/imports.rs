//! `/import`: spreadsheets in and out. An upload is kept (in the database, for a day) and
//! reviewed before anything is written: the first rows as understood, the columns found
//! (which the user may correct), what was repaired, every problem with its place (also as
//! a workbook with the bad cells marked), and the rows that could be someone on file, each
//! waiting for the user's decision. Only a clean review can be confirmed, and the
//! confirmation writes everything or nothing. Lists go out in the layout the importer reads.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use ketnap_domain::ids::PersonId;
use ketnap_domain::scope::Scope;
use ketnap_import::{Decision, ImportError, Kind, Outcome, Problem, Request, import};
use ketnap_sheets::{Field, Limits, column_letter, read_workbook};
use serde::{Deserialize, Serialize};

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::export::{XLSX_TYPE, csv_response, download, write_error, xlsx_response};
use crate::views::Layout;

/// The largest upload: the reader's own limit, plus the form's other fields.
pub const MAX_UPLOAD_BYTES: usize = 61 << 20;

/// Header cells offered as columns in the mapping form.
const MAPPING_CHOICES: usize = 60;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str)>,
    can_edit: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "import_review.html")]
struct ReviewPage {
    layout: Layout,
    token: String,
    review: ReviewView,
}

/// A field of the kind and the column it was found in (or none), for the mapping form.
struct FieldChoice {
    key: &'static str,
    label: &'static str,
    required: bool,
    /// 0-based column, when found.
    column: Option<usize>,
    /// What the user chose: "" (as found), "none", or a column number — the form posts it
    /// back unchanged.
    chosen: String,
}

impl FieldChoice {
    fn new(field: &Field, column: Option<usize>, choices: &Choices) -> FieldChoice {
        let chosen = choices
            .mapping
            .iter()
            .find(|(key, _)| key == field.key)
            .map(|(_, column)| column.map_or("none".to_string(), |c| c.to_string()))
            .unwrap_or_default();
        FieldChoice {
            key: field.key,
            label: field.label,
            required: field.required,
            column,
            chosen,
        }
    }

    fn is(&self, column: &usize) -> bool {
        self.chosen == column.to_string()
    }

    /// The column found, as the "as found" option says it.
    fn found(&self) -> String {
        self.column.map_or("không có".to_string(), |c| {
            format!("cột {}", column_letter(c))
        })
    }
}

struct AmbiguityView {
    row: usize,
    candidates: Vec<(i64, String)>,
    chosen: String,
}

struct ReviewView {
    kind: &'static str,
    sheet: String,
    header_row: usize,
    rows: usize,
    fields: Vec<FieldChoice>,
    /// (0-based column, "C — header") of the header row.
    columns: Vec<(usize, String)>,
    preview_headers: Vec<&'static str>,
    preview: Vec<(usize, Vec<String>)>,
    repairs: Vec<String>,
    problems: Vec<Problem>,
    ambiguous: Vec<AmbiguityView>,
    /// Decisions already made for rows no longer in question: carried by the form.
    decided: Vec<(usize, String)>,
    summary: String,
    written: bool,
    can_confirm: bool,
}

impl ReviewView {
    fn new(outcome: Outcome, choices: &Choices) -> ReviewView {
        let summary = if outcome.written {
            format!(
                "Đã ghi {} dòng; {} dòng đã có sẵn, không đổi.",
                outcome.changes, outcome.unchanged
            )
        } else if !outcome.problems.is_empty() {
            format!(
                "Có {} lỗi: chưa ghi gì. Sửa tệp rồi tải lên lại (hoặc chỉnh lại cột bên dưới).",
                outcome.problems.len()
            )
        } else if !outcome.ambiguous.is_empty() {
            format!(
                "{} dòng có thể là người đã có hồ sơ: hãy chọn cho từng dòng bên dưới, rồi kiểm tra lại.",
                outcome.ambiguous.len()
            )
        } else if outcome.changes == 0 {
            format!("Không có gì mới: {} dòng đã có sẵn.", outcome.unchanged)
        } else {
            format!(
                "Kiểm tra xong, không có lỗi: sẽ ghi {} dòng, {} dòng đã có sẵn. Chưa ghi gì — bấm \"Ghi vào hệ thống\" để ghi.",
                outcome.changes, outcome.unchanged
            )
        };
        let found: HashMap<&str, usize> = outcome
            .columns
            .iter()
            .filter_map(|(key, letter, _)| Some((key.as_str(), column_index(letter)?)))
            .collect();
        let decided: HashMap<usize, String> = choices.decisions.iter().cloned().collect();
        let open: Vec<usize> = outcome.ambiguous.iter().map(|a| a.row).collect();
        ReviewView {
            kind: outcome.kind.label_vi(),
            fields: outcome
                .kind
                .fields()
                .iter()
                .map(|f| FieldChoice::new(f, found.get(f.key).copied(), choices))
                .collect(),
            columns: outcome
                .headers
                .iter()
                .take(MAPPING_CHOICES)
                .map(|(col, header)| (*col, format!("{} — {header}", column_letter(*col))))
                .collect(),
            sheet: outcome.sheet,
            header_row: outcome.header_row,
            rows: outcome.rows,
            preview_headers: outcome.preview_headers,
            preview: outcome.preview,
            repairs: outcome.repairs.iter().map(Problem::to_string).collect(),
            can_confirm: !outcome.written
                && outcome.problems.is_empty()
                && outcome.ambiguous.is_empty()
                && outcome.changes > 0,
            problems: outcome.problems,
            ambiguous: outcome
                .ambiguous
                .into_iter()
                .map(|a| AmbiguityView {
                    chosen: decided.get(&a.row).cloned().unwrap_or_default(),
                    row: a.row,
                    candidates: a
                        .candidates
                        .into_iter()
                        .map(|(id, line)| (id.0, line))
                        .collect(),
                })
                .collect(),
            decided: choices
                .decisions
                .iter()
                .filter(|(row, _)| !open.contains(row))
                .cloned()
                .collect(),
            summary,
            written: outcome.written,
        }
    }
}

impl ReviewView {
    /// No header row held the kind's fields: the closest row's cells are offered so the user
    /// can say which column holds what.
    fn unmapped(
        kind: Kind,
        problem: Problem,
        headers: Vec<(usize, String)>,
        choices: &Choices,
    ) -> ReviewView {
        let mapped: HashMap<&str, Option<usize>> = choices
            .mapping
            .iter()
            .map(|(key, column)| (key.as_str(), *column))
            .collect();
        ReviewView {
            kind: kind.label_vi(),
            sheet: problem.sheet.clone().unwrap_or_default(),
            header_row: problem.row.unwrap_or_default(),
            rows: 0,
            fields: kind
                .fields()
                .iter()
                .map(|f| FieldChoice::new(f, mapped.get(f.key).copied().flatten(), choices))
                .collect(),
            columns: headers
                .into_iter()
                .take(MAPPING_CHOICES)
                .map(|(col, header)| (col, format!("{} — {header}", column_letter(col))))
                .collect(),
            preview_headers: Vec::new(),
            preview: Vec::new(),
            repairs: Vec::new(),
            summary:
                "Chưa nhận ra đủ các cột: hãy chọn cột cho từng mục bên dưới rồi kiểm tra lại."
                    .into(),
            problems: vec![problem],
            ambiguous: Vec::new(),
            decided: choices.decisions.clone(),
            written: false,
            can_confirm: false,
        }
    }
}

/// "AB" → 27.
fn column_index(letters: &str) -> Option<usize> {
    letters
        .chars()
        .try_fold(0usize, |n, c| {
            c.is_ascii_uppercase()
                .then(|| n * 26 + (c as usize - 'A' as usize + 1))
        })?
        .checked_sub(1)
}

/// What the user chose during the review, kept with the upload.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Choices {
    /// (field key, column or none) corrections.
    #[serde(default)]
    mapping: Vec<(String, Option<usize>)>,
    /// (sheet row, "new" or a person id).
    #[serde(default)]
    decisions: Vec<(usize, String)>,
}

impl Choices {
    fn request(&self, dry_run: bool) -> Request {
        Request {
            dry_run,
            mapping: self.mapping.clone(),
            decisions: self
                .decisions
                .iter()
                .filter_map(|(row, what)| {
                    let decision = match what.as_str() {
                        "new" => Decision::New,
                        id => Decision::Same(PersonId(id.parse().ok()?)),
                    };
                    Some((*row, decision))
                })
                .collect(),
        }
    }
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    Kind::ALL.iter().map(|k| (k.code(), k.label_vi())).collect()
}

async fn page(ctx: &Ctx, error: Option<String>) -> Result<Response, WebError> {
    let page = ImportPage {
        layout: ctx.layout("Bảng tính: nhập và xuất danh sách").await?,
        kinds: kinds(),
        can_edit: ctx.scope()?.can_edit(),
        error,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /import`: the upload form (for editors) and the lists to take away.
pub async fn form(ctx: Ctx) -> Result<Response, WebError> {
    ctx.scope()?;
    page(&ctx, None).await
}

fn editable(ctx: &Ctx) -> Result<&Scope, WebError> {
    let scope = ctx.scope()?;
    if scope.can_edit() {
        Ok(scope)
    } else {
        Err(WebError::not_found())
    }
}

const INTERRUPTED: &str = "Tệp tải lên bị gián đoạn hoặc quá lớn.";

/// `POST /import` (multipart: `kind`, `file`): keeps a readable spreadsheet and sends the
/// user to its review; a file that cannot be read is refused on the form.
pub async fn upload(ctx: Ctx, mut multipart: Multipart) -> Result<Response, WebError> {
    editable(&ctx)?;
    let mut kind = None;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| WebError::bad_request(INTERRUPTED))?
    {
        match field.name() {
            Some("kind") => kind = field.text().await.ok(),
            Some("file") => {
                file = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|_| WebError::bad_request(INTERRUPTED))?,
                );
            }
            _ => {}
        }
    }
    let Some(kind) = kind.as_deref().and_then(Kind::from_code) else {
        return page(&ctx, Some("Hãy chọn loại dữ liệu.".into())).await;
    };
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return page(&ctx, Some("Hãy chọn tệp bảng tính.".into())).await;
    };
    if let Err(problem) = read_workbook(&file, &Limits::default()) {
        return page(&ctx, Some(problem.to_string())).await;
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let change = ctx.change();
    ctx.state
        .store
        .save_upload(&token, &change.actor, kind.code(), &file, change.now)
        .await?;
    Ok(Redirect::to(&format!("/import/review?upload={token}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    upload: String,
}

/// The upload `token` of the signed-in user, with its kind and choices.
struct Pending {
    token: String,
    kind: Kind,
    content: Vec<u8>,
    choices: Choices,
}

async fn pending(ctx: &Ctx, token: &str) -> Result<Option<Pending>, WebError> {
    let change = ctx.change();
    let Some(upload) = ctx
        .state
        .store
        .upload(token, &change.actor, change.now)
        .await?
    else {
        return Ok(None);
    };
    let Some(kind) = Kind::from_code(&upload.kind) else {
        return Ok(None);
    };
    Ok(Some(Pending {
        token: token.to_string(),
        kind,
        content: upload.content,
        choices: serde_json::from_str(&upload.choices).unwrap_or_default(),
    }))
}

const GONE: &str =
    "Không còn tệp này (tệp chờ nhập được giữ một ngày, hoặc đã ghi xong). Hãy tải lên lại.";

async fn run(ctx: &Ctx, pending: &Pending, dry_run: bool) -> Result<Outcome, ImportError> {
    let scope = editable(ctx)
        .map_err(|_| ImportError::Store(ketnap_domain::ports::StoreError::NotFound("đơn vị")))?;
    import(
        &ctx.state.store,
        &ctx.change(),
        scope,
        pending.kind,
        &pending.content,
        &pending.choices.request(dry_run),
        &|_, _| {},
    )
    .await
}

async fn review_page(ctx: &Ctx, pending: &Pending, dry_run: bool) -> Result<Response, WebError> {
    match run(ctx, pending, dry_run).await {
        Ok(outcome) => {
            if outcome.written {
                let change = ctx.change();
                ctx.state
                    .store
                    .delete_upload(&pending.token, &change.actor)
                    .await?;
            }
            review_view(ctx, pending, ReviewView::new(outcome, &pending.choices)).await
        }
        // No header row with the fields (the error names the closest one): map by hand.
        Err(ImportError::File(problem))
            if problem.column.is_none() && problem.sheet.is_some() && problem.row.is_some() =>
        {
            let sheet = problem.sheet.clone().unwrap_or_default();
            let row = problem.row.unwrap_or_default();
            let headers = read_workbook(&pending.content, &Limits::default())
                .map(|w| w.row_texts(&sheet, row))
                .unwrap_or_default();
            let view = ReviewView::unmapped(pending.kind, problem, headers, &pending.choices);
            review_view(ctx, pending, view).await
        }
        Err(ImportError::File(problem)) => page(ctx, Some(problem.to_string())).await,
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

async fn review_view(
    ctx: &Ctx,
    pending: &Pending,
    review: ReviewView,
) -> Result<Response, WebError> {
    let page = ReviewPage {
        layout: ctx.layout("Kiểm tra trước khi nhập").await?,
        token: pending.token.clone(),
        review,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /import/review?upload=…`: the dry run of the upload with the choices so far.
pub async fn review(ctx: Ctx, Query(q): Query<UploadQuery>) -> Result<Response, WebError> {
    editable(&ctx)?;
    match pending(&ctx, &q.upload).await? {
        Some(pending) => review_page(&ctx, &pending, true).await,
        None => page(&ctx, Some(GONE.into())).await,
    }
}

/// `POST /import/review`: saves the column corrections (`col_<field>`: a column number,
/// `none`, or empty for as found) and decisions (`decide_<row>`: `new` or a person id); then
/// checks again, or with `action=confirm` writes.
pub async fn decide(
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    editable(&ctx)?;
    let token = form.get("upload").cloned().unwrap_or_default();
    let Some(mut pending) = pending(&ctx, &token).await? else {
        return page(&ctx, Some(GONE.into())).await;
    };
    let mut choices = Choices::default();
    for field in pending.kind.fields() {
        match form.get(&format!("col_{}", field.key)).map(String::as_str) {
            None | Some("") => {}
            Some("none") => choices.mapping.push((field.key.to_string(), None)),
            Some(n) => {
                let column = n
                    .parse::<usize>()
                    .map_err(|_| WebError::bad_request("Cột chọn không hợp lệ."))?;
                choices.mapping.push((field.key.to_string(), Some(column)));
            }
        }
    }
    for (name, value) in &form {
        if let Some(row) = name.strip_prefix("decide_").and_then(|r| r.parse().ok())
            && !value.is_empty()
        {
            choices.decisions.push((row, value.clone()));
        }
    }
    choices.decisions.sort();
    let text = serde_json::to_string(&choices).map_err(|_| WebError::internal())?;
    let change = ctx.change();
    ctx.state
        .store
        .set_upload_choices(&token, &change.actor, &text)
        .await?;
    pending.choices = choices;
    if form.get("action").map(String::as_str) == Some("confirm") {
        review_page(&ctx, &pending, false).await
    } else {
        Ok(Redirect::to(&format!("/import/review?upload={token}")).into_response())
    }
}

/// `GET /import/errors?upload=…`: the upload's problems as a workbook — a sheet listing them
/// and a copy of each sheet concerned with the bad cells marked.
pub async fn errors(ctx: Ctx, Query(q): Query<UploadQuery>) -> Result<Response, WebError> {
    editable(&ctx)?;
    let Some(pending) = pending(&ctx, &q.upload).await? else {
        return page(&ctx, Some(GONE.into())).await;
    };
    let problems = match run(&ctx, &pending, true).await {
        Ok(outcome) => outcome.problems,
        Err(ImportError::File(problem)) => vec![problem],
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    let workbook = read_workbook(&pending.content, &Limits::default())
        .map_err(|p| WebError::bad_request(p.to_string()))?;
    let bytes = ketnap_sheets::write::error_report(&workbook, &problems).map_err(write_error)?;
    Ok(download(bytes, XLSX_TYPE, "loi-nhap-du-lieu.xlsx"))
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    format: String,
}

/// `GET /import/export?kind=…&format=xlsx|csv`: the account's list of that kind, in the
/// importer's layout (a list of people is audited as an export).
pub async fn export(ctx: Ctx, Query(q): Query<ExportQuery>) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let Some(kind) = Kind::from_code(&q.kind) else {
        return Err(WebError {
            status: StatusCode::BAD_REQUEST,
            message: "Hãy chọn loại danh sách cần xuất.".into(),
            field: Some("kind".into()),
            rule: None,
        });
    };
    // A whole list of the scope leaves with the file: people's records, or the party's
    // own organisation.
    // People's records leave with a stated purpose; the party's own organisation with
    // the password only.
    let purpose = if kind == Kind::People {
        match crate::bulk_export::gate(&ctx).await? {
            Ok(purpose) => purpose,
            Err(page) => return Ok(page),
        }
    } else if let Some(reauth) = crate::two_factor::reauth_needed(&ctx) {
        return Ok(reauth);
    } else {
        ""
    };
    let table = ketnap_import::export(&ctx.state.store, &ctx.change(), scope, kind, purpose)
        .await
        .map_err(|e| match e {
            ImportError::Store(e) => WebError::from(e),
            ImportError::File(_) => WebError::internal(),
        })?;
    let name = format!("danh-sach-{}-{}", kind.code(), scope.root().0);
    if q.format == "csv" {
        Ok(csv_response(&table, &name))
    } else {
        xlsx_response(std::slice::from_ref(&table), &name)
    }
}
