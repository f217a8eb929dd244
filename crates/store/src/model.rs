//! The report model: the unit tree, every case's facts (`report::facts`), headcounts,
//! targets, the rule book and the calendar, held in memory and brought up to date from the
//! audit log before each report.
//!
//! Every change writes an audit row in its own transaction, so the rows after the last one
//! seen say exactly what to reload: a case, the cases of a person, the headcounts or the
//! targets, the unit tree; anything else (rule sets, calendars, a dataset) rebuilds the
//! model.
//! Reports therefore count what is committed, as a query would, without scanning the whole
//! event history on each request, and several server processes stay consistent.
//!
//! On PostgreSQL audit ids come from a sequence and may commit out of order: an id skipped
//! over is kept as a gap and looked for again until it appears or `GAP_PATIENCE` passes
//! (a rolled-back transaction leaves a gap that never fills).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use ketnap_domain::calendar::Calendar;
use ketnap_domain::case::{Case, Stage};
use ketnap_domain::deadline::Due;
use ketnap_domain::ids::{CaseId, UnitId};
use ketnap_domain::person::PersonDetails;
use ketnap_domain::ports::{RuleStore, StoreError, StoreResult};
use ketnap_domain::report::facts::{CaseBook, EventFact};
use ketnap_domain::report::tally::Tally;
use ketnap_domain::report::{FastMap, FunnelStep, HeadcountInput, Subgroup, UnitTree};
use ketnap_domain::rules::RuleBook;
use ketnap_domain::unit::SectorCode;
use tokio::sync::{RwLock, RwLockReadGuard};

use crate::keys::open_details;
use crate::plans::{HEADCOUNT_COLUMNS, HeadcountRow};
use crate::units::{PlacedMassOrgs, UNIT_COLUMNS, UnitRow};
use crate::{Store, backend_error, from_json, parse_date};

/// How long an audit id skipped over is looked for again.
const GAP_PATIENCE: Duration = Duration::from_secs(600);
/// More audit rows than this since the last look: rebuild rather than replay.
const REPLAY_LIMIT: i64 = 5_000;
/// Unapplied audit rows `current_model` looks through before it lets the database
/// answer instead.
const TREE_CHECK_LIMIT: i64 = 64;
/// How far below the newest audit id a model being loaded looks for ids not committed yet.
const IN_FLIGHT: i64 = 200;
/// Ids per `IN (…)` list when reloading cases.
const CHUNK: usize = 500;
/// Case ids per query when loading the model (the events of a slice are held at once).
const LOAD_SLICE: usize = 5_000;

/// A yearly target row: unit, year, sector code (`''` overall), subgroup, target.
pub(crate) type TargetRow = (UnitId, i32, String, Subgroup, i64);

/// Set overall targets per unit, and the sector targets of one unit.
pub(crate) type YearTargets = (FastMap<UnitId, i64>, Vec<(SectorCode, Subgroup, i64)>);

/// A `chosen` answer kept: the subtree's root, the model's generation, the cases.
type Chosen = (UnitId, u64, Arc<[usize]>);

pub(crate) struct ReportModel {
    pub tree: UnitTree,
    /// For the case list's filters (`Store::filter_choices`), not for reports.
    pub mass_orgs: PlacedMassOrgs,
    pub book: CaseBook,
    /// Case id → index in `book`.
    index: CaseIndex,
    /// The cases by the places in the tree's walk of the units they have been in: a
    /// subtree's cases are one range of places (`UnitTree::position`).
    places: Places,
    /// What a large scope's home page sums, kept with each case put.
    pub tally: Tally,
    /// By unit, then by day (oldest first), in one array of what reports count (who
    /// recorded a headcount is not kept): a country has 271,000.
    headcounts: Vec<KeptHeadcount>,
    pub targets: Vec<TargetRow>,
    pub rules: RuleBook,
    pub calendar: Calendar,
    cursor: Cursor,
    /// Moves on with every change applied, so results kept elsewhere know they are stale.
    generation: u64,
    last_chosen: Mutex<Option<Chosen>>,
}

impl ReportModel {
    /// The stage and next due date of `case` as the model last put it; `None` for a case
    /// it does not hold.
    pub fn stage_and_due(&self, case: CaseId) -> Option<(Stage, Option<Due>)> {
        let key = u32::try_from(case.0).ok()?;
        let facts = self.book.get(self.index.get(key)? as usize)?;
        Some((facts.stage(), self.book.due(facts)))
    }

    /// Each unit's latest headcount on or before `day`, for the units `wanted`.
    pub fn latest_headcounts(
        &self,
        day: chrono::NaiveDate,
        wanted: impl Fn(UnitId) -> bool,
    ) -> FastMap<UnitId, HeadcountInput> {
        self.headcounts
            .chunk_by(|a, b| a.unit == b.unit)
            .filter(|list| list.first().is_some_and(|h| wanted(h.unit())))
            .filter_map(|list| {
                list.iter()
                    .rev()
                    .find(|h| h.as_of <= day)
                    .map(|h| (h.unit(), h.input()))
            })
            .collect()
    }

    /// Set targets of `year`: overall ones per unit, and the sector ones of `unit`.
    pub fn targets_of(&self, unit: UnitId, year: i32) -> YearTargets {
        let mut overall = FastMap::default();
        let mut sectors = Vec::new();
        for (u, y, sector, subgroup, target) in &self.targets {
            if *y != year {
                continue;
            }
            if sector.is_empty() {
                overall.insert(*u, *target);
            } else if *u == unit {
                sectors.push((SectorCode(sector.clone()), *subgroup, *target));
            }
        }
        (overall, sectors)
    }

