//! Reports for any unit of a scope and any period, computed live from the report model
//! (`model.rs`: every case's facts, kept up to date from the audit log) by the pure
//! functions of `ketnap_domain::report`, which roll them up the unit tree.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use chrono::{Datelike, NaiveDate, TimeDelta};
use ketnap_domain::case::Stage;
use ketnap_domain::deadline::{Deadline, Urgency, status_on};
use ketnap_domain::ids::{CaseId, UnitId};
use ketnap_domain::ports::{StoreError, StoreResult};
use ketnap_domain::report::facts::Facts;
use ketnap_domain::report::tally::StageCounts;
use ketnap_domain::report::{
    BottleneckReport, BreakdownReport, CoverageParams, CoverageReport, FastMap, FunnelReport,
    HeadcountInput, Members, MembersSource, Period, ProgressInputs, ProgressReport, QuotaCheck,
    RecognitionReport, UnitTree, YearTarget, bottlenecks, breakdown, check_year, coverage, funnel,
    members_on, progress, recognitions, year_target,
};
use ketnap_domain::scope::Scope;
use ketnap_domain::unit::Unit;
use tokio::sync::RwLockReadGuard;

use crate::Store;
use crate::model::ReportModel;

fn year_bounds(year: i32) -> StoreResult<(NaiveDate, NaiveDate)> {
    let period = Period::year(year)?;
    Ok((period.from, period.to))
}

fn not_found() -> StoreError {
    StoreError::NotFound("tổ chức đảng")
}

/// Stages of open cases with a running statutory clock.
fn has_clock(stage: Stage) -> bool {
    matches!(
        stage,
        Stage::FileOpened
            | Stage::Introduced
            | Stage::OpinionsCollected
            | Stage::Verified
            | Stage::CellResolved
            | Stage::BaseResolved
            | Stage::Decided
    ) || stage.is_probation()
}

/// The report model, with `unit` checked to exist and to be within the scope.
struct Place<'a> {
    model: RwLockReadGuard<'a, ReportModel>,
    unit: UnitId,
    /// The cases that have been in `unit`'s subtree (`ReportModel::chosen`), found when
    /// first asked for: the home page of a large scope does without them.
    chosen: OnceLock<Arc<[usize]>>,
}

impl Place<'_> {
    fn tree(&self) -> &UnitTree {
        &self.model.tree
    }

    fn chosen(&self) -> &[usize] {
        self.chosen.get_or_init(|| self.model.chosen(self.unit))
    }

    fn facts(&self) -> Facts<'_> {
        Facts::new(&self.model.tree, self.unit, &self.model.book, self.chosen())
    }

    /// Headcounts on `day` of the subtree and the members of every unit of it (see
    /// `report::members_on`).
    fn members(
        &self,
        day: NaiveDate,
    ) -> (FastMap<UnitId, HeadcountInput>, FastMap<UnitId, Members>) {
        let subtree = self.tree().subtree(self.unit);
        let headcounts = self.model.latest_headcounts(day, |u| subtree.contains(u));
        let from_cases = self.facts().members_by_cell(day);
        let members = members_on(self.tree(), self.unit, day, &headcounts, &from_cases);
        (headcounts, members)
    }
}

/// What the home page shows of a scope, from the report model.
#[derive(Debug)]
pub struct Overview {
    /// Cases whose cell is in the scope now, per stage.
    pub stages: Vec<(Stage, i64)>,
    /// Open cases whose next deadline is past or within the warning days: per list of the
    /// home page (`Urgency::ALL`'s order), how many, and the soonest of them.
    pub pressing: Vec<PressingList>,
    /// Ceremonies held in the scope's cells this year, to the day.
    pub admissions: i64,
}

/// Cases at a stage, from the tally (`Store::tallied_cases`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tallied {
    pub in_scope: usize,
    pub everywhere: usize,
}

