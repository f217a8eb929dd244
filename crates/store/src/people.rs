//! People: created once, read through a scope (and each read logged), found by name or id.

use std::sync::LazyLock;

use ketnap_domain::Violation;
use ketnap_domain::ids::PersonId;
use ketnap_domain::person::{BirthDate, IdentityChange, Person, PersonDetails};
use ketnap_domain::ports::{Change, PastIdentity, PersonStore, StoreError, StoreResult};
use ketnap_domain::scope::Scope;
use ketnap_domain::text::{NameCollator, PersonName, search_key};
use sqlx::{Any, Transaction};

use crate::audit::{self, Audit};
use crate::keys::{DataKeys, citizen_index_of, open_details, seal_details};
use crate::name_search::NameSearch;
use crate::{Store, VISIBLE_PERSON, backend_error, iso_date};

/// How a birth date is kept in a column: `YYYY-MM-DD`, or `YYYY` alone.
pub(crate) fn birth_column(birth: BirthDate) -> String {
    match birth {
        BirthDate::Full(day) => iso_date(day),
        BirthDate::YearOnly(year) => format!("{year:04}"),
    }
}

/// A name from the clear columns lists use (no record is opened for a list).
pub(crate) fn full_name(family: String, middle: String, given: String) -> String {
    PersonName {
        family,
        middle,
        given,
    }
    .full()
}

/// `birth_column` as the record shows it (`BirthDate::display`).
pub(crate) fn birth_display(birth: &str) -> String {
    BirthDate::parse(birth)
        .map(BirthDate::display)
        .unwrap_or_else(|_| birth.to_string())
}

/// The collator behind every stored `people.name_order`.
pub(crate) static COLLATOR: LazyLock<NameCollator> = LazyLock::new(NameCollator::new);

/// `people.name_order` of a name: bytes in Vietnamese list order (`NameCollator::sort_key`).
pub(crate) fn name_order(name: &PersonName) -> Vec<u8> {
    COLLATOR.sort_key(name)
}

/// The columns kept beside the JSON so lists can filter and sort without decoding it.
pub(crate) fn person_columns(details: &PersonDetails) -> [String; 6] {
    let name = &details.name;
    [
        name.family.clone(),
        name.middle.clone(),
        name.given.clone(),
        search_key(&name.full()),
        birth_column(details.birth),
        match details.sex {
            ketnap_domain::citizen_id::Sex::Male => "male".into(),
            ketnap_domain::citizen_id::Sex::Female => "female".into(),
        },
    ]
}

#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
    pub(crate) id: i64,
    pub(crate) details: String,
}

impl PersonRow {
    pub(crate) fn into_person(self, keys: &DataKeys) -> StoreResult<Person> {
        Ok(Person {
            id: PersonId(self.id),
            details: open_details(keys, &self.details)?,
        })
    }
}

fn duplicate_citizen_id(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(db) if db.message().to_lowercase().contains("unique") => {
            StoreError::Rejected(Violation::new(
                "person.citizen-id-taken",
                "citizen_id",
                // Said the same whether the record is in the account's scope or not: the
                // form must not become a national CCCD lookup.
                "Không thể tạo hồ sơ mới với số CCCD này. Hãy tìm người này trong danh sách; nếu không thấy, liên hệ cấp ủy cấp trên.",
            ))
        }
        other => backend_error(other),
    }
}

