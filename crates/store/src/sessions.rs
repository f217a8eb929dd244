//! Server-side sessions and API tokens. A token is 256 random bits shown once; the store
//! keeps only its SHA-256, so a copy of the database opens no session. A session whose
//! account has a second factor starts as a half-session (`Pending`) that opens no page.

use chrono::{DateTime, Duration, Utc};
use ketnap_domain::Violation;
use ketnap_domain::ids::{UnitId, UserId};
use ketnap_domain::ports::{Change, StoreError, StoreResult};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::audit::{self, Audit};
use crate::read::{FromColumns, Row};
use crate::{SUBTREE, Store, UserRecord, backend_error, parse_timestamp, timestamp};

/// A signed-in session, as the web layer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session's row (none for an API token), which pages name instead of the token.
    pub id: Option<i64>,
    pub user: UserRecord,
    pub mass_org_id: Option<i64>,
    /// The form token every state-changing request must carry.
    pub csrf_token: String,
    /// When the password (and code) were last entered again in this session.
    pub reauth_at: Option<DateTime<Utc>>,
}

/// What a half-session waits for before it becomes a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// The code of the account's second factor.
    Code,
    /// The account must set a second factor up first.
    Enrol,
}

impl Pending {
    fn code(self) -> &'static str {
        match self {
            Pending::Code => "code",
            Pending::Enrol => "enrol",
        }
    }

    fn from_code(code: &str) -> Option<Pending> {
        [Pending::Code, Pending::Enrol]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// A password proved, the second factor not yet: it names the account and nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HalfSession {
    pub id: i64,
    pub user: UserRecord,
    pub pending: Pending,
    pub csrf_token: String,
}

/// A live session as an administrator's page lists it: never its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_name: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// Still waiting for the second factor.
    pub pending: bool,
}

/// Which sessions an administrator ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndSessions {
    One(i64),
    AllOf(UserId),
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

/// Minutes a half-session waits for its second factor: long enough to find the phone,
/// short enough that a stolen password alone holds nothing for long.
const HALF_SESSION_MINUTES: i64 = 10;

struct SessionRow {
    session_id: i64,
    csrf_token: String,
    created_at: String,
    last_seen_at: String,
    pending: Option<String>,
    reauth_at: Option<String>,
    id: i64,
    username: String,
    display_name: String,
    role: String,
    unit_id: i64,
    disabled: i64,
    mass_org_id: Option<i64>,
}

impl FromColumns for SessionRow {
    fn from_columns(row: &Row<'_>) -> StoreResult<Self> {
        Ok(SessionRow {
            session_id: row.get("session_id")?,
            csrf_token: row.get("csrf_token")?,
            created_at: row.get("created_at")?,
            last_seen_at: row.get("last_seen_at")?,
            pending: row.get("pending")?,
            reauth_at: row.get("reauth_at")?,
            id: row.get("id")?,
            username: row.get("username")?,
            display_name: row.get("display_name")?,
            role: row.get("role")?,
            unit_id: row.get("unit_id")?,
            disabled: row.get("disabled")?,
            mass_org_id: row.get("mass_org_id")?,
        })
    }
}

impl SessionRow {
    fn user(&self) -> UserRecord {
        UserRecord {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role.clone(),
            unit_id: self.unit_id,
            disabled: self.disabled,
        }
    }
}

#[derive(sqlx::FromRow)]
struct LiveRow {
    id: i64,
    user_id: i64,
    username: String,
    display_name: String,
    role: String,
    unit_name: String,
    created_at: String,
    last_seen_at: String,
    pending: Option<String>,
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

/// Inserts a session row for `user` (a half-session when `pending`) in `tx` and returns
/// its cookie token.
async fn insert_session(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    change: &Change,
    user: i64,
    pending: Option<Pending>,
) -> StoreResult<String> {
    let token = random_token();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, pending) VALUES ($1, $2, $3, $4, $4, $5)")
        .bind(token_hash(&token))
        .bind(user)
        .bind(random_token())
        .bind(timestamp(change.now))
        .bind(pending.map(Pending::code))
        .execute(&mut **tx)
        .await
        .map_err(backend_error)?;
    Ok(token)
}

