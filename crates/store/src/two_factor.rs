//! The second factor: TOTP (RFC 6238: HMAC-SHA1, six digits, 30-second steps), as
//! authenticator apps compute it. A code is taken from the current step or one either side
//! (a phone's clock a little off), and only from a step later than the last one accepted,
//! so a code seen over someone's shoulder cannot be used again.

use chrono::{DateTime, Utc};
use ketnap_domain::Violation;
use ketnap_domain::ids::{UnitId, UserId};
use ketnap_domain::ports::{Change, StoreError, StoreResult};
use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::audit::{self, Audit};
use crate::keys::Purpose;
use crate::{Store, backend_error, timestamp};

const STEP_SECONDS: i64 = 30;
const DIGITS: usize = 6;
/// Steps either side of now that a code may come from.
const SKEW_STEPS: i64 = 1;
/// The name authenticator apps show above the account's codes.
const ISSUER: &str = "ketnap";

/// What became of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Accepted,
    Wrong,
    /// Right, but from a step whose code was already accepted.
    Reused,
}

/// A fresh secret of 160 random bits (RFC 4226's advice), base32 as apps take it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

/// The `otpauth://` link an authenticator app reads from the QR code. User names are
/// letters, digits and `._-` (`add_user` checks), so nothing needs escaping.
pub fn otpauth_uri(username: &str, secret: &str) -> String {
    format!(
        "otpauth://totp/{ISSUER}:{username}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

/// The time step `code` belongs to for `secret`, among now's and its neighbours.
fn matching_step(secret: &str, code: &str, now: DateTime<Utc>) -> StoreResult<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| StoreError::Backend(format!("khóa xác thực hai bước hỏng: {e}")))?;
    let totp = TOTP::new(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS as u64, bytes)
        .map_err(|e| StoreError::Backend(format!("khóa xác thực hai bước hỏng: {e}")))?;
    let current = now.timestamp().div_euclid(STEP_SECONDS);
    Ok((current - SKEW_STEPS..=current + SKEW_STEPS)
        .filter(|step| *step >= 0)
        .find(|step| totp.check(&code, (*step * STEP_SECONDS) as u64)))
}

impl Store {
    /// Whether the account has a second factor.
    pub async fn has_second_factor(&self, user: UserId) -> StoreResult<bool> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM two_factor WHERE user_id = $1")
            .bind(user.0)
            .fetch_one(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(count > 0)
    }

