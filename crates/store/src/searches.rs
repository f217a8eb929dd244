//! Search texts (nội dung tìm kiếm) kept under a random token: a name or a CCCD typed into
//! a search goes in a POST body, and the pages that show its results carry the token, so
//! personal data never stands in a URL (where proxies, browser history and logs keep it).

use chrono::{DateTime, Duration, Utc};
use ketnap_domain::ports::StoreResult;
use rand::RngCore;

use crate::keys::Purpose;
use crate::{Store, backend_error, timestamp};

/// How long a search's token keeps working.
const KEPT_FOR_HOURS: i64 = 24;

impl Store {
    /// Keeps `text` for `username`; returns the token that names it.
    pub async fn save_search(
        &self,
        username: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<String> {
        sqlx::query("DELETE FROM saved_searches WHERE created_at < $1")
            .bind(timestamp(now - Duration::hours(KEPT_FOR_HOURS)))
            .execute(&self.pool)
            .await
            .map_err(backend_error)?;
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        sqlx::query(
            "INSERT INTO saved_searches (token, username, text, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&token)
        .bind(username)
        .bind(self.keys()?.seal(Purpose::Search, text.as_bytes())?)
        .bind(timestamp(now))
        .execute(&self.pool)
        .await
        .map_err(backend_error)?;
        Ok(token)
    }

    /// The text behind `token`, if it is `username`'s and not older than a day.
    pub async fn saved_search(
        &self,
        token: &str,
        username: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<String>> {
        let sealed: Option<String> = sqlx::query_scalar(
            "SELECT text FROM saved_searches WHERE token = $1 AND username = $2 AND created_at >= $3",
        )
        .bind(token)
        .bind(username)
        .bind(timestamp(now - Duration::hours(KEPT_FOR_HOURS)))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        self.keys()?.open_text(Purpose::Search, &sealed).map(Some)
    }
}
