//! The reads every page makes (its session, navigation, filters and list), by one API on
//! both backends: `Store::read(sql).bind(…).all()`, with the same `$N` SQL as the rest
//! of the store and rows decoded once per type (`FromColumns`).
//!
//! On PostgreSQL they go through sqlx's pool. On SQLite they go to the file directly
//! (rusqlite), on the thread that asks: sqlx's SQLite driver runs each connection in a
//! thread of its own and hands the query and every row across a channel, and those
//! hand-overs, not SQLite, were most of a list page's time under load (task switches
//! alone a sixth of its profile; a page's id query and rows 475 µs through sqlx against
//! 165 µs in SQLite, docs/BENCHMARKS.md). A page's reads are short and indexed, and it
//! blocks its worker thread for them as it would wait for them anyway; a read that may
//! take long (a large scope's list, an export) is marked `long` and runs on a blocking
//! thread instead. Writes, and the report model's load, stay on sqlx.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use ketnap_domain::ports::{StoreError, StoreResult};
use rusqlite::OpenFlags;
use sqlx::any::AnyRow;
use sqlx::{Any, Row as _};

use crate::{Store, backend_error};

/// A value bound to a `$N` of a read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
    Null,
}

impl From<i64> for Bind {
    fn from(n: i64) -> Bind {
        Bind::Int(n)
    }
}

impl From<String> for Bind {
    fn from(text: String) -> Bind {
        Bind::Text(text)
    }
}

impl From<&str> for Bind {
    fn from(text: &str) -> Bind {
        Bind::Text(text.to_string())
    }
}

/// A NULL is bound as an integer's (PostgreSQL types it): only integers may be missing.
impl From<Option<i64>> for Bind {
    fn from(value: Option<i64>) -> Bind {
        value.map_or(Bind::Null, Bind::Int)
    }
}

/// A column's value as both drivers decode it: integers, text, and either as nullable.
pub(crate) trait Value:
    for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any> + rusqlite::types::FromSql
{
}

impl<V> Value for V where
    V: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any> + rusqlite::types::FromSql
{
}

/// A row of either driver; a rusqlite row with its statement's column names, read once:
/// rusqlite looks a name up by asking SQLite for each column's, which was a thirtieth of a
/// list page.
pub(crate) enum Row<'a> {
    Any(&'a AnyRow),
    Sqlite(&'a rusqlite::Row<'a>, &'a [String]),
}

impl Row<'_> {
    /// The value of the column named `column`.
    pub(crate) fn get<V: Value>(&self, column: &str) -> StoreResult<V> {
        match self {
            Row::Any(row) => row.try_get(column).map_err(backend_error),
            Row::Sqlite(row, names) => names
                .iter()
                // As exactly as sqlx's rows (rusqlite's own lookup ignores case).
                .position(|name| name == column)
                .ok_or_else(|| rusqlite::Error::InvalidColumnName(column.to_string()))
                .and_then(|index| row.get(index))
                .map_err(file_error),
        }
    }

    /// The value of the `index`th column (from 0).
    pub(crate) fn at<V: Value>(&self, index: usize) -> StoreResult<V> {
        match self {
            Row::Any(row) => row.try_get(index).map_err(backend_error),
            Row::Sqlite(row, _) => row.get(index).map_err(file_error),
        }
    }
}

/// A type a read's rows decode into, by the columns' names or positions.
pub(crate) trait FromColumns: Sized {
    fn from_columns(row: &Row<'_>) -> StoreResult<Self>;
}

macro_rules! tuple_from_columns {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Value),+> FromColumns for ($($name,)+) {
            fn from_columns(row: &Row<'_>) -> StoreResult<Self> {
                Ok(($(row.at::<$name>($index)?,)+))
            }
        }
    };
}

/// A single column read as itself (`SELECT body …` into `Vec<String>`).
macro_rules! value_from_columns {
    ($($value:ty),+) => {
        $(impl FromColumns for $value {
            fn from_columns(row: &Row<'_>) -> StoreResult<Self> {
                row.at(0)
            }
        })+
    };
}

value_from_columns!(i64, String, Option<i64>, Option<String>);
tuple_from_columns!(A 0);
tuple_from_columns!(A 0, B 1);
tuple_from_columns!(A 0, B 1, C 2);
tuple_from_columns!(A 0, B 1, C 2, D 3);

fn file_error(error: rusqlite::Error) -> StoreError {
    // As `backend_error`: the user is told the disk is full (a sort spilling to disk).
    if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
        return StoreError::Full;
    }
    StoreError::Backend(error.to_string())
}