    /// Indexes of the cases that have been in a unit of `root`'s subtree, ascending. The
    /// last answer is kept: a dashboard asks for the same subtree once per report.
    pub fn chosen(&self, root: UnitId) -> Arc<[usize]> {
        if let Ok(last) = self.last_chosen.lock()
            && let Some((unit, generation, chosen)) = last.as_ref()
            && *unit == root
            && *generation == self.generation
        {
            return Arc::clone(chosen);
        }
        let chosen: Arc<[usize]> = self.choose(root).into();
        if let Ok(mut last) = self.last_chosen.lock() {
            *last = Some((root, self.generation, Arc::clone(&chosen)));
        }
        chosen
    }

    fn choose(&self, root: UnitId) -> Vec<usize> {
        let range = self.tree.subtree(root).positions();
        let mut chosen: Vec<usize> = self
            .places
            .cases_in(range.start as u32..range.end as u32)
            .map(|i| i as usize)
            .collect();
        // Most of the country: a mark per case beats sorting a million and a half indexes.
        if chosen.len() > self.book.len() / 32 {
            let mut marked = vec![false; self.book.len()];
            for &i in &chosen {
                if let Some(mark) = marked.get_mut(i) {
                    *mark = true;
                }
            }
            return (0..marked.len()).filter(|&i| marked[i]).collect();
        }
        chosen.sort_unstable();
        chosen.dedup();
        chosen
    }

    fn places_of(&self, i: usize) -> Vec<(u32, u32)> {
        self.book
            .units(i)
            .into_iter()
            .filter_map(|u| self.tree.position(u))
            .map(|at| (at as u32, i as u32))
            .collect()
    }

    /// Places every case again (after the tree changed, or once all are loaded) and counts
    /// them again.
    fn place_all(&mut self) {
        self.place_cases();
        self.tally = Tally::new(&self.tree, &self.book);
    }

    /// Places every case again, the tally left as it is.
    fn place_cases(&mut self) {
        let cases = 0..self.book.len();
        self.places = Places::new(self.tree.units().len(), || {
            cases.clone().flat_map(|i| self.places_of(i))
        });
    }

    /// Keeps the facts of `case` (see `CaseBook::put`), in place of those it had.
    fn put_case(
        &mut self,
        case: &Case,
        details: &PersonDetails,
        events: Vec<EventFact>,
        placing: Placing,
    ) -> StoreResult<()> {
        let key = u32::try_from(case.id.0).map_err(|_| too_large(case.id.0))?;
        let known = self.index.get(key).map(|i| i as usize);
        if let Some(i) = known {
            for place in self.places_of(i) {
                self.places.remove(place);
            }
            self.tally.remove(&self.tree, &self.book, i);
        }
        let put = self
            .book
            .put(known, case, details, events, &self.rules, &self.calendar);
        let i = match put {
            Ok(i) => i,
            Err(e) => {
                // The book kept the old facts: count them again.
                if let Some(i) = known {
                    let places = self.places_of(i);
                    self.places.extend(places);
                    self.tally.add(&self.tree, &self.book, i);
                }
                return Err(StoreError::Backend(e.to_string()));
            }
        };
        self.index.insert(key, i as u32, self.book.len());
        if placing == Placing::Now {
            let places = self.places_of(i);
            self.places.extend(places);
            self.tally.add(&self.tree, &self.book, i);
            if self.places.worth_rebuilding() {
                self.place_cases();
            }
        }
        Ok(())
    }
}

/// Case id → index in the book: a table read by id, as case ids come from a sequence (4
/// bytes a case, where a hash map took 12), and a map for an id far past the others.
#[derive(Debug, Default)]
struct CaseIndex {
    table: Vec<u32>,
    far: HashMap<u32, u32>,
}

impl CaseIndex {
    const ABSENT: u32 = u32::MAX;

    fn get(&self, case: u32) -> Option<u32> {
        match self.table.get(case as usize) {
            Some(&i) if i != Self::ABSENT => Some(i),
            _ => self.far.get(&case).copied(),
        }
    }

    /// Keeps `index` for `case`; `cases` is how many the book holds, which bounds how far
    /// the table grows.
    fn insert(&mut self, case: u32, index: u32, cases: usize) {
        let at = case as usize;
        if at >= self.table.len() && Self::in_table(at, cases) {
            self.table.resize(at + 1, Self::ABSENT);
        }
        match self.table.get_mut(at) {
            Some(slot) => {
                *slot = index;
                // It may have been far when the table was shorter.
                self.far.remove(&case);
            }
            None => {
                self.far.insert(case, index);
            }
        }
    }

    /// Whether the table grows to hold id `at` when the book holds `cases`: ids far past
    /// the others go to the map.
    fn in_table(at: usize, cases: usize) -> bool {
        at <= cases.saturating_mul(2).saturating_add(1024)
    }

    /// Makes room at once for ids up to `last`, `cases` of them.
    fn reserve(&mut self, last: usize, cases: usize) {
        if Self::in_table(last, cases) {
            self.table
                .reserve_exact((last + 1).saturating_sub(self.table.len()));
        }
    }
}

/// (place in the tree's walk, index in the book) pairs, by place: the cases of place `p`
/// are `cases[starts[p]..starts[p + 1]]`, ascending, 4 bytes a pair where a B-tree of the
/// pairs took 12 (and as much again for the array it was built from). Pairs put and taken
/// out since the arrays were built are kept beside them until they are many enough to
/// build the arrays again.
#[derive(Debug, Default)]
struct Places {
    starts: Vec<u32>,
    cases: Vec<u32>,
    added: BTreeSet<(u32, u32)>,
    removed: BTreeSet<(u32, u32)>,
}