impl Store {
    pub(crate) async fn insert_person(
        tx: &mut Transaction<'_, Any>,
        keys: &DataKeys,
        change: &Change,
        details: &PersonDetails,
    ) -> StoreResult<PersonId> {
        let [family, middle, given, key, birth, sex] = person_columns(details);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO people (family_name, middle_name, given_name, search_key, birth_date, sex, citizen_id_index, details, created_at, name_order, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) RETURNING id",
        )
        .bind(family)
        .bind(middle)
        .bind(given)
        .bind(key)
        .bind(birth)
        .bind(sex)
        .bind(citizen_index_of(keys, details)?)
        .bind(seal_details(keys, details)?)
        .bind(crate::timestamp(change.now))
        .bind(name_order(&details.name))
        .fetch_one(&mut **tx)
        .await
        .map_err(duplicate_citizen_id)?;
        // The audit row names the person by id only: personal data stays out of the log.
        audit::write(tx, change, Audit::event("person.create", "person", id)).await?;
        Ok(PersonId(id))
    }

    /// Logs a read (`person.read`) of each of `people`, in one transaction: for pages that
    /// show several people's records at once (papers in bulk) and read them with their
    /// cases through a scope. The rows name each person by id only, as `person` does.
    pub async fn log_person_reads(&self, change: &Change, people: &[PersonId]) -> StoreResult<()> {
        if people.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for id in people {
            audit::write(&mut tx, change, Audit::event("person.read", "person", id)).await?;
        }
        tx.commit().await.map_err(backend_error)
    }

    /// A person in the scope, without logging the read (for internal checks).
    pub(crate) async fn person_in_scope(&self, scope: &Scope, id: PersonId) -> StoreResult<Person> {
        let row: Option<PersonRow> = sqlx::query_as(&format!(
            "SELECT id, details FROM people WHERE id = $2 AND EXISTS ({VISIBLE_PERSON})"
        ))
        .bind(scope.root().0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_error)?;
        row.ok_or(StoreError::NotFound("người này"))?
            .into_person(self.keys()?)
    }
}

impl PersonStore for Store {
    async fn create_person(
        &self,
        change: &Change,
        details: &PersonDetails,
    ) -> StoreResult<PersonId> {
        let mut tx = self.begin().await?;
        let id = Store::insert_person(&mut tx, self.keys()?, change, details).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(id)
    }

    async fn person(&self, change: &Change, scope: &Scope, id: PersonId) -> StoreResult<Person> {
        let person = self.person_in_scope(scope, id).await?;
        self.audit_alone(change, Audit::event("person.read", "person", id))
            .await?;
        Ok(person)
    }

