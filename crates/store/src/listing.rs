//! Lists and counts for the web pages: the filtered, paginated case list, counts per unit
//! for the unit tree, a unit's cases at some stages (for papers in bulk), and a unit's
//! earlier names. Everything is read through a `Scope`.

use std::collections::HashMap;

use chrono::NaiveDate;
use ketnap_domain::calendar::Calendar;
use ketnap_domain::case::{Case, Stage};
use ketnap_domain::deadline::{DeadlineStatus, Due, next_deadline, next_due};
use ketnap_domain::ids::{CaseId, MassOrgId, UnitId};
use ketnap_domain::ports::{CaseRecord, RuleStore, StoreError, StoreResult};
use ketnap_domain::rules::RuleBook;
use ketnap_domain::scope::Scope;
use ketnap_domain::text::{NameCollator, search_key};

use crate::cases::{CASE_COLUMNS, CaseRow};
use crate::name_search::NameSearch;
use crate::people::{birth_display, full_name};
use crate::read::{Bind, FromColumns, Read, Row};
use crate::{Backend, SUBTREE, Store, backend_error, from_json, parse_date};

/// What the case list is filtered by; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseQuery {
    pub stage: Option<Stage>,
    /// The sector of the case's cell.
    pub sector: Option<String>,
    /// A unit of the scope: its whole subtree.
    pub unit: Option<UnitId>,
    /// The mass organisation that nominated the person.
    pub mass_org: Option<MassOrgId>,
    /// The year the person was identified as a source.
    pub identified_year: Option<i32>,
    /// The year of the admission ceremony.
    pub ceremony_year: Option<i32>,
    /// A name (with or without diacritics) or a citizen id.
    pub text: Option<String>,
    /// Only cases whose next deadline is overdue on this day.
    pub overdue_on: Option<NaiveDate>,
}

/// One page of the case list, in Vietnamese name order, and how many match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct CasePage {
    pub total: usize,
    pub records: Vec<CaseRecord>,
}

/// What the case list shows of one case. Read from the columns kept beside the records,
/// so that no person's record is opened and no case decoded for a page, except a case
/// with a running clock, for its due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLine {
    pub case: CaseId,
    /// The person's full name.
    pub name: String,
    /// The date of birth as shown (`dd/mm/yyyy`, or the year alone).
    pub born: String,
    pub cell_name: String,
    pub stage: Stage,
    /// The next statutory due date; `None` when the case has no running clock, when the
    /// rules give none for it, or when they cannot place the case.
    pub due: Option<Due>,
}

/// One page of case lines, in Vietnamese name order, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLinePage {
    pub total: usize,
    pub lines: Vec<CaseLine>,
}

/// Cases of one cell at one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageTally {
    pub unit: UnitId,
    pub stage: Stage,
    pub cases: i64,
    /// Of those, the ones whose official date falls in the year asked for.
    pub official_in_year: i64,
}

/// A name a unit used until a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastUnitName {
    pub name: String,
    pub used_until: NaiveDate,
}

/// At most this many index entries are expected to be read when a page of one stage is
/// read by walking the stage in name order (`cases_stage_order`): about 5 ms.
const STAGE_FIRST_READS: usize = 10_000;

/// The stages at which a case has a running clock (`deadline::next_deadline`).
fn clock_stages() -> Vec<&'static str> {
    Stage::ALL
        .into_iter()
        .filter(|s| has_clock(*s))
        .map(Stage::code)
        .collect()
}

fn has_clock(stage: Stage) -> bool {
    stage >= Stage::FileOpened && !stage.is_closed()
}

/// SQL with its bind values, numbered `$1`, `$2` … in the order they are pushed.
#[derive(Debug, Default)]
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Adds a bind value and returns its placeholder.
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// Adds bind values and returns their placeholders, for `IN (…)`.
    fn bind_list(&mut self, values: impl IntoIterator<Item = Bind>) -> String {
        values
            .into_iter()
            .map(|value| self.bind(value))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The stages with a running clock, bound, for `IN (…)`.
    fn bind_clock_stages(&mut self) -> String {
        self.bind_list(
            clock_stages()
                .into_iter()
                .map(|code| Bind::Text(code.into())),
        )
    }

    /// The query with `columns` put in after its `SELECT` (at `at`) and `tail` added, on
    /// the same binds.
    fn select(&self, at: usize, columns: &str, tail: &str) -> Sql {
        let mut text = self.text.clone();
        text.insert_str(at, columns);
        text.push_str(tail);
        Sql {
            text,
            binds: self.binds.clone(),
        }
    }

    fn read<'s>(&self, store: &'s Store) -> Read<'s> {
        store.read(self.text.as_str()).binds(self.binds.clone())
    }
}

