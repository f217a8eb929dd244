//! What reports need to know about each case (dữ kiện hồ sơ), drawn once from the case, its
//! event history and its person, so that a report is a pass over memory rather than a
//! query over the whole event history.
//!
//! A country holds one and a half million cases and tens of millions of events, so the
//! facts are kept small (`CaseBook`): ids in 32 bits, the events of every case in one
//! array, seven bytes each (the cell as a slot of the case's own cells), without the
//! events that tell a report nothing new; of the person
//! only what the breakdown of admissions counts, as a profile shared by all alike; the name
//! and the due date for open cases only, as only open cases are listed by name.
//!
//! Nothing here depends on the day a report is looked at: the due date of an open case is
//! kept without its status, and each function takes the day (or period) it counts for.
//! Attribution is the report module's: an event counts for the cell it happened in.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono::{Datelike, Months, NaiveDate};

use super::{
    Admission, DaysHistogram, FastMap, FunnelStep, OpenCase, Period, StepCounts, Subgroup, Subtree,
    UnitTree, expected_ceremony,
};
use crate::calendar::Calendar;
use crate::case::{Case, Stage};
use crate::citizen_id::Sex;
use crate::deadline::{Due, next_due};
use crate::ethnicity::EthnicityId;
use crate::ids::{CaseId, PersonId, UnitId};
use crate::person::{BirthDate, PersonDetails};
use crate::rules::RuleBook;

/// An id too large for the report model's 32 bits (the model cannot be built).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    /// What the id is of, in Vietnamese.
    pub what: &'static str,
    pub value: i64,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} vượt quá giới hạn của mô hình báo cáo",
            self.what, self.value
        )
    }
}

impl std::error::Error for TooLarge {}

fn narrow(what: &'static str, value: i64) -> Result<u32, TooLarge> {
    u32::try_from(value)
        .ok()
        .filter(|v| *v != NO_CELL)
        .ok_or(TooLarge { what, value })
}

/// `EventFact::cell` of an event recorded without its cell.
const NO_CELL: u32 = u32::MAX;

/// One event of a case as reports see it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, packed(2))]
pub struct EventFact {
    on: NaiveDate,
    /// The cell the case was in when the event happened (`NO_CELL`: not recorded).
    cell: u32,
    /// The funnel step the event marks, if any (`FunnelStep::from_action`).
    step: Option<FunnelStep>,
    stage_after: Stage,
}

impl EventFact {
    pub fn new(
        on: NaiveDate,
        step: Option<FunnelStep>,
        stage_after: Stage,
        cell: Option<UnitId>,
    ) -> Result<EventFact, TooLarge> {
        Ok(EventFact {
            on,
            cell: match cell {
                Some(cell) => narrow("Mã đơn vị", cell.0)?,
                None => NO_CELL,
            },
            step,
            stage_after,
        })
    }

    pub fn on(&self) -> NaiveDate {
        self.on
    }

    pub fn step(&self) -> Option<FunnelStep> {
        self.step
    }

    pub fn stage_after(&self) -> Stage {
        self.stage_after
    }

    pub fn cell(&self) -> Option<UnitId> {
        let cell = self.cell;
        (cell != NO_CELL).then_some(UnitId(i64::from(cell)))
    }
}

/// An event as the book keeps it: its cell as a slot of the case's cells (`Events`), as
/// most cases never leave their cell (the country's events took 95 MB with the cell's id).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, packed)]
struct KeptEvent {
    on: NaiveDate,
    /// `CELL_NOW`, `CELL_UNKNOWN`, or 2 and up: the case's other cells.
    cell: u8,
    step: Option<FunnelStep>,
    stage_after: Stage,
}

/// `KeptEvent::cell` of an event in the case's cell now.
const CELL_NOW: u8 = 0;
/// `KeptEvent::cell` of an event recorded without its cell.
const CELL_UNKNOWN: u8 = 1;

/// The events kept of one case, in recording order.
#[derive(Debug, Clone, Copy)]
pub struct Events<'a> {
    kept: &'a [KeptEvent],
    /// The case's cell now.
    cell: u32,
    /// The case's other cells, by slot from 2.
    others: &'a [u32],
}

impl<'a> Events<'a> {
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    pub fn first(&self) -> Option<EventFact> {
        self.iter().next()
    }

    pub fn iter(&self) -> impl Iterator<Item = EventFact> + Clone + use<'a> {
        let (cell, others) = (self.cell, self.others);
        self.kept.iter().map(move |kept| EventFact {
            on: kept.on,
            cell: match kept.cell {
                CELL_NOW => cell,
                CELL_UNKNOWN => NO_CELL,
                slot => others
                    .get(usize::from(slot - 2))
                    .copied()
                    .unwrap_or(NO_CELL),
            },
            step: kept.step,
            stage_after: kept.stage_after,
        })
    }
}

/// The events worth keeping, in recording order. Reports read of an event without a
/// funnel step only its cell, as the latest event on or before a day (`members_by_cell`),
/// so such an event in the same cell as the one before adds nothing, as long as the days
/// never go back (a backdated event keeps them all).
fn worth_keeping(events: Vec<EventFact>) -> Vec<EventFact> {
    if events.windows(2).any(|w| w[0].on() > w[1].on()) {
        return events;
    }
    let mut kept: Vec<EventFact> = Vec::with_capacity(events.len());
    for event in events {
        let repeats = kept.last().is_some_and(|last| last.cell() == event.cell());
        if event.step.is_none() && repeats {
            continue;
        }
        kept.push(event);
    }
    kept
}

/// What the breakdown of admissions counts of a person (`report::breakdown`), kept once
/// for all the people alike.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Profile {
    pub sex: Sex,
    pub ethnicity: EthnicityId,
    pub religion: String,
    /// Giáo dục phổ thông.
    pub general_education: String,
    /// Lý luận chính trị.
    pub political_theory: String,
    pub occupation: String,
    pub youth_union_member: bool,
    /// The subgroup of the occupation (`Subgroup::of_occupation`).
    pub subgroup: Subgroup,
}

impl Profile {
    pub fn of(details: &PersonDetails) -> Profile {
        Profile {
            sex: details.sex,
            ethnicity: details.ethnicity,
            religion: details.religion.clone(),
            general_education: details.education.general.clone(),
            political_theory: details.education.political_theory.clone(),
            occupation: details.occupation.clone(),
            youth_union_member: details.youth_union_member,
            subgroup: Subgroup::of_occupation(&details.occupation),
        }
    }
}