impl Store {
    /// Opens a session for a user who has proved every factor their account needs;
    /// returns the cookie token.
    pub async fn create_session(&self, change: &Change, user: UserId) -> StoreResult<String> {
        let mut tx = self.begin().await?;
        let token = insert_session(&mut tx, change, user.0, None).await?;
        audit::write(&mut tx, change, Audit::event("session.login", "user", user)).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(token)
    }

    /// Opens a half-session for a user whose password was right and whose second factor
    /// is still to come; returns its cookie token.
    pub async fn create_half_session(
        &self,
        change: &Change,
        user: UserId,
        pending: Pending,
    ) -> StoreResult<String> {
        let mut tx = self.begin().await?;
        let token = insert_session(&mut tx, change, user.0, Some(pending)).await?;
        audit::write(
            &mut tx,
            change,
            Audit::event("session.password", "user", user),
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(token)
    }

    /// Turns a half-session whose second factor just succeeded into a session under a new
    /// token (the half-session's token, seen before the second factor, opens nothing).
    pub async fn complete_session(&self, change: &Change, half: i64) -> StoreResult<String> {
        let mut tx = self.begin().await?;
        let user: Option<i64> = sqlx::query_scalar(
            "DELETE FROM sessions WHERE id = $1 AND pending IS NOT NULL RETURNING user_id",
        )
        .bind(half)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend_error)?;
        let user = user.ok_or(StoreError::NotFound("phiên đăng nhập"))?;
        let token = insert_session(&mut tx, change, user, None).await?;
        audit::write(&mut tx, change, Audit::event("session.login", "user", user)).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(token)
    }

    /// The row behind `token` with its account, or `None` when unknown, its account is
    /// disabled, or `expired` says so (an expired row is deleted).
    async fn session_row(
        &self,
        token: &str,
        expired: impl FnOnce(&SessionRow) -> StoreResult<bool>,
    ) -> StoreResult<Option<SessionRow>> {
        let hash = token_hash(token);
        let row: Option<SessionRow> = self
            .read(format!(
                "SELECT s.id AS session_id, s.csrf_token, s.created_at, s.last_seen_at, s.pending, s.reauth_at, {USER_COLUMNS}
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
            ))
            .bind(hash.as_str())
            .optional()
            .await?;
        let Some(row) = row else { return Ok(None) };
        if row.disabled != 0 || expired(&row)? {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(&hash)
                .execute(&self.pool)
                .await
                .map_err(backend_error)?;
            return Ok(None);
        }
        Ok(Some(row))
    }

