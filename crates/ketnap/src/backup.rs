//! `ketnap backup DEST`, `ketnap verify-backup FILE`, `ketnap restore FILE [--force]`.
//!
//! A backup is checked as it is made, and again before it is restored: SQLite's integrity
//! and foreign-key checks, and the audit log's hash chain. A restore never destroys what it
//! replaces: the current file is kept beside it under a dated name.

use std::path::Path;

use anyhow::Context as _;
use ketnap_store::{Create, Store};

use crate::Context;

/// Copies the database to `dest` while it serves, then checks the copy.
pub async fn backup(ctx: &Context, dest: &Path) -> anyhow::Result<()> {
    ctx.store.backup_to(dest).await?;
    let summary = verified(dest).await?;
    println!("Đã sao lưu vào {}: {summary}", dest.display());
    Ok(())
}

/// Checks a backup without changing anything it holds.
pub async fn verify(file: &Path) -> anyhow::Result<()> {
    let summary = verified(file).await?;
    println!("Bản sao lưu {} dùng được: {summary}", file.display());
    Ok(())
}

/// Opens `file`, runs the checks, and says what it holds.
async fn verified(file: &Path) -> anyhow::Result<String> {
    anyhow::ensure!(file.exists(), "Không có tệp {}.", file.display());
    let store = Store::open(&format!("sqlite://{}", file.display()), Create::Never).await?;
    let result = check(&store).await;
    store.close().await;
    result.with_context(|| format!("Bản sao lưu {} không dùng được", file.display()))
}

async fn check(store: &Store) -> anyhow::Result<String> {
    let problems = store.integrity_problems().await?;
    anyhow::ensure!(problems.is_empty(), "tệp hỏng: {}", problems.join("; "));
    let audit = store.verify_audit_log().await?;
    anyhow::ensure!(
        audit.problems.is_empty(),
        "nhật ký không nguyên vẹn: {}",
        audit
            .problems
            .iter()
            .map(|(_, p)| p.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    let counts: Vec<String> = store
        .row_counts()
        .await?
        .into_iter()
        .map(|(label, n)| format!("{n} {label}"))
        .collect();
    Ok(format!(
        "{}; dấu cuối nhật ký {}.",
        counts.join(", "),
        audit.head
    ))
}

/// Puts a checked backup in place of the database at `database` (a SQLite URL). The
/// server must be stopped; the file replaced is kept as `….truoc-khoi-phuc-TIME`.
pub async fn restore(database: &str, file: &Path, force: bool) -> anyhow::Result<()> {
    let target = ketnap_store::sqlite_path(database).context(
        "Khôi phục chỉ dành cho SQLite; PostgreSQL khôi phục bằng pg_restore (docs/OPERATIONS.md).",
    )?;
    let summary = verified(file).await?;
    if target.exists() {
        anyhow::ensure!(
            force,
            "{} đã có. Dừng máy chủ rồi chạy lại với --force: tệp hiện có được giữ lại bên cạnh.",
            target.display()
        );
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        for suffix in ["", "-wal", "-shm"] {
            let from = target.with_file_name(format!(
                "{}{suffix}",
                target
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("ketnap.sqlite3")
            ));
            if from.exists() {
                let kept = from.with_file_name(format!(
                    "{}.truoc-khoi-phuc-{stamp}",
                    from.file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or_default()
                ));
                std::fs::rename(&from, &kept)
                    .with_context(|| format!("đổi tên {}", from.display()))?;
            }
        }
    } else if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Copied beside the target, then renamed over it: never a half-written database.
    let partial = target.with_extension("khoi-phuc-dang-chep");
    std::fs::copy(file, &partial).with_context(|| format!("chép {}", file.display()))?;
    std::fs::rename(&partial, &target)?;
    println!(
        "Đã khôi phục {} từ {}: {summary}",
        target.display(),
        file.display()
    );
    Ok(())
}
