//! Plans, targets and reports (kế hoạch, chỉ tiêu, báo cáo) as pure data and functions.
//!
//! The store feeds these functions small aggregates computed in SQL (admissions per cell,
//! funnel steps per cell, histograms of days between steps, headcounts …); everything here
//! rolls them up the unit tree and derives the figures. Nothing here does I/O: the day a
//! report is "as of" is a parameter.
//!
//! Attribution: an event counts for the cell it happened in (`case_events.cell_id`), rolled
//! up through `Unit::parent`. Closed and merged units keep their parent, so a report for a
//! past period gives the same numbers after a merge or a transfer.

use std::collections::HashMap;
use std::ops::AddAssign;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::Violation;
use crate::calendar::Calendar;
use crate::case::Stage;
use crate::citizen_id::Sex;
use crate::deadline::{Deadline, DeadlineStatus, Due, status_on};
use crate::ids::{CaseId, PersonId, UnitId};
use crate::person::BirthDate;
use crate::rules::{RuleBook, RuleSet};
use crate::unit::{SectorCode, Unit, UnitKind};
use crate::workflow::{dmy, probation_end};

/// The report module's hash map. Reports fill maps keyed by unit ids, stages and days once
/// per case or event of the scope, over a million times for the country: with the standard
/// library's SipHash, hashing and map lookups took about a quarter of a national
/// dashboard's time. Its keys are the model's own ids, stages and days, never text someone
/// typed, so a hash made to resist chosen keys is not needed; maps keyed by text (a
/// breakdown's values, the shared profiles) keep SipHash.
pub type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

pub mod facts;
pub mod tally;

// ---------------------------------------------------------------------------------------
// Inputs: headcounts, targets, term plans
// ---------------------------------------------------------------------------------------

/// The first and last year a target, a plan or a report may name.
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;

/// Sectors whose units the directive wants to have members (schools, enterprises).
pub const COVERAGE_SECTORS: [&str; 3] = ["education", "non_state_enterprise", "state_enterprise"];

/// A dated headcount of one unit (số lượng đảng viên, quần chúng, đoàn viên).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadcountInput {
    pub unit: UnitId,
    pub as_of: NaiveDate,
    pub official_members: i64,
    pub probationary_members: i64,
    /// Workforce (người lao động) or residents (quần chúng) the unit works among.
    pub workforce: Option<i64>,
    pub youth_union_members: Option<i64>,
    pub trade_union_members: Option<i64>,
}

/// A stored headcount; `recorded_by`/`recorded_at` are empty for imported or demo rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeadcountRecord {
    #[serde(flatten)]
    pub input: HeadcountInput,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

impl HeadcountInput {
    pub fn members(&self) -> i64 {
        self.official_members + self.probationary_members
    }
}

impl HeadcountRecord {
    pub fn members(&self) -> i64 {
        self.input.members()
    }
}

/// Sub-group of a sector target: schools count teachers and students separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subgroup {
    /// The whole sector (or the unit's overall target).
    All,
    /// Giáo viên, giảng viên.
    Teachers,
    /// Học sinh, sinh viên.
    Students,
}

impl Subgroup {
    /// The code stored in `targets.subgroup` (`''` for the whole).
    pub fn code(self) -> &'static str {
        match self {
            Subgroup::All => "",
            Subgroup::Teachers => "teachers",
            Subgroup::Students => "students",
        }
    }

    pub fn from_code(code: &str) -> Option<Subgroup> {
        [Subgroup::All, Subgroup::Teachers, Subgroup::Students]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// The subgroup an occupation (free text) falls in: teachers and lecturers, pupils and
    /// students; `All` for any other.
    pub fn of_occupation(occupation: &str) -> Subgroup {
        let key = crate::text::search_key(occupation);
        let has = |words: &[&str]| words.iter().any(|w| key.contains(w));
        if has(&["giao vien", "giang vien", "nha giao"]) {
            Subgroup::Teachers
        } else if has(&["hoc sinh", "sinh vien"]) {
            Subgroup::Students
        } else {
            Subgroup::All
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Subgroup::All => "Toàn bộ",
            Subgroup::Teachers => "Giáo viên, giảng viên",
            Subgroup::Students => "Học sinh, sinh viên",
        }
    }
}

/// What a yearly target is about: the unit's overall target (`sector` = `None`), or the
/// admissions of one sector in the unit's subtree, optionally of one subgroup.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TargetKey {
    pub unit: UnitId,
    pub year: i32,
    pub sector: Option<SectorCode>,
    pub subgroup: Subgroup,
}

impl TargetKey {
    pub fn overall(unit: UnitId, year: i32) -> TargetKey {
        TargetKey {
            unit,
            year,
            sector: None,
            subgroup: Subgroup::All,
        }
    }

    /// The code stored in `targets.sector` (`''` for the overall target).
    pub fn sector_code(&self) -> &str {
        self.sector.as_ref().map(|s| s.0.as_str()).unwrap_or("")
    }
}

/// A yearly target (chỉ tiêu kết nạp) as set by a committee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetRecord {
    #[serde(flatten)]
    pub key: TargetKey,
    pub target: i64,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

/// A term plan (kế hoạch nhiệm kỳ, e.g. 2025–2030).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermPlanInput {
    pub unit: UnitId,
    pub first_year: i32,
    pub last_year: i32,
    pub target_total: i64,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TermPlanRecord {
    #[serde(flatten)]
    pub input: TermPlanInput,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

fn non_negative(value: i64, field: &str, what: &str) -> Result<(), Violation> {
    if value < 0 {
        return Err(Violation::new(
            "input.negative",
            field,
            format!("{what} không được là số âm ({value})."),
        ));
    }
    Ok(())
}

/// Refuses a year outside `FIRST_YEAR..=LAST_YEAR`.
pub fn check_year(year: i32, field: &str) -> Result<(), Violation> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(Violation::new(
            "input.year-range",
            field,
            format!("Năm {year} nằm ngoài khoảng {FIRST_YEAR}–{LAST_YEAR}."),
        ));
    }
    Ok(())
}

/// Twice the country's population: a headcount above it is a typing error (and the report
/// model keeps each number in 32 bits).
pub const HEADCOUNT_LIMIT: i64 = 200_000_000;

fn headcount_number(value: i64, field: &str, what: &str) -> Result<(), Violation> {
    non_negative(value, field, what)?;
    if value > HEADCOUNT_LIMIT {
        return Err(Violation::new(
            "input.too-large",
            field,
            format!(
                "{what} ({value}) vượt quá 200.000.000, lớn hơn dân số cả nước; hãy kiểm tra lại."
            ),
        ));
    }
    Ok(())
}

impl HeadcountInput {
    /// Checks the numbers (none negative, none above `HEADCOUNT_LIMIT`) and the date's
    /// year.
    pub fn check(&self) -> Result<(), Violation> {
        check_year(self.as_of.year(), "as_of")?;
        headcount_number(
            self.official_members,
            "official_members",
            "Số đảng viên chính thức",
        )?;
        headcount_number(
            self.probationary_members,
            "probationary_members",
            "Số đảng viên dự bị",
        )?;
        for (value, field, what) in [
            (self.workforce, "workforce", "Số quần chúng, người lao động"),
            (
                self.youth_union_members,
                "youth_union_members",
                "Số đoàn viên Đoàn TNCS Hồ Chí Minh",
            ),
            (
                self.trade_union_members,
                "trade_union_members",
                "Số đoàn viên công đoàn",
            ),
        ] {
            if let Some(value) = value {
                headcount_number(value, field, what)?;
            }
        }
        Ok(())
    }
}