impl Places {
    /// The arrays of the pairs `pairs` gives (each call the same pairs, in ascending case
    /// order) for `places` places: counted in a first pass, so that each array is made
    /// once at its size.
    fn new<I: Iterator<Item = (u32, u32)>>(places: usize, pairs: impl Fn() -> I) -> Places {
        let mut starts = vec![0u32; places + 1];
        for (place, _) in pairs() {
            if let Some(count) = starts.get_mut(place as usize + 1) {
                *count += 1;
            }
        }
        // Counted at `place + 1`: summed, `starts[p]` is where place `p` starts.
        let mut total = 0;
        for start in &mut starts {
            total += *start;
            *start = total;
        }
        let mut next = starts.clone();
        let mut cases = vec![0u32; starts.last().map_or(0, |&n| n as usize)];
        for (place, case) in pairs() {
            if let Some(at) = next.get_mut(place as usize)
                && let Some(slot) = cases.get_mut(*at as usize)
            {
                *slot = case;
                *at += 1;
            }
        }
        Places {
            starts,
            cases,
            ..Places::default()
        }
    }

    /// The cases of `place` in the arrays.
    fn built(&self, place: u32) -> &[u32] {
        let p = place as usize;
        match (self.starts.get(p), self.starts.get(p + 1)) {
            (Some(&from), Some(&to)) => self.cases.get(from as usize..to as usize),
            _ => None,
        }
        .unwrap_or_default()
    }

    fn in_built(&self, (place, case): (u32, u32)) -> bool {
        self.built(place).binary_search(&case).is_ok()
    }

    fn insert(&mut self, pair: (u32, u32)) {
        if !self.removed.remove(&pair) && !self.in_built(pair) {
            self.added.insert(pair);
        }
    }

    fn extend(&mut self, pairs: impl IntoIterator<Item = (u32, u32)>) {
        for pair in pairs {
            self.insert(pair);
        }
    }

    fn remove(&mut self, pair: (u32, u32)) {
        if !self.added.remove(&pair) && self.in_built(pair) {
            self.removed.insert(pair);
        }
    }

    /// Whether the pairs kept beside the arrays are many enough (an eighth of them) that
    /// the arrays should be built again.
    fn worth_rebuilding(&self) -> bool {
        self.added.len() + self.removed.len() > self.cases.len() / 8 + 1024
    }

    /// The cases of the places in `places`, place by place (a case once per place it has
    /// been in).
    fn cases_in(&self, places: std::ops::Range<u32>) -> impl Iterator<Item = u32> + '_ {
        let built = places.clone().flat_map(move |place| {
            // The place's pairs taken out, ascending, as its cases are.
            let gone: Vec<u32> = self
                .removed
                .range((place, 0)..=(place, u32::MAX))
                .map(|&(_, case)| case)
                .collect();
            self.built(place)
                .iter()
                .copied()
                .filter(move |case| gone.binary_search(case).is_err())
        });
        let added = self
            .added
            .range((places.start, 0)..(places.end, 0))
            .map(|&(_, case)| case);
        built.chain(added)
    }
}

/// A headcount as the model keeps it: 28 bytes where `HeadcountInput` takes 80, each
/// number in 32 bits (`HeadcountInput::check` keeps them far below), `ABSENT` for a number
/// not given.
#[derive(Debug, Clone, Copy)]
struct KeptHeadcount {
    unit: u32,
    as_of: chrono::NaiveDate,
    official_members: u32,
    probationary_members: u32,
    workforce: u32,
    youth_union_members: u32,
    trade_union_members: u32,
}

impl KeptHeadcount {
    const ABSENT: u32 = u32::MAX;

    /// `None` when a number does not fit (forms refuse them: `HeadcountInput::check`).
    fn of(input: &HeadcountInput) -> Option<KeptHeadcount> {
        let number = |value: i64| u32::try_from(value).ok().filter(|n| *n != Self::ABSENT);
        let optional = |value: Option<i64>| value.map_or(Some(Self::ABSENT), number);
        Some(KeptHeadcount {
            unit: number(input.unit.0)?,
            as_of: input.as_of,
            official_members: number(input.official_members)?,
            probationary_members: number(input.probationary_members)?,
            workforce: optional(input.workforce)?,
            youth_union_members: optional(input.youth_union_members)?,
            trade_union_members: optional(input.trade_union_members)?,
        })
    }

    fn unit(&self) -> UnitId {
        UnitId(i64::from(self.unit))
    }

    fn input(&self) -> HeadcountInput {
        let optional = |n: u32| (n != Self::ABSENT).then_some(i64::from(n));
        HeadcountInput {
            unit: self.unit(),
            as_of: self.as_of,
            official_members: i64::from(self.official_members),
            probationary_members: i64::from(self.probationary_members),
            workforce: optional(self.workforce),
            youth_union_members: optional(self.youth_union_members),
            trade_union_members: optional(self.trade_union_members),
        }
    }
}

/// Whether a case put is placed and counted at once, or with all the others once they are
/// loaded (`ReportModel::place_all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placing {
    Now,
    AfterLoad,
}

fn too_large(id: i64) -> StoreError {
    StoreError::Backend(format!(
        "Mã hồ sơ {id} vượt quá giới hạn của mô hình báo cáo"
    ))
}