    /// The secret an enrolment in this session shows: the one shown before, or a new one
    /// kept on the session until a code from it is right.
    pub async fn enrolment_secret(&self, session: i64) -> StoreResult<String> {
        let shown: Option<Option<String>> =
            sqlx::query_scalar("SELECT totp_candidate FROM sessions WHERE id = $1")
                .bind(session)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_error)?;
        let keys = self.keys()?;
        match shown.ok_or(StoreError::NotFound("phiên đăng nhập"))? {
            Some(sealed) => keys.open_text(Purpose::TwoFactor, &sealed),
            None => {
                let secret = new_secret();
                // Sealed like personal records: a copy of the database gives no codes.
                sqlx::query("UPDATE sessions SET totp_candidate = $1 WHERE id = $2")
                    .bind(keys.seal(Purpose::TwoFactor, secret.as_bytes())?)
                    .bind(session)
                    .execute(&self.pool)
                    .await
                    .map_err(backend_error)?;
                Ok(secret)
            }
        }
    }

    /// Keeps the secret shown in this session as the account's second factor when `code`
    /// comes from it. Audited either way.
    pub async fn enrol_second_factor(
        &self,
        change: &Change,
        session: i64,
        code: &str,
    ) -> StoreResult<CodeCheck> {
        let row: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT user_id, totp_candidate FROM sessions WHERE id = $1")
                .bind(session)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_error)?;
        let (user, secret) = row.ok_or(StoreError::NotFound("phiên đăng nhập"))?;
        let secret = secret.ok_or_else(|| {
            StoreError::Rejected(Violation::new(
                "two-factor.no-secret",
                "code",
                "Trang đăng ký đã cũ; hãy mở lại để nhận mã bí mật.",
            ))
        })?;
        let keys = self.keys()?;
        let sealed = secret;
        let secret = keys.open_text(Purpose::TwoFactor, &sealed)?;
        let step = matching_step(&secret, code, change.now)?;
        let mut tx = self.begin().await?;
        let Some(step) = step else {
            audit::write(&mut tx, change, failure(user, "khi đăng ký")).await?;
            tx.commit().await.map_err(backend_error)?;
            return Ok(CodeCheck::Wrong);
        };
        sqlx::query(
            "INSERT INTO two_factor (user_id, secret, enrolled_at, last_step) VALUES ($1, $2, $3, $4)",
        )
        .bind(user)
        .bind(&sealed)
        .bind(timestamp(change.now))
        .bind(step)
        .execute(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(db) if db.message().to_lowercase().contains("unique") => {
                StoreError::Rejected(Violation::new(
                    "two-factor.enrolled",
                    "code",
                    "Tài khoản này đã bật xác thực hai bước.",
                ))
            }
            other => backend_error(other),
        })?;
        sqlx::query("UPDATE sessions SET totp_candidate = NULL WHERE id = $1")
            .bind(session)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit::event("two_factor.enrol", "user", user),
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(CodeCheck::Accepted)
    }

    /// Checks a code of the account's second factor; a right code moves the account's last
    /// step on, so it is accepted once (by one server process, whichever asks first).
    /// Audited either way.
    pub async fn check_second_factor(
        &self,
        change: &Change,
        user: UserId,
        code: &str,
    ) -> StoreResult<CodeCheck> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT secret, last_step FROM two_factor WHERE user_id = $1")
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_error)?;
        let (sealed, last_step) = row.ok_or(StoreError::NotFound("xác thực hai bước"))?;
        let secret = self.keys()?.open_text(Purpose::TwoFactor, &sealed)?;
        let step = matching_step(&secret, code, change.now)?;
        let mut tx = self.begin().await?;
        let outcome = match step {
            None => CodeCheck::Wrong,
            Some(step) if step <= last_step => CodeCheck::Reused,
            Some(step) => {
                let moved = sqlx::query(
                    "UPDATE two_factor SET last_step = $1 WHERE user_id = $2 AND last_step < $1",
                )
                .bind(step)
                .bind(user.0)
                .execute(&mut *tx)
                .await
                .map_err(backend_error)?;
                if moved.rows_affected() == 1 {
                    CodeCheck::Accepted
                } else {
                    CodeCheck::Reused
                }
            }
        };
        let audit = match outcome {
            CodeCheck::Accepted => Audit::event("two_factor.success", "user", user),
            CodeCheck::Wrong => failure(user.0, "sai mã"),
            CodeCheck::Reused => failure(user.0, "mã đã dùng"),
        };
        audit::write(&mut tx, change, audit).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(outcome)
    }

    /// Removes the second factor of an account in `within`'s subtree (a lost phone) and
    /// ends its sessions: its next sign-in sets one up again if it must.
    pub async fn reset_second_factor(
        &self,
        change: &Change,
        within: UnitId,
        user: UserId,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        crate::accounts::user_within(&mut tx, within, user.0).await?;
        let removed = sqlx::query("DELETE FROM two_factor WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        if removed.rows_affected() == 0 {
            return Err(StoreError::NotFound("xác thực hai bước"));
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit::event("two_factor.reset", "user", user),
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }
}

fn failure(user: i64, why: &str) -> Audit<'static> {
    Audit {
        action: "two_factor.failure",
        entity: "user",
        entity_id: user.to_string(),
        before: None,
        after: Some(why.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn codes_match_rfc_6238_and_their_neighbouring_steps_only() {
        // RFC 6238, appendix B: the SHA-1 key "12345678901234567890" at 59 s gives 94287082
        // (eight digits); six digits are its last six.
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        let at = |s: i64| Utc.timestamp_opt(s, 0).single().unwrap();
        assert_eq!(matching_step(&secret, "287082", at(59)).unwrap(), Some(1));
        assert_eq!(matching_step(&secret, "287 082", at(59)).unwrap(), Some(1));
        assert_eq!(matching_step(&secret, "287082", at(89)).unwrap(), Some(1));
        assert_eq!(matching_step(&secret, "287082", at(119)).unwrap(), None);
        assert_eq!(matching_step(&secret, "287083", at(59)).unwrap(), None);
        assert_eq!(matching_step(&secret, "28708", at(59)).unwrap(), None);
        assert_eq!(new_secret().len(), 32);
        assert_ne!(new_secret(), new_secret());
        assert!(otpauth_uri("admin", &secret).starts_with("otpauth://totp/ketnap:admin?secret="));
    }
}
