//! What reports need to know about each case (dữ kiện hồ sơ), drawn once from the case, its
//! event history and its person, so that a report is a pass over memory rather than a
//! query over the whole event history.
//!
//! Nothing here depends on the day a report is looked at: the due date of an open case is
//! kept without its status, and each function takes the day (or period) it counts for.
//! Attribution is the report module's: an event counts for the cell it happened in.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};

use super::{
    Admission, DaysHistogram, FunnelStep, OpenCase, Period, StepCounts, Subgroup, Subtree,
    UnitTree, expected_ceremony,
};
use crate::calendar::Calendar;
use crate::case::{Case, Stage};
use crate::deadline::{Due, next_due};
use crate::ids::{CaseId, PersonId, UnitId};
use crate::person::PersonDetails;
use crate::rules::RuleBook;

/// One event of a case as reports see it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFact {
    pub on: NaiveDate,
    /// The funnel step the event marks, if any (`FunnelStep::from_action`).
    pub step: Option<FunnelStep>,
    pub stage_after: Stage,
    /// The cell the case was in when the event happened.
    pub cell: Option<UnitId>,
}

/// A case with its events (in the order they were recorded) and its person.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    pub case: CaseId,
    pub person: PersonId,
    /// Full name (họ tên) of the person.
    pub name: String,
    pub cell: UnitId,
    pub stage: Stage,
    pub identified_on: NaiveDate,
    pub ceremony_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    /// The next statutory due date of an open case with a running clock.
    pub due: Option<Due>,
    pub events: Vec<EventFact>,
    pub details: PersonDetails,
    /// The ceremonies among `events` (day, cell), which most reports count.
    ceremonies: Vec<(NaiveDate, UnitId)>,
}

impl CaseFacts {
    /// Facts of `case`; the due date is judged by `rules` and `calendar` (a case whose
    /// rule set cannot be found keeps no due date, as the deadline lists skip it).
    pub fn new(
        case: &Case,
        details: PersonDetails,
        events: Vec<EventFact>,
        rules: &RuleBook,
        calendar: &Calendar,
    ) -> CaseFacts {
        CaseFacts {
            case: case.id,
            person: case.person,
            name: details.name.full(),
            cell: case.cell,
            stage: case.stage,
            identified_on: case.identified_on,
            ceremony_on: case.ceremony_on,
            closed_on: case.exit.as_ref().map(|e| e.on),
            due: next_due(case, rules, calendar).ok().flatten(),
            ceremonies: events
                .iter()
                .filter(|e| e.step == Some(FunnelStep::Ceremony))
                .filter_map(|e| Some((e.on, e.cell?)))
                .collect(),
            events,
            details,
        }
    }

    /// The units the case has been in: its cell now and the cells of its events.
    pub fn units(&self) -> Vec<UnitId> {
        let mut units: Vec<UnitId> = self.events.iter().filter_map(|e| e.cell).collect();
        units.push(self.cell);
        units.sort_unstable();
        units.dedup();
        units
    }

    /// The case as a line of an open-case list.
    pub fn open_case(&self) -> OpenCase<'_> {
        OpenCase {
            case: self.case,
            person: self.person,
            name: &self.name,
            cell: self.cell,
            stage: self.stage,
            ceremony_on: self.ceremony_on,
            due: self.due.as_ref(),
        }
    }

    /// Ceremonies held in `[from, to]`, with the cell they were held in.
    fn ceremonies(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = (NaiveDate, UnitId)> {
        self.ceremonies
            .iter()
            .copied()
            .filter(move |(on, _)| *on >= from && *on <= to)
    }
}

/// The cases of one subtree of a tree, for one report.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    tree: &'a UnitTree,
    subtree: Subtree<'a>,
    cases: &'a [CaseFacts],
    /// Indexes of `cases` that were ever in a unit of the subtree, ascending: the others
    /// cannot count in it.
    chosen: &'a [usize],
}

