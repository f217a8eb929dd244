//! Party units and mass organisations taken over from a list (`ketnap-import`), written in
//! bulk: the whole list in one transaction, with an audit row per unit or organisation as
//! a single creation writes, and one for the import. The same checks as `create_unit` and
//! `create_mass_org` run for every entry before anything is written, so a list that slipped
//! past the importer's checks (a unit created meanwhile) still writes nothing.

use std::collections::HashSet;

use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::ids::{MassOrgId, UnitId};
use ketnap_domain::ports::{Change, StoreError, StoreResult, UnitStore};
use ketnap_domain::scope::Scope;
use ketnap_domain::text::clean;
use ketnap_domain::unit::{SectorCode, Unit, UnitKind, check_placement};

use crate::audit::{self, Audit};
use crate::dataset::{Cell, insert, int, text};
use crate::{Store, backend_error, iso_date, read_only};

/// Where a unit of a list goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitParent {
    /// A unit on file, inside the scope.
    OnFile(UnitId),
    /// The unit an earlier entry of the same list creates (its index in the list).
    Earlier(usize),
}

/// A unit to create from a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedUnit {
    pub code: Option<String>,
    pub name: String,
    pub kind: UnitKind,
    pub parent: UnitParent,
    pub sector: SectorCode,
    pub valid_from: NaiveDate,
}

impl ImportedUnit {
    /// The unit as it will be once written (its id and parent's not known yet), for the
    /// placement checks of the entries under it.
    pub fn as_unit(&self) -> Unit {
        Unit {
            id: UnitId(0),
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind,
            parent: None,
            sector: self.sector.clone(),
            valid_from: self.valid_from,
            valid_until: None,
            successor: None,
        }
    }
}

/// A mass organisation to create from a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedMassOrg {
    /// A code of the `mass_org_kinds` table.
    pub kind: String,
    pub unit: UnitId,
    pub name: String,
}

fn parent_not_found() -> StoreError {
    StoreError::NotFound("tổ chức đảng cấp trên")
}

/// A unique index refused the rows: the only one on these tables is the active unit's code.
fn code_taken(error: StoreError) -> StoreError {
    match error {
        StoreError::Backend(message) if message.to_lowercase().contains("unique") => {
            StoreError::Rejected(Violation::new(
                "unit.code-taken",
                "code",
                "Mã tổ chức này đã được dùng cho một tổ chức đang hoạt động.",
            ))
        }
        other => other,
    }
}

impl Store {
    /// The kinds of mass organisation, `(code, Vietnamese name)`, in display order.
    pub async fn mass_org_kinds(&self) -> StoreResult<Vec<(String, String)>> {
        sqlx::query_as("SELECT code, name FROM mass_org_kinds ORDER BY position")
            .fetch_all(&self.pool)
            .await
            .map_err(backend_error)
    }

