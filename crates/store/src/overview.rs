//! Counts for overview pages, computed in SQL over a scope.

use ketnap_domain::case::Stage;
use ketnap_domain::ports::{StoreError, StoreResult};
use ketnap_domain::scope::Scope;

use crate::{SUBTREE, Store, backend_error};

impl Store {
    /// How many cases of the scope are at each stage.
    pub async fn stage_counts(&self, scope: &Scope) -> StoreResult<Vec<(Stage, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT stage, COUNT(*) FROM cases WHERE cell_id IN (SELECT id FROM subtree) GROUP BY stage"
        ))
        .bind(scope.root().0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let mut counts = rows
            .into_iter()
            .map(|(code, n)| {
                Stage::from_code(&code)
                    .map(|s| (s, n))
                    .ok_or_else(|| StoreError::Backend(format!("bước lạ: {code}")))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        counts.sort_by_key(|(stage, _)| *stage);
        Ok(counts)
    }

    /// Admissions (ceremonies held) in the scope in `year`.
    pub async fn admissions_in_year(&self, scope: &Scope, year: i32) -> StoreResult<i64> {
        sqlx::query_scalar(&format!(
            "{SUBTREE} SELECT COUNT(*) FROM cases WHERE cell_id IN (SELECT id FROM subtree) AND ceremony_on >= $2 AND ceremony_on <= $3"
        ))
        .bind(scope.root().0)
        .bind(format!("{year:04}-01-01"))
        .bind(format!("{year:04}-12-31"))
        .fetch_one(&self.pool)
        .await
        .map_err(backend_error)
    }
}
