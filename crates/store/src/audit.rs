//! The audit trail: one row per change or read of a personal record, written with it.

use ketnap_domain::ports::{AuditEntry, AuditStore, Change, StoreResult};
use ketnap_domain::scope::Scope;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

use crate::dataset::{Cell, insert, text};
use crate::{Backend, SUBTREE, Store, backend_error, parse_timestamp, timestamp};

/// What an audit row records besides who, when and in which request.
pub(crate) struct Audit<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl<'a> Audit<'a> {
    /// A row that records what happened to which entity, without before/after values.
    pub(crate) fn event(action: &'a str, entity: &'a str, entity_id: impl ToString) -> Audit<'a> {
        Audit {
            action,
            entity,
            entity_id: entity_id.to_string(),
            before: None,
            after: None,
        }
    }
}

pub(crate) async fn write(
    tx: &mut Transaction<'_, Any>,
    change: &Change,
    audit: Audit<'_>,
) -> StoreResult<()> {
    let row = Chained::new(change, &audit);
    let hash = link(&lock_head(tx).await?, &row);
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, request_id, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(row.at)
    .bind(row.actor)
    .bind(row.action)
    .bind(row.entity)
    .bind(row.entity_id)
    .bind(row.before)
    .bind(row.after)
    .bind(row.request_id)
    .bind(&hash)
    .execute(&mut **tx)
    .await
    .map_err(backend_error)?;
    set_head(tx, &hash).await
}

impl Store {
    /// Writes one audit row in a transaction of its own: a read, which changes nothing else.
    pub(crate) async fn audit_alone(&self, change: &Change, audit: Audit<'_>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        write(&mut tx, change, audit).await?;
        tx.commit().await.map_err(backend_error)
    }
}

/// Writes many rows of one change, chained in order (bulk loads and imports).
pub(crate) async fn write_all(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    change: &Change,
    audits: &[Audit<'_>],
) -> StoreResult<()> {
    if audits.is_empty() {
        return Ok(());
    }
    let mut hash = lock_head(tx).await?;
    let mut rows = Vec::with_capacity(audits.len());
    for audit in audits {
        let row = Chained::new(change, audit);
        hash = link(&hash, &row);
        rows.push(vec![
            text(row.at),
            text(row.actor),
            text(row.action),
            text(row.entity),
            text(row.entity_id),
            Cell::Text(row.before.map(str::to_string)),
            Cell::Text(row.after.map(str::to_string)),
            text(row.request_id),
            text(&hash),
        ]);
    }
    insert(
        tx,
        backend,
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, request_id, hash)",
        rows,
    )
    .await?;
    set_head(tx, &hash).await
}

/// The fields of an audit row that its hash covers, in order.
pub(crate) struct Chained<'a> {
    pub at: String,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub request_id: &'a str,
}

impl<'a> Chained<'a> {
    fn new(change: &'a Change, audit: &'a Audit<'_>) -> Chained<'a> {
        Chained {
            at: timestamp(change.now),
            actor: &change.actor,
            action: audit.action,
            entity: audit.entity,
            entity_id: &audit.entity_id,
            before: audit.before.as_deref(),
            after: audit.after.as_deref(),
            request_id: &change.request_id,
        }
    }
}

/// The hash of a row chained to the one before it: SHA-256 over the previous hash and each
/// field with its length (an absent field differs from an empty one), in hex.
pub(crate) fn link(previous: &str, row: &Chained<'_>) -> String {
    let mut hasher = Sha256::new();
    let mut field = |value: Option<&str>| match value {
        Some(v) => {
            hasher.update((v.len() as u64).to_be_bytes());
            hasher.update(v.as_bytes());
        }
        None => hasher.update(u64::MAX.to_be_bytes()),
    };
    field(Some(previous));
    field(Some(&row.at));
    field(Some(row.actor));
    field(Some(row.action));
    field(Some(row.entity));
    field(Some(row.entity_id));
    field(row.before);
    field(row.after);
    field(Some(row.request_id));
    hex::encode(hasher.finalize())
}

/// Takes the chain's head for this transaction (other writers wait until it commits, so
/// rows are chained in the order they are written) and returns its hash.
async fn lock_head(tx: &mut Transaction<'_, Any>) -> StoreResult<String> {
    sqlx::query("UPDATE audit_head SET hash = hash WHERE id = 1")
        .execute(&mut **tx)
        .await
        .map_err(backend_error)?;
    sqlx::query_scalar("SELECT hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut **tx)
        .await
        .map_err(backend_error)
}

async fn set_head(tx: &mut Transaction<'_, Any>, hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(hash)
        .execute(&mut **tx)
        .await
        .map_err(backend_error)?;
    Ok(())
}

impl AuditStore for Store {
    async fn audit_trail(
        &self,
        scope: &Scope,
        entity: &str,
        entity_id: &str,
    ) -> StoreResult<Vec<AuditEntry>> {
        // Only entities inside the scope: a case or a person with a case in the subtree.
        let Ok(id) = entity_id.parse::<i64>() else {
            return Err(ketnap_domain::ports::StoreError::NotFound("hồ sơ"));
        };
        let visible_sql = format!(
            "{SUBTREE} SELECT COUNT(*) FROM cases c WHERE c.cell_id IN (SELECT id FROM subtree)
             AND (($2 = 'case' AND c.id = $3) OR ($2 = 'person' AND c.person_id = $3))"
        );
        let visible: i64 = sqlx::query_scalar(&visible_sql)
            .bind(scope.root().0)
            .bind(entity)
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(backend_error)?;
        if visible == 0 {
            return Err(ketnap_domain::ports::StoreError::NotFound("hồ sơ"));
        }
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT at, actor, action, entity, entity_id, before, after, request_id FROM audit_log
             WHERE entity = $1 AND entity_id = $2 ORDER BY id",
        )
        .bind(entity)
        .bind(entity_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: parse_timestamp(&row.at)?,
                    actor: row.actor,
                    action: row.action,
                    entity: row.entity,
                    entity_id: row.entity_id,
                    before: row.before,
                    after: row.after,
                    request_id: row.request_id,
                })
            })
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
    request_id: String,
}

