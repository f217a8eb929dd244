//! Bare SQL for `ketnap bench`: the size of the data measured on, and the floor under the
//! dashboard's headline figure (what the database alone takes to count it: no model, no
//! page), so the bench can say how far above the floor the dashboard is.

use chrono::NaiveDate;
use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::StoreResult;
use ketnap_domain::report::FunnelStep;

use crate::{Backend, Store, backend_error, iso_date};

/// The tables whose rows the bench reports, biggest last.
const COUNTED: [&str; 5] = ["units", "people", "cases", "case_events", "audit_log"];

impl Store {
    /// Rows of the main tables, one `COUNT(*)` each.
    pub async fn table_rows(&self) -> StoreResult<Vec<(&'static str, i64)>> {
        let mut rows = Vec::with_capacity(COUNTED.len());
        for table in COUNTED {
            // The name comes from the constant above, never from input.
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&self.pool)
                .await
                .map_err(backend_error)?;
            rows.push((table, n));
        }
        Ok(rows)
    }

    /// The database's size in bytes: SQLite's pages (the WAL's included, as the connection
    /// sees them), or PostgreSQL's `pg_database_size`.
    pub async fn database_bytes(&self) -> StoreResult<i64> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            }
            Backend::Postgres => "SELECT pg_database_size(current_database())",
        };
        sqlx::query_scalar(sql)
            .fetch_one(&self.pool)
            .await
            .map_err(backend_error)
    }

    /// The dashboard's headline, admissions (ceremonies held in `[from, to]`), counted
    /// straight from `case_events` by the cell each was held in and grouped under each direct
    /// sub-unit of `root`, as the progress table shows them: `(sub-unit, admissions)`.
    pub async fn admissions_floor(
        &self,
        root: UnitId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(i64, i64)>> {
        let action = FunnelStep::Ceremony.action().unwrap_or("hold_ceremony");
        sqlx::query_as(
            "WITH RECURSIVE below (id, top) AS (
                SELECT id, id FROM units WHERE parent_id = $1
                UNION ALL
                SELECT u.id, b.top FROM units u JOIN below b ON u.parent_id = b.id
            )
            SELECT b.top, COUNT(*) FROM case_events e JOIN below b ON b.id = e.cell_id
            WHERE e.action = $2 AND e.occurred_on >= $3 AND e.occurred_on <= $4
            GROUP BY b.top",
        )
        .bind(root.0)
        .bind(action)
        .bind(iso_date(from))
        .bind(iso_date(to))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)
    }
}
