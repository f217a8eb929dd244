//! User accounts: an argon2id password hash, a role and the unit whose subtree it covers.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use ketnap_domain::Violation;
use ketnap_domain::access::Role;
use ketnap_domain::ids::{UnitId, UserId};
use ketnap_domain::ports::{Change, StoreError, StoreResult, UnitStore};

use crate::audit::{self, Audit};
use crate::{SUBTREE, Store, backend_error};

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

/// An account as the administrators' page lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountSummary {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_name: String,
    pub unit_kind: String,
    /// 1 when the account is locked.
    pub disabled: i64,
    /// 1 when the account has a second factor.
    pub two_factor: i64,
}

/// Refuses (as not found) an account outside `within`'s subtree: an administrator manages
/// the accounts of their own unit and below.
pub(crate) async fn user_within(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    within: UnitId,
    user: i64,
) -> StoreResult<()> {
    let found: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM users WHERE id = $2 AND {}",
        crate::in_subtree("users.unit_id")
    ))
    .bind(within.0)
    .bind(user)
    .fetch_one(&mut **tx)
    .await
    .map_err(backend_error)?;
    if found == 0 {
        return Err(StoreError::NotFound("tài khoản"));
    }
    Ok(())
}

/// Passwords shorter than this are refused.
const MINIMUM_PASSWORD_CHARS: usize = 10;
/// ASVS asks that at least 64 be allowed.
const MAXIMUM_PASSWORD_CHARS: usize = 128;
/// zxcvbn's score (0–4): 2 and above resists an online attack for years.
const MINIMUM_PASSWORD_SCORE: u8 = 2;

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
        let hash = checked_hash(&user.password, &[&username, &user.display_name])?;
        let mut tx = self.begin().await?;
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

    /// The accounts whose unit is in `within`'s subtree, by user name.
    pub async fn accounts_in(&self, within: UnitId) -> StoreResult<Vec<AccountSummary>> {
        sqlx::query_as(&format!(
            "{SUBTREE} SELECT u.id, u.username, u.display_name, u.role, n.name AS unit_name,
                    n.kind AS unit_kind, u.disabled,
                    (SELECT COUNT(*) FROM two_factor t WHERE t.user_id = u.id) AS two_factor
             FROM users u JOIN units n ON n.id = u.unit_id
             WHERE u.unit_id IN (SELECT id FROM subtree) ORDER BY u.username"
        ))
        .bind(within.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)
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

/// Hashes a new password after checking it the way OWASP ASVS (2.1) asks: long enough, not
/// over-long (64 characters and more are welcome), and not common or guessable from the
/// account's own names — with no rules about which kinds of characters it must hold.
pub(crate) fn checked_hash(password: &str, names: &[&str]) -> StoreResult<String> {
    check_password(password, names)?;
    hash_password(password)
}

fn check_password(password: &str, names: &[&str]) -> Result<(), Violation> {
    let refuse = |message: String| Violation::new("user.password", "password", message);
    let chars = password.chars().count();
    if chars < MINIMUM_PASSWORD_CHARS {
        return Err(refuse(format!(
            "Mật khẩu phải có ít nhất {MINIMUM_PASSWORD_CHARS} ký tự."
        )));
    }
    if chars > MAXIMUM_PASSWORD_CHARS {
        return Err(refuse(format!(
            "Mật khẩu dài tối đa {MAXIMUM_PASSWORD_CHARS} ký tự."
        )));
    }
    if u8::from(zxcvbn::zxcvbn(password, names).score()) < MINIMUM_PASSWORD_SCORE {
        return Err(refuse(
            "Mật khẩu này quá phổ biến hoặc dễ đoán (có trong danh sách mật khẩu hay dùng, hoặc dựa trên tên tài khoản). Hãy dùng một cụm từ dài hơn mà chỉ bạn biết."
                .into(),
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_not_common_and_free_of_composition_rules() {
        let names = ["nguyenvanan", "Nguyễn Văn An"];
        for ok in [
            "ketnap-demo-2026",
            "con mèo nhà tôi tên là Mướp",
            "mọi lá phiếu đều quan trọng",
            &"a1b2c3d4e5f6g7h8".repeat(4),
        ] {
            assert!(check_password(ok, &names).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("ngan", "ít nhất"),
            ("password123", "phổ biến"),
            ("1234567890", "phổ biến"),
            ("qwertyuiop", "phổ biến"),
            ("nguyenvanan1", "phổ biến"),
            (&"x".repeat(129), "tối đa"),
        ] {
            let v = check_password(bad, &names).unwrap_err();
            assert!(v.message.contains(why), "{bad}: {}", v.message);
        }
    }
}