struct LineRow {
    id: i64,
    stage: String,
    family_name: String,
    middle_name: String,
    given_name: String,
    birth_date: String,
    cell_name: String,
}

impl FromColumns for LineRow {
    fn from_columns(row: &Row<'_>) -> StoreResult<Self> {
        Ok(LineRow {
            id: row.get("id")?,
            stage: row.get("stage")?,
            family_name: row.get("family_name")?,
            middle_name: row.get("middle_name")?,
            given_name: row.get("given_name")?,
            birth_date: row.get("birth_date")?,
            cell_name: row.get("cell_name")?,
        })
    }
}

/// Whether `text` is a citizen id (digits, spaces and dots only, at least 9 digits).
fn citizen_digits(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let significant = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .count();
    (digits.len() >= 9 && digits.len() == significant).then_some(digits)
}

/// The cases of one page of a list, before their rows are read.
enum PageCases {
    /// Past the end of the list, or nothing matches.
    Empty,
    /// Picked one by one (overdue cases), in list order.
    Ids(Vec<i64>),
    /// The query of their ids in list order, read as a subquery of the page's rows: one
    /// statement rather than two, and the ids are not carried to the server and back.
    Query(Sql),
}

/// At most this many ids are bound in one statement: SQLite takes 32,766 values, and an
/// export of overdue cases may name up to 200,000.
const IDS_PER_STATEMENT: usize = 10_000;

/// The statement that reads `columns` of the cases `cases` names (`c`, with their person
/// `p` and cell `u`) that are in the scope, in list order, after the binds in `sql`.
fn rows_of(mut sql: Sql, cases: &str, scope: &Scope, columns: &impl Fn(&mut Sql) -> String) -> Sql {
    let root = sql.bind(Bind::Int(scope.root().0));
    let columns = columns(&mut sql);
    sql.push(&format!(
        "SELECT {columns}
         FROM cases c JOIN people p ON p.id = c.person_id JOIN units u ON u.id = c.cell_id
         WHERE c.id IN ({cases}) AND {}{ORDER}",
        crate::in_subtree("c.cell_id").replace("$1", &root)
    ));
    sql
}

/// The order of every case list: Vietnamese name order (`cases.name_order`, the person's
/// key), then by id.
const ORDER: &str = " ORDER BY c.name_order, c.id";

fn year_range(year: i32) -> (String, String) {
    (format!("{year:04}-01-01"), format!("{year:04}-12-31"))
}

impl Store {
    /// One page (`offset`, `limit`) of the scope's cases matching `query`, sorted the
    /// Vietnamese way (given, middle, family name), with the number that match in all.
    pub async fn case_page(
        &self,
        scope: &Scope,
        query: &CaseQuery,
        offset: usize,
        limit: usize,
    ) -> StoreResult<CasePage> {
        let (total, page) = self.matching_cases(scope, query, offset, limit).await?;
        let records = self.case_records(scope, page).await?;
        Ok(CasePage { total, records })
    }

    /// The same page as `case_page`, as the list shows it (`CaseLine`).
    pub async fn case_lines(
        &self,
        scope: &Scope,
        query: &CaseQuery,
        offset: usize,
        limit: usize,
    ) -> StoreResult<CaseLinePage> {
        let (total, page) = self.matching_cases(scope, query, offset, limit).await?;
        let lines = self.lines(scope, page).await?;
        Ok(CaseLinePage { total, lines })
    }