/// What `Store::verify_audit_log` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// Rows read.
    pub rows: u64,
    /// The last row's hash (the head), for an operator to keep elsewhere.
    pub head: String,
    /// Each place the chain breaks: the row's id (none for the head) and why, in Vietnamese.
    pub problems: Vec<(Option<i64>, String)>,
}

/// Rows read per query while verifying.
const VERIFY_PAGE: i64 = 10_000;

#[derive(sqlx::FromRow)]
struct StoredRow {
    id: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
    request_id: String,
    hash: Option<String>,
}

impl StoredRow {
    fn chained(&self) -> Chained<'_> {
        Chained {
            at: self.at.clone(),
            actor: &self.actor,
            action: &self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
            before: self.before.as_deref(),
            after: self.after.as_deref(),
            request_id: &self.request_id,
        }
    }
}

const STORED_COLUMNS: &str =
    "id, at, actor, action, entity, entity_id, before, after, request_id, hash";

impl Store {
    /// Chains the rows written before the chain existed (once, in id order, when the store
    /// is migrated); a second process finds nothing left to seal.
    pub(crate) async fn seal_audit_log(&self) -> StoreResult<()> {
        let unsealed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE hash IS NULL")
            .fetch_one(&self.pool)
            .await
            .map_err(backend_error)?;
        if unsealed == 0 {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        let mut hash = lock_head(&mut tx).await?;
        let rows: Vec<StoredRow> = sqlx::query_as(&format!(
            "SELECT {STORED_COLUMNS} FROM audit_log WHERE hash IS NULL ORDER BY id"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend_error)?;
        for row in &rows {
            hash = link(&hash, &row.chained());
            sqlx::query("UPDATE audit_log SET hash = $1 WHERE id = $2")
                .bind(&hash)
                .bind(row.id)
                .execute(&mut *tx)
                .await
                .map_err(backend_error)?;
        }
        set_head(&mut tx, &hash).await?;
        tx.commit().await.map_err(backend_error)
    }

    /// Recomputes the chain from the first row: a row whose hash does not follow from the
    /// row before it was edited, or the row before it was deleted or moved; a head that is
    /// not the last row's hash means rows were cut off the end.
    pub async fn verify_audit_log(&self) -> StoreResult<AuditCheck> {
        let mut check = AuditCheck {
            rows: 0,
            head: String::new(),
            problems: Vec::new(),
        };
        // One snapshot for the rows and the head: on a live database a row written between
        // reading the last rows and reading the head would look like a log cut short.
        let mut tx = match self.backend {
            Backend::Sqlite => self.pool.begin().await,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
            }
        }
        .map_err(backend_error)?;
        let mut previous = String::new();
        let mut after_id = 0i64;
        loop {
            let rows: Vec<StoredRow> = sqlx::query_as(&format!(
                "SELECT {STORED_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"
            ))
            .bind(after_id)
            .bind(VERIFY_PAGE)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend_error)?;
            let Some(last) = rows.last() else { break };
            after_id = last.id;
            for row in &rows {
                check.rows += 1;
                let Some(stored) = &row.hash else {
                    check.problems.push((
                        Some(row.id),
                        format!(
                            "Dòng #{} không có dấu kiểm tra (được thêm ngoài ketnap).",
                            row.id
                        ),
                    ));
                    continue;
                };
                if link(&previous, &row.chained()) != *stored {
                    check.problems.push((
                        Some(row.id),
                        format!(
                            "Dòng #{} không khớp với chuỗi: dòng này đã bị sửa, hoặc dòng liền trước nó đã bị xóa hay đổi chỗ.",
                            row.id
                        ),
                    ));
                }
                // Going on from the stored hash places each break where it is.
                previous = stored.clone();
            }
        }
        let head: String = sqlx::query_scalar("SELECT hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .map_err(backend_error)?;
        tx.commit().await.map_err(backend_error)?;
        if head != previous {
            check.problems.push((
                None,
                "Dấu cuối của nhật ký không phải dấu của dòng cuối cùng: các dòng cuối đã bị xóa (nhật ký bị cắt ngắn), hoặc dấu cuối đã bị sửa.".into(),
            ));
        }
        check.head = previous;
        Ok(check)
    }
}

impl Store {
    /// The stored hash of audit row `id`, if there is such a row (for a signed checkpoint).
    pub async fn audit_hash_at(&self, id: i64) -> StoreResult<Option<String>> {
        let hash: Option<Option<String>> =
            sqlx::query_scalar("SELECT hash FROM audit_log WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_error)?;
        Ok(hash.flatten())
    }

    /// The id of the last audit row (0 when there is none).
    pub async fn last_audit_id(&self) -> StoreResult<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
            .fetch_one(&self.pool)
            .await
            .map_err(backend_error)?;
        Ok(id.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_store;
    use chrono::{TimeZone, Utc};

    async fn append(store: &Store, n: usize) {
        let change = Change {
            actor: "kiem-tra".into(),
            request_id: "req".into(),
            now: Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap(),
        };
        let mut tx = store.pool.begin().await.unwrap();
        for i in 0..n {
            write(&mut tx, &change, Audit::event("case.update", "case", i))
                .await
                .unwrap();
        }
        let many: Vec<Audit> = (0..n)
            .map(|i| Audit::event("person.read", "person", i))
            .collect();
        write_all(&mut tx, store.backend, &change, &many)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    async fn exec(store: &Store, sql: &str) {
        sqlx::query(sql).execute(&store.pool).await.unwrap();
    }

    fn places(check: &AuditCheck) -> Vec<Option<i64>> {
        check.problems.iter().map(|(id, _)| *id).collect()
    }

    #[tokio::test]
    async fn an_untouched_log_verifies_and_the_store_refuses_to_change_it() {
        let (store, _dir) = test_store().await;
        append(&store, 3).await;
        let check = store.verify_audit_log().await.unwrap();
        assert_eq!((check.rows, check.problems.len()), (6, 0), "{check:?}");
        assert_eq!(check.head.len(), 64);
        for sql in [
            "UPDATE audit_log SET actor = 'ai-do' WHERE id = 2",
            "DELETE FROM audit_log WHERE id = 2",
        ] {
            let refused = sqlx::query(sql).execute(&store.pool).await;
            assert!(refused.is_err(), "{sql}");
        }
        assert!(store.verify_audit_log().await.unwrap().problems.is_empty());
    }

    #[tokio::test]
    async fn an_edited_a_deleted_a_reordered_or_a_truncated_log_is_found_where_it_breaks() {
        // Someone with the database file in hand can drop the triggers; the chain still tells.
        let (store, _dir) = test_store().await;
        append(&store, 4).await;
        exec(&store, "DROP TRIGGER audit_log_no_update").await;
        exec(&store, "DROP TRIGGER audit_log_no_delete").await;

        exec(&store, "UPDATE audit_log SET actor = 'ai-do' WHERE id = 3").await;
        assert_eq!(places(&store.verify_audit_log().await.unwrap()), [Some(3)]);
        exec(
            &store,
            "UPDATE audit_log SET actor = 'kiem-tra' WHERE id = 3",
        )
        .await;
        assert!(store.verify_audit_log().await.unwrap().problems.is_empty());

        exec(&store, "DELETE FROM audit_log WHERE id = 5").await;
        assert_eq!(places(&store.verify_audit_log().await.unwrap()), [Some(6)]);

        // Rows 1 and 2 swapped (their contents exchanged, ids kept).
        let (store, _dir) = test_store().await;
        append(&store, 4).await;
        exec(&store, "DROP TRIGGER audit_log_no_update").await;
        exec(&store, "UPDATE audit_log SET entity_id = 'x' WHERE id = 1").await;
        exec(&store, "UPDATE audit_log SET entity_id = '0' WHERE id = 2").await;
        exec(&store, "UPDATE audit_log SET entity_id = '1' WHERE id = 1").await;
        let found = places(&store.verify_audit_log().await.unwrap());
        assert_eq!(found, [Some(1), Some(2)]);

        // The last two rows cut off.
        let (store, _dir) = test_store().await;
        append(&store, 4).await;
        exec(&store, "DROP TRIGGER audit_log_no_delete").await;
        exec(&store, "DELETE FROM audit_log WHERE id > 6").await;
        let check = store.verify_audit_log().await.unwrap();
        assert_eq!(places(&check), [None]);
        assert!(check.problems[0].1.contains("cắt ngắn"));
    }
}
