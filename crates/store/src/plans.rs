//! Headcounts, yearly targets and term plans. Every write checks the input and the scope and
//! writes its audit row in the same transaction; every read takes a scope.

use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::{Change, StoreError, StoreResult, UnitStore};
use ketnap_domain::report::{
    HeadcountInput, HeadcountRecord, Subgroup, TargetKey, TargetRecord, TermPlanInput,
    TermPlanRecord, check_target,
};
use ketnap_domain::scope::Scope;
use ketnap_domain::unit::{SectorCode, Unit};
use sqlx::{Any, Transaction};

use crate::audit::{self, Audit};
use crate::{
    SUBTREE, Store, backend_error, iso_date, parse_date, parse_timestamp, read_only, timestamp,
    to_json,
};

#[derive(sqlx::FromRow)]
pub(crate) struct HeadcountRow {
    unit_id: i64,
    as_of: String,
    official_members: i64,
    probationary_members: i64,
    workforce: Option<i64>,
    youth_union_members: Option<i64>,
    trade_union_members: Option<i64>,
    recorded_by: Option<String>,
    recorded_at: Option<String>,
}

pub(crate) const HEADCOUNT_COLUMNS: &str = "h.unit_id, h.as_of, h.official_members, h.probationary_members, h.workforce, h.youth_union_members, h.trade_union_members, h.recorded_by, h.recorded_at";

