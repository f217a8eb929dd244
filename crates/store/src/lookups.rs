//! Read-only look-ups the web pages need: possible duplicates of a new source, a person's
//! cases, the probationary members, the classes and their waiting participants, and a
//! mass organisation's nominees. Every query is bounded by a `Scope` (or a `NomineeScope`).

use chrono::NaiveDate;
use ketnap_domain::access::NomineeScope;
use ketnap_domain::case::{Case, Stage};
use ketnap_domain::course::CourseKind;
use ketnap_domain::ids::{CaseId, CourseId, PersonId};
use ketnap_domain::person::{BirthDate, Person};
use ketnap_domain::ports::{CaseRecord, StoreError, StoreResult};
use ketnap_domain::scope::Scope;
use ketnap_domain::text::{PersonName, search_key};

use crate::keys::DataKeys;
use crate::people::{PersonRow, birth_column};
use crate::{
    SUBTREE, Store, VISIBLE_PERSON, backend_error, from_json, in_subtree, parse_date, stage,
};

/// A person already on file who may be the one being entered.
#[derive(Debug, Clone, PartialEq)]
pub struct PossibleDuplicate {
    pub person: Person,
    /// The same citizen id (rather than the same name and date of birth).
    pub same_citizen_id: bool,
}

/// One of a person's cases, as the person page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonCase {
    pub case_id: CaseId,
    pub stage: Stage,
    pub cell_name: String,
    pub identified_on: NaiveDate,
}

/// A class of the scope with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseSummary {
    pub id: CourseId,
    pub kind: CourseKind,
    pub name: String,
    pub organiser: String,
    pub unit_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub participants: i64,
    pub passed: i64,
}

/// What a mass-organisation officer may see of one nominee: name, stage and dates only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nominee {
    /// The case, so a nomination can be matched with how far its nominee has come.
    pub case: CaseId,
    pub name: PersonName,
    pub stage: Stage,
    pub identified_on: NaiveDate,
    pub sympathiser_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub ceremony_on: Option<NaiveDate>,
    pub official_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    body: String,
    version: i64,
    person_id: i64,
    person_details: String,
    cell_name: String,
}

const RECORD_SELECT: &str =
    "SELECT c.body, c.version, p.id AS person_id, p.details AS person_details, u.name AS cell_name
    FROM cases c JOIN people p ON p.id = c.person_id JOIN units u ON u.id = c.cell_id";

impl RecordRow {
    fn into_record(self, keys: &DataKeys) -> StoreResult<CaseRecord> {
        Ok(CaseRecord {
            case: from_json(&self.body)?,
            person: PersonRow {
                id: self.person_id,
                details: self.person_details,
            }
            .into_person(keys)?,
            cell_name: self.cell_name,
            version: self.version,
        })
    }
}

