//! The audit trail: one row per change or read of a personal record, written with it.

use ketnap_domain::ports::{AuditEntry, AuditStore, Change, StoreResult};
use ketnap_domain::scope::Scope;
use sqlx::{Any, Transaction};

use crate::{SUBTREE, Store, backend_error, parse_timestamp, timestamp};

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
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(timestamp(change.now))
    .bind(&change.actor)
    .bind(audit.action)
    .bind(audit.entity)
    .bind(audit.entity_id)
    .bind(audit.before)
    .bind(audit.after)
    .bind(&change.request_id)
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
