//! Rule sets and calendar years an administrator loads, on top of the shipped ones.
//!
//! Every page with a deadline needs the rule book and the calendar. Their texts are read
//! from the database each time (another process may have loaded one), but parsed only when
//! they differ from the texts parsed last.

use std::sync::{Mutex, OnceLock};

use ketnap_domain::Violation;
use ketnap_domain::calendar::Calendar;
use ketnap_domain::ports::{Change, RuleStore, StoreError, StoreResult};
use ketnap_domain::rules::{BUILTIN_RULE_FILES, RuleBook, RuleSet};

use crate::audit::{self, Audit};
use crate::{Store, backend_error};

/// A loaded rule set as the administrator gave it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LoadedRuleSet {
    pub rule_set_id: String,
    pub version: i64,
    pub body: String,
    pub loaded_by: String,
    pub loaded_at: String,
}

/// What the texts loaded into the database parsed to last time.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    rules: Mutex<Option<(Vec<String>, RuleBook)>>,
    calendar: Mutex<Option<(Vec<String>, Calendar)>>,
}

/// `slot`'s value when it was parsed from `texts`, else `parse(texts)`, kept for next time.
fn parsed_once<T: Clone>(
    slot: &Mutex<Option<(Vec<String>, T)>>,
    texts: Vec<String>,
    parse: impl FnOnce(&[String]) -> StoreResult<T>,
) -> StoreResult<T> {
    if let Ok(last) = slot.lock()
        && let Some((seen, value)) = last.as_ref()
        && *seen == texts
    {
        return Ok(value.clone());
    }
    let value = parse(&texts)?;
    if let Ok(mut last) = slot.lock() {
        *last = Some((texts, value.clone()));
    }
    Ok(value)
}

/// The shipped rule sets and calendar, parsed once per process.
fn shipped() -> StoreResult<&'static (Vec<RuleSet>, Calendar)> {
    static SHIPPED: OnceLock<(Vec<RuleSet>, Calendar)> = OnceLock::new();
    if let Some(parsed) = SHIPPED.get() {
        return Ok(parsed);
    }
    let sets = BUILTIN_RULE_FILES
        .iter()
        .map(|text| RuleSet::parse(text))
        .collect::<Result<Vec<_>, _>>()?;
    let calendar = Calendar::published().map_err(StoreError::from)?;
    Ok(SHIPPED.get_or_init(|| (sets, calendar)))
}

impl Store {
    pub async fn loaded_rule_sets(&self) -> StoreResult<Vec<LoadedRuleSet>> {
        sqlx::query_as(
            "SELECT rule_set_id, version, body, loaded_by, loaded_at FROM rule_sets ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)
    }
}

impl RuleStore for Store {
    async fn rule_book(&self) -> StoreResult<RuleBook> {
        let bodies: Vec<String> = self
            .read("SELECT body FROM rule_sets ORDER BY id")
            .all()
            .await?;
        parsed_once(&self.parsed.rules, bodies, |bodies| {
            let mut sets = shipped()?.0.clone();
            for body in bodies {
                sets.push(RuleSet::parse(body)?);
            }
            Ok(RuleBook::from_sets(sets))
        })
    }

    async fn load_rule_set(&self, change: &Change, text: &str) -> StoreResult<RuleSet> {
        let set = RuleSet::parse(text)?;
        let book = self.rule_book().await?;
        if let Some(current) = book.sets().iter().find(|s| s.id == set.id)
            && current.version >= set.version
        {
            return Err(Violation::new(
                "rule-set.version",
                "version",
                format!(
                    "Bộ quy định {} đang ở phiên bản {}; bản nạp mới phải có version lớn hơn (đang ghi {}).",
                    set.id, current.version, set.version
                ),
            )
            .into());
        }
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO rule_sets (rule_set_id, version, body, loaded_by, loaded_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&set.id)
            .bind(i64::from(set.version))
            .bind(text)
            .bind(&change.actor)
            .bind(crate::timestamp(change.now))
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        let before = book
            .sets()
            .iter()
            .find(|s| s.id == set.id)
            .map(RuleSet::label);
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "rules.load",
                entity: "rule_set",
                entity_id: set.label(),
                before,
                after: Some(text.to_string()),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(set)
    }

    async fn calendar(&self) -> StoreResult<Calendar> {
        let bodies: Vec<String> = self
            .read("SELECT body FROM calendar_years ORDER BY year")
            .all()
            .await?;
        parsed_once(&self.parsed.calendar, bodies, |bodies| {
            let mut calendar = shipped()?.1.clone();
            for body in bodies {
                calendar = calendar.with_year_override(Calendar::parse_year_override(body)?);
            }
            Ok(calendar)
        })
    }

    async fn load_calendar_year(&self, change: &Change, text: &str) -> StoreResult<i32> {
        let year = Calendar::parse_year_override(text)?.year;
        let mut tx = self.begin().await?;
        let before: Option<String> =
            sqlx::query_scalar("SELECT body FROM calendar_years WHERE year = $1")
                .bind(i64::from(year))
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend_error)?;
        sqlx::query("DELETE FROM calendar_years WHERE year = $1")
            .bind(i64::from(year))
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        sqlx::query(
            "INSERT INTO calendar_years (year, body, loaded_by, loaded_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(i64::from(year))
        .bind(text)
        .bind(&change.actor)
        .bind(crate::timestamp(change.now))
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "calendar.load",
                entity: "calendar_year",
                entity_id: year.to_string(),
                before,
                after: Some(text.to_string()),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(year)
    }
}
