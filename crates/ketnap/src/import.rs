//! `ketnap import FILE --kind K --unit CODE [--dry-run] [--decide ROW=…] [--errors FILE]`
//! and `ketnap export FILE --kind K --unit CODE`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use ketnap_domain::ids::PersonId;
use ketnap_domain::scope::Access;
use ketnap_import::{Decision, Kind, Outcome, Request, import};

use crate::Context;

/// What the command line asked for besides the file, kind and unit.
pub struct Options {
    pub dry_run: bool,
    pub decisions: Vec<String>,
    pub errors: Option<PathBuf>,
}

pub async fn run(
    ctx: &Context,
    file: &Path,
    kind: &str,
    unit: &str,
    options: &Options,
) -> anyhow::Result<()> {
    let kind = kind_of(kind)?;
    let request = Request {
        dry_run: options.dry_run,
        mapping: Vec::new(),
        decisions: decisions(&options.decisions)?,
    };
    let (_, scope) = ctx.scope(unit, Access::Edit).await?;
    let bytes = std::fs::read(file)
        .map_err(|e| anyhow::anyhow!("Không đọc được tệp {}: {e}", file.display()))?;
    let bar = progress_bar();
    let outcome = import(
        &ctx.store,
        &ctx.change,
        &scope,
        kind,
        &bytes,
        &request,
        &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await;
    bar.finish_and_clear();
    let outcome = outcome?;
    print!("{}", report(&outcome));
    if !outcome.problems.is_empty()
        && let Some(path) = &options.errors
    {
        let workbook = ketnap_sheets::read_workbook(&bytes, &ketnap_sheets::Limits::default())?;
        let report = ketnap_sheets::write::error_report(&workbook, &outcome.problems)?;
        std::fs::write(path, report)
            .map_err(|e| anyhow::anyhow!("Không ghi được tệp {}: {e}", path.display()))?;
        println!("Báo cáo lỗi (ô lỗi tô đỏ): {}", path.display());
    }
    anyhow::ensure!(
        outcome.problems.is_empty(),
        "{} lỗi: chưa ghi gì vào cơ sở dữ liệu.",
        outcome.problems.len()
    );
    anyhow::ensure!(
        outcome.ambiguous.is_empty(),
        "{} dòng cần quyết định (--decide DÒNG=new hoặc DÒNG=MÃ): chưa ghi gì vào cơ sở dữ liệu.",
        outcome.ambiguous.len()
    );
    Ok(())
}

fn kind_of(code: &str) -> anyhow::Result<Kind> {
    Kind::from_code(code).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
        anyhow::anyhow!(
            "Không có loại dữ liệu \"{code}\"; các loại: {}.",
            known.join(", ")
        )
    })
}

/// Writes the kind's list of the unit's subtree to `file`, .xlsx or .csv by its extension.
pub async fn export(
    ctx: &Context,
    file: &Path,
    kind: &str,
    unit: &str,
    purpose: &str,
) -> anyhow::Result<()> {
    let kind = kind_of(kind)?;
    let purpose = purpose.trim();
    anyhow::ensure!(
        !purpose.is_empty(),
        "Hãy ghi mục đích xuất (--purpose), ví dụ \"Báo cáo cấp ủy cấp trên\"."
    );
    let csv = match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
    {
        Some(e) if e == "csv" => true,
        Some(e) if e == "xlsx" => false,
        _ => anyhow::bail!("Tên tệp xuất phải kết thúc bằng .xlsx hoặc .csv."),
    };
    let (_, scope) = ctx.scope(unit, Access::Read).await?;
    let table = ketnap_import::export(&ctx.store, &ctx.change, &scope, kind, purpose).await?;
    let bytes = if csv {
        ketnap_sheets::write::csv(&table).into_bytes()
    } else {
        ketnap_sheets::write::xlsx(std::slice::from_ref(&table))?
    };
    std::fs::write(file, bytes)
        .map_err(|e| anyhow::anyhow!("Không ghi được tệp {}: {e}", file.display()))?;
    println!("Đã xuất {} dòng vào {}.", table.rows.len(), file.display());
    Ok(())
}

/// A bar on the terminal's stderr; hidden when stderr is not a terminal (scripts, tests).
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("Đang đọc {bar:40} {pos}/{len} dòng") {
        bar.set_style(style);
    }
    bar
}

/// `ROW=new` or `ROW=ID`, by the sheet's row numbers.
fn decisions(args: &[String]) -> anyhow::Result<HashMap<usize, Decision>> {
    let mut out = HashMap::new();
    for arg in args {
        let parsed = arg.split_once('=').and_then(|(row, what)| {
            let row = row.trim().parse::<usize>().ok()?;
            let decision = match what.trim() {
                "new" | "moi" | "mới" => Decision::New,
                id => Decision::Same(PersonId(id.parse().ok()?)),
            };
            Some((row, decision))
        });
        let (row, decision) = parsed.ok_or_else(|| {
            anyhow::anyhow!(
                "--decide \"{arg}\": hãy ghi DÒNG=new hoặc DÒNG=MÃ NGƯỜI (ví dụ 17=new)."
            )
        })?;
        out.insert(row, decision);
    }
    Ok(out)
}

/// The outcome as the terminal shows it.
fn report(outcome: &Outcome) -> String {
    let mut out = format!(
        "{}: trang tính \"{}\", dòng tiêu đề {}, {} dòng dữ liệu.\n",
        outcome.kind.label_vi(),
        outcome.sheet,
        outcome.header_row,
        outcome.rows
    );
    for (_, column, header) in &outcome.columns {
        out.push_str(&format!("  cột {column}: {header}\n"));
    }
    for repair in &outcome.repairs {
        out.push_str(&format!("  đã sửa — {repair}\n"));
    }
    for problem in &outcome.problems {
        out.push_str(&format!("  LỖI — {problem}\n"));
    }
    for a in &outcome.ambiguous {
        out.push_str(&format!(
            "  CẦN QUYẾT ĐỊNH — dòng {}: có thể là một trong những người đã có:\n",
            a.row
        ));
        for (id, line) in &a.candidates {
            out.push_str(&format!("      {} (--decide {}={})\n", line, a.row, id.0));
        }
        out.push_str(&format!("      hoặc người khác (--decide {}=new)\n", a.row));
    }
    let clean = outcome.problems.is_empty() && outcome.ambiguous.is_empty();
    out.push_str(&if outcome.written {
        format!(
            "Đã ghi {} dòng; {} dòng đã có sẵn, không đổi.\n",
            outcome.changes, outcome.unchanged
        )
    } else if clean && outcome.dry_run {
        format!(
            "Chạy thử: sẽ ghi {} dòng; {} dòng đã có sẵn. Chưa ghi gì.\n",
            outcome.changes, outcome.unchanged
        )
    } else if clean {
        format!("Không có gì mới: {} dòng đã có sẵn.\n", outcome.unchanged)
    } else {
        String::new()
    });
    out
}
