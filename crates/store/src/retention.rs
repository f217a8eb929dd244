//! Retention (thời hạn lưu trữ): the personal data of people withdrawn from the list of
//! sources is erased once the rule set's period has passed since the withdrawal. The record
//! keeps what the yearly figures count (`PersonDetails::erased`); names, numbers, contacts
//! and former names go, each erasure audited in the same transaction.

use chrono::{Months, NaiveDate};
use ketnap_domain::Violation;
use ketnap_domain::case::Stage;
use ketnap_domain::person::{ERASED_NAME, PersonDetails};
use ketnap_domain::ports::{Change, RuleStore, StoreResult};

use crate::audit::{self, Audit};
use crate::keys::{open_details, seal_details};
use crate::people::{name_order, person_columns};
use crate::{Store, backend_error, iso_date};

/// People erased per transaction.
const BATCH: i64 = 500;

/// What a purge did, or with `dry_run` would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purge {
    /// Withdrawals on or before this day are past the period.
    pub withdrawn_by: NaiveDate,
    pub months: u32,
    pub people: u64,
    /// Declined nominations whose details were erased (`retention.declined_nomination_months`).
    pub nominations: u64,
}

impl Store {
    /// Erases everyone whose every case was withdrawn at least the rule set's
    /// `retention.withdrawn_source_months` before `today`; with `dry_run`, only counts them.
    pub async fn purge_expired(
        &self,
        change: &Change,
        today: NaiveDate,
        dry_run: bool,
    ) -> StoreResult<Purge> {
        let rules = self.rule_book().await?;
        let set = rules.in_force_on(today)?;
        let months = set
            .retention
            .as_ref()
            .map(|r| r.withdrawn_source_months)
            .ok_or_else(|| {
                Violation::new(
                    "retention.missing",
                    "retention.withdrawn_source_months",
                    format!(
                        "Bộ quy định đang áp dụng ({}) chưa ghi thời hạn lưu trữ: không xóa gì.",
                        set.label()
                    ),
                )
            })?;
        let withdrawn_by = today
            .checked_sub_months(Months::new(months))
            .unwrap_or(NaiveDate::MIN);
        // People with cases, all of them withdrawn by then, not erased already.
        let due = format!(
            "SELECT p.id, p.details FROM people p
             WHERE p.family_name <> $1 AND p.id > $2
               AND EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id)
               AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id
                   AND NOT (c.stage = $3 AND c.closed_on IS NOT NULL AND c.closed_on <= $4))
             ORDER BY p.id LIMIT {BATCH}"
        );
        let mut purge = Purge {
            withdrawn_by,
            months,
            people: 0,
            nominations: 0,
        };
        let declined_by = set
            .retention
            .as_ref()
            .and_then(|r| r.declined_nomination_months)
            .map(|m| {
                today
                    .checked_sub_months(Months::new(m))
                    .unwrap_or(NaiveDate::MIN)
            });
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, String)> = sqlx::query_as(&due)
                .bind(ERASED_NAME)
                .bind(after)
                .bind(Stage::Withdrawn.code())
                .bind(iso_date(withdrawn_by))
                .fetch_all(&self.pool)
                .await
                .map_err(backend_error)?;
            let Some(&(last, _)) = rows.last() else {
                break;
            };
            after = last;
            purge.people += rows.len() as u64;
            if dry_run {
                continue;
            }
            let keys = self.keys()?;
            let mut tx = self.begin().await?;
            for (id, sealed) in &rows {
                let erased: PersonDetails = open_details(keys, sealed)?.erased();
                let [family, middle, given, key, birth, _] = person_columns(&erased);
                sqlx::query(
                    "UPDATE people SET family_name = $1, middle_name = $2, given_name = $3, search_key = $4,
                     birth_date = $5, citizen_id_index = NULL, details = $6, name_order = $8, version = version + 1 WHERE id = $7",
                )
                .bind(family)
                .bind(middle)
                .bind(given)
                .bind(key)
                .bind(birth)
                .bind(seal_details(keys, &erased)?)
                .bind(id)
                .bind(name_order(&erased.name))
                .execute(&mut *tx)
                .await
                .map_err(backend_error)?;
                sqlx::query("DELETE FROM person_identity_history WHERE person_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend_error)?;
                crate::coordination::erase_person_coordination(&mut tx, change, *id).await?;
                audit::write(
                    &mut tx,
                    change,
                    Audit {
                        after: Some(format!("hết thời hạn lưu trữ {months} tháng")),
                        ..Audit::event("person.erase", "person", id)
                    },
                )
                .await?;
            }
            tx.commit().await.map_err(backend_error)?;
        }
        if let Some(declined_by) = declined_by {
            purge.nominations = if dry_run {
                self.count_declined_nominations(declined_by).await?
            } else {
                let mut tx = self.begin().await?;
                let erased = self
                    .erase_declined_nominations(&mut tx, change, declined_by)
                    .await?;
                tx.commit().await.map_err(backend_error)?;
                erased
            };
        }
        if !dry_run {
            let mut tx = self.begin().await?;
            audit::write(
                &mut tx,
                change,
                Audit {
                    after: Some(format!(
                        "{} người, rút khỏi danh sách đến {}; {} giới thiệu không được tiếp nhận",
                        purge.people,
                        iso_date(withdrawn_by),
                        purge.nominations
                    )),
                    ..Audit::event("retention.purge", "retention", set.label())
                },
            )
            .await?;
            tx.commit().await.map_err(backend_error)?;
            self.flush_wal().await?;
        }
        Ok(purge)
    }
}
