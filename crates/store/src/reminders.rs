//! The daily reminder's rows: the claim on a day's run (`job_runs`), the in-application
//! inbox (`notifications`), the digest mails (`mail_outbox`) and accounts' addresses.
//! What is due comes from the report model; who hears of it, from `domain::reminder`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use ketnap_domain::Violation;
use ketnap_domain::access::{Need, Role};
use ketnap_domain::ids::{CaseId, UnitId, UserId};
use ketnap_domain::ports::{Change, StoreError, StoreResult};
use ketnap_domain::reminder::{CaseDue, Digest, DigestItem, Recipient, deadline_items};

use crate::audit::{self, Audit};
use crate::{Store, backend_error, iso_date, parse_date, timestamp};

/// What a process found when it asked to run a job for a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Nobody had: this process runs it.
    Fresh,
    /// A run that stopped before finishing, its lease run out: this process runs it again.
    TakenOver,
    /// Another process has run it, or is running it.
    Taken { finished: bool },
}

/// What became of a claim this process holds when it renewed or finished it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Still this process's: renewed, or finished with its audit row.
    Yes,
    /// Taken over by another process (this one was not heard of for the lease), or already
    /// finished: this process must stop, and its finish writes nothing.
    Lost,
}

impl Claim {
    pub fn runs(self) -> bool {
        matches!(self, Claim::Fresh | Claim::TakenOver)
    }
}

/// An account that hears of its subtree's deadlines, and where its mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRecipient {
    pub recipient: Recipient,
    pub email: Option<String>,
}

/// A digest mail waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub user: UserId,
    pub day: NaiveDate,
    /// The account's address now (none if it was removed since).
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
}

/// A digest mail not (known to be) sent: claimed but never marked sent (the process
/// stopped while handing it over: it is not sent again), or refused by the server.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnsentMail {
    pub user_id: i64,
    pub username: String,
    pub day: String,
    pub claimed_at: Option<String>,
    pub error: Option<String>,
}

/// What a run did, as its audit row records it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunCounts {
    pub users: usize,
    pub notifications: usize,
    pub mails_sent: usize,
    pub mails_failed: usize,
}

/// One line of an account's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub day: NaiveDate,
    pub kind: String,
    pub escalated: bool,
    pub case: Option<CaseId>,
    /// The page it opens (`/cases/12`, `/transfers`, `/requests/7`).
    pub link: Option<String>,
    pub body: String,
    pub read: bool,
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    day: String,
    kind: String,
    escalated: i64,
    case_id: Option<i64>,
    link: Option<String>,
    body: String,
    read_at: Option<String>,
}

/// Addresses longer than this are refused (RFC 5321's limit on a path).
const MAX_EMAIL_CHARS: usize = 254;

/// A plausible address: one `@` between a local part and a dotted domain, no spaces or
/// control characters. The SMTP server has the last word.
fn check_email(email: &str) -> Result<(), Violation> {
    let plausible = email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if plausible {
        Ok(())
    } else {
        Err(Violation::new(
            "user.email",
            "email",
            format!("\"{email}\" không phải địa chỉ thư điện tử (dạng ten@donvi.vn)."),
        ))
    }
}

