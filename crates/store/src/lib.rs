//! Persistence for ketnap: one `Store` over SQLite (the embedded default) or PostgreSQL,
//! chosen by the database URL. SQL is written once in the subset both accept; each change
//! runs in a transaction that also writes its audit row.

mod accounts;
mod audit;
mod backup;
mod bench;
mod cases;
mod coordination;
mod courses;
mod dataset;
mod keys;
pub mod listing;
pub mod lookups;
mod model;
mod name_search;
mod people;
mod plans;
mod read;
mod reminders;
mod reports;
mod retention;
mod rules;
mod searches;
mod sessions;
mod takeovers;
mod throttle;
mod two_factor;
mod unit_imports;
mod units;
mod uploads;

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use ketnap_domain::case::Stage;
use ketnap_domain::ports::{StoreError, StoreResult};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Connection, Executor, Transaction};

pub use accounts::{AccountSummary, NewUser, UserRecord};
pub use audit::AuditCheck;
pub use coordination::{
    Destination, Incoming, Navigation, NominationCount, NominationSummary, RequestView,
    TransferView,
};
pub use dataset::{Dataset, Headcount, MassOrg};
pub use keys::KeyUse;
pub use name_search::NameSearchLimits;
pub use reminders::{
    Claim, Held, Notification, OutboxMail, ReminderRecipient, RunCounts, UnsentMail,
};
pub use reports::{Overview, Pressing, PressingList};
pub use retention::Purge;
pub use rules::LoadedRuleSet;
pub use sessions::{ApiToken, EndSessions, HalfSession, LiveSession, Pending, Session};
pub use takeovers::{KnownPerson, Takeover};
pub use two_factor::{CodeCheck, otpauth_uri};
pub use unit_imports::{ImportedMassOrg, ImportedUnit, UnitParent};
pub use units::MassOrgRecord;
pub use uploads::Upload;

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The report model, shared by clones (see `model.rs`).
    model: std::sync::Arc<model::ModelCache>,
    /// The data keys (see `keys.rs`), shared by clones.
    keys: std::sync::Arc<KeySlot>,
    /// When a part of a name is looked for through the names' index (`name_search.rs`).
    name_search_limits: NameSearchLimits,
    /// Scopes of more units than this find their home page's pressing cases and
    /// admissions, and their case list's counts by stage, in the report model's tally
    /// (`report::tally`) rather than among their own cases or in the database; the home
    /// page's stage counts come from the tally for every scope.
    tally_from_units: usize,
    /// Rule sets and calendar years as last parsed, shared by clones (see `rules.rs`).
    parsed: std::sync::Arc<rules::Parsed>,
    /// The sectors (code, name), read once: only migrations change them.
    sectors: std::sync::Arc<tokio::sync::OnceCell<Vec<(String, String)>>>,
    /// On SQLite, the pages' reads straight from the file (see `read.rs`).
    file_reader: Option<std::sync::Arc<read::FileReader>>,
}

/// Where the data keys are, and once read or made, the keys.
#[derive(Debug)]
struct KeySlot {
    path: Option<std::path::PathBuf>,
    loaded: std::sync::OnceLock<keys::DataKeys>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Each SQLite connection's settings. FULL: an acknowledged write survives power loss, not
/// only a crash. secure_delete: what a change replaces is zeroed, not left readable in
/// free pages of the file.
const SQLITE_SETTINGS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;";

/// Whether opening may create a new SQLite file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    IfMissing,
    /// A typo in a path must not silently start an empty database.
    Never,
}

impl Store {
    /// Opens `url`: `sqlite://PATH` (or a bare path) or `postgres://…`, with the data keys
    /// beside a SQLite file (`PATH.keys`).
    pub async fn open(url: &str, create: Create) -> StoreResult<Store> {
        Store::open_with_keys(url, create, None).await
    }