/// One list of pressing cases.
#[derive(Debug)]
pub struct PressingList {
    pub urgency: Urgency,
    pub total: usize,
    /// The soonest due first, at most as many as asked for.
    pub soonest: Vec<Pressing>,
}

/// An open case with a deadline past or close.
#[derive(Debug)]
pub struct Pressing {
    pub case: CaseId,
    pub name: String,
    pub cell: String,
    pub stage: Stage,
    pub deadline: Deadline,
}

impl Store {
    /// The same store finding the home page's pressing cases and admissions, and the case
    /// list's counts and stage-first pages, in the tally for scopes of more than `units`
    /// units: tests take both ways on small data with it.
    pub fn with_tally_from_units(mut self, units: usize) -> Store {
        self.tally_from_units = units;
        self
    }

    /// The home page of `scope` on `today`: stage counts, the cases whose deadline is past or
    /// within `warn_days` (the soonest `rows` of each list named), and this year's
    /// admissions, read from the report model, so a leader of the country waits no longer
    /// than a ward's officer.
    pub async fn overview(
        &self,
        scope: &Scope,
        today: NaiveDate,
        warn_days: i64,
        rows: usize,
    ) -> StoreResult<Overview> {
        let place = self.place(scope, scope.root()).await?;
        let tree = place.tree();
        let book = &place.model.book;
        let tally = &place.model.tally;
        let subtree = tree.subtree(place.unit);
        // A large scope takes its candidates from the tally's cases ordered by due date, up
        // to the last day that is pressing; a small one from its own cases.
        let tallied = subtree.positions().len() > self.tally_from_units;
        // Overdue cases are pressing whatever the warning days.
        let last_pressing = TimeDelta::try_days(warn_days.max(0))
            .and_then(|days| today.checked_add_signed(days))
            .unwrap_or(NaiveDate::MAX);
        let candidates: Box<dyn Iterator<Item = usize>> = if tallied {
            Box::new(tally.due_by(last_pressing))
        } else {
            Box::new(place.chosen().iter().copied())
        };
        // Per list: (due, case, index in the book); only the soonest are named below, as a
        // country has a hundred thousand pressing cases and its page shows three hundred.
        let mut pressing: [Vec<(NaiveDate, CaseId, usize)>; Urgency::ALL.len()] =
            Default::default();
        for (i, case) in candidates.filter_map(|i| Some((i, book.get(i)?))) {
            let Some(due) = book.due_on(case).filter(|_| subtree.contains(case.cell())) else {
                continue;
            };
            let status = status_on(due, today, warn_days);
            if let Some(list) = Urgency::of(case.stage(), due, status, today)
                .and_then(|u| Urgency::ALL.iter().position(|x| *x == u))
                .and_then(|at| pressing.get_mut(at))
            {
                list.push((due, case.case(), i));
            }
        }
        let pressing = Urgency::ALL
            .into_iter()
            .zip(pressing)
            .map(|(urgency, mut list)| {
                let total = list.len();
                list.sort_unstable();
                let soonest = list
                    .into_iter()
                    .take(rows)
                    .filter_map(|(_, _, i)| {
                        let case = book.get(i)?;
                        let due = book.due(case)?;
                        Some(Pressing {
                            case: case.case(),
                            name: book.name(case).to_string(),
                            cell: tree
                                .get(case.cell())
                                .map(|u| u.name.clone())
                                .unwrap_or_default(),
                            stage: case.stage(),
                            deadline: due.on(today, warn_days),
                        })
                    })
                    .collect();
                PressingList {
                    urgency,
                    total,
                    soonest,
                }
            })
            .collect();
        let stages: Vec<(Stage, i64)> = Stage::ALL
            .into_iter()
            .zip(tally.stages(&subtree))
            .filter(|&(_, n)| n > 0)
            .collect();
        let (from, _) = year_bounds(today.year())?;
        let admissions = if tallied {
            tally.ceremonies(&subtree, from, today)
        } else {
            place.facts().admissions_by_cell(from, today).values().sum()
        };
        Ok(Overview {
            stages,
            pressing,
            admissions,
        })
    }