impl Store {
    /// Claims `day`'s run of `job` for this process, which names itself by `owner` (a
    /// random token of its own): the first to insert the day's row runs it; a run not
    /// finished and not renewed for more than `lease` before `now` (its process died or
    /// stalled) is taken over, and from then on only the new owner may renew or finish it.
    /// On SQLite the write lock, on PostgreSQL the primary key, makes racing processes take
    /// turns, so exactly one of them runs.
    pub async fn claim_run(
        &self,
        job: &str,
        day: NaiveDate,
        owner: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> StoreResult<Claim> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO job_runs (job, day, started_at, owner) VALUES ($1, $2, $3, $4)
             ON CONFLICT (job, day) DO NOTHING",
        )
        .bind(job)
        .bind(iso_date(day))
        .bind(timestamp(now))
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?
        .rows_affected();
        let claim = if inserted == 1 {
            Claim::Fresh
        } else {
            let taken = sqlx::query(
                "UPDATE job_runs SET started_at = $3, owner = $5
                 WHERE job = $1 AND day = $2 AND finished_at IS NULL AND started_at < $4",
            )
            .bind(job)
            .bind(iso_date(day))
            .bind(timestamp(now))
            .bind(timestamp(now - lease))
            .bind(owner)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?
            .rows_affected();
            if taken == 1 {
                Claim::TakenOver
            } else {
                let finished: Option<String> = sqlx::query_scalar(
                    "SELECT finished_at FROM job_runs WHERE job = $1 AND day = $2",
                )
                .bind(job)
                .bind(iso_date(day))
                .fetch_one(&mut *tx)
                .await
                .map_err(backend_error)?;
                Claim::Taken {
                    finished: finished.is_some(),
                }
            }
        };
        tx.commit().await.map_err(backend_error)?;
        Ok(claim)
    }

    /// Whether `day`'s run of `job` is done.
    pub async fn run_finished(&self, job: &str, day: NaiveDate) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM job_runs WHERE job = $1 AND day = $2 AND finished_at IS NOT NULL",
        )
        .bind(job)
        .bind(iso_date(day))
        .fetch_one(&self.pool)
        .await
        .map_err(backend_error)?;
        Ok(n > 0)
    }

    /// Renews the lease of the claim `owner` holds, so a long run is not taken over while
    /// it lives. [`Held::Lost`] when another process has taken it over (or it is finished):
    /// the caller stops.
    pub async fn renew_run(
        &self,
        job: &str,
        day: NaiveDate,
        owner: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Held> {
        let mut tx = self.begin().await?;
        let renewed = sqlx::query(
            "UPDATE job_runs SET started_at = $3
             WHERE job = $1 AND day = $2 AND owner = $4 AND finished_at IS NULL",
        )
        .bind(job)
        .bind(iso_date(day))
        .bind(timestamp(now))
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?
        .rows_affected();
        tx.commit().await.map_err(backend_error)?;
        Ok(if renewed == 1 { Held::Yes } else { Held::Lost })
    }

    /// Marks the run `owner` holds finished, with its audit row (counts only) in the same
    /// transaction. A claim lost to another process writes nothing: [`Held::Lost`].
    pub async fn finish_run(
        &self,
        change: &Change,
        job: &str,
        day: NaiveDate,
        owner: &str,
        counts: &RunCounts,
    ) -> StoreResult<Held> {
        let mut tx = self.begin().await?;
        let finished = sqlx::query(
            "UPDATE job_runs SET finished_at = $3
             WHERE job = $1 AND day = $2 AND owner = $4 AND finished_at IS NULL",
        )
        .bind(job)
        .bind(iso_date(day))
        .bind(timestamp(change.now))
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?
        .rows_affected();
        if finished != 1 {
            tx.rollback().await.map_err(backend_error)?;
            return Ok(Held::Lost);
        }
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "reminders.run",
                entity: "job",
                entity_id: format!("{job}/{}", iso_date(day)),
                before: None,
                after: Some(crate::to_json(counts)?),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(Held::Yes)
    }

    /// The deadline items of `today`'s digests: every open case's next due date, from the
    /// report model, judged by the coordination rules in force on `today` (a rule set
    /// without them sends no reminders).
    pub async fn deadline_items(&self, today: NaiveDate) -> StoreResult<Vec<DigestItem>> {
        let model = self.report_model().await?;
        let Some(rules) = model.rules.in_force_on(today)?.coordination.as_ref() else {
            return Ok(Vec::new());
        };
        let dues: Vec<CaseDue> = model
            .book
            .iter()
            .filter_map(|facts| {
                let due = model.book.due(facts)?;
                Some(CaseDue {
                    case: facts.case(),
                    cell: facts.cell(),
                    cell_name: model
                        .tree
                        .get(facts.cell())
                        .map(|u| u.name.clone())
                        .unwrap_or_default(),
                    due,
                })
            })
            .collect();
        Ok(deadline_items(today, rules, &model.calendar, &dues))
    }

    /// Each unit's parent, past units included.
    pub async fn unit_parents(&self) -> StoreResult<HashMap<UnitId, UnitId>> {
        let rows: Vec<(i64, Option<i64>)> = sqlx::query_as("SELECT id, parent_id FROM units")
            .fetch_all(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, parent)| parent.map(|p| (UnitId(id), UnitId(p))))
            .collect())
    }

    /// The accounts that get digests: not locked, with a role that edits cases.
    pub async fn reminder_recipients(&self) -> StoreResult<Vec<ReminderRecipient>> {
        let rows: Vec<(i64, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT id, role, unit_id, email FROM users WHERE disabled = 0 ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, role, unit, email)| {
                let role = Role::from_code(&role).filter(|r| r.grants(Need::Edit))?;
                Some((id, role, unit, email))
            })
            .map(|(id, role, unit, email)| ReminderRecipient {
                recipient: Recipient {
                    user: UserId(id),
                    unit: UnitId(unit),
                    keeps_files: role != Role::CellSecretary,
                },
                email: email.filter(|e| !e.is_empty()),
            })
            .collect())
    }

    /// Writes one account's digest of `day`: a notification per item and, when `mail`,
    /// the digest mail, in one transaction. What a repeated run already wrote stays as it
    /// was; returns the notifications added.
    pub async fn record_digest(
        &self,
        day: NaiveDate,
        now: DateTime<Utc>,
        digest: &Digest,
        mail: bool,
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        let mut added = 0;
        for item in &digest.items {
            added += sqlx::query(
                "INSERT INTO notifications (user_id, day, item_key, kind, escalated, case_id, link, body, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (user_id, day, item_key) DO NOTHING",
            )
            .bind(digest.user.0)
            .bind(iso_date(day))
            .bind(&item.key)
            .bind(item.kind.code())
            .bind(i64::from(item.escalate))
            .bind(item.case.map(|c| c.0))
            .bind(item.link.as_deref())
            .bind(item.line(day))
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?
            .rows_affected() as usize;
        }
        if mail {
            sqlx::query(
                "INSERT INTO mail_outbox (user_id, day, subject, body, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, day) DO NOTHING",
            )
            .bind(digest.user.0)
            .bind(iso_date(day))
            .bind(digest.subject(day))
            .bind(digest.mail_body(day))
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        }
        tx.commit().await.map_err(backend_error)?;
        Ok(added)
    }

    /// The mails of `day` nobody has claimed and none sent; with `retries_only`, only
    /// those a server refused before.
    pub async fn mails_to_send(
        &self,
        day: NaiveDate,
        retries_only: bool,
    ) -> StoreResult<Vec<OutboxMail>> {
        let retries = if retries_only {
            "AND m.error IS NOT NULL"
        } else {
            ""
        };
        let rows: Vec<(i64, Option<String>, String, String)> = sqlx::query_as(&format!(
            "SELECT m.user_id, u.email, m.subject, m.body FROM mail_outbox m
             JOIN users u ON u.id = m.user_id
             WHERE m.day = $1 AND m.claimed_at IS NULL AND m.sent_at IS NULL {retries}
             ORDER BY m.user_id"
        ))
        .bind(iso_date(day))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        Ok(rows
            .into_iter()
            .map(|(user, to, subject, body)| OutboxMail {
                user: UserId(user),
                day,
                to: to.filter(|t| !t.is_empty()),
                subject,
                body,
            })
            .collect())
    }

    /// Claims a mail for sending; false when another process has it. A claimed mail is
    /// never handed to a server again unless a refusal releases it.
    pub async fn claim_mail(
        &self,
        user: UserId,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.outbox_update(
            "UPDATE mail_outbox SET claimed_at = $3
             WHERE user_id = $1 AND day = $2 AND claimed_at IS NULL AND sent_at IS NULL",
            user,
            day,
            &timestamp(now),
        )
        .await
    }

    pub async fn mail_sent(
        &self,
        user: UserId,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.outbox_update(
            "UPDATE mail_outbox SET sent_at = $3, error = NULL WHERE user_id = $1 AND day = $2",
            user,
            day,
            &timestamp(now),
        )
        .await
    }

    /// Records why a mail was not sent: `error` is a short category in Vietnamese, never
    /// the server's words (they may quote an address). `delivered_not` says the server
    /// refused it (or was never reached): the claim is released so a later run retries.
    /// Otherwise it may have arrived, and it stays claimed: shown as unsent, never sent
    /// twice.
    pub async fn mail_failed(
        &self,
        user: UserId,
        day: NaiveDate,
        error: &str,
        delivered_not: bool,
    ) -> StoreResult<bool> {
        let sql = if delivered_not {
            "UPDATE mail_outbox SET claimed_at = NULL, error = $3 WHERE user_id = $1 AND day = $2"
        } else {
            "UPDATE mail_outbox SET error = $3 WHERE user_id = $1 AND day = $2"
        };
        self.outbox_update(sql, user, day, error).await
    }

    async fn outbox_update(
        &self,
        sql: &str,
        user: UserId,
        day: NaiveDate,
        value: &str,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(sql)
            .bind(user.0)
            .bind(iso_date(day))
            .bind(value)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?
            .rows_affected();
        tx.commit().await.map_err(backend_error)?;
        Ok(changed == 1)
    }

    /// Mails from `since` on that were not (known to be) sent, oldest first.
    pub async fn unsent_mails(&self, since: NaiveDate) -> StoreResult<Vec<UnsentMail>> {
        sqlx::query_as(
            "SELECT m.user_id, u.username, m.day, m.claimed_at, m.error FROM mail_outbox m
             JOIN users u ON u.id = m.user_id
             WHERE m.day >= $1 AND m.sent_at IS NULL
               AND (m.claimed_at IS NOT NULL OR m.error IS NOT NULL)
             ORDER BY m.day, u.username",
        )
        .bind(iso_date(since))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)
    }

    /// The newest `limit` notifications of an account, newest day first.
    pub async fn notifications(&self, user: UserId, limit: i64) -> StoreResult<Vec<Notification>> {
        let rows: Vec<NotificationRow> = sqlx::query_as(
            "SELECT id, day, kind, escalated, case_id, link, body, read_at FROM notifications
             WHERE user_id = $1 ORDER BY day DESC, id LIMIT $2",
        )
        .bind(user.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(Notification {
                    id: r.id,
                    day: parse_date(&r.day)?,
                    kind: r.kind,
                    escalated: r.escalated != 0,
                    case: r.case_id.map(CaseId),
                    link: r.link,
                    body: r.body,
                    read: r.read_at.is_some(),
                })
            })
            .collect()
    }

    /// Marks every notification of the account read; returns how many were unread.
    pub async fn mark_notifications_read(&self, change: &Change, user: UserId) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let marked = sqlx::query(
            "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user.0)
        .bind(timestamp(change.now))
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?
        .rows_affected();
        audit::write(
            &mut tx,
            change,
            Audit::event("notifications.read", "user", user),
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(marked)
    }

    /// Sets (or with `None` removes) the address an account's digests go to. The audit
    /// row says that it changed, not what it is.
    pub async fn set_user_email(
        &self,
        change: &Change,
        user: UserId,
        email: Option<&str>,
    ) -> StoreResult<()> {
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(email) = email {
            check_email(email)?;
        }
        let mut tx = self.begin().await?;
        let updated = sqlx::query("UPDATE users SET email = $2 WHERE id = $1")
            .bind(user.0)
            .bind(email)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("tài khoản"));
        }
        audit::write(&mut tx, change, Audit::event("user.email", "user", user)).await?;
        tx.commit().await.map_err(backend_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_loosely() {
        for good in ["a@b.vn", "can.bo+nhac@dangbo.hcm.gov.vn"] {
            assert!(check_email(good).is_ok(), "{good}");
        }
        for bad in [
            "", "a", "a@b", "@b.vn", "a@@b.vn", "a b@c.vn", "a@.vn", "a@b.vn.",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