    /// Opens `url` with the data keys in `keys` (PostgreSQL has no default place for
    /// them). A missing file is made by `migrate` when the database holds nothing sealed.
    pub async fn open_with_keys(
        url: &str,
        create: Create,
        keys: Option<&Path>,
    ) -> StoreResult<Store> {
        install_default_drivers();
        let keys_path = keys.map(Path::to_path_buf).or_else(|| {
            sqlite_path(url).map(|db| {
                let mut name = db.into_os_string();
                name.push(".keys");
                std::path::PathBuf::from(name)
            })
        });
        let loaded = std::sync::OnceLock::new();
        if let Some(path) = keys_path.as_deref().filter(|p| p.exists()) {
            let _ = loaded.set(keys::DataKeys::load(path)?);
        }
        let (backend, url) = parse_url(url, create)?;
        if backend == Backend::Sqlite {
            // A file damaged where a connection's set-up reads (its schema) fails here and
            // says so: the pool would retry that set-up until its acquire timeout (30 s)
            // and then name only the timeout.
            let damaged = |error: sqlx::Error| {
                if sqlite_damage(&error) {
                    StoreError::Backend(format!(
                        "tệp {} bị hỏng hoặc không phải cơ sở dữ liệu SQLite ({error})",
                        sqlite_path(&url).unwrap_or_default().display()
                    ))
                } else {
                    backend_error(error)
                }
            };
            let mut first = sqlx::AnyConnection::connect(&url).await.map_err(damaged)?;
            first.execute(SQLITE_SETTINGS).await.map_err(damaged)?;
            first.close().await.map_err(backend_error)?;
        }
        let options = AnyPoolOptions::new().max_connections(match backend {
            Backend::Sqlite => 4,
            Backend::Postgres => 8,
        });
        let options = if backend == Backend::Sqlite {
            // A connection to a local file does not go stale: testing it before each
            // query would cost every query a round trip to the connection's thread.
            options
                .test_before_acquire(false)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(SQLITE_SETTINGS).await?;
                        Ok(())
                    })
                })
                .after_release(|conn, _| {
                    Box::pin(async move {
                        // SQLite rolls a transaction back itself on some errors (a full disk);
                        // sqlx's own ROLLBACK then fails and it still counts the transaction
                        // open, so its next BEGIN would fail. Such a connection is closed. The
                        // ping lets a rollback queued by a dropped transaction finish first;
                        // a connection outside any transaction (most queries) needs none, and
                        // the round trip to its thread would cost every query a wake-up.
                        if conn.is_in_transaction() {
                            conn.ping().await?;
                        }
                        Ok(!conn.is_in_transaction())
                    })
                })
        } else {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    // Every query is planned for its own values: the same statement reads a
                    // ward's few hundred cases or the country's million and a half (the
                    // scope's root is a parameter), and a plan made once for unknown values
                    // fits neither (a city's search: 600 ms with it, a few ms without).
                    conn.execute("SET plan_cache_mode = force_custom_plan")
                        .await?;
                    Ok(())
                })
            })
        };
        let pool = options.connect(&url).await.map_err(backend_error)?;
        if backend == Backend::Sqlite {
            pool.execute("PRAGMA journal_mode = WAL")
                .await
                .map_err(backend_error)?;
        }
        Ok(Store {
            pool,
            backend,
            model: Default::default(),
            keys: std::sync::Arc::new(KeySlot {
                path: keys_path,
                loaded,
            }),
            name_search_limits: NameSearchLimits::default(),
            tally_from_units: 1_000,
            parsed: Default::default(),
            sectors: Default::default(),
            // An in-memory database is sqlx's connection's own: no file to read.
            file_reader: sqlite_path(&url)
                .filter(|path| backend == Backend::Sqlite && path.as_os_str() != ":memory:")
                .map(|path| std::sync::Arc::new(read::FileReader::new(&path))),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), waiting its turn up to `busy_timeout`: a deferred transaction that reads
    /// before it writes cannot wait, SQLite refuses its first write at once ("database is
    /// locked") when another connection writes or has written since its read.
    pub(crate) async fn begin(&self) -> StoreResult<Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(backend_error)
    }

    /// Brings the schema up to date; safe to run at every start.
    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.seal_audit_log().await?;
        // A generated load cut short leaves its indexes set aside: build them again.
        self.restore_indexes().await?;
        self.prepare_keys().await?;
        self.seal_plain_people().await?;
        self.order_names().await
    }

    /// On SQLite, copies the WAL back into the file and empties it: after data was erased
    /// or sealed, the earlier page images in the WAL must not outlive it.
    pub(crate) async fn flush_wal(&self) -> StoreResult<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await
                .map_err(backend_error)?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(reader) = &self.file_reader {
            reader.close();
        }
    }

    /// A value from the `meta` table (`dataset` = `demo` marks demonstration data).
    pub async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_error)
    }
}

/// The file of a SQLite URL (`sqlite://PATH`, `sqlite:PATH` or a bare path); none for
/// PostgreSQL or another scheme.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .or_else(|| (!url.contains("://")).then_some(url))?;
    Some(std::path::PathBuf::from(
        path.split('?').next().unwrap_or_default(),
    ))
}

fn parse_url(url: &str, create: Create) -> StoreResult<(Backend, String)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_string()));
    }
    let path = match url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Some(path) => path,
        None if !url.contains("://") => url,
        None => {
            return Err(StoreError::Backend(format!(
                "Không hỗ trợ địa chỉ cơ sở dữ liệu \"{}\": dùng sqlite://ĐƯỜNG_DẪN hoặc postgres://…",
                url.split("://").next().unwrap_or_default()
            )));
        }
    };
    let path = path.split('?').next().unwrap_or_default();
    let file = Path::new(path);
    if !file.exists() {
        if create == Create::Never {
            return Err(StoreError::Backend(format!(
                "Không có tệp cơ sở dữ liệu {path}. Chạy `ketnap migrate` (hoặc `ketnap demo`) để tạo, hoặc kiểm tra lại đường dẫn."
            )));
        }
        if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Backend(format!("Không tạo được thư mục {}: {e}", dir.display()))
            })?;
        }
    }
    Ok((Backend::Sqlite, format!("sqlite://{path}?mode=rwc")))
}