impl<'a> Facts<'a> {
    pub fn new(
        tree: &'a UnitTree,
        root: UnitId,
        cases: &'a [CaseFacts],
        chosen: &'a [usize],
    ) -> Facts<'a> {
        Facts {
            tree,
            subtree: tree.subtree(root),
            cases,
            chosen,
        }
    }

    fn cases(&self) -> impl Iterator<Item = &'a CaseFacts> + use<'a> {
        let cases = self.cases;
        self.chosen.iter().filter_map(move |&i| cases.get(i))
    }

    fn within(&self, cell: UnitId) -> bool {
        self.subtree.contains(cell)
    }

    /// Ceremonies held in `[from, to]` per cell.
    pub fn admissions_by_cell(&self, from: NaiveDate, to: NaiveDate) -> HashMap<UnitId, i64> {
        let mut counts = HashMap::new();
        for case in self.cases() {
            for (_, cell) in case.ceremonies(from, to) {
                if self.within(cell) {
                    *counts.entry(cell).or_default() += 1;
                }
            }
        }
        counts
    }

    /// Ceremonies held in `[from, to]` in cells of the education sector, per subgroup the
    /// person's occupation falls in (teachers, students; others are not counted).
    pub fn education_admissions(&self, from: NaiveDate, to: NaiveDate) -> HashMap<Subgroup, i64> {
        let mut counts = HashMap::new();
        // Few distinct occupations: classify each once.
        let mut subgroups: HashMap<&str, Subgroup> = HashMap::new();
        for case in self.cases() {
            for (_, cell) in case.ceremonies(from, to) {
                let education = self
                    .tree
                    .get(cell)
                    .is_some_and(|u| u.sector.0 == "education");
                if !education || !self.within(cell) {
                    continue;
                }
                let occupation = case.details.occupation.as_str();
                let subgroup = *subgroups
                    .entry(occupation)
                    .or_insert_with(|| Subgroup::of_occupation(occupation));
                if subgroup != Subgroup::All {
                    *counts.entry(subgroup).or_default() += 1;
                }
            }
        }
        counts
    }

    /// Ceremonies of `year` up to `to`, per month (index 0 = January).
    pub fn monthly_admissions(&self, year: i32, to: NaiveDate) -> [i64; 12] {
        let mut months = [0i64; 12];
        let Some(from) = NaiveDate::from_ymd_opt(year, 1, 1) else {
            return months;
        };
        for case in self.cases() {
            for (on, cell) in case.ceremonies(from, to) {
                if self.within(cell)
                    && let Some(slot) = months.get_mut(on.month0() as usize)
                {
                    *slot += 1;
                }
            }
        }
        months
    }

    /// Cases the cell voted to admit within the 12 months up to `as_of`, still open on
    /// `as_of` (no ceremony, not closed), whose ceremony the statutory deadlines bring on
    /// or before `until`; per cell of the decision (of the vote when not yet decided).
    pub fn pipeline_by_cell(
        &self,
        as_of: NaiveDate,
        until: NaiveDate,
        rules: &RuleBook,
        calendar: &Calendar,
    ) -> HashMap<UnitId, i64> {
        let mut counts = HashMap::new();
        if as_of > until {
            return counts;
        }
        let since = as_of.checked_sub_months(Months::new(12)).unwrap_or(as_of);
        for case in self.cases() {
            if case.ceremony_on.is_some_and(|d| d <= as_of)
                || case.closed_on.is_some_and(|d| d <= as_of)
            {
                continue;
            }
            let decision = case.events.iter().find(|e| {
                e.step == Some(FunnelStep::Decision)
                    && e.stage_after == Stage::Decided
                    && e.on <= as_of
            });
            for vote in case.events.iter().filter(|e| {
                e.step == Some(FunnelStep::CellVote)
                    && e.stage_after == Stage::CellResolved
                    && e.on >= since
                    && e.on <= as_of
            }) {
                if !vote.cell.is_some_and(|c| self.within(c)) {
                    continue;
                }
                let Some(cell) = decision.and_then(|d| d.cell).or(vote.cell) else {
                    continue;
                };
                let expected =
                    expected_ceremony(Some(vote.on), decision.map(|d| d.on), rules, calendar);
                if expected.is_some_and(|day| day.max(as_of) <= until) {
                    *counts.entry(cell).or_default() += 1;
                }
            }
        }
        counts
    }

    /// Members per cell on `day` as the cases show them: ceremony held on or before `day`,
    /// not gone (transferred, struck off, deceased) by then, counted in the cell of the
    /// case's latest event on or before `day` (so a later merge changes nothing).
    pub fn members_by_cell(&self, day: NaiveDate) -> HashMap<UnitId, i64> {
        let mut counts = HashMap::new();
        for case in self.cases() {
            if case.ceremony_on.is_none_or(|d| d > day) || case.closed_on.is_some_and(|d| d <= day)
            {
                continue;
            }
            // The latest event on or before `day`: by date, then by recording order.
            let latest = case
                .events
                .iter()
                .enumerate()
                .filter(|(_, e)| e.on <= day)
                .max_by_key(|(i, e)| (e.on, *i));
            if let Some(cell) = latest.and_then(|(_, e)| e.cell).filter(|c| self.within(*c)) {
                *counts.entry(cell).or_default() += 1;
            }
        }
        counts
    }

    /// Cases reaching each funnel step in `period` per cell of the step (sources: the cell
    /// of the case's first event, its current cell when it has none), and the days from
    /// the step before over the whole subtree. A refused vote or decision is no step.
    pub fn funnel_inputs(
        &self,
        period: Period,
    ) -> (
        HashMap<UnitId, StepCounts>,
        HashMap<FunnelStep, DaysHistogram>,
    ) {
        let mut counts: HashMap<UnitId, StepCounts> = HashMap::new();
        let mut days: HashMap<FunnelStep, HashMap<i64, i64>> = HashMap::new();
        let in_period = |day: NaiveDate| day >= period.from && day <= period.to;
        for case in self.cases() {
            if in_period(case.identified_on) {
                let cell = case
                    .events
                    .first()
                    .and_then(|e| e.cell)
                    .unwrap_or(case.cell);
                if self.within(cell) {
                    counts.entry(cell).or_default().0[FunnelStep::Source.index()] += 1;
                }
            }
            for event in &case.events {
                let (Some(step), Some(cell)) = (event.step, event.cell) else {
                    continue;
                };
                if step == FunnelStep::Source
                    || !in_period(event.on)
                    || event.stage_after == Stage::NotAdmitted
                    || !self.within(cell)
                {
                    continue;
                }
                counts.entry(cell).or_default().0[step.index()] += 1;
                let mut add = |d: i64| *days.entry(step).or_default().entry(d).or_default() += 1;
                if step == FunnelStep::Sympathiser {
                    add((event.on - case.identified_on).num_days());
                } else if let Some(before) = step.previous() {
                    for earlier in case.events.iter().filter(|e| e.step == Some(before)) {
                        add((event.on - earlier.on).num_days());
                    }
                }
            }
        }
        let days = days
            .into_iter()
            .map(|(step, by_days)| {
                let mut pairs: Vec<(i64, i64)> = by_days.into_iter().collect();
                pairs.sort_unstable();
                (step, DaysHistogram(pairs))
            })
            .collect();
        (counts, days)
    }

    /// The last ceremony on or before `as_of`, per cell.
    pub fn last_ceremony_by_cell(&self, as_of: NaiveDate) -> HashMap<UnitId, NaiveDate> {
        let mut last: HashMap<UnitId, NaiveDate> = HashMap::new();
        for case in self.cases() {
            for (on, cell) in case.ceremonies(NaiveDate::MIN, as_of) {
                if self.within(cell) {
                    let day = last.entry(cell).or_insert(on);
                    *day = (*day).max(on);
                }
            }
        }
        last
    }

    /// Ceremonies held in `period`, with the person admitted.
    pub fn admissions(&self, period: Period) -> Vec<Admission<'a>> {
        let mut list = Vec::new();
        for case in self.cases() {
            for (on, cell) in case.ceremonies(period.from, period.to) {
                if self.within(cell) {
                    list.push(Admission {
                        case: case.case,
                        cell,
                        ceremony_on: on,
                        person: &case.details,
                    });
                }
            }
        }
        list
    }

    /// Open cases now in a cell of the subtree whose stage passes `wanted`.
    pub fn open_cases(&self, wanted: impl Fn(Stage) -> bool) -> Vec<OpenCase<'a>> {
        self.cases()
            .filter(|c| !c.stage.is_closed() && wanted(c.stage) && self.within(c.cell))
            .map(CaseFacts::open_case)
            .collect()
    }
}
