//! User accounts: an argon2id password hash, a role and the unit whose subtree it covers.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use ketnap_domain::Violation;
use ketnap_domain::access::Role;
use ketnap_domain::ids::{UnitId, UserId};
use ketnap_domain::ports::{Change, StoreError, StoreResult, UnitStore};

use crate::audit::{self, Audit};
use crate::{Store, backend_error};

#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub unit: UnitId,
    /// For a mass-organisation officer: their organisation.
    pub mass_org: Option<ketnap_domain::ids::MassOrgId>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("unit", &self.unit)
            .field("password", &"[redacted]")
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_id: i64,
    /// 1 when the account is locked.
    pub disabled: i64,
}

impl UserRecord {
    pub fn is_disabled(&self) -> bool {
        self.disabled != 0
    }
}

/// Passwords shorter than this are refused.
const MINIMUM_PASSWORD_CHARS: usize = 10;

impl Store {
    pub async fn add_user(&self, change: &Change, user: &NewUser) -> StoreResult<UserId> {
        let username = user.username.trim().to_lowercase();
        if username.is_empty()
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(Violation::new(
                "user.username",
                "username",
                "Tên đăng nhập chỉ gồm chữ không dấu, số và . _ -",
            )
            .into());
        }
        if self.unit(user.unit).await?.is_none() {
            return Err(
                Violation::new("unit.unknown", "unit", "Không có tổ chức đảng này.").into(),
            );
        }
        if (user.role == Role::MassOrgOfficer) != user.mass_org.is_some() {
            return Err(Violation::new(
                "user.mass-org",
                "mass_org",
                "Chỉ tài khoản cán bộ đoàn thể gắn với một đoàn thể, và phải gắn với đúng một đoàn thể.",
            )
            .into());
        }
        let hash = checked_hash(&user.password)?;
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, role, unit_id, disabled, created_at, mass_org_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&username)
        .bind(ketnap_domain::text::clean(&user.display_name))
        .bind(hash)
        .bind(user.role.code())
        .bind(user.unit.0)
        .bind(0_i64)
        .bind(crate::timestamp(change.now))
        .bind(user.mass_org.map(|m| m.0))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(db) if db.message().to_lowercase().contains("unique") => StoreError::Rejected(
                Violation::new("user.taken", "username", format!("Tên đăng nhập \"{username}\" đã có.")),
            ),
            other => backend_error(other),
        })?;
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "user.add",
                entity: "user",
                entity_id: id.to_string(),
                before: None,
                after: Some(format!(
                    "{username} ({}, đơn vị {})",
                    user.role.code(),
                    user.unit
                )),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(UserId(id))
    }

    pub async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        sqlx::query_as("SELECT id, username, display_name, role, unit_id, disabled FROM users ORDER BY username")
            .fetch_all(&self.pool)
            .await
            .map_err(backend_error)
    }

    /// Checks a password; the same answer for an unknown user and a wrong password.
    pub async fn verify_password(
        &self,
        username: &str,
        password: &str,
    ) -> StoreResult<Option<UserRecord>> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT password_hash, id FROM users WHERE username = $1 AND disabled = 0",
        )
        .bind(username.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)?;
        // An unknown name costs the same hash as a wrong password, so timing tells nothing.
        let (hash, id) = match row {
            Some(found) => found,
            None => (unknown_user_hash()?.to_string(), 0),
        };
        let parsed = PasswordHash::new(&hash).map_err(|e| StoreError::Backend(e.to_string()))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        if !matches || id == 0 {
            return Ok(None);
        }
        sqlx::query_as(
            "SELECT id, username, display_name, role, unit_id, disabled FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)
    }
}

/// Hashes a new password after checking it is long enough.
pub(crate) fn checked_hash(password: &str) -> StoreResult<String> {
    if password.chars().count() < MINIMUM_PASSWORD_CHARS {
        return Err(Violation::new(
            "user.password",
            "password",
            format!("Mật khẩu phải có ít nhất {MINIMUM_PASSWORD_CHARS} ký tự."),
        )
        .into());
    }
    hash_password(password)
}

fn unknown_user_hash() -> StoreResult<&'static str> {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = HASH.get() {
        return Ok(hash);
    }
    let hash = hash_password("no user has this password")?;
    Ok(HASH.get_or_init(|| hash))
}

fn hash_password(password: &str) -> StoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::Backend(format!("không băm được mật khẩu: {e}")))
}