fn backend_error(error: sqlx::Error) -> StoreError {
    // SQLITE_FULL and PostgreSQL's disk_full: the user is told what is wrong.
    let code = error.as_database_error().and_then(|e| e.code());
    if matches!(code.as_deref(), Some("13" | "53100")) {
        return StoreError::Full;
    }
    StoreError::Backend(error.to_string())
}

/// Whether SQLite found its file damaged (SQLITE_CORRUPT) or not a database at all
/// (SQLITE_NOTADB), extended codes included.
fn sqlite_damage(error: &sqlx::Error) -> bool {
    let code = error.as_database_error().and_then(|e| e.code());
    code.and_then(|c| c.parse::<u32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 11 | 26))
}

/// A stage from its code in a column.
fn stage(code: &str) -> StoreResult<Stage> {
    Stage::from_code(code).ok_or_else(|| StoreError::Backend(format!("bước lạ: {code}")))
}

fn json_error(error: serde_json::Error) -> StoreError {
    StoreError::Backend(format!("dữ liệu JSON hỏng: {error}"))
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(json_error)
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(json_error)
}

/// A change asked of an account that may only read.
fn read_only() -> StoreError {
    StoreError::Rejected(ketnap_domain::Violation::new(
        "scope.read-only",
        "scope",
        "Tài khoản này chỉ được xem, không được sửa.",
    ))
}

fn iso_date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn parse_date(text: &str) -> StoreResult<NaiveDate> {
    NaiveDate::from_str(text).map_err(|e| StoreError::Backend(format!("ngày hỏng \"{text}\": {e}")))
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_timestamp(text: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Backend(format!("thời điểm hỏng \"{text}\": {e}")))
}

/// A `LIKE` pattern that finds `text` anywhere, with `\`, `%` and `_` taken literally on
/// both backends (used with `ESCAPE '\'`).
pub(crate) fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The query that lists a unit and everything under it (`unit_closure`, kept by triggers);
/// `$1` is the root. `RECURSIVE` stays so that queries may add recursive parts of their own.
const SUBTREE: &str = "WITH RECURSIVE subtree (id) AS (
    SELECT unit_id FROM unit_closure WHERE ancestor_id = $1
)";

/// The condition that the unit in `column` is in the subtree of `$1`, for queries that read
/// a few rows: one probe of `unit_closure` per row, where `IN (SELECT id FROM subtree)`
/// makes the list of every unit under `$1` first (150,000 for the country). `column` must
/// name its table: a bare `unit_id` would be the subquery's own.
fn in_subtree(column: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM unit_closure sc WHERE sc.ancestor_id = $1 AND sc.unit_id = {column})"
    )
}

/// The condition (inside `EXISTS (…)`) that the row of `people` being read has a case in
/// the subtree of `$1`: checked for that person through their cases, not by listing every
/// person of the scope first (a city's 100,000 people for each record opened).
const VISIBLE_PERSON: &str = "SELECT 1 FROM cases c JOIN unit_closure s ON s.unit_id = c.cell_id
    WHERE c.person_id = people.id AND s.ancestor_id = $1";

fn vietnam_today(now: DateTime<Utc>) -> NaiveDate {
    ketnap_domain::workflow::today_in_vietnam(now)
}

/// Sets `key` of the `meta` table to `value`; two processes starting at once may both set
/// it, so it is an upsert (SQLite and PostgreSQL share the syntax).
pub(crate) async fn put_meta(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &str,
    value: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut **tx)
    .await
    .map_err(backend_error)?;
    Ok(())
}

/// A new SQLite store, migrated, in a directory of its own (kept while the directory is).
#[cfg(test)]
pub(crate) async fn test_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("k.sqlite3").display());
    let store = Store::open(&url, Create::IfMissing).await.unwrap();
    store.migrate().await.unwrap();
    (store, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `.cargo/config.toml` has SQLite built without its memory statistics and without
    /// the page cache shared by every connection (both behind process-wide mutexes that
    /// cost list pages a third of their throughput and more); a build that lost the
    /// settings fails here.
    #[tokio::test]
    async fn sqlite_is_built_without_process_wide_mutexes() {
        let (store, _dir) = test_store().await;
        let used: (i64, i64) = store
            .read(
                "SELECT sqlite_compileoption_used('DEFAULT_MEMSTATUS=0'),
                        sqlite_compileoption_used('ENABLE_MEMORY_MANAGEMENT')",
            )
            .one()
            .await
            .unwrap();
        assert_eq!(used, (1, 0));
    }

    /// A file that is not a database is refused at once, by name (a damaged one: the
    /// backup test).
    #[tokio::test]
    async fn a_file_that_is_not_a_database_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k.sqlite3");
        std::fs::write(
            &file,
            "Danh sách đảng viên, không phải SQLite. ".repeat(200),
        )
        .unwrap();
        let error = Store::open(&format!("sqlite://{}", file.display()), Create::Never)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("bị hỏng hoặc không phải cơ sở dữ liệu"),
            "{error}"
        );
        assert!(error.contains(&file.display().to_string()), "{error}");
    }
}