/// What only an open case keeps: open cases are listed by name and person with their due
/// date. A country has 600,000 open cases; with their names in one text of the book and
/// the due date's rule and text in a table of it, each keeps 20 bytes here.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OpenFacts {
    person: u32,
    /// The full name (họ tên) of the person: `CaseBook::names[name_from..][..name_len]`.
    name_from: u32,
    name_len: u32,
    /// The next statutory due date, when the case has a running clock, and what it is
    /// (`CaseBook::due_kinds[due_kind]`).
    due_on: Option<NaiveDate>,
    due_kind: u16,
}

/// A person's date of birth in four bytes: a full date as twice its day count from the
/// common era's start, a year alone as twice the year and one.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BirthCode(i32);

impl BirthCode {
    fn of(birth: BirthDate) -> Result<BirthCode, TooLarge> {
        let (value, code) = match birth {
            BirthDate::Full(day) => {
                let days = day.num_days_from_ce();
                (days, days.checked_mul(2))
            }
            BirthDate::YearOnly(year) => (year, year.checked_mul(2).and_then(|y| y.checked_add(1))),
        };
        code.map(BirthCode).ok_or(TooLarge {
            what: "Ngày sinh",
            value: i64::from(value),
        })
    }

    fn birth(self) -> BirthDate {
        match self.0.rem_euclid(2) {
            0 => NaiveDate::from_num_days_from_ce_opt(self.0 / 2)
                .map_or(BirthDate::YearOnly(0), BirthDate::Full),
            _ => BirthDate::YearOnly((self.0 - 1) / 2),
        }
    }
}

/// A case as reports see it (40 bytes); its events, profile and what it keeps while open
/// are in the `CaseBook` that holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    case: u32,
    cell: u32,
    /// `CaseBook::events[events_from..events_from + events_len]`.
    events_from: u32,
    /// `CaseBook::profiles[profile]`.
    profile: u32,
    identified_on: NaiveDate,
    ceremony_on: Option<NaiveDate>,
    closed_on: Option<NaiveDate>,
    birth: BirthCode,
    /// `CaseBook::open[open]`, or `NOT_OPEN` for a closed case.
    open: u32,
    events_len: u16,
    /// Whether some of its events were in other cells (`CaseBook::other_cells`).
    moved: bool,
    stage: Stage,
}

/// `CaseFacts::open` of a closed case.
const NOT_OPEN: u32 = u32::MAX;

/// Room for a name made by `CaseBook::reserve`: more than most full names take in UTF-8.
const RESERVED_NAME_BYTES: usize = 32;

impl CaseFacts {
    pub fn case(&self) -> CaseId {
        CaseId(i64::from(self.case))
    }

    /// The responsible cell now.
    pub fn cell(&self) -> UnitId {
        UnitId(i64::from(self.cell))
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    pub fn identified_on(&self) -> NaiveDate {
        self.identified_on
    }

    pub fn ceremony_on(&self) -> Option<NaiveDate> {
        self.ceremony_on
    }

    pub fn closed_on(&self) -> Option<NaiveDate> {
        self.closed_on
    }

    pub fn birth(&self) -> BirthDate {
        self.birth.birth()
    }
}

/// Every case's facts, their events in one array and the profiles they share.
#[derive(Debug, Default)]
pub struct CaseBook {
    cases: Vec<CaseFacts>,
    events: Vec<KeptEvent>,
    /// By case id, the other cells its events were in (slots 2 and up of `KeptEvent`).
    other_cells: FastMap<u32, Box<[u32]>>,
    /// Never pruned until the model is built again: an edit that changes a person's
    /// profile leaves the old one behind (a country has a few thousand).
    profiles: Vec<Arc<Profile>>,
    /// Hashed with the standard SipHash: profiles hold what people typed (occupation,
    /// schooling), so keys could be chosen to collide.
    profile_ids: HashMap<Arc<Profile>, u32>,
    /// What the due dates are (what must happen, the rule behind it), each kept once: a
    /// handful for a country.
    due_kinds: Vec<(&'static str, Arc<str>)>,
    /// What open cases keep (`CaseFacts::open`); the places of cases since closed are in
    /// `free_open`, taken again first.
    open: Vec<OpenFacts>,
    free_open: Vec<u32>,
    /// The open cases' names one after another (`OpenFacts::name_from`): one text rather
    /// than an allocation each. Names of cases since closed or put again are left until
    /// they are half of it (`stale_names`, in bytes).
    names: String,
    stale_names: usize,
    /// Events of replaced facts still in `events`, dropped once they are half of it.
    stale: usize,
}

impl CaseBook {
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&CaseFacts> {
        self.cases.get(index)
    }

    pub fn iter(&self) -> impl Iterator<Item = &CaseFacts> {
        self.cases.iter()
    }

    /// The events kept of `case` (see `worth_keeping`), in recording order.
    pub fn events(&self, case: &CaseFacts) -> Events<'_> {
        let from = case.events_from as usize;
        let others = match case.moved {
            true => self.other_cells.get(&case.case).map(|o| &**o),
            false => None,
        };
        Events {
            kept: self
                .events
                .get(from..from + usize::from(case.events_len))
                .unwrap_or_default(),
            cell: case.cell,
            others: others.unwrap_or_default(),
        }
    }

    fn open_facts(&self, case: &CaseFacts) -> Option<&OpenFacts> {
        self.open.get(case.open as usize)
    }

    /// The next statutory due date of an open case with a running clock (what is due and
    /// the rule behind it: `due`).
    pub fn due_on(&self, case: &CaseFacts) -> Option<NaiveDate> {
        self.open_facts(case)?.due_on
    }

    /// The next statutory due date of an open case with a running clock.
    pub fn due(&self, case: &CaseFacts) -> Option<Due> {
        let open = self.open_facts(case)?;
        let (what, rule) = self.due_kinds.get(usize::from(open.due_kind))?;
        Some(Due {
            due: open.due_on?,
            what,
            rule: Arc::clone(rule),
        })
    }

    /// The person's full name; empty for a closed case.
    pub fn name(&self, case: &CaseFacts) -> &str {
        self.open_facts(case)
            .map(|open| self.name_of(open))
            .unwrap_or_default()
    }

    fn name_of(&self, open: &OpenFacts) -> &str {
        let from = open.name_from as usize;
        self.names
            .get(from..from + open.name_len as usize)
            .unwrap_or_default()
    }

