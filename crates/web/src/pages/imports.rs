//! `/import`: a spreadsheet uploaded, every row checked, then written all or nothing — or,
//! on a dry run (the default), only the report of what would be written.

use askama::Template;
use axum::extract::Multipart;
use axum::response::{Html, IntoResponse, Response};
use ketnap_import::{Kind, Outcome, Problem, import};

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::Layout;

/// The largest upload: the reader's own limit, plus the form's other fields.
pub const MAX_UPLOAD_BYTES: usize = 61 << 20;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str)>,
    outcome: Option<OutcomeView>,
    error: Option<String>,
}

struct OutcomeView {
    kind: &'static str,
    sheet: String,
    header_row: usize,
    rows: usize,
    columns: Vec<(String, String)>,
    repairs: Vec<String>,
    problems: Vec<Problem>,
    summary: String,
    written: bool,
}

impl OutcomeView {
    fn new(outcome: Outcome) -> OutcomeView {
        let summary = if outcome.written {
            format!(
                "Đã ghi {} dòng; {} dòng đã có sẵn, không đổi.",
                outcome.changes, outcome.unchanged
            )
        } else if !outcome.problems.is_empty() {
            format!(
                "Có {} lỗi: chưa ghi gì. Sửa tệp rồi tải lên lại.",
                outcome.problems.len()
            )
        } else if outcome.dry_run {
            format!(
                "Kiểm tra xong, không có lỗi: sẽ ghi {} dòng, {} dòng đã có sẵn. Chưa ghi gì — bỏ chọn \"Chỉ kiểm tra\" và tải lên lại để ghi.",
                outcome.changes, outcome.unchanged
            )
        } else {
            format!("Không có gì mới: {} dòng đã có sẵn.", outcome.unchanged)
        };
        OutcomeView {
            kind: outcome.kind.label_vi(),
            sheet: outcome.sheet,
            header_row: outcome.header_row,
            rows: outcome.rows,
            columns: outcome
                .columns
                .into_iter()
                .map(|(_, letter, header)| (letter, header))
                .collect(),
            repairs: outcome.repairs.iter().map(Problem::to_string).collect(),
            problems: outcome.problems,
            summary,
            written: outcome.written,
        }
    }
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    Kind::ALL.iter().map(|k| (k.code(), k.label_vi())).collect()
}

async fn page(
    ctx: &Ctx,
    outcome: Option<OutcomeView>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let page = ImportPage {
        layout: ctx.layout("Nhập dữ liệu từ bảng tính").await?,
        kinds: kinds(),
        outcome,
        error,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /import`: the upload form.
pub async fn form(ctx: Ctx) -> Result<Response, WebError> {
    editable(&ctx)?;
    page(&ctx, None, None).await
}

fn editable(ctx: &Ctx) -> Result<&ketnap_domain::scope::Scope, WebError> {
    let scope = ctx.scope()?;
    if scope.can_edit() {
        Ok(scope)
    } else {
        Err(WebError::not_found())
    }
}

/// `POST /import` (multipart: `kind`, `file`, `dry_run`): checks the file for the account's
/// scope and writes it unless it is a dry run or has a problem.
pub async fn upload(ctx: Ctx, mut multipart: Multipart) -> Result<Response, WebError> {
    let scope = editable(&ctx)?.clone();
    let mut kind = None;
    let mut file = None;
    let mut dry_run = false;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| WebError::bad_request("Tệp tải lên bị gián đoạn hoặc quá lớn."))?
    {
        match field.name() {
            Some("kind") => kind = field.text().await.ok(),
            Some("dry_run") => dry_run = true,
            Some("file") => {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| WebError::bad_request("Tệp tải lên bị gián đoạn hoặc quá lớn."))?;
                file = Some(bytes);
            }
            _ => {}
        }
    }
    let Some(kind) = kind.as_deref().and_then(Kind::from_code) else {
        return page(&ctx, None, Some("Hãy chọn loại dữ liệu.".into())).await;
    };
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return page(&ctx, None, Some("Hãy chọn tệp bảng tính.".into())).await;
    };
    let change = ctx.change();
    let request = ketnap_import::Request {
        dry_run,
        ..ketnap_import::Request::default()
    };
    match import(
        &ctx.state.store,
        &change,
        &scope,
        kind,
        &file,
        &request,
        &|_, _| {},
    )
    .await
    {
        Ok(outcome) => page(&ctx, Some(OutcomeView::new(outcome)), None).await,
        Err(ketnap_import::ImportError::File(problem)) => {
            page(&ctx, None, Some(problem.to_string())).await
        }
        Err(ketnap_import::ImportError::Store(e)) => Err(e.into()),
    }
}