/// Connections to the SQLite file for reads, opened as they are first needed and kept
/// for the next read: one for each thread reading at once.
#[derive(Debug)]
pub(crate) struct FileReader {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

/// Idle connections kept; more are closed after their read.
const IDLE_CONNECTIONS: usize = 8;

/// Statements kept prepared on each connection: the pages' reads, a few shapes each.
const STATEMENTS_KEPT: usize = 64;

impl FileReader {
    pub(crate) fn new(path: &Path) -> FileReader {
        FileReader {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> StoreResult<rusqlite::Connection> {
        let connection = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(file_error)?;
        // A read waits for a checkpoint as sqlx's connections do (`SQLITE_SETTINGS`), and
        // can never write.
        connection
            .busy_timeout(Duration::from_secs(10))
            .map_err(file_error)?;
        connection
            .pragma_update(None, "query_only", true)
            .map_err(file_error)?;
        connection.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
        Ok(connection)
    }

    /// The rows of `sql` with `binds` for its `$1`, `$2` …, at most `limit`; a `long`
    /// read's statement is not kept prepared (it may name thousands of ids).
    fn rows<T: FromColumns>(
        &self,
        sql: &str,
        binds: &[Bind],
        limit: usize,
        long: bool,
    ) -> StoreResult<Vec<T>> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.open()?,
        };
        let rows = read_rows(&connection, sql, binds, limit, long);
        // A connection that failed (a damaged file, an I/O error) is not used again.
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if rows.is_ok() && idle.len() < IDLE_CONNECTIONS {
            idle.push(connection);
        }
        rows
    }

    /// Closes the idle connections (`Store::close`).
    pub(crate) fn close(&self) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

fn read_rows<T: FromColumns>(
    connection: &rusqlite::Connection,
    sql: &str,
    binds: &[Bind],
    limit: usize,
    long: bool,
) -> StoreResult<Vec<T>> {
    let mut statement = connection.prepare_cached(sql).map_err(file_error)?;
    // SQLite numbers parameters in order of first appearance and names them as written
    // (`$3`), so each is bound by its name. Every value must be used, as PostgreSQL wants.
    let mut highest = 0;
    for index in 1..=statement.parameter_count() {
        let (number, bind) = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$')?.parse::<usize>().ok())
            .and_then(|n| Some((n, binds.get(n.checked_sub(1)?)?)))
            .ok_or_else(|| {
                StoreError::Backend(format!("câu lệnh thiếu giá trị cho tham số thứ {index}"))
            })?;
        highest = highest.max(number);
        match bind {
            Bind::Int(n) => statement.raw_bind_parameter(index, n),
            Bind::Text(text) => statement.raw_bind_parameter(index, text),
            Bind::Null => statement.raw_bind_parameter(index, rusqlite::types::Null),
        }
        .map_err(file_error)?;
    }
    if highest != binds.len() {
        return Err(StoreError::Backend(format!(
            "câu lệnh dùng {highest} tham số nhưng nhận {} giá trị",
            binds.len()
        )));
    }
    let names: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(String::from)
        .collect();
    let mut out = Vec::new();
    let mut rows = statement.raw_query();
    while out.len() < limit {
        match rows.next().map_err(file_error)? {
            Some(row) => out.push(T::from_columns(&Row::Sqlite(row, &names))?),
            None => break,
        }
    }
    drop(rows);
    if long {
        statement.discard();
    }
    Ok(out)
}

/// A read being put together: its SQL and values.
#[derive(Debug)]
pub(crate) struct Read<'s> {
    store: &'s Store,
    sql: String,
    binds: Vec<Bind>,
    long: bool,
}

impl Store {
    /// A read of `sql` (with `$1`, `$2` … bound in order by `bind`).
    pub(crate) fn read(&self, sql: impl Into<String>) -> Read<'_> {
        Read {
            store: self,
            sql: sql.into(),
            binds: Vec::new(),
            long: false,
        }
    }
}