/// The last audit id applied and the ids skipped over that may still commit.
#[derive(Debug, Clone, Default)]
struct Cursor {
    seen: i64,
    gaps: Vec<(i64, Instant)>,
}

impl Cursor {
    /// The condition on `audit_log` for rows not applied yet: after the last one seen, or
    /// one of the gaps awaited (integers only, so nothing to escape).
    fn unseen(&self) -> String {
        if self.gaps.is_empty() {
            format!("id > {}", self.seen)
        } else {
            let gaps: Vec<i64> = self.gaps.iter().map(|(id, _)| *id).collect();
            format!("(id > {} OR id IN ({}))", self.seen, id_list(&gaps))
        }
    }

    /// Keeps of `rows` those not applied yet, and moves the cursor past them (and gives up
    /// on gaps awaited too long).
    fn take<'a>(&mut self, rows: &'a [AuditRow], now: Instant) -> Vec<&'a AuditRow> {
        let found: HashSet<i64> = rows.iter().map(|r| r.0).collect();
        let waiting: HashSet<i64> = self.gaps.iter().map(|(id, _)| *id).collect();
        let fresh: Vec<&AuditRow> = rows
            .iter()
            .filter(|r| r.0 > self.seen || waiting.contains(&r.0))
            .collect();
        self.gaps
            .retain(|(id, since)| !found.contains(id) && now.duration_since(*since) < GAP_PATIENCE);
        if let Some(top) = rows
            .iter()
            .map(|r| r.0)
            .max()
            .filter(|top| *top > self.seen)
        {
            for id in self.seen + 1..top {
                if !found.contains(&id) {
                    self.gaps.push((id, now));
                }
            }
            self.seen = top;
        }
        fresh
    }
}

/// `(id, action, entity, entity_id)` of an audit row.
type AuditRow = (i64, String, String, String);

/// What a batch of audit rows asks to reload.
#[derive(Debug, Default)]
struct Reload {
    everything: bool,
    units: bool,
    mass_orgs: BTreeSet<i64>,
    cases: BTreeSet<i64>,
    people: BTreeSet<i64>,
    headcounts: bool,
    targets: bool,
}

impl Reload {
    fn is_empty(&self) -> bool {
        !self.everything
            && !self.units
            && !self.headcounts
            && !self.targets
            && self.mass_orgs.is_empty()
            && self.cases.is_empty()
            && self.people.is_empty()
    }

    fn of(rows: &[&AuditRow]) -> Reload {
        let mut reload = Reload::default();
        for (_, action, entity, entity_id) in rows {
            let id = entity_id.parse::<i64>().ok();
            match (action.as_str(), entity.as_str(), id) {
                // Reads and exports change nothing; an import's summary row adds nothing to
                // the rows it wrote for each case, unit or mass organisation; a reminder
                // run only tells of what is there.
                (
                    "person.read" | "person.export" | "person.search" | "transfer.list"
                    | "request.list" | "import.people" | "import.units" | "import.mass_orgs"
                    | "reminders.run",
                    _,
                    _,
                ) => {}
                // A class's certificates write a row per case they move.
                (_, "user" | "api_token" | "course", _) => {}
                // Work between units changes no fact until it moves a case (a case row).
                (_, "nomination" | "transfer" | "request", _) => {}
                ("headcount.record", _, _) => reload.headcounts = true,
                ("target.set" | "term-plan.set", _, _) => reload.targets = true,
                // Facts name cells by id: a unit change needs the tree only (cases a merge
                // moves write rows of their own).
                (_, "unit", _) => reload.units = true,
                (_, "mass_org", Some(id)) => {
                    reload.mass_orgs.insert(id);
                }
                (_, "case", Some(id)) => {
                    reload.cases.insert(id);
                }
                (_, "person", Some(id)) => {
                    reload.people.insert(id);
                }
                _ => reload.everything = true,
            }
        }
        reload
    }
}

/// The model shared by the clones of a `Store`; empty until the first report.
#[derive(Default)]
pub(crate) struct ModelCache {
    model: RwLock<Option<ReportModel>>,
    /// Models loaded so far: a load's generations start past those of every earlier
    /// one (its number in the high 32 bits), even when the model before it was dropped.
    loads: AtomicU64,
    /// Whether a page has set the model to apply what it is behind on (`nudge`).
    nudged: AtomicBool,
    /// The generation of a model found too far behind to catch up without a rebuild: not
    /// nudged again, the next report rebuilds it.
    gave_up: AtomicU64,
}

/// What `Store::refresh` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refreshed {
    Applied,
    MustRebuild,
    NotLoaded,
}

impl fmt::Debug for ModelCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ModelCache")
    }
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    body: String,
    details: String,
}

fn not_loaded() -> StoreError {
    StoreError::Backend("mô hình báo cáo chưa được nạp".into())
}

