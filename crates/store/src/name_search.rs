//! Finding a part of a name among a scope's people: person by person in a small scope,
//! through the trigram index of folded names (migration 0014: FTS5 on SQLite, `pg_trgm` on
//! PostgreSQL) when few people in the country have that part.

use ketnap_domain::ports::StoreResult;
use ketnap_domain::scope::Scope;

use crate::{Backend, Store, backend_error};

/// When the index is asked (see [`Store::name_search`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameSearchLimits {
    /// A scope of at most this many units (a ward: a few dozen) is searched person by
    /// person: its few hundred people are read faster than the index answers.
    pub small_scope_units: i64,
    /// A part more people than this have in the whole country (a family name, "van") is
    /// looked for person by person too: the index would hand over every one of them to be
    /// checked against the scope, while the scope's first page of them comes soon.
    pub indexed_matches: i64,
}

impl Default for NameSearchLimits {
    fn default() -> Self {
        NameSearchLimits {
            small_scope_units: 1_000,
            indexed_matches: 5_000,
        }
    }
}

/// How a part of a name is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameSearch {
    /// Every person of the scope is read and their folded name compared.
    PersonByPerson,
    /// The index gives the people whose folded name holds the part; each is then checked
    /// against the scope.
    Indexed,
}

impl NameSearch {
    /// The condition that the person `id_column` is one the index gives for the pattern
    /// bound at `pattern` (`%part%`, without escapes: [`Store::name_search`] only chooses
    /// the index for parts without `%`, `_` or `\`).
    pub(crate) fn indexed_condition(backend: Backend, id_column: &str, pattern: &str) -> String {
        match backend {
            Backend::Sqlite => format!(
                "{id_column} IN (SELECT rowid FROM people_search WHERE search_key LIKE {pattern})"
            ),
            Backend::Postgres => {
                format!("{id_column} IN (SELECT id FROM people WHERE search_key LIKE {pattern})")
            }
        }
    }
}

/// The rows of `people` (SQLite: of its index) whose folded name holds `$1`, at most `$2`.
fn matches_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM (SELECT 1 FROM people_search WHERE search_key LIKE $1 LIMIT $2) AS found"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM (SELECT 1 FROM people WHERE search_key LIKE $1 LIMIT $2) AS found"
        }
    }
}

impl Store {
    /// How to look for `key` (a folded part of a name, `text::search_key`) in `scope`.
    pub(crate) async fn name_search(&self, scope: &Scope, key: &str) -> StoreResult<NameSearch> {
        let limits = self.name_search_limits;
        // Trigrams need three characters; LIKE's own wildcards in the text are matched
        // literally only by the escaped pattern of the person-by-person search.
        if key.chars().count() < 3 || key.contains(['%', '_', '\\']) {
            return Ok(NameSearch::PersonByPerson);
        }
        let (units,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM (SELECT 1 FROM unit_closure WHERE ancestor_id = $1 LIMIT $2) AS scope_units",
        )
        .bind(scope.root().0)
        .bind(limits.small_scope_units + 1)
        .fetch_one(&self.pool)
        .await
        .map_err(backend_error)?;
        if units <= limits.small_scope_units {
            return Ok(NameSearch::PersonByPerson);
        }
        let (found,): (i64,) = sqlx::query_as(matches_sql(self.backend))
            .bind(format!("%{key}%"))
            .bind(limits.indexed_matches + 1)
            .fetch_one(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(if found <= limits.indexed_matches {
            NameSearch::Indexed
        } else {
            NameSearch::PersonByPerson
        })
    }

    /// The same store with other limits for choosing the index: tests take both paths on
    /// small data with them.
    pub fn with_name_search_limits(mut self, limits: NameSearchLimits) -> Store {
        self.name_search_limits = limits;
        self
    }
}