impl Read<'_> {
    pub(crate) fn bind(mut self, value: impl Into<Bind>) -> Self {
        self.binds.push(value.into());
        self
    }

    /// The values for `$1`, `$2` … at once.
    pub(crate) fn binds(mut self, values: Vec<Bind>) -> Self {
        self.binds = values;
        self
    }

    /// Whether the read may take long (a whole scope's records, an export): on SQLite it
    /// then runs on a thread of its own, so that the pages a worker thread serves do not
    /// wait behind it.
    pub(crate) fn long(mut self, long: bool) -> Self {
        self.long = long;
        self
    }

    pub(crate) async fn all<T: FromColumns + Send + 'static>(self) -> StoreResult<Vec<T>> {
        self.rows(usize::MAX).await
    }

    /// The first row, if any.
    pub(crate) async fn optional<T: FromColumns + Send + 'static>(self) -> StoreResult<Option<T>> {
        Ok(self.rows(1).await?.into_iter().next())
    }

    /// The first row, which the query always gives (an aggregate's).
    pub(crate) async fn one<T: FromColumns + Send + 'static>(self) -> StoreResult<T> {
        self.optional()
            .await?
            .ok_or_else(|| StoreError::Backend("câu lệnh không trả về dòng nào".into()))
    }

    async fn rows<T: FromColumns + Send + 'static>(self, limit: usize) -> StoreResult<Vec<T>> {
        match &self.store.file_reader {
            Some(reader) if self.long => {
                let (reader, sql, binds) = (std::sync::Arc::clone(reader), self.sql, self.binds);
                tokio::task::spawn_blocking(move || reader.rows(&sql, &binds, limit, true))
                    .await
                    .map_err(|e| StoreError::Backend(e.to_string()))?
            }
            Some(reader) => reader.rows(&self.sql, &self.binds, limit, false),
            None => {
                let mut query = sqlx::query::<Any>(&self.sql);
                for bind in &self.binds {
                    query = match bind {
                        Bind::Int(n) => query.bind(*n),
                        Bind::Text(text) => query.bind(text.as_str()),
                        Bind::Null => query.bind(None::<i64>),
                    };
                }
                let rows = if limit == 1 {
                    let row = query.fetch_optional(&self.store.pool).await;
                    row.map(Vec::from_iter)
                } else {
                    query.fetch_all(&self.store.pool).await
                };
                let rows = rows.map_err(backend_error)?;
                rows.iter()
                    .map(|row| T::from_columns(&Row::Any(row)))
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_store;

    /// The same store reading through sqlx's pool, as on PostgreSQL.
    fn through_sqlx(store: &Store) -> Store {
        Store {
            file_reader: None,
            ..store.clone()
        }
    }

    #[tokio::test]
    async fn values_are_bound_by_their_numbers_on_both_paths() {
        let (store, _dir) = test_store().await;
        let sql = "SELECT $2, $1, $1 + 1, $3 IS NULL";
        for store in [store.clone(), through_sqlx(&store)] {
            for long in [false, true] {
                let row: (String, i64, i64, i64) = store
                    .read(sql)
                    .bind(5)
                    .bind("x")
                    .bind(None::<i64>)
                    .long(long)
                    .one()
                    .await
                    .unwrap();
                assert_eq!(row, ("x".to_string(), 5, 6, 1));
            }
        }
        for store in [store.clone(), through_sqlx(&store)] {
            let none: Option<(i64, Option<String>)> = store
                .read("SELECT 1, NULL WHERE $1 = 0")
                .bind(1)
                .optional()
                .await
                .unwrap();
            assert_eq!(none, None);
            let null: (i64, Option<String>) = store.read("SELECT 1, NULL").one().await.unwrap();
            assert_eq!(null, (1, None));
            // Text is not read as a number on either path.
            assert!(store.read("SELECT 'x'").one::<i64>().await.is_err());
        }
        let error = store.read("SELECT $2").bind(1).one::<i64>().await;
        assert!(
            error.unwrap_err().to_string().contains("tham số thứ 1"),
            "a value missing is told, not read as NULL"
        );
        // A value left over is refused as PostgreSQL refuses it.
        let error = store.read("SELECT $1").bind(1).bind(2).one::<i64>().await;
        assert!(error.unwrap_err().to_string().contains("nhận 2 giá trị"));
    }

    /// Columns read by their names, in any order; a name the statement lacks is an error.
    #[tokio::test]
    async fn columns_are_read_by_their_names_on_both_paths() {
        let (store, _dir) = test_store().await;
        for store in [store.clone(), through_sqlx(&store)] {
            let org: crate::units::MassOrgRecord = store
                .read("SELECT 'Chi đoàn' AS name, 3 AS unit_id, 'youth_union' AS kind, 7 AS id")
                .one()
                .await
                .unwrap();
            assert_eq!((org.id, org.unit_id, org.name.as_str()), (7, 3, "Chi đoàn"));
            let missing = store
                .read("SELECT 7 AS id, 'youth_union' AS kind, 3 AS unit_id")
                .one::<crate::units::MassOrgRecord>()
                .await;
            assert!(missing.is_err());
        }
    }

    /// A change committed through sqlx is read from the file at once; one not committed
    /// is not; and the file's connections cannot write.
    #[tokio::test]
    async fn the_file_reads_what_is_committed_and_writes_nothing() {
        let (store, _dir) = test_store().await;
        sqlx::query("CREATE TABLE t (n INTEGER)")
            .execute(&store.pool)
            .await
            .unwrap();
        let count = || store.read("SELECT COUNT(*) FROM t").one::<i64>();
        assert_eq!(count().await.unwrap(), 0);
        let mut tx = store.begin().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(count().await.unwrap(), 0);
        tx.commit().await.unwrap();
        assert_eq!(count().await.unwrap(), 1);
        let written = store.read("INSERT INTO t VALUES (2)").all::<i64>().await;
        assert!(written.is_err());
        assert_eq!(count().await.unwrap(), 1);
    }
}