    /// How many cases whose cell is in a large scope are at `stage` (any stage without
    /// one), and how many in the whole tree, summed from the tally: counting them in the
    /// database reads an index entry for each (a city's probationary members: 12 ms).
    /// `None` for a small scope, and while the model loads or is due to be built again
    /// (the database counts then).
    pub(crate) async fn tallied_cases(
        &self,
        scope: &Scope,
        stage: Option<Stage>,
    ) -> StoreResult<Option<Tallied>> {
        let large = |model: &ReportModel| {
            model.tree.subtree(scope.root()).positions().len() > self.tally_from_units
        };
        let Some(model) = self.report_model_without_load(large).await? else {
            return Ok(None);
        };
        let subtree = model.tree.subtree(scope.root());
        let at_stage = |counts: StageCounts| -> usize {
            let total: i64 = Stage::ALL
                .into_iter()
                .zip(counts)
                .filter(|(at, _)| stage.is_none_or(|s| s == *at))
                .map(|(_, n)| n)
                .sum();
            usize::try_from(total).unwrap_or_default()
        };
        Ok(Some(Tallied {
            in_scope: at_stage(model.tally.stages(&subtree)),
            everywhere: at_stage(model.tally.everywhere()),
        }))
    }

    /// The model, with `unit` checked against the scope (a unit outside it is "not found").
    async fn place(&self, scope: &Scope, unit: UnitId) -> StoreResult<Place<'_>> {
        let model = self.report_model().await?;
        let known = model.tree.get(unit).is_some();
        if !known || !model.tree.subtree(scope.root()).contains(unit) {
            return Err(not_found());
        }
        Ok(Place {
            model,
            unit,
            chosen: OnceLock::new(),
        })
    }

    /// `unit` (checked against the scope) with the units from the scope's root down to it,
    /// and its direct sub-units, past ones included.
    pub async fn report_place(
        &self,
        scope: &Scope,
        unit: UnitId,
    ) -> StoreResult<(Vec<Unit>, Vec<Unit>)> {
        let place = self.place(scope, unit).await?;
        let tree = place.tree();
        let mut chain = Vec::new();
        let mut at = tree.get(unit);
        while let Some(u) = at {
            chain.push(u.clone());
            if u.id == scope.root() {
                break;
            }
            at = u.parent.and_then(|p| tree.get(p));
        }
        chain.reverse();
        let children = tree
            .children(unit)
            .iter()
            .filter_map(|c| tree.get(*c).cloned())
            .collect();
        Ok((chain, children))
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
        let place = self.place(scope, unit).await?;
        let facts = place.facts();
        let model = &place.model;
        let counted_to = as_of.min(end);
        let (admitted_by_cell, education_admitted) = if as_of < start {
            Default::default()
        } else {
            (
                facts.admissions_by_cell(start, counted_to),
                facts.education_admissions(start, counted_to),
            )
        };
        let (set_targets, sector_targets) = model.targets_of(unit, year);
        let inputs = ProgressInputs {
            admitted_by_cell,
            pipeline_by_cell: facts.pipeline_by_cell(as_of, end, &model.rules, &model.calendar),
            set_targets,
            sector_targets,
            education_admitted,
            members_at_start: place.members(start).1,
        };
        let set = model.rules.in_force_on(start)?;
        progress(place.tree(), unit, year, as_of, set, &inputs).ok_or_else(not_found)
    }

    /// Ceremonies of `unit`'s subtree per calendar month (`(year, month)`) of `period`, the
    /// first month whole, the last counted to the period's end.
    pub async fn monthly_admissions(
        &self,
        scope: &Scope,
        unit: UnitId,
        period: Period,
    ) -> StoreResult<Vec<((i32, u32), i64)>> {
        let period = Period::new(period.from, period.to)?;
        let place = self.place(scope, unit).await?;
        Ok(place.facts().monthly_admissions(period))
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
        let place = self.place(scope, unit).await?;
        let (counts, days) = place.facts().funnel_inputs(period);
        funnel(place.tree(), unit, period, &counts, &days).ok_or_else(not_found)
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
        let place = self.place(scope, unit).await?;
        let cases = place.facts().open_cases(has_clock);
        bottlenecks(place.tree(), unit, as_of, &cases).ok_or_else(not_found)
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
        let place = self.place(scope, unit).await?;
        let cases = place.facts().open_cases(Stage::is_probation);
        recognitions(
            place.tree(),
            unit,
            as_of,
            within_days,
            &cases,
            &place.model.rules,
        )
        .ok_or_else(not_found)
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
        if !(1..=100).contains(&params.years_without_admission) {
            return Err(ketnap_domain::Violation::new(
                "input.range",
                "years_without",
                "Số năm chưa kết nạp phải từ 1 đến 100.",
            )
            .into());
        }
        let place = self.place(scope, unit).await?;
        let (headcounts, members) = place.members(as_of);
        let last = place.facts().last_ceremony_by_cell(as_of);
        coverage(
            place.tree(),
            unit,
            as_of,
            params,
            &headcounts,
            &members,
            &last,
        )
        .ok_or_else(not_found)
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
        let sector_names: HashMap<String, String> = self.sectors().await?.into_iter().collect();
        let place = self.place(scope, unit).await?;
        let admissions = place.facts().admissions(period);
        breakdown(place.tree(), unit, period, &admissions, &sector_names).ok_or_else(not_found)
    }

    /// Members of `unit` on `day`: its headcount, or its sub-units', or its cases.
    pub async fn members_on(
        &self,
        scope: &Scope,
        unit: UnitId,
        day: NaiveDate,
    ) -> StoreResult<Members> {
        let place = self.place(scope, unit).await?;
        place
            .members(day)
            .1
            .get(&unit)
            .copied()
            .ok_or_else(not_found)
    }

    /// The overall target of `unit` for `year`: the set one, else ceil(rule-set percentage ×
    /// members on 1 January).
    pub async fn year_target(
        &self,
        scope: &Scope,
        unit: UnitId,
        year: i32,
    ) -> StoreResult<YearTarget> {
        let (start, _) = year_bounds(year)?;
        let place = self.place(scope, unit).await?;
        let members = place.members(start).1;
        let own = members.get(&unit).copied().ok_or_else(not_found)?;
        let (set, _) = place.model.targets_of(unit, year);
        let rules = place.model.rules.in_force_on(start)?;
        Ok(year_target(unit, year, own, rules, set.get(&unit).copied()))
    }

    /// A unit's target for `year` against the sum of its active sub-units' targets.
    pub async fn quota_check(
        &self,
        scope: &Scope,
        unit: UnitId,
        year: i32,
    ) -> StoreResult<QuotaCheck> {
        let (start, end) = year_bounds(year)?;
        let place = self.place(scope, unit).await?;
        let tree = place.tree();
        let members = place.members(start).1;
        let (set, _) = place.model.targets_of(unit, year);
        let rules = place.model.rules.in_force_on(start)?;
        let target_of = |id: UnitId| {
            let m = members.get(&id).copied().unwrap_or(Members {
                count: 0,
                source: MembersSource::SubUnits,
                as_of: None,
            });
            year_target(id, year, m, rules, set.get(&id).copied())
        };
        let children = tree
            .children(unit)
            .iter()
            .filter(|c| {
                tree.get(**c).is_some_and(|u| {
                    u.valid_from <= end && u.valid_until.is_none_or(|until| until >= start)
                })
            })
            .map(|c| target_of(*c))
            .collect();
        QuotaCheck::build(tree, target_of(unit), children, start).ok_or_else(not_found)
    }
}