    /// `case` as a line of an open-case list; `None` for a closed case.
    pub fn open_case(&self, case: &CaseFacts) -> Option<OpenCase<'_>> {
        let open = self.open_facts(case)?;
        Some(OpenCase {
            case: case.case(),
            person: PersonId(i64::from(open.person)),
            name: self.name(case),
            cell: case.cell(),
            stage: case.stage,
            ceremony_on: case.ceremony_on,
            due: self.due(case),
        })
    }

    pub fn profile(&self, case: &CaseFacts) -> Option<&Profile> {
        self.profiles.get(case.profile as usize).map(|p| &**p)
    }

    /// The units the case at `index` has been in: its cell now and its events' cells.
    pub fn units(&self, index: usize) -> Vec<UnitId> {
        let Some(case) = self.cases.get(index) else {
            return Vec::new();
        };
        let mut units: Vec<UnitId> = self.events(case).iter().filter_map(|e| e.cell()).collect();
        units.push(case.cell());
        units.sort_unstable();
        units.dedup();
        units
    }

    /// Keeps the facts of `case` at `index` (replacing what is there) or, without an
    /// index, after the others; returns where they are. The due date is judged by `rules`
    /// and `calendar` (a case whose rule set cannot be found keeps no due date, as the
    /// deadline lists skip it).
    pub fn put(
        &mut self,
        index: Option<usize>,
        case: &Case,
        details: &PersonDetails,
        events: Vec<EventFact>,
        rules: &RuleBook,
        calendar: &Calendar,
    ) -> Result<usize, TooLarge> {
        let events = worth_keeping(events);
        let events_from = narrow("Số sự kiện", self.events.len() as i64)?;
        let events_len = u16::try_from(events.len()).map_err(|_| TooLarge {
            what: "Số sự kiện của một hồ sơ",
            value: events.len() as i64,
        })?;
        let (id, cell) = (
            narrow("Mã hồ sơ", case.id.0)?,
            narrow("Mã đơn vị", case.cell.0)?,
        );
        let person = narrow("Mã người", case.person.0)?;
        let birth = BirthCode::of(details.birth)?;
        let (kept, others) = kept_events(&events, cell)?;
        let index = index.filter(|i| *i < self.cases.len());
        let replaced = index.and_then(|i| self.cases.get(i)).map(|c| c.open);
        let replaced_open = replaced.and_then(|o| self.open.get(o as usize));
        // What an open case keeps, checked before anything changes. A name as it was is
        // kept where it is (a case is put again after every change to it).
        let open = match case.stage.is_closed() {
            true => None,
            false => {
                let name = details.name.full();
                let same_name = replaced_open.filter(|o| self.name_of(o) == name);
                let (name_from, name_len) = match same_name {
                    Some(o) => (o.name_from, o.name_len),
                    None => (
                        narrow("Độ dài tên đã giữ", self.names.len() as i64)?,
                        narrow("Độ dài tên", name.len() as i64)?,
                    ),
                };
                let slot = match replaced.filter(|o| *o != NOT_OPEN) {
                    Some(slot) => slot,
                    None => match self.free_open.last() {
                        Some(slot) => *slot,
                        None => narrow("Số hồ sơ đang mở", self.open.len() as i64)?,
                    },
                };
                Some((
                    slot,
                    (same_name.is_none()).then_some(name),
                    name_from,
                    name_len,
                ))
            }
        };
        let due = match open {
            Some(_) => next_due(case, rules, calendar).ok().flatten(),
            None => None,
        };
        // The shared tables last: they change only when nothing else can fail (a due
        // date's kind added before a failing profile would be a harmless spare).
        let due_on = due.as_ref().map(|d| d.due);
        let due_kind = due.map(|due| self.due_kind(due)).transpose()?;
        let profile = self.profile_id(Profile::of(details))?;
        let open_at = match open {
            Some((slot, new_name, name_from, name_len)) => {
                let facts = OpenFacts {
                    person,
                    name_from,
                    name_len,
                    due_on,
                    due_kind: due_kind.unwrap_or_default(),
                };
                if let Some(name) = new_name {
                    self.names.push_str(&name);
                    if let Some(old) = replaced.and_then(|o| self.open.get(o as usize)) {
                        self.stale_names += old.name_len as usize;
                    }
                }
                match self.open.get_mut(slot as usize) {
                    Some(kept) => *kept = facts,
                    None => self.open.push(facts),
                }
                if self.free_open.last() == Some(&slot) {
                    self.free_open.pop();
                }
                slot
            }
            None => {
                // A case closed where an open one was: its place and name are free.
                if let Some(old) = replaced.filter(|o| *o != NOT_OPEN) {
                    if let Some(facts) = self.open.get(old as usize) {
                        self.stale_names += facts.name_len as usize;
                    }
                    self.free_open.push(old);
                }
                NOT_OPEN
            }
        };
        let facts = CaseFacts {
            case: id,
            cell,
            events_from,
            events_len,
            moved: !others.is_empty(),
            profile,
            identified_on: case.identified_on,
            ceremony_on: case.ceremony_on,
            closed_on: case.exit.as_ref().map(|e| e.on),
            birth,
            stage: case.stage,
            open: open_at,
        };
        self.events.extend(kept);
        if let Some(replaced) = index.and_then(|i| self.cases.get(i)) {
            // Another case's facts may have been there.
            self.other_cells.remove(&replaced.case);
        }
        if !others.is_empty() {
            self.other_cells.insert(id, others.into_boxed_slice());
        }
        let index = match index {
            Some(i) => {
                self.stale += self.cases[i].events_len as usize;
                self.cases[i] = facts;
                i
            }
            None => {
                self.cases.push(facts);
                self.cases.len() - 1
            }
        };
        if self.stale > self.events.len() / 2 {
            self.drop_stale();
        }
        if self.stale_names > self.names.len() / 2 {
            self.drop_stale_names();
        }
        Ok(index)
    }

    /// Copies the open cases' names into a new text, without those no longer kept.
    fn drop_stale_names(&mut self) {
        let mut names = String::with_capacity(self.names.len().saturating_sub(self.stale_names));
        for case in &self.cases {
            let Some(open) = self.open.get_mut(case.open as usize) else {
                continue;
            };
            let from = open.name_from as usize;
            let name = self.names.get(from..from + open.name_len as usize);
            // Shorter than before: the position still fits.
            open.name_from = names.len() as u32;
            names.push_str(name.unwrap_or_default());
        }
        self.names = names;
        self.stale_names = 0;
    }