/// Checks a target: year in range, not negative, a subgroup only for the education sector.
/// Whether the sector code exists is the store's check (the list is configurable).
pub fn check_target(key: &TargetKey, target: i64) -> Result<(), Violation> {
    check_year(key.year, "year")?;
    non_negative(target, "target", "Chỉ tiêu")?;
    if key.subgroup != Subgroup::All && key.sector_code() != "education" {
        return Err(Violation::new(
            "target.subgroup",
            "subgroup",
            "Chỉ tiêu riêng cho giáo viên, học sinh chỉ đặt trong lĩnh vực giáo dục.",
        ));
    }
    Ok(())
}

impl TermPlanInput {
    pub fn check(&self) -> Result<(), Violation> {
        check_year(self.first_year, "first_year")?;
        check_year(self.last_year, "last_year")?;
        if self.last_year < self.first_year {
            return Err(Violation::new(
                "term-plan.years",
                "last_year",
                format!(
                    "Năm cuối nhiệm kỳ ({}) trước năm đầu ({}).",
                    self.last_year, self.first_year
                ),
            ));
        }
        non_negative(self.target_total, "target_total", "Chỉ tiêu cả nhiệm kỳ")
    }
}

/// ceil(`percent` % × `members`), computed in hundredths of a percent so that 3 % of 100
/// is exactly 3.
pub fn default_target(members: i64, percent: f64) -> i64 {
    let hundredths = (percent * 100.0).round() as i64;
    let product = members.max(0) * hundredths.max(0);
    (product + 9_999) / 10_000
}

// ---------------------------------------------------------------------------------------
// The unit tree and periods
// ---------------------------------------------------------------------------------------

/// A period of days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, Violation> {
        check_year(from.year(), "from")?;
        check_year(to.year(), "to")?;
        if to < from {
            return Err(Violation::new(
                "period.order",
                "to",
                format!("Ngày cuối kỳ {} trước ngày đầu kỳ {}.", dmy(to), dmy(from)),
            ));
        }
        Ok(Period { from, to })
    }

    /// 1 January to 31 December of `year`.
    pub fn year(year: i32) -> Result<Period, Violation> {
        check_year(year, "year")?;
        match (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            (Some(from), Some(to)) => Ok(Period { from, to }),
            _ => Err(Violation::new(
                "input.year-range",
                "year",
                format!("Năm {year} không hợp lệ."),
            )),
        }
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// The period cut at `as_of` (a report counted as of that day); `None` if it starts later.
    pub fn until(&self, as_of: NaiveDate) -> Option<Period> {
        (as_of >= self.from).then(|| Period {
            from: self.from,
            to: self.to.min(as_of),
        })
    }
}

/// A unit as a report row names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRef {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    pub sector: SectorCode,
    /// Closed (merged, dissolved) units still appear with what happened in them.
    pub active: bool,
}

/// The units of a scope (past ones included) with their parent links, for roll-ups.
#[derive(Debug, Clone)]
pub struct UnitTree {
    units: Vec<Unit>,
    children: FastMap<UnitId, Vec<UnitId>>,
    /// Indexes of `units` in the order of a depth-first walk: a subtree is one stretch of
    /// it, each unit before the units under it, so a roll-up walks its stretch backwards.
    walk: Vec<usize>,
    /// Each unit's place in a depth-first walk and the size of its subtree, by index in
    /// `units`, so that "is this cell under that unit" is one lookup (see
    /// [`UnitTree::subtree`]).
    spans: Vec<Option<(usize, usize)>>,
    /// Each id's index in `units` and place in the walk, read by id: reports ask them once
    /// per case (1.5 million times for the country), and a hash lookup was a fifth of the
    /// national home page. Empty when ids are too sparse for it (see [`DenseIds`]).
    dense: DenseIds,
    /// Id → index in `units`, only when `dense` is empty: a country's maps by id took 11 MB.
    sparse: FastMap<UnitId, usize>,
}

/// For each id up to the largest, the unit's index in `units` and its place in the walk
/// (`ABSENT` for ids with no unit). Unit ids come from a sequence, so the table is about as
/// long as the tree; ids more than four times as many as the units leave it empty.
#[derive(Debug, Clone, Default)]
struct DenseIds {
    slots: Vec<(u32, u32)>,
}

const ABSENT: u32 = u32::MAX;

impl DenseIds {
    fn new(
        units: &[Unit],
        index: &FastMap<UnitId, usize>,
        walk: &FastMap<UnitId, (usize, usize)>,
    ) -> DenseIds {
        let largest = units.iter().map(|u| u.id.0).max().unwrap_or(0);
        let limit = units.len().saturating_mul(4).saturating_add(1024);
        let fits = |n: usize| u32::try_from(n).ok().filter(|&n| n != ABSENT);
        let Some(len) = usize::try_from(largest).ok().filter(|&l| l < limit) else {
            return DenseIds::default();
        };
        let mut slots = vec![(ABSENT, ABSENT); len + 1];
        for (id, &i) in index {
            let (Ok(at), Some(i)) = (usize::try_from(id.0), fits(i)) else {
                return DenseIds::default();
            };
            let place = walk.get(id).and_then(|&(p, _)| fits(p)).unwrap_or(ABSENT);
            slots[at] = (i, place);
        }
        DenseIds { slots }
    }

    /// `Some(slot)` when the table covers `id` (`(ABSENT, ABSENT)` for an id with no unit),
    /// `None` when it does not and the maps must be asked.
    fn slot(&self, id: UnitId) -> Option<(u32, u32)> {
        if self.slots.is_empty() {
            return None;
        }
        Some(
            usize::try_from(id.0)
                .ok()
                .and_then(|at| self.slots.get(at).copied())
                .unwrap_or((ABSENT, ABSENT)),
        )
    }
}

/// The units under one unit of a tree (itself included), tested in constant time.
#[derive(Debug, Clone, Copy)]
pub struct Subtree<'a> {
    tree: &'a UnitTree,
    root: UnitId,
    span: Option<(usize, usize)>,
}

impl Subtree<'_> {
    /// The subtree's places in the tree's depth-first walk ([`UnitTree::position`]): one
    /// range, since a walk visits a subtree in one stretch; empty for an unknown root.
    pub fn positions(&self) -> std::ops::Range<usize> {
        self.span.map_or(0..0, |(start, size)| start..start + size)
    }

    pub fn contains(&self, id: UnitId) -> bool {
        match (self.span, self.tree.position(id)) {
            (Some((start, size)), Some(at)) => at >= start && at < start + size,
            _ => id == self.root,
        }
    }
}

