//! Cases taken over from a unit's lists (`domain::takeover`), written in bulk: a ward's
//! whole list in one transaction, many rows per statement, with an audit row per person
//! and per case as a single creation would write.

use std::collections::HashSet;

use ketnap_domain::case::Case;
use ketnap_domain::ids::{CaseId, PersonId};
use ketnap_domain::person::{Person, PersonDetails};
use ketnap_domain::ports::{Change, StoreError, StoreResult};
use ketnap_domain::scope::Scope;
use ketnap_domain::takeover::TakenOver;
use sqlx::{Any, Transaction};

use crate::audit::{self, Audit};
use crate::dataset::{CASES_INSERT, PEOPLE_INSERT, case_cells, event_cells, insert, person_cells};
use crate::people::PersonRow;
use crate::people::name_order;
use crate::{Backend, SUBTREE, Store, backend_error, from_json, read_only};

/// One case of a list to write: for a new person (`person: None`, with `details`) or for
/// a person already on file.
#[derive(Debug, Clone)]
pub struct Takeover {
    pub person: Option<PersonId>,
    pub details: PersonDetails,
    pub taken: TakenOver,
}

/// A person with a case in the scope, as a list's rows are matched against.
#[derive(Debug, Clone)]
pub struct KnownPerson {
    pub person: Person,
    /// Their cases in the scope, oldest first.
    pub cases: Vec<Case>,
}

/// Citizen ids per IN (…) list.
const IDS_PER_QUERY: usize = 500;

/// Takeovers written per round of statements.
const BATCH: usize = 2_000;