    /// The place of what `due` is in `due_kinds`, added if new.
    fn due_kind(&mut self, due: Due) -> Result<u16, TooLarge> {
        let known = self
            .due_kinds
            .iter()
            .position(|(what, rule)| *what == due.what && *rule == due.rule);
        let at = known.unwrap_or(self.due_kinds.len());
        let kind = u16::try_from(at).map_err(|_| TooLarge {
            what: "Số loại hạn khác nhau",
            value: at as i64,
        })?;
        if known.is_none() {
            self.due_kinds.push((due.what, due.rule));
        }
        Ok(kind)
    }

    /// Makes room for `cases` more cases and `events` more events at once: grown by
    /// doubling, the arrays would be copied as they fill, the old copy and the new held
    /// together (the country's events took 95 MB). Room never written to takes no memory
    /// in arrays this large, which the system maps page by page.
    pub fn reserve(&mut self, cases: usize, events: usize) {
        self.cases.reserve_exact(cases);
        self.events.reserve_exact(events);
        // As if every case were open, with a long name: only what open cases write is used.
        self.open.reserve_exact(cases);
        self.names
            .reserve_exact(cases.saturating_mul(RESERVED_NAME_BYTES));
    }

    fn profile_id(&mut self, profile: Profile) -> Result<u32, TooLarge> {
        if let Some(id) = self.profile_ids.get(&profile) {
            return Ok(*id);
        }
        let id = narrow("Số hồ sơ cá nhân khác nhau", self.profiles.len() as i64)?;
        let profile = Arc::new(profile);
        self.profiles.push(Arc::clone(&profile));
        self.profile_ids.insert(profile, id);
        Ok(id)
    }

    /// Copies the live events into a new array, in the order of the cases.
    fn drop_stale(&mut self) {
        let mut events = Vec::with_capacity(self.events.len() - self.stale);
        for case in &mut self.cases {
            let from = case.events_from as usize;
            let live = self
                .events
                .get(from..from + case.events_len as usize)
                .unwrap_or_default();
            // Fewer events than before: the position still fits.
            case.events_from = events.len() as u32;
            events.extend_from_slice(live);
        }
        self.events = events;
        self.stale = 0;
    }
}

/// `events` as the book keeps them for a case now in `cell`, and the case's other cells.
fn kept_events(events: &[EventFact], cell: u32) -> Result<(Vec<KeptEvent>, Vec<u32>), TooLarge> {
    let mut others: Vec<u32> = Vec::new();
    let mut kept = Vec::with_capacity(events.len());
    for event in events {
        let event_cell = event.cell;
        let slot = match event_cell {
            NO_CELL => CELL_UNKNOWN,
            c if c == cell => CELL_NOW,
            c => {
                let at = others.iter().position(|o| *o == c).unwrap_or_else(|| {
                    others.push(c);
                    others.len() - 1
                });
                u8::try_from(at + 2).map_err(|_| TooLarge {
                    what: "Số chi bộ khác nhau của một hồ sơ",
                    value: at as i64 + 1,
                })?
            }
        };
        kept.push(KeptEvent {
            on: event.on,
            cell: slot,
            step: event.step,
            stage_after: event.stage_after,
        });
    }
    Ok((kept, others))
}

/// The cases of one subtree of a tree, for one report.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    tree: &'a UnitTree,
    subtree: Subtree<'a>,
    book: &'a CaseBook,
    /// Indexes in `book` of the cases that were ever in a unit of the subtree, ascending:
    /// the others cannot count in it.
    chosen: &'a [usize],
}