impl HeadcountRow {
    pub(crate) fn into_record(self) -> StoreResult<HeadcountRecord> {
        Ok(HeadcountRecord {
            input: HeadcountInput {
                unit: UnitId(self.unit_id),
                as_of: parse_date(&self.as_of)?,
                official_members: self.official_members,
                probationary_members: self.probationary_members,
                workforce: self.workforce,
                youth_union_members: self.youth_union_members,
                trade_union_members: self.trade_union_members,
            },
            recorded_by: self.recorded_by,
            recorded_at: self
                .recorded_at
                .as_deref()
                .map(parse_timestamp)
                .transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    unit_id: i64,
    year: i64,
    sector: String,
    subgroup: String,
    target: i64,
    set_by: String,
    set_at: String,
}

impl TargetRow {
    fn into_record(self) -> StoreResult<TargetRecord> {
        Ok(TargetRecord {
            key: TargetKey {
                unit: UnitId(self.unit_id),
                year: i32::try_from(self.year)
                    .map_err(|_| StoreError::Backend(format!("năm hỏng: {}", self.year)))?,
                sector: (!self.sector.is_empty()).then_some(SectorCode(self.sector)),
                subgroup: Subgroup::from_code(&self.subgroup).ok_or_else(|| {
                    StoreError::Backend(format!("nhóm chỉ tiêu lạ: {}", self.subgroup))
                })?,
            },
            target: self.target,
            set_by: self.set_by,
            set_at: parse_timestamp(&self.set_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TermPlanRow {
    unit_id: i64,
    first_year: i64,
    last_year: i64,
    target_total: i64,
    note: String,
    set_by: String,
    set_at: String,
}

fn year_of(value: i64) -> StoreResult<i32> {
    i32::try_from(value).map_err(|_| StoreError::Backend(format!("năm hỏng: {value}")))
}

impl TermPlanRow {
    fn into_record(self) -> StoreResult<TermPlanRecord> {
        Ok(TermPlanRecord {
            input: TermPlanInput {
                unit: UnitId(self.unit_id),
                first_year: year_of(self.first_year)?,
                last_year: year_of(self.last_year)?,
                target_total: self.target_total,
                note: self.note,
            },
            set_by: self.set_by,
            set_at: parse_timestamp(&self.set_at)?,
        })
    }
}

/// Writes one checked target and its audit row in `tx`.
async fn write_target(
    tx: &mut Transaction<'_, Any>,
    change: &Change,
    key: &TargetKey,
    target: i64,
) -> StoreResult<()> {
    let before: Option<i64> = sqlx::query_scalar(
        "SELECT target FROM targets WHERE unit_id = $1 AND year = $2 AND sector = $3 AND subgroup = $4",
    )
    .bind(key.unit.0)
    .bind(i64::from(key.year))
    .bind(key.sector_code())
    .bind(key.subgroup.code())
    .fetch_optional(&mut **tx)
    .await
    .map_err(backend_error)?;
    sqlx::query(
        "INSERT INTO targets (unit_id, year, sector, subgroup, target, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (unit_id, year, sector, subgroup) DO UPDATE SET target = $5, set_by = $6, set_at = $7",
    )
    .bind(key.unit.0)
    .bind(i64::from(key.year))
    .bind(key.sector_code())
    .bind(key.subgroup.code())
    .bind(target)
    .bind(&change.actor)
    .bind(timestamp(change.now))
    .execute(&mut **tx)
    .await
    .map_err(backend_error)?;
    audit::write(
        tx,
        change,
        Audit {
            action: "target.set",
            entity: "unit",
            entity_id: key.unit.to_string(),
            before: before.map(|b| b.to_string()),
            after: Some(format!(
                "{{\"year\":{},\"sector\":\"{}\",\"subgroup\":\"{}\",\"target\":{target}}}",
                key.year,
                key.sector_code(),
                key.subgroup.code()
            )),
        },
    )
    .await
}

fn outside_scope(field: &str) -> StoreError {
    StoreError::Rejected(Violation::new(
        "unit.unknown",
        field,
        "Không có tổ chức đảng này trong phạm vi của tài khoản.",
    ))
}

fn jan1(year: i32) -> StoreResult<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| {
        StoreError::Rejected(Violation::new(
            "input.year-range",
            "year",
            format!("Năm {year} không hợp lệ."),
        ))
    })
}

impl Store {
    /// The unit, if it is in the scope; a write also needs an editing scope.
    pub(crate) async fn unit_for_write(
        &self,
        scope: &Scope,
        unit: UnitId,
        field: &str,
    ) -> StoreResult<Unit> {
        if !scope.can_edit() {
            return Err(read_only());
        }
        match self.unit(unit).await? {
            Some(found) if self.in_scope(scope, unit).await? => Ok(found),
            _ => Err(outside_scope(field)),
        }
    }

    /// The unit, if it is in the scope (else "not found").
    pub(crate) async fn unit_for_read(&self, scope: &Scope, unit: UnitId) -> StoreResult<Unit> {
        match self.unit(unit).await? {
            Some(found) if self.in_scope(scope, unit).await? => Ok(found),
            _ => Err(StoreError::NotFound("tổ chức đảng")),
        }
    }

    /// Records a headcount of a unit on a day (replacing one recorded for the same day).
    pub async fn record_headcount(
        &self,
        change: &Change,
        scope: &Scope,
        headcount: &HeadcountInput,
    ) -> StoreResult<()> {
        self.record_headcounts(change, scope, std::slice::from_ref(headcount))
            .await
    }

    /// Everything `record_headcount` checks before writing: the numbers, the scope and the
    /// unit's life on the day. An importer calls it on every row before writing any.
    pub async fn check_headcount(
        &self,
        scope: &Scope,
        headcount: &HeadcountInput,
    ) -> StoreResult<()> {
        headcount.check()?;
        let unit = self.unit_for_write(scope, headcount.unit, "unit").await?;
        if !unit.is_active_on(headcount.as_of) {
            return Err(Violation::new(
                "unit.inactive",
                "as_of",
                format!(
                    "\"{}\" không hoạt động vào ngày {}.",
                    unit.name,
                    ketnap_domain::workflow::dmy(headcount.as_of)
                ),
            )
            .into());
        }
        Ok(())
    }

    /// Records several headcounts, all or none, each replacing one recorded for the same
    /// unit and day, with an audit row each.
    pub async fn record_headcounts(
        &self,
        change: &Change,
        scope: &Scope,
        headcounts: &[HeadcountInput],
    ) -> StoreResult<()> {
        for headcount in headcounts {
            self.check_headcount(scope, headcount).await?;
        }
        let mut tx = self.begin().await?;
        for headcount in headcounts {
            write_headcount(&mut tx, change, headcount).await?;
        }
        tx.commit().await.map_err(backend_error)
    }

    /// The headcounts of one unit of the scope, newest first.
    pub async fn headcounts(
        &self,
        scope: &Scope,
        unit: UnitId,
    ) -> StoreResult<Vec<HeadcountRecord>> {
        self.unit_for_read(scope, unit).await?;
        let rows: Vec<HeadcountRow> = sqlx::query_as(&format!(
            "SELECT {HEADCOUNT_COLUMNS} FROM headcounts h WHERE h.unit_id = $1 ORDER BY h.as_of DESC"
        ))
        .bind(unit.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter().map(HeadcountRow::into_record).collect()
    }

    /// Every headcount of the scope's units, by unit and day.
    pub async fn headcounts_in(&self, scope: &Scope) -> StoreResult<Vec<HeadcountRecord>> {
        let rows: Vec<HeadcountRow> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT {HEADCOUNT_COLUMNS} FROM headcounts h
             WHERE h.unit_id IN (SELECT id FROM subtree) ORDER BY h.unit_id, h.as_of"
        ))
        .bind(scope.root().0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter().map(HeadcountRow::into_record).collect()
    }

    /// Sets a yearly target (overall, or of a sector and subgroup), replacing an earlier one.
    pub async fn set_target(
        &self,
        change: &Change,
        scope: &Scope,
        key: &TargetKey,
        target: i64,
    ) -> StoreResult<()> {
        self.set_targets_together(change, scope, &[(key.clone(), target)])
            .await
    }

    /// Sets several yearly targets at once: every one is checked first, then all are written
    /// in one transaction with one audit row each, so a refused one changes nothing.
    pub async fn set_targets_together(
        &self,
        change: &Change,
        scope: &Scope,
        targets: &[(TargetKey, i64)],
    ) -> StoreResult<()> {
        let sectors = if targets.iter().any(|(key, _)| key.sector.is_some()) {
            self.sectors().await?
        } else {
            Vec::new()
        };
        for (key, target) in targets {
            self.check_target_write(scope, key, *target, &sectors)
                .await?;
        }
        let mut tx = self.begin().await?;
        for (key, target) in targets {
            write_target(&mut tx, change, key, *target).await?;
        }
        tx.commit().await.map_err(backend_error)
    }

    /// Everything `set_target` checks before writing: the numbers, the scope, the sector
    /// (one of `sectors`) and the unit's life in the year.
    async fn check_target_write(
        &self,
        scope: &Scope,
        key: &TargetKey,
        target: i64,
        sectors: &[(String, String)],
    ) -> StoreResult<()> {
        check_target(key, target)?;
        let unit = self.unit_for_write(scope, key.unit, "unit").await?;
        if let Some(sector) = &key.sector
            && !sectors.iter().any(|(code, _)| *code == sector.0)
        {
            return Err(Violation::new(
                "unit.sector",
                "sector",
                format!("Lĩnh vực \"{}\" không có trong danh mục.", sector.0),
            )
            .into());
        }
        let (start, end) = (jan1(key.year)?, jan1(key.year + 1)?);
        if unit.valid_from >= end || unit.valid_until.is_some_and(|until| until < start) {
            return Err(Violation::new(
                "unit.inactive",
                "year",
                format!("\"{}\" không hoạt động trong năm {}.", unit.name, key.year),
            )
            .into());
        }
        Ok(())
    }

    /// The targets set for `year` on `unit` and on its direct sub-units.
    pub async fn targets(
        &self,
        scope: &Scope,
        unit: UnitId,
        year: i32,
    ) -> StoreResult<Vec<TargetRecord>> {
        self.unit_for_read(scope, unit).await?;
        let rows: Vec<TargetRow> = sqlx::query_as(
            "SELECT t.unit_id, t.year, t.sector, t.subgroup, t.target, t.set_by, t.set_at FROM targets t
             WHERE t.year = $2 AND (t.unit_id = $1 OR t.unit_id IN (SELECT id FROM units WHERE parent_id = $1))
             ORDER BY t.unit_id, t.sector, t.subgroup",
        )
        .bind(unit.0)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter().map(TargetRow::into_record).collect()
    }

    /// Sets a term plan (same unit and years: replaced).
    pub async fn set_term_plan(
        &self,
        change: &Change,
        scope: &Scope,
        plan: &TermPlanInput,
    ) -> StoreResult<()> {
        plan.check()?;
        self.unit_for_write(scope, plan.unit, "unit").await?;
        let note = ketnap_domain::text::clean(&plan.note);
        let mut tx = self.begin().await?;
        let before: Option<i64> = sqlx::query_scalar(
            "SELECT target_total FROM term_plans WHERE unit_id = $1 AND first_year = $2 AND last_year = $3",
        )
        .bind(plan.unit.0)
        .bind(i64::from(plan.first_year))
        .bind(i64::from(plan.last_year))
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend_error)?;
        sqlx::query(
            "INSERT INTO term_plans (unit_id, first_year, last_year, target_total, note, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (unit_id, first_year, last_year) DO UPDATE SET target_total = $4, note = $5, set_by = $6, set_at = $7",
        )
        .bind(plan.unit.0)
        .bind(i64::from(plan.first_year))
        .bind(i64::from(plan.last_year))
        .bind(plan.target_total)
        .bind(&note)
        .bind(&change.actor)
        .bind(timestamp(change.now))
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "term-plan.set",
                entity: "unit",
                entity_id: plan.unit.to_string(),
                before: before.map(|b| b.to_string()),
                after: Some(format!(
                    "{{\"first_year\":{},\"last_year\":{},\"target_total\":{}}}",
                    plan.first_year, plan.last_year, plan.target_total
                )),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }

    /// The term plans of a unit, earliest first.
    pub async fn term_plans(
        &self,
        scope: &Scope,
        unit: UnitId,
    ) -> StoreResult<Vec<TermPlanRecord>> {
        self.unit_for_read(scope, unit).await?;
        let rows: Vec<TermPlanRow> = sqlx::query_as(
            "SELECT unit_id, first_year, last_year, target_total, note, set_by, set_at FROM term_plans
             WHERE unit_id = $1 ORDER BY first_year, last_year",
        )
        .bind(unit.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter().map(TermPlanRow::into_record).collect()
    }
}

/// Writes one checked headcount (replacing the unit's one of that day) and its audit row.
async fn write_headcount(
    tx: &mut Transaction<'_, Any>,
    change: &Change,
    headcount: &HeadcountInput,
) -> StoreResult<()> {
    let before: Option<HeadcountRow> = sqlx::query_as(&format!(
        "SELECT {HEADCOUNT_COLUMNS} FROM headcounts h WHERE h.unit_id = $1 AND h.as_of = $2"
    ))
    .bind(headcount.unit.0)
    .bind(iso_date(headcount.as_of))
    .fetch_optional(&mut **tx)
    .await
    .map_err(backend_error)?;
    let before = before.map(HeadcountRow::into_record).transpose()?;
    sqlx::query(
        "INSERT INTO headcounts (unit_id, as_of, official_members, probationary_members, workforce, youth_union_members, trade_union_members, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (unit_id, as_of) DO UPDATE SET official_members = $3, probationary_members = $4,
         workforce = $5, youth_union_members = $6, trade_union_members = $7, recorded_by = $8, recorded_at = $9",
    )
    .bind(headcount.unit.0)
    .bind(iso_date(headcount.as_of))
    .bind(headcount.official_members)
    .bind(headcount.probationary_members)
    .bind(headcount.workforce)
    .bind(headcount.youth_union_members)
    .bind(headcount.trade_union_members)
    .bind(&change.actor)
    .bind(timestamp(change.now))
    .execute(&mut **tx)
    .await
    .map_err(backend_error)?;
    audit::write(
        tx,
        change,
        Audit {
            action: "headcount.record",
            entity: "unit",
            entity_id: headcount.unit.to_string(),
            before: before.map(|b| to_json(&b.input)).transpose()?,
            after: Some(to_json(headcount)?),
        },
    )
    .await?;
    Ok(())
}
