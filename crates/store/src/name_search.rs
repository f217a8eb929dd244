//! Finding a part of a name among a scope's people: person by person in a small scope,
//! through the index of folded names (migration 0014) in a large one when few people in the
//! country can match.
//!
//! The two backends index differently. PostgreSQL's `pg_trgm` GIN index answers
//! `search_key LIKE '%…%'` itself. On SQLite, FTS5's trigram tokenizer was measured and
//! dropped: folded Vietnamese names are made of few letters and syllables, so every trigram
//! ("ngu", "van") is in hundreds of thousands of names and each search read those lists
//! (about 90 ms for the country). SQLite indexes the names' words instead: in a part typed
//! as "w1 w2 … wk", w2 … wk-1 are whole words and wk begins a word (w1 may end one), so the
//! phrase `"w2 … wk" *` finds every name that can hold the part, and the `LIKE` that the
//! person-by-person search also uses keeps those that do.

use ketnap_domain::ports::StoreResult;
use ketnap_domain::scope::Scope;

use crate::{Backend, Store, backend_error};

/// When the index is asked (see [`Store::name_search`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameSearchLimits {
    /// A scope of at most this many units (a ward: a few dozen) is searched person by
    /// person: its few hundred people are read faster than the index answers.
    pub small_scope_units: i64,
    /// When more people than this in the whole country can match ("van a", a family name),
    /// the scope is searched person by person too: the index would hand over every one of
    /// them to be checked against the scope, while the scope's first page comes soon.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NameSearch {
    /// Every person of the scope is read and their folded name compared.
    PersonByPerson,
    /// The index gives the people who can match, with the value to bind for
    /// [`NameSearch::indexed_condition`]; each is then checked against the scope and
    /// compared as by the person-by-person search.
    Indexed(String),
}

impl NameSearch {
    /// The condition that the person `id_column` is one the index gives for the value
    /// bound at `placeholder`.
    pub(crate) fn indexed_condition(
        backend: Backend,
        id_column: &str,
        placeholder: &str,
    ) -> String {
        format!("{id_column} IN ({})", index_rows(backend, placeholder))
    }
}

/// The ids of the people the index gives for the value bound at `placeholder`.
fn index_rows(backend: Backend, placeholder: &str) -> String {
    match backend {
        Backend::Sqlite => {
            format!("SELECT rowid FROM people_words WHERE people_words MATCH {placeholder}")
        }
        Backend::Postgres => format!("SELECT id FROM people WHERE search_key LIKE {placeholder}"),
    }
}

/// What the index is asked for `key`, or `None` when it cannot help.
fn index_query(backend: Backend, key: &str) -> Option<String> {
    // LIKE's own wildcards: PostgreSQL's index would read them as wildcards, and the few
    // people typing them are served person by person on both backends alike.
    if key.contains(['%', '_', '\\']) {
        return None;
    }
    match backend {
        // Trigrams need three characters.
        Backend::Postgres => (key.chars().count() >= 3).then(|| crate::contains_pattern(key)),
        Backend::Sqlite => {
            let (_, rest) = key.split_once(' ')?;
            // FTS5's tokenizer and Rust agree on what is a letter only for ASCII (folded
            // Vietnamese is ASCII); other text goes person by person, as does a phrase of no
            // word at all (only punctuation), which FTS5 would answer with nothing.
            (rest.is_ascii() && rest.chars().any(|c| c.is_ascii_alphanumeric()))
                .then(|| format!("\"{}\" *", rest.replace('"', "\"\"")))
        }
    }
}

impl Store {
    /// How to look for `key` (a folded part of a name, `text::search_key`) in `scope`.
    pub(crate) async fn name_search(&self, scope: &Scope, key: &str) -> StoreResult<NameSearch> {
        let limits = self.name_search_limits;
        let Some(query) = index_query(self.backend, key) else {
            return Ok(NameSearch::PersonByPerson);
        };
        let (units,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM (SELECT 1 FROM unit_closure WHERE ancestor_id = $1 LIMIT $2) AS scope_units",
        )
        .bind(scope.root().0)
        .bind(limits.small_scope_units.saturating_add(1))
        .fetch_one(&self.pool)
        .await
        .map_err(backend_error)?;
        if units <= limits.small_scope_units {
            return Ok(NameSearch::PersonByPerson);
        }
        // How many people the index gives, counted up to one past the limit.
        let matches = format!(
            "SELECT COUNT(*) FROM ({} LIMIT $2) AS found",
            index_rows(self.backend, "$1")
        );
        let (found,): (i64,) = sqlx::query_as(&matches)
            .bind(&query)
            .bind(limits.indexed_matches.saturating_add(1))
            .fetch_one(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(if found <= limits.indexed_matches {
            NameSearch::Indexed(query)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_is_asked_for_what_it_can_find() {
        let sqlite = |key| index_query(Backend::Sqlite, key);
        assert_eq!(sqlite("nguyen van a").as_deref(), Some("\"van a\" *"));
        assert_eq!(sqlite("guyen minh").as_deref(), Some("\"minh\" *"));
        assert_eq!(sqlite("a \"b").as_deref(), Some("\"\"\"b\" *"));
        assert_eq!(sqlite("le van-anh 2").as_deref(), Some("\"van-anh 2\" *"));
        for nothing in [
            "nguyen", "van -", "van an%", "van_an", "van\\ an", "", "x ⓐ", "x 王",
        ] {
            assert_eq!(sqlite(nothing), None, "{nothing}");
        }
        let postgres = |key| index_query(Backend::Postgres, key);
        assert_eq!(postgres("guy").as_deref(), Some("%guy%"));
        assert_eq!(postgres("an"), None);
        assert_eq!(postgres("50%"), None);
    }
}