impl Store {
    /// The report model, brought up to date with every committed change.
    pub(crate) async fn report_model(&self) -> StoreResult<RwLockReadGuard<'_, ReportModel>> {
        {
            let guard = self.model.model.read().await;
            if let Some(model) = guard.as_ref() {
                let rows = self.audit_unseen(&model.cursor, REPLAY_LIMIT + 1).await?;
                if rows.is_empty() {
                    return RwLockReadGuard::try_map(guard, Option::as_ref)
                        .map_err(|_| not_loaded());
                }
            }
        }
        let mut guard = self.model.model.write().await;
        let applied = match guard.as_mut() {
            Some(model) => self.refresh(model).await?,
            None => Refreshed::NotLoaded,
        };
        if applied != Refreshed::Applied {
            // The old model goes before the new one is built: no one can read it while the
            // lock is held, and the two at once would double the server's memory. A load
            // that fails or is cancelled (its request gone) leaves none: the next report
            // loads it, as at the server's start.
            *guard = None;
            *guard = Some(self.load_model().await?);
        }
        RwLockReadGuard::try_map(guard.downgrade(), Option::as_ref).map_err(|_| not_loaded())
    }

    /// The report model, if it is loaded and `wanted`, brought up to date unless that
    /// means building it again: for pages that can count as well in the database, which
    /// should not wait minutes for a national model to load (at a server's start) or be
    /// built again (after a rule set is loaded, or a large import).
    pub(crate) async fn report_model_without_load(
        &self,
        wanted: impl FnOnce(&ReportModel) -> bool,
    ) -> StoreResult<Option<RwLockReadGuard<'_, ReportModel>>> {
        let Some(model) = self
            .model
            .model
            .try_read()
            .ok()
            .and_then(|guard| RwLockReadGuard::try_map(guard, Option::as_ref).ok())
        else {
            return Ok(None);
        };
        if !wanted(&model) {
            return Ok(None);
        }
        let rows = self.audit_unseen(&model.cursor, REPLAY_LIMIT + 1).await?;
        if rows.is_empty() {
            return Ok(Some(model));
        }
        let fresh = model.cursor.clone().take(&rows, Instant::now());
        if fresh.len() as i64 > REPLAY_LIMIT || Reload::of(&fresh).everything {
            return Ok(None);
        }
        drop(model);
        self.report_model().await.map(Some)
    }

    /// The model, for its unit tree and mass organisations, if it is loaded and no change
    /// committed since it was last brought up to date touches either (`current_model`).
    pub(crate) async fn current_units(&self) -> Option<RwLockReadGuard<'_, ReportModel>> {
        self.current_model(|reload| reload.units || !reload.mass_orgs.is_empty())
            .await
    }

    /// The model, for its cases' facts, if it is loaded and no change committed since it
    /// was last brought up to date touches a case or a person (`current_model`).
    pub(crate) async fn current_cases(&self) -> Option<RwLockReadGuard<'_, ReportModel>> {
        self.current_model(|reload| !reload.cases.is_empty() || !reload.people.is_empty())
            .await
    }

    /// The model if it is loaded and no change committed since it was last brought up to
    /// date is one it must rebuild for or one `stale` names. It neither waits for the
    /// model's lock nor applies anything: for pages that can read from the database as
    /// well, and must not wait behind a dashboard or a rebuild. Any error also gives
    /// `None`.
    async fn current_model(
        &self,
        stale: impl Fn(&Reload) -> bool,
    ) -> Option<RwLockReadGuard<'_, ReportModel>> {
        let guard = self.model.model.try_read().ok()?;
        let model = RwLockReadGuard::try_map(guard, Option::as_ref).ok()?;
        // A model far behind (no report asked for a while, reads logged meanwhile) is not
        // worth more rows than the reads it would spare.
        let rows = self
            .audit_unseen(&model.cursor, TREE_CHECK_LIMIT + 1)
            .await
            .ok()?;
        let fresh = model.cursor.clone().take(&rows, Instant::now());
        let reload = Reload::of(&fresh);
        // More rows than were read may be waiting, and any of them may be stale.
        if rows.len() as i64 > TREE_CHECK_LIMIT || reload.everything || stale(&reload) {
            let generation = model.generation;
            drop(model);
            if !reload.everything {
                self.nudge(generation);
            }
            return None;
        }
        Some(model)
    }

    /// Applies in the background what the model is behind on, unless that means building
    /// it again (left to the next report): pages that read from the model when it is
    /// current would otherwise read from the database until someone opens a report.
    fn nudge(&self, generation: u64) {
        if self.model.gave_up.load(Ordering::Acquire) == generation
            || self.model.nudged.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let store = self.clone();
        tokio::spawn(async move {
            // First, so dropped last: after the lock, and by a panic too, which would
            // otherwise leave the flag set and stop every later catch-up.
            let _done = ClearOnDrop(&store.model.nudged);
            let mut guard = store.model.model.write().await;
            if let Some(model) = guard.as_mut() {
                let applied = match store.refresh(model).await {
                    Ok(refreshed) => matches!(refreshed, Refreshed::Applied),
                    Err(error) => {
                        tracing::warn!(%error, "mô hình báo cáo chưa cập nhật được");
                        false
                    }
                };
                // A rebuild is left to the next report, and a failure is not retried on
                // every page either.
                if !applied {
                    store
                        .model
                        .gave_up
                        .store(model.generation, Ordering::Release);
                }
            }
        });
    }

    /// Whether `scope` has more units than a small one (`tally_from_units`) by the
    /// report model's tree as it is (a unit added since does not matter here), or cannot
    /// tell (the model not loaded): its reads may take long (`Read::long`).
    pub(crate) fn large_scope(&self, scope: &ketnap_domain::scope::Scope) -> bool {
        self.model
            .model
            .try_read()
            .ok()
            .and_then(|model| {
                let model = model.as_ref()?;
                Some(model.tree.subtree(scope.root()).positions().len() > self.tally_from_units)
            })
            .unwrap_or(true)
    }

    /// A number that changes whenever a committed change reaches the reports (the model
    /// brought up to date first).
    pub async fn report_generation(&self) -> StoreResult<u64> {
        Ok(self.report_model().await?.generation)
    }

    /// Audit rows not applied yet, at most `limit`.
    async fn audit_unseen(&self, cursor: &Cursor, limit: i64) -> StoreResult<Vec<AuditRow>> {
        self.read(format!(
            "SELECT id, action, entity, entity_id FROM audit_log WHERE {} ORDER BY id LIMIT $1",
            cursor.unseen()
        ))
        .bind(limit)
        .all()
        .await
    }

    async fn latest_audit_id(&self) -> StoreResult<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
            .fetch_one(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(id.unwrap_or(0))
    }

    /// Applies the changes committed since the model last looked. The cursor moves only
    /// once everything is reloaded: after an error the same rows are applied next time.
    async fn refresh(&self, model: &mut ReportModel) -> StoreResult<Refreshed> {
        let rows = self.audit_unseen(&model.cursor, REPLAY_LIMIT + 1).await?;
        let mut cursor = model.cursor.clone();
        let fresh = cursor.take(&rows, Instant::now());
        let reload = Reload::of(&fresh);
        if fresh.len() as i64 > REPLAY_LIMIT || reload.everything {
            return Ok(Refreshed::MustRebuild);
        }
        if reload.is_empty() {
            model.cursor = cursor;
            return Ok(Refreshed::Applied);
        }
        // Mass organisations are not facts of any report: results kept stay good.
        let facts_changed = reload.units
            || reload.headcounts
            || reload.targets
            || !reload.cases.is_empty()
            || !reload.people.is_empty();
        if reload.units {
            model.tree = self.unit_tree().await?;
            model.place_all();
            model.mass_orgs.place(&model.tree);
        }
        if !reload.mass_orgs.is_empty() {
            let ids: Vec<i64> = reload.mass_orgs.into_iter().collect();
            let mut orgs = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(CHUNK) {
                orgs.extend(
                    self.mass_org_units(&format!("id IN ({})", id_list(chunk)))
                        .await?,
                );
            }
            model.mass_orgs.put(orgs, &model.tree);
        }
        if reload.headcounts {
            model.headcounts = self.all_headcounts().await?;
        }
        if reload.targets {
            model.targets = self.all_targets().await?;
        }
        let mut cases: Vec<i64> = reload.cases.into_iter().collect();
        for chunk in reload.people.into_iter().collect::<Vec<_>>().chunks(CHUNK) {
            let ids: Vec<i64> = sqlx::query_scalar(&format!(
                "SELECT id FROM cases WHERE person_id IN ({})",
                id_list(chunk)
            ))
            .fetch_all(&self.pool)
            .await
            .map_err(backend_error)?;
            cases.extend(ids);
        }
        cases.sort_unstable();
        cases.dedup();
        for chunk in cases.chunks(CHUNK) {
            self.load_cases(
                model,
                &format!("c.id IN ({})", id_list(chunk)),
                Placing::Now,
            )
            .await?;
        }
        model.cursor = cursor;
        if facts_changed {
            model.generation += 1;
        }
        Ok(Refreshed::Applied)
    }

    async fn unit_tree(&self) -> StoreResult<UnitTree> {
        let units: Vec<UnitRow> =
            sqlx::query_as(&format!("SELECT {UNIT_COLUMNS} FROM units ORDER BY id"))
                .fetch_all(&self.pool)
                .await
                .map_err(backend_error)?;
        Ok(UnitTree::new(exactly(units, UnitRow::into_unit)?))
    }

    /// `(id, unit)` of the mass organisations matching `filter` (a condition on
    /// `mass_orgs`).
    async fn mass_org_units(&self, filter: &str) -> StoreResult<Vec<(i64, i64)>> {
        self.read(format!("SELECT id, unit_id FROM mass_orgs WHERE {filter}"))
            .long(true)
            .all()
            .await
    }

    /// Builds the model from the whole store.
    async fn load_model(&self) -> StoreResult<ReportModel> {
        // The cursor first: a change committed while loading is then applied again, never
        // missed; so are the recent ids not committed yet (PostgreSQL).
        let seen = self.latest_audit_id().await?;
        let recent: HashSet<i64> =
            sqlx::query_scalar::<_, i64>("SELECT id FROM audit_log WHERE id > $1")
                .bind(seen - IN_FLIGHT)
                .fetch_all(&self.pool)
                .await
                .map_err(backend_error)?
                .into_iter()
                .collect();
        let now = Instant::now();
        let gaps = ((seen - IN_FLIGHT).max(0) + 1..=seen)
            .filter(|id| !recent.contains(id))
            .map(|id| (id, now))
            .collect();
        let tree = self.unit_tree().await?;
        let mass_orgs = PlacedMassOrgs::new(self.mass_org_units("TRUE").await?, &tree);
        let rules = self.rule_book().await?;
        let calendar = self.calendar().await?;
        let book = CaseBook::default();
        let mut model = ReportModel {
            tally: Tally::default(),
            tree,
            mass_orgs,
            book,
            index: CaseIndex::default(),
            places: Places::default(),
            headcounts: self.all_headcounts().await?,
            targets: self.all_targets().await?,
            rules,
            calendar,
            cursor: Cursor { seen, gaps },
            // Above every generation of the models loaded before in this process.
            generation: (self.model.loads.fetch_add(1, Ordering::Relaxed) + 1) << 32,
            last_chosen: Mutex::new(None),
        };
        // A slice of cases at a time, so that the events read are held for one slice only,
        // not for the country.
        let (last, cases, events): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM cases), (SELECT COUNT(*) FROM cases),
                    (SELECT COUNT(*) FROM case_events)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(backend_error)?;
        let size = |n: i64| usize::try_from(n).unwrap_or(0);
        model.book.reserve(size(cases), size(events));
        model.index.reserve(size(last), size(cases));
        for from in (0..last).step_by(LOAD_SLICE) {
            let filter = format!("c.id > {from} AND c.id <= {}", from + LOAD_SLICE as i64);
            self.load_cases(&mut model, &filter, Placing::AfterLoad)
                .await?;
        }
        model.place_all();
        Ok(model)
    }

    /// Keeps in `model` the facts of the cases matching `filter` (a condition on `cases c`).
    /// The rows are read as a stream, one at a time: held for a slice at once, the bodies
    /// (several kilobytes each) were what the allocator kept after the load.
    async fn load_cases(
        &self,
        model: &mut ReportModel,
        filter: &str,
        placing: Placing,
    ) -> StoreResult<()> {
        let mut events: HashMap<CaseId, Vec<EventFact>> = HashMap::new();
        let query = format!(
            "SELECT e.case_id, e.action, e.occurred_on, e.stage_after, e.cell_id
                 FROM case_events e JOIN cases c ON c.id = e.case_id
                 WHERE {filter} ORDER BY e.case_id, e.id"
        );
        let mut event_rows =
            sqlx::query_as::<_, (i64, String, String, String, Option<i64>)>(&query)
                .fetch(&self.pool);
        while let Some((case, action, on, stage_after, cell)) =
            event_rows.try_next().await.map_err(backend_error)?
        {
            let stage_after = Stage::from_code(&stage_after)
                .ok_or_else(|| StoreError::Backend(format!("giai đoạn lạ: {stage_after}")))?;
            let fact = EventFact::new(
                parse_date(&on)?,
                FunnelStep::from_action(&action),
                stage_after,
                cell.map(UnitId),
            )
            .map_err(|e| StoreError::Backend(e.to_string()))?;
            events.entry(CaseId(case)).or_default().push(fact);
        }
        drop(event_rows);
        let query = format!(
            "SELECT c.body, p.details FROM cases c JOIN people p ON p.id = c.person_id
             WHERE {filter} ORDER BY c.id"
        );
        let mut rows = sqlx::query_as::<_, CaseRow>(&query).fetch(&self.pool);
        while let Some(row) = rows.try_next().await.map_err(backend_error)? {
            let case: Case = from_json(&row.body)?;
            let details = open_details(self.keys()?, &row.details)?;
            let own = events.remove(&case.id).unwrap_or_default();
            model.put_case(&case, &details, own, placing)?;
        }
        Ok(())
    }

    async fn all_headcounts(&self) -> StoreResult<Vec<KeptHeadcount>> {
        let rows: Vec<HeadcountRow> = sqlx::query_as(&format!(
            "SELECT {HEADCOUNT_COLUMNS} FROM headcounts h ORDER BY h.unit_id, h.as_of"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            let input = row.into_record()?.input;
            match KeptHeadcount::of(&input) {
                Some(headcount) => kept.push(headcount),
                // Written before the forms had a limit: left out of the reports (the unit's
                // earlier headcount or its cases count instead) rather than stopping them.
                None => tracing::warn!(
                    unit = input.unit.0,
                    as_of = %input.as_of,
                    "số liệu đảng viên quá lớn, mô hình báo cáo bỏ qua"
                ),
            }
        }
        Ok(kept)
    }

    async fn all_targets(&self) -> StoreResult<Vec<TargetRow>> {
        let rows: Vec<(i64, i64, String, String, i64)> =
            sqlx::query_as("SELECT unit_id, year, sector, subgroup, target FROM targets")
                .fetch_all(&self.pool)
                .await
                .map_err(backend_error)?;
        rows.into_iter()
            .map(|(unit, year, sector, subgroup, target)| {
                let subgroup = Subgroup::from_code(&subgroup)
                    .ok_or_else(|| StoreError::Backend(format!("nhóm chỉ tiêu lạ: {subgroup}")))?;
                let year = i32::try_from(year)
                    .map_err(|_| StoreError::Backend(format!("năm lạ: {year}")))?;
                Ok((UnitId(unit), year, sector, subgroup, target))
            })
            .collect()
    }
}