    async fn find_people(
        &self,
        scope: &Scope,
        query: &str,
        limit: u32,
    ) -> StoreResult<Vec<Person>> {
        let digits: String = query.chars().filter(char::is_ascii_digit).collect();
        let by_id = digits.len() >= 9
            && digits.len()
                == query
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '.')
                    .count();
        // A CCCD is found through its index, then checked against the scope; a part of a
        // name is looked for among the scope's people, or through the names' index when
        // the scope is large and few people have that part (`name_search.rs`).
        let mut indexed = None;
        let (condition, value) = if by_id {
            (
                format!("citizen_id_index = $2 AND EXISTS ({VISIBLE_PERSON})"),
                self.keys()?.citizen_index(&digits)?,
            )
        } else {
            let key = search_key(query);
            if key.is_empty() {
                return Ok(Vec::new());
            }
            const LIKE: &str = "search_key LIKE $2 ESCAPE '\\'";
            let condition = match self.name_search(scope, &key).await? {
                NameSearch::PersonByPerson => format!(
                    "id IN (SELECT c.person_id FROM cases c JOIN unit_closure s ON s.unit_id = c.cell_id WHERE s.ancestor_id = $1) AND {LIKE}"
                ),
                // The scope before the name: a person out of it is not read at all.
                NameSearch::Indexed(query) => {
                    indexed = Some(query);
                    format!(
                        "{} AND EXISTS ({VISIBLE_PERSON}) AND {LIKE}",
                        NameSearch::indexed_condition(self.backend(), "id", "$4")
                    )
                }
            };
            (condition, crate::contains_pattern(&key))
        };
        let sql = format!("SELECT id, details FROM people WHERE {condition} ORDER BY id LIMIT $3");
        let mut rows = sqlx::query_as::<_, PersonRow>(&sql)
            .bind(scope.root().0)
            .bind(value)
            .bind(i64::from(limit));
        if let Some(query) = indexed {
            rows = rows.bind(query);
        }
        let rows = rows.fetch_all(&self.pool).await.map_err(backend_error)?;
        let keys = self.keys()?;
        rows.into_iter().map(|row| row.into_person(keys)).collect()
    }

    async fn change_identity(
        &self,
        change: &Change,
        scope: &Scope,
        id: PersonId,
        identity: &IdentityChange,
    ) -> StoreResult<()> {
        if !scope.can_edit() {
            return Err(StoreError::NotFound("người này"));
        }
        let person = self.person_in_scope(scope, id).await?;
        let mut details = person.details.clone();
        details.name = identity.name.clone();
        details.birth = identity.birth;
        let (details, _) = details.checked(crate::vietnam_today(change.now))?;
        let reason = ketnap_domain::text::clean(&identity.reason);
        if reason.is_empty() {
            return Err(Violation::new(
                "input.required",
                "reason",
                "Phải ghi căn cứ thay đổi (văn bản, quyết định).",
            )
            .into());
        }
        let old = &person.details;
        let [family, middle, given, key, birth, _] = person_columns(&details);
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO person_identity_history (person_id, family_name, middle_name, given_name, birth_date, changed_on, reason, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.0)
        .bind(&old.name.family)
        .bind(&old.name.middle)
        .bind(&old.name.given)
        .bind(birth_column(old.birth))
        .bind(iso_date(identity.effective_on))
        .bind(&reason)
        .bind(crate::timestamp(change.now))
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        sqlx::query(
            "UPDATE people SET family_name = $1, middle_name = $2, given_name = $3, search_key = $4, birth_date = $5, details = $6, name_order = $8, version = version + 1 WHERE id = $7",
        )
        .bind(family)
        .bind(middle)
        .bind(given)
        .bind(key)
        .bind(birth)
        .bind(seal_details(self.keys()?, &details)?)
        .bind(id.0)
        .bind(name_order(&details.name))
        .execute(&mut *tx)
        .await
        .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "person.identity-change",
                entity: "person",
                entity_id: id.to_string(),
                before: None,
                after: Some(reason),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }

    async fn identity_history(
        &self,
        scope: &Scope,
        id: PersonId,
    ) -> StoreResult<Vec<PastIdentity>> {
        self.person_in_scope(scope, id).await?;
        let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT family_name, middle_name, given_name, birth_date, changed_on, reason
             FROM person_identity_history WHERE person_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|(family, middle, given, birth, changed_on, reason)| {
                Ok(PastIdentity {
                    name: PersonName {
                        family,
                        middle,
                        given,
                    },
                    birth,
                    changed_on: crate::parse_date(&changed_on)?,
                    reason,
                })
            })
            .collect()
    }
}

/// `meta` key: the `NameCollator::sort_key_version` the stored `people.name_order` were
/// made by.
pub(crate) const NAME_ORDER_VERSION: &str = "people.name_order";
/// People whose sort key is made again per transaction.
const NAME_ORDER_BATCH: i64 = 5_000;

impl Store {
    /// Makes every `people.name_order` again when the collator is not the one they were
    /// made by (a new database, an upgraded ICU4X). A derived column: no audit row.
    pub(crate) async fn order_names(&self) -> StoreResult<()> {
        let version = COLLATOR.sort_key_version();
        if self.meta(NAME_ORDER_VERSION).await?.as_deref() == Some(version) {
            return Ok(());
        }
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT id, family_name, middle_name, given_name FROM people
                 WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(NAME_ORDER_BATCH)
            .fetch_all(&self.pool)
            .await
            .map_err(backend_error)?;
            let Some(last) = rows.last().map(|row| row.0) else {
                break;
            };
            let mut tx = self.begin().await?;
            for (id, family, middle, given) in rows {
                let name = PersonName {
                    family,
                    middle,
                    given,
                };
                sqlx::query("UPDATE people SET name_order = $1 WHERE id = $2")
                    .bind(name_order(&name))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend_error)?;
            }
            tx.commit().await.map_err(backend_error)?;
            after = last;
        }
        let mut tx = self.begin().await?;
        crate::put_meta(&mut tx, NAME_ORDER_VERSION, version).await?;
        tx.commit().await.map_err(backend_error)
    }
}