impl UnitTree {
    /// Builds the tree from the units of a scope (as `UnitStore::units_in` lists them).
    pub fn new(units: Vec<Unit>) -> UnitTree {
        let index: FastMap<UnitId, usize> =
            units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let mut children: FastMap<UnitId, Vec<UnitId>> = FastMap::default();
        for unit in &units {
            if let Some(parent) = unit.parent.filter(|p| index.contains_key(p)) {
                children.entry(parent).or_default().push(unit.id);
            }
        }
        for list in children.values_mut() {
            list.sort();
        }
        // Depth of each unit within the scope; deeper units first.
        let mut depth = vec![0usize; units.len()];
        for (i, unit) in units.iter().enumerate() {
            let mut d = 0;
            let mut at = unit.parent;
            while let Some(p) = at {
                let Some(&pi) = index.get(&p) else { break };
                d += 1;
                if d > units.len() {
                    break;
                }
                at = units[pi].parent;
            }
            depth[i] = d;
        }
        let mut bottom_up: Vec<usize> = (0..units.len()).collect();
        bottom_up.sort_by(|a, b| depth[*b].cmp(&depth[*a]).then(a.cmp(b)));
        // Depth-first walk from the top units; a unit's subtree size is known once its
        // children are (bottom-up order).
        let mut size: FastMap<UnitId, usize> =
            FastMap::with_capacity_and_hasher(units.len(), Default::default());
        for &i in &bottom_up {
            let id = units[i].id;
            let below: usize = children
                .get(&id)
                .map(|list| list.iter().filter_map(|c| size.get(c)).sum())
                .unwrap_or(0);
            size.insert(id, below + 1);
        }
        let mut walk: FastMap<UnitId, (usize, usize)> =
            FastMap::with_capacity_and_hasher(units.len(), Default::default());
        let mut stack: Vec<UnitId> = units
            .iter()
            .filter(|u| !u.parent.is_some_and(|p| index.contains_key(&p)))
            .map(|u| u.id)
            .rev()
            .collect();
        while let Some(id) = stack.pop() {
            walk.insert(id, (walk.len(), size.get(&id).copied().unwrap_or(1)));
            if let Some(list) = children.get(&id) {
                stack.extend(list.iter().rev());
            }
        }
        let dense = DenseIds::new(&units, &index, &walk);
        let spans: Vec<Option<(usize, usize)>> =
            units.iter().map(|u| walk.get(&u.id).copied()).collect();
        let mut walk_order = vec![0; walk.len()];
        for (i, span) in spans.iter().enumerate() {
            if let Some(slot) = span.and_then(|(at, _)| walk_order.get_mut(at)) {
                *slot = i;
            }
        }
        UnitTree {
            units,
            children,
            walk: walk_order,
            spans,
            sparse: if dense.slots.is_empty() {
                index
            } else {
                FastMap::default()
            },
            dense,
        }
    }

    /// `id`'s index in `units`.
    fn index_of(&self, id: UnitId) -> Option<usize> {
        match self.dense.slot(id) {
            Some((i, _)) => (i != ABSENT).then_some(i as usize),
            None => self.sparse.get(&id).copied(),
        }
    }

    /// The units under `root` (itself included).
    pub fn subtree(&self, root: UnitId) -> Subtree<'_> {
        Subtree {
            tree: self,
            root,
            span: self
                .index_of(root)
                .and_then(|i| self.spans.get(i).copied().flatten()),
        }
    }

    pub fn get(&self, id: UnitId) -> Option<&Unit> {
        self.index_of(id).and_then(|i| self.units.get(i))
    }

    /// `id`'s place in a depth-first walk of the tree: the units of any subtree hold
    /// consecutive places ([`Subtree::positions`]), so facts sorted by place are found for a
    /// subtree with one range instead of a pass over the whole country.
    pub fn position(&self, id: UnitId) -> Option<usize> {
        match self.dense.slot(id) {
            Some((_, at)) => (at != ABSENT).then_some(at as usize),
            None => self
                .sparse
                .get(&id)
                .and_then(|&i| self.spans.get(i).copied().flatten())
                .map(|(at, _)| at),
        }
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// Direct children, past ones included, by id.
    pub fn children(&self, id: UnitId) -> &[UnitId] {
        self.children.get(&id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether `id` is `root` or under it.
    pub fn is_within(&self, id: UnitId, root: UnitId) -> bool {
        self.subtree(root).contains(id)
    }

    pub fn unit_ref(&self, id: UnitId, on: NaiveDate) -> Option<UnitRef> {
        self.get(id).map(|u| UnitRef {
            id: u.id,
            name: u.name.clone(),
            kind: u.kind,
            sector: u.sector.clone(),
            active: u.is_active_on(on),
        })
    }

    /// The units of `root`'s subtree in the walk's order, `root` first.
    fn walk_under(&self, root: UnitId) -> impl DoubleEndedIterator<Item = (usize, &Unit)> {
        let range = self.subtree(root).positions();
        let order = self.walk.get(range.clone()).unwrap_or_default();
        range
            .zip(order)
            .filter_map(|(at, &i)| Some((at, self.units.get(i)?)))
    }

    /// The units of `root`'s subtree, `root` first, each before the units under it.
    pub fn units_under(&self, root: UnitId) -> impl DoubleEndedIterator<Item = &Unit> {
        self.walk_under(root).map(|(_, unit)| unit)
    }

    /// Each unit's total over its subtree, for the units of `root`'s subtree, from values
    /// attached to units (usually cells). Values of units outside it are left out: a city's
    /// report walks the city's units, not the country's.
    pub fn roll_up<T: Clone + Default + for<'a> AddAssign<&'a T>>(
        &self,
        root: UnitId,
        values: &FastMap<UnitId, T>,
    ) -> FastMap<UnitId, T> {
        let range = self.subtree(root).positions();
        // Slot k: the unit at walk position `range.start + k`.
        let mut totals: Vec<(UnitId, T)> = self
            .walk_under(root)
            .map(|(_, u)| (u.id, values.get(&u.id).cloned().unwrap_or_default()))
            .collect();
        // Backwards through the walk: a unit's total is whole before it is added to its
        // parent's, which the walk holds earlier (the root's parent is outside the range).
        for (at, unit) in self.walk_under(root).rev() {
            let Some(up) = unit
                .parent
                .and_then(|p| self.position(p))
                .filter(|p| range.contains(p))
            else {
                continue;
            };
            let (before, after) = totals.split_at_mut(at - range.start);
            if let (Some(parent), Some((_, own))) =
                (before.get_mut(up - range.start), after.first())
            {
                parent.1 += own;
            }
        }
        totals.into_iter().collect()
    }
}

// ---------------------------------------------------------------------------------------
// Members at a day and yearly targets
// ---------------------------------------------------------------------------------------

/// Where a member count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MembersSource {
    /// The unit's own latest headcount on or before the day.
    Headcount,
    /// The sum over its sub-units (some of which may come from cases).
    SubUnits,
    /// Probationary and official members ketnap knows from its cases.
    Cases,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Members {
    pub count: i64,
    pub source: MembersSource,
    /// The day of the headcount used, when it is the unit's own.
    pub as_of: Option<NaiveDate>,
}

/// Members on `day` of every unit of `root`'s subtree (none when `root` is not in the
/// tree): a unit's own latest headcount on or before `day` if it has one; otherwise, for a
/// cell, the members its cases show (ceremony held, not gone), and for any other unit the
/// sum over its sub-units active on `day`. `latest_headcounts` holds each unit's latest
/// headcount on or before `day`; `case_members` counts per cell.
pub fn members_on(
    tree: &UnitTree,
    root: UnitId,
    day: NaiveDate,
    latest_headcounts: &FastMap<UnitId, HeadcountInput>,
    case_members: &FastMap<UnitId, i64>,
) -> FastMap<UnitId, Members> {
    let mut result: FastMap<UnitId, Members> =
        FastMap::with_capacity_and_hasher(tree.subtree(root).positions().len(), Default::default());
    // Backwards through the walk: sub-units before the units above them.
    for unit in tree.units_under(root).rev() {
        let members = if let Some(h) = latest_headcounts.get(&unit.id) {
            Members {
                count: h.members(),
                source: MembersSource::Headcount,
                as_of: Some(h.as_of),
            }
        } else if unit.kind.holds_cases() {
            Members {
                count: case_members.get(&unit.id).copied().unwrap_or(0),
                source: MembersSource::Cases,
                as_of: None,
            }
        } else {
            let count = tree
                .children(unit.id)
                .iter()
                .filter(|c| tree.get(**c).is_some_and(|u| u.is_active_on(day)))
                .filter_map(|c| result.get(c))
                .map(|m| m.count)
                .sum();
            Members {
                count,
                source: MembersSource::SubUnits,
                as_of: None,
            }
        };
        result.insert(unit.id, members);
    }
    result
}

/// Where a yearly target comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// Set by a committee (`targets` table).
    Set,
    /// ceil(rule-set percentage × members on 1 January).
    Default,
}

/// A unit's overall target for a year, with what it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearTarget {
    pub unit: UnitId,
    pub year: i32,
    pub target: i64,
    pub source: TargetSource,
    /// Members on 1 January of the year.
    pub members_at_start: Members,
    /// `targets.default_yearly_percent` of the rule set in force on 1 January.
    pub percent: f64,
    /// The default, even when a set target overrides it.
    pub default_target: i64,
}