    /// Creates `units` in one transaction, in the list's order (an entry's parent is on file
    /// in the scope or an earlier entry), each with its `unit.create` audit row, and returns
    /// their ids in the same order.
    pub async fn write_units(
        &self,
        change: &Change,
        scope: &Scope,
        units: &[ImportedUnit],
    ) -> StoreResult<Vec<UnitId>> {
        if !scope.can_edit() {
            return Err(read_only());
        }
        let sectors: HashSet<String> = self
            .sectors()
            .await?
            .into_iter()
            .map(|(code, _)| code)
            .collect();
        let mut names = Vec::with_capacity(units.len());
        for (i, unit) in units.iter().enumerate() {
            let name = clean(&unit.name);
            if name.is_empty() {
                return Err(
                    Violation::new("input.required", "name", "Phải ghi tên tổ chức đảng.").into(),
                );
            }
            let parent = match unit.parent {
                UnitParent::OnFile(id) => {
                    if !self.in_scope(scope, id).await? {
                        return Err(parent_not_found());
                    }
                    self.unit(id).await?.ok_or_else(parent_not_found)?
                }
                UnitParent::Earlier(j) if j < i => units
                    .get(j)
                    .map(ImportedUnit::as_unit)
                    .ok_or_else(parent_not_found)?,
                UnitParent::Earlier(_) => return Err(parent_not_found()),
            };
            check_placement(&parent, unit.kind, unit.valid_from)?;
            if !sectors.contains(&unit.sector.0) {
                return Err(Violation::new(
                    "unit.sector",
                    "sector",
                    format!("Lĩnh vực \"{}\" không có trong danh mục.", unit.sector.0),
                )
                .into());
            }
            names.push(name);
        }
        let mut tx = self.begin().await?;
        let ids = self.next_ids(&mut tx, "units", units.len()).await?;
        let mut rows = Vec::with_capacity(units.len());
        let mut audits = Vec::with_capacity(units.len() + 1);
        for ((unit, name), id) in units.iter().zip(&names).zip(&ids) {
            let parent = match unit.parent {
                UnitParent::OnFile(parent) => parent.0,
                UnitParent::Earlier(j) => *ids.get(j).ok_or_else(parent_not_found)?,
            };
            let code = unit
                .code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty());
            rows.push(vec![
                int(*id),
                Cell::Text(code.map(str::to_string)),
                text(name),
                text(unit.kind.code()),
                int(parent),
                text(&unit.sector.0),
                text(iso_date(unit.valid_from)),
            ]);
            audits.push(Audit {
                after: Some(name.clone()),
                ..Audit::event("unit.create", "unit", *id)
            });
        }
        audits.push(Audit {
            after: Some(format!("{} tổ chức đảng", units.len())),
            ..Audit::event("import.units", "import", 0)
        });
        let backend = self.backend;
        insert(
            &mut tx,
            backend,
            "INSERT INTO units (id, code, name, kind, parent_id, sector, valid_from)",
            rows,
        )
        .await
        .map_err(code_taken)?;
        audit::write_all(&mut tx, backend, change, &audits).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(ids.into_iter().map(UnitId).collect())
    }

    /// Creates `orgs` in one transaction, each under an active unit of the scope and with
    /// its `mass-org.create` audit row, and returns their ids in the same order.
    pub async fn write_mass_orgs(
        &self,
        change: &Change,
        scope: &Scope,
        orgs: &[ImportedMassOrg],
    ) -> StoreResult<Vec<MassOrgId>> {
        if !scope.can_edit() {
            return Err(read_only());
        }
        let kinds: HashSet<String> = self
            .mass_org_kinds()
            .await?
            .into_iter()
            .map(|(code, _)| code)
            .collect();
        let mut checked: HashSet<UnitId> = HashSet::new();
        let mut names = Vec::with_capacity(orgs.len());
        for org in orgs {
            let name = clean(&org.name);
            if name.is_empty() {
                return Err(
                    Violation::new("input.required", "name", "Phải ghi tên đoàn thể.").into(),
                );
            }
            if !kinds.contains(&org.kind) {
                return Err(Violation::new(
                    "mass-org.kind",
                    "kind",
                    format!("Không có loại đoàn thể \"{}\".", org.kind),
                )
                .into());
            }
            if checked.insert(org.unit) {
                let active = self
                    .unit(org.unit)
                    .await?
                    .is_some_and(|u| u.valid_until.is_none());
                if !active || !self.in_scope(scope, org.unit).await? {
                    return Err(StoreError::NotFound("tổ chức đảng"));
                }
            }
            names.push(name);
        }
        let mut tx = self.begin().await?;
        let ids = self.next_ids(&mut tx, "mass_orgs", orgs.len()).await?;
        let mut rows = Vec::with_capacity(orgs.len());
        let mut audits = Vec::with_capacity(orgs.len() + 1);
        for ((org, name), id) in orgs.iter().zip(&names).zip(&ids) {
            rows.push(vec![int(*id), text(&org.kind), int(org.unit.0), text(name)]);
            audits.push(Audit {
                after: Some(name.clone()),
                ..Audit::event("mass-org.create", "mass_org", *id)
            });
        }
        audits.push(Audit {
            after: Some(format!("{} đoàn thể", orgs.len())),
            ..Audit::event("import.mass_orgs", "import", 0)
        });
        let backend = self.backend;
        insert(
            &mut tx,
            backend,
            "INSERT INTO mass_orgs (id, kind, unit_id, name)",
            rows,
        )
        .await?;
        audit::write_all(&mut tx, backend, change, &audits).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(ids.into_iter().map(MassOrgId).collect())
    }
}
