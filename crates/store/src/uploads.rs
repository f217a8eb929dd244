//! Spreadsheets waiting to be imported (tệp chờ nhập): the bytes, whose they are, and the
//! user's column corrections and decisions so far, between the steps of the web import.

use chrono::{DateTime, Duration, Utc};
use ketnap_domain::ports::{StoreError, StoreResult};

use crate::keys::Purpose;
use crate::{Store, backend_error, timestamp};

/// How long an upload waits for its confirmation.
const KEPT_FOR_HOURS: i64 = 24;

/// An upload, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub kind: String,
    pub content: Vec<u8>,
    /// JSON, as the web layer wrote it.
    pub choices: String,
}

impl Store {
    /// Keeps `content` for `username` under `token` (a random value the caller chose).
    pub async fn save_upload(
        &self,
        token: &str,
        username: &str,
        kind: &str,
        content: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.drop_old_uploads(now).await?;
        sqlx::query(
            "INSERT INTO import_uploads (token, username, kind, content, choices, created_at)
             VALUES ($1, $2, $3, $4, '{}', $5)",
        )
        .bind(token)
        .bind(username)
        .bind(kind)
        .bind(self.keys()?.seal(Purpose::Upload, content)?.into_bytes())
        .bind(timestamp(now))
        .execute(&self.pool)
        .await
        .map_err(backend_error)?;
        Ok(())
    }

    /// Uploads older than a day are deleted whenever uploads are used: personal data is not
    /// kept for a confirmation that never came.
    async fn drop_old_uploads(&self, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("DELETE FROM import_uploads WHERE created_at < $1")
            .bind(timestamp(now - Duration::hours(KEPT_FOR_HOURS)))
            .execute(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(())
    }

    /// The upload `token` of `username`, unless it is someone else's or older than a day.
    pub async fn upload(
        &self,
        token: &str,
        username: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Upload>> {
        self.drop_old_uploads(now).await?;
        let row: Option<(String, Vec<u8>, String)> = sqlx::query_as(
            "SELECT kind, content, choices FROM import_uploads
             WHERE token = $1 AND username = $2 AND created_at >= $3",
        )
        .bind(token)
        .bind(username)
        .bind(timestamp(now - Duration::hours(KEPT_FOR_HOURS)))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)?;
        let Some((kind, sealed, choices)) = row else {
            return Ok(None);
        };
        // Sealed like people's records: the file holds a whole list of them.
        let sealed = String::from_utf8(sealed)
            .map_err(|_| StoreError::Backend("tệp chờ nhập bị hỏng".into()))?;
        Ok(Some(Upload {
            kind,
            content: self.keys()?.open(Purpose::Upload, &sealed)?,
            choices,
        }))
    }

    pub async fn set_upload_choices(
        &self,
        token: &str,
        username: &str,
        choices: &str,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE import_uploads SET choices = $1 WHERE token = $2 AND username = $3")
            .bind(choices)
            .bind(token)
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(())
    }

    /// Forgets an upload once it is written.
    pub async fn delete_upload(&self, token: &str, username: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM import_uploads WHERE token = $1 AND username = $2")
            .bind(token)
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(())
    }
}