impl<'a> Facts<'a> {
    pub fn new(
        tree: &'a UnitTree,
        root: UnitId,
        book: &'a CaseBook,
        chosen: &'a [usize],
    ) -> Facts<'a> {
        Facts {
            tree,
            subtree: tree.subtree(root),
            book,
            chosen,
        }
    }

    fn cases(&self) -> impl Iterator<Item = &'a CaseFacts> + use<'a> {
        let book = self.book;
        self.chosen.iter().filter_map(move |&i| book.get(i))
    }

    fn events(&self, case: &CaseFacts) -> Events<'a> {
        self.book.events(case)
    }

    /// Ceremonies of `case` held in `[from, to]`, with the cell they were held in.
    fn ceremonies(
        &self,
        case: &CaseFacts,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = (NaiveDate, UnitId)> + use<'a> {
        self.events(case).iter().filter_map(move |e| {
            let held = e.step == Some(FunnelStep::Ceremony) && e.on() >= from && e.on() <= to;
            held.then(|| Some((e.on(), e.cell()?))).flatten()
        })
    }

    fn within(&self, cell: UnitId) -> bool {
        self.subtree.contains(cell)
    }

    /// Ceremonies held in `[from, to]` per cell.
    pub fn admissions_by_cell(&self, from: NaiveDate, to: NaiveDate) -> FastMap<UnitId, i64> {
        let mut counts = FastMap::default();
        for case in self.cases() {
            for (_, cell) in self.ceremonies(case, from, to) {
                if self.within(cell) {
                    *counts.entry(cell).or_default() += 1;
                }
            }
        }
        counts
    }

    /// Ceremonies held in `[from, to]` in cells of the education sector, per subgroup the
    /// person's occupation falls in (teachers, students; others are not counted).
    pub fn education_admissions(&self, from: NaiveDate, to: NaiveDate) -> FastMap<Subgroup, i64> {
        let mut counts = FastMap::default();
        for case in self.cases() {
            for (_, cell) in self.ceremonies(case, from, to) {
                let education = self
                    .tree
                    .get(cell)
                    .is_some_and(|u| u.sector.0 == "education");
                if !education || !self.within(cell) {
                    continue;
                }
                let subgroup = self
                    .book
                    .profile(case)
                    .map_or(Subgroup::All, |p| p.subgroup);
                if subgroup != Subgroup::All {
                    *counts.entry(subgroup).or_default() += 1;
                }
            }
        }
        counts
    }

    /// Ceremonies per calendar month (`(year, month)`) from the first day of the period's
    /// first month to its last day, every month of it, empty ones too: one walk of the
    /// cases for a period of many years.
    pub fn monthly_admissions(&self, period: Period) -> Vec<((i32, u32), i64)> {
        let (from, to) = (period.from, period.to);
        let first = from.with_day(1).unwrap_or(from);
        let month_number = |day: NaiveDate| i64::from(day.year()) * 12 + i64::from(day.month0());
        let start = month_number(first);
        let mut counts = vec![0i64; usize::try_from(month_number(to) - start + 1).unwrap_or(0)];
        for case in self.cases() {
            for (on, cell) in self.ceremonies(case, first, to) {
                if self.within(cell)
                    && let Ok(slot) = usize::try_from(month_number(on) - start)
                    && let Some(count) = counts.get_mut(slot)
                {
                    *count += 1;
                }
            }
        }
        (start..)
            .zip(counts)
            .map(|(n, count)| {
                (
                    (n.div_euclid(12) as i32, n.rem_euclid(12) as u32 + 1),
                    count,
                )
            })
            .collect()
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
    ) -> FastMap<UnitId, i64> {
        let mut counts = FastMap::default();
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
            let events = self.events(case);
            let decision = events.iter().find(|e| {
                e.step == Some(FunnelStep::Decision)
                    && e.stage_after == Stage::Decided
                    && e.on() <= as_of
            });
            for vote in events.iter().filter(|e| {
                e.step == Some(FunnelStep::CellVote)
                    && e.stage_after == Stage::CellResolved
                    && e.on() >= since
                    && e.on() <= as_of
            }) {
                if !vote.cell().is_some_and(|c| self.within(c)) {
                    continue;
                }
                let Some(cell) = decision.and_then(|d| d.cell()).or(vote.cell()) else {
                    continue;
                };
                let expected =
                    expected_ceremony(Some(vote.on()), decision.map(|d| d.on()), rules, calendar);
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
    pub fn members_by_cell(&self, day: NaiveDate) -> FastMap<UnitId, i64> {
        let mut counts = FastMap::default();
        for case in self.cases() {
            if case.ceremony_on.is_none_or(|d| d > day) || case.closed_on.is_some_and(|d| d <= day)
            {
                continue;
            }
            // The latest event on or before `day`: by date, then by recording order.
            let latest = self
                .events(case)
                .iter()
                .enumerate()
                .filter(|(_, e)| e.on() <= day)
                .max_by_key(|(i, e)| (e.on(), *i));
            if let Some(cell) = latest
                .and_then(|(_, e)| e.cell())
                .filter(|c| self.within(*c))
            {
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
        FastMap<UnitId, StepCounts>,
        FastMap<FunnelStep, DaysHistogram>,
    ) {
        let mut counts: FastMap<UnitId, StepCounts> = FastMap::default();
        let mut days: FastMap<FunnelStep, FastMap<i64, i64>> = FastMap::default();
        let in_period = |day: NaiveDate| day >= period.from && day <= period.to;
        for case in self.cases() {
            let events = self.events(case);
            if in_period(case.identified_on) {
                let cell = events.first().and_then(|e| e.cell()).unwrap_or(case.cell());
                if self.within(cell) {
                    counts.entry(cell).or_default().0[FunnelStep::Source.index()] += 1;
                }
            }
            for event in events.iter() {
                let (Some(step), Some(cell)) = (event.step, event.cell()) else {
                    continue;
                };
                if step == FunnelStep::Source
                    || !in_period(event.on())
                    || event.stage_after == Stage::NotAdmitted
                    || !self.within(cell)
                {
                    continue;
                }
                counts.entry(cell).or_default().0[step.index()] += 1;
                let mut add = |d: i64| *days.entry(step).or_default().entry(d).or_default() += 1;
                if step == FunnelStep::Sympathiser {
                    add((event.on() - case.identified_on).num_days());
                } else if let Some(before) = step.previous() {
                    for earlier in events.iter().filter(|e| e.step == Some(before)) {
                        add((event.on() - earlier.on()).num_days());
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
    pub fn last_ceremony_by_cell(&self, as_of: NaiveDate) -> FastMap<UnitId, NaiveDate> {
        let mut last: FastMap<UnitId, NaiveDate> = FastMap::default();
        for case in self.cases() {
            for (on, cell) in self.ceremonies(case, NaiveDate::MIN, as_of) {
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
            let Some(profile) = self.book.profile(case) else {
                continue;
            };
            for (on, cell) in self.ceremonies(case, period.from, period.to) {
                if self.within(cell) {
                    list.push(Admission {
                        case: case.case(),
                        cell,
                        ceremony_on: on,
                        birth: case.birth(),
                        person: profile,
                    });
                }
            }
        }
        list
    }

    /// Open cases now in a cell of the subtree whose stage passes `wanted`.
    pub fn open_cases(&self, wanted: impl Fn(Stage) -> bool) -> Vec<OpenCase<'a>> {
        self.cases()
            .filter(|c| !c.stage.is_closed() && wanted(c.stage) && self.within(c.cell()))
            .filter_map(|case| self.book.open_case(case))
            .collect()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::ethnicity::EthnicityId;
    use crate::person::Education;
    use crate::report::{Dimension, HeadcountInput, MembersSource, breakdown, members_on};
    use crate::text::PersonName;
    use crate::unit::{SectorCode, Unit, UnitKind};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn details() -> PersonDetails {
        PersonDetails {
            name: PersonName::new("Trần", "Thị", "Bình"),
            birth: BirthDate::Full(d(2000, 2, 3)),
            sex: Sex::Female,
            citizen_id: None,
            ethnicity: EthnicityId(1),
            religion: String::new(),
            education: Education::default(),
            occupation: "Giáo viên".into(),
            workplace: "Trường Tiểu học An Khánh".into(),
            residence: String::new(),
            youth_union_member: true,
            trade_union_member: false,
            phone: "0901234567".into(),
            email: String::new(),
        }
    }

    fn unit(id: i64, kind: UnitKind, parent: Option<i64>) -> Unit {
        Unit {
            id: UnitId(id),
            code: None,
            name: format!("Đơn vị {id}"),
            kind,
            parent: parent.map(UnitId),
            sector: SectorCode("residential".into()),
            valid_from: d(2020, 1, 1),
            valid_until: None,
            successor: None,
        }
    }

    /// A ward (1) with three cells (2, 3, 4).
    pub(in crate::report) fn ward() -> UnitTree {
        UnitTree::new(vec![
            unit(1, UnitKind::Ward, None),
            unit(2, UnitKind::Cell, Some(1)),
            unit(3, UnitKind::Cell, Some(1)),
            unit(4, UnitKind::Cell, Some(1)),
        ])
    }

    /// A province (`base + 1`) with two wards (2, 4) of one cell each (3, 5), and a cell (6)
    /// whose parent is not in the tree.
    fn province(base: i64) -> Vec<Unit> {
        vec![
            unit(base + 1, UnitKind::Province, None),
            unit(base + 2, UnitKind::Ward, Some(base + 1)),
            unit(base + 3, UnitKind::Cell, Some(base + 2)),
            unit(base + 4, UnitKind::Ward, Some(base + 1)),
            unit(base + 5, UnitKind::Cell, Some(base + 4)),
            unit(base + 6, UnitKind::Cell, Some(base + 99)),
        ]
    }

    #[test]
    fn a_tree_answers_alike_with_dense_and_sparse_ids() {
        // The same shape twice: ids 1…6, read through the table by id, and ids in the
        // billions, read through the maps.
        let shape = |base: i64| UnitTree::new(province(base));
        let answers = |tree: &UnitTree, base: i64| {
            (0..=8)
                .map(|n| {
                    let id = UnitId(base + n);
                    let within: Vec<bool> = (1..=6)
                        .map(|root| tree.subtree(UnitId(base + root)).contains(id))
                        .collect();
                    (
                        tree.get(id).map(|u| u.id.0 - base),
                        tree.position(id),
                        within,
                    )
                })
                .collect::<Vec<_>>()
        };
        let dense = answers(&shape(0), 0);
        assert_eq!(dense, answers(&shape(5_000_000_000), 5_000_000_000));
        assert_eq!(dense[0], (None, None, vec![false; 6]));
        assert_eq!(dense[3].0, Some(3));
        assert_eq!(dense[3].2, [true, true, true, false, false, false]);
        assert_eq!(dense[7], (None, None, vec![false; 6]));
        assert_eq!(
            shape(0).subtree(UnitId(2)).positions().len(),
            2,
            "the ward and its cell"
        );
    }

    #[test]
    fn roll_ups_and_members_count_the_subtree_of_their_root_only() {
        for base in [0, 5_000_000_000] {
            let id = |n: i64| UnitId(base + n);
            let mut units = province(base);
            units.extend([
                unit(base + 7, UnitKind::Cell, Some(base + 2)),
                // Closed before the day the members are counted on.
                Unit {
                    valid_until: Some(d(2025, 6, 30)),
                    ..unit(base + 8, UnitKind::Cell, Some(base + 2))
                },
            ]);
            let tree = UnitTree::new(units);
            let values: FastMap<UnitId, i64> = FastMap::from_iter([
                (id(3), 1),
                (id(7), 10),
                (id(5), 100),
                (id(6), 1000),
                (id(8), 10_000),
                (id(1), 100_000),
            ]);
            let expect = |pairs: &[(i64, i64)]| -> FastMap<UnitId, i64> {
                pairs.iter().map(|&(n, v)| (id(n), v)).collect()
            };
            assert_eq!(
                tree.roll_up(id(1), &values),
                expect(&[
                    (1, 110_111),
                    (2, 10_011),
                    (3, 1),
                    (7, 10),
                    (8, 10_000),
                    (4, 100),
                    (5, 100)
                ])
            );
            assert_eq!(
                tree.roll_up(id(2), &values),
                expect(&[(2, 10_011), (3, 1), (7, 10), (8, 10_000)])
            );
            assert_eq!(tree.roll_up(id(6), &values), expect(&[(6, 1000)]));
            assert!(tree.roll_up(id(42), &values).is_empty());

            let day = d(2026, 1, 1);
            let headcount = HeadcountInput {
                unit: id(4),
                as_of: d(2025, 12, 31),
                official_members: 40,
                probationary_members: 10,
                workforce: None,
                youth_union_members: None,
                trade_union_members: None,
            };
            let headcounts = FastMap::from_iter([(id(4), headcount)]);
            let from_cases: FastMap<UnitId, i64> =
                FastMap::from_iter([(id(3), 2), (id(7), 1), (id(5), 9), (id(8), 5)]);
            let counts = |root: i64| -> Vec<(i64, i64, MembersSource)> {
                let mut list: Vec<_> = members_on(&tree, id(root), day, &headcounts, &from_cases)
                    .into_iter()
                    .map(|(unit, m)| (unit.0 - base, m.count, m.source))
                    .collect();
                list.sort_by_key(|&(unit, _, _)| unit);
                list
            };
            assert_eq!(
                counts(1),
                [
                    (1, 53, MembersSource::SubUnits),
                    (2, 3, MembersSource::SubUnits),
                    (3, 2, MembersSource::Cases),
                    (4, 50, MembersSource::Headcount),
                    (5, 9, MembersSource::Cases),
                    (7, 1, MembersSource::Cases),
                    (8, 5, MembersSource::Cases)
                ]
            );
            assert_eq!(
                counts(2),
                [
                    (2, 3, MembersSource::SubUnits),
                    (3, 2, MembersSource::Cases),
                    (7, 1, MembersSource::Cases),
                    (8, 5, MembersSource::Cases)
                ]
            );
        }
    }

    #[test]
    fn a_breakdown_counts_every_admission_of_a_shared_profile() {
        let tree = ward();
        let teacher = Profile::of(&details());
        let worker = Profile {
            sex: Sex::Male,
            occupation: "Công nhân".into(),
            ..teacher.clone()
        };
        let admission = |case: i64, cell: i64, person: &'static Profile, born: i32| Admission {
            case: CaseId(case),
            cell: UnitId(cell),
            ceremony_on: d(2025, 6, 1),
            birth: BirthDate::Full(d(born, 1, 1)),
            person,
        };
        let (teacher, worker): (&'static Profile, &'static Profile) =
            (Box::leak(Box::new(teacher)), Box::leak(Box::new(worker)));
        // Three admissions share the teacher's profile, in two cells and two age bands.
        let admissions = [
            admission(1, 2, teacher, 2000),
            admission(2, 2, teacher, 1990),
            admission(3, 3, teacher, 2000),
            admission(4, 3, worker, 2000),
        ];
        let sectors = std::collections::HashMap::new();
        let of_2025 = |root: i64| {
            breakdown(
                &tree,
                UnitId(root),
                Period::year(2025).unwrap(),
                &admissions,
                &sectors,
            )
            .unwrap()
        };
        let report = of_2025(1);
        assert_eq!(report.total, 4);
        assert_eq!(report.count(Dimension::Occupation, "Giáo viên"), 3);
        assert_eq!(report.count(Dimension::Occupation, "Công nhân"), 1);
        assert_eq!(report.count(Dimension::Sex, "male"), 1);
        assert_eq!(report.count(Dimension::AgeBand, "18-30"), 3);
        assert_eq!(report.count(Dimension::AgeBand, "31-40"), 1);
        assert_eq!(report.count(Dimension::Sector, "residential"), 4);
        // One cell's: one admission of the shared profile.
        assert_eq!(of_2025(3).count(Dimension::Occupation, "Giáo viên"), 1);
    }

    fn event(on: NaiveDate, step: Option<FunnelStep>, cell: Option<i64>) -> EventFact {
        EventFact::new(on, step, Stage::Source, cell.map(UnitId)).unwrap()
    }

    fn case(id: i64, stage: Stage) -> Case {
        let mut case = Case::new_source(
            CaseId(id),
            PersonId(id),
            UnitId(2),
            false,
            d(2024, 1, 2),
            None,
        );
        case.stage = stage;
        case
    }

    fn put(
        book: &mut CaseBook,
        index: Option<usize>,
        case: &Case,
        events: Vec<EventFact>,
    ) -> usize {
        let rules = RuleBook::builtin().unwrap();
        book.put(
            index,
            case,
            &details(),
            events,
            &rules,
            &Calendar::generated(),
        )
        .unwrap()
    }

    #[test]
    fn open_cases_keep_their_own_names_through_closing_reopening_and_compaction() {
        let rules = RuleBook::builtin().unwrap();
        let calendar = Calendar::generated();
        let mut book = CaseBook::default();
        let named = |n: usize| {
            let mut who = details();
            who.name = PersonName::new("Nguyễn", "Văn", &"A".repeat(n + 1));
            who
        };
        let mut cases: Vec<Case> = (1..=6).map(|id| case(id, Stage::Sympathiser)).collect();
        let mut names: Vec<String> = Vec::new();
        for (n, c) in cases.iter().enumerate() {
            book.put(None, c, &named(n), Vec::new(), &rules, &calendar)
                .unwrap();
            names.push(named(n).name.full());
        }
        // Case 2 closes (its place is freed), case 5 is renamed again and again (its
        // names pile up until they are dropped), case 2 opens again under a new name.
        cases[1].stage = Stage::Withdrawn;
        book.put(Some(1), &cases[1], &named(1), Vec::new(), &rules, &calendar)
            .unwrap();
        names[1] = String::new();
        assert_eq!(book.free_open, vec![1]);
        for round in 0..30 {
            book.put(
                Some(4),
                &cases[4],
                &named(10 + round),
                Vec::new(),
                &rules,
                &calendar,
            )
            .unwrap();
            names[4] = named(10 + round).name.full();
        }
        // Put again under the same name (every change to a case puts it again): the name
        // stays where it is.
        let before = book.names.len();
        cases[2].stage = Stage::AwarenessCertified;
        book.put(Some(2), &cases[2], &named(2), Vec::new(), &rules, &calendar)
            .unwrap();
        assert_eq!(book.names.len(), before);
        cases[1].stage = Stage::Sympathiser;
        book.put(Some(1), &cases[1], &named(7), Vec::new(), &rules, &calendar)
            .unwrap();
        names[1] = named(7).name.full();
        assert!(book.free_open.is_empty());
        assert_eq!(book.open.len(), 6, "the freed place is taken again");
        // Stale names were dropped along the way: less than twice the live ones are kept.
        let live: usize = names.iter().map(String::len).sum();
        assert!(
            book.names.len() < 2 * live,
            "{} of {live}",
            book.names.len()
        );
        for (i, name) in names.iter().enumerate() {
            let facts = book.get(i).unwrap();
            assert_eq!(book.name(facts), name, "case {}", i + 1);
            let open = book.open_case(facts);
            assert_eq!(
                open.map(|o| o.person),
                (!name.is_empty()).then_some(PersonId(i as i64 + 1))
            );
        }
    }

    #[test]
    fn a_case_that_cannot_be_kept_changes_nothing() {
        let rules = RuleBook::builtin().unwrap();
        let calendar = Calendar::generated();
        let mut voted = case(1, Stage::FileOpened);
        voted.file_opened_on = Some(d(2024, 3, 1));
        let events = vec![event(d(2024, 1, 2), None, Some(3))];
        let mut absurd = details();
        absurd.birth = BirthDate::YearOnly(i32::MAX);
        let mut book = CaseBook::default();
        let put = book.put(None, &voted, &absurd, events.clone(), &rules, &calendar);
        assert!(put.is_err());
        let held = |book: &CaseBook| {
            (
                book.len(),
                book.events.len(),
                book.profiles.len(),
                book.due_kinds.len(),
                book.other_cells.len(),
                book.open.len(),
                book.names.len(),
            )
        };
        assert_eq!(held(&book), (0, 0, 0, 0, 0, 0, 0));
        // The same case with a plausible birth is kept, with a due date and another cell.
        book.put(None, &voted, &details(), events, &rules, &calendar)
            .unwrap();
        let name = "Trần Thị Bình".len();
        assert_eq!(held(&book), (1, 1, 1, 1, 1, 1, name));
    }

    #[test]
    fn the_facts_stay_small() {
        // A country's eighteen million events and one and a half million cases.
        assert_eq!(std::mem::size_of::<EventFact>(), 10);
        assert_eq!(std::mem::size_of::<KeptEvent>(), 7);
        assert_eq!(std::mem::size_of::<CaseFacts>(), 40);
        assert_eq!(std::mem::size_of::<OpenFacts>(), 20);
    }

    #[test]
    fn an_event_in_the_same_cell_without_a_step_is_dropped_only_while_days_run_forward() {
        let forward = vec![
            event(d(2024, 1, 2), None, Some(2)),
            event(d(2024, 1, 3), None, Some(2)),
            event(d(2024, 2, 1), Some(FunnelStep::Sympathiser), Some(2)),
            event(d(2024, 3, 1), None, Some(3)),
            event(d(2024, 3, 2), None, Some(3)),
            event(d(2024, 3, 3), None, None),
            event(d(2024, 3, 4), None, None),
        ];
        let kept = worth_keeping(forward.clone());
        let days: Vec<NaiveDate> = kept.iter().map(EventFact::on).collect();
        assert_eq!(
            days,
            vec![d(2024, 1, 2), d(2024, 2, 1), d(2024, 3, 1), d(2024, 3, 3)]
        );
        let mut backdated = forward;
        backdated.swap(3, 4);
        backdated[4] = event(d(2024, 2, 15), None, Some(3));
        assert_eq!(worth_keeping(backdated.clone()), backdated);
    }

    #[test]
    fn members_per_cell_are_the_same_with_the_events_dropped() {
        let tree = ward();
        let mut member = case(1, Stage::Probation);
        member.ceremony_on = Some(d(2024, 6, 1));
        let events = vec![
            event(d(2024, 1, 2), None, Some(2)),
            event(d(2024, 1, 20), None, Some(2)),
            event(d(2024, 6, 1), Some(FunnelStep::Ceremony), Some(2)),
            event(d(2024, 6, 9), None, Some(2)),
            event(d(2024, 7, 1), None, Some(3)),
            event(d(2024, 7, 1), None, Some(4)),
            event(d(2024, 7, 2), None, Some(4)),
            event(d(2024, 9, 5), None, None),
            event(d(2024, 9, 9), None, Some(3)),
        ];
        let mut book = CaseBook::default();
        put(&mut book, None, &member, events.clone());
        assert!(book.events(book.get(0).unwrap()).len() < events.len());
        let facts = Facts::new(&tree, UnitId(1), &book, &[0]);
        let mut day = d(2024, 5, 30);
        while day < d(2024, 10, 1) {
            // The cell of the latest of all the events on or before the day.
            let expected: FastMap<UnitId, i64> = events
                .iter()
                .rev()
                .find(|e| e.on() <= day)
                .and_then(EventFact::cell)
                .filter(|_| day >= d(2024, 6, 1))
                .map(|cell| (cell, 1))
                .into_iter()
                .collect();
            assert_eq!(facts.members_by_cell(day), expected, "{day}");
            day = day.succ_opt().unwrap();
        }
        assert_eq!(book.units(0), vec![UnitId(2), UnitId(3), UnitId(4)]);
    }

    #[test]
    fn the_funnel_and_the_pipeline_see_every_step_with_the_events_dropped() {
        let tree = ward();
        let at = |day: u32| d(2024, 1, 1) + chrono::Days::new(u64::from(day));
        let step = |day: u32, step: Option<FunnelStep>, stage: Stage| {
            EventFact::new(at(day), step, stage, Some(UnitId(2))).unwrap()
        };
        let events = vec![
            step(1, None, Stage::Source),
            step(10, Some(FunnelStep::Sympathiser), Stage::Sympathiser),
            step(12, None, Stage::Sympathiser),
            step(20, Some(FunnelStep::Awareness), Stage::AwarenessCertified),
            step(30, Some(FunnelStep::Application), Stage::FileOpened),
            step(31, None, Stage::FileOpened),
            step(33, None, Stage::Introduced),
            step(40, Some(FunnelStep::CellVote), Stage::CellResolved),
            step(45, None, Stage::CellResolved),
        ];
        let mut open = case(1, Stage::CellResolved);
        open.identified_on = at(1);
        let mut book = CaseBook::default();
        put(&mut book, None, &open, events.clone());
        assert_eq!(book.events(book.get(0).unwrap()).len(), 5);
        let facts = Facts::new(&tree, UnitId(1), &book, &[0]);

        let (counts, days) = facts.funnel_inputs(Period {
            from: at(0),
            to: at(100),
        });
        let steps = [
            FunnelStep::Source,
            FunnelStep::Sympathiser,
            FunnelStep::Awareness,
            FunnelStep::Application,
            FunnelStep::CellVote,
        ];
        for s in FunnelStep::ALL {
            let expected = i64::from(steps.contains(&s));
            assert_eq!(counts[&UnitId(2)].get(s), expected, "{s:?}");
        }
        let gaps: Vec<(FunnelStep, Vec<(i64, i64)>)> = [
            FunnelStep::Sympathiser,
            FunnelStep::Awareness,
            FunnelStep::Application,
            FunnelStep::CellVote,
        ]
        .into_iter()
        .map(|s| (s, days[&s].0.clone()))
        .collect();
        assert_eq!(
            gaps,
            vec![
                (FunnelStep::Sympathiser, vec![(9, 1)]),
                (FunnelStep::Awareness, vec![(10, 1)]),
                (FunnelStep::Application, vec![(10, 1)]),
                (FunnelStep::CellVote, vec![(10, 1)]),
            ]
        );

        // Voted on day 40, no decision yet: in the pipeline from the vote on, when the
        // year's end leaves room for the statutory steps.
        let rules = RuleBook::builtin().unwrap();
        let calendar = Calendar::generated();
        let pipeline =
            |as_of: NaiveDate| facts.pipeline_by_cell(as_of, d(2024, 12, 31), &rules, &calendar);
        assert!(pipeline(at(39)).is_empty());
        assert_eq!(pipeline(at(46)), FastMap::from_iter([(UnitId(2), 1)]));
    }

    #[test]
    fn a_case_put_again_keeps_only_its_new_events_and_the_stale_ones_go() {
        let mut book = CaseBook::default();
        let other = case(2, Stage::Source);
        put(
            &mut book,
            None,
            &other,
            vec![event(d(2024, 1, 2), None, Some(3))],
        );
        let mut open = case(1, Stage::Sympathiser);
        let mut i = put(
            &mut book,
            None,
            &open,
            vec![event(d(2024, 1, 2), None, Some(2))],
        );
        for n in 1..=40u32 {
            let events: Vec<EventFact> = (0..n)
                .map(|k| {
                    event(
                        d(2024, 1, 2) + chrono::Days::new(u64::from(k)),
                        Some(FunnelStep::Sympathiser),
                        Some(2),
                    )
                })
                .collect();
            i = put(&mut book, Some(i), &open, events);
            assert_eq!(book.events(book.get(i).unwrap()).len(), n as usize);
        }
        assert_eq!(book.len(), 2);
        // Forty replacements of up to forty events: the array holds less than twice what
        // is live.
        assert!(book.events.len() < 2 * (40 + 1), "{}", book.events.len());
        assert_eq!(
            book.events(book.get(0).unwrap()).iter().collect::<Vec<_>>(),
            [event(d(2024, 1, 2), None, Some(3))]
        );
        assert_eq!(book.name(book.get(i).unwrap()), "Trần Thị Bình");
        open.stage = Stage::Withdrawn;
        let i = put(&mut book, Some(i), &open, Vec::new());
        assert_eq!(book.name(book.get(i).unwrap()), "");
        assert_eq!(
            book.profile(book.get(i).unwrap()).unwrap().subgroup,
            Subgroup::Teachers
        );
        assert_eq!(book.profiles.len(), 1);
        // The other case's event was in another cell than its own; put again with its
        // events in its own cell, it keeps no other cells.
        assert_eq!(book.other_cells.len(), 1);
        put(
            &mut book,
            Some(0),
            &other,
            vec![event(d(2024, 1, 2), None, Some(2))],
        );
        assert!(book.other_cells.is_empty());
        assert_eq!(book.units(0), vec![UnitId(2)]);
    }
}
