//! Counts of failed tries (sign-ins, second-factor codes, current passwords) per key, kept
//! in the database so that every server process behind a load balancer counts the same
//! tries. Keys are stored as SHA-256 digests. The limits are the web layer's.

use chrono::{DateTime, Duration, Utc};
use ketnap_domain::ports::StoreResult;
use sha2::{Digest, Sha256};

use crate::{Store, backend_error, timestamp};

fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl Store {
    /// Failures of each key within the window ending at `now`, in the order of `keys`.
    pub async fn failures_within(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window: Duration,
    ) -> StoreResult<Vec<u32>> {
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            let failures: Option<i64> = sqlx::query_scalar(
                "SELECT failures FROM login_failures WHERE key_hash = $1 AND since > $2",
            )
            .bind(digest(key))
            .bind(timestamp(now - window))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_error)?;
            counts.push(u32::try_from(failures.unwrap_or(0)).unwrap_or(u32::MAX));
        }
        Ok(counts)
    }

    /// Counts one more failure for each key; a window that is over starts again at `now`.
    pub async fn record_failure(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window: Duration,
    ) -> StoreResult<()> {
        let started_before = timestamp(now - window);
        let mut tx = self.begin().await?;
        // Windows long over are forgotten, so names tried once do not pile up.
        sqlx::query("DELETE FROM login_failures WHERE since <= $1")
            .bind(&started_before)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        for key in keys {
            sqlx::query(
                "INSERT INTO login_failures (key_hash, failures, since) VALUES ($1, 1, $2)
                 ON CONFLICT (key_hash) DO UPDATE SET failures = login_failures.failures + 1",
            )
            .bind(digest(key))
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        }
        tx.commit().await.map_err(backend_error)
    }

    /// Forgets the failures of `key` (after a right password or code).
    pub async fn clear_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE key_hash = $1")
            .bind(digest(key))
            .execute(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(())
    }
}
