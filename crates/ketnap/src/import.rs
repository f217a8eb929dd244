//! `ketnap import FILE --kind K --unit CODE [--dry-run]`.

use std::path::Path;

use ketnap_domain::scope::Access;
use ketnap_import::{Kind, Outcome, import};

use crate::Context;

pub async fn run(
    ctx: &Context,
    file: &Path,
    kind: &str,
    unit: &str,
    dry_run: bool,
) -> anyhow::Result<()> {
    let kind = Kind::from_code(kind).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
        anyhow::anyhow!(
            "Không có loại dữ liệu \"{kind}\"; các loại: {}.",
            known.join(", ")
        )
    })?;
    let (_, scope) = ctx.scope(unit, Access::Edit).await?;
    let bytes = std::fs::read(file)
        .map_err(|e| anyhow::anyhow!("Không đọc được tệp {}: {e}", file.display()))?;
    let outcome = import(&ctx.store, &ctx.change, &scope, kind, &bytes, dry_run).await?;
    print!("{}", report(&outcome));
    anyhow::ensure!(
        outcome.problems.is_empty(),
        "{} lỗi: chưa ghi gì vào cơ sở dữ liệu.",
        outcome.problems.len()
    );
    Ok(())
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
    out.push_str(&if outcome.written {
        format!(
            "Đã ghi {} dòng; {} dòng đã có sẵn, không đổi.\n",
            outcome.changes, outcome.unchanged
        )
    } else if outcome.problems.is_empty() && outcome.dry_run {
        format!(
            "Chạy thử: sẽ ghi {} dòng; {} dòng đã có sẵn. Chưa ghi gì.\n",
            outcome.changes, outcome.unchanged
        )
    } else if outcome.problems.is_empty() {
        format!("Không có gì mới: {} dòng đã có sẵn.\n", outcome.unchanged)
    } else {
        String::new()
    });
    out
}