    /// The live session for `token`, or `None` when unknown, idle too long, too old, its
    /// account is disabled (an expired session is deleted), or it is a half-session.
    pub async fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
        idle: Duration,
        absolute: Duration,
    ) -> StoreResult<Option<Session>> {
        let row = self
            .session_row(token, |row| {
                let created = parse_timestamp(&row.created_at)?;
                let last_seen = parse_timestamp(&row.last_seen_at)?;
                Ok(now - last_seen > idle || now - created > absolute)
            })
            .await?;
        let Some(row) = row.filter(|row| row.pending.is_none()) else {
            return Ok(None);
        };
        let last_seen = parse_timestamp(&row.last_seen_at)?;
        if (now - last_seen).num_seconds() >= LAST_SEEN_GRANULARITY_SECONDS {
            let touched = sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(timestamp(now))
                .bind(row.session_id)
                .execute(&self.pool)
                .await
                .map_err(backend_error);
            // A full disk stops writes, not reading: the session just looks idle sooner.
            match touched {
                Ok(_) | Err(StoreError::Full) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(Some(Session {
            id: Some(row.session_id),
            reauth_at: row.reauth_at.as_deref().map(parse_timestamp).transpose()?,
            user: row.user(),
            mass_org_id: row.mass_org_id,
            csrf_token: row.csrf_token,
        }))
    }

    /// The half-session for `token`, or `None` when unknown, a full session, older than
    /// ten minutes (then deleted), or its account is disabled.
    pub async fn half_session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<HalfSession>> {
        let row = self
            .session_row(token, |row| {
                let created = parse_timestamp(&row.created_at)?;
                Ok(
                    row.pending.is_some()
                        && now - created > Duration::minutes(HALF_SESSION_MINUTES),
                )
            })
            .await?;
        Ok(row.and_then(|row| {
            let pending = Pending::from_code(row.pending.as_deref()?)?;
            Some(HalfSession {
                id: row.session_id,
                pending,
                user: row.user(),
                csrf_token: row.csrf_token,
            })
        }))
    }

    /// Records that the session's password (and code) were just entered again.
    pub async fn mark_reauthenticated(&self, change: &Change, session: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let user: Option<i64> = sqlx::query_scalar(
            "UPDATE sessions SET reauth_at = $1 WHERE id = $2 AND pending IS NULL RETURNING user_id",
        )
        .bind(timestamp(change.now))
        .bind(session)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend_error)?;
        let user = user.ok_or(StoreError::NotFound("phiên đăng nhập"))?;
        audit::write(
            &mut tx,
            change,
            Audit::event("session.reauth", "user", user),
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }

    /// The live sessions and half-sessions of accounts whose unit is in `within`'s
    /// subtree, most recently seen first.
    pub async fn live_sessions(
        &self,
        within: UnitId,
        now: DateTime<Utc>,
        idle: Duration,
        absolute: Duration,
    ) -> StoreResult<Vec<LiveSession>> {
        let rows: Vec<LiveRow> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT s.id, s.user_id, u.username, u.display_name, u.role, n.name AS unit_name,
                    s.created_at, s.last_seen_at, s.pending
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN units n ON n.id = u.unit_id
             WHERE u.disabled = 0 AND u.unit_id IN (SELECT id FROM subtree)
             ORDER BY s.last_seen_at DESC, s.id"
        ))
        .bind(within.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let mut live = Vec::with_capacity(rows.len());
        for row in rows {
            let created_at = parse_timestamp(&row.created_at)?;
            let last_seen_at = parse_timestamp(&row.last_seen_at)?;
            let alive = if row.pending.is_some() {
                now - created_at <= Duration::minutes(HALF_SESSION_MINUTES)
            } else {
                now - last_seen_at <= idle && now - created_at <= absolute
            };
            if alive {
                live.push(LiveSession {
                    id: row.id,
                    user_id: row.user_id,
                    username: row.username,
                    display_name: row.display_name,
                    role: row.role,
                    unit_name: row.unit_name,
                    created_at,
                    last_seen_at,
                    pending: row.pending.is_some(),
                });
            }
        }
        Ok(live)
    }

    /// Ends one session, or every session of an account, of an account in `within`'s
    /// subtree (otherwise: not found); returns how many ended.
    pub async fn end_sessions(
        &self,
        change: &Change,
        within: UnitId,
        which: EndSessions,
    ) -> StoreResult<u64> {
        let (user, session): (i64, Option<i64>) = match which {
            EndSessions::AllOf(user) => (user.0, None),
            EndSessions::One(id) => {
                let user: Option<i64> =
                    sqlx::query_scalar("SELECT user_id FROM sessions WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(backend_error)?;
                (
                    user.ok_or(StoreError::NotFound("phiên đăng nhập"))?,
                    Some(id),
                )
            }
        };
        let mut tx = self.begin().await?;
        crate::accounts::user_within(&mut tx, within, user).await?;
        let ended = match session {
            Some(id) => sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user),
            None => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user),
        }
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?
        .rows_affected();
        if session.is_some() && ended == 0 {
            return Err(StoreError::NotFound("phiên đăng nhập"));
        }
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "session.end",
                entity: "user",
                entity_id: user.to_string(),
                before: None,
                after: Some(match session {
                    Some(id) => format!("phiên {id}"),
                    None => format!("mọi phiên ({ended})"),
                }),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(ended)
    }

    pub async fn end_session(&self, change: &Change, token: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
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
        let mut tx = self.begin().await?;
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
        let mut tx = self.begin().await?;
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
        let mut tx = self.begin().await?;
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
        let mut tx = self.begin().await?;
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
            id: None,
            reauth_at: None,
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