/// `'a', 'b', …` for the stages the predicate keeps (codes are fixed identifiers).
fn stage_list(keep: impl Fn(Stage) -> bool) -> String {
    Stage::ALL
        .into_iter()
        .filter(|s| keep(*s))
        .map(|s| format!("'{}'", s.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// People of the scope who may be the person being entered: the same citizen id, or
    /// the same name (compared without diacritics) and date of birth. A year-only date of
    /// birth matches any date in that year, on either side.
    pub async fn possible_duplicates(
        &self,
        scope: &Scope,
        citizen_id: Option<&str>,
        name: Option<(&PersonName, BirthDate)>,
    ) -> StoreResult<Vec<PossibleDuplicate>> {
        let mut found: Vec<PossibleDuplicate> = Vec::new();
        if let Some(id) = citizen_id.filter(|id| !id.is_empty()) {
            let rows: Vec<PersonRow> = sqlx::query_as(&format!(
                "SELECT id, details FROM people WHERE citizen_id_index = $2 AND EXISTS ({VISIBLE_PERSON}) ORDER BY id"
            ))
            .bind(scope.root().0)
            .bind(self.keys()?.citizen_index(id)?)
            .fetch_all(&self.pool)
            .await
            .map_err(backend_error)?;
            for row in rows {
                found.push(PossibleDuplicate {
                    person: row.into_person(self.keys()?)?,
                    same_citizen_id: true,
                });
            }
        }
        if let Some((name, birth)) = name {
            let key = search_key(&name.full());
            if !key.is_empty() {
                let (condition, first, second) = match birth {
                    BirthDate::Full(_) => (
                        "birth_date IN ($3, $4)",
                        birth_column(birth),
                        format!("{:04}", birth.year()),
                    ),
                    BirthDate::YearOnly(year) => (
                        "(birth_date LIKE $3 OR birth_date = $4)",
                        format!("{year:04}-%"),
                        format!("{year:04}"),
                    ),
                };
                let rows: Vec<PersonRow> = sqlx::query_as(&format!(
                    "SELECT id, details FROM people WHERE search_key = $2 AND {condition} AND EXISTS ({VISIBLE_PERSON}) ORDER BY id LIMIT 20"
                ))
                .bind(scope.root().0)
                .bind(key)
                .bind(first)
                .bind(second)
                .fetch_all(&self.pool)
                .await
                .map_err(backend_error)?;
                for row in rows {
                    if !found.iter().any(|d| d.person.id.0 == row.id) {
                        found.push(PossibleDuplicate {
                            person: row.into_person(self.keys()?)?,
                            same_citizen_id: false,
                        });
                    }
                }
            }
        }
        Ok(found)
    }

    /// The cases of a person held in the scope's cells, newest first.
    pub async fn cases_of_person(
        &self,
        scope: &Scope,
        person: PersonId,
    ) -> StoreResult<Vec<PersonCase>> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT c.id, c.stage, u.name, c.identified_on FROM cases c JOIN units u ON u.id = c.cell_id
             WHERE c.person_id = $2 AND {} ORDER BY c.identified_on DESC, c.id DESC",
            in_subtree("c.cell_id")
        ))
        .bind(scope.root().0)
        .bind(person.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|(id, code, cell_name, identified_on)| {
                Ok(PersonCase {
                    case_id: CaseId(id),
                    stage: stage(&code)?,
                    cell_name,
                    identified_on: parse_date(&identified_on)?,
                })
            })
            .collect()
    }

    /// The scope's probationary members (from the ceremony until official recognition).
    pub async fn probation_cases(&self, scope: &Scope) -> StoreResult<Vec<CaseRecord>> {
        let stages = stage_list(Stage::is_probation);
        let rows: Vec<RecordRow> = sqlx::query_as(&format!(
            "{SUBTREE} {RECORD_SELECT} WHERE c.cell_id IN (SELECT id FROM subtree) AND c.stage IN ({stages}) ORDER BY c.id"
        ))
        .bind(scope.root().0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let keys = self.keys()?;
        rows.into_iter().map(|row| row.into_record(keys)).collect()
    }

    /// The open cases of the scope waiting for the certificate a class of `kind` gives:
    /// sympathisers for the awareness course, probationary members without a new-member
    /// certificate for the new-member course.
    pub async fn cases_awaiting_course(
        &self,
        scope: &Scope,
        kind: CourseKind,
    ) -> StoreResult<Vec<CaseRecord>> {
        let stages = match kind {
            CourseKind::Awareness => stage_list(|s| s == Stage::Sympathiser),
            CourseKind::NewMember => stage_list(Stage::is_probation),
        };
        let rows: Vec<RecordRow> = sqlx::query_as(&format!(
            "{SUBTREE} {RECORD_SELECT} WHERE c.cell_id IN (SELECT id FROM subtree) AND c.stage IN ({stages})
             AND c.closed_on IS NULL AND c.official_on IS NULL ORDER BY c.id"
        ))
        .bind(scope.root().0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let keys = self.keys()?;
        let records = rows
            .into_iter()
            .map(|row| row.into_record(keys))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(records
            .into_iter()
            .filter(|r| kind == CourseKind::Awareness || r.case.new_member_certificate.is_none())
            .collect())
    }

    /// The classes whose unit is in the scope, newest first, with their counts.
    pub async fn courses_in(&self, scope: &Scope) -> StoreResult<Vec<CourseSummary>> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            i64,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT c.id, c.kind, c.name, c.organiser, u.name, c.starts_on, c.ends_on,
             (SELECT COUNT(*) FROM course_participants p WHERE p.course_id = c.id),
             (SELECT COUNT(*) FROM course_participants p WHERE p.course_id = c.id AND p.result = 'passed')
             FROM courses c JOIN units u ON u.id = c.unit_id
             WHERE c.unit_id IN (SELECT id FROM subtree) ORDER BY c.starts_on DESC, c.id DESC"
        ))
        .bind(scope.root().0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(
                |(
                    id,
                    kind,
                    name,
                    organiser,
                    unit_name,
                    starts_on,
                    ends_on,
                    participants,
                    passed,
                )| {
                    Ok(CourseSummary {
                        id: CourseId(id),
                        kind: CourseKind::from_code(&kind)
                            .ok_or_else(|| StoreError::Backend(format!("loại lớp lạ: {kind}")))?,
                        name,
                        organiser,
                        unit_name,
                        starts_on: parse_date(&starts_on)?,
                        ends_on: parse_date(&ends_on)?,
                        participants,
                        passed,
                    })
                },
            )
            .collect()
    }

    /// The people a mass organisation nominated, with their stage and the dates of the
    /// main steps, and nothing else about them or anyone else.
    pub async fn nominees(&self, scope: NomineeScope) -> StoreResult<Vec<Nominee>> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT c.id, p.family_name, p.middle_name, p.given_name, c.stage, c.identified_on,
             c.decided_on, c.ceremony_on, c.official_on, c.body
             FROM cases c JOIN people p ON p.id = c.person_id
             WHERE c.nominated_by = $1 ORDER BY c.id",
        )
        .bind(scope.mass_org.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        let date = |text: Option<String>| text.as_deref().map(parse_date).transpose();
        rows.into_iter()
            .map(
                |(
                    id,
                    family,
                    middle,
                    given,
                    code,
                    identified,
                    decided,
                    ceremony,
                    official,
                    body,
                )| {
                    // Only the sympathiser date is taken from the body; the rest stays here.
                    let case: Case = from_json(&body)?;
                    Ok(Nominee {
                        case: CaseId(id),
                        name: PersonName {
                            family,
                            middle,
                            given,
                        },
                        stage: stage(&code)?,
                        identified_on: parse_date(&identified)?,
                        sympathiser_on: case.sympathiser_on,
                        decided_on: date(decided)?,
                        ceremony_on: date(ceremony)?,
                        official_on: date(official)?,
                    })
                },
            )
            .collect()
    }
}