/// The target of `unit` for `year`: the set one if any, else the default.
pub fn year_target(
    unit: UnitId,
    year: i32,
    members_at_start: Members,
    rules: &RuleSet,
    set: Option<i64>,
) -> YearTarget {
    let percent = rules.targets.default_yearly_percent;
    let default = default_target(members_at_start.count, percent);
    YearTarget {
        unit,
        year,
        target: set.unwrap_or(default),
        source: if set.is_some() {
            TargetSource::Set
        } else {
            TargetSource::Default
        },
        members_at_start,
        percent,
        default_target: default,
    }
}

/// A parent's target against the sum of the targets of its active children.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuotaCheck {
    pub unit: UnitRef,
    pub year: i32,
    pub own: YearTarget,
    pub children: Vec<(UnitRef, YearTarget)>,
    /// Sum of the children's targets (set, or default where none is set).
    pub children_total: i64,
    /// `children_total - own.target`: negative when the quotas fall short.
    pub difference: i64,
    /// Children with no target set (their default is counted).
    pub unset_children: usize,
}

impl QuotaCheck {
    pub fn adds_up(&self) -> bool {
        self.difference >= 0
    }

    pub fn build(
        tree: &UnitTree,
        own: YearTarget,
        children: Vec<YearTarget>,
        on: NaiveDate,
    ) -> Option<QuotaCheck> {
        let unit = tree.unit_ref(own.unit, on)?;
        let children_total = children.iter().map(|t| t.target).sum::<i64>();
        let unset_children = children
            .iter()
            .filter(|t| t.source == TargetSource::Default)
            .count();
        let children = children
            .into_iter()
            .filter_map(|t| tree.unit_ref(t.unit, on).map(|u| (u, t)))
            .collect();
        Some(QuotaCheck {
            unit,
            year: own.year,
            difference: children_total - own.target,
            own,
            children,
            children_total,
            unset_children,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Progress against target
// ---------------------------------------------------------------------------------------

/// Where a unit should be by `as_of` on a linear path to `target` over the year:
/// target × (days of the year up to and including `as_of`) / (days in the year).
pub fn pace(target: i64, year: i32, as_of: NaiveDate) -> f64 {
    let Ok(period) = Period::year(year) else {
        return 0.0;
    };
    let days = (period.to - period.from).num_days() + 1;
    let elapsed = if as_of < period.from {
        0
    } else if as_of > period.to {
        days
    } else {
        (as_of - period.from).num_days() + 1
    };
    target as f64 * elapsed as f64 / days as f64
}

/// One row of the progress table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressRow {
    pub unit: UnitRef,
    pub target: YearTarget,
    /// Ceremonies held from 1 January to `as_of`.
    pub admitted: i64,
    /// Where the unit should be by `as_of` (see [`pace`]).
    pub pace: f64,
    /// Open cases on `as_of` that are decided or awaiting the decision and whose statutory
    /// deadlines bring the ceremony before 31 December.
    pub pipeline: i64,
    /// `admitted + pipeline`.
    pub forecast: i64,
}

impl ProgressRow {
    pub fn on_pace(&self) -> bool {
        self.admitted as f64 >= self.pace
    }

    /// Admitted as a share of the target (`None` for a target of 0).
    pub fn percent_of_target(&self) -> Option<f64> {
        (self.target.target > 0).then(|| 100.0 * self.admitted as f64 / self.target.target as f64)
    }
}

/// Sector sub-targets of the unit with the admissions in cells of that sector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectorProgress {
    pub sector: SectorCode,
    pub subgroup: Subgroup,
    pub target: Option<i64>,
    /// Admissions in cells of the sector; for a subgroup of education, those whose
    /// occupation falls in it (`Subgroup::of_occupation`).
    pub admitted: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressReport {
    pub year: i32,
    pub as_of: NaiveDate,
    pub unit: ProgressRow,
    /// Direct sub-units (closed ones too when they admitted anyone in the year).
    pub children: Vec<ProgressRow>,
    pub sectors: Vec<SectorProgress>,
}

/// What the store computes for a progress report.
#[derive(Debug, Clone, Default)]
pub struct ProgressInputs {
    /// Ceremonies from 1 January to `as_of`, per cell of the event.
    pub admitted_by_cell: FastMap<UnitId, i64>,
    /// Pipeline cases expected to reach the ceremony by 31 December, per current cell.
    pub pipeline_by_cell: FastMap<UnitId, i64>,
    /// Set overall targets of the year, per unit.
    pub set_targets: FastMap<UnitId, i64>,
    /// Set sector targets of the year of the report's unit.
    pub sector_targets: Vec<(SectorCode, Subgroup, i64)>,
    /// Ceremonies from 1 January to `as_of` in education cells of the subtree, per
    /// subgroup of the person's occupation.
    pub education_admitted: FastMap<Subgroup, i64>,
    /// Members on 1 January, per unit (see [`members_on`]).
    pub members_at_start: FastMap<UnitId, Members>,
}

/// Progress of `root` and its direct sub-units for `year`, counted as of `as_of`.
pub fn progress(
    tree: &UnitTree,
    root: UnitId,
    year: i32,
    as_of: NaiveDate,
    rules: &RuleSet,
    inputs: &ProgressInputs,
) -> Option<ProgressReport> {
    let admitted = tree.roll_up(root, &inputs.admitted_by_cell);
    let pipeline = tree.roll_up(root, &inputs.pipeline_by_cell);
    let row = |id: UnitId| -> Option<ProgressRow> {
        let members = inputs
            .members_at_start
            .get(&id)
            .copied()
            .unwrap_or(Members {
                count: 0,
                source: MembersSource::SubUnits,
                as_of: None,
            });
        let target = year_target(
            id,
            year,
            members,
            rules,
            inputs.set_targets.get(&id).copied(),
        );
        let done = admitted.get(&id).copied().unwrap_or(0);
        let coming = pipeline.get(&id).copied().unwrap_or(0);
        Some(ProgressRow {
            unit: tree.unit_ref(id, as_of)?,
            pace: pace(target.target, year, as_of),
            target,
            admitted: done,
            pipeline: coming,
            forecast: done + coming,
        })
    };
    let unit = row(root)?;
    let year_start = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let children = tree
        .children(root)
        .iter()
        .filter(|c| {
            let active = tree.get(**c).is_some_and(|u| {
                u.valid_from <= as_of && u.valid_until.is_none_or(|until| until >= year_start)
            });
            active || admitted.get(c).is_some_and(|n| *n > 0)
        })
        .filter_map(|c| row(*c))
        .collect();
    // Admissions per sector of the cell, within the root's subtree.
    let mut by_sector: HashMap<&str, i64> = HashMap::new();
    for (cell, n) in &inputs.admitted_by_cell {
        if let Some(u) = tree.get(*cell).filter(|_| tree.is_within(*cell, root)) {
            *by_sector.entry(u.sector.0.as_str()).or_default() += n;
        }
    }
    let mut sectors: Vec<SectorProgress> = inputs
        .sector_targets
        .iter()
        .map(|(sector, subgroup, target)| SectorProgress {
            sector: sector.clone(),
            subgroup: *subgroup,
            target: Some(*target),
            admitted: Some(match subgroup {
                Subgroup::All => by_sector.get(sector.0.as_str()).copied().unwrap_or(0),
                _ => inputs
                    .education_admitted
                    .get(subgroup)
                    .copied()
                    .unwrap_or(0),
            }),
        })
        .collect();
    for (sector, n) in &by_sector {
        if !sectors
            .iter()
            .any(|s| s.sector.0 == *sector && s.subgroup == Subgroup::All)
        {
            sectors.push(SectorProgress {
                sector: SectorCode(sector.to_string()),
                subgroup: Subgroup::All,
                target: None,
                admitted: Some(*n),
            });
        }
    }
    sectors.sort_by(|a, b| a.sector.cmp(&b.sector).then(a.subgroup.cmp(&b.subgroup)));
    Some(ProgressReport {
        year,
        as_of,
        unit,
        children,
        sectors,
    })
}

/// The day a pipeline case is expected to reach the ceremony at the latest, if every
/// remaining step keeps its statutory deadline: `voted_on` is the cell's passing vote,
/// `decided_on` the admission decision (when there is one).
pub fn expected_ceremony(
    voted_on: Option<NaiveDate>,
    decided_on: Option<NaiveDate>,
    rules: &RuleBook,
    calendar: &Calendar,
) -> Option<NaiveDate> {
    if let Some(decided) = decided_on {
        let set = rules.in_force_on(decided).ok()?;
        return Some(calendar.add_working_days(decided, set.admission.ceremony_working_days));
    }
    let voted = voted_on?;
    let set = rules.in_force_on(voted).ok()?;
    let decision = calendar.add_working_days(voted, set.admission.decision_working_days);
    let set = rules.in_force_on(decision).unwrap_or(set);
    Some(calendar.add_working_days(decision, set.admission.ceremony_working_days))
}

// ---------------------------------------------------------------------------------------
// Funnel
// ---------------------------------------------------------------------------------------

/// The steps of the funnel, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelStep {
    /// Identified as a source (the case's `identified_on`).
    Source,
    /// `add_to_sympathisers`.
    Sympathiser,
    /// `record_awareness_certificate`.
    Awareness,
    /// `open_file` (application and personal history).
    Application,
    /// `cell_vote` that passed.
    CellVote,
    /// `decide_admission` that admitted.
    Decision,
    /// `hold_ceremony`.
    Ceremony,
    /// `decide_recognition` (dated by the recognition decision).
    Official,
}

impl FunnelStep {
    pub const ALL: [FunnelStep; 8] = [
        FunnelStep::Source,
        FunnelStep::Sympathiser,
        FunnelStep::Awareness,
        FunnelStep::Application,
        FunnelStep::CellVote,
        FunnelStep::Decision,
        FunnelStep::Ceremony,
        FunnelStep::Official,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FunnelStep::Source => "source",
            FunnelStep::Sympathiser => "sympathiser",
            FunnelStep::Awareness => "awareness",
            FunnelStep::Application => "application",
            FunnelStep::CellVote => "cell_vote",
            FunnelStep::Decision => "decision",
            FunnelStep::Ceremony => "ceremony",
            FunnelStep::Official => "official",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            FunnelStep::Source => "Quần chúng ưu tú (nguồn)",
            FunnelStep::Sympathiser => "Cảm tình Đảng",
            FunnelStep::Awareness => "Học lớp nhận thức về Đảng",
            FunnelStep::Application => "Nộp đơn, lý lịch",
            FunnelStep::CellVote => "Chi bộ đề nghị kết nạp",
            FunnelStep::Decision => "Có quyết định kết nạp",
            FunnelStep::Ceremony => "Lễ kết nạp",
            FunnelStep::Official => "Công nhận chính thức",
        }
    }

    /// The event action that marks the step (`None` for the source: no event).
    pub fn action(self) -> Option<&'static str> {
        match self {
            FunnelStep::Source => None,
            FunnelStep::Sympathiser => Some("add_to_sympathisers"),
            FunnelStep::Awareness => Some("record_awareness_certificate"),
            FunnelStep::Application => Some("open_file"),
            FunnelStep::CellVote => Some("cell_vote"),
            FunnelStep::Decision => Some("decide_admission"),
            FunnelStep::Ceremony => Some("hold_ceremony"),
            FunnelStep::Official => Some("decide_recognition"),
        }
    }

