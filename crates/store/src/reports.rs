//! Reports for any unit of a scope and any period, computed live: SQL aggregates over the
//! event history (grouped by the cell each event happened in, `case_events.cell_id`) fed to
//! the pure functions of `ketnap_domain::report`, which roll them up the unit tree.
//!
//! Progress and funnel read no case bodies; the lists of open cases (bottlenecks,
//! recognitions) and the breakdown decode only the cases and people they list.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use ketnap_domain::case::Case;
use ketnap_domain::ids::{CaseId, UnitId};
use ketnap_domain::person::PersonDetails;
use ketnap_domain::ports::{RuleStore, StoreError, StoreResult};
use ketnap_domain::report::{
    Admission, BottleneckReport, BreakdownReport, CoverageParams, CoverageReport, DaysHistogram,
    FunnelReport, FunnelStep, OpenCase, Period, ProgressInputs, ProgressReport, RecognitionReport,
    StepCounts, Subgroup, bottlenecks, breakdown, check_year, coverage, expected_ceremony, funnel,
    progress, recognitions,
};
use ketnap_domain::scope::Scope;
use ketnap_domain::text::PersonName;
use ketnap_domain::unit::SectorCode;

use crate::{Backend, SUBTREE, Store, backend_error, from_json, iso_date, parse_date};

/// Events that mark the funnel's steps (all but the source).
const FUNNEL_ACTIONS: &str = "'add_to_sympathisers', 'record_awareness_certificate', 'open_file', 'cell_vote', 'decide_admission', 'hold_ceremony', 'decide_recognition'";

/// For each funnel action, the action of the step before (source → sympathiser aside).
const PREVIOUS_ACTION: &str = "CASE e.action
    WHEN 'record_awareness_certificate' THEN 'add_to_sympathisers'
    WHEN 'open_file' THEN 'record_awareness_certificate'
    WHEN 'cell_vote' THEN 'open_file'
    WHEN 'decide_admission' THEN 'cell_vote'
    WHEN 'hold_ceremony' THEN 'decide_admission'
    WHEN 'decide_recognition' THEN 'hold_ceremony' END";

/// Stages of open cases with a running statutory clock.
const CLOCK_STAGES: &str = "'file_opened', 'introduced', 'opinions_collected', 'verified', 'cell_resolved', 'base_resolved', 'decided', 'probation', 'recognition_proposed', 'recognition_base_resolved'";
const PROBATION_STAGES: &str = "'probation', 'recognition_proposed', 'recognition_base_resolved'";

fn year_bounds(year: i32) -> StoreResult<(NaiveDate, NaiveDate)> {
    let period = Period::year(year)?;
    Ok((period.from, period.to))
}

#[derive(sqlx::FromRow)]
struct OpenCaseRow {
    body: String,
    family_name: String,
    middle_name: String,
    given_name: String,
}

impl Store {
    /// Days between two ISO date columns, as BIGINT on both backends.
    fn days_between(&self, later: &str, earlier: &str) -> String {
        match self.backend {
            Backend::Sqlite => {
                format!("CAST(julianday({later}) - julianday({earlier}) AS INTEGER)")
            }
            Backend::Postgres => {
                format!("CAST(CAST({later} AS DATE) - CAST({earlier} AS DATE) AS BIGINT)")
            }
        }
    }