impl Store {
    /// Everyone with a case in `scope`, with those cases.
    pub async fn known_people(&self, scope: &Scope) -> StoreResult<Vec<KnownPerson>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            details: String,
            body: String,
        }
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT p.id, p.details, c.body FROM cases c JOIN people p ON p.id = c.person_id
             WHERE c.cell_id IN (SELECT id FROM subtree) ORDER BY p.id, c.id"
        ))
        .bind(scope.root().0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let keys = self.keys()?;
        let mut known: Vec<KnownPerson> = Vec::new();
        for row in rows {
            let case: Case = from_json(&row.body)?;
            match known.last_mut() {
                Some(last) if last.person.id.0 == row.id => last.cases.push(case),
                _ => known.push(KnownPerson {
                    person: PersonRow {
                        id: row.id,
                        details: row.details,
                    }
                    .into_person(keys)?,
                    cases: vec![case],
                }),
            }
        }
        Ok(known)
    }

    /// Everyone with a case in `scope`, for a list to take away (audited as an export, with
    /// its purpose).
    pub async fn export_people(
        &self,
        change: &Change,
        scope: &Scope,
        purpose: &str,
    ) -> StoreResult<Vec<KnownPerson>> {
        let known = self.known_people(scope).await?;
        self.log_read(change, scope, "person.export", known.len(), Some(purpose))
            .await?;
        Ok(known)
    }

    /// Records that `count` people of the scope were read in bulk (`person.export` for a
    /// file, with its purpose; `person.search` for a search): the count, never the people
    /// or the query.
    pub async fn log_read(
        &self,
        change: &Change,
        scope: &Scope,
        action: &'static str,
        count: usize,
        purpose: Option<&str>,
    ) -> StoreResult<()> {
        let after = match purpose {
            Some(purpose) => format!("{count} người; mục đích: {purpose}"),
            None => format!("{count} người"),
        };
        self.audit_alone(
            change,
            Audit {
                after: Some(after),
                ..Audit::event(action, "unit", scope.root().0)
            },
        )
        .await
    }

    /// Which of `citizen_ids` are on file anywhere (a new record with one would be refused).
    pub async fn citizen_ids_on_file(&self, citizen_ids: &[&str]) -> StoreResult<HashSet<String>> {
        // Looked up by blind index, and mapped back to the numbers asked about.
        let keys = self.keys()?;
        let mut by_index = std::collections::HashMap::with_capacity(citizen_ids.len());
        for id in citizen_ids {
            by_index.insert(keys.citizen_index(id)?, *id);
        }
        let indexes: Vec<&String> = by_index.keys().collect();
        let mut found = HashSet::new();
        for chunk in indexes.chunks(IDS_PER_QUERY) {
            // SQLite looks numbered parameters up one by one: anonymous ones there.
            let marks: Vec<String> = (1..=chunk.len())
                .map(|n| match self.backend {
                    Backend::Sqlite => "?".to_string(),
                    Backend::Postgres => format!("${n}"),
                })
                .collect();
            let sql = format!(
                "SELECT citizen_id_index FROM people WHERE citizen_id_index IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query_scalar::<_, String>(&sql);
            for index in chunk {
                query = query.bind(index.as_str());
            }
            for index in query.fetch_all(&self.pool).await.map_err(backend_error)? {
                if let Some(id) = by_index.get(&index) {
                    found.insert((*id).to_string());
                }
            }
        }
        Ok(found)
    }

    /// Writes `rows` in one transaction: new people, their cases and the cases' events, an
    /// audit row for each person and case created, and one for the whole import. The
    /// caller has checked each row (cells in scope, no open case already).
    pub async fn write_takeovers(
        &self,
        change: &Change,
        scope: &Scope,
        rows: &[Takeover],
    ) -> StoreResult<()> {
        if !scope.can_edit() {
            return Err(read_only());
        }
        let mut tx = self.begin().await?;
        let new_people = rows.iter().filter(|r| r.person.is_none()).count();
        let mut person_ids = self
            .next_ids(&mut tx, "people", new_people)
            .await?
            .into_iter();
        let case_ids = self.next_ids(&mut tx, "cases", rows.len()).await?;
        let created = crate::timestamp(change.now);
        let keys = self.keys()?;
        // Built and sent a batch at a time, so a list of 100 000 people is never held twice
        // over as bound values.
        for (batch, ids) in rows.chunks(BATCH).zip(case_ids.chunks(BATCH)) {
            let mut people = Vec::with_capacity(batch.len());
            let mut cases = Vec::with_capacity(batch.len());
            let mut events = Vec::new();
            let mut audits = Vec::with_capacity(2 * batch.len());
            for (row, case_id) in batch.iter().zip(ids) {
                // A person already known keeps their stored name: the trigger copies its key.
                let (person, order) = match row.person {
                    Some(person) => (person, None),
                    None => {
                        let id = person_ids
                            .next()
                            .ok_or_else(|| StoreError::Backend("thiếu mã người khi nhập".into()))?;
                        let order = name_order(&row.details.name);
                        people.push(person_cells(
                            keys,
                            id,
                            &row.details,
                            &created,
                            order.clone(),
                        )?);
                        audits.push(Audit::event("person.create", "person", id));
                        (PersonId(id), Some(order))
                    }
                };
                let mut case = row.taken.case.clone();
                case.id = CaseId(*case_id);
                case.person = person;
                for e in &row.taken.events {
                    events.push(event_cells(&case, e));
                }
                audits.push(Audit {
                    after: Some(case.stage.code().to_string()),
                    ..Audit::event("case.import", "case", case.id.0)
                });
                cases.push(case_cells(&case, &created, order)?);
            }
            let backend = self.backend;
            insert(&mut tx, backend, PEOPLE_INSERT, people).await?;
            insert(&mut tx, backend, CASES_INSERT, cases).await?;
            insert(&mut tx, backend, "INSERT INTO case_events (case_id, cell_id, action, occurred_on, stage_before, stage_after, summary, document_number, document_date, actor, rule_set, recorded_at)", events).await?;
            audit::write_all(&mut tx, backend, change, &audits).await?;
        }
        let summary = Audit {
            after: Some(format!("{new_people} người mới, {} hồ sơ", rows.len())),
            ..Audit::event("import.people", "import", 0)
        };
        audit::write(&mut tx, change, summary).await?;
        tx.commit().await.map_err(backend_error)
    }

    /// `n` unused ids of `table`: taken from its sequence on PostgreSQL; on SQLite, whose
    /// writers are serialised, the ones after the largest (a writer that slipped in between
    /// makes the commit fail rather than collide).
    pub(crate) async fn next_ids(
        &self,
        tx: &mut Transaction<'_, Any>,
        table: &str,
        n: usize,
    ) -> StoreResult<Vec<i64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let count = i64::try_from(n).map_err(|_| StoreError::Backend("quá nhiều dòng".into()))?;
        match self.backend {
            Backend::Postgres => sqlx::query_scalar(&format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
            ))
            .bind(count)
            .fetch_all(&mut **tx)
            .await
            .map_err(backend_error),
            Backend::Sqlite => {
                let max: i64 =
                    sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
                        .fetch_one(&mut **tx)
                        .await
                        .map_err(backend_error)?;
                Ok((max + 1..=max + count).collect())
            }
        }
    }
}
