//! Server-side sessions and API tokens. A token is 256 random bits shown once; the store
//! keeps only its SHA-256, so a copy of the database opens no session.

use chrono::{DateTime, Duration, Utc};
use ketnap_domain::Violation;
use ketnap_domain::ids::UserId;
use ketnap_domain::ports::{Change, StoreError, StoreResult};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::audit::{self, Audit};
use crate::{Store, UserRecord, backend_error, parse_timestamp, timestamp};

/// A signed-in session, as the web layer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: UserRecord,
    pub mass_org_id: Option<i64>,
    /// The form token every state-changing request must carry.
    pub csrf_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Seconds between two writes of a session's last-seen time: keeps reads from writing.
const LAST_SEEN_GRANULARITY_SECONDS: i64 = 60;

#[derive(sqlx::FromRow)]
struct SessionRow {
    csrf_token: String,
    created_at: String,
    last_seen_at: String,
    id: i64,
    username: String,
    display_name: String,
    role: String,
    unit_id: i64,
    disabled: i64,
    mass_org_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct TokenUserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    unit_id: i64,
    disabled: i64,
    mass_org_id: Option<i64>,
}

const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.role, u.unit_id, u.disabled, u.mass_org_id";

impl Store {
    /// Opens a session for a user who just proved their password; returns the cookie token.
    pub async fn create_session(&self, change: &Change, user: UserId) -> StoreResult<String> {
        let token = random_token();
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(token_hash(&token))
            .bind(user.0)
            .bind(random_token())
            .bind(timestamp(change.now))
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        audit::write(&mut tx, change, Audit::event("session.login", "user", user)).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(token)
    }

    /// The live session for `token`, or `None` when unknown, idle too long, too old, or
    /// its account is disabled (an expired session is deleted).
    pub async fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
        idle: Duration,
        absolute: Duration,
    ) -> StoreResult<Option<Session>> {
        let hash = token_hash(token);
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT s.csrf_token, s.created_at, s.last_seen_at, {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
        ))
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)?;
        let Some(row) = row else { return Ok(None) };
        let created = parse_timestamp(&row.created_at)?;
        let last_seen = parse_timestamp(&row.last_seen_at)?;
        if row.disabled != 0 || now - last_seen > idle || now - created > absolute {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(&hash)
                .execute(&self.pool)
                .await
                .map_err(backend_error)?;
            return Ok(None);
        }
        if (now - last_seen).num_seconds() >= LAST_SEEN_GRANULARITY_SECONDS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(timestamp(now))
                .bind(&hash)
                .execute(&self.pool)
                .await
                .map_err(backend_error)?;
        }
        Ok(Some(Session {
            user: UserRecord {
                id: row.id,
                username: row.username,
                display_name: row.display_name,
                role: row.role,
                unit_id: row.unit_id,
                disabled: row.disabled,
            },
            mass_org_id: row.mass_org_id,
            csrf_token: row.csrf_token,
        }))
    }

    pub async fn end_session(&self, change: &Change, token: &str) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        let user: Option<i64> =
            sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
                .bind(token_hash(token))
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend_error)?;
        if let Some(user) = user {
            audit::write(
                &mut tx,
                change,
                Audit::event("session.logout", "user", user),
            )
            .await?;
        }
        tx.commit().await.map_err(backend_error)
    }

    /// Changes a password after checking the old one; every session of the account ends.
    pub async fn change_password(
        &self,
        change: &Change,
        user: UserId,
        old: &str,
        new: &str,
    ) -> StoreResult<()> {
        let username: Option<String> =
            sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_error)?;
        let username = username.ok_or(StoreError::NotFound("tài khoản"))?;
        if self.verify_password(&username, old).await?.is_none() {
            return Err(Violation::new(
                "user.password-wrong",
                "old_password",
                "Mật khẩu hiện tại không đúng.",
            )
            .into());
        }
        let hash = crate::accounts::checked_hash(new, &[&username])?;
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        audit::write(&mut tx, change, Audit::event("user.password", "user", user)).await?;
        tx.commit().await.map_err(backend_error)
    }

    /// Locks an account: its sessions end and its API tokens stop working.
    pub async fn disable_user(&self, change: &Change, user: UserId) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        let updated = sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("tài khoản"));
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        audit::write(&mut tx, change, Audit::event("user.disable", "user", user)).await?;
        tx.commit().await.map_err(backend_error)
    }

    /// Creates an API token for a user and returns it; only its hash is kept.
    pub async fn create_api_token(
        &self,
        change: &Change,
        user: UserId,
        label: &str,
    ) -> StoreResult<String> {
        let token = format!("ketnap_{}", random_token());
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        let id: i64 = sqlx::query_scalar("INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(token_hash(&token))
            .bind(user.0)
            .bind(ketnap_domain::text::clean(label))
            .bind(timestamp(change.now))
            .fetch_one(&mut *tx)
            .await
            .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "token.create",
                entity: "api_token",
                entity_id: id.to_string(),
                before: None,
                after: Some(format!("user {user}")),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(token)
    }

    pub async fn api_tokens(&self) -> StoreResult<Vec<ApiToken>> {
        sqlx::query_as(
            "SELECT id, user_id, label, created_at, revoked_at FROM api_tokens ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)
    }

    pub async fn revoke_api_token(&self, change: &Change, id: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        let updated = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(timestamp(change.now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("mã truy cập"));
        }
        audit::write(
            &mut tx,
            change,
            Audit::event("token.revoke", "api_token", id),
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }

    /// The account behind a live API token.
    pub async fn api_token_session(&self, token: &str) -> StoreResult<Option<Session>> {
        let row: Option<TokenUserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0"
        ))
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)?;
        Ok(row.map(|row| Session {
            user: UserRecord {
                id: row.id,
                username: row.username,
                display_name: row.display_name,
                role: row.role,
                unit_id: row.unit_id,
                disabled: row.disabled,
            },
            mass_org_id: row.mass_org_id,
            csrf_token: String::new(),
        }))
    }

    /// The account with this user name.
    pub async fn user_by_name(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        sqlx::query_as("SELECT id, username, display_name, role, unit_id, disabled FROM users WHERE username = $1")
            .bind(username.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_error)
    }
}