    /// Ceremonies per cell of the event in `[from, to]`, in `root`'s subtree.
    pub(crate) async fn admissions_by_cell(
        &self,
        root: UnitId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<HashMap<UnitId, i64>> {
        let rows: Vec<(Option<i64>, i64)> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT cell_id, COUNT(*) FROM case_events
             WHERE action = 'hold_ceremony' AND occurred_on >= $2 AND occurred_on <= $3
             AND cell_id IN (SELECT id FROM subtree) GROUP BY cell_id"
        ))
        .bind(root.0)
        .bind(iso_date(from))
        .bind(iso_date(to))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|(c, n)| c.map(|c| (UnitId(c), n)))
            .collect())
    }

    /// Open cases on `as_of` that the cell voted to admit (and perhaps were decided), with
    /// the ceremony expected by the statutory deadlines on or before `until`, per cell.
    async fn pipeline_by_cell(
        &self,
        root: UnitId,
        as_of: NaiveDate,
        until: NaiveDate,
    ) -> StoreResult<HashMap<UnitId, i64>> {
        if as_of > until {
            return Ok(HashMap::new());
        }
        let since = as_of.checked_sub_months(Months::new(12)).unwrap_or(as_of);
        let rows: Vec<(i64, Option<i64>, String, Option<String>)> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT e.case_id, COALESCE(d.cell_id, e.cell_id), e.occurred_on, d.occurred_on
             FROM case_events e
             JOIN cases c ON c.id = e.case_id
             LEFT JOIN case_events d ON d.case_id = e.case_id AND d.action = 'decide_admission'
                AND d.stage_after = 'decided' AND d.occurred_on <= $3
             WHERE e.action = 'cell_vote' AND e.stage_after = 'cell_resolved'
             AND e.occurred_on >= $2 AND e.occurred_on <= $3
             AND e.cell_id IN (SELECT id FROM subtree)
             AND (c.ceremony_on IS NULL OR c.ceremony_on > $3)
             AND (c.closed_on IS NULL OR c.closed_on > $3)"
        ))
        .bind(root.0)
        .bind(iso_date(since))
        .bind(iso_date(as_of))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let rules = self.rule_book().await?;
        let calendar = self.calendar().await?;
        let mut counts: HashMap<UnitId, i64> = HashMap::new();
        for (_, cell, voted, decided) in rows {
            let Some(cell) = cell else { continue };
            let voted = parse_date(&voted)?;
            let decided = decided.as_deref().map(parse_date).transpose()?;
            let expected = expected_ceremony(Some(voted), decided, &rules, &calendar);
            if expected.is_some_and(|day| day.max(as_of) <= until) {
                *counts.entry(UnitId(cell)).or_default() += 1;
            }
        }
        Ok(counts)
    }

    /// Progress of `unit` and its direct sub-units against the year's targets, counted as
    /// of `as_of` (admissions from 1 January to `as_of`; pace and pipeline on `as_of`).
    pub async fn progress_report(
        &self,
        scope: &Scope,
        unit: UnitId,
        year: i32,
        as_of: NaiveDate,
    ) -> StoreResult<ProgressReport> {
        let (start, end) = year_bounds(year)?;
        let tree = self.report_tree(scope, unit).await?;
        let counted_to = as_of.min(end);
        let admitted_by_cell = if as_of < start {
            HashMap::new()
        } else {
            self.admissions_by_cell(unit, start, counted_to).await?
        };
        let pipeline_by_cell = self.pipeline_by_cell(unit, as_of, end).await?;
        let (_, members_at_start) = self.members_of_tree(&tree, unit, start).await?;
        let set_targets = self.set_targets(unit, year).await?;
        let sector_rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT sector, subgroup, target FROM targets WHERE unit_id = $1 AND year = $2 AND sector <> ''",
        )
        .bind(unit.0)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let mut sector_targets = Vec::with_capacity(sector_rows.len());
        for (sector, subgroup, target) in sector_rows {
            let subgroup = Subgroup::from_code(&subgroup)
                .ok_or_else(|| StoreError::Backend(format!("nhóm chỉ tiêu lạ: {subgroup}")))?;
            sector_targets.push((SectorCode(sector), subgroup, target));
        }
        let rules = self.rule_book().await?;
        let set = rules.in_force_on(start)?;
        let inputs = ProgressInputs {
            admitted_by_cell,
            pipeline_by_cell,
            set_targets,
            sector_targets,
            members_at_start,
        };
        progress(&tree, unit, year, as_of, set, &inputs).ok_or(StoreError::NotFound("tổ chức đảng"))
    }

    /// Ceremonies of `unit`'s subtree per month of `year` up to `as_of` (index 0 = January).
    pub async fn monthly_admissions(
        &self,
        scope: &Scope,
        unit: UnitId,
        year: i32,
        as_of: NaiveDate,
    ) -> StoreResult<[i64; 12]> {
        let (start, end) = year_bounds(year)?;
        self.unit_for_read(scope, unit).await?;
        let mut months = [0i64; 12];
        if as_of < start {
            return Ok(months);
        }
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT occurred_on, COUNT(*) FROM case_events
             WHERE action = 'hold_ceremony' AND occurred_on >= $2 AND occurred_on <= $3
             AND cell_id IN (SELECT id FROM subtree) GROUP BY occurred_on"
        ))
        .bind(unit.0)
        .bind(iso_date(start))
        .bind(iso_date(as_of.min(end)))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        for (day, n) in rows {
            let day = parse_date(&day)?;
            if let Some(slot) = months.get_mut(day.month0() as usize) {
                *slot += n;
            }
        }
        Ok(months)
    }

    /// The funnel of `unit` over `period`: cases reaching each step (by the date of the step
    /// and the cell it happened in), conversions and median days from the step before.
    pub async fn funnel_report(
        &self,
        scope: &Scope,
        unit: UnitId,
        period: Period,
    ) -> StoreResult<FunnelReport> {
        let period = Period::new(period.from, period.to)?;
        let tree = self.report_tree(scope, unit).await?;
        let from = iso_date(period.from);
        let to = iso_date(period.to);
        let mut counts: HashMap<UnitId, StepCounts> = HashMap::new();
        let rows: Vec<(Option<i64>, String, i64)> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT cell_id, action, COUNT(*) FROM case_events
             WHERE action IN ({FUNNEL_ACTIONS}) AND occurred_on >= $2 AND occurred_on <= $3
             AND stage_after <> 'not_admitted' AND cell_id IN (SELECT id FROM subtree)
             GROUP BY cell_id, action"
        ))
        .bind(unit.0)
        .bind(&from)
        .bind(&to)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        for (cell, action, n) in rows {
            if let (Some(cell), Some(step)) = (cell, FunnelStep::from_action(&action)) {
                counts.entry(UnitId(cell)).or_default().0[step.index()] += n;
            }
        }
        // Sources: cases identified in the period, in the cell of their first event (the
        // case's cell when it has none yet).
        let sources: Vec<(Option<i64>, i64)> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT s.cell, COUNT(*) FROM (
                SELECT COALESCE((SELECT e.cell_id FROM case_events e WHERE e.case_id = c.id ORDER BY e.id LIMIT 1), c.cell_id) AS cell
                FROM cases c WHERE c.identified_on >= $2 AND c.identified_on <= $3) s
             WHERE s.cell IN (SELECT id FROM subtree) GROUP BY s.cell"
        ))
        .bind(unit.0)
        .bind(&from)
        .bind(&to)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        for (cell, n) in sources {
            if let Some(cell) = cell {
                counts.entry(UnitId(cell)).or_default().0[FunnelStep::Source.index()] += n;
            }
        }
        // Days from the step before, as histograms over the whole subtree.
        let mut days: HashMap<FunnelStep, DaysHistogram> = HashMap::new();
        let between = self.days_between("e.occurred_on", "p.occurred_on");
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT e.action, {between} AS days, COUNT(*) FROM case_events e
             JOIN case_events p ON p.case_id = e.case_id AND p.action = {PREVIOUS_ACTION}
             WHERE e.action IN ({FUNNEL_ACTIONS}) AND e.action <> 'add_to_sympathisers'
             AND e.occurred_on >= $2 AND e.occurred_on <= $3 AND e.stage_after <> 'not_admitted'
             AND e.cell_id IN (SELECT id FROM subtree)
             GROUP BY e.action, {between}"
        ))
        .bind(unit.0)
        .bind(&from)
        .bind(&to)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let between = self.days_between("e.occurred_on", "c.identified_on");
        let first: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT e.action, {between} AS days, COUNT(*) FROM case_events e
             JOIN cases c ON c.id = e.case_id
             WHERE e.action = 'add_to_sympathisers' AND e.occurred_on >= $2 AND e.occurred_on <= $3
             AND e.cell_id IN (SELECT id FROM subtree)
             GROUP BY e.action, {between}"
        ))
        .bind(unit.0)
        .bind(&from)
        .bind(&to)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        for (action, d, n) in rows.into_iter().chain(first) {
            if let Some(step) = FunnelStep::from_action(&action) {
                days.entry(step).or_default().0.push((d, n));
            }
        }
        funnel(&tree, unit, period, &counts, &days).ok_or(StoreError::NotFound("tổ chức đảng"))
    }

    /// Open cases of `root`'s subtree at the given stages, with their person's name.
    async fn open_cases(&self, root: UnitId, stages: &str) -> StoreResult<Vec<OpenCase>> {
        let rows: Vec<OpenCaseRow> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT c.body, p.family_name, p.middle_name, p.given_name
             FROM cases c JOIN people p ON p.id = c.person_id
             WHERE c.cell_id IN (SELECT id FROM subtree) AND c.stage IN ({stages})"
        ))
        .bind(root.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|row| {
                Ok(OpenCase {
                    case: from_json::<Case>(&row.body)?,
                    name: PersonName {
                        family: row.family_name,
                        middle: row.middle_name,
                        given: row.given_name,
                    }
                    .full(),
                })
            })
            .collect()
    }

    /// Open cases of `unit`'s subtree past their statutory deadline on `as_of`, by stage, by
    /// sub-unit and one by one. (The cases as they are now, judged on `as_of`.)
    pub async fn bottleneck_report(
        &self,
        scope: &Scope,
        unit: UnitId,
        as_of: NaiveDate,
    ) -> StoreResult<BottleneckReport> {
        check_year(as_of.year(), "as_of")?;
        let tree = self.report_tree(scope, unit).await?;
        let cases = self.open_cases(unit, CLOCK_STAGES).await?;
        let rules = self.rule_book().await?;
        let calendar = self.calendar().await?;
        bottlenecks(&tree, unit, as_of, &cases, &rules, &calendar)
            .ok_or(StoreError::NotFound("tổ chức đảng"))
    }

    /// Probationary members whose probation ends within `within_days` days of `as_of`, and
    /// recognitions past their deadline.
    pub async fn recognition_report(
        &self,
        scope: &Scope,
        unit: UnitId,
        as_of: NaiveDate,
        within_days: i64,
    ) -> StoreResult<RecognitionReport> {
        check_year(as_of.year(), "as_of")?;
        if within_days < 0 {
            return Err(ketnap_domain::Violation::new(
                "input.negative",
                "within_days",
                format!("Số ngày không được là số âm ({within_days})."),
            )
            .into());
        }
        let tree = self.report_tree(scope, unit).await?;
        let cases = self.open_cases(unit, PROBATION_STAGES).await?;
        let rules = self.rule_book().await?;
        let calendar = self.calendar().await?;
        recognitions(&tree, unit, as_of, within_days, &cases, &rules, &calendar)
            .ok_or(StoreError::NotFound("tổ chức đảng"))
    }

    /// Units of `unit`'s subtree with few members for their workforce, schools and
    /// enterprises with no members, and units with no admission in the last years.
    pub async fn coverage_report(
        &self,
        scope: &Scope,
        unit: UnitId,
        as_of: NaiveDate,
        params: CoverageParams,
    ) -> StoreResult<CoverageReport> {
        check_year(as_of.year(), "as_of")?;
        if !(params.min_ratio >= 0.0 && params.min_ratio.is_finite()) {
            return Err(ketnap_domain::Violation::new(
                "input.negative",
                "min_ratio",
                "Tỉ lệ tối thiểu phải là số không âm.",
            )
            .into());
        }
        let tree = self.report_tree(scope, unit).await?;
        let (headcounts, members) = self.members_of_tree(&tree, unit, as_of).await?;
        let rows: Vec<(Option<i64>, String)> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT cell_id, MAX(occurred_on) FROM case_events
             WHERE action = 'hold_ceremony' AND occurred_on <= $2
             AND cell_id IN (SELECT id FROM subtree) GROUP BY cell_id"
        ))
        .bind(unit.0)
        .bind(iso_date(as_of))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let mut last = HashMap::new();
        for (cell, day) in rows {
            if let Some(cell) = cell {
                last.insert(UnitId(cell), parse_date(&day)?);
            }
        }
        coverage(&tree, unit, as_of, params, &headcounts, &members, &last)
            .ok_or(StoreError::NotFound("tổ chức đảng"))
    }

    /// Admissions (ceremonies) of `unit`'s subtree in `period` by sex, age band, ethnicity,
    /// religion, education, political theory, occupation, sector and Youth Union membership.
    pub async fn breakdown_report(
        &self,
        scope: &Scope,
        unit: UnitId,
        period: Period,
    ) -> StoreResult<BreakdownReport> {
        let period = Period::new(period.from, period.to)?;
        let tree = self.report_tree(scope, unit).await?;
        let rows: Vec<(i64, Option<i64>, String, String)> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT e.case_id, e.cell_id, e.occurred_on, p.details FROM case_events e
             JOIN cases c ON c.id = e.case_id JOIN people p ON p.id = c.person_id
             WHERE e.action = 'hold_ceremony' AND e.occurred_on >= $2 AND e.occurred_on <= $3
             AND e.cell_id IN (SELECT id FROM subtree)"
        ))
        .bind(unit.0)
        .bind(iso_date(period.from))
        .bind(iso_date(period.to))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let mut admissions = Vec::with_capacity(rows.len());
        for (case, cell, on, details) in rows {
            let Some(cell) = cell else { continue };
            admissions.push(Admission {
                case: CaseId(case),
                cell: UnitId(cell),
                ceremony_on: parse_date(&on)?,
                person: from_json::<PersonDetails>(&details)?,
            });
        }
        let sector_names: HashMap<String, String> = self.sectors().await?.into_iter().collect();
        breakdown(&tree, unit, period, &admissions, &sector_names)
            .ok_or(StoreError::NotFound("tổ chức đảng"))
    }
}