    pub fn from_action(action: &str) -> Option<FunnelStep> {
        FunnelStep::ALL
            .into_iter()
            .find(|s| s.action() == Some(action))
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn previous(self) -> Option<FunnelStep> {
        self.index()
            .checked_sub(1)
            .and_then(|i| FunnelStep::ALL.get(i).copied())
    }
}

/// Cases reaching each step in a period, indexed by `FunnelStep::index`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StepCounts(pub [i64; 8]);

impl StepCounts {
    pub fn get(&self, step: FunnelStep) -> i64 {
        self.0[step.index()]
    }
}

impl<'a> AddAssign<&'a StepCounts> for StepCounts {
    fn add_assign(&mut self, other: &'a StepCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// Days between a step and the one before it, as a histogram `(days, cases)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaysHistogram(pub Vec<(i64, i64)>);

impl DaysHistogram {
    /// The median (the mean of the two middle values for an even count).
    pub fn median(&self) -> Option<f64> {
        let mut bins = self.0.clone();
        bins.retain(|(_, n)| *n > 0);
        bins.sort();
        let total: i64 = bins.iter().map(|(_, n)| n).sum();
        if total == 0 {
            return None;
        }
        let nth = |k: i64| -> i64 {
            let mut seen = 0;
            for (days, n) in &bins {
                seen += n;
                if seen > k {
                    return *days;
                }
            }
            bins.last().map(|(d, _)| *d).unwrap_or(0)
        };
        if total % 2 == 1 {
            Some(nth(total / 2) as f64)
        } else {
            Some((nth(total / 2 - 1) + nth(total / 2)) as f64 / 2.0)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelRow {
    pub step: FunnelStep,
    pub label: &'static str,
    pub count: i64,
    /// `count / previous step's count` (`None` for the first step or a previous 0).
    pub conversion: Option<f64>,
    /// Median days from the previous step, over the cases reaching this step in the period.
    pub median_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelReport {
    pub unit: UnitRef,
    pub period: Period,
    pub steps: Vec<FunnelRow>,
    /// Direct sub-units with their counts (no medians).
    pub children: Vec<(UnitRef, StepCounts)>,
}

/// The funnel of `root`: `counts_by_cell` per cell of the event, `days` per step (for the
/// root's subtree, already restricted by the store).
pub fn funnel(
    tree: &UnitTree,
    root: UnitId,
    period: Period,
    counts_by_cell: &FastMap<UnitId, StepCounts>,
    days: &FastMap<FunnelStep, DaysHistogram>,
) -> Option<FunnelReport> {
    let totals = tree.roll_up(root, counts_by_cell);
    let own = totals.get(&root).copied().unwrap_or_default();
    let steps = FunnelStep::ALL
        .into_iter()
        .map(|step| {
            let count = own.get(step);
            let conversion = step
                .previous()
                .map(|p| own.get(p))
                .filter(|p| *p > 0)
                .map(|p| count as f64 / p as f64);
            FunnelRow {
                step,
                label: step.label_vi(),
                count,
                conversion,
                median_days: days.get(&step).and_then(DaysHistogram::median),
            }
        })
        .collect();
    let children = tree
        .children(root)
        .iter()
        .filter_map(|c| {
            let counts = totals.get(c).copied().unwrap_or_default();
            let unit = tree.unit_ref(*c, period.to)?;
            (unit.active || counts.0.iter().any(|n| *n > 0)).then_some((unit, counts))
        })
        .collect();
    Some(FunnelReport {
        unit: tree.unit_ref(root, period.to)?,
        period,
        steps,
        children,
    })
}

// ---------------------------------------------------------------------------------------
// Open cases: bottlenecks and recognitions
// ---------------------------------------------------------------------------------------

/// An open case as lists show it, with its next due date kept from when it last changed.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenCase<'a> {
    pub case: CaseId,
    pub person: PersonId,
    /// Full name (họ tên).
    pub name: &'a str,
    pub cell: UnitId,
    pub stage: Stage,
    pub ceremony_on: Option<NaiveDate>,
    pub due: Option<Due>,
}

/// One overdue or due-soon case of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseDue {
    pub case: CaseId,
    pub person: PersonId,
    pub name: String,
    pub cell: UnitRef,
    pub stage: Stage,
    pub deadline: Deadline,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BottleneckReport {
    pub unit: UnitRef,
    pub as_of: NaiveDate,
    /// Overdue cases per stage, in pipeline order (stages with none left out).
    pub by_stage: Vec<(Stage, i64)>,
    /// Overdue cases per direct sub-unit (those with none left out), most first.
    pub by_unit: Vec<(UnitRef, i64)>,
    /// The overdue cases, longest overdue first.
    pub cases: Vec<CaseDue>,
}

/// Overdue open cases of `root`'s subtree on `as_of` (by `deadline::next_deadline`).
pub fn bottlenecks(
    tree: &UnitTree,
    root: UnitId,
    as_of: NaiveDate,
    cases: &[OpenCase],
) -> Option<BottleneckReport> {
    let mut by_stage: FastMap<Stage, i64> = FastMap::default();
    let mut by_cell: FastMap<UnitId, i64> = FastMap::default();
    let mut list = Vec::new();
    for case in cases {
        if case.stage.is_closed() || !tree.is_within(case.cell, root) {
            continue;
        }
        // The status first: a deadline names its rule in a string of its own, and most of
        // a country's open cases (600,000) are not overdue.
        let Some(due) = case
            .due
            .as_ref()
            .filter(|due| matches!(status_on(due.due, as_of, 0), DeadlineStatus::Overdue(_)))
        else {
            continue;
        };
        let deadline = due.on(as_of, 0);
        *by_stage.entry(case.stage).or_default() += 1;
        *by_cell.entry(case.cell).or_default() += 1;
        if let Some(cell) = tree.unit_ref(case.cell, as_of) {
            list.push(CaseDue {
                case: case.case,
                person: case.person,
                name: case.name.to_string(),
                cell,
                stage: case.stage,
                deadline,
            });
        }
    }
    let totals = tree.roll_up(root, &by_cell);
    let mut by_stage: Vec<(Stage, i64)> = by_stage.into_iter().collect();
    by_stage.sort();
    let mut by_unit: Vec<(UnitRef, i64)> = tree
        .children(root)
        .iter()
        .filter_map(|c| {
            let n = totals.get(c).copied().unwrap_or(0);
            (n > 0)
                .then(|| tree.unit_ref(*c, as_of).map(|u| (u, n)))
                .flatten()
        })
        .collect();
    by_unit.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
    list.sort_by(|a, b| {
        a.deadline
            .due
            .cmp(&b.deadline.due)
            .then(a.case.cmp(&b.case))
    });
    Some(BottleneckReport {
        unit: tree.unit_ref(root, as_of)?,
        as_of,
        by_stage,
        by_unit,
        cases: list,
    })
}

/// A probationary member as the recognition lists show them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecognitionDue {
    pub case: CaseId,
    pub person: PersonId,
    pub name: String,
    pub cell: UnitRef,
    pub stage: Stage,
    pub ceremony_on: NaiveDate,
    /// The end of the probation's months: the official date.
    pub probation_ends: NaiveDate,
    /// The next statutory step (recognition vote or decision) and its status.
    pub deadline: Option<Deadline>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecognitionReport {
    pub unit: UnitRef,
    pub as_of: NaiveDate,
    pub within_days: i64,
    /// Probation ends within `within_days` days of `as_of` (or has ended) and the next
    /// recognition step is not yet overdue; soonest first.
    pub due: Vec<RecognitionDue>,
    /// The recognition vote or decision is past its deadline; longest overdue first.
    pub overdue: Vec<RecognitionDue>,
}

/// Probationary members of `root`'s subtree due for recognition and recognitions overdue.
pub fn recognitions(
    tree: &UnitTree,
    root: UnitId,
    as_of: NaiveDate,
    within_days: i64,
    cases: &[OpenCase],
    rules: &RuleBook,
) -> Option<RecognitionReport> {
    let mut due = Vec::new();
    let mut overdue = Vec::new();
    for case in cases {
        let Some(ceremony_on) = case.ceremony_on else {
            continue;
        };
        if !case.stage.is_probation() || !tree.is_within(case.cell, root) {
            continue;
        }
        let Ok(set) = rules.in_force_on(ceremony_on) else {
            continue;
        };
        let ends = probation_end(ceremony_on, set);
        // Whether the case is listed first: most probations end months away, and a row
        // copies the name and the cell's.
        let overdue_now = case.due.as_ref().is_some_and(|d| {
            matches!(
                status_on(d.due, as_of, within_days),
                DeadlineStatus::Overdue(_)
            )
        });
        if !overdue_now && (ends - as_of).num_days() > within_days {
            continue;
        }
        let Some(cell) = tree.unit_ref(case.cell, as_of) else {
            continue;
        };
        let row = RecognitionDue {
            case: case.case,
            person: case.person,
            name: case.name.to_string(),
            cell,
            stage: case.stage,
            ceremony_on,
            probation_ends: ends,
            deadline: case.due.as_ref().map(|d| d.on(as_of, within_days)),
        };
        if overdue_now {
            overdue.push(row);
        } else {
            due.push(row);
        }
    }
    due.sort_by(|a, b| {
        a.probation_ends
            .cmp(&b.probation_ends)
            .then(a.case.cmp(&b.case))
    });
    overdue.sort_by(|a, b| {
        let due_a = a.deadline.as_ref().map(|d| d.due);
        let due_b = b.deadline.as_ref().map(|d| d.due);
        due_a.cmp(&due_b).then(a.case.cmp(&b.case))
    });
    Some(RecognitionReport {
        unit: tree.unit_ref(root, as_of)?,
        as_of,
        within_days,
        due,
        overdue,
    })
}

// ---------------------------------------------------------------------------------------
// Coverage
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CoverageParams {
    /// Units whose members are fewer than this share of their workforce (e.g. 0.05 = 5 %).
    pub min_ratio: f64,
    /// Units with no admission in this many years before `as_of`.
    pub years_without_admission: u32,
}

impl Default for CoverageParams {
    fn default() -> Self {
        CoverageParams {
            min_ratio: 0.05,
            years_without_admission: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LowRatio {
    pub unit: UnitRef,
    pub members: i64,
    pub workforce: i64,
    pub ratio: f64,
    pub headcount_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoAdmission {
    pub unit: UnitRef,
    /// The last ceremony in the unit's subtree, if ever.
    pub last_admission: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageReport {
    pub unit: UnitRef,
    pub as_of: NaiveDate,
    pub params: CoverageParams,
    /// Units with a workforce in their latest headcount and members / workforce below
    /// `min_ratio`, lowest first.
    pub low_ratio: Vec<LowRatio>,
    /// Active base organisations and cells of the school and enterprise sectors with no
    /// members (headcount or cases), in the tree's order (each unit before the units
    /// under it, sisters by id).
    pub without_members: Vec<UnitRef>,
    /// Active base organisations and cells with no ceremony in the last
    /// `years_without_admission` years (units founded more recently are not listed), in
    /// the tree's order.
    pub without_admission: Vec<NoAdmission>,
}

/// Whether a unit is a base organisation or a cell (what coverage lists look at).
pub fn is_base_level(kind: UnitKind) -> bool {
    matches!(
        kind,
        UnitKind::BaseCommittee | UnitKind::BaseCell | UnitKind::Cell | UnitKind::PartialCommittee
    )
}

/// Coverage lists for `root`'s subtree on `as_of`. `latest_headcounts`: each unit's latest
/// headcount on or before `as_of`; `members`: see [`members_on`]; `last_admission_by_cell`:
/// the latest ceremony per cell of the event, up to `as_of`.
pub fn coverage(
    tree: &UnitTree,
    root: UnitId,
    as_of: NaiveDate,
    params: CoverageParams,
    latest_headcounts: &FastMap<UnitId, HeadcountInput>,
    members: &FastMap<UnitId, Members>,
    last_admission_by_cell: &FastMap<UnitId, NaiveDate>,
) -> Option<CoverageReport> {
    let mut last_by_unit: FastMap<UnitId, LastDay> = FastMap::default();
    for (cell, day) in last_admission_by_cell {
        last_by_unit.insert(*cell, LastDay(Some(*day)));
    }
    let last = tree.roll_up(root, &last_by_unit);
    let since = as_of
        .checked_sub_months(chrono::Months::new(12 * params.years_without_admission))
        .unwrap_or(as_of);
    let mut low_ratio = Vec::new();
    let mut without_members = Vec::new();
    let mut without_admission = Vec::new();
    for unit in tree.units_under(root) {
        if !unit.is_active_on(as_of) {
            continue;
        }
        let Some(unit_ref) = tree.unit_ref(unit.id, as_of) else {
            continue;
        };
        let count = members.get(&unit.id).map(|m| m.count).unwrap_or(0);
        if let Some(h) = latest_headcounts.get(&unit.id)
            && let Some(workforce) = h.workforce.filter(|w| *w > 0)
        {
            let ratio = h.members() as f64 / workforce as f64;
            if ratio < params.min_ratio {
                low_ratio.push(LowRatio {
                    unit: unit_ref.clone(),
                    members: h.members(),
                    workforce,
                    ratio,
                    headcount_on: h.as_of,
                });
            }
        }
        if !is_base_level(unit.kind) {
            continue;
        }
        if COVERAGE_SECTORS.contains(&unit.sector.0.as_str()) && count == 0 {
            without_members.push(unit_ref.clone());
        }
        let last_day = last.get(&unit.id).and_then(|d| d.0);
        if unit.valid_from <= since && last_day.is_none_or(|d| d <= since) {
            without_admission.push(NoAdmission {
                unit: unit_ref,
                last_admission: last_day,
            });
        }
    }
    low_ratio.sort_by(|a, b| a.ratio.total_cmp(&b.ratio).then(a.unit.id.cmp(&b.unit.id)));
    Some(CoverageReport {
        unit: tree.unit_ref(root, as_of)?,
        as_of,
        params,
        low_ratio,
        without_members,
        without_admission,
    })
}

/// The latest of several days (for rolling "last admission" up the tree).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct LastDay(Option<NaiveDate>);

impl<'a> AddAssign<&'a LastDay> for LastDay {
    fn add_assign(&mut self, other: &'a LastDay) {
        self.0 = self.0.max(other.0);
    }
}

// ---------------------------------------------------------------------------------------
// Breakdown of admissions (HD 11-HD/BTCTW shape)
// ---------------------------------------------------------------------------------------

/// An admission with what the breakdown needs: the ceremony, the cell and the person.
#[derive(Debug, Clone, PartialEq)]
pub struct Admission<'a> {
    pub case: CaseId,
    pub cell: UnitId,
    pub ceremony_on: NaiveDate,
    pub birth: BirthDate,
    pub person: &'a facts::Profile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    /// 18–30 (anyone younger counts here: the rules forbid it at the vote).
    UpTo30,
    From31To40,
    From41To50,
    From51To60,
    Over60,
}

impl AgeBand {
    pub const ALL: [AgeBand; 5] = [
        AgeBand::UpTo30,
        AgeBand::From31To40,
        AgeBand::From41To50,
        AgeBand::From51To60,
        AgeBand::Over60,
    ];

    pub fn of_age(years: i32) -> AgeBand {
        match years {
            ..=30 => AgeBand::UpTo30,
            31..=40 => AgeBand::From31To40,
            41..=50 => AgeBand::From41To50,
            51..=60 => AgeBand::From51To60,
            _ => AgeBand::Over60,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            AgeBand::UpTo30 => "18-30",
            AgeBand::From31To40 => "31-40",
            AgeBand::From41To50 => "41-50",
            AgeBand::From51To60 => "51-60",
            AgeBand::Over60 => "over-60",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            AgeBand::UpTo30 => "Từ 18 đến 30 tuổi",
            AgeBand::From31To40 => "Từ 31 đến 40 tuổi",
            AgeBand::From41To50 => "Từ 41 đến 50 tuổi",
            AgeBand::From51To60 => "Từ 51 đến 60 tuổi",
            AgeBand::Over60 => "Trên 60 tuổi",
        }
    }
}

/// Age in whole years on `day` (a year-only birth date counts from 1 January).
pub fn age_on(birth: BirthDate, day: NaiveDate) -> i32 {
    match birth {
        BirthDate::Full(born) => crate::calendar::months_between(born, day) / 12,
        BirthDate::YearOnly(year) => day.year() - year,
    }
}

/// The dimensions of the breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Sex,
    AgeBand,
    Ethnicity,
    Religion,
    Education,
    PoliticalTheory,
    Occupation,
    Sector,
    YouthUnion,
}

impl Dimension {
    pub const ALL: [Dimension; 9] = [
        Dimension::Sex,
        Dimension::AgeBand,
        Dimension::Ethnicity,
        Dimension::Religion,
        Dimension::Education,
        Dimension::PoliticalTheory,
        Dimension::Occupation,
        Dimension::Sector,
        Dimension::YouthUnion,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Dimension::Sex => "sex",
            Dimension::AgeBand => "age_band",
            Dimension::Ethnicity => "ethnicity",
            Dimension::Religion => "religion",
            Dimension::Education => "education",
            Dimension::PoliticalTheory => "political_theory",
            Dimension::Occupation => "occupation",
            Dimension::Sector => "sector",
            Dimension::YouthUnion => "youth_union",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Dimension::Sex => "Giới tính",
            Dimension::AgeBand => "Độ tuổi khi kết nạp",
            Dimension::Ethnicity => "Dân tộc",
            Dimension::Religion => "Tôn giáo",
            Dimension::Education => "Giáo dục phổ thông",
            Dimension::PoliticalTheory => "Lý luận chính trị",
            Dimension::Occupation => "Nghề nghiệp",
            Dimension::Sector => "Lĩnh vực của chi bộ",
            Dimension::YouthUnion => "Đoàn viên Đoàn TNCS Hồ Chí Minh",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakdownRow {
    /// A stable key (`female`, `18-30`, an ethnicity id, the text as recorded …).
    pub key: String,
    pub label: String,
    pub count: i64,
    /// `count / total` (0 when there is no admission).
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakdownTable {
    pub dimension: Dimension,
    pub title: &'static str,
    /// Fixed-order dimensions (sex, age band, Youth Union) list every value, zeros included;
    /// the others list the values found, most first, then by key.
    pub rows: Vec<BreakdownRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakdownReport {
    pub unit: UnitRef,
    pub period: Period,
    pub total: i64,
    pub tables: Vec<BreakdownTable>,
}

impl BreakdownReport {
    pub fn table(&self, dimension: Dimension) -> Option<&BreakdownTable> {
        self.tables.iter().find(|t| t.dimension == dimension)
    }

    /// The count of `key` in `dimension` (0 when absent).
    pub fn count(&self, dimension: Dimension, key: &str) -> i64 {
        self.table(dimension)
            .and_then(|t| t.rows.iter().find(|r| r.key == key))
            .map(|r| r.count)
            .unwrap_or(0)
    }
}

/// What to write for an empty text field in a breakdown.
const NOT_RECORDED: &str = "Không ghi";

/// The breakdown of `admissions` (those of `root`'s subtree in `period`).
/// A breakdown value as the record holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Raw<'a> {
    Sex(Sex),
    Band(AgeBand),
    Ethnicity(crate::ethnicity::EthnicityId),
    Religion(&'a str),
    Text(&'a str),
    Sector(&'a str),
    YouthUnion(bool),
}

impl Raw<'_> {
    /// The row's key (stable, for exports) and its Vietnamese label.
    fn key_and_label(self, sector_names: &HashMap<String, String>) -> (String, String) {
        let text = |value: &str| {
            let key = crate::text::clean(value);
            let label = if key.is_empty() {
                NOT_RECORDED.to_string()
            } else {
                key.clone()
            };
            (key, label)
        };
        match self {
            Raw::Sex(sex) => (
                match sex {
                    Sex::Male => "male".to_string(),
                    Sex::Female => "female".to_string(),
                },
                sex.label_vi().to_string(),
            ),
            Raw::Band(band) => (band.code().to_string(), band.label_vi().to_string()),
            Raw::Ethnicity(id) => (
                id.0.to_string(),
                crate::ethnicity::by_id(id)
                    .map(|e| e.name.to_string())
                    .unwrap_or_else(|| id.0.to_string()),
            ),
            Raw::Religion(value) => {
                let (key, label) = text(value);
                if key.is_empty() {
                    (key, "Không".to_string())
                } else {
                    (key, label)
                }
            }
            Raw::Text(value) => text(value),
            Raw::Sector(code) => {
                let label = sector_names
                    .get(code)
                    .cloned()
                    .unwrap_or_else(|| code.to_string());
                (code.to_string(), label)
            }
            Raw::YouthUnion(true) => ("yes".to_string(), "Là đoàn viên".to_string()),
            Raw::YouthUnion(false) => ("no".to_string(), "Không là đoàn viên".to_string()),
        }
    }
}

/// `sector_names`: code → Vietnamese name of the configured sectors.
pub fn breakdown(
    tree: &UnitTree,
    root: UnitId,
    period: Period,
    admissions: &[Admission],
    sector_names: &HashMap<String, String>,
) -> Option<BreakdownReport> {
    let chosen: Vec<&Admission> = admissions
        .iter()
        .filter(|a| period.contains(a.ceremony_on) && tree.is_within(a.cell, root))
        .collect();
    let total = chosen.len() as i64;
    let share = |count: i64| {
        if total == 0 {
            0.0
        } else {
            count as f64 / total as f64
        }
    };
    // One pass over the admissions, counting what each dimension is read from: the shared
    // profile (a country's million admissions share a few thousand), the cell and the age
    // band. The maps keyed by typed text then see each distinct profile once, not each
    // admission.
    let mut per_profile: FastMap<*const facts::Profile, (&facts::Profile, i64)> =
        FastMap::default();
    let mut per_cell: FastMap<UnitId, i64> = FastMap::default();
    let mut per_band: FastMap<AgeBand, i64> = FastMap::default();
    for a in &chosen {
        per_profile
            .entry(std::ptr::from_ref(a.person))
            .or_insert((a.person, 0))
            .1 += 1;
        *per_cell.entry(a.cell).or_default() += 1;
        *per_band
            .entry(AgeBand::of_age(age_on(a.birth, a.ceremony_on)))
            .or_default() += 1;
    }
    let mut tables = Vec::new();
    for dimension in Dimension::ALL {
        // Count by what the record holds first (no allocation per value), then label
        // each distinct value once; cleaning may merge values spelt differently.
        let mut raw: HashMap<Raw, i64> = HashMap::new();
        match dimension {
            Dimension::AgeBand => {
                for (band, n) in &per_band {
                    *raw.entry(Raw::Band(*band)).or_default() += n;
                }
            }
            Dimension::Sector => {
                for (cell, n) in &per_cell {
                    let sector = tree.get(*cell).map(|u| u.sector.0.as_str()).unwrap_or("");
                    *raw.entry(Raw::Sector(sector)).or_default() += n;
                }
            }
            _ => {
                for &(p, n) in per_profile.values() {
                    let value = match dimension {
                        Dimension::Sex => Raw::Sex(p.sex),
                        Dimension::Ethnicity => Raw::Ethnicity(p.ethnicity),
                        Dimension::Religion => Raw::Religion(&p.religion),
                        Dimension::Education => Raw::Text(&p.general_education),
                        Dimension::PoliticalTheory => Raw::Text(&p.political_theory),
                        Dimension::Occupation => Raw::Text(&p.occupation),
                        Dimension::YouthUnion => Raw::YouthUnion(p.youth_union_member),
                        // Counted above, by band and by cell.
                        Dimension::AgeBand | Dimension::Sector => continue,
                    };
                    *raw.entry(value).or_default() += n;
                }
            }
        }
        let mut counts: HashMap<(String, String), i64> = HashMap::new();
        for (value, n) in raw {
            *counts.entry(value.key_and_label(sector_names)).or_default() += n;
        }
        let fixed: Option<Vec<(String, String)>> = match dimension {
            Dimension::Sex => Some(vec![
                ("male".into(), Sex::Male.label_vi().into()),
                ("female".into(), Sex::Female.label_vi().into()),
            ]),
            Dimension::AgeBand => Some(
                AgeBand::ALL
                    .into_iter()
                    .map(|b| (b.code().to_string(), b.label_vi().to_string()))
                    .collect(),
            ),
            Dimension::YouthUnion => Some(vec![
                ("yes".into(), "Là đoàn viên".into()),
                ("no".into(), "Không là đoàn viên".into()),
            ]),
            _ => None,
        };
        let rows = match fixed {
            Some(keys) => keys
                .into_iter()
                .map(|(key, label)| {
                    let count = counts
                        .get(&(key.clone(), label.clone()))
                        .copied()
                        .unwrap_or(0);
                    BreakdownRow {
                        key,
                        label,
                        count,
                        share: share(count),
                    }
                })
                .collect(),
            None => {
                let mut rows: Vec<BreakdownRow> = counts
                    .into_iter()
                    .map(|((key, label), count)| BreakdownRow {
                        key,
                        label,
                        count,
                        share: share(count),
                    })
                    .collect();
                rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
                rows
            }
        };
        tables.push(BreakdownTable {
            dimension,
            title: dimension.label_vi(),
            rows,
        });
    }
    Some(BreakdownReport {
        unit: tree.unit_ref(root, period.to)?,
        period,
        total,
        tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_headcount_up_to_the_limit_is_taken_and_one_more_is_a_typing_error() {
        let at_limit = HeadcountInput {
            unit: UnitId(1),
            as_of: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            official_members: HEADCOUNT_LIMIT,
            probationary_members: 0,
            workforce: Some(HEADCOUNT_LIMIT),
            youth_union_members: None,
            trade_union_members: None,
        };
        assert!(at_limit.check().is_ok());
        let over = HeadcountInput {
            probationary_members: HEADCOUNT_LIMIT + 1,
            ..at_limit
        };
        let refused = over.check().unwrap_err();
        assert_eq!(refused.rule, "input.too-large");
        assert_eq!(refused.field, "probationary_members");
    }
}
