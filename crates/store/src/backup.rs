//! Backups people can restore (sao lưu): a consistent copy of the SQLite file taken while
//! the server runs (`VACUUM INTO`, which reads one snapshot), and the checks a copy must
//! pass before anyone relies on it. PostgreSQL is backed up with its own tools (`pg_dump`;
//! docs/OPERATIONS.md).

use std::path::Path;

use ketnap_domain::Violation;
use ketnap_domain::ports::{StoreError, StoreResult};

use crate::{Backend, Store, backend_error};

/// The tables whose rows a backup report counts, in the order people read them.
const COUNTED: [(&str, &str); 6] = [
    ("units", "tổ chức đảng"),
    ("people", "người"),
    ("cases", "hồ sơ"),
    ("case_events", "sự kiện"),
    ("users", "tài khoản"),
    ("audit_log", "dòng nhật ký"),
];

impl Store {
    /// Writes a consistent copy of the database to `dest` (a new file) while others keep
    /// reading and writing.
    pub async fn backup_to(&self, dest: &Path) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            return Err(StoreError::Rejected(Violation::new(
                "backup.postgres",
                "database",
                "Cơ sở dữ liệu PostgreSQL được sao lưu bằng pg_dump (xem docs/OPERATIONS.md).",
            )));
        }
        if dest.exists() {
            return Err(StoreError::Rejected(Violation::new(
                "backup.exists",
                "dest",
                format!(
                    "{} đã có; chọn một tên tệp mới cho bản sao lưu.",
                    dest.display()
                ),
            )));
        }
        let path = dest
            .to_str()
            .ok_or_else(|| StoreError::Backend("đường dẫn bản sao lưu không phải UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(())
    }

    /// SQLite's own checks of the file (`integrity_check`, `foreign_key_check`): what they
    /// found wrong, nothing when the file is sound.
    pub async fn integrity_problems(&self) -> StoreResult<Vec<String>> {
        if self.backend == Backend::Postgres {
            return Ok(Vec::new());
        }
        let mut problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await
            .map_err(backend_error)?
            .into_iter()
            .filter(|line: &String| line != "ok")
            .collect();
        let broken: Vec<(String, i64)> =
            sqlx::query_as("SELECT \"table\", rowid FROM pragma_foreign_key_check")
                .fetch_all(&self.pool)
                .await
                .map_err(backend_error)?;
        problems.extend(
            broken.into_iter().map(|(table, row)| {
                format!("{table} dòng {row}: tham chiếu đến một dòng không có")
            }),
        );
        Ok(problems)
    }

    /// How many rows the main tables hold, with their Vietnamese names.
    pub async fn row_counts(&self) -> StoreResult<Vec<(&'static str, i64)>> {
        let mut counts = Vec::new();
        for (table, label) in COUNTED {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&self.pool)
                .await
                .map_err(backend_error)?;
            counts.push((label, n));
        }
        Ok(counts)
    }
}