/// `rows` turned into what the model keeps, in an array of their number. Collected the
/// usual way, the result would reuse the rows' array, grown by doubling for rows twice
/// the size: the country's units held 48 MB where they need 19.
fn exactly<R, T>(rows: Vec<R>, keep: impl Fn(R) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        kept.push(keep(row)?);
    }
    Ok(kept)
}

/// Ids as an SQL list; integers only, so nothing to escape.
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Clears its flag when dropped.
struct ClearOnDrop<'a>(&'a AtomicBool);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64) -> AuditRow {
        (id, "case.transition".into(), "case".into(), id.to_string())
    }

    /// The cases of `places` as `Places` gives them, sorted, against the pairs listed.
    fn check_places(places: &Places, pairs: &BTreeSet<(u32, u32)>) {
        for range in [0..6, 1..3, 4..5, 5..5] {
            let mut got: Vec<u32> = places.cases_in(range.clone()).collect();
            got.sort_unstable();
            let want: Vec<u32> = pairs
                .iter()
                .filter(|(place, _)| range.contains(place))
                .map(|&(_, case)| case)
                .collect();
            let mut want = want;
            want.sort_unstable();
            assert_eq!(got, want, "places {range:?}");
        }
    }

    #[test]
    fn places_give_the_cases_of_a_range_through_changes() {
        // Cases 0..10, each in place `case % 5`, the odd ones also in place 5.
        let mut pairs: BTreeSet<(u32, u32)> = (0..10u32).map(|case| (case % 5, case)).collect();
        pairs.extend((1..10u32).step_by(2).map(|case| (5, case)));
        // In ascending case order, as `place_cases` gives them.
        let listed = |pairs: &BTreeSet<(u32, u32)>| {
            let mut by_case: Vec<(u32, u32)> = pairs.iter().copied().collect();
            by_case.sort_by_key(|&(place, case)| (case, place));
            by_case
        };
        let mut places = Places::new(6, || listed(&pairs).into_iter());
        assert_eq!(places.cases.len(), 15);
        check_places(&places, &pairs);
        // A case moved (taken out of its places, put in others), one put again unchanged,
        // one new: the arrays are left as they are.
        for pair in [(3, 3), (5, 3)] {
            places.remove(pair);
            pairs.remove(&pair);
        }
        places.insert((1, 3));
        pairs.insert((1, 3));
        places.remove((2, 7));
        places.insert((2, 7));
        places.insert((4, 10));
        pairs.insert((4, 10));
        assert_eq!((places.added.len(), places.removed.len()), (2, 2));
        check_places(&places, &pairs);
        // What was added can be taken out again, and what was taken out put back.
        places.remove((4, 10));
        pairs.remove(&(4, 10));
        places.insert((3, 3));
        pairs.insert((3, 3));
        assert_eq!((places.added.len(), places.removed.len()), (1, 1));
        check_places(&places, &pairs);
        // Many changes beside the arrays: worth building them again, which gives the same.
        assert!(!places.worth_rebuilding());
        for case in 100..1200u32 {
            places.insert((case % 6, case));
            pairs.insert((case % 6, case));
        }
        assert!(places.worth_rebuilding());
        check_places(&places, &pairs);
        let rebuilt = Places::new(6, || listed(&pairs).into_iter());
        assert!(rebuilt.added.is_empty() && rebuilt.removed.is_empty());
        check_places(&rebuilt, &pairs);
    }

    #[test]
    fn a_kept_headcount_gives_back_what_was_recorded() {
        let recorded = HeadcountInput {
            unit: UnitId(7),
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            official_members: 41,
            probationary_members: 0,
            workforce: None,
            youth_union_members: Some(0),
            trade_union_members: Some(ketnap_domain::report::HEADCOUNT_LIMIT),
        };
        let kept = KeptHeadcount::of(&recorded).unwrap();
        assert_eq!(kept.input(), recorded);
        assert_eq!(kept.unit(), UnitId(7));
        assert_eq!(std::mem::size_of::<KeptHeadcount>(), 28);
        // What 32 bits cannot keep is refused, never cut.
        for wrong in [
            HeadcountInput {
                workforce: Some(i64::from(u32::MAX)),
                ..recorded.clone()
            },
            HeadcountInput {
                official_members: -1,
                ..recorded.clone()
            },
        ] {
            assert!(KeptHeadcount::of(&wrong).is_none(), "{wrong:?}");
        }
    }

    #[test]
    fn a_skipped_id_is_awaited_and_applied_when_it_commits() {
        let now = Instant::now();
        let mut cursor = Cursor {
            seen: 10,
            gaps: Vec::new(),
        };
        let first = [row(11), row(13)];
        assert_eq!(cursor.take(&first, now).len(), 2);
        assert_eq!(cursor.seen, 13);
        assert_eq!(cursor.unseen(), "(id > 13 OR id IN (12))");
        // 12 commits late: it is new; 13 is not applied twice.
        let second = [row(12), row(13)];
        let fresh = cursor.take(&second, now);
        assert_eq!(fresh.iter().map(|r| r.0).collect::<Vec<_>>(), vec![12]);
        assert!(cursor.gaps.is_empty());
        assert_eq!(cursor.unseen(), "id > 13");
    }

    #[test]
    fn a_gap_that_never_fills_is_given_up() {
        let start = Instant::now();
        let mut cursor = Cursor {
            seen: 1,
            gaps: Vec::new(),
        };
        cursor.take(&[row(3)], start);
        assert_eq!(cursor.unseen(), "(id > 3 OR id IN (2))");
        cursor.take(&[], start + GAP_PATIENCE);
        assert_eq!(cursor.unseen(), "id > 3");
    }

    #[test]
    fn reads_and_sign_ins_reload_nothing_and_units_reload_everything() {
        let rows = [
            (1, "person.read".into(), "person".into(), "4".into()),
            (2, "session.login".into(), "user".into(), "admin".into()),
        ];
        let reload = Reload::of(&rows.iter().collect::<Vec<_>>());
        assert!(!reload.everything && reload.cases.is_empty() && reload.people.is_empty());
        let rows = [
            (3, "person.update".into(), "person".into(), "4".into()),
            (4, "case.transition".into(), "case".into(), "9".into()),
            (5, "unit.merge".into(), "unit".into(), "2".into()),
            (6, "course.record".into(), "course".into(), "1".into()),
            (7, "mass-org.create".into(), "mass_org".into(), "12".into()),
            (8, "import.mass_orgs".into(), "import".into(), "0".into()),
        ];
        let reload = Reload::of(&rows.iter().collect::<Vec<_>>());
        assert!(reload.units && !reload.everything);
        assert_eq!(reload.mass_orgs.into_iter().collect::<Vec<_>>(), vec![12]);
        assert_eq!(reload.people.into_iter().collect::<Vec<_>>(), vec![4]);
        assert_eq!(reload.cases.into_iter().collect::<Vec<_>>(), vec![9]);
    }
}