    /// The page's cases as the list shows them.
    async fn lines(&self, scope: &Scope, page: PageCases) -> StoreResult<Vec<CaseLine>> {
        // A large scope's page may sort all its cases (a deep page, a filter).
        let long = self.large_scope(scope);
        let rows: Vec<LineRow> = self
            .page_rows(page, scope, long, |_| {
                "c.id, c.stage, p.family_name, p.middle_name, p.given_name, p.birth_date,
                 u.name AS cell_name"
                    .into()
            })
            .await?;
        let mut lines = rows
            .into_iter()
            .map(|row| {
                Ok(CaseLine {
                    case: CaseId(row.id),
                    name: full_name(row.family_name, row.middle_name, row.given_name),
                    born: birth_display(&row.birth_date),
                    cell_name: row.cell_name,
                    stage: crate::stage(&row.stage)?,
                    due: None,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        // The due dates as the report model keeps them (reading and decoding each case's
        // record for them was a tenth of the list's time), asked once the rows are read so
        // that it is not behind them. A case it cannot tell (the model behind, or the
        // case's stage changed since it looked) is read from its record.
        let mut untold = HashMap::new();
        {
            let model = if lines.is_empty() {
                None
            } else {
                self.current_cases().await
            };
            for (at, line) in lines.iter_mut().enumerate() {
                match model.as_ref().and_then(|m| m.stage_and_due(line.case)) {
                    Some((stage, due)) if stage == line.stage => line.due = due,
                    _ if has_clock(line.stage) => {
                        untold.insert(line.case.0, at);
                    }
                    _ => {}
                }
            }
        }
        let ids: Vec<i64> = untold.keys().copied().collect();
        let mut rules_and_calendar = None;
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let mut sql = Sql::default();
            let list = sql.bind_list(chunk.iter().copied().map(Bind::Int));
            sql.push(&format!("SELECT id, body FROM cases WHERE id IN ({list})"));
            let bodies: Vec<(i64, String)> = sql.read(self).all().await?;
            for (id, body) in bodies {
                if let Some(line) = untold.get(&id).and_then(|at| lines.get_mut(*at)) {
                    line.due = self.due_of(&body, &mut rules_and_calendar).await?;
                }
            }
        }
        Ok(lines)
    }

    /// The next due date of the case whose record is `body`, as the case page shows it: none
    /// for a case the rules cannot place. The rules and calendar are read into
    /// `rules_and_calendar` the first time.
    async fn due_of(
        &self,
        body: &str,
        rules_and_calendar: &mut Option<(RuleBook, Calendar)>,
    ) -> StoreResult<Option<Due>> {
        let case: Case = from_json(body)?;
        let (rules, calendar) = match rules_and_calendar {
            Some(both) => both,
            None => rules_and_calendar.insert((self.rule_book().await?, self.calendar().await?)),
        };
        Ok(next_due(&case, rules, calendar).ok().flatten())
    }

    /// `columns` of the page's cases (`c`, with their person `p` and cell `u`) that are in
    /// the scope, in list order. `columns` may bind values of its own. `long`: the read
    /// may take long (`Read::long`).
    async fn page_rows<T>(
        &self,
        page: PageCases,
        scope: &Scope,
        long: bool,
        columns: impl Fn(&mut Sql) -> String,
    ) -> StoreResult<Vec<T>>
    where
        T: FromColumns + Send + 'static,
    {
        match page {
            PageCases::Empty => Ok(Vec::new()),
            // Its binds come first, as its placeholders number them.
            PageCases::Query(query) => {
                let sql = Sql {
                    text: String::new(),
                    binds: query.binds,
                };
                rows_of(sql, &query.text, scope, &columns)
                    .read(self)
                    .long(long)
                    .all()
                    .await
            }
            // The ids are in list order, so the chunks, each sorted, are too.
            PageCases::Ids(ids) => {
                let mut rows = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(IDS_PER_STATEMENT) {
                    let mut sql = Sql::default();
                    let cases = sql.bind_list(chunk.iter().copied().map(Bind::Int));
                    let sql = rows_of(sql, &cases, scope, &columns);
                    rows.extend(sql.read(self).long(long).all().await?);
                }
                Ok(rows)
            }
        }
    }

    /// How many of the scope's cases match `query`, and the cases of the page (`offset`,
    /// `limit`).
    async fn matching_cases(
        &self,
        scope: &Scope,
        query: &CaseQuery,
        offset: usize,
        limit: usize,
    ) -> StoreResult<(usize, PageCases)> {
        // Filtered by stage at most (and not for overdue cases): the tally may know the count.
        let by_stage_only = CaseQuery {
            stage: query.stage,
            ..CaseQuery::default()
        } == *query;
        let tallied = if by_stage_only {
            self.tallied_cases(scope, query.stage).await?
        } else {
            None
        };
        let mut sql = Sql::default();
        let root = sql.bind(Bind::Int(scope.root().0));
        sql.push(&SUBTREE.replace("$1", &root));
        if let Some(unit) = query.unit {
            let chosen = sql.bind(Bind::Int(unit.0));
            sql.push(&format!(
                ", chosen (id) AS (SELECT unit_id FROM unit_closure WHERE ancestor_id = {chosen})"
            ));
        }
        let text = query
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        sql.push(" SELECT ");
        let select_at = sql.text.len();
        // A large share of the stage in the scope (the tally says): walk the stage in name
        // order and stop at the page's last (a city's first page of probationary members:
        // 9 → 2 ms); else read the scope's cells and sort. SQLite keeps no statistics to
        // tell a city from a ward, so its stage-first index is on an expression that only
        // this query names (migration 0017); PostgreSQL chooses by its statistics.
        let stage_first = self.backend() == Backend::Sqlite
            && query.stage.is_some()
            && tallied.is_some_and(|t| {
                // The index entries the walk is expected to read before the page is full.
                offset.saturating_add(limit).saturating_mul(t.everywhere)
                    <= STAGE_FIRST_READS.saturating_mul(t.in_scope)
            });
        sql.push(if stage_first {
            " FROM cases c INDEXED BY cases_stage_order"
        } else {
            " FROM cases c"
        });
        if query.sector.is_some() {
            sql.push(" JOIN units u ON u.id = c.cell_id");
        }
        // People are joined for a name or CCCD only: the page is sorted by the copy of
        // their sort key each case keeps.
        if text.is_some() {
            sql.push(" JOIN people p ON p.id = c.person_id");
        }
        sql.push(" WHERE c.cell_id IN (SELECT id FROM subtree)");
        if query.unit.is_some() {
            sql.push(" AND c.cell_id IN (SELECT id FROM chosen)");
        }
        if let Some(stage) = query.stage {
            let p = sql.bind(Bind::Text(stage.code().into()));
            let column = if stage_first {
                "(c.stage || '')"
            } else {
                "c.stage"
            };
            sql.push(&format!(" AND {column} = {p}"));
        }
        if let Some(sector) = &query.sector {
            let p = sql.bind(Bind::Text(sector.clone()));
            sql.push(&format!(" AND u.sector = {p}"));
        }
        if let Some(mass_org) = query.mass_org {
            let p = sql.bind(Bind::Int(mass_org.0));
            sql.push(&format!(" AND c.nominated_by = {p}"));
        }
        for (column, year) in [
            ("c.identified_on", query.identified_year),
            ("c.ceremony_on", query.ceremony_year),
        ] {
            if let Some(year) = year {
                let (from, to) = year_range(year);
                let from = sql.bind(Bind::Text(from));
                let to = sql.bind(Bind::Text(to));
                sql.push(&format!(" AND {column} >= {from} AND {column} <= {to}"));
            }
        }
        if let Some(text) = text {
            if let Some(digits) = citizen_digits(text) {
                let p = sql.bind(Bind::Text(self.keys()?.citizen_index(&digits)?));
                sql.push(&format!(" AND p.citizen_id_index = {p}"));
            } else {
                let key = search_key(text);
                if let NameSearch::Indexed(query) = self.name_search(scope, &key).await? {
                    let q = sql.bind(Bind::Text(query));
                    let condition =
                        NameSearch::indexed_condition(self.backend(), "c.person_id", &q);
                    sql.push(&format!(" AND {condition}"));
                }
                let p = sql.bind(Bind::Text(crate::contains_pattern(&key)));
                sql.push(&format!(" AND p.search_key LIKE {p} ESCAPE '\\'"));
            }
        }
        let (total, page) = if let Some(today) = query.overdue_on {
            let stages = sql.bind_clock_stages();
            sql.push(&format!(" AND c.stage IN ({stages})"));
            let rows: Vec<(i64, String)> = sql
                .select(select_at, "c.id, c.body", ORDER)
                .read(self)
                .long(true)
                .all()
                .await?;
            let rules = self.rule_book().await?;
            let calendar = self.calendar().await?;
            let mut overdue = Vec::new();
            for (id, body) in rows {
                let case: Case = from_json(&body)?;
                let deadline = next_deadline(&case, &rules, &calendar, today, 0)?;
                if deadline.is_some_and(|d| matches!(d.status, DeadlineStatus::Overdue(_))) {
                    overdue.push(id);
                }
            }
            let page: Vec<i64> = overdue.iter().skip(offset).take(limit).copied().collect();
            let page = match page.is_empty() {
                true => PageCases::Empty,
                false => PageCases::Ids(page),
            };
            (overdue.len(), page)
        } else {
            let total = match tallied {
                Some(tallied) => tallied.in_scope,
                None => {
                    // A large scope's count reads an index entry for each of its cases.
                    let counted: Vec<(i64,)> = sql
                        .select(select_at, "COUNT(*)", "")
                        .read(self)
                        .long(self.large_scope(scope))
                        .all()
                        .await?;
                    counted
                        .first()
                        .and_then(|(n,)| usize::try_from(*n).ok())
                        .unwrap_or_default()
                }
            };
            // A page past the end (any page number can be typed) is empty, not an OFFSET
            // beyond what the database takes.
            let page = if offset < total {
                let page = format!("{ORDER} LIMIT {limit} OFFSET {offset}");
                PageCases::Query(sql.select(select_at, "c.id", &page))
            } else {
                PageCases::Empty
            };
            (total, page)
        };
        Ok((total, page))
    }

    /// The whole records of the page's cases, in list order.
    async fn case_records(&self, scope: &Scope, page: PageCases) -> StoreResult<Vec<CaseRecord>> {
        // Whole records: an export's, up to `EXPORT_LIMIT` of them.
        let rows: Vec<CaseRow> = self
            .page_rows(page, scope, true, |_| CASE_COLUMNS.into())
            .await?;
        let keys = self.keys()?;
        rows.into_iter().map(|row| row.into_record(keys)).collect()
    }

    /// Cases per cell and stage under `under` (which must be in the scope), with how many
    /// became official in `year`.
    pub async fn stage_tallies(
        &self,
        scope: &Scope,
        under: UnitId,
        year: i32,
    ) -> StoreResult<Vec<StageTally>> {
        let (from, to) = year_range(year);
        let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(&format!(
            "{SUBTREE}, below (id) AS (SELECT unit_id FROM unit_closure WHERE ancestor_id = $2)
             SELECT cell_id, stage, COUNT(*),
                    COUNT(CASE WHEN official_on >= $3 AND official_on <= $4 THEN 1 END)
             FROM cases WHERE cell_id IN (SELECT id FROM subtree) AND cell_id IN (SELECT id FROM below)
             GROUP BY cell_id, stage"
        ))
        .bind(scope.root().0)
        .bind(under.0)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|(unit, code, cases, official_in_year)| {
                Ok(StageTally {
                    unit: UnitId(unit),
                    stage: crate::stage(&code)?,
                    cases,
                    official_in_year,
                })
            })
            .collect()
    }

    /// Overdue cases per cell under `under` (which must be in the scope) on `today`.
    pub async fn overdue_tallies(
        &self,
        scope: &Scope,
        under: UnitId,
        today: NaiveDate,
    ) -> StoreResult<Vec<(UnitId, i64)>> {
        let mut sql = Sql::default();
        let root = sql.bind(Bind::Int(scope.root().0));
        sql.push(&SUBTREE.replace("$1", &root));
        let below = sql.bind(Bind::Int(under.0));
        let stages = sql.bind_clock_stages();
        sql.push(&format!(
            ", below (id) AS (SELECT unit_id FROM unit_closure WHERE ancestor_id = {below})
             SELECT cell_id, body FROM cases
             WHERE cell_id IN (SELECT id FROM subtree) AND cell_id IN (SELECT id FROM below)
             AND stage IN ({stages})"
        ));
        let rows: Vec<(i64, String)> = sql.read(self).long(true).all().await?;
        let rules = self.rule_book().await?;
        let calendar = self.calendar().await?;
        let mut counts: HashMap<i64, i64> = HashMap::new();
        for (cell, body) in rows {
            let case: Case = from_json(&body)?;
            let overdue = next_deadline(&case, &rules, &calendar, today, 0)?
                .is_some_and(|d| matches!(d.status, DeadlineStatus::Overdue(_)));
            if !overdue {
                continue;
            }
            *counts.entry(cell).or_default() += 1;
        }
        Ok(counts
            .into_iter()
            .map(|(cell, n)| (UnitId(cell), n))
            .collect())
    }

    /// The cases of `unit`'s subtree (the unit must be in the scope, else "not found") at
    /// one of `stages`, in Vietnamese name order, for papers made in bulk. With
    /// `recognised_since`, official members count only when their recognition was decided
    /// on or after that day (told from the decision's event, whose day is the decision's
    /// date, so that a province's members of past years are not read).
    pub async fn cases_under(
        &self,
        scope: &Scope,
        unit: UnitId,
        stages: &[Stage],
        recognised_since: Option<NaiveDate>,
    ) -> StoreResult<Vec<CaseRecord>> {
        if !self.in_scope(scope, unit).await? {
            return Err(StoreError::NotFound("tổ chức đảng"));
        }
        if stages.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::default();
        let root = sql.bind(Bind::Int(scope.root().0));
        sql.push(&SUBTREE.replace("$1", &root));
        let below = sql.bind(Bind::Int(unit.0));
        let stage_list = sql.bind_list(stages.iter().map(|s| Bind::Text(s.code().into())));
        sql.push(&format!(
            ", below (id) AS (SELECT unit_id FROM unit_closure WHERE ancestor_id = {below})
             SELECT {CASE_COLUMNS}
             FROM cases c JOIN people p ON p.id = c.person_id JOIN units u ON u.id = c.cell_id
             WHERE c.cell_id IN (SELECT id FROM subtree) AND c.cell_id IN (SELECT id FROM below)
             AND c.stage IN ({stage_list})"
        ));
        if let Some(since) = recognised_since {
            let official = sql.bind(Bind::Text(Stage::Official.code().into()));
            let since = sql.bind(Bind::Text(crate::iso_date(since)));
            sql.push(&format!(
                " AND (c.stage <> {official} OR c.id IN (SELECT case_id FROM case_events
                   WHERE action = 'decide_recognition' AND occurred_on >= {since}))"
            ));
        }
        let rows: Vec<CaseRow> = sql.read(self).long(true).all().await?;
        let mut records = Vec::with_capacity(rows.len());
        let keys = self.keys()?;
        for row in rows {
            records.push(row.into_record(keys)?);
        }
        let collator = NameCollator::new();
        records.sort_by(|a, b| {
            collator
                .compare_names(&a.person.details.name, &b.person.details.name)
                .then(a.case.id.cmp(&b.case.id))
        });
        Ok(records)
    }

    /// The names a unit of the scope used before, oldest first.
    pub async fn unit_past_names(
        &self,
        scope: &Scope,
        unit: UnitId,
    ) -> StoreResult<Vec<PastUnitName>> {
        if !self.in_scope(scope, unit).await? {
            return Err(StoreError::NotFound("tổ chức đảng"));
        }
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, used_until FROM unit_names WHERE unit_id = $1 ORDER BY used_until",
        )
        .bind(unit.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|(name, used_until)| {
                Ok(PastUnitName {
                    name,
                    used_until: parse_date(&used_until)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use ketnap_domain::scope::Access;

    use super::*;
    use crate::test_store;

    /// An export of overdue cases may name more ids than SQLite takes values in one
    /// statement (32,766): they are read in several.
    #[tokio::test]
    async fn more_ids_than_a_statement_takes_are_read() {
        let (store, _dir) = test_store().await;
        let scope = Scope::subtree(UnitId(1), Access::Read);
        let ids = (1..=40_000).collect();
        let lines = store.lines(&scope, PageCases::Ids(ids)).await.unwrap();
        assert_eq!(lines, []);
    }
}
